"""The page of the sheets the toolkit draws itself, and a pen that writes FontBook text on it.

A4 with the GB/T 9705-2008 margins (top 20, bottom 15, binding/left 25, outer/right 15 mm);
text in the fonts of :class:`toolkit.render.fonts.FontBook` (per-character fallback, all
embedded, all searchable); output byte-reproducible (``invariant=1``).
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas

from toolkit.render.linebreak import break_lines

PAGE_W, PAGE_H = 210 * mm, 297 * mm
TOP, BOTTOM, BINDING, OUTER = 20 * mm, 15 * mm, 25 * mm, 15 * mm
LEFT, RIGHT = BINDING, PAGE_W - OUTER
TEXT_W = RIGHT - LEFT


class Pen:
    """Draws FontBook runs on a reportlab canvas; measures and wraps CJK text."""

    def __init__(self, c: rl_canvas.Canvas, book):
        self.c, self.book = c, book

    def width(self, text: str, role: str, size: float) -> float:
        return self.book.width(text, role, size)

    def draw(self, x: float, y: float, text: str, role: str, size: float, *,
             align: str = "left", field: str = "", spacing: float = 0.0) -> float:
        """Draw ``text`` with its baseline at ``y``; returns its width."""
        if not text:
            return 0.0
        w = self.width(text, role, size) + spacing * max(0, len(text) - 1)
        if align == "center":
            x -= w / 2
        elif align == "right":
            x -= w
        t = self.c.beginText(x, y)
        t.setCharSpace(spacing)  # Tc persists in the graphics state: always set it
        for font, chunk in self.book.runs(text, role, field):
            t.setFont(font, size)
            t.textOut(chunk)
        self.c.drawText(t)
        return w

    def spaced(self, x: float, y: float, text: str, role: str, size: float, width: float) -> None:
        """Draw ``text`` spread evenly over ``width`` (labels like 保 管 期 限)."""
        if len(text) < 2:
            self.draw(x, y, text, role, size)
            return
        natural = self.width(text, role, size)
        gap = max(0.0, (width - natural) / (len(text) - 1))
        self.draw(x, y, text, role, size, spacing=gap)

    def wrap(self, text: str, role: str, size: float, max_width: float, field: str = "") -> list[str]:
        """Break ``text`` into lines no wider than ``max_width`` (CJK rules, words kept whole)."""
        lines: list[str] = []
        for para in str(text).split("\n"):
            lines.extend(self._wrap_para(para, role, size, max_width, field))
        return lines or [""]

    def _wrap_para(self, text: str, role: str, size: float, max_width: float, field: str) -> list[str]:
        # The documents' own line breaker: Latin and digit runs such as 〔2025〕 stay whole and
        # punctuation follows GB/T 15834.  Sheets draw lines unsqueezed, so no push-in (em=0):
        # a line never runs past its cell.
        widths = [self.book.char_width(ch, role, size, field) for ch in text]
        lines = break_lines(text, widths, max_width, em=0.0, justify=False)
        return [line.text.strip() for line in lines]


def canvas(path: Path, book, title: str) -> rl_canvas.Canvas:
    c = rl_canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1,
                         initialFontName=book.primary("songti"), pageCompression=1)
    c.setTitle(title)
    c.setCreator("rcmz")
    c.setProducer("rcmz")
    return c


def line(c, x0, y0, x1, y1, width=0.6):
    c.setLineWidth(width)
    c.line(x0, y0, x1, y1)
