"""WordprocessingML builders: runs, paragraphs, properties and styles as strings, element order
inside ``pPr`` / ``rPr`` as the ECMA-376 schema wants it (Word is strict)."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from toolkit.render.docx_shell.layout import CHAR

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def fonts(face: str) -> str:
    return (f'<w:rFonts w:ascii="{face}" w:eastAsia="{face}" w:hAnsi="{face}" w:cs="{face}" '
            f'w:hint="eastAsia"/>')


def rpr(face: str | None = None, size: float | None = None, color: str | None = None,
        bold: bool = False, lang: bool = False, condense: int | None = 0, scale: int = 0, position: int = 0) -> str:
    parts = []
    if face:
        parts.append(fonts(face))
    if bold:
        parts.append("<w:b/><w:bCs/>")
    if color:
        parts.append(f'<w:color w:val="{color}"/>')
    if condense is not None and condense != 0:
        parts.append(f'<w:spacing w:val="{-condense}"/>')
    elif condense is None:              # explicitly none (a style under a condensed Normal)
        parts.append('<w:spacing w:val="0"/>')
    if scale:
        parts.append(f'<w:w w:val="{scale}"/>')
    if position:
        parts.append(f'<w:position w:val="{position}"/>')
    if size is not None:
        hp = round(size * 2)
        parts.append(f'<w:sz w:val="{hp}"/><w:szCs w:val="{hp}"/>')
    if lang:
        parts.append('<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>')
    return f"<w:rPr>{''.join(parts)}</w:rPr>" if parts else ""


def border(side: str, val: str = "single", sz: int = 4, color: str = "auto", space: int = 0) -> str:
    return f'<w:{side} w:val="{val}" w:sz="{sz}" w:space="{space}" w:color="{color}"/>'


def ppr(*, keep_next=False, keep_lines=False, frame="", widow=None, borders="", tabs="",
        auto_space_off=False, overflow_punct=None, snap=None, before=None, line=None, rule="exact", ind="", jc=None,
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
    if overflow_punct is not None:
        parts.append(f'<w:overflowPunct w:val="{1 if overflow_punct else 0}"/>')
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
