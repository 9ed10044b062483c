"""卷内文件目录: one row per 件 (序号, 文号, 责任者, 题名, 日期, 页号, 备注), continued over pages
with the header repeated; each row a link to its 件's first page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm

from toolkit.dossier.entries import Entry
from toolkit.dossier.sheets.pen import (
    BOTTOM,
    LEFT,
    OUTER,
    PAGE_H,
    PAGE_W,
    RIGHT,
    TEXT_W,
    TOP,
    Pen,
    line,
)
from toolkit.dossier.spec import VolumeSpec, compact_date

#: (header, width in mm, alignment)
INDEX_COLUMNS = (("序号", 9, "center"), ("文号", 32, "center"), ("责任者", 26, "center"),
                 ("题名", 51, "left"), ("日期", 18, "center"), ("页号", 13, "center"),
                 ("备注", 21, "center"))
INDEX_SIZE = 10.5
INDEX_LEAD = 13.5
INDEX_PAD = 1.0 * mm
INDEX_MIN_ROW = 9 * mm
INDEX_HEADER_ROW = 10 * mm
INDEX_TITLE_BLOCK = 24 * mm     # title and 档号 line above the table


@dataclass
class IndexRow:
    entry: Entry
    cells: list[list[str]]
    height: float


@dataclass
class IndexLayout:
    pages: list[list[IndexRow]]


@dataclass
class Link:
    """A clickable rectangle on a generated page leading to an entry's first page."""

    page: int                      # index within the generated document
    rect: tuple[float, float, float, float]
    seq: int


def layout_index(pen: Pen, entries: Sequence[Entry]) -> IndexLayout:
    widths = [w * mm for _, w, _ in INDEX_COLUMNS]
    rows = []
    for k, e in enumerate(entries):
        last = k == len(entries) - 1
        values = [str(e.seq), e.item.number, e.item.author, e.item.title,
                  compact_date(e.item.date), e.page_ref(last), e.remark()]
        cells = [pen.wrap(v, "songti", INDEX_SIZE, w - 2 * INDEX_PAD,
                          field=f"卷内文件目录·{INDEX_COLUMNS[i][0]}")
                 for i, (v, w) in enumerate(zip(values, widths, strict=True))]
        h = max(INDEX_MIN_ROW, max(len(c) for c in cells) * INDEX_LEAD + 2 * INDEX_PAD + 2)
        rows.append(IndexRow(e, cells, h))
    avail = PAGE_H - TOP - BOTTOM - INDEX_TITLE_BLOCK - INDEX_HEADER_ROW - 8 * mm
    pages: list[list[IndexRow]] = [[]]
    used = 0.0
    for r in rows:
        if pages[-1] and used + r.height > avail:
            pages.append([])
            used = 0.0
        pages[-1].append(r)
        used += r.height
    return IndexLayout(pages)


def draw_index_page(c, pen: Pen, spec: VolumeSpec, rows: list[IndexRow], page_no: int,
                    page_count: int, doc_page: int) -> list[Link]:
    widths = [w * mm for _, w, _ in INDEX_COLUMNS]
    top = PAGE_H - TOP
    title = "卷内文件目录" + ("（续）" if page_no > 1 else "")
    pen.draw(PAGE_W / 2 + (LEFT - OUTER) / 2, top - 10 * mm, title, "xiaobiaosong", 20,
             align="center", spacing=2)
    pen.draw(LEFT, top - INDEX_TITLE_BLOCK + 4 * mm, f"案卷题名：{_clip(pen, spec.volume_title, 100 * mm)}",
             "songti", 10.5)
    pen.draw(RIGHT, top - INDEX_TITLE_BLOCK + 4 * mm, f"档号：{spec.archive_code}", "songti", 10.5,
             align="right")
    y = top - INDEX_TITLE_BLOCK
    links: list[Link] = []
    # header row
    c.setLineWidth(0.9)
    line(c, LEFT, y, RIGHT, y, 0.9)
    x = LEFT
    for (head, _, _), w in zip(INDEX_COLUMNS, widths, strict=True):
        pen.draw(x + w / 2, y - INDEX_HEADER_ROW / 2 - INDEX_SIZE * 0.35, head, "heiti",
                 INDEX_SIZE, align="center")
        x += w
    y_rows_top = y
    y -= INDEX_HEADER_ROW
    line(c, LEFT, y, RIGHT, y, 0.6)
    for r in rows:
        x = LEFT
        block_top = y
        for (head, _, align), w, lines in zip(INDEX_COLUMNS, widths, r.cells, strict=True):
            total = len(lines) * INDEX_LEAD
            ty = block_top - (r.height - total) / 2 - INDEX_LEAD * 0.78
            for ln in lines:
                if align == "left":
                    pen.draw(x + INDEX_PAD, ty, ln, "songti", INDEX_SIZE, field=f"卷内文件目录·{head}")
                else:
                    pen.draw(x + w / 2, ty, ln, "songti", INDEX_SIZE, align="center",
                             field=f"卷内文件目录·{head}")
                ty -= INDEX_LEAD
            x += w
        y -= r.height
        line(c, LEFT, y, RIGHT, y, 0.6)
        links.append(Link(doc_page, (LEFT, y, RIGHT, block_top), r.entry.seq))
    # outer frame and column rules
    c.setLineWidth(0.9)
    c.rect(LEFT, y, TEXT_W, y_rows_top - y)
    x = LEFT
    for w in widths[:-1]:
        x += w
        line(c, x, y_rows_top, x, y, 0.6)
    if page_count > 1:
        note = f"第{page_no}页　共{page_count}页" + ("（续下页）" if page_no < page_count else "")
        pen.draw(RIGHT, BOTTOM + 2 * mm, note, "songti", 9, align="right")
    return links


def _clip(pen: Pen, text: str, width: float) -> str:
    if pen.width(text, "songti", 10.5) <= width:
        return text
    while text and pen.width(text + "…", "songti", 10.5) > width:
        text = text[:-1]
    return text + "…"
