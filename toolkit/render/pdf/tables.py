"""Form tables across the block: 四号 cells, a one-line row exactly one grid line high, rows that
move to or continue on the next page with the header rows repeated."""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.documents.model import Cell, Table
from toolkit.errors import RenderError
from toolkit.render import geometry as G
from toolkit.render.forms import DEFAULT, PAD_H, CellStyle
from toolkit.render.linebreak import is_signature_row
from toolkit.render.pdf.cursor import Cursor
from toolkit.render.pdf.grid import (
    BLOCK_BOTTOM,
    BLOCK_H,
    BLOCK_LEFT,
    BLOCK_RIGHT,
    BLOCK_TOP,
    BLOCK_W,
    DESCENT,
    EPS,
    LINE_PITCH,
    LINES,
    SMALL,
    line_top,
)
from toolkit.render.pdf.ops import Box, Text
from toolkit.render.pdf.setter import LineSetter, clean

CELL_SIZE = SMALL               # table text: 四号 (小四 for a form that only fits so: forms.py)
CELL_LEAD = G.TABLE_LEAD_PT     # table line pitch
CELL_PAD_V = (LINE_PITCH - CELL_LEAD) / 2   # a one-line row is exactly one grid line high
CELL_PAD_H = PAD_H
CELL_JUSTIFY_SLACK = 1.0        # cell lines are justified only when at most 1 em short of full


@dataclass
class CellLayout:
    x: float
    w: float
    lines: list
    align: str
    label: bool
    min_lines: int
    field: str


@dataclass
class RowLayout:
    cells: list[CellLayout]
    style: CellStyle = DEFAULT
    signed: bool = False            # a row where someone signs (签名, 签章, 签收)

    def height(self, offset: int = 0, first: bool = True) -> float:
        n = max((len(c.lines) - offset for c in self.cells), default=0)
        if first:
            n = max([n] + [c.min_lines for c in self.cells])
        return max(n, 1) * self.style.lead + 2 * self.style.pad_v

    def first_need(self) -> float:
        """Height the row needs on the page it starts on (split rows need two lines)."""
        return min(self.height(), 2 * self.style.lead + 2 * self.style.pad_v)


def set_table(cur: Cursor, setter: LineSetter, table: Table, n: int, joined: bool = False,
              widths: tuple[float, ...] | None = None, style: CellStyle = DEFAULT) -> None:
    """A form table across the block.  ``joined``: it directly follows another table and
    continues it without a gap (its top border on the other's bottom border); ``widths`` and
    ``style``: the form's plan (:func:`toolkit.render.forms.plan_form`)."""
    widths = widths or table.widths
    ncols = len(widths)
    total = sum(widths)
    if ncols == 0 or total <= 0:
        raise RenderError(f"第{n}个内容块的表格没有有效的列宽")
    xs = [BLOCK_LEFT]
    acc = 0.0
    for w in widths:
        acc += w
        xs.append(BLOCK_LEFT + BLOCK_W * acc / total)
    xs[-1] = BLOCK_RIGHT
    rows = [_lay_row(setter, row, xs, r + 1, style) for r, row in enumerate(table.rows)]
    nhead = min(table.header_rows, len(rows))
    header = rows[:nhead]
    header_h = sum(r.height() for r in header)

    # start on the next grid line (or right below the table it joins); keep the header with
    # at least the first data row's start (a new page carries a heading above along)
    i = cur.next_line()
    if joined and not cur.at_top() and cur.y > BLOCK_BOTTOM + EPS:
        pass
    elif i >= LINES:
        cur.break_page()
    else:
        cur.y = line_top(i)
    if rows:
        first_need = header_h + (rows[nhead].first_need() if nhead < len(rows) else 0)
        if first_need > cur.y - BLOCK_BOTTOM + EPS and not cur.at_top():
            cur.break_page()
    for r, row in enumerate(rows):
        offset = 0
        first = True
        # the signature rows at the end of a form never go to a page alone: the row before
        # them goes along when they do not all fit below it
        rest = rows[r + 1:]
        if (r >= nhead and rest and all(x.signed for x in rest) and not row.signed
                and not cur.at_top() and row.height() <= cur.y - BLOCK_BOTTOM + EPS
                and sum(x.height() for x in rows[r:]) > cur.y - BLOCK_BOTTOM + EPS
                and sum(x.height() for x in rows[r:]) <= BLOCK_H - header_h + EPS):
            _continue_table(cur, header, True)
        while True:
            avail = cur.y - BLOCK_BOTTOM
            need = row.height(offset, first)
            if need <= avail + EPS:
                _draw_row(cur, row, offset, None, need)
                break
            fresh = cur.y >= BLOCK_TOP - (header_h if r >= nhead else 0) - EPS
            full = BLOCK_H - (header_h if r >= nhead else 0)
            if need <= full + EPS and not fresh:
                if r == 0:      # nothing of the table is on this page: a heading above goes along
                    cur.break_page()
                else:
                    _continue_table(cur, header, r >= nhead)
                continue
            k = int((avail - 2 * style.pad_v + EPS) // style.lead)
            if k < (1 if fresh else 2):
                if fresh:   # cannot happen with sane sizes; avoid looping forever
                    raise RenderError(f"第{n}个内容块的表格第{r + 1}行无法排入页面")
                _continue_table(cur, header, r >= nhead)
                continue
            _draw_row(cur, row, offset, k, k * style.lead + 2 * style.pad_v)
            offset += k
            first = False
            _continue_table(cur, header, r >= nhead)
    cur.placed.clear()                  # lines above a table stay where they are


def _continue_table(cur: Cursor, header: list[RowLayout], repeat: bool) -> None:
    cur.new_page()
    if repeat:
        for row in header:
            _draw_row(cur, row, 0, None, row.height())


def _lay_row(setter: LineSetter, row: tuple[Cell, ...], xs: list[float], r: int,
             style: CellStyle = DEFAULT) -> RowLayout:
    ncols = len(xs) - 1
    cells = []
    col = 0
    for c, cell in enumerate(row):
        span = max(1, int(cell.colspan))
        if col + span > ncols:
            raise RenderError(f"表格第{r}行的单元格共占{col + span}列，多于列宽定义的{ncols}列")
        last = c == len(row) - 1
        end = ncols if last else col + span
        x, w = xs[col], xs[end] - xs[col]
        role = "heiti" if cell.label else "fangsong"
        align = "center" if cell.label else cell.align
        fieldname = f"表格第{r}行第{c + 1}格"
        lines = []
        for para in clean(cell.text).split("\n"):
            # captions keep the case's names whole; answers break as Word does (the
            # column widths are fitted so that they need not)
            got = setter.set_lines([(role, para)], style.size, w - 2 * CELL_PAD_H,
                                   justify=align == "left", justify_slack=CELL_JUSTIFY_SLACK,
                                   fieldname=fieldname, keep=align == "center")
            if align == "center" and len(got) > 1:
                got = _balanced(setter, [(role, para)], got, w - 2 * CELL_PAD_H, fieldname,
                                style.size)
            lines.extend(got or [(None, [])])  # type: ignore[list-item]  # an empty line keeps its row
        if cell.text == "":
            lines = []
        cells.append(CellLayout(x, w, lines, align, bool(cell.label), max(1, int(cell.lines)),
                                fieldname))
        col = end
    return RowLayout(cells, style, is_signature_row(row))


def _balanced(setter: LineSetter, segs, lines, width: float, fieldname: str,
              size: float = CELL_SIZE):
    """Centred cell text that wraps, broken into lines as even as possible (``被问责`` /
    ``事项`` rather than ``被问责事`` / ``项``): the narrowest width giving as many lines."""
    lo, hi = width / len(lines), width
    for _ in range(10):
        mid = (lo + hi) / 2
        if len(setter.set_lines(segs, size, mid, justify=False,
                                fieldname=fieldname)) > len(lines):
            lo = mid
        else:
            hi = mid
    return setter.set_lines(segs, size, hi, justify=False, fieldname=fieldname)


def _draw_row(cur: Cursor, row: RowLayout, offset: int, k: int | None, height: float) -> None:
    """Lines ``offset`` … (``k`` of them, or all) of ``row`` in a row ``height`` high."""
    top = cur.y
    size, lead, pad_v = row.style.size, row.style.lead, row.style.pad_v
    for cell in row.cells:
        cur.ops.append(Box(cell.x, top - height, cell.w, height))
        shown = cell.lines[offset:] if k is None else cell.lines[offset:offset + k]
        if not shown:
            continue
        block_h = len(shown) * lead
        # captions, and one-line answers of unsplit rows, are centred vertically;
        # answers with room for handwriting start at the top
        if cell.label or (k is None and offset == 0 and cell.min_lines == 1):
            y0 = top - (height - block_h) / 2
        else:
            y0 = top - pad_v
        inner = cell.w - 2 * CELL_PAD_H
        for j, (line, parts) in enumerate(shown):
            if line is None or not parts:
                continue
            if cell.align == "center":
                x = cell.x + CELL_PAD_H + (inner - line.extent) / 2
            elif cell.align == "right":
                x = cell.x + CELL_PAD_H + inner - line.extent
            else:
                x = cell.x + CELL_PAD_H + line.indent
            base = y0 - (j + 1) * lead + (lead - size) / 2 + DESCENT * size
            cur.ops.append(Text(x, base, size, parts, line.char_space, field=cell.field))
    cur.y = top - height
