"""Which body lines at the bottom of a page go along to the next one (GB/T 9704 7.3.5, keep with
next): the rules of docs/fonts-and-layout.md, "分页", on a list of placed lines."""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.render.pdf.grid import BODY, LINE_PITCH, LINES, RED, baseline
from toolkit.render.pdf.ops import Box, Page, Rule, Text


@dataclass
class Placed:
    """One body line on the grid, which a later page break may carry to the next page."""

    page: int
    line: int                       # grid line index on its page
    ops: list                       # the Text ops of the line
    para: int                       # serial number of its paragraph
    first: bool                     # the paragraph's first line
    keep: bool                      # the paragraph keeps with what follows it
    lead: bool = False              # a lead-in line (此致): keeps with the text above it too


def carry(tail: list[Placed], min_lines: int, orphans: bool = True) -> int:
    """How many of the lines at the bottom of a page (``tail``) go to the next page: at least
    ``min_lines``, adjusted so that no paragraph leaves a lone first line behind or (when lines
    are carried on purpose) sends a lone last line ahead, and so that paragraphs that keep with
    what follows them go along.  Without ``orphans`` a paragraph may leave its first line
    behind (avoiding it would cost a grid line more on the page)."""
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
                if (left == 1 and above.first and orphans) or (carried == 1 and min_lines):
                    k += 1
                    changed = True
                    continue
        if (k == 0 or tail[n - k].first) and tail[n - k - 1].keep:
            k = n - start_of(n - k - 1)
            changed = True
    return k


#: Rows a page before a signature page may leave empty at its foot (GB/T 9704 7.3.5.5).
EARLY = 2


def rows_left(page: Page) -> int | None:
    """Grid lines below the last line of body text on ``page``; None on a page with a table
    (table rows end a page where they must)."""
    if any(isinstance(op, Box) or (isinstance(op, Rule) and op.color != RED) for op in page.ops):
        return None
    lines = [round((baseline(0) - op.y) / LINE_PITCH) for op in page.ops
             if isinstance(op, Text) and op.size == BODY and op.color != RED]
    return LINES - 1 - max(lines) if lines else None


def starved(pages: list[Page], signed: list[tuple[int, int]]) -> list[int]:
    """The pages before a signature page that end more than :data:`EARLY` rows early: the lines
    carried along with the signature left them short."""
    return [p - 1 for p, _ in signed if p > 0 and (rows_left(pages[p - 1]) or 0) > EARLY]


def relief(page: int) -> list[dict[int, int]]:
    """Ways to fill ``page``, short before a signature page, by moving lines (7.3.5.5): the page
    before it ends one or two rows early, so that the text from there on comes one or two grid
    lines lower and what goes with the signature leaves less of ``page`` empty.  (Setting
    text looser or tighter instead would leave the 28-character line or the grid.)"""
    return [{page - 1: d} for d in range(1, EARLY + 1)] if page > 0 else []


def relieved(alt, cur, page: int) -> bool:
    """Whether the layout ``alt`` (a cursor laid out with a :func:`relief`) fills ``page`` and
    changes nothing else: as many pages, the signatures on the same pages with at least two lines
    of text above them, neither ``page`` nor the page before it ending more than :data:`EARLY`
    rows early."""
    if len(alt.pages) != len(cur.pages) or [p for p, _ in alt.signed] != [p for p, _ in cur.signed]:
        return False
    if any(p and n < 2 for p, n in alt.signed):
        return False
    return all((rows_left(alt.pages[p]) or 0) <= EARLY for p in (page - 1, page))
