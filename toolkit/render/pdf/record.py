"""版记 (GB/T 9704 7.4): 抄送 and 印发 at the foot of the last page, between rules as wide as
the block, the last one on the block's bottom edge; a new page when it does not fit."""

from __future__ import annotations

from toolkit.documents.model import Record
from toolkit.render import geometry as G
from toolkit.render.pdf.cursor import Cursor
from toolkit.render.pdf.grid import (
    BLOCK_BOTTOM,
    BLOCK_LEFT,
    BLOCK_RIGHT,
    BLOCK_W,
    LINES,
    MM,
    SMALL,
    baseline,
    line_top,
)
from toolkit.render.pdf.ops import Rule, Text
from toolkit.render.pdf.setter import LineSetter, clean

OUTER_RULE = G.RECORD_OUTER_RULE_MM * MM
INNER_RULE = G.RECORD_INNER_RULE_MM * MM


def set_record(cur: Cursor, setter: LineSetter, rec: Record, duplex: bool = True) -> None:
    """The 版记 at the foot of the last page.  Printed on both sides (``duplex``), the last page
    is the back of a sheet (封四): the 版记 goes on an even page — the next one when the text
    ends on an odd page; when it does not fit below text that ends on an even page, an empty
    page comes first, and that page and the 版记 page have no page number (GB/T 9704 7.5)."""
    cc, printer, when = clean(rec.cc), clean(rec.printer), clean(rec.date)
    if not (cc or printer or when):
        return
    indent = G.RECORD_INDENT_PT                     # 左右各空一字
    width = BLOCK_W - 2 * indent
    cc_lines = []
    if cc:
        label = "抄送："
        body = cc[len(label):] if cc.startswith(label) else cc
        hang = setter.fonts.width(label, "fangsong", SMALL, "抄送")
        cc_lines = setter.set_lines([("fangsong", label + body)], SMALL, width, indent=hang,
                                    fieldname="抄送")
    rows = len(cc_lines) + (1 if (printer or when) else 0)
    text_page, full = len(cur.pages), cur.next_line() >= LINES
    fits = cur.next_line() <= LINES - rows
    if not fits:
        cur.new_page()
    if duplex and len(cur.pages) % 2:
        blank = not fits
        cur.new_page()
        if blank:
            cur.pages[-2].number = False
            cur.pages[-1].number = False
    # The DOCX breaks the page before its 版记 once for every page it moved on, rather than
    # trust Word or LibreOffice to find that it does not fit under the text (a blank page
    # needs two breaks).  The breaks follow the text's last line, or start the next page when
    # the text fills its page: then that page comes without a break.
    cur.pages[-1].record_breaks = len(cur.pages) - text_page - full
    first = LINES - rows
    cur.ops.append(Rule(BLOCK_LEFT, line_top(first), BLOCK_RIGHT, line_top(first), OUTER_RULE))
    for k, (line, parts) in enumerate(cc_lines):
        cur.ops.append(Text(BLOCK_LEFT + indent + line.indent, baseline(first + k, SMALL),
                            SMALL, parts, line.char_space, field="抄送"))
    if printer or when:
        i = LINES - 1
        if cc_lines:
            cur.ops.append(Rule(BLOCK_LEFT, line_top(i), BLOCK_RIGHT, line_top(i), INNER_RULE))
        if printer:
            cur.ops.append(Text(BLOCK_LEFT + indent, baseline(i, SMALL), SMALL,
                                [("fangsong", printer)], 0.0, field="印发机关"))
        if when:
            w = setter.fonts.width(when, "fangsong", SMALL, "印发日期")
            cur.ops.append(Text(BLOCK_RIGHT - indent - w, baseline(i, SMALL), SMALL,
                                [("fangsong", when)], 0.0, field="印发日期"))
    cur.ops.append(Rule(BLOCK_LEFT, BLOCK_BOTTOM, BLOCK_RIGHT, BLOCK_BOTTOM, OUTER_RULE))
    cur.y = BLOCK_BOTTOM
