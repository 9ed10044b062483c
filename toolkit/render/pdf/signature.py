"""署名 and 成文日期 (GB/T 9704 7.3.5), never alone on a page and never apart."""

from __future__ import annotations

from toolkit.documents.model import Signature
from toolkit.render.pdf.cursor import Cursor
from toolkit.render.pdf.grid import (
    BLOCK_LEFT,
    BLOCK_RIGHT,
    BLOCK_W,
    BODY,
    CHAR_PITCH,
    EPS,
    TRACK,
    baseline,
)
from toolkit.render.pdf.ops import Text
from toolkit.render.pdf.setter import LineSetter, clean


def set_signature(cur: Cursor, setter: LineSetter, sig: Signature, after: int = 0) -> None:
    """Without seal the 署名 is right-indented two characters and the date starts two characters
    right of it; with seal the date is right-indented four characters and the 署名 centred above
    it, two blank lines above for the seal.  ``after``: lines of the 附注 that must follow on
    the page.

    When they do not fit below the text, the last lines of the text go to the next page
    with them: the signature is never alone on a page, 署名 and date never apart."""
    org, when = clean(sig.org), clean(sig.date)
    gap = 2 if sig.seal else 1
    right = BLOCK_RIGHT
    date_w = setter.extent(when, "fangsong", BODY, TRACK, "成文日期")
    org_lines = setter.set_lines([("fangsong", org)], BODY, BLOCK_W - 2 * CHAR_PITCH,
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
    if need and not cur.at_top() and cur.next_line() + gap + need + after > cur.rows():
        cur.lacking.append((len(cur.pages) - 1, cur.next_line() + gap + need + after - cur.rows()))
        cur.break_page(min_lines=2)
    elif need:
        cur.gather(2)
    here = len(cur.pages) - 1
    cur.signed.append((here, sum(1 for e in cur.placed if e.page == here and not e.lead)))
    cur.skip(gap)
    for line, parts in org_lines:
        i = cur.take_line()
        x = org_x + (org_w - line.extent)
        cur.ops.append(Text(x, baseline(i), BODY, parts, line.char_space, field="署名"))
    if when:
        i = cur.take_line()
        cur.ops.append(Text(date_x, baseline(i), BODY, [("fangsong", when)], TRACK,
                            field="成文日期"))
    cur.placed.clear()                  # nothing above the signature moves on its own
