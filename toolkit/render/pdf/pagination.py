"""Which body lines at the bottom of a page go along to the next one (GB/T 9704 7.3.5, keep with
next): the rules of docs/fonts-and-layout.md, "分页", on a list of placed lines."""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.render.pdf.grid import BLOCK_TOP, BODY, EPS, LINE_PITCH, LINES, RED, baseline
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


#: Rows a page may lack for its signature and still hold it, its lines set closer (GB/T 9704
#: 7.3.5.5: "当公文排版后所剩空白处不能容下印章或签发人签名章、成文日期时，可以采取调整行距、字距的
#: 措施解决").  Three rows — the seal's two blank lines and one more — is what the standard's
#: adjustment is for: 25 lines in the block of 22, a pitch of 9 mm instead of 10.2 (22/25 of the
#: grid's; 20/23 below a letter's 发文字号, which stays), still more than half a character
#: between lines; a page lacking more rows carries lines to the next page with the signature.  The 28 characters of a line stay: wider
#: or closer characters would leave the character grid that the DOCX keeps too.
TIGHT = 3


def rows_left(page: Page) -> int | None:
    """Grid lines below the last line of body text on ``page``; None on a page with a table
    (table rows end a page where they must); 0 on a page set closer, which its lines fill."""
    if not plain(page):
        return None
    if page.pitch < LINE_PITCH - EPS:
        return 0
    lines = [round((baseline(0) - op.y) / LINE_PITCH) for op in page.ops
             if isinstance(op, Text) and op.size == BODY and op.color != RED]
    return LINES - 1 - max(lines) if lines else None


def plain(page: Page) -> bool:
    """Whether ``page`` holds text only (no table, no 版记 rules: those sit where the grid puts
    them); the red lines and mark of a letter's head stay where 7.2 puts them in any case."""
    return not any(isinstance(op, Box) or (isinstance(op, Rule) and op.color != RED)
                   for op in page.ops)


@dataclass(frozen=True)
class Tightened:
    """What the DOCX needs to set a tightened page's paragraphs as closely (:func:`tightened`)."""

    page: int           # index of the page
    lines: int          # lines in the block (22 + the rows it lacked)
    scale: float        # its pitch over the grid's
    first: str          # the text of its first line
    carried: str        # the text on it of a paragraph begun on the page before ("" if none)
    date: str           # the 成文日期 it holds


def tightened(pages: list[Page]) -> list[Tightened]:
    """The pages set closer than the grid (:func:`tighten`), for the DOCX."""
    out = []
    for n, page in enumerate(pages):
        if page.pitch >= LINE_PITCH - EPS:
            continue
        texts = sorted((op for op in page.ops if isinstance(op, Text) and op.color != RED),
                       key=lambda op: -op.y)
        body = [op for op in texts if op.size == BODY]
        before = {op.field for op in pages[n - 1].ops if isinstance(op, Text)} if n else set()
        head = body[0].field if body else ""
        carried = "".join(_text(op) for op in body if head and head in before and op.field == head)
        date = next((_text(op) for op in reversed(body) if op.field == "成文日期"), "")
        start = min(int((BLOCK_TOP - op.y) / LINE_PITCH) for op in texts)
        lines = start + round((LINES - start) * LINE_PITCH / page.pitch)
        out.append(Tightened(n, lines, page.pitch / LINE_PITCH, _text(body[0]) if body else "",
                             carried, date))
    return out


def _text(op: Text) -> str:
    return "".join(t for _, t in op.segs)


def tighten(page: Page, extra: int) -> None:
    """Set the lines of ``page``, laid out on ``22 + extra`` grid lines, closer so that they fill
    the block (7.3.5.5, :data:`TIGHT`): its first line stays where the grid has it (row 0, or
    the 发文字号 of a letter under its head), every line after it comes evenly closer, down to
    the grid's last row.  The red head of a letter stays."""
    texts = [op for op in page.ops if isinstance(op, Text) and op.color != RED]
    start = min(int((BLOCK_TOP - op.y) / LINE_PITCH) for op in texts)
    k = (LINES - start) / (LINES + extra - start)
    top = baseline(start)
    for op in texts:
        op.y = top - (top - op.y) * k
    page.pitch = LINE_PITCH * k


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
