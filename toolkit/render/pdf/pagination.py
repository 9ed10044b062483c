"""Which body lines at the bottom of a page go along to the next one (GB/T 9704 7.3.5, keep with
next): the rules of docs/fonts-and-layout.md, "分页", on a list of placed lines."""

from __future__ import annotations

from dataclasses import dataclass


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
