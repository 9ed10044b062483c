"""The GB/T 9704 page in PDF coordinates (points, origin at the paper's lower left, y up).

Line pitch = 225 mm / 22; every line is addressed by its integer index, so the 22nd line ends on
the block's bottom edge (no float creep).  Character pitch = (156 mm − 16 pt) / 27 ≈ 15.785 pt:
16 pt glyphs set with a character spacing (PDF ``Tc``) of ≈ −0.215 pt, so the 28th glyph ends on
the right edge.  Glyphs sit in an ideographic em box from −0.12 em to 0.88 em, centred in the
line.
"""

from __future__ import annotations

import math

from toolkit.render import geometry as G

MM = G.PT_PER_MM
PAGE_W, PAGE_H = G.mm_to_pt(G.PAPER_W_MM), G.mm_to_pt(G.PAPER_H_MM)
BLOCK_LEFT = G.mm_to_pt(G.MARGIN_LEFT_MM)
BLOCK_W = G.mm_to_pt(G.BLOCK_W_MM)
BLOCK_RIGHT = BLOCK_LEFT + BLOCK_W
BLOCK_TOP = PAGE_H - G.mm_to_pt(G.MARGIN_TOP_MM)
BLOCK_H = G.mm_to_pt(G.BLOCK_H_MM)
BLOCK_BOTTOM = BLOCK_TOP - BLOCK_H

LINES = G.LINES
CHARS = G.CHARS
BODY = G.BODY_PT
TITLE = G.TITLE_PT
SMALL = G.SMALL_PT
LINE_PITCH = BLOCK_H / LINES                    # ≈ 28.94 pt
TRACK = (BLOCK_W - CHARS * BODY) / (CHARS - 1)  # ≈ −0.215 pt
CHAR_PITCH = BODY + TRACK                       # ≈ 15.785 pt
DESCENT = 0.12

RED = (1, 0, 0)
BLACK = (0, 0, 0)
EPS = 1e-6


def line_top(i: int) -> float:
    return BLOCK_TOP - i * LINE_PITCH


def baseline(i: int, size: float = BODY) -> float:
    """Baseline of grid line ``i`` for text of ``size``, the em box centred in the line."""
    return line_top(i) - LINE_PITCH + (LINE_PITCH - size) / 2 + DESCENT * size


def line_below(y: float) -> int:
    """First grid line whose top is at or below ``y``."""
    return max(0, math.ceil((BLOCK_TOP - y) / LINE_PITCH - 1e-4))
