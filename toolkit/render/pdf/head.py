"""版头: 份号, 密级, the red 发文机关标志, 发文字号, 签发人 and the red rules (GB/T 9704 7.2, 10.1)."""

from __future__ import annotations

from toolkit.documents.model import Document
from toolkit.render import geometry as G
from toolkit.render.pdf.cursor import Cursor
from toolkit.render.pdf.grid import (
    BLACK,
    BLOCK_LEFT,
    BLOCK_RIGHT,
    BLOCK_TOP,
    BLOCK_W,
    BODY,
    CHAR_PITCH,
    DESCENT,
    MM,
    PAGE_H,
    RED,
    TRACK,
    baseline,
    line_below,
    line_top,
)
from toolkit.render.pdf.ops import Rule, Text
from toolkit.render.pdf.setter import LineSetter, clean

MASTHEAD_SIZE = G.MASTHEAD_PT
MASTHEAD_OFFSET = G.MASTHEAD_OFFSET_MM * MM
LETTER_MASTHEAD_TOP = G.LETTER_MASTHEAD_TOP_MM * MM
RED_RULE = G.RED_RULE_PT
RULE_GAP = G.RED_RULE_GAP_MM * MM
LETTER_RULE_LEN = G.LETTER_RULE_MM * MM


def masthead(cur: Cursor, setter: LineSetter, text: str, top: float) -> float:
    """Red 发文机关标志 with its top edge at ``top``; returns its bottom edge.

    A line break in ``text`` stacks the names of a joint issue (联合行文), one per line.
    The mark is set in 初号 and compressed horizontally when wider than the block (down to
    60 %, then the size shrinks).
    """
    parts = [p for p in (clean(x).strip() for x in (text or "").splitlines()) if p]
    if not parts:
        return top
    size = MASTHEAD_SIZE
    naturals = [setter.fonts.width(p, "xiaobiaosong", size, "发文机关标志") for p in parts]
    widest = max(naturals)
    hscale = 100.0
    if widest > BLOCK_W:
        hscale = 100.0 * BLOCK_W / widest
        if hscale < 60.0:
            size = size * hscale / 60.0
            hscale = 60.0
    base = top - (1 - DESCENT) * size
    for k, (part, natural) in enumerate(zip(parts, naturals, strict=True)):
        if k:
            base -= 1.15 * size
        drawn = natural * size / MASTHEAD_SIZE * hscale / 100.0
        cur.ops.append(Text(BLOCK_LEFT + (BLOCK_W - drawn) / 2, base, size,
                            [("xiaobiaosong", part)], 0.0, RED, hscale, "发文机关标志"))
    return base - DESCENT * size


def put_on_line(cur: Cursor, setter: LineSetter, i: int, segs, *, size=BODY, align="left",
                indent=0.0, color=BLACK, fieldname="") -> None:
    """One line of 版头 text on grid line ``i``, at the grid's character pitch."""
    text = "".join(t for _, t in segs)
    width = sum(setter.widths(segs, size, fieldname)) + max(len(text) - 1, 0) * TRACK
    if align == "center":
        x = BLOCK_LEFT + (BLOCK_W - width) / 2
    elif align == "right":
        x = BLOCK_RIGHT - indent - width
    else:
        x = BLOCK_LEFT + indent
    cur.ops.append(Text(x, baseline(i, size), size, segs, TRACK, color, field=fieldname))


def official_head(cur: Cursor, setter: LineSetter, doc: Document) -> None:
    """公文格式 and 纪要格式: the mark 35 mm below the block's top, the number two lines below
    it, the red rule 4 mm under the number; the title starts two lines below the rule."""
    if doc.copy:
        put_on_line(cur, setter, 0, [("fangsong", clean(doc.copy))], fieldname="份号")
    if doc.classification:
        put_on_line(cur, setter, 1, [("heiti", clean(doc.classification))], fieldname="密级")
    bottom = masthead(cur, setter, doc.issuer, BLOCK_TOP - MASTHEAD_OFFSET)
    i = line_below(bottom) + 2
    signers = [x for x in (clean(v).strip() for v in (doc.signer or "").splitlines()) if x]
    if signers:
        # 上行文 (7.2.5): 签发人 right, indented one character; the 发文字号 on the line of
        # the last 签发人, indented one character from the left
        i = signer_lines(cur, setter, signers, i)
    if doc.number:
        put_on_line(cur, setter, i, [("fangsong", clean(doc.number))],
                    align="left" if signers else "center",
                    indent=CHAR_PITCH if signers else 0.0, fieldname="发文字号")
        rule_y = baseline(i) - DESCENT * BODY - RULE_GAP
    elif signers:
        rule_y = baseline(i) - DESCENT * BODY - RULE_GAP
    else:
        rule_y = bottom - RULE_GAP
    cur.ops.append(Rule(BLOCK_LEFT, rule_y, BLOCK_RIGHT, rule_y, RED_RULE, RED))
    cur.y = line_top(line_below(rule_y - RED_RULE / 2) + 2)


def signer_lines(cur: Cursor, setter: LineSetter, names: list[str], i: int) -> int:
    """签发人 lines from grid line ``i``: ``签发人：`` in 3号仿宋, the names in 3号楷体, the
    first line right-indented one character, further lines starting under the first name;
    returns the line of the last name."""
    label = "签发人："
    first = [("fangsong", label), ("kaiti", names[0])]
    width = sum(setter.widths(first, BODY, "签发人")) + (len(label + names[0]) - 1) * TRACK
    x = max(BLOCK_LEFT, BLOCK_RIGHT - CHAR_PITCH - width)
    x_names = x + setter.fonts.width(label, "fangsong", BODY, "签发人") + len(label) * TRACK
    cur.ops.append(Text(x, baseline(i), BODY, first, TRACK, field="签发人"))
    for k, more in enumerate(names[1:], start=1):
        w = setter.fonts.width(more, "kaiti", BODY, "签发人") + (len(more) - 1) * TRACK
        cur.ops.append(Text(min(x_names, BLOCK_RIGHT - w), baseline(i + k), BODY,
                            [("kaiti", more)], TRACK, field="签发人"))
    return i + len(names) - 1


def letter_head(cur: Cursor, setter: LineSetter, doc: Document) -> None:
    """信函格式 (10.1): the mark 30 mm below the paper's top, red double lines 4 mm below it and
    20 mm above the paper's bottom, 170 mm long; the number flush right under the first; no page
    number on page one."""
    cur.pages[0].number = False
    bottom = masthead(cur, setter, doc.issuer, PAGE_H - LETTER_MASTHEAD_TOP)
    x1 = BLOCK_LEFT + (BLOCK_W - LETTER_RULE_LEN) / 2
    x2 = x1 + LETTER_RULE_LEN
    top_thick = bottom - RULE_GAP
    # first double line 上粗下细, last double line 上细下粗
    thick, thin = G.LETTER_THICK_MM * MM, G.LETTER_THIN_MM * MM
    pair = G.LETTER_RULE_PAIR_MM * MM
    cur.ops.append(Rule(x1, top_thick, x2, top_thick, thick, RED))
    cur.ops.append(Rule(x1, top_thick - pair, x2, top_thick - pair, thin, RED))
    low = G.LETTER_BOTTOM_RULE_MM * MM
    cur.ops.append(Rule(x1, low + pair, x2, low + pair, thin, RED))
    cur.ops.append(Rule(x1, low, x2, low, thick, RED))
    i = line_below(top_thick - 3.5)
    used = []
    left = [(("fangsong", clean(doc.copy)), "份号"), (("heiti", clean(doc.classification)), "密级")]
    j = i
    for seg, name in left:
        if seg[1]:
            put_on_line(cur, setter, j, [seg], fieldname=name)
            used.append(j)
            j += 1
    if doc.number:
        put_on_line(cur, setter, i, [("fangsong", clean(doc.number))], align="right",
                    fieldname="发文字号")
        used.append(i)
    # the title keeps two blank lines to the last element above it
    cur.y = line_top(max(used) + 3 if used else i + 2)
