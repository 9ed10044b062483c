"""The style table: every paragraph and character style of the shell, the GB/T 9704 faces,
sizes, indents and borders a clerk changes in Word to change every document."""

from __future__ import annotations

from toolkit.render.docx_shell.layout import (
    BODY_PT,
    CELL_MARGIN_H,
    CELL_MARGIN_V,
    CHAR,
    CONDENSE,
    FANGSONG,
    HEITI,
    ISSUER_BEFORE,
    ISSUER_DROP,
    ISSUER_LINE,
    ISSUER_PT,
    KAITI,
    LETTER_RULE_OUT,
    LINE,
    NUMBER_GAP,
    PAGE_NUMBER_INDENT,
    RECORD_INDENT,
    RECORD_INNER,
    RECORD_OUTER,
    RED,
    RED_RULE,
    RED_RULE_SPACE,
    SMALL,
    SMALL_PT,
    SONGTI,
    TABLE_LEAD,
    TEXT_W,
    TITLE_PT,
    XBS,
)
from toolkit.render.docx_shell.wordml import R_NS, W_NS, XML_DECL, border, ind, ppr, pstyle, rpr


def styles_xml() -> str:
    s = []
    tiny = ppr(snap=False, line=20, rule="exact") + rpr(size=1)
    # Normal: 3号仿宋, exact grid line, no widow control (a full page keeps its 22 lines), no
    # automatic space between CJK and Latin/digits.
    s.append('<w:style w:type="paragraph" w:default="1" w:styleId="Normal">'
             '<w:name w:val="Normal"/><w:qFormat/>'
             + ppr(widow=False, overflow_punct=False, auto_space_off=True, snap=False, before=0, line=LINE,
                   jc="both")
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
                    ppr(keep_next=True, snap=False, before=ISSUER_BEFORE, line=ISSUER_LINE,
                        jc="center"),
                    rpr(XBS, ISSUER_PT, color=RED, condense=None)))
    s.append(pstyle("GwNumber", "发文字号",
                    ppr(keep_next=True, borders=border("bottom", sz=RED_RULE, color=RED, space=RED_RULE_SPACE),
                        jc="center")))
    # 上行文 (7.2.5): 发文字号 left, one character in; a right tab one character from the right
    # edge carries 签发人：name on the same line; the red separator as for GwNumber
    s.append(pstyle("GwNumberSigner", "发文字号（上行文，含签发人）",
                    ppr(keep_next=True, borders=border("bottom", sz=RED_RULE, color=RED, space=RED_RULE_SPACE),
                        tabs=f'<w:tab w:val="right" w:pos="{TEXT_W - CHAR}"/>',
                        ind=ind(first_chars=1), jc="left")))
    s.append(pstyle("GwLetterNumber", "信函发文字号", ppr(keep_next=True, jc="right")))
    s.append(pstyle("GwNumberGap", "发文字号下空行", ppr(keep_next=True, line=NUMBER_GAP), q=False))
    s.append(pstyle("GwFormIssuer", "表格制发机关", ppr(keep_next=True, jc="center")))
    s.append(pstyle("GwFormNumber", "表格编号", ppr(keep_next=True, jc="right")))
    s.append(pstyle("GwFormGap", "表格标题下空", ppr(keep_next=True, line=LINE // 2),
                    rpr(size=8), q=False))
    s.append(pstyle("GwTitle", "公文标题", ppr(keep_next=True, keep_lines=True, snap=False,
                                           jc="center"),
                    rpr(XBS, TITLE_PT, condense=None)))
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
                        borders=border("top", sz=RECORD_OUTER, space=1)
                        + border("bottom", sz=RECORD_OUTER, space=1)
                        + border("between", sz=RECORD_INNER, space=1),
                        tabs=f'<w:tab w:val="right" w:pos="{TEXT_W - RECORD_INDENT}"/>',
                        ind=ind(left=RECORD_INDENT, right=RECORD_INDENT), jc="left"),
                    rpr(size=SMALL_PT)))
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
             + f'</w:tblBorders><w:tblCellMar><w:top w:w="{CELL_MARGIN_V}" w:type="dxa"/>'
             f'<w:left w:w="{CELL_MARGIN_H}" w:type="dxa"/><w:bottom w:w="{CELL_MARGIN_V}" w:type="dxa"/>'
             f'<w:right w:w="{CELL_MARGIN_H}" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>')
    s.append(pstyle("GwTableLabel", "表格标签",
                    ppr(snap=False, line=TABLE_LEAD, jc="center"), rpr(HEITI, SMALL_PT, condense=None)))
    s.append(pstyle("GwTableCell", "表格内容", ppr(snap=False, line=TABLE_LEAD, jc="left"),
                    rpr(FANGSONG, SMALL_PT, condense=None)))
    # Breaks and spacers
    s.append(pstyle("GwPageBreak", "分页", tiny, q=False))
    s.append(pstyle("GwSpacer", "间隔", tiny, q=False))
    # between two consecutive tables: hidden and one twip high, so the tables join
    s.append(pstyle("GwTableJoin", "表格衔接", ppr(snap=False, before=0, line=1, rule="exact"),
                    '<w:rPr><w:vanish/><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr>', q=False))
    # Header / footer
    s.append(pstyle("GwHeader", "页眉（公文）", tiny, q=False))
    # 信函标志 with the red double line (thick over thin) 4 mm below it as its bottom border; the
    # paragraph reaches 7 mm into either margin: 170 mm, centred on the text block.
    s.append(pstyle("GwLetterHead", "信函标志",
                    ppr(snap=False, borders=border("bottom", val="thickThinSmallGap", sz=18,
                                                   color=RED, space=11),
                        line=ISSUER_PT * 20 + ISSUER_DROP,
                        ind=ind(left=-LETTER_RULE_OUT, right=-LETTER_RULE_OUT), jc="center"),
                    rpr(XBS, ISSUER_PT, color=RED, condense=None)))
    # holds the lower red double line (two rectangles placed on the page: body.letter_rules)
    s.append(pstyle("GwLetterBottomRule", "信函底部红色双线", ppr(snap=False, line=20),
                    rpr(size=1), q=False))
    s.append(pstyle("GwPageOdd", "页码（单页）",
                    ppr(snap=False, line=SMALL, ind=ind(right=PAGE_NUMBER_INDENT), jc="right"),
                    rpr(SONGTI, SMALL_PT)))
    s.append(pstyle("GwPageEven", "页码（双页）",
                    ppr(snap=False, line=SMALL, ind=ind(left=PAGE_NUMBER_INDENT), jc="left"),
                    rpr(SONGTI, SMALL_PT)))
    s.append(pstyle("GwFooterText", "页脚说明", ppr(snap=False, line=SMALL, jc="center"),
                    rpr(FANGSONG, SMALL_PT)))

    defaults = ('<w:docDefaults><w:rPrDefault>' + rpr(FANGSONG, BODY_PT, lang=True)
                + '</w:rPrDefault><w:pPrDefault/></w:docDefaults>')
    return (XML_DECL + f'<w:styles xmlns:w="{W_NS}" xmlns:r="{R_NS}">' + defaults
            + "".join(s) + "</w:styles>")
