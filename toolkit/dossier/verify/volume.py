"""The volume as verify reads it: the embedded manifest, the parts recovered from the page
labels, and the helpers that turn labels, bookmarks and links back into page indexes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Name

from toolkit.dossier import manifest as mf
from toolkit.dossier.verify.report import FAIL, OK, VerifyReport
from toolkit.dossier.vocabulary import LABEL_COVER, LABEL_NOTES, Plan


@dataclass
class Volume:
    """An opened volume whose manifest and page labels could be read."""

    pdf: pikepdf.Pdf
    manifest: dict
    digest: str                                 # SHA-256 of the embedded manifest
    ranges: list[tuple[int, pikepdf.Object]]              # the page-label ranges
    plan: Plan
    #: pypdf readers of the sheets already asked for, by their pages (:meth:`_sheets`)
    _readers: dict[tuple[int, ...], object] = field(default_factory=dict, repr=False)

    @property
    def items(self) -> list[dict]:
        return self.manifest.get("items", [])

    @property
    def page_ids(self) -> dict:
        """Page object → 0-based index."""
        return {p.obj.objgen: i for i, p in enumerate(self.pdf.pages)}

    def page_no(self, index: int | None) -> str:
        """The 页号 of page ``index`` for messages."""
        if index is None:
            return "（无）"
        return str(index - self.plan.front_pages + 1)

    def text(self, indexes: Sequence[int]) -> list[str]:
        """Extracted text of the pages at ``indexes``."""
        return [page.extract_text() or "" for page in self._sheets(indexes).pages]

    def index_cells(self, column: str) -> list[str] | None:
        """The text of ``column`` (a header of the 卷内文件目录, such as 页号) in each row of the
        index, in order, read from the index pages' own layout: rows are the rectangles of the
        rows' links, columns are told by the header row (each cell is centred under its header),
        and a cell's lines are joined — so a 页号 ``119-120`` that wraps in its narrow column
        reads as one.  None when the layout cannot be read (no header, no row links)."""
        indexes = range(self.plan.cover_pages, self.plan.front_pages)
        return self._index_cells(indexes, self._sheets(indexes), column)

    def _sheets(self, indexes: Sequence[int]):
        """pypdf on the pages at ``indexes`` (:func:`_reader`), made once: the index is read for
        its cells and again for its text."""
        key = tuple(indexes)
        if key not in self._readers:
            self._readers[key] = _reader(self.pdf, key)
        return self._readers[key]

    def _index_cells(self, indexes: range, reader, column: str) -> list[str] | None:
        cells: list[str] = []
        for i, page in zip(indexes, reader.pages, strict=True):
            rows = _row_rects(self.pdf.pages[i])
            fragments = _fragments(page)
            header_y = next((y for _, y, text in fragments if text == column), None)
            if not rows or header_y is None:
                return None
            heads = [(x, text) for x, y, text in fragments if abs(y - header_y) < 1.0]
            for y0, y1 in rows:
                inside = [(y, x, text) for x, y, text in fragments
                          if y0 <= y <= y1 and min(heads, key=lambda h: abs(h[0] - x))[1] == column]
                cells.append("".join(text for _, _, text in sorted(inside, key=lambda f: (-f[0], f[1]))))
        return cells


def _reader(pdf: pikepdf.Pdf, indexes: Sequence[int]):
    """pypdf, for the text of the pages at ``indexes`` of ``pdf``: on a file of those pages
    alone — their boxes, rotation, resources and content, not their links — since pypdf
    reads every page of a file's page tree before its first (of a 1,500-page volume, half a
    second and the memory of 1,500 pages, for each reader)."""
    import io

    from pypdf import PdfReader

    alone = pikepdf.new()
    for i in indexes:
        page = pdf.pages[i].obj
        copy = alone.make_indirect(pikepdf.Dictionary(Type=Name.Page))
        for key in (Name.MediaBox, Name.CropBox, Name.Rotate, Name.Resources, Name.Contents):
            if key in page:
                copy[key] = _copied(alone, page[key])
        alone.pages.append(pikepdf.Page(copy))
    data = io.BytesIO()
    alone.save(data)
    return PdfReader(data)


def _copied(into: pikepdf.Pdf, value):
    """``value`` of another file, for ``into``: its indirect objects copied (qpdf's foreign copy
    of everything they reach), a direct array or dictionary rebuilt around them (numbers come
    as Python's)."""
    if not isinstance(value, pikepdf.Object):
        return value
    if value.is_indirect:
        return into.copy_foreign(value)
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copied(into, item) for key, item in value.items()})
    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([_copied(into, item) for item in value])
    return value


def read_volume(report: VerifyReport, pdf: pikepdf.Pdf) -> Volume | None:
    """The manifest and the parts of ``pdf``; None (with the failure reported) when the manifest
    is missing or unreadable, the labels are not those of a volume or the content pages do not
    match the manifest — nothing further can be checked then."""
    if pdf.is_encrypted:
        report.add("可用性", FAIL, "文件已加密，归档文件不得加密")
    raw = mf.extract(pdf)
    if raw is None:
        report.add("清单", FAIL, "案卷中没有内嵌的电子文件清单 manifest.json")
        return None
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        report.add("清单", FAIL, f"内嵌的 manifest.json 无法解析：{exc}")
        return None
    report.manifest = manifest
    digest = mf.digest(raw)
    report.add("清单", OK, f"内嵌清单 manifest.json 可读（SHA-256 {digest}）")

    ranges = label_ranges(pdf)
    plan = plan_from_labels(ranges, len(pdf.pages))
    if plan is None:
        report.add("页号", FAIL, "页面标签（PageLabels）缺失或不是 封面/目录/1…N/备考表 的结构")
        return None
    content = int(manifest.get("content_pages", -1))
    if plan.content_pages != content:
        report.add("完整性", FAIL, f"卷内文件应有 {content} 页，文件中实为 {plan.content_pages} 页")
        return None
    return Volume(pdf, manifest, digest, ranges, plan)


def label_ranges(pdf: pikepdf.Pdf) -> list[tuple[int, pikepdf.Object]]:
    pl = pdf.Root.get(Name.PageLabels)
    if pl is None or Name.Nums not in pl:
        return []
    nums = list(pl.Nums)
    return [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums) - 1, 2)]


def label_text(ranges: list[tuple[int, pikepdf.Object]], index: int) -> str | None:
    """The label a viewer shows for page ``index`` under ``ranges``."""
    cur = None
    for start, d in ranges:
        if start <= index:
            cur = (start, d)
    if cur is None:
        return None
    start, d = cur
    prefix = str(d.get(Name.P, ""))
    style = d.get(Name.S)
    if style is None:
        return prefix
    n = int(d.get(Name.St, 1)) + index - start
    return prefix + str(n)


def plan_from_labels(ranges: list[tuple[int, pikepdf.Object]], total: int) -> Plan | None:
    """Recover where cover, index, content and notes sheet are from the page labels."""
    try:
        (c0, cd), (i0, _), (f0, fd), (b0, bd) = ranges
    except ValueError:
        return None
    if (c0, i0) != (0, 1) or str(cd.get(Name.P, "")) != LABEL_COVER:
        return None
    if Name.P in fd or fd.get(Name.S) != Name.D or str(bd.get(Name.P, "")) != LABEL_NOTES:
        return None
    return Plan(1, f0 - 1, b0 - f0, total - b0)


def dest_index(dest, page_ids: dict) -> int | None:
    """The page index an explicit destination points at."""
    if isinstance(dest, pikepdf.Array) and len(dest) > 0:
        target = dest[0]
        if isinstance(target, pikepdf.Dictionary):
            return page_ids.get(target.objgen)
        if isinstance(target, int):
            return int(target)
    return None


def outline_target(item, page_ids: dict) -> int | None:
    """The page index a bookmark points at (destination or GoTo action)."""
    dest = item.destination
    if dest is None and item.action is not None:
        dest = item.action.get(Name.D)
    if isinstance(dest, int):
        return dest
    return dest_index(dest, page_ids)


def _row_rects(page: pikepdf.Page) -> list[tuple[float, float]]:
    """(bottom, top) of each link rectangle on an index page, in the order the rows were drawn."""
    rows = []
    for annot in page.obj.get(Name.Annots, []):
        if annot.get(Name.Subtype) == Name.Link and Name.Rect in annot:
            x0, y0, x1, y1 = (float(v) for v in annot.Rect)
            rows.append((min(y0, y1), max(y0, y1)))
    return rows


def _fragments(page) -> list[tuple[float, float, str]]:
    """(centre x, baseline y, text) of every piece of text on ``page`` (pypdf's layout visitor),
    the centre estimated from the text (CJK characters 1 em, others ½ em: the index's cells
    are centred, so the estimate only has to tell neighbouring columns apart)."""
    out: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font, size):
        text = text.strip()
        if not text:
            return
        scale = abs(float(tm[0]) * float(cm[0])) or 1.0
        x = float(tm[4]) * float(cm[0]) + float(cm[4])
        y = float(tm[5]) * float(cm[3]) + float(cm[5])
        width = sum(1.0 if ord(ch) > 0x2E7F else 0.5 for ch in text) * float(size or 10) * scale
        out.append((x + width / 2, y, text))

    page.extract_text(visitor_text=visit)
    return out
