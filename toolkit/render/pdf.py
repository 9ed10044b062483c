"""Typeset a :class:`toolkit.documents.model.Document` as a GB/T 9704-2012 PDF.

Our own grid layout on reportlab's canvas (see docs/fonts-and-layout.md):

* A4; text block 156 × 225 mm at 28 mm from the left and 37 mm from the top.
* The body grid is exact: 22 lines of 28 characters.  Line pitch = 225 mm / 22; every line is
  addressed by its integer index, so the 22nd line ends on the block's bottom edge (no float
  creep).  Character pitch = (156 mm − 16 pt) / 27 ≈ 15.785 pt: 16 pt glyphs set with a
  character spacing (PDF ``Tc``) of ≈ −0.215 pt, so the 28th glyph ends on the right edge.
* Lines are broken by :mod:`toolkit.render.linebreak` (GB/T 15834 practice, push-in before
  push-out) and justified; nothing leaves the text block.
* Text goes through :meth:`FontBook.runs`: per-character font fallback, one ``Tj`` per run.
* Reproducible: fixed timestamps (the document's date, else reportlab's invariant date), no
  random IDs; every font is an embedded TrueType subset, the canvas' initial font is the
  仿宋 font (no stray Helvetica), pages carry no empty ``/Trans``.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from datetime import date as _date

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import TimeStamp
from reportlab.pdfgen import canvas as rl_canvas

from toolkit.documents.model import (Cell, Document, LabeledParagraph, PageBreak, Paragraph,
                                     Record, Signature, Table)
from toolkit.errors import RenderError
from toolkit.render.fonts import FontBook, default_fontbook
from toolkit.render.linebreak import Line, atoms, break_lines, is_lead_in, keeps_with_next

MM = 72 / 25.4
PAGE_W, PAGE_H = A4
BLOCK_LEFT = 28 * MM
BLOCK_W = 156 * MM
BLOCK_RIGHT = BLOCK_LEFT + BLOCK_W
BLOCK_TOP = PAGE_H - 37 * MM
BLOCK_H = 225 * MM
BLOCK_BOTTOM = BLOCK_TOP - BLOCK_H

LINES = 22                      # lines per page
CHARS = 28                      # characters per line
BODY = 16.0                     # 三号
TITLE = 22.0                    # 二号
SMALL = 14.0                    # 四号 (版记, page numbers, table cells)
LINE_PITCH = BLOCK_H / LINES    # ≈ 28.94 pt
TRACK = (BLOCK_W - CHARS * BODY) / (CHARS - 1)   # ≈ −0.215 pt
CHAR_PITCH = BODY + TRACK       # ≈ 15.785 pt

# Vertical placement: glyphs sit in an ideographic em box from −0.12 em to 0.88 em, centred
# in the line (or table cell line).
DESCENT = 0.12

MASTHEAD_SIZE = 42.0            # 初号, horizontally compressed to fit the block
MASTHEAD_OFFSET = 35 * MM       # 发文机关标志 top edge below the block's top
LETTER_MASTHEAD_TOP = 30 * MM   # 信函: from the paper's top edge
RED_RULE = 2.0                  # red separator thickness (pt); GB/T 9704 leaves it open
LETTER_RULE_LEN = 170 * MM
PAGE_NUMBER_DROP = 7 * MM       # the em dashes of — N — below the block
DASH_HEIGHT = 0.378             # em-dash centre above the baseline (AR PL UMing, SimSun ≈ same)

CELL_SIZE = SMALL               # table text: 四号
CELL_LEAD = 20.0                # table line pitch
CELL_PAD_V = (LINE_PITCH - CELL_LEAD) / 2   # a one-line row is exactly one grid line high
CELL_PAD_H = 5.0
CELL_JUSTIFY_SLACK = 1.0        # cell lines are justified only when at most 1 em short of full
RULE_CELL = 0.5

RED = (1, 0, 0)
BLACK = (0, 0, 0)
EPS = 1e-6

_DROP = re.compile("[\u200b\u200c\u200d\u2060\ufeff\ufe00-\ufe0f\U000e0100-\U000e01ef\r]")


def _clean(text: str) -> str:
    return _DROP.sub("", (text or "").replace("\t", " "))


def line_top(i: int) -> float:
    return BLOCK_TOP - i * LINE_PITCH


def baseline(i: int, size: float = BODY) -> float:
    """Baseline of grid line ``i`` for text of ``size``, the em box centred in the line."""
    return line_top(i) - LINE_PITCH + (LINE_PITCH - size) / 2 + DESCENT * size


# --------------------------------------------------------------------------------------------
# Drawing operations, collected per page and drawn once the page count is known


@dataclass
class _Text:
    x: float
    y: float
    size: float
    segs: list[tuple[str, str]]     # (role, text)
    cs: float = 0.0
    color: tuple = BLACK
    hscale: float = 100.0
    field: str = ""


@dataclass
class _Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    color: tuple = BLACK


@dataclass
class _Box:
    x: float
    y: float
    w: float
    h: float
    width: float = RULE_CELL


@dataclass
class _Page:
    ops: list = field(default_factory=list)
    number: bool = True             # print the page number


@dataclass
class _Placed:
    """One body line on the grid, which a later page break may carry to the next page."""

    page: int
    line: int                       # grid line index on its page
    ops: list                       # the _Text ops of the line
    para: int                       # serial number of its paragraph
    first: bool                     # the paragraph's first line
    keep: bool                      # the paragraph keeps with what follows it
    lead: bool = False              # a lead-in line (此致): keeps with the text above it too


def _carry(tail: list[_Placed], min_lines: int) -> int:
    """How many of the lines at the bottom of a page (``tail``) go to the next page: at least
    ``min_lines``, adjusted so that no paragraph leaves a lone first line behind or (when lines
    are carried on purpose) sends a lone last line ahead, and so that paragraphs that keep with
    what follows them go along."""
    n = len(tail)
    k = min(min_lines, n)

    def start_of(j: int) -> int:        # index in tail of the first line of tail[j]'s paragraph
        while j > 0 and tail[j - 1].para == tail[j].para:
            j -= 1
        return j

    changed = True
    while changed and k < n:
        changed = False
        if k:
            top, above = tail[n - k], tail[n - k - 1]
            if above.para == top.para:                  # the break cuts a paragraph
                left = n - k - start_of(n - k - 1)
                carried = sum(1 for e in tail[n - k:] if e.para == top.para)
                if (left == 1 and above.first) or (carried == 1 and min_lines):
                    k += 1
                    changed = True
                    continue
        if (k == 0 or tail[n - k].first) and tail[n - k - 1].keep:
            k = n - start_of(n - k - 1)
            changed = True
    return k


# --------------------------------------------------------------------------------------------


class _Typesetter:
    def __init__(self, doc: Document, fonts: FontBook):
        self.doc = doc
        self.fonts = fonts
        self.pages: list[_Page] = [_Page()]
        self.y = BLOCK_TOP          # top of the free space on the current page
        self.placed: list[_Placed] = []     # body lines since the last table / page break
        self.serial = 0             # paragraphs set so far

    # -- page and grid cursor ------------------------------------------------------------
    @property
    def ops(self) -> list:
        return self.pages[-1].ops

    def new_page(self) -> None:
        self.pages.append(_Page())
        self.y = BLOCK_TOP

    def next_line(self) -> int:
        """Index of the first grid line whose top is at or below the cursor."""
        return max(0, math.ceil((BLOCK_TOP - self.y) / LINE_PITCH - 1e-4))

    def at_top(self) -> bool:
        return self.y >= BLOCK_TOP - EPS

    def full(self) -> bool:
        return self.next_line() >= LINES

    def skip(self, n: int) -> None:
        """Leave ``n`` blank lines (dropped at the top of a page: when they reach the end of
        the page, the page is full and what follows starts the next one)."""
        if self.at_top():
            return
        i = self.next_line() + n
        self.y = line_top(min(i, LINES))

    def break_page(self, min_lines: int = 0) -> None:
        """Start a new page for content that does not fit on this one, carrying lines from the
        bottom of this page along (GB/T 9704 7.3.5 and keep-with-next):

        * at least ``min_lines`` body lines (the signature takes two: never alone on a page);
        * a paragraph is not cut so that one line of it stays behind (its first line) or, when
          lines are carried for ``min_lines``, so that one line of it goes alone;
        * a paragraph that keeps with what follows it (headings, 此致, 主送机关, a 署名 line)
          goes along with the lines or content after it, chained; a lead-in line (此致) that
          goes takes two more lines of the text above it, like a signature.

        Nothing is carried when that would leave this page without any content.
        """
        here = len(self.pages) - 1
        tail: list[_Placed] = []
        for entry in reversed(self.placed):
            if entry.page != here:
                break
            tail.append(entry)
        tail.reverse()
        n = len(tail)
        k = _carry(tail, min_lines)
        if 0 < k < n and tail[n - k].lead:
            k = _carry(tail, k + 2)
        moved = tail[n - k:] if k else []
        page = self.pages[-1]
        ids = {id(op) for e in moved for op in e.ops}
        if moved and not [op for op in page.ops if id(op) not in ids]:
            moved = []                                  # would empty the page
        if moved:
            page.ops[:] = [op for op in page.ops if id(op) not in ids]
        self.new_page()
        if moved:
            shift = moved[0].line
            for e in moved:
                for op in e.ops:
                    op.y += shift * LINE_PITCH
                    self.ops.append(op)
                e.page += 1
                e.line -= shift
            self.y = line_top(moved[-1].line + 1)

    def take_line(self) -> int:
        i = self.next_line()
        if i >= LINES:
            self.new_page()
            i = 0
        self.y = line_top(i + 1)
        return i

    def free_lines(self) -> int:
        return LINES - min(self.next_line(), LINES)

    # -- measuring ------------------------------------------------------------------------
    def widths(self, segs: list[tuple[str, str]], size: float, fieldname: str) -> list[float]:
        out = []
        cw = self.fonts.char_width
        for role, text in segs:
            out.extend(cw(ch, role, size, fieldname) for ch in text)
        return out

    def extent(self, text: str, role: str, size: float, cs: float, fieldname: str = "") -> float:
        n = len(text)
        return self.fonts.width(text, role, size, fieldname) + max(n - 1, 0) * cs

    def set_lines(self, segs: list[tuple[str, str]], size: float, width: float, *,
                  first_indent: float = 0.0, indent: float = 0.0, tracking: float = 0.0,
                  justify: bool = True, justify_slack: float | None = None, fieldname: str = ""
                  ) -> list[tuple[Line, list[tuple[str, str]]]]:
        """Break mixed-role text into lines; each line with its own (role, text) segments."""
        segs = [(role, _clean(t)) for role, t in segs if t]
        text = "".join(t for _, t in segs)
        if not text:
            return []
        widths = self.widths(segs, size, fieldname)
        lines = break_lines(text, widths, width, first_indent=first_indent, indent=indent,
                            tracking=tracking, em=size, justify=justify,
                            justify_slack=justify_slack)
        bounds, pos = [], 0
        for role, t in segs:
            bounds.append((pos, pos + len(t), role))
            pos += len(t)
        out = []
        for line in lines:
            parts = []
            for a, b, role in bounds:
                lo, hi = max(a, line.start), min(b, line.end)
                if lo < hi:
                    parts.append((role, text[lo:hi]))
            out.append((line, parts))
        return out

    # -- text on the grid -----------------------------------------------------------------
    def paragraph(self, segs, *, size=BODY, first_indent=0.0, indent=0.0, align="justify",
                  color=BLACK, fieldname="", keep=False, lead=False) -> None:
        """Set a paragraph on the grid.  ``keep``: it must not end a page (keep with next);
        ``lead``: a lead-in line (此致) that does not begin a page without the text above."""
        justify = align == "justify"
        tracking = TRACK if size == BODY else 0.0
        lines = self.set_lines(segs, size, BLOCK_W, first_indent=first_indent, indent=indent,
                               tracking=tracking, justify=justify, fieldname=fieldname)
        if not lines:
            self.take_line()      # an empty paragraph is an empty line
            return
        self.serial += 1
        for j, (line, parts) in enumerate(lines):
            if self.full():
                if j == 0:
                    self.break_page()     # carries a heading / 此致 … along
                else:
                    self.new_page()
            i = self.take_line()
            op = _Text(self._x(line, align), baseline(i, size), size, parts, line.char_space,
                       color, field=fieldname)
            self.ops.append(op)
            self.placed.append(_Placed(len(self.pages) - 1, i, [op], self.serial, j == 0, keep,
                                       lead))

    @staticmethod
    def _x(line: Line, align: str) -> float:
        if align == "center":
            return BLOCK_LEFT + (BLOCK_W - line.extent) / 2
        if align == "right":
            return BLOCK_RIGHT - line.extent
        return BLOCK_LEFT + line.indent

    # -- 版头 ---------------------------------------------------------------------------------
    def masthead(self, text: str, top: float) -> float:
        """Red 发文机关标志 with its top edge at ``top``; returns its bottom edge.

        A line break in ``text`` stacks the names of a joint issue (联合行文), one per line.
        The mark is set in 初号 and compressed horizontally when wider than the block (down to
        60 %, then the size shrinks).
        """
        parts = [p for p in (_clean(x).strip() for x in (text or "").splitlines()) if p]
        if not parts:
            return top
        size = MASTHEAD_SIZE
        naturals = [self.fonts.width(p, "xiaobiaosong", size, "发文机关标志") for p in parts]
        widest = max(naturals)
        hscale = 100.0
        if widest > BLOCK_W:
            hscale = 100.0 * BLOCK_W / widest
            if hscale < 60.0:
                size = size * hscale / 60.0
                hscale = 60.0
        base = top - (1 - DESCENT) * size
        for k, (part, natural) in enumerate(zip(parts, naturals)):
            if k:
                base -= 1.15 * size
            drawn = natural * size / MASTHEAD_SIZE * hscale / 100.0
            self.ops.append(_Text(BLOCK_LEFT + (BLOCK_W - drawn) / 2, base, size,
                                  [("xiaobiaosong", part)], 0.0, RED, hscale, "发文机关标志"))
        return base - DESCENT * size

    def line_below(self, y: float) -> int:
        """First grid line whose top is at or below ``y``."""
        return max(0, math.ceil((BLOCK_TOP - y) / LINE_PITCH - 1e-4))

    def put_on_line(self, i: int, segs, *, size=BODY, align="left", indent=0.0, color=BLACK,
                    fieldname="") -> None:
        text = "".join(t for _, t in segs)
        width = sum(self.widths(segs, size, fieldname)) + max(len(text) - 1, 0) * TRACK
        if align == "center":
            x = BLOCK_LEFT + (BLOCK_W - width) / 2
        elif align == "right":
            x = BLOCK_RIGHT - indent - width
        else:
            x = BLOCK_LEFT + indent
        self.ops.append(_Text(x, baseline(i, size), size, segs, TRACK, color, field=fieldname))

    def head_official(self) -> None:
        doc = self.doc
        if doc.copy:
            self.put_on_line(0, [("fangsong", _clean(doc.copy))], fieldname="份号")
        if doc.classification:
            self.put_on_line(1, [("heiti", _clean(doc.classification))], fieldname="密级")
        bottom = self.masthead(doc.issuer, BLOCK_TOP - MASTHEAD_OFFSET)
        i = self.line_below(bottom) + 2
        signers = [x for x in (_clean(v).strip() for v in (doc.signer or "").splitlines()) if x]
        if signers:
            # 上行文 (7.2.5): 签发人 right, indented one character; the 发文字号 on the line of
            # the last 签发人, indented one character from the left
            i = self.signers(signers, i)
        if doc.number:
            self.put_on_line(i, [("fangsong", _clean(doc.number))],
                             align="left" if signers else "center",
                             indent=CHAR_PITCH if signers else 0.0, fieldname="发文字号")
            rule_y = baseline(i) - DESCENT * BODY - 4 * MM
        elif signers:
            rule_y = baseline(i) - DESCENT * BODY - 4 * MM
        else:
            rule_y = bottom - 4 * MM
        self.ops.append(_Rule(BLOCK_LEFT, rule_y, BLOCK_RIGHT, rule_y, RED_RULE, RED))
        self.y = line_top(self.line_below(rule_y - RED_RULE / 2) + 2)

    def signers(self, names: list[str], i: int) -> int:
        """签发人 lines from grid line ``i``: ``签发人：`` in 3号仿宋, the names in 3号楷体, the
        first line right-indented one character, further lines starting under the first name;
        returns the line of the last name."""
        label = "签发人："
        first = [("fangsong", label), ("kaiti", names[0])]
        width = sum(self.widths(first, BODY, "签发人")) + (len(label + names[0]) - 1) * TRACK
        x = max(BLOCK_LEFT, BLOCK_RIGHT - CHAR_PITCH - width)
        x_names = x + self.fonts.width(label, "fangsong", BODY, "签发人") + len(label) * TRACK
        self.ops.append(_Text(x, baseline(i), BODY, first, TRACK, field="签发人"))
        for k, more in enumerate(names[1:], start=1):
            w = self.fonts.width(more, "kaiti", BODY, "签发人") + (len(more) - 1) * TRACK
            self.ops.append(_Text(min(x_names, BLOCK_RIGHT - w), baseline(i + k), BODY,
                                  [("kaiti", more)], TRACK, field="签发人"))
        return i + len(names) - 1

    def head_letter(self) -> None:
        doc = self.doc
        self.pages[0].number = False
        bottom = self.masthead(doc.issuer, PAGE_H - LETTER_MASTHEAD_TOP)
        x1 = BLOCK_LEFT + (BLOCK_W - LETTER_RULE_LEN) / 2
        x2 = x1 + LETTER_RULE_LEN
        top_thick = bottom - 4 * MM
        # first double line 上粗下细, last double line 上细下粗
        self.ops.append(_Rule(x1, top_thick, x2, top_thick, 2.0, RED))
        self.ops.append(_Rule(x1, top_thick - 2.5, x2, top_thick - 2.5, 0.6, RED))
        low = 20 * MM
        self.ops.append(_Rule(x1, low + 2.5, x2, low + 2.5, 0.6, RED))
        self.ops.append(_Rule(x1, low, x2, low, 2.0, RED))
        i = self.line_below(top_thick - 3.5)
        used = []
        left = [(("fangsong", _clean(doc.copy)), "份号"), (("heiti", _clean(doc.classification)),
                                                       "密级")]
        j = i
        for seg, name in left:
            if seg[1]:
                self.put_on_line(j, [seg], fieldname=name)
                used.append(j)
                j += 1
        if doc.number:
            self.put_on_line(i, [("fangsong", _clean(doc.number))], align="right",
                             fieldname="发文字号")
            used.append(i)
        # the title keeps two blank lines to the last element above it
        self.y = line_top(max(used) + 3 if used else i + 2)

    def title(self) -> None:
        text = _clean(self.doc.title)
        if not text:
            return
        segs = [("xiaobiaosong", text)]
        lines = self.set_lines(segs, TITLE, BLOCK_W, justify=False, fieldname="标题")
        if len(lines) == 2:
            # 梯形: the upper line no longer than the lower, both as even as the breaks allow
            lines = self._title_two_lines(text, lines)
        elif len(lines) > 2:
            # balance the lines: the narrowest width that gives the same number of lines
            lo, hi = BLOCK_W / len(lines), BLOCK_W
            for _ in range(12):
                mid = (lo + hi) / 2
                if len(self.set_lines(segs, TITLE, mid, justify=False, fieldname="标题")) \
                        > len(lines):
                    lo = mid
                else:
                    hi = mid
            lines = self.set_lines(segs, TITLE, hi, justify=False, fieldname="标题")
        for line, parts in lines:
            i = self.take_line()
            self.ops.append(_Text(BLOCK_LEFT + (BLOCK_W - line.extent) / 2, baseline(i, TITLE),
                                  TITLE, parts, line.char_space, BLACK, field="标题"))

    def _title_two_lines(self, text: str, lines):
        widths = self.widths([("xiaobiaosong", text)], TITLE, "标题")
        total = sum(widths)
        best, best_key = None, None
        acc, pos = 0.0, 0
        for a, b in atoms(text)[:-1]:
            acc += sum(widths[a:b])
            pos = b
            w1, w2 = acc, total - acc
            if w1 > BLOCK_W + EPS or w2 > BLOCK_W + EPS:
                continue
            key = (w1 > w2 + EPS, abs(w2 - w1))
            if best_key is None or key < best_key:
                best, best_key = pos, key
        if best is None:
            return lines
        out = []
        for k, (a, b) in enumerate(((0, best), (best, len(text)))):
            part = text[a:b].strip()
            natural = sum(widths[a:b])
            line = Line(a, b, part, natural, 0.0, BLOCK_W, 0.0, k == 1)
            out.append((line, [("xiaobiaosong", part)]))
        return out

    # -- blocks ---------------------------------------------------------------------------
    def blocks(self) -> None:
        blocks = self.doc.blocks
        prev = None
        for n, block in enumerate(blocks):
            following = blocks[n + 1] if n + 1 < len(blocks) else None
            if isinstance(block, Paragraph):
                self.para(block, prev, following, n + 1)
            elif isinstance(block, LabeledParagraph):
                label, text = _clean(block.label), _clean(block.text)
                ind = 2 * CHAR_PITCH
                hang = ind + self.fonts.width(label, "heiti", BODY, "出席") + len(label) * TRACK
                if hang > BLOCK_W / 2:
                    hang = ind
                self.paragraph([("heiti", label), ("fangsong", text)], first_indent=ind,
                               indent=hang, fieldname=label.rstrip("：:") or f"第{n + 1}段")
            elif isinstance(block, Table):
                self.table(block, n + 1, joined=isinstance(prev, Table))
            elif isinstance(block, Signature):
                # the 附注 on the line below the date stays with the signature
                note = following if isinstance(following, Paragraph) and \
                    following.style == "note" else None
                self.signature(block, self.count_lines(note) if note else 0)
            elif isinstance(block, PageBreak):
                if not self.at_top():
                    self.new_page()
                self.placed.clear()
            else:
                raise RenderError(f"无法排印未知的内容块：{type(block).__name__}")
            prev = block

    def para(self, p: Paragraph, prev, following, n: int) -> None:
        style = p.style
        name = f"正文第{n}段"
        two = 2 * CHAR_PITCH
        texts = _clean(p.text).split("\n")
        if style == "attachment" and not (isinstance(prev, Paragraph) and prev.style == "attachment"):
            self.skip(1)
        for k, text in enumerate(texts):
            after = Paragraph(texts[k + 1], style) if k + 1 < len(texts) else following
            keep = keeps_with_next(style, text, after)
            lead = keep and style in ("body", "plain") and is_lead_in(text)
            if style in ("body", "note"):
                self.paragraph([("fangsong", text)], first_indent=two, fieldname=name, keep=keep,
                               lead=lead)
            elif style in ("h1", "h2", "h3", "h4"):
                role = {"h1": "heiti", "h2": "kaiti"}.get(style, "fangsong")
                self.paragraph([(role, text)], first_indent=two, fieldname=name, keep=keep)
            elif style in ("addressee", "plain"):
                self.paragraph([("fangsong", text)], fieldname=name, keep=keep, lead=lead)
            elif style == "center":
                self.paragraph([("fangsong", text)], align="center", fieldname=name, keep=keep)
            elif style == "right":
                self.paragraph([("fangsong", text)], align="right", fieldname=name, keep=keep)
            elif style == "attachment":
                self.attachment(text, name)
            else:
                raise RenderError(f"未知的段落样式：{style}")

    def count_lines(self, p: Paragraph) -> int:
        """Grid lines a body-style paragraph takes."""
        two = 2 * CHAR_PITCH
        return sum(max(1, len(self.set_lines([("fangsong", t)], BODY, BLOCK_W, first_indent=two,
                                             tracking=TRACK)))
                   for t in _clean(p.text).split("\n"))

    def attachment(self, text: str, name: str) -> None:
        """附件说明: ``附件：1. 名称``; continuation lines hang under the name."""
        two = 2 * CHAR_PITCH
        label = "附件："
        if text.startswith(label):
            first, rest = two, text[len(label):]
            prefix = label
        else:
            lw = self.fonts.width(label, "fangsong", BODY) + len(label) * TRACK
            first, rest = two + lw, text
            prefix = ""
        m = re.match(r"\s*\d+[.．、]\s*", rest)
        hang = first + (self.fonts.width(prefix + (m.group(0) if m else ""), "fangsong", BODY)
                        + len(prefix + (m.group(0) if m else "")) * TRACK)
        if hang > BLOCK_W / 2:
            hang = first
        self.paragraph([("fangsong", text)], first_indent=first, indent=hang, fieldname=name)

    def signature(self, sig: Signature, after: int = 0) -> None:
        """署名 and 成文日期 (7.3.5); ``after``: lines of the 附注 that must follow on the page.

        When they do not fit below the text, the last lines of the text go to the next page
        with them: the signature is never alone on a page, 署名 and date never apart."""
        org, when = _clean(sig.org), _clean(sig.date)
        gap = 2 if sig.seal else 1
        right = BLOCK_RIGHT
        date_w = self.extent(when, "fangsong", BODY, TRACK, "成文日期")
        org_lines = self.set_lines([("fangsong", org)], BODY, BLOCK_W - 2 * CHAR_PITCH,
                                   tracking=TRACK, justify=False, fieldname="署名") if org else []
        # a long 署名 wraps; its lines share the right edge, the date follows the last line
        org_w = max((ln.extent for ln, _ in org_lines), default=0.0)
        last_w = org_lines[-1][0].extent if org_lines else 0.0
        if sig.seal:
            date_x = right - 4 * CHAR_PITCH - date_w
            org_x = date_x + (date_w - org_w) / 2
            if org_x + org_w > right:
                org_x = right - org_w
        else:
            org_x = right - 2 * CHAR_PITCH - org_w
            date_x = org_x + (org_w - last_w) + 2 * CHAR_PITCH
            if date_x + date_w > right - 2 * CHAR_PITCH + EPS:
                date_x = right - 2 * CHAR_PITCH - date_w
                if len(org_lines) == 1:
                    org_x = date_x - 2 * CHAR_PITCH
        org_x, date_x = max(org_x, BLOCK_LEFT), max(date_x, BLOCK_LEFT)
        need = len(org_lines) + (1 if when else 0)
        if need and not self.at_top() and self.next_line() + gap + need + after > LINES:
            self.break_page(min_lines=2)
        self.skip(gap)
        for line, parts in org_lines:
            i = self.take_line()
            x = org_x + (org_w - line.extent)
            self.ops.append(_Text(x, baseline(i), BODY, parts, line.char_space, field="署名"))
        if when:
            i = self.take_line()
            self.ops.append(_Text(date_x, baseline(i), BODY, [("fangsong", when)], TRACK,
                                  field="成文日期"))
        self.placed.clear()                 # nothing above the signature moves on its own

    # -- 版记 ---------------------------------------------------------------------------------
    def record(self, rec: Record) -> None:
        cc, printer, when = _clean(rec.cc), _clean(rec.printer), _clean(rec.date)
        if not (cc or printer or when):
            return
        indent = SMALL                     # 左右各空一字
        width = BLOCK_W - 2 * indent
        cc_lines = []
        if cc:
            label = "抄送："
            body = cc[len(label):] if cc.startswith(label) else cc
            hang = self.fonts.width(label, "fangsong", SMALL, "抄送")
            cc_lines = self.set_lines([("fangsong", label + body)], SMALL, width, indent=hang,
                                      fieldname="抄送")
        rows = len(cc_lines) + (1 if (printer or when) else 0)
        if self.next_line() > LINES - rows:
            self.new_page()
        first = LINES - rows
        self.ops.append(_Rule(BLOCK_LEFT, line_top(first), BLOCK_RIGHT, line_top(first),
                              0.35 * MM))
        for k, (line, parts) in enumerate(cc_lines):
            self.ops.append(_Text(BLOCK_LEFT + indent + line.indent, baseline(first + k, SMALL),
                                  SMALL, parts, line.char_space, field="抄送"))
        if printer or when:
            i = LINES - 1
            if cc_lines:
                self.ops.append(_Rule(BLOCK_LEFT, line_top(i), BLOCK_RIGHT, line_top(i),
                                      0.25 * MM))
            if printer:
                self.ops.append(_Text(BLOCK_LEFT + indent, baseline(i, SMALL), SMALL,
                                      [("fangsong", printer)], 0.0, field="印发机关"))
            if when:
                w = self.fonts.width(when, "fangsong", SMALL, "印发日期")
                self.ops.append(_Text(BLOCK_RIGHT - indent - w, baseline(i, SMALL), SMALL,
                                      [("fangsong", when)], 0.0, field="印发日期"))
        self.ops.append(_Rule(BLOCK_LEFT, BLOCK_BOTTOM, BLOCK_RIGHT, BLOCK_BOTTOM, 0.35 * MM))
        self.y = BLOCK_BOTTOM

    # -- tables ---------------------------------------------------------------------------
    def table(self, table: Table, n: int, joined: bool = False) -> None:
        """A form table across the block.  ``joined``: it directly follows another table and
        continues it without a gap (its top border on the other's bottom border)."""
        ncols = len(table.widths)
        total = sum(table.widths)
        if ncols == 0 or total <= 0:
            raise RenderError(f"第{n}个内容块的表格没有有效的列宽")
        xs = [BLOCK_LEFT]
        acc = 0.0
        for w in table.widths:
            acc += w
            xs.append(BLOCK_LEFT + BLOCK_W * acc / total)
        xs[-1] = BLOCK_RIGHT
        rows = [self._lay_row(row, xs, r + 1) for r, row in enumerate(table.rows)]
        nhead = min(table.header_rows, len(rows))
        header = rows[:nhead]
        header_h = sum(r.height() for r in header)

        # start on the next grid line (or right below the table it joins); keep the header with
        # at least the first data row's start (a new page carries a heading above along)
        i = self.next_line()
        if joined and not self.at_top() and self.y > BLOCK_BOTTOM + EPS:
            pass
        elif i >= LINES:
            self.break_page()
        else:
            self.y = line_top(i)
        if rows:
            first_need = header_h + (rows[nhead].first_need() if nhead < len(rows) else 0)
            if first_need > self.y - BLOCK_BOTTOM + EPS and not self.at_top():
                self.break_page()
        for r, row in enumerate(rows):
            offset = 0
            first = True
            while True:
                avail = self.y - BLOCK_BOTTOM
                need = row.height(offset, first)
                if need <= avail + EPS:
                    self._draw_row(row, offset, None, first, need)
                    break
                fresh = self.y >= BLOCK_TOP - (header_h if r >= nhead else 0) - EPS
                full = BLOCK_H - (header_h if r >= nhead else 0)
                if need <= full + EPS and not fresh:
                    self._continue_table(header, r >= nhead)
                    continue
                k = int((avail - 2 * CELL_PAD_V + EPS) // CELL_LEAD)
                if k < (1 if fresh else 2):
                    if fresh:   # cannot happen with sane sizes; avoid looping forever
                        raise RenderError(f"第{n}个内容块的表格第{r + 1}行无法排入页面")
                    self._continue_table(header, r >= nhead)
                    continue
                self._draw_row(row, offset, k, first, k * CELL_LEAD + 2 * CELL_PAD_V)
                offset += k
                first = False
                self._continue_table(header, r >= nhead)
        self.placed.clear()                 # lines above a table stay where they are

    def _continue_table(self, header, repeat: bool) -> None:
        self.new_page()
        if repeat:
            for row in header:
                self._draw_row(row, 0, None, True, row.height())

    def _lay_row(self, row: tuple[Cell, ...], xs: list[float], r: int) -> "_Row":
        ncols = len(xs) - 1
        cells = []
        col = 0
        for c, cell in enumerate(row):
            span = max(1, int(cell.colspan))
            if col + span > ncols:
                raise RenderError(f"表格第{r}行的单元格共占{col + span}列，多于列宽定义的{ncols}列")
            last = c == len(row) - 1
            end = ncols if last else col + span
            x, w = xs[col], xs[end] - xs[col]
            role = "heiti" if cell.label else "fangsong"
            align = "center" if cell.label else cell.align
            fieldname = f"表格第{r}行第{c + 1}格"
            lines = []
            for para in _clean(cell.text).split("\n"):
                got = self.set_lines([(role, para)], CELL_SIZE, w - 2 * CELL_PAD_H,
                                     justify=align == "left", justify_slack=CELL_JUSTIFY_SLACK,
                                     fieldname=fieldname)
                if align == "center" and len(got) > 1:
                    got = self._balanced([(role, para)], got, w - 2 * CELL_PAD_H, fieldname)
                lines.extend(got or [(None, [])])
            if cell.text == "":
                lines = []
            cells.append(_CellLay(x, w, lines, align, bool(cell.label), max(1, int(cell.lines)),
                                  fieldname))
            col = end
        return _Row(cells)

    def _balanced(self, segs, lines, width: float, fieldname: str):
        """Centred cell text that wraps, broken into lines as even as possible (``被问责`` /
        ``事项`` rather than ``被问责事`` / ``项``): the narrowest width giving as many lines."""
        lo, hi = width / len(lines), width
        for _ in range(10):
            mid = (lo + hi) / 2
            if len(self.set_lines(segs, CELL_SIZE, mid, justify=False,
                                  fieldname=fieldname)) > len(lines):
                lo = mid
            else:
                hi = mid
        return self.set_lines(segs, CELL_SIZE, hi, justify=False, fieldname=fieldname)

    def _draw_row(self, row: "_Row", offset: int, k: int | None, first: bool, height: float):
        top = self.y
        for cell in row.cells:
            self.ops.append(_Box(cell.x, top - height, cell.w, height))
            shown = cell.lines[offset:] if k is None else cell.lines[offset:offset + k]
            if not shown:
                continue
            block_h = len(shown) * CELL_LEAD
            # captions, and one-line answers of unsplit rows, are centred vertically;
            # answers with room for handwriting start at the top
            if cell.label or (k is None and offset == 0 and cell.min_lines == 1):
                y0 = top - (height - block_h) / 2
            else:
                y0 = top - CELL_PAD_V
            inner = cell.w - 2 * CELL_PAD_H
            for j, (line, parts) in enumerate(shown):
                if line is None or not parts:
                    continue
                if cell.align == "center":
                    x = cell.x + CELL_PAD_H + (inner - line.extent) / 2
                elif cell.align == "right":
                    x = cell.x + CELL_PAD_H + inner - line.extent
                else:
                    x = cell.x + CELL_PAD_H + line.indent
                base = y0 - (j + 1) * CELL_LEAD + (CELL_LEAD - CELL_SIZE) / 2 + DESCENT * CELL_SIZE
                self.ops.append(_Text(x, base, CELL_SIZE, parts, line.char_space,
                                      field=cell.field))
        self.y = top - height

    # -- the whole document ---------------------------------------------------------------
    def run(self) -> list[_Page]:
        doc = self.doc
        layout = doc.layout
        if layout in ("official", "minutes") and doc.issuer:
            self.head_official()
        elif layout == "letter" and doc.issuer:
            self.head_letter()
        elif layout not in ("official", "minutes", "letter", "form"):
            raise RenderError(f"未知的版式：{layout}")
        self.title()
        if doc.title and doc.blocks:
            self.skip(1)
        self.blocks()
        if doc.record:
            self.record(doc.record)
        # a trailing empty page (e.g. after a final page break) is dropped
        while len(self.pages) > 1 and not self.pages[-1].ops:
            self.pages.pop()
        return self.pages


@dataclass
class _CellLay:
    x: float
    w: float
    lines: list
    align: str
    label: bool
    min_lines: int
    field: str


@dataclass
class _Row:
    cells: list[_CellLay]

    def height(self, offset: int = 0, first: bool = True) -> float:
        n = max((len(c.lines) - offset for c in self.cells), default=0)
        if first:
            n = max([n] + [c.min_lines for c in self.cells])
        return max(n, 1) * CELL_LEAD + 2 * CELL_PAD_V

    def first_need(self) -> float:
        """Height the row needs on the page it starts on (split rows need two lines)."""
        return min(self.height(), 2 * CELL_LEAD + 2 * CELL_PAD_V)


# --------------------------------------------------------------------------------------------
# Drawing


def _timestamp(iso: str) -> TimeStamp:
    ts = TimeStamp(invariant=1)
    try:
        d = _date.fromisoformat(iso[:10])
    except (TypeError, ValueError):
        return ts
    ts.YMDhms = (d.year, d.month, d.day, 0, 0, 0)
    ts.dhh, ts.dmm, ts.tzname = 8, 0, "+08"
    return ts


def _draw(c, pages: list[_Page], doc: Document, fonts: FontBook) -> None:
    total = len(pages)
    footer = _clean(doc.footer)
    footer_has_page = "{page}" in footer
    runs, width = fonts.runs, fonts.width
    for number, page in enumerate(pages, start=1):
        rules = [op for op in page.ops if not isinstance(op, _Text)]
        for op in rules:
            if isinstance(op, _Rule):
                c.setStrokeColorRGB(*op.color)
                c.setLineWidth(op.width)
                c.line(op.x1, op.y1, op.x2, op.y2)
            else:
                c.setStrokeColorRGB(*BLACK)
                c.setLineWidth(op.width)
                c.rect(op.x, op.y, op.w, op.h, stroke=1, fill=0)
        texts = [op for op in page.ops if isinstance(op, _Text)]
        base = BLOCK_BOTTOM - PAGE_NUMBER_DROP - DASH_HEIGHT * SMALL
        if page.number and not footer_has_page:
            label = f"— {number} —"
            w = width(label, "songti", SMALL, "页码")
            x = BLOCK_RIGHT - SMALL - w if number % 2 else BLOCK_LEFT + SMALL
            texts.append(_Text(x, base, SMALL, [("songti", label)], 0.0, field="页码"))
        if footer:
            line = footer.replace("{pages}", str(total)).replace("{page}", str(number))
            w = width(line, "fangsong", SMALL, "页脚")
            texts.append(_Text(BLOCK_LEFT + (BLOCK_W - w) / 2, base, SMALL,
                               [("fangsong", line)], 0.0, field="页脚"))
        t = c.beginText()
        color = None
        hscale = 100.0
        for op in texts:
            if op.color != color:
                t.setFillColorRGB(*op.color)
                color = op.color
            if op.hscale != hscale:
                t.setHorizScale(op.hscale)
                hscale = op.hscale
            t.setCharSpace(op.cs)
            x = op.x
            for role, seg in op.segs:
                for font, s in runs(seg, role, op.field):
                    t.setTextOrigin(x, op.y)
                    t.setFont(font, op.size)
                    t.textOut(s)
                    x += (width(s, role, op.size) + len(s) * op.cs) * hscale / 100.0
        c.drawText(t)
        c.showPage()


def render_pdf(doc: Document, fonts: FontBook | None = None) -> bytes:
    """Typeset ``doc``; the same document and fonts give byte-identical PDFs."""
    fonts = fonts or default_fontbook()
    pages = _Typesetter(doc, fonts).run()
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1,
                         initialFontName=fonts.primary("fangsong"), initialFontSize=BODY,
                         lang="zh-CN")
    c._doc._timeStamp = _timestamp(doc.date)
    add_page = c._doc.addPage

    def _add_page(page):          # reportlab writes an empty /Trans on every page
        trans = getattr(page, "Trans", None)
        if trans is not None and not getattr(trans, "dict", None):
            page.Trans = None
        add_page(page)

    c._doc.addPage = _add_page
    c.setTitle(_clean(doc.title) or _clean(doc.issuer) or doc.key)
    c.setAuthor(_clean(doc.author) or _clean(doc.issuer) or "rcmz")
    c.setSubject(_clean(doc.number) or doc.key)
    c.setKeywords(doc.key)
    c.setCreator("rcmz")
    _draw(c, pages, doc, fonts)
    c.save()
    return buf.getvalue()
