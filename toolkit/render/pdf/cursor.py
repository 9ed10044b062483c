"""The page stack and the cursor walking down the grid; page breaks that carry lines along."""

from __future__ import annotations

from dataclasses import replace

from toolkit.render.pdf.grid import BLOCK_TOP, EPS, LINE_PITCH, LINES, line_below, line_top
from toolkit.render.pdf.ops import Page, Text
from toolkit.render.pdf.pagination import Placed, carry


class Cursor:
    """Where the next content goes: the pages so far and the top of the free space on the last.

    Body lines are registered as they are placed (:meth:`place`), so that a page break can carry
    the last of them to the next page; a table, a signature or a page break forgets them
    (``placed.clear()``): what is above them stays where it is.
    """

    def __init__(self, short: dict[int, int] | None = None, tight: dict[int, int] | None = None):
        self.pages: list[Page] = [Page()]
        self.y = BLOCK_TOP              # top of the free space on the current page
        self.placed: list[Placed] = []  # body lines since the last table / page break
        self.serial = 0                 # paragraphs set so far
        # page index → grid lines that body text leaves free at its foot (lines moved on to
        # fill the page before a signature page, :func:`pagination.relieve`)
        self.short = dict(short or {})
        self.signed: list[tuple[int, int]] = []   # (page, lines of text above) per signature
        # page index → grid lines it holds beyond the 22, its lines set closer to hold its
        # signature (:func:`pagination.tighten`); and per signature that did not fit below the
        # text, (page, rows it lacked)
        self.tight = dict(tight or {})
        self.lacking: list[tuple[int, int]] = []

    @property
    def ops(self) -> list:
        return self.pages[-1].ops

    def new_page(self) -> None:
        self.pages.append(Page())
        self.y = BLOCK_TOP

    def rows(self, page: int | None = None) -> int:
        """Grid lines on ``page`` (default: the current one)."""
        return LINES + self.tight.get(len(self.pages) - 1 if page is None else page, 0)

    def next_line(self) -> int:
        """Index of the first grid line whose top is at or below the cursor."""
        return line_below(self.y)

    def at_top(self) -> bool:
        return self.y >= BLOCK_TOP - EPS

    def full(self) -> bool:
        """No grid line left on this page for body text."""
        return self.next_line() >= self.rows() - self.short.get(len(self.pages) - 1, 0)

    def skip(self, n: int) -> None:
        """Leave ``n`` blank lines (dropped at the top of a page: when they reach the end of
        the page, the page is full and what follows starts the next one)."""
        if self.at_top():
            return
        i = self.next_line() + n
        self.y = line_top(min(i, self.rows()))

    def take_line(self) -> int:
        """The next grid line (on a new page when this one is full); the cursor moves below it."""
        i = self.next_line()
        if i >= self.rows():
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
          goes takes two more lines of the text above it, like a signature;
        * lead-ins, closing formulas (特此通知。) and intros (调查组成员（签名）：) are not text:
          the ``min_lines`` are lines besides them.

        Nothing is carried when that would leave this page without any content.
        """
        here = len(self.pages) - 1
        moved = self._moving(self._tail(here, self.placed), min_lines)
        page = self.pages[-1]
        ids = {id(op) for e in moved for op in e.ops}
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

    def gather(self, min_lines: int) -> None:
        """Before a signature that fits on this page: when the body lines above it came here in
        the flow, fewer than ``min_lines`` of them text (a page break just before 特此通知。),
        lines of the page before join them, as many as :meth:`break_page` would have carried
        had the page ended below them: the signature page holds text (GB/T 9704 7.3.5)."""
        here = len(self.pages) - 1
        mine = [e for e in self.placed if e.page == here]
        ids = {id(op) for e in mine for op in e.ops}
        if not here or not mine or mine[0].line or sum(not e.lead for e in mine) >= min_lines \
                or any(id(op) not in ids for op in self.ops):
            return
        # this page's lines as if they ran on below the foot of the page before
        above = self._tail(here - 1, self.placed[:len(self.placed) - len(mine)])
        run_on = [replace(e, line=e.line + self.rows(here - 1)) for e in mine]
        extra = self._moving(above + run_on, min_lines)[:-len(mine)]
        if not extra:
            return
        page = self.pages[here - 1]
        ids = {id(op) for e in extra for op in e.ops}
        page.ops[:] = [op for op in page.ops if id(op) not in ids]
        shift, down = extra[0].line, extra[-1].line - extra[0].line + 1
        for e in mine:
            for op in e.ops:
                op.y -= down * LINE_PITCH
            e.line += down
        for e in extra:
            for op in e.ops:
                op.y += shift * LINE_PITCH
            e.page += 1
            e.line -= shift
        self.ops[:0] = [op for e in extra for op in e.ops]
        self.y = line_top(mine[-1].line + 1)

    @staticmethod
    def _tail(page: int, placed: list[Placed]) -> list[Placed]:
        """The body lines registered last, as far as they are on ``page``."""
        tail: list[Placed] = []
        for entry in reversed(placed):
            if entry.page != page:
                break
            tail.append(entry)
        return tail[::-1]

    def _moving(self, tail: list[Placed], min_lines: int) -> list[Placed]:
        """The lines of ``tail`` (the foot of a page) that go to the next page (the rules of
        :meth:`break_page`); none when all the page's content would go."""
        n = len(tail)
        k = _with_text(tail, min_lines)
        if min_lines and 0 < k < n and self.rows(tail[0].page) - 1 - tail[n - k - 1].line > 2:
            # keeping a paragraph's first line from standing alone would leave more than two
            # rows empty: it may stand alone (7.3.5.5 weighs more than the orphan)
            k = min(k, _with_text(tail, min_lines, orphans=False))
        moved = tail[n - k:] if k else []
        ids = {id(op) for e in moved for op in e.ops}
        # moved is the end of tail, so tail[0] exists whenever moved does
        if moved and not [op for op in self.pages[tail[0].page].ops if id(op) not in ids]:
            return []                                   # would empty the page
        return moved


def _with_text(tail: list[Placed], min_lines: int, orphans: bool = True) -> int:
    """:func:`carry`, then more lines until those carried hold ``min_lines`` lines that are not
    lead-ins (or two when a lead-in would begin the new page): the page that gets them holds
    text, not a formula and a signature (PAGE-CHECKS 6)."""
    n = len(tail)
    k = carry(tail, min_lines, orphans)
    need = max(min_lines, 2 if 0 < k < n and tail[n - k].lead else 0)
    while 0 < k < n and sum(not e.lead for e in tail[n - k:]) < need:
        k = carry(tail, k + 1, orphans)
    return k
