"""The shell's body and its headers and footers: a docxtpl template a clerk can read, one
paragraph in its own style per kind of block (``{%p if b.kind == … %}``)."""

from __future__ import annotations

from toolkit.render import geometry as G
from toolkit.render.docx_shell.layout import (
    CHAR_SPACE,
    FOOTER_DIST,
    HEADER_DIST,
    LINE,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_H,
    PAGE_W,
    TEXT_W,
)
from toolkit.render.docx_shell.wordml import R_NS, W_NS, XML_DECL, field, para, run, tag

V_NS = "urn:schemas-microsoft-com:vml"
O_NS = "urn:schemas-microsoft-com:office:office"


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
    b.append(para("GwNumberGap"))       # takes up the rule's border: the title on the PDF's line
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
    frame = (f'<w:framePr w:w="{TEXT_W}" w:wrap="notBeside" w:vAnchor="margin" '
             'w:hAnchor="margin" w:xAlign="center" w:yAlign="bottom"/>')
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
    return (XML_DECL + f'<{root} xmlns:w="{W_NS}" xmlns:r="{R_NS}" xmlns:v="{V_NS}" xmlns:o="{O_NS}">'
            + "".join(paragraphs)
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


def letter_rules() -> str:
    """信函's lower red double line (GB/T 9704 10.1): thin over thick, 170 mm long and centred on
    the text block, the thick line's centre 20 mm above the paper's bottom edge (as the PDF) —
    two red rectangles placed on the page (VML), which Word, WPS and LibreOffice all put where
    they are told (a frame's border came out 156 mm long and thick over thin in LibreOffice)."""
    out = []
    for centre, width in ((G.LETTER_BOTTOM_RULE_MM + G.LETTER_RULE_PAIR_MM, G.LETTER_THIN_MM),
                          (G.LETTER_BOTTOM_RULE_MM, G.LETTER_THICK_MM)):
        top = G.PAPER_H_MM - centre - width / 2
        out.append('<w:r><w:pict><v:rect style="position:absolute;'
                   f"margin-left:{G.LETTER_RULE_LEFT_MM}mm;margin-top:{top:.3f}mm;"
                   f"width:{G.LETTER_RULE_MM}mm;height:{width:.3f}mm;z-index:1;"
                   "mso-position-horizontal-relative:page;mso-position-vertical-relative:page\" "
                   'fillcolor="#FF0000" stroked="f"/></w:pict></w:r>')
    return "".join(out)


def footer_first() -> str:
    return hdr_ftr("footer", [
        tag("{%p if layout == 'letter' %}"),
        para("GwLetterBottomRule", letter_rules()),
        tag("{%p else %}"),
        *page_number("GwPageOdd"),
        tag("{%p endif %}"),
    ])
