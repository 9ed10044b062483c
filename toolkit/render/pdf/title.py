"""标题: 2号小标宋, centred, wrapped lines balanced (two lines: 梯形, the upper no longer)."""

from __future__ import annotations

from toolkit.render.linebreak import Line, atoms
from toolkit.render.pdf.cursor import Cursor
from toolkit.render.pdf.grid import BLACK, BLOCK_LEFT, BLOCK_W, EPS, TITLE, baseline
from toolkit.render.pdf.ops import Text
from toolkit.render.pdf.setter import LineSetter, SetLine, clean


def set_title(cur: Cursor, setter: LineSetter, title: str) -> None:
    text = clean(title)
    if not text:
        return
    segs = [("xiaobiaosong", text)]
    lines = setter.set_lines(segs, TITLE, BLOCK_W, justify=False, fieldname="标题")
    if len(lines) == 2:
        # 梯形: the upper line no longer than the lower, both as even as the breaks allow
        lines = _two_lines(setter, text, lines)
    elif len(lines) > 2:
        # balance the lines: the narrowest width that gives the same number of lines
        lo, hi = BLOCK_W / len(lines), BLOCK_W
        for _ in range(12):
            mid = (lo + hi) / 2
            if len(setter.set_lines(segs, TITLE, mid, justify=False, fieldname="标题")) \
                    > len(lines):
                lo = mid
            else:
                hi = mid
        lines = setter.set_lines(segs, TITLE, hi, justify=False, fieldname="标题")
    for line, parts in lines:
        i = cur.take_line()
        cur.ops.append(Text(BLOCK_LEFT + (BLOCK_W - line.extent) / 2, baseline(i, TITLE),
                            TITLE, parts, line.char_space, BLACK, field="标题"))


def _two_lines(setter: LineSetter, text: str, lines: list[SetLine]) -> list[SetLine]:
    widths = setter.widths([("xiaobiaosong", text)], TITLE, "标题")
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
