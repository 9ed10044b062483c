"""The GB/T 9704 page of :mod:`toolkit.render.geometry` in Word's terms (twips, half-points).

* Paper A4 = 11906 × 16838 twips (Word's own A4).  Margins (twips = mm / 25.4 × 1440, rounded):
  top 37 mm = 2098, bottom 35 mm = 1984, left 28 mm = 1587, right 26 mm = 1474 → text block
  8845 × 12756 twips (156.0 × 225.0 mm).
* Line grid: 22 lines.  ``linePitch = floor(12756 / 22) = 579`` twips (28.95 pt): 580 would give
  22 × 580 = 12760 > 12756 and Word would fit only 21 lines.  Normal uses *exact* 579-twip line
  spacing too, so the 22 lines hold in applications that ignore the grid (LibreOffice, WPS).
* Character grid: 28 characters.  For ``w:docGrid w:type="linesAndChars"`` Word's character
  pitch is Normal's font size plus ``charSpace`` / 4096 pt.  The pitch must be at most
  442.25 pt / 28 = 15.7946 pt, so ``charSpace = floor((15.7946 - 16) × 4096) = -842``
  (pitch 15.7944 pt; 28 × it = 442.24 pt ≤ 442.25 pt): 16 pt characters very slightly compressed,
  as STANDARDS.md allows ("pick one method and keep the 28×22 grid exact").
* The grid is declared (Word's 页面设置 shows 每行 28 字、每页 22 行) but paragraphs do not snap to
  it (Normal has ``w:snapToGrid w:val="0"``); the same 28 × 22 comes from exact 579-twip line
  spacing and characters condensed by 0.3 pt (``w:spacing w:val="-6"``: 28 × 15.7 pt = 439.6 pt
  ≤ 442.25 pt).  Reason: LibreOffice gives a 16-pt character two cells of a 15.79-pt grid (body
  text came out 14 characters a line, measured), and a 22-pt title would be spaced out in Word
  too (the well-known "标题字距变大" effect).  Exact spacing + condensing lays out the same in
  Word, WPS and LibreOffice.
* One character of indentation = 1/28 of the text width ≈ 316 twips; ``w:firstLineChars="200"``
  carries the grid-relative value for Word, ``w:firstLine`` the twips for everything else.
* 版头: lines 1–3 of the block hold 份号, 密级 and (empty) 紧急程度 at 579 twips each = 1737; the
  发文机关标志 (42 pt, condensed to fit as in the PDF) fills lines 4–5 (:data:`ISSUER_BEFORE`,
  :data:`ISSUER_LINE`), its top edge 35 mm below the block's top as LibreOffice sets it.  Two blank lines, 发文字号 with the red separator as
  its bottom border (2 pt as in the PDF; space 4 pt under the line box ≈ 4 mm under the
  characters), two blank lines, 标题 (22 pt), one blank line.  An upward document with a 签发人
  (7.2.5) uses 发文字号（上行文，含签发人）: the number one character in from the left, a right
  tab one character in from the right for ``签发人：`` (仿宋) and the name (character style
  签发人姓名, 楷体).
* 页码 宋体 14 pt in a line box of exactly 14 pt; the footer's distance from the paper's bottom is
  25.5 mm (1446 twips): the dash (mid-height of the box) sits ≈ 28 mm from the bottom edge, i.e.
  7 mm below the block.  Odd pages right, even pages left, one 14-pt character (280 twips) in;
  ``w:evenAndOddHeaders`` in settings, ``w:titlePg`` so a 信函 has no number on page one.
* 信函: the first-page header starts 30 mm (1701 twips) from the paper's top and holds the
  信函标志, whose bottom border (11 pt ≈ 4 mm below it) is the red double line; the paragraph
  reaches 7 mm into either margin, so the line is 170 mm long and centred on the text block.
  The second double line is the top border of a frame in the first-page footer, 20 mm above the
  paper's bottom.  Frames are direct paragraph formatting: LibreOffice ignores them in styles.
* 版记: one style whose paragraphs Word groups: top border 0.35 mm (sz 8 = 1 pt), "between"
  border 0.25 mm (sz 6 = 0.75 pt), bottom border 0.35 mm; 4号 (14 pt), indented one 4号
  character (280 twips, as in the PDF) each side, a right tab for 印发日期.  The paragraphs sit in one frame aligned to the bottom of
  the text block (direct formatting in the shell: LibreOffice ignores frames in styles and splits
  a frame whose paragraphs differ), so the last rule lies on the block's bottom edge.
  LibreOffice 7.4 does not draw "between" borders inside a frame (the middle rule is missing
  there); Word does.
"""

from __future__ import annotations

import math

from toolkit.render import geometry as G
from toolkit.render.geometry import mm_to_twips as twips

PAGE_W, PAGE_H = twips(G.PAPER_W_MM), twips(G.PAPER_H_MM)
MARGIN_TOP, MARGIN_BOTTOM = twips(G.MARGIN_TOP_MM), twips(G.MARGIN_BOTTOM_MM)
MARGIN_LEFT, MARGIN_RIGHT = twips(G.MARGIN_LEFT_MM), twips(G.MARGIN_RIGHT_MM)
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT            # 8845
TEXT_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM            # 12756
LINES, CHARS = G.LINES, G.CHARS
BODY_PT = G.BODY_PT
LINE = TEXT_H // LINES                                   # 579
CHAR_SPACE = math.floor((TEXT_W / 20 / CHARS - BODY_PT) * 4096)   # -842
CHAR = round((BODY_PT + CHAR_SPACE / 4096) * 20)         # 316 twips, one grid character
# 0.25 pt would be enough by arithmetic; LibreOffice 7.4 then still sets only 27 characters a line
# under this grid (measured), 0.3 pt gives 28 in LibreOffice and leaves 2.6 pt of slack in Word.
CONDENSE = math.ceil((BODY_PT - (BODY_PT + CHAR_SPACE / 4096)) * 20) + 1   # 6 = 0.3 pt
HEADER_DIST = twips(G.LETTER_MASTHEAD_TOP_MM)            # 信函标志 30 mm below the paper's top
# The footer's 14-pt line box (4.9 mm) has the dashes of — N — at its middle, ≈ 2.5 mm above
# its bottom edge, which Word places this far above the paper's bottom.
FOOTER_DIST = twips(G.MARGIN_BOTTOM_MM - G.PAGE_NUMBER_DROP_MM - 2.5)     # 25.5 mm
# Word cannot compress an over-wide line horizontally as the PDF does (geometry.MASTHEAD_PT,
# 初号, compressed down to 60 %): the DOCX mark starts at 36 pt and is made smaller to fit.
ISSUER_PT = round(G.MASTHEAD_PT)                         # 42, condensed to fit as in the PDF
# The mark's paragraph fills lines 4–5 of the grid as in the PDF (the number two lines below the
# line its em box ends on: line 7); in an exact line LibreOffice sets a 42-pt glyph's em top
# about 1 mm above the line's top (measured), so the space before it is 1 mm more than 35 mm.
ISSUER_DROP = twips(1.0)
ISSUER_BEFORE = twips(G.MASTHEAD_OFFSET_MM) - 3 * LINE + ISSUER_DROP     # 304
ISSUER_LINE = 2 * LINE - ISSUER_BEFORE                                 # 854
TITLE_PT = G.TITLE_PT
SMALL_PT = G.SMALL_PT
SMALL = round(SMALL_PT * 20)                             # 280 twips: one 四号 character
TABLE_LEAD = round(G.TABLE_LEAD_PT * 20)                 # 400 twips
PAGE_NUMBER_INDENT = round(G.PAGE_NUMBER_INDENT_PT * 20)  # 280 twips
RECORD_INDENT = round(G.RECORD_INDENT_PT * 20)           # 280 twips: one 四号 character




def eighths(mm: float) -> int:
    """A border width in Word's eighths of a point."""
    return round(G.mm_to_pt(mm) * 8)


RED_RULE = round(G.RED_RULE_PT * 8)                      # 16: the PDF's 2 pt
# the red rule 4 mm below the 发文字号: a bottom border's w:space is in points, counted from
# the line's foot, which lies 1.35 mm under the characters' em box in LibreOffice (measured)
RED_RULE_SPACE = 7                                        # measured in LibreOffice: 3.8 mm
# table cells as in the PDF: 5 pt left and right.  A row of n lines at 20 pt is n × 20 pt +
# (one grid line − 20 pt) high (a one-line row one grid line), set as its minimum height; the
# top and bottom margins stay 10 twips under half the difference so that the row's content
# never exceeds that height (LibreOffice then adds the borders' width to the row)
CELL_MARGIN_H = 100
CELL_PAD_V = (LINE - TABLE_LEAD) // 2                     # 89
CELL_MARGIN_V = CELL_PAD_V - 10                          # 79
RECORD_OUTER = eighths(G.RECORD_OUTER_RULE_MM)            # 8 = 1 pt ≈ 0.35 mm
RECORD_INNER = eighths(G.RECORD_INNER_RULE_MM)            # 6 = 0.75 pt ≈ 0.25 mm
# 信函: the red double lines, 170 mm long and centred on the text block as in the PDF; the
# upper one is the 信函标志's bottom border, its paragraph reaching 7 mm into each margin, the
# lower one the top border of a frame this far above the paper's bottom
LETTER_RULE = twips(G.LETTER_RULE_MM)
LETTER_RULE_X = twips(G.LETTER_RULE_LEFT_MM)              # 21 mm from the paper's left edge
LETTER_RULE_OUT = twips((G.LETTER_RULE_MM - G.BLOCK_W_MM) / 2)
LETTER_BOTTOM_RULE = twips(G.LETTER_BOTTOM_RULE_MM)
RED = "FF0000"
# The paragraph under the 发文字号 absorbs its border (space and width) so the title stays on
# the PDF's grid line, two lines below the rule's line.
NUMBER_GAP = 2 * LINE - 20 * (RED_RULE_SPACE + round(G.RED_RULE_PT))      # 978
# LibreOffice sets 16-pt text about 1.07 mm lower in an exact 579-twip line than the PDF's
# centred em box (measured); raising it (w:position) makes LibreOffice shrink it as a
# superscript, so the DOCX's lines keep the grid's pitch at that offset.

assert (MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT) == (2098, 1984, 1587, 1474)
assert LINE * LINES <= TEXT_H < (LINE + 1) * LINES and LINE == 579
assert CONDENSE == 6 and CHAR_SPACE == -842 and (BODY_PT + CHAR_SPACE / 4096) * CHARS <= TEXT_W / 20

# The faces as offices name them (what format checkers and office templates expect).
FANGSONG, HEITI, KAITI, SONGTI, XBS = "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体", "方正小标宋简体"
#: Each face's alternate names (fontTable ``w:altName``): what Word and WPS take when the first
#: is missing — 仿宋 and 楷体 (simfang.ttf, simkai.ttf, in every Windows since Vista, covering GBK
#: where the *_GB2312 faces lack 堃 喆).
ALT_NAMES = {FANGSONG: "仿宋", HEITI: "SimHei", KAITI: "楷体", SONGTI: "SimSun", XBS: "方正小标宋_GBK"}
