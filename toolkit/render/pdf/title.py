"""标题: 2号小标宋, centred; a title that wraps breaks between words into a 梯形 or 菱形
(:func:`toolkit.render.linebreak.title_cuts`)."""

from __future__ import annotations

from toolkit.render.linebreak import Line, title_breaks, title_cuts
from toolkit.render.pdf.cursor import Cursor
from toolkit.render.pdf.grid import BLACK, BLOCK_LEFT, BLOCK_W, TITLE, baseline
from toolkit.render.pdf.ops import Text
from toolkit.render.pdf.setter import LineSetter, SetLine, clean

ROLE = "xiaobiaosong"


def set_title(cur: Cursor, setter: LineSetter, title: str) -> None:
    text = clean(title)
    if not text:
        return
    segs = [(ROLE, text)]
    lines = setter.set_lines(segs, TITLE, BLOCK_W, justify=False, fieldname="标题")
    if len(lines) > 1:
        lines = _shaped(setter, text, lines)
    for line, parts in lines:
        i = cur.take_line()
        cur.ops.append(Text(BLOCK_LEFT + (BLOCK_W - line.extent) / 2, baseline(i, TITLE),
                            TITLE, parts, line.char_space, BLACK, field="标题"))


def _shaped(setter: LineSetter, text: str, lines: list[SetLine]) -> list[SetLine]:
    widths = setter.widths([(ROLE, text)], TITLE, "标题")
    cut = title_cuts(widths, title_breaks(text, setter.phrases), BLOCK_W, TITLE)
    if cut is None:                 # no word break fits: the plain breaks, balanced
        return _balanced(setter, text, len(lines)) or lines
    out = []
    edges = [0, *cut, len(text)]
    for k in range(len(edges) - 1):
        a, b = edges[k], edges[k + 1]
        part = text[a:b]
        line = Line(a, b, part, sum(widths[a:b]), 0.0, BLOCK_W, 0.0, k == len(edges) - 2)
        out.append((line, [(ROLE, part)]))
    return out


def _balanced(setter: LineSetter, text: str, n: int) -> list[SetLine]:
    """The narrowest width that still gives ``n`` lines (a title with no usable word break)."""
    segs = [(ROLE, text)]
    lo, hi = BLOCK_W / n, BLOCK_W
    for _ in range(12):
        mid = (lo + hi) / 2
        if len(setter.set_lines(segs, TITLE, mid, justify=False, fieldname="标题")) > n:
            lo = mid
        else:
            hi = mid
    return setter.set_lines(segs, TITLE, hi, justify=False, fieldname="标题")
