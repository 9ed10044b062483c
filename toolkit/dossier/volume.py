"""The sheets the toolkit draws itself: 案卷封面, 卷内文件目录, 卷内备考表, page-number stamps.

Drawn with reportlab on A4 with the GB/T 9705-2008 margins (top 20, bottom 15, binding/left 25,
outer/right 15 mm) in the fonts of :class:`toolkit.render.fonts.FontBook` (per-character fallback,
all embedded, all text searchable).  Output is byte-reproducible (``invariant=1``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas

from toolkit.render.linebreak import break_lines
from toolkit.dossier.spec import (
    SCAN_ORIGINAL_REMARK, Attachment, Item, VolumeSpec, compact_date,
)
from toolkit.text import cn_date as chinese_date, cn_month as chinese_month

PAGE_W, PAGE_H = 210 * mm, 297 * mm
TOP, BOTTOM, BINDING, OUTER = 20 * mm, 15 * mm, 25 * mm, 15 * mm
LEFT, RIGHT = BINDING, PAGE_W - OUTER
TEXT_W = RIGHT - LEFT

#: Page-number stamp: 五号 (10.5 pt) 宋体, baseline this far below the top edge, this far from the
#: outer edge — inside the 20 mm top margin of the volume, above the 37 mm 天头 of GB/T 9704
#: documents, so it covers neither their text nor their own page numbers.
STAMP_SIZE = 10.5
STAMP_FROM_TOP = 11 * mm
STAMP_FROM_EDGE = 12 * mm


# ------------------------------------------------------------------------------------------------
# the rows of the index


@dataclass(frozen=True)
class Entry:
    """One 件 of the volume with its place in the page numbering (content pages 1..N)."""

    seq: int
    item: Item
    start: int
    end: int                                   # last page including attachments
    item_pages: int
    attachments: tuple[tuple[Attachment, int, int], ...] = ()  # (attachment, start, end)

    def remark(self) -> str:
        parts = []
        if self.item.is_scan_original:
            parts.append(SCAN_ORIGINAL_REMARK)
        if self.attachments:
            parts.append(f"含附件{len(self.attachments)}份")
        if self.item.remark.strip():
            parts.append(self.item.remark.strip())
        return "；".join(parts)

    def page_ref(self, last: bool) -> str:
        """页号 as printed: the start page; for the last entry the range ``start-end``."""
        if last and self.end != self.start:
            return f"{self.start}-{self.end}"
        return str(self.start)


def plan_entries(items: Sequence[Item], item_pages: Sequence[int],
                 attachment_pages: Sequence[Sequence[int]]) -> list[Entry]:
    """Number the content pages continuously through items and their attachments."""
    out, page = [], 1
    for n, (item, ip, aps) in enumerate(zip(items, item_pages, attachment_pages), 1):
        start = page
        page += ip
        atts = []
        for att, ap in zip(item.attachments, aps):
            atts.append((att, page, page + ap - 1))
            page += ap
        out.append(Entry(n, item, start, page - 1, ip, tuple(atts)))
    return out


# ------------------------------------------------------------------------------------------------
# drawing text with the FontBook


class Pen:
    """Draws FontBook runs on a reportlab canvas; measures and wraps CJK text."""

    def __init__(self, c: rl_canvas.Canvas, book):
        self.c, self.book = c, book

    def width(self, text: str, role: str, size: float) -> float:
        return self.book.width(text, role, size)

    def draw(self, x: float, y: float, text: str, role: str, size: float, *,
             align: str = "left", field: str = "", spacing: float = 0.0) -> float:
        """Draw ``text`` with its baseline at ``y``; returns its width."""
        if not text:
            return 0.0
        w = self.width(text, role, size) + spacing * max(0, len(text) - 1)
        if align == "center":
            x -= w / 2
        elif align == "right":
            x -= w
        t = self.c.beginText(x, y)
        t.setCharSpace(spacing)  # Tc persists in the graphics state: always set it
        for font, chunk in self.book.runs(text, role, field):
            t.setFont(font, size)
            t.textOut(chunk)
        self.c.drawText(t)
        return w

    def spaced(self, x: float, y: float, text: str, role: str, size: float, width: float) -> None:
        """Draw ``text`` spread evenly over ``width`` (labels like 保 管 期 限)."""
        if len(text) < 2:
            self.draw(x, y, text, role, size)
            return
        natural = self.width(text, role, size)
        gap = max(0.0, (width - natural) / (len(text) - 1))
        self.draw(x, y, text, role, size, spacing=gap)

    def wrap(self, text: str, role: str, size: float, max_width: float, field: str = "") -> list[str]:
        """Break ``text`` into lines no wider than ``max_width`` (CJK rules, words kept whole)."""
        lines: list[str] = []
        for para in str(text).split("\n"):
            lines.extend(self._wrap_para(para, role, size, max_width, field))
        return lines or [""]

    def _wrap_para(self, text: str, role: str, size: float, max_width: float, field: str) -> list[str]:
        # The documents' own line breaker: Latin and digit runs such as 〔2025〕 stay whole and
        # punctuation follows GB/T 15834.  Sheets draw lines unsqueezed, so no push-in (em=0):
        # a line never runs past its cell.
        widths = [self.book.char_width(ch, role, size, field) for ch in text]
        lines = break_lines(text, widths, max_width, em=0.0, justify=False)
        return [line.text.strip() for line in lines]


def _canvas(path: Path, book, title: str) -> rl_canvas.Canvas:
    c = rl_canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1,
                         initialFontName=book.primary("songti"), pageCompression=1)
    c.setTitle(title)
    c.setCreator("rcmz")
    c.setProducer("rcmz")
    return c


def _line(c, x0, y0, x1, y1, width=0.6):
    c.setLineWidth(width)
    c.line(x0, y0, x1, y1)


# ------------------------------------------------------------------------------------------------
# 案卷封面


def draw_cover(c: rl_canvas.Canvas, pen: Pen, spec: VolumeSpec, n_items: int, n_pages: int) -> None:
    """One cover page in the order of GB/T 9705: 全宗名称 … 档号."""
    c.setStrokeColorRGB(0, 0, 0)
    c.setFillColorRGB(0, 0, 0)
    # frame of the cover
    c.setLineWidth(1.2)
    c.rect(LEFT, BOTTOM, TEXT_W, PAGE_H - TOP - BOTTOM)
    c.setLineWidth(0.4)
    c.rect(LEFT + 1.5 * mm, BOTTOM + 1.5 * mm, TEXT_W - 3 * mm, PAGE_H - TOP - BOTTOM - 3 * mm)

    top = PAGE_H - TOP
    # 密级 (top left)
    pen.draw(LEFT + 8 * mm, top - 14 * mm, f"密级：{spec.classification}", "heiti", 14,
             field="密级")
    # 档号 box (top right): 全宗号 | 目录号 | 案卷号
    cw, rh = 24 * mm, 8 * mm
    bx1 = RIGHT - 8 * mm
    bx0 = bx1 - 3 * cw
    by1 = top - 8 * mm
    c.setLineWidth(0.8)
    c.rect(bx0, by1 - 2 * rh, 3 * cw, 2 * rh)
    _line(c, bx0, by1 - rh, bx1, by1 - rh, 0.6)
    for k in (1, 2):
        _line(c, bx0 + k * cw, by1, bx0 + k * cw, by1 - 2 * rh, 0.6)
    for k, (label, value) in enumerate((("全宗号", spec.fonds_no), ("目录号", spec.catalogue_no),
                                         ("案卷号", spec.volume_no))):
        cx = bx0 + (k + 0.5) * cw
        pen.draw(cx, by1 - rh + 2.6 * mm, label, "songti", 10.5, align="center")
        _fit(pen, cx, by1 - 2 * rh + 2.5 * mm, value, "heiti", 12, cw - 2 * mm, label)
    pen.draw(bx0 - 2 * mm, by1 - rh - 1.3 * mm, "档号", "heiti", 12, align="right")

    # the form rows
    label_x = LEFT + 14 * mm
    label_w = 24 * mm
    val_x0 = label_x + label_w + 6 * mm
    val_x1 = RIGHT - 14 * mm
    val_w = val_x1 - val_x0

    def row(y, label, value, role="songti", size=16, field=""):
        pen.spaced(label_x, y, label, "heiti", 15, label_w)
        _line(c, val_x0, y - 2.2 * mm, val_x1, y - 2.2 * mm, 0.5)
        if value:
            _fit(pen, (val_x0 + val_x1) / 2, y, value, role, size, val_w, field or label)

    y = top - 58 * mm
    row(y, "全宗名称", spec.fonds_name, "songti", 18)
    y -= 20 * mm
    row(y, "类目名称", spec.category, "songti", 16)

    # 案卷题名: up to five lines of 小标宋
    y -= 22 * mm
    pen.spaced(label_x, y, "案卷题名", "heiti", 15, label_w)
    size = 22
    lines = pen.wrap(spec.volume_title, "xiaobiaosong", size, val_w, "案卷题名")
    while len(lines) > 4 and size > 14:
        size -= 2
        lines = pen.wrap(spec.volume_title, "xiaobiaosong", size, val_w, "案卷题名")
    lead = size * 1.55
    ty = y
    for ln in lines:
        pen.draw((val_x0 + val_x1) / 2, ty, ln, "xiaobiaosong", size, align="center",
                 field="案卷题名")
        _line(c, val_x0, ty - 2.6 * mm, val_x1, ty - 2.6 * mm, 0.5)
        ty -= lead
    y = min(ty, y - 4 * lead) - 16 * mm

    row(y, "时间", f"自{chinese_month(spec.start_date)}至{chinese_month(spec.end_date)}")
    y -= 18 * mm
    row(y, "保管期限", spec.retention)
    y -= 18 * mm
    pen.spaced(label_x, y, "件数页数", "heiti", 15, label_w)
    _line(c, val_x0, y - 2.2 * mm, val_x1, y - 2.2 * mm, 0.5)
    pen.draw((val_x0 + val_x1) / 2, y, f"本卷共{n_items}件　共{n_pages}页", "songti", 16,
             align="center")
    y -= 18 * mm
    row(y, "归档号", spec.filing_no)
    y -= 18 * mm
    row(y, "档号", spec.archive_code)


def _fit(pen: Pen, cx: float, y: float, text: str, role: str, size: float, width: float,
         field: str) -> None:
    """Draw ``text`` centred at ``cx``, shrinking it (to 60 %) so it fits ``width``."""
    s = size
    while s > size * 0.6 and pen.width(text, role, s) > width:
        s -= 0.5
    pen.draw(cx, y, text, role, s, align="center", field=field)


# ------------------------------------------------------------------------------------------------
# 卷内文件目录

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
                 for i, (v, w) in enumerate(zip(values, widths))]
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
    _line(c, LEFT, y, RIGHT, y, 0.9)
    x = LEFT
    for (head, _, _), w in zip(INDEX_COLUMNS, widths):
        pen.draw(x + w / 2, y - INDEX_HEADER_ROW / 2 - INDEX_SIZE * 0.35, head, "heiti",
                 INDEX_SIZE, align="center")
        x += w
    y_rows_top = y
    y -= INDEX_HEADER_ROW
    _line(c, LEFT, y, RIGHT, y, 0.6)
    for r in rows:
        x = LEFT
        block_top = y
        for (head, _, align), w, lines in zip(INDEX_COLUMNS, widths, r.cells):
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
        _line(c, LEFT, y, RIGHT, y, 0.6)
        links.append(Link(doc_page, (LEFT, y, RIGHT, block_top), r.entry.seq))
    # outer frame and column rules
    c.setLineWidth(0.9)
    c.rect(LEFT, y, TEXT_W, y_rows_top - y)
    x = LEFT
    for w in widths[:-1]:
        x += w
        _line(c, x, y_rows_top, x, y, 0.6)
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


def render_front(path: Path, spec: VolumeSpec, entries: Sequence[Entry], book, *,
                 content_pages: int, draft: bool) -> tuple[int, int, list[Link]]:
    """Cover and index into ``path``; returns (cover pages, index pages, links)."""
    c = _canvas(path, book, spec.volume_title)
    pen = Pen(c, book)
    draw_cover(c, pen, spec, len(entries), content_pages)
    c.showPage()
    layout = layout_index(pen, entries)
    links: list[Link] = []
    for k, rows in enumerate(layout.pages, 1):
        links += draw_index_page(c, pen, spec, rows, k, len(layout.pages), k)
        c.showPage()
    c.save()
    return 1, len(layout.pages), links


# ------------------------------------------------------------------------------------------------
# 卷内备考表

NOTES_SIZE = 14
NOTES_LEAD = 26
SIGNATURE_BOX = (78 * mm, 34 * mm)       # width, height of the electronic signature's stamp


@dataclass
class BackResult:
    pages: int
    signature_page: int                                    # index within the back document
    signature_rect: tuple[float, float, float, float]      # x0, y0, x1, y1 in points


def digest_lines(hexdigest: str) -> list[str]:
    """The manifest digest as printed: two lines of four 8-digit groups."""
    groups = [hexdigest[i:i + 8] for i in range(0, len(hexdigest), 8)]
    return [" ".join(groups[:4]), " ".join(groups[4:])]


def notes_lines(spec: VolumeSpec, entries: Sequence[Entry], content_pages: int) -> list[str]:
    """本卷情况说明: an automatic count, then the spec's notes."""
    scans = sum(1 for e in entries if e.item.is_scan_original)
    atts = sum(len(e.attachments) for e in entries)
    first = f"本卷共{len(entries)}件，卷内文件共{content_pages}页（页号1—{content_pages}）"
    extra = []
    if atts:
        extra.append(f"含附件{atts}份")
    if scans:
        extra.append(f"其中{scans}件为{SCAN_ORIGINAL_REMARK}")
    lines = [first + ("，" + "，".join(extra) if extra else "") + "。"]
    lines += [n.strip() for n in spec.notes if n.strip()]
    if spec.dirty:
        lines.append("本卷据含未提交修改的案件材料生成，为草稿，不得归档。")
    return lines


def render_back(path: Path, spec: VolumeSpec, entries: Sequence[Entry], book, *,
                content_pages: int, manifest_sha256: str) -> BackResult:
    c = _canvas(path, book, spec.volume_title)
    pen = Pen(c, book)
    top = PAGE_H - TOP
    box_x0, box_x1 = LEFT, RIGHT
    text_x0 = box_x0 + 6 * mm
    text_w = box_x1 - box_x0 - 12 * mm
    # wrap the notes, numbering them 1. 2. …
    wrapped: list[str] = []
    for k, note in enumerate(notes_lines(spec, entries, content_pages), 1):
        label = f"{k}．"
        lw = pen.width(label, "fangsong", NOTES_SIZE)
        body = pen.wrap(note, "fangsong", NOTES_SIZE, text_w - lw, field="本卷情况说明")
        wrapped.append(label + body[0])
        wrapped += ["\u3000\u3000" + ln for ln in body[1:]]  # hanging indent (≈ label width)
    bottom_block = 92 * mm       # digest, 立卷人 …, signature box
    head_block = 26 * mm
    first_line_y = top - head_block - 16 * mm
    per_last = int((first_line_y - (BOTTOM + bottom_block)) // NOTES_LEAD) + 1
    per_full = int((first_line_y - (BOTTOM + 12 * mm)) // NOTES_LEAD) + 1
    pages: list[list[str]] = []
    rest = list(wrapped)
    while len(rest) > per_last:
        pages.append(rest[:per_full])
        rest = rest[per_full:]
    pages.append(rest)
    sig_rect = (0.0, 0.0, 0.0, 0.0)
    for k, lines in enumerate(pages, 1):
        last = k == len(pages)
        title = "卷内备考表" + ("（续）" if k > 1 else "")
        pen.draw(PAGE_W / 2 + (LEFT - OUTER) / 2, top - 10 * mm, title, "xiaobiaosong", 20,
                 align="center", spacing=2)
        pen.draw(RIGHT, top - head_block + 6 * mm, f"档号：{spec.archive_code}", "songti", 10.5,
                 align="right")
        box_top = top - head_block
        box_bottom = BOTTOM + (bottom_block if last else 8 * mm)
        c.setLineWidth(0.9)
        c.rect(box_x0, box_bottom, box_x1 - box_x0, box_top - box_bottom)
        pen.draw(text_x0, box_top - 9 * mm, "本卷情况说明：", "heiti", NOTES_SIZE)
        # ruled lines like the printed form
        y = first_line_y
        c.setStrokeColorRGB(0.55, 0.55, 0.55)
        ry = y - 2.4 * mm
        while ry > box_bottom + 6 * mm:
            _line(c, text_x0, ry, box_x1 - 6 * mm, ry, 0.3)
            ry -= NOTES_LEAD
        c.setStrokeColorRGB(0, 0, 0)
        for ln in lines:
            pen.draw(text_x0, y, ln, "fangsong", NOTES_SIZE, field="本卷情况说明")
            y -= NOTES_LEAD
        if not last:
            pen.draw(RIGHT, BOTTOM + 2 * mm, "（续下页）", "songti", 9, align="right")
            c.showPage()
            continue
        # manifest digest
        y = box_bottom - 10 * mm
        pen.draw(LEFT, y, "电子文件清单（manifest.json，内嵌于本卷 PDF）SHA-256：", "songti", 10.5)
        for ln in digest_lines(manifest_sha256):
            y -= 5.6 * mm
            pen.draw(LEFT + 8 * mm, y, ln, "songti", 11)
        # 立卷人 / 检查人 / 立卷时间 (left), electronic signature (right)
        y -= 13 * mm
        for label, value in (("立卷人", spec.compiler), ("检查人", spec.checker),
                             ("立卷时间", chinese_date(spec.compiled_on))):
            pen.spaced(LEFT, y, label, "heiti", NOTES_SIZE, 21 * mm)
            pen.draw(LEFT + 21.5 * mm, y, "：" + value, "fangsong", NOTES_SIZE, field=label)
            y -= 11 * mm
        sw, sh = SIGNATURE_BOX
        sx1 = RIGHT
        sx0 = sx1 - sw
        sy0 = BOTTOM + 2 * mm
        pen.draw(sx0, sy0 + sh + 2 * mm, "电子签名：", "heiti", 10.5)
        sig_rect = (sx0, sy0, sx1, sy0 + sh)
        c.showPage()
    c.save()
    return BackResult(len(pages), len(pages) - 1, sig_rect)


# ------------------------------------------------------------------------------------------------
# stamps (page numbers, draft watermark) drawn on a separate document and overlaid


@dataclass(frozen=True)
class Stamp:
    width: float            # visual page size (after /Rotate)
    height: float
    number: str | None      # the volume 页号, None for no number
    draft: bool = False


def render_stamps(path: Path, stamps: Sequence[Stamp], book) -> None:
    c = rl_canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1,
                         initialFontName=book.primary("songti"), pageCompression=1)
    pen = Pen(c, book)
    for s in stamps:
        c.setPageSize((s.width, s.height))
        if s.draft:
            draw_draft_mark(c, pen, s.width, s.height)
        if s.number is not None:
            odd = int(s.number) % 2 == 1
            y = s.height - STAMP_FROM_TOP
            w = pen.width(s.number, "songti", STAMP_SIZE)
            x = s.width - STAMP_FROM_EDGE - w if odd else STAMP_FROM_EDGE  # front: right; back: left
            # a white ground keeps the number legible on dark scans; it only covers the margin
            pad = 1.2 * mm
            c.setFillColorRGB(1, 1, 1)
            c.rect(x - pad, y - STAMP_SIZE * 0.3 - pad, w + 2 * pad, STAMP_SIZE * 1.1 + 2 * pad,
                   stroke=0, fill=1)
            c.setFillColorRGB(0, 0, 0)
            pen.draw(x, y, s.number, "songti", STAMP_SIZE)
        c.showPage()
    c.save()


def draw_draft_mark(c, pen: Pen, w: float, h: float) -> None:
    """A large outlined 草稿 across the page (outline only: the content stays readable)."""
    size = min(w, h) * 0.3
    c.saveState()
    c.translate(w / 2, h / 2)
    c.rotate(35)
    c.setStrokeColorRGB(0.85, 0.2, 0.2)
    c.setLineWidth(max(1.0, size / 90))
    t = c.beginText(0, 0)
    t.setTextRenderMode(1)
    tw = pen.width("草稿", "heiti", size)
    t.setTextOrigin(-tw / 2, -size * 0.35)
    for font, chunk in pen.book.runs("草稿", "heiti"):
        t.setFont(font, size)
        t.textOut(chunk)
    c.drawText(t)
    c.restoreState()
