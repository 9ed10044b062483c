"""The page stack and the cursor walking down the grid; page breaks that carry lines along."""

from __future__ import annotations

from toolkit.render.pdf.grid import BLOCK_TOP, EPS, LINE_PITCH, LINES, line_below, line_top
from toolkit.render.pdf.ops import Page, Text
from toolkit.render.pdf.pagination import Placed, carry


class Cursor:
    """Where the next content goes: the pages so far and the top of the free space on the last.

    Body lines are registered as they are placed (:meth:`place`), so that a page break can carry
    the last of them to the next page; a table, a signature or a page break forgets them
    (``placed.clear()``): what is above them stays where it is.
    """

    def __init__(self):
        self.pages: list[Page] = [Page()]
        self.y = BLOCK_TOP              # top of the free space on the current page
        self.placed: list[Placed] = []  # body lines since the last table / page break
        self.serial = 0                 # paragraphs set so far

    @property
    def ops(self) -> list:
        return self.pages[-1].ops

    def new_page(self) -> None:
        self.pages.append(Page())
        self.y = BLOCK_TOP

    def next_line(self) -> int:
        """Index of the first grid line whose top is at or below the cursor."""
        return line_below(self.y)

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

    def take_line(self) -> int:
        """The next grid line (on a new page when this one is full); the cursor moves below it."""
        i = self.next_line()
        if i >= LINES:
            self.new_page()
            i = 0
        self.y = line_top(i + 1)
        return i

    def place(self, i: int, op: Text, *, first: bool, keep: bool, lead: bool) -> None:
        """Put a body line of the current paragraph on line ``i`` and register it."""
        self.ops.append(op)
        self.placed.append(Placed(len(self.pages) - 1, i, [op], self.serial, first, keep, lead))

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
        tail: list[Placed] = []
        for entry in reversed(self.placed):
            if entry.page != here:
                break
            tail.append(entry)
        tail.reverse()
        n = len(tail)
        k = carry(tail, min_lines)
        if 0 < k < n and tail[n - k].lead:
            k = carry(tail, k + 2)
        if min_lines and 0 < k < n and LINES - 1 - tail[n - k - 1].line > 2:
            # keeping a paragraph's first line from standing alone would leave more than two
            # rows empty: it may stand alone (7.3.5.5 weighs more than the orphan)
            k2 = carry(tail, min_lines, orphans=False)
            if 0 < k2 < n and tail[n - k2].lead:
                k2 = carry(tail, k2 + 2, orphans=False)
            k = min(k, k2)
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
