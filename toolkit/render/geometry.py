"""The GB/T 9704-2012 page, defined once for the PDF typesetter and the DOCX base.

Plain numbers, no drawing library: lengths on the paper in millimetres (``*_MM``, measured from
the paper's edges) and type sizes in points (``*_PT``).  :mod:`toolkit.render.pdf.grid` turns
them into PDF coordinates, :mod:`toolkit.render.docx_shell.layout` into Word's twips; the choices
behind the numbers are explained in docs/fonts-and-layout.md.
"""

from __future__ import annotations

PT_PER_MM = 72 / 25.4


def mm_to_pt(mm: float) -> float:
    return mm * PT_PER_MM


def mm_to_twips(mm: float) -> int:
    """Twentieths of a point, rounded (Word's unit)."""
    return round(mm / 25.4 * 1440)


# The paper and the text block (版心)
PAPER_W_MM, PAPER_H_MM = 210, 297           # A4
MARGIN_TOP_MM = 37                          # 天头
MARGIN_LEFT_MM = 28                         # 订口
BLOCK_W_MM, BLOCK_H_MM = 156, 225
MARGIN_RIGHT_MM = PAPER_W_MM - MARGIN_LEFT_MM - BLOCK_W_MM      # 26
MARGIN_BOTTOM_MM = PAPER_H_MM - MARGIN_TOP_MM - BLOCK_H_MM      # 35

# The grid: a full page holds exactly this many lines of this many 三号 characters
LINES = 22
CHARS = 28

# Type sizes
BODY_PT = 16.0                  # 三号: every element unless stated otherwise
TITLE_PT = 22.0                 # 二号: 标题
SMALL_PT = 14.0                 # 四号: 版记, page numbers, table cells
TABLE_LEAD_PT = 20.0            # line pitch inside table cells
MASTHEAD_PT = 42.0              # 初号: 发文机关标志 (the standard leaves the size open)

# 版头
MASTHEAD_OFFSET_MM = 35         # 发文机关标志: its top edge below the block's top
RED_RULE_GAP_MM = 4             # red separator below the 发文字号 (信函: double line below the mark)
RED_RULE_PT = 2.0               # its thickness; the standard leaves it open
LETTER_MASTHEAD_TOP_MM = 30     # 信函: the mark's top edge below the paper's top edge
LETTER_RULE_MM = 170            # 信函: length of both red double lines, centred on the block
LETTER_RULE_LEFT_MM = MARGIN_LEFT_MM + (BLOCK_W_MM - LETTER_RULE_MM) / 2     # 21
LETTER_BOTTOM_RULE_MM = 20      # 信函: the lower double line (its thick line) above the paper's bottom edge
LETTER_THICK_MM = 2.0 / PT_PER_MM   # 信函: the double lines' thick line (2 pt) …
LETTER_THIN_MM = 0.6 / PT_PER_MM    # … thin line (0.6 pt) …
LETTER_RULE_PAIR_MM = 2.5 / PT_PER_MM   # … and the distance between their centres (2.5 pt)

# 版记: its first and last rules, and the rule between 抄送 and 印发
RECORD_OUTER_RULE_MM = 0.35
RECORD_INNER_RULE_MM = 0.25
RECORD_INDENT_PT = SMALL_PT     # 抄送 and 印发 lines: one 四号 character in from each side

# 页码 — N —
PAGE_NUMBER_DROP_MM = 7         # the dashes' middle below the block's bottom edge
PAGE_NUMBER_INDENT_PT = SMALL_PT    # odd pages one 四号 character in from the right, even from the left
