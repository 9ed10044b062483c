#!/usr/bin/env python3
"""Build ``templates/docx/shell.docx``, the DOCX style shell of every document.

Run ``.venv/bin/python scripts/make_docx_shell.py`` after changing this file and commit both.
The shell is written part by part as plain WordprocessingML (no python-docx default template, no
theme) so that every style says exactly what GB/T 9704-2012 asks for, nothing is inherited from a
theme font (``w:eastAsiaTheme`` would override ``w:eastAsia``), and the file is byte-identical on
every run.  A bureau may instead hand ``toolkit.render.docx.render_docx`` its own shell edited in
Word or WPS: keep the style names (Word shows ``w:name``; the renderer only needs the style ids
listed in ``toolkit/render/docx.py``) and the template paragraphs (``{%p … %}``, ``{{ … }}``).

The layout numbers, in one place
--------------------------------
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
  发文机关标志 (36 pt, exact line height 720) gets 247 twips of space before, so its top edge sits
  1984 twips = 35 mm below the block's top.  Two blank lines, 发文字号 with the red separator as
  its bottom border (space 4 pt under the line box ≈ 4 mm under the characters), two blank
  lines, 标题 (22 pt), one blank line.  An upward document with a 签发人 (7.2.5) uses 发文字号
  （上行文，含签发人）: the number one character in from the left, a right tab one character in
  from the right for ``签发人：`` (仿宋) and the name (character style 签发人姓名, 楷体).
* 页码 宋体 14 pt in a line box of exactly 14 pt; the footer's distance from the paper's bottom is
  25.5 mm (1446 twips): the dash (mid-height of the box) sits ≈ 28 mm from the bottom edge, i.e.
  7 mm below the block.  Odd pages right, even pages left, one 14-pt character (280 twips) in;
  ``w:evenAndOddHeaders`` in settings, ``w:titlePg`` so a 信函 has no number on page one.
* 信函: the first-page header starts 30 mm (1701 twips) from the paper's top and holds the
  信函标志, whose bottom border (11 pt ≈ 4 mm below it) is the red double line; the paragraph
  reaches −8 mm / −6 mm into the margins, so the line is 170 mm long and centred on the paper.
  The second double line is the top border of a frame in the first-page footer, 20 mm above the
  paper's bottom.  Frames are direct paragraph formatting: LibreOffice ignores them in styles.
* 版记: one style whose paragraphs Word groups: top border 0.35 mm (sz 8 = 1 pt), "between"
  border 0.25 mm (sz 6 = 0.75 pt), bottom border 0.35 mm; 4号 (14 pt), indented one character
  each side, a right tab for 印发日期.  The paragraphs sit in one frame aligned to the bottom of
  the text block (direct formatting in the shell: LibreOffice ignores frames in styles and splits
  a frame whose paragraphs differ), so the last rule lies on the block's bottom edge.
  LibreOffice 7.4 does not draw "between" borders inside a frame (the middle rule is missing
  there); Word does.
"""

from __future__ import annotations

import math
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "templates" / "docx" / "shell.docx"


def twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


# ---------------------------------------------------------------------------------------------
# Geometry (GB/T 9704-2012, see the module docstring)
PAGE_W, PAGE_H = 11906, 16838
MARGIN_TOP, MARGIN_BOTTOM = twips(37), twips(35)
MARGIN_LEFT, MARGIN_RIGHT = twips(28), twips(26)
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT            # 8845
TEXT_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM            # 12756
LINES, CHARS = 22, 28
BODY_PT = 16
LINE = TEXT_H // LINES                                   # 579
CHAR_SPACE = math.floor((TEXT_W / 20 / CHARS - BODY_PT) * 4096)   # -842
CHAR = round((BODY_PT + CHAR_SPACE / 4096) * 20)         # 316 twips, one grid character
# 0.25 pt would be enough by arithmetic; LibreOffice 7.4 then still sets only 27 characters a line
# under this grid (measured), 0.3 pt gives 28 in LibreOffice and leaves 2.6 pt of slack in Word.
CONDENSE = math.ceil((BODY_PT - (BODY_PT + CHAR_SPACE / 4096)) * 20) + 1   # 6 = 0.3 pt
HEADER_DIST = twips(30)                                  # 信函标志 30 mm below the paper's top
FOOTER_DIST = twips(25.5)                                # page number dashes 7 mm below block
ISSUER_PT = 36
ISSUER_BEFORE = twips(35) - 3 * LINE                     # 247
RED = "FF0000"

assert (MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT) == (2098, 1984, 1587, 1474)
assert LINE * LINES <= TEXT_H < (LINE + 1) * LINES and LINE == 579
assert CONDENSE == 6 and CHAR_SPACE == -842 and (BODY_PT + CHAR_SPACE / 4096) * CHARS <= TEXT_W / 20

# Windows font names (what Word/WPS on an office machine resolve).  仿宋 and 楷体 (simfang.ttf,
# simkai.ttf) ship with every Windows since Vista and cover GBK (堃, 喆); the *_GB2312 faces do not.
FANGSONG, HEITI, KAITI, SONGTI, XBS = "仿宋", "黑体", "楷体", "宋体", "方正小标宋简体"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


# ---------------------------------------------------------------------------------------------
# Small builders.  Element order inside pPr / rPr follows the ECMA-376 schema (Word is strict).
def fonts(face: str) -> str:
    return (f'<w:rFonts w:ascii="{face}" w:eastAsia="{face}" w:hAnsi="{face}" w:cs="{face}" '
            f'w:hint="eastAsia"/>')


def rpr(face: str | None = None, size: float | None = None, color: str | None = None,
        bold: bool = False, lang: bool = False, condense: int = 0) -> str:
    parts = []
    if face:
        parts.append(fonts(face))
    if bold:
        parts.append("<w:b/><w:bCs/>")
    if color:
        parts.append(f'<w:color w:val="{color}"/>')
    if condense:
        parts.append(f'<w:spacing w:val="{-condense}"/>')
    if size is not None:
        hp = round(size * 2)
        parts.append(f'<w:sz w:val="{hp}"/><w:szCs w:val="{hp}"/>')
    if lang:
        parts.append('<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>')
    return f"<w:rPr>{''.join(parts)}</w:rPr>" if parts else ""


def border(side: str, val: str = "single", sz: int = 4, color: str = "auto", space: int = 0) -> str:
    return f'<w:{side} w:val="{val}" w:sz="{sz}" w:space="{space}" w:color="{color}"/>'


def ppr(*, keep_next=False, keep_lines=False, frame="", widow=None, borders="", tabs="",
        auto_space_off=False, snap=None, before=None, line=None, rule="exact", ind="", jc=None,
        outline=None, extra_rpr="") -> str:
    parts = []
    if keep_next:
        parts.append("<w:keepNext/>")
    if keep_lines:
        parts.append("<w:keepLines/>")
    if frame:
        parts.append(frame)
    if widow is not None:
        parts.append(f'<w:widowControl w:val="{1 if widow else 0}"/>')
    if borders:
        parts.append(f"<w:pBdr>{borders}</w:pBdr>")
    if tabs:
        parts.append(f"<w:tabs>{tabs}</w:tabs>")
    if auto_space_off:
        parts.append('<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>')
    if snap is not None:
        parts.append(f'<w:snapToGrid w:val="{1 if snap else 0}"/>')
    if before is not None or line is not None:
        attrs = ""
        if before is not None:
            attrs += f' w:before="{before}" w:after="0"'
        if line is not None:
            attrs += f' w:line="{line}" w:lineRule="{rule}"'
        parts.append(f"<w:spacing{attrs}/>")
    if ind:
        parts.append(ind)
    if jc:
        parts.append(f'<w:jc w:val="{jc}"/>')
    if outline is not None:
        parts.append(f'<w:outlineLvl w:val="{outline}"/>')
    if extra_rpr:
        parts.append(extra_rpr)
    return f"<w:pPr>{''.join(parts)}</w:pPr>" if parts else ""


def ind(first_chars: int = 0, left_chars: int = 0, right_chars: int = 0,
        hanging_chars: int = 0, left: int | None = None, right: int | None = None) -> str:
    """Indentation in grid characters (Word) with the same amount in twips (everyone else)."""
    a = []
    if left is not None:
        a.append(f'w:left="{left}"')
    elif left_chars:
        a.append(f'w:leftChars="{left_chars * 100}" w:left="{left_chars * CHAR}"')
    if right is not None:
        a.append(f'w:right="{right}"')
    elif right_chars:
        a.append(f'w:rightChars="{right_chars * 100}" w:right="{right_chars * CHAR}"')
    if first_chars:
        a.append(f'w:firstLineChars="{first_chars * 100}" w:firstLine="{first_chars * CHAR}"')
    if hanging_chars:
        a.append(f'w:hangingChars="{hanging_chars * 100}" w:hanging="{hanging_chars * CHAR}"')
    return f"<w:ind {' '.join(a)}/>" if a else ""


def pstyle(sid: str, name: str, ppr_xml: str = "", rpr_xml: str = "", *, based="Normal",
           nxt: str | None = None, q=True, hidden=False) -> str:
    return (f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{sid}">'
            f"<w:name w:val={quoteattr(name)}/>"
            + (f'<w:basedOn w:val="{based}"/>' if based else "")
            + (f'<w:next w:val="{nxt}"/>' if nxt else "")
            + ("<w:semiHidden/>" if hidden else "")
            + ("<w:qFormat/>" if q else "")
            + ppr_xml + rpr_xml + "</w:style>")


def run(text: str = "", props: str = "") -> str:
    return f'<w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(style: str | None, *runs: str, pp: str = "") -> str:
    inner = f'<w:pStyle w:val="{style}"/>' if style else ""
    if pp:
        pp = pp.replace("<w:pPr>", "").replace("</w:pPr>", "")
    props = f"<w:pPr>{inner}{pp}</w:pPr>" if (inner or pp) else ""
    return f"<w:p>{props}{''.join(runs)}</w:p>"


def tag(text: str) -> str:
    """A template paragraph: docxtpl removes it and keeps the Jinja statement."""
    return para("GwTemplate", run(text))


def field(instr: str, shown: str) -> str:
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r><w:t>{shown}</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


# ---------------------------------------------------------------------------------------------
def styles_xml() -> str:
    s = []
    tiny = ppr(snap=False, line=20, rule="exact") + rpr(size=1)
    # Normal: 3号仿宋, exact grid line, no widow control (a full page keeps its 22 lines), no
    # automatic space between CJK and Latin/digits.
    s.append('<w:style w:type="paragraph" w:default="1" w:styleId="Normal">'
             '<w:name w:val="Normal"/><w:qFormat/>'
             + ppr(widow=False, auto_space_off=True, snap=False, before=0, line=LINE, jc="both")
             + rpr(FANGSONG, BODY_PT, lang=True, condense=CONDENSE) + "</w:style>")
    s.append('<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
             '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/>'
             '<w:unhideWhenUsed/></w:style>')
    s.append('<w:style w:type="table" w:default="1" w:styleId="TableNormal">'
             '<w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/>'
             '<w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
             '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
             '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
             '</w:tblCellMar></w:tblPr></w:style>')
    s.append('<w:style w:type="numbering" w:default="1" w:styleId="NoList">'
             '<w:name w:val="No List"/><w:uiPriority w:val="99"/><w:semiHidden/>'
             '<w:unhideWhenUsed/></w:style>')

    # Template statements: small grey text, so a clerk sees them but they do not dominate.
    s.append(pstyle("GwTemplate", "模板指令", ppr(snap=False, line=240, rule="auto", jc="left"),
                    rpr(SONGTI, 9, color="808080"), q=False))
    # 版头
    s.append(pstyle("GwCopy", "份号", ppr(jc="left")))
    s.append(pstyle("GwSecret", "密级", ppr(jc="left"), rpr(HEITI)))
    s.append(pstyle("GwIssuer", "发文机关标志",
                    ppr(keep_next=True, snap=False, before=ISSUER_BEFORE, line=ISSUER_PT * 20,
                        jc="center"),
                    rpr(XBS, ISSUER_PT, color=RED)))
    s.append(pstyle("GwNumber", "发文字号",
                    ppr(keep_next=True, borders=border("bottom", sz=12, color=RED, space=4),
                        jc="center")))
    # 上行文 (7.2.5): 发文字号 left, one character in; a right tab one character from the right
    # edge carries 签发人：name on the same line; the red separator as for GwNumber
    s.append(pstyle("GwNumberSigner", "发文字号（上行文，含签发人）",
                    ppr(keep_next=True, borders=border("bottom", sz=12, color=RED, space=4),
                        tabs=f'<w:tab w:val="right" w:pos="{TEXT_W - CHAR}"/>',
                        ind=ind(left_chars=1), jc="left")))
    s.append(pstyle("GwLetterNumber", "信函发文字号", ppr(keep_next=True, jc="right")))
    s.append(pstyle("GwFormIssuer", "表格制发机关", ppr(keep_next=True, jc="center")))
    s.append(pstyle("GwFormNumber", "表格编号", ppr(keep_next=True, jc="right")))
    s.append(pstyle("GwFormGap", "表格标题下空", ppr(keep_next=True, line=LINE // 2),
                    rpr(size=8), q=False))
    s.append(pstyle("GwTitle", "公文标题", ppr(keep_next=True, keep_lines=True, snap=False,
                                           jc="center"),
                    rpr(XBS, 22)))
    # 正文 and the other paragraph styles of the content model
    s.append(pstyle("GwBody", "公文正文", ppr(ind=ind(first_chars=2)), nxt="GwBody"))
    s.append(pstyle("GwHeading1", "一级标题", ppr(keep_next=True, ind=ind(first_chars=2),
                                              outline=0), rpr(HEITI), nxt="GwBody"))
    s.append(pstyle("GwHeading2", "二级标题", ppr(keep_next=True, ind=ind(first_chars=2),
                                              outline=1), rpr(KAITI), nxt="GwBody"))
    s.append(pstyle("GwHeading3", "三级标题", ppr(keep_next=True, ind=ind(first_chars=2),
                                              outline=2), nxt="GwBody"))
    s.append(pstyle("GwHeading4", "四级标题", ppr(keep_next=True, ind=ind(first_chars=2),
                                              outline=3), nxt="GwBody"))
    s.append(pstyle("GwAddressee", "主送机关", ppr(jc="left"), nxt="GwBody"))
    s.append(pstyle("GwPlain", "顶格", ppr(jc="left")))
    s.append(pstyle("GwCenter", "居中", ppr(jc="center")))
    s.append(pstyle("GwRight", "居右", ppr(jc="right")))
    s.append(pstyle("GwNote", "附注", ppr(ind=ind(first_chars=2), jc="left")))
    s.append(pstyle("GwAttachment", "附件说明",
                    ppr(before=LINE, ind=ind(left_chars=5, hanging_chars=3), jc="left"),
                    nxt="GwAttachmentMore"))
    s.append(pstyle("GwAttachmentMore", "附件说明续行", ppr(ind=ind(left_chars=5), jc="left")))
    # 署名 / 成文日期: right-aligned fall-backs; the renderer sets the exact left indents.
    s.append(pstyle("GwSignature", "署名", ppr(keep_next=True, before=LINE,
                                             ind=ind(right_chars=2), jc="right"),
                    nxt="GwDate"))
    s.append(pstyle("GwDate", "成文日期", ppr(ind=ind(right_chars=2), jc="right")))
    s.append(pstyle("GwSealSignature", "署名（加盖印章）",
                    ppr(keep_next=True, before=2 * LINE, ind=ind(right_chars=4), jc="right"),
                    nxt="GwSealDate"))
    s.append(pstyle("GwSealDate", "成文日期（加盖印章）", ppr(ind=ind(right_chars=4), jc="right")))
    # 版记: one style whose paragraphs Word groups (same borders, same indents): the top border
    # over the first, "between" borders between them, the bottom border under the last.
    s.append(pstyle("GwRecord", "版记",
                    ppr(keep_next=True, keep_lines=True,
                        borders=border("top", sz=8, space=1) + border("bottom", sz=8, space=1)
                        + border("between", sz=6, space=1),
                        tabs=f'<w:tab w:val="right" w:pos="{TEXT_W - CHAR}"/>',
                        ind=ind(left_chars=1, right_chars=1), jc="left"),
                    rpr(size=14)))
    # LabeledParagraph: the label run carries this character style
    s.append('<w:style w:type="character" w:customStyle="1" w:styleId="GwLabel">'
             '<w:name w:val="黑体标签"/><w:qFormat/>' + rpr(HEITI) + "</w:style>")
    # the 签发人's name: 3号楷体
    s.append('<w:style w:type="character" w:customStyle="1" w:styleId="GwSignerName">'
             '<w:name w:val="签发人姓名"/><w:qFormat/>' + rpr(KAITI) + "</w:style>")
    # Tables
    s.append('<w:style w:type="table" w:customStyle="1" w:styleId="GwTable">'
             '<w:name w:val="公文表格"/><w:basedOn w:val="TableNormal"/><w:qFormat/>'
             '<w:tblPr><w:tblBorders>'
             + "".join(border(x, sz=6) for x in ("top", "left", "bottom", "right",
                                                  "insideH", "insideV"))
             + '</w:tblBorders><w:tblCellMar><w:top w:w="28" w:type="dxa"/>'
             '<w:left w:w="85" w:type="dxa"/><w:bottom w:w="28" w:type="dxa"/>'
             '<w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>')
    s.append(pstyle("GwTableLabel", "表格标签",
                    ppr(snap=False, line=400, jc="center"), rpr(HEITI, 14)))
    s.append(pstyle("GwTableCell", "表格内容", ppr(snap=False, line=400, jc="left"),
                    rpr(FANGSONG, 14)))
    # Breaks and spacers
    s.append(pstyle("GwPageBreak", "分页", tiny, q=False))
    s.append(pstyle("GwSpacer", "间隔", tiny, q=False))
    # between two consecutive tables: hidden and one twip high, so the tables join
    s.append(pstyle("GwTableJoin", "表格衔接", ppr(snap=False, before=0, line=1, rule="exact"),
                    '<w:rPr><w:vanish/><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr>', q=False))
    # Header / footer
    s.append(pstyle("GwHeader", "页眉（公文）", tiny, q=False))
    # 信函标志 with the red double line (thick over thin) 4 mm below it as its bottom border; the
    # paragraph reaches 8 mm into the left and 6 mm into the right margin: 170 mm, centred.
    s.append(pstyle("GwLetterHead", "信函标志",
                    ppr(snap=False, borders=border("bottom", val="thickThinSmallGap", sz=18,
                                                   color=RED, space=11),
                        line=ISSUER_PT * 20, ind=ind(left=-twips(8), right=-twips(6)),
                        jc="center"),
                    rpr(XBS, ISSUER_PT, color=RED)))
    s.append(pstyle("GwLetterBottomRule", "信函底部红色双线",
                    ppr(snap=False, borders=border("top", val="thinThickSmallGap", sz=18,
                                                   color=RED),
                        line=20),
                    rpr(size=1), q=False))
    s.append(pstyle("GwPageOdd", "页码（单页）",
                    ppr(snap=False, line=280, ind=ind(right=280), jc="right"),
                    rpr(SONGTI, 14)))
    s.append(pstyle("GwPageEven", "页码（双页）",
                    ppr(snap=False, line=280, ind=ind(left=280), jc="left"),
                    rpr(SONGTI, 14)))
    s.append(pstyle("GwFooterText", "页脚说明", ppr(snap=False, line=280, jc="center"),
                    rpr(FANGSONG, 14)))

    defaults = ('<w:docDefaults><w:rPrDefault>' + rpr(FANGSONG, BODY_PT, lang=True)
                + '</w:rPrDefault><w:pPrDefault/></w:docDefaults>')
    return (XML_DECL + f'<w:styles xmlns:w="{W_NS}" xmlns:r="{R_NS}">' + defaults
            + "".join(s) + "</w:styles>")


# ---------------------------------------------------------------------------------------------
def document_xml() -> str:
    b = []
    b.append(para("GwTemplate", run(
        "{#p rcmz 公文 DOCX 样式外壳。改样式即改所有公文的外观（字体、字号、缩进、间距）；"
        "灰色小字的段落是模板指令，请勿删改。 #}")))
    # 版头: 公文格式 and 纪要格式
    b.append(tag("{%p if layout in ('official', 'minutes') and issuer %}"))
    b.append(para("GwCopy", run("{{ copy }}")))
    b.append(para("GwSecret", run("{{ classification }}")))
    b.append(para(None))                                  # line 3: 紧急程度 (not used)
    b.append(para("GwIssuer", run("{{ issuer }}")))
    b.append(para(None))
    b.append(para(None))
    b.append(tag("{%p if signer %}"))
    b.append(para("GwNumberSigner", run("{{ number }}"), "<w:r><w:tab/></w:r>", run("签发人："),
                  run("{{ signer }}", '<w:rPr><w:rStyle w:val="GwSignerName"/></w:rPr>')))
    b.append(tag("{%p else %}"))
    b.append(para("GwNumber", run("{{ number }}")))
    b.append(tag("{%p endif %}"))
    b.append(para(None))
    b.append(para(None))
    # 信函格式: the 标志 and red double lines are in the first-page header and footer
    b.append(tag("{%p elif layout == 'letter' %}"))
    b.append(tag("{%p if copy %}"))
    b.append(para("GwCopy", run("{{ copy }}")))
    b.append(tag("{%p endif %}"))
    b.append(tag("{%p if classification %}"))
    b.append(para("GwSecret", run("{{ classification }}")))
    b.append(tag("{%p endif %}"))
    b.append(para("GwLetterNumber", run("{{ number }}")))
    b.append(para(None))
    b.append(para(None))
    # 表格 (form): no 版头; an issuer or number, if given, is printed plainly around the title
    b.append(tag("{%p elif issuer %}"))
    b.append(para("GwFormIssuer", run("{{ issuer }}")))
    b.append(tag("{%p endif %}"))
    b.append(para("GwTitle", run("{{ title }}")))
    b.append(tag("{%p if layout != 'form' %}"))
    b.append(para(None))
    b.append(tag("{%p else %}"))
    b.append(tag("{%p if number %}"))
    b.append(para("GwFormNumber", run("{{ number }}")))
    b.append(tag("{%p endif %}"))
    b.append(para("GwFormGap"))
    b.append(tag("{%p endif %}"))
    # The blocks
    b.append(tag("{%p for b in blocks %}"))
    simple = [("body", "GwBody"), ("h1", "GwHeading1"), ("h2", "GwHeading2"),
              ("h3", "GwHeading3"), ("h4", "GwHeading4"), ("addressee", "GwAddressee"),
              ("plain", "GwPlain"), ("center", "GwCenter"), ("right", "GwRight"),
              ("note", "GwNote"), ("attachment", "GwAttachment"),
              ("attachment_more", "GwAttachmentMore")]
    for i, (kind, style) in enumerate(simple):
        word = "if" if i == 0 else "elif"
        b.append(tag(f"{{%p {word} b.kind == '{kind}' %}}"))
        b.append(para(style, run("{{ b.text }}")))
    b.append(tag("{%p elif b.kind == 'labeled' %}"))
    b.append(para("GwBody", run("{{ b.label }}", '<w:rPr><w:rStyle w:val="GwLabel"/></w:rPr>'),
                  run("{{ b.text }}")))
    b.append(tag("{%p elif b.kind == 'signature' and not b.seal %}"))
    b.append(para("GwSignature", run("{{ b.org }}")))
    b.append(para("GwDate", run("{{ b.date }}")))
    b.append(tag("{%p elif b.kind == 'signature' %}"))
    b.append(para("GwSealSignature", run("{{ b.org }}")))
    b.append(para("GwSealDate", run("{{ b.date }}")))
    b.append(tag("{%p elif b.kind == 'table' %}"))
    b.append(para(None, run("{{p b.table }}")))
    b.append(tag("{%p elif b.kind == 'pagebreak' %}"))
    b.append(para("GwPageBreak", '<w:r><w:br w:type="page"/></w:r>'))
    b.append(tag("{%p endif %}"))
    b.append(tag("{%p endfor %}"))
    # 版记
    frame = ('<w:framePr w:w="%d" w:wrap="notBeside" w:vAnchor="margin" w:hAnchor="margin" '
             'w:xAlign="center" w:yAlign="bottom"/>' % TEXT_W)
    b.append(tag("{%p if record %}"))
    b.append(tag("{%p if record.cc %}"))
    b.append(para("GwRecord", run("抄送："), run("{{ record.cc }}"), pp=frame))
    b.append(tag("{%p endif %}"))
    b.append(tag("{%p if record.printer or record.date %}"))
    b.append(para("GwRecord", run("{{ record.printer }}"), "<w:r><w:tab/></w:r>",
                  run("{{ record.date }}"), pp=frame))
    b.append(tag("{%p endif %}"))
    b.append(tag("{%p endif %}"))

    sect = ('<w:sectPr>'
            '<w:headerReference w:type="first" r:id="rIdHeaderFirst"/>'
            '<w:footerReference w:type="even" r:id="rIdFooterEven"/>'
            '<w:footerReference w:type="default" r:id="rIdFooterOdd"/>'
            '<w:footerReference w:type="first" r:id="rIdFooterFirst"/>'
            f'<w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>'
            f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" '
            f'w:left="{MARGIN_LEFT}" w:header="{HEADER_DIST}" w:footer="{FOOTER_DIST}" '
            'w:gutter="0"/>'
            '<w:pgNumType w:fmt="decimal"/><w:cols w:space="425"/><w:titlePg/>'
            f'<w:docGrid w:type="linesAndChars" w:linePitch="{LINE}" w:charSpace="{CHAR_SPACE}"/>'
            '</w:sectPr>')
    return (XML_DECL + f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'
            + "".join(b) + sect + "</w:body></w:document>")


def hdr_ftr(kind: str, paragraphs: list[str]) -> str:
    root = "w:hdr" if kind == "header" else "w:ftr"
    return (XML_DECL + f'<{root} xmlns:w="{W_NS}" xmlns:r="{R_NS}">' + "".join(paragraphs)
            + f"</{root}>")


def page_number(style: str) -> list[str]:
    return [
        tag("{%p if footer %}"),
        para("GwFooterText", run("{{r footer_runs }}")),
        tag("{%p else %}"),
        para(style, run("— "), field("PAGE", "1"), run(" —")),
        tag("{%p endif %}"),
    ]


def header_first() -> str:
    return hdr_ftr("header", [
        tag("{%p if layout == 'letter' %}"),
        para("GwLetterHead", run("{{ issuer }}")),
        tag("{%p endif %}"),
        para("GwHeader"),
    ])


def footer_first() -> str:
    return hdr_ftr("footer", [
        tag("{%p if layout == 'letter' %}"),
        para("GwLetterBottomRule", pp=(
            f'<w:framePr w:w="{twips(170)}" w:wrap="around" w:vAnchor="page" w:hAnchor="page" '
            f'w:x="{twips(20)}" w:y="{PAGE_H - twips(20)}"/>')),
        tag("{%p else %}"),
        *page_number("GwPageOdd"),
        tag("{%p endif %}"),
    ])


def settings_xml() -> str:
    # GB/T 15834 line breaking: Word's "custom" first/last character lists.
    no_start = "!%),.:;>?]}¢¨°·ˇˉ―‖’”…‰′″›℃∶、。〃〉》」』】〕〗〞︶︺︾﹀﹄﹚﹜﹞！＂％＇），．：；？］｝～￠—"
    no_end = "$([{£¥·‘“〈《「『【〔〖〝﹙﹛﹝＄（．［｛￡￥"
    return (XML_DECL + f'<w:settings xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
            '<w:zoom w:percent="100"/>'
            f'<w:defaultTabStop w:val="{2 * CHAR}"/>'
            '<w:evenAndOddHeaders/>'
            '<w:characterSpacingControl w:val="doNotCompress"/>'
            f'<w:noLineBreaksAfter w:lang="zh-CN" w:val={quoteattr(no_end)}/>'
            f'<w:noLineBreaksBefore w:lang="zh-CN" w:val={quoteattr(no_start)}/>'
            '<w:compat><w:compatSetting w:name="compatibilityMode" '
            'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
            '<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>'
            '<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/>'
            "</w:settings>")


def font_table_xml() -> str:
    # charset 86 = GB2312; panose/alt names help Word/WPS substitute when a face is missing.
    entries = [
        (FANGSONG, "FangSong", "02010609060101010101", "modern", "fixed"),
        (HEITI, "SimHei", "02010609060101010101", "modern", "fixed"),
        (KAITI, "KaiTi", "02010609060101010101", "modern", "fixed"),
        (SONGTI, "SimSun", "02010600030101010101", "auto", "variable"),
        (XBS, "FZXiaoBiaoSong-B05S", "02000000000000000000", "auto", "variable"),
    ]
    fonts_xml = "".join(
        f'<w:font w:name="{n}"><w:altName w:val="{alt}"/><w:panose1 w:val="{p}"/>'
        f'<w:charset w:val="86"/><w:family w:val="{fam}"/><w:pitch w:val="{pitch}"/></w:font>'
        for n, alt, p, fam, pitch in entries)
    return XML_DECL + f'<w:fonts xmlns:w="{W_NS}" xmlns:r="{R_NS}">{fonts_xml}</w:fonts>'


CT = ("application/vnd.openxmlformats-officedocument.wordprocessingml.", "+xml")


def content_types() -> str:
    over = {
        "/word/document.xml": "document.main",
        "/word/styles.xml": "styles",
        "/word/settings.xml": "settings",
        "/word/fontTable.xml": "fontTable",
        "/word/header1.xml": "header",
        "/word/footer1.xml": "footer",
        "/word/footer2.xml": "footer",
        "/word/footer3.xml": "footer",
    }
    items = "".join(f'<Override PartName="{k}" ContentType="{CT[0]}{v}{CT[1]}"/>'
                    for k, v in over.items())
    return (XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + items
            + '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>")


REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def rels(items: list[tuple[str, str, str]]) -> str:
    body = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{g}"/>' for i, t, g in items)
    return (XML_DECL + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{body}</Relationships>')


def core_xml() -> str:
    return (XML_DECL + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
            '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<dc:title>rcmz 公文样式外壳</dc:title><dc:creator>rcmz</dc:creator>'
            '<cp:lastModifiedBy>rcmz</cp:lastModifiedBy><cp:revision>1</cp:revision>'
            '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>'
            '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
            "</cp:coreProperties>")


def app_xml() -> str:
    return (XML_DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties"><Application>rcmz</Application><DocSecurity>0</DocSecurity>'
            "</Properties>")


def parts() -> dict[str, str]:
    return {
        "[Content_Types].xml": content_types(),
        "_rels/.rels": rels([
            ("rId1", REL + "officeDocument", "word/document.xml"),
            ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
                     "core-properties", "docProps/core.xml"),
            ("rId3", REL + "extended-properties", "docProps/app.xml"),
        ]),
        "docProps/app.xml": app_xml(),
        "docProps/core.xml": core_xml(),
        "word/_rels/document.xml.rels": rels([
            ("rIdStyles", REL + "styles", "styles.xml"),
            ("rIdSettings", REL + "settings", "settings.xml"),
            ("rIdFontTable", REL + "fontTable", "fontTable.xml"),
            ("rIdHeaderFirst", REL + "header", "header1.xml"),
            ("rIdFooterOdd", REL + "footer", "footer1.xml"),
            ("rIdFooterEven", REL + "footer", "footer2.xml"),
            ("rIdFooterFirst", REL + "footer", "footer3.xml"),
        ]),
        "word/document.xml": document_xml(),
        "word/fontTable.xml": font_table_xml(),
        "word/footer1.xml": hdr_ftr("footer", page_number("GwPageOdd")),
        "word/footer2.xml": hdr_ftr("footer", page_number("GwPageEven")),
        "word/footer3.xml": footer_first(),
        "word/header1.xml": header_first(),
        "word/settings.xml": settings_xml(),
        "word/styles.xml": styles_xml(),
    }


def build() -> bytes:
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in parts().items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
