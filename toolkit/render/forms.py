"""Forms that fit their sheet: column widths from the content, and 小四 when only that keeps a
form on one page — decided once, without fonts, so that the PDF and the DOCX lay a form out
alike (docs/fonts-and-layout.md, "表格").

Widths are measured as a Chinese face sets them (1 em a Chinese character or full-width mark,
½ em the rest), which is exact for the Chinese text that forms hold.

* **Column widths**: the template's relative widths are the start; width moves from one column
  to another in steps of half a character while that makes the table shorter (fewer wrapped
  lines in total), so a value cell does not wrap a unit name into three lines while the caption
  beside it has room to spare.  A caption column never gets narrower than its longest word of
  up to four characters (``被问责事项`` may wrap, ``受理人`` does not).
* **Cell size**: 四号 (14 pt, 20 pt line pitch).  A form that does not fit one page at 四号 but
  fits at 小四 (12 pt, 18 pt line pitch) — a usual size for forms — is set in 小四; one that fits
  neither stays in 四号 and runs on, breaking between rows.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from toolkit.documents.model import Document, Paragraph, Table
from toolkit.render import geometry as G
from toolkit.render.linebreak import break_lines, phrase_ranges

BLOCK_W = G.mm_to_pt(G.BLOCK_W_MM)
BLOCK_H = G.mm_to_pt(G.BLOCK_H_MM)
PITCH = BLOCK_H / G.LINES
PAD_H = 5.0                      # left and right padding of a cell (pt), PDF and DOCX
#: (cell size, line pitch) in points: 四号, and 小四 for a form that only fits so.
SIZES = ((G.SMALL_PT, G.TABLE_LEAD_PT), (12.0, 18.0))
STEP_EM = 0.5                    # width moves between columns in steps of half a character
MIN_LABEL_CHARS = 4


@dataclass(frozen=True)
class CellStyle:
    size: float
    lead: float

    @property
    def pad_v(self) -> float:
        """Top and bottom padding: a one-line row is exactly one grid line high."""
        return (PITCH - self.lead) / 2


DEFAULT = CellStyle(*SIZES[0])


@dataclass(frozen=True)
class FormPlan:
    style: CellStyle
    widths: dict[int, tuple[float, ...]]     # block index → column widths (relative)

    def table_widths(self, n: int, table: Table) -> tuple[float, ...]:
        return self.widths.get(n, table.widths)


def em_width(ch: str) -> float:
    return 1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5


@lru_cache(maxsize=20000)
def count_lines(text: str, width: float, size: float, phrases: tuple[str, ...]) -> int:
    """Lines ``text`` takes in a cell whose text is ``width`` pt wide (names kept whole when
    ``phrases`` are given: captions)."""
    total = 0
    for para in text.split("\n"):
        if not para:
            total += 1
            continue
        widths = [em_width(c) * size for c in para]
        lines = break_lines(para, widths, max(width, size), em=size, justify=False,
                            keep=phrase_ranges(para, phrases))
        total += max(1, len(lines))
    return total


def _cells(table: Table, widths: list[float]):
    """(row, cell, text width in pt) of every cell, with the table's spans."""
    total = sum(widths)
    edges = [0.0]
    for w in widths:
        edges.append(edges[-1] + BLOCK_W * w / total)
    n = len(widths)
    for r, row in enumerate(table.rows):
        col = 0
        for c, cell in enumerate(row):
            span = max(1, int(cell.colspan))
            end = n if c == len(row) - 1 else min(n, col + span)
            yield r, cell, edges[end] - edges[col] - 2 * PAD_H
            col = end


def table_height(table: Table, widths: list[float], style: CellStyle,
                 phrases: tuple[str, ...]) -> float:
    rows: dict[int, int] = {}
    for r, cell, w in _cells(table, widths):
        keep = phrases if cell.label or cell.align == "center" else ()
        n = max(count_lines(cell.text, w, style.size, keep) if cell.text else 1,
                max(1, int(cell.lines)))
        rows[r] = max(rows.get(r, 1), n)
    return sum(n * style.lead + 2 * style.pad_v for n in rows.values())


def _min_widths(table: Table, size: float) -> list[float]:
    """Per column, the narrowest text width (pt) its one-column captions allow."""
    n = len(table.widths)
    out = [2 * size] * n
    for row in table.rows:
        col = 0
        for c, cell in enumerate(row):
            end = n if c == len(row) - 1 else min(n, col + max(1, int(cell.colspan)))
            if cell.label and end - col == 1:
                word = max(len(w) for w in re.split(r"[（(\n]", cell.text))
                out[col] = max(out[col], min(word, MIN_LABEL_CHARS) * size)
            col = end
    return out


def fit_widths(table: Table, style: CellStyle, phrases: tuple[str, ...]) -> tuple[float, ...]:
    """Column widths (relative, summing to the template's) that make ``table`` shortest."""
    n = len(table.widths)
    if n < 2 or not table.rows:
        return table.widths
    total = sum(table.widths)
    widths = [BLOCK_W * w / total for w in table.widths]
    floor = [m + 2 * PAD_H for m in _min_widths(table, style.size)]
    step = STEP_EM * style.size
    best = table_height(table, widths, style, phrases)
    for _ in range(60):
        improved = None
        for i in range(n):
            for j in range(n):
                if i == j or widths[i] - step < floor[i]:
                    continue
                trial = list(widths)
                trial[i] -= step
                trial[j] += step
                h = table_height(table, trial, style, phrases)
                if h < best - 1e-6 and (improved is None or h < improved[0]):
                    improved = (h, trial)
        if improved is None:
            break
        best, widths = improved
    return tuple(round(w / BLOCK_W * total, 4) for w in widths)


def _content_height(doc: Document, plan_widths: dict[int, tuple[float, ...]], style: CellStyle,
                    phrases: tuple[str, ...]) -> float:
    """Height of a form's content on the grid: title lines, the blank line, tables, paragraphs."""
    title = sum(em_width(c) for c in doc.title) * G.TITLE_PT
    height = (max(1, -(-title // BLOCK_W)) + 1) * PITCH if doc.title else 0.0
    for n, block in enumerate(doc.blocks):
        if isinstance(block, Table):
            height += table_height(block, list(plan_widths.get(n, block.widths)), style, phrases)
        elif isinstance(block, Paragraph):
            lines = max(1, -(-int(sum(em_width(c) for c in block.text) + 2) // G.CHARS))
            height += lines * PITCH
        else:
            height += 2 * PITCH
    return height


@lru_cache(maxsize=64)
def plan_form(doc: Document, phrases: tuple[str, ...]) -> FormPlan:
    """Widths and cell size for ``doc`` (forms only; other layouts keep their tables as they are).
    Kept for the process: the PDF and the DOCX of a document ask for the same plan."""
    if doc.layout != "form" or not any(isinstance(b, Table) for b in doc.blocks):
        return FormPlan(DEFAULT, {})
    plans = []
    for size, lead in SIZES:
        style = CellStyle(size, lead)
        widths = {n: fit_widths(b, style, phrases) for n, b in enumerate(doc.blocks)
                  if isinstance(b, Table)}
        plans.append((FormPlan(style, widths), _content_height(doc, widths, style, phrases)))
    first, h1 = plans[0]
    if h1 <= BLOCK_H + 1e-6:
        return first
    second, h2 = plans[1]
    return second if h2 <= BLOCK_H + 1e-6 else first


def balanced_text(text: str, width: float, size: float, phrases: tuple[str, ...]) -> str:
    """A centred caption broken as the PDF breaks it (``签收人`` / ``（签名）``): the narrowest
    width that gives as many lines, each paragraph on its own; lines joined by newlines."""
    out = []
    for para in text.split("\n"):
        widths = [em_width(c) * size for c in para]
        keep = phrase_ranges(para, phrases)

        def lines(w: float, para=para, widths=widths, keep=keep):
            return break_lines(para, widths, max(w, size), em=size, justify=False, keep=keep)

        got = lines(width) if para else []
        if len(got) <= 1:
            out.append(para)
            continue
        if len(got) > 1:
            lo, hi = width / len(got), width
            for _ in range(10):
                mid = (lo + hi) / 2
                if len(lines(mid)) > len(got):
                    lo = mid
                else:
                    hi = mid
            got = lines(hi)
        out.append("\n".join(ln.text for ln in got))
    return "\n".join(out)
