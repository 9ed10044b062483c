"""The editable DOCX of a document: docxtpl fills a style shell with the content model.

Public API: :func:`render_docx` (``Document`` → DOCX bytes) and :data:`DEFAULT_SHELL`.

The shell approach
------------------
All appearance lives in a style shell, ``templates/docx/shell.docx`` (built by
:mod:`toolkit.render.docx_shell`; a bureau may pass its own, edited in Word or WPS).  Its styles
carry the GB/T 9704 faces (East-Asian fonts set through ``w:rFonts/@w:eastAsia``, Windows font
names: 仿宋, 黑体, 楷体, 宋体, 方正小标宋简体), sizes, indents and the page setup (A4, margins
37/35/28/26 mm, a 22 × 28 ``linesAndChars`` grid, odd/even page-number footers ``— N —``).

Its body is a docxtpl template a clerk can read: the 版头 for ``official``/``minutes`` with an
issuer (份号, 密级, red 发文机关标志, 发文字号 whose bottom border is the red separator; with a
签发人 the number moves left and ``签发人：`` + the name in 楷体 sit on its line) or ``letter`` (份号 and
密级 if any, 发文字号; the 信函标志 and red double lines sit in the first-page header and
footer) or, for ``form``, just the issuer centred and the number flush right if given; the 标题;
then ``{%p for b in blocks %}`` with one ``{%p if b.kind == … %}`` branch per kind, each branch a
paragraph in its own style holding ``{{ b.text }}`` — changing a style in Word changes every
document — and finally the 版记 (one style whose paragraphs Word groups, so its top, between and
bottom borders are the three rules, in a frame at the foot of the text block).  Content goes in
only as data.  ``record.date`` gets ``印发`` appended unless it already ends with it;
``record.cc`` gets the ``抄送：`` label.  Style ids (``GwBody``, ``GwHeading1`` …) are what the
renderer and tests rely on; style names (公文正文, 一级标题 …) are what a clerk sees.

What the shell cannot express is computed here:

* ``Table`` blocks become real Word tables, built as WordprocessingML and inserted with
  ``{{p b.table }}``: style 公文表格 (borders), the text width read from the shell's section,
  relative widths as a fixed grid, ``w:tblHeader`` on the header rows, ``w:gridSpan`` for
  colspans, ``lines`` × the grid's line pitch as the minimum row height, label cells in style
  表格标签 (黑体, centred), answers in 表格内容.  Consecutive tables (a form made of several)
  are joined: between them only a hidden, one-twip paragraph (style 表格衔接), so the second
  sits on the first one's bottom border instead of a blank line below it.
* A paragraph opening with a 黑体 label (``<lp>``, ``出席：``) gets a hanging indent so its
  continuation lines align under the first character after the label.
* Pagination hints (``w:keepNext``, widow control) mirror the PDF's rules: headings, 此致 and
  the like keep with what follows, the paragraph before a 署名 goes along with at least two
  lines (:func:`_keep_together`).
* After rendering, the 署名/成文日期 pairs are positioned by styles (GB/T 9704 7.3.5: without
  seal the date starts two characters right of the 署名, both right two characters; with seal
  the date is right four characters and the 署名 centred above it): right-aligned, the date's
  style right-indented, the 署名 in a style derived from its own with the right indent its
  length needs (:func:`_place_signatures`); a 发文机关标志 wider than the block at 42 pt is
  condensed (``w:w``) as in the PDF, down to 60 %, then set smaller (never below 22 pt).
* The ``footer`` line (``{page}``/``{pages}``) becomes runs with PAGE/NUMPAGES fields; a document
  with a footer line shows it instead of the ``— N —`` page number.

Safety: the Jinja environment is strict (``StrictUndefined``) and autoescaping; every value is
XML-escaped and its braces written as character references, so data such as ``{{ 7*7 }}``,
``{% raw %}``, ``{_{`` (which docxtpl would otherwise rewrite) or ``<&>`` comes out literally.
Characters XML cannot carry (control characters other than tab and newline) raise
:class:`~toolkit.errors.RenderError`.  A newline in a value becomes a line break, a tab a tab.

Reproducible: core properties come from the document (title, author, dates from ``date``), and
the package is re-zipped with entries in sorted order and fixed timestamps, so the same
``Document`` always gives the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import OpcError
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from lxml import etree
from markupsafe import Markup

from toolkit.cachefile import cache_folder
from toolkit.documents.model import (
    Document,
    LabeledParagraph,
    PageBreak,
    Paragraph,
    Record,
    Signature,
    Table,
)
from toolkit.errors import RenderError
from toolkit.jinjacache import CompiledOnce, bytecode_cache
from toolkit.paths import DOCX_SHELL
from toolkit.render import geometry as G
from toolkit.render.docx_shell.layout import ISSUER_PT, LINE
from toolkit.render.forms import DEFAULT as FORM_DEFAULT
from toolkit.render.forms import PAD_H, CellStyle, balanced_text, plan_form
from toolkit.render.linebreak import (
    document_phrases,
    is_attendance,
    is_lead_in,
    is_signature_row,
    keeps_with_next,
    title_breaks,
    title_cuts,
)
from toolkit.text import CJK_SPACE, normalize_typography

if TYPE_CHECKING:
    from toolkit.render.pdf import Tightened

__all__ = ["DEFAULT_SHELL", "render_docx"]

DEFAULT_SHELL = DOCX_SHELL

#: Style ids the renderer itself refers to (the shell's names may be anything).
STYLE_TABLE = "GwTable"
STYLE_TABLE_LABEL = "GwTableLabel"
STYLE_TABLE_CELL = "GwTableCell"
STYLE_SPACER = "GwSpacer"
STYLE_RECORD = "GwRecord"
STYLE_TABLE_JOIN = "GwTableJoin"
#: The paragraph between two consecutive tables: Word needs one (or it merges the tables), but
#: it is hidden and one twip high so that the second table sits on the first one's bottom
#: border.  Its formatting is repeated directly so that a bureau shell without the style works.
TABLE_JOIN = (f'<w:p><w:pPr><w:pStyle w:val="{STYLE_TABLE_JOIN}"/>'
              '<w:spacing w:before="0" w:after="0" w:line="1" w:lineRule="exact"/>'
              '<w:rPr><w:vanish/><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr></w:pPr></w:p>')
STYLE_ISSUER = ("GwIssuer", "GwLetterHead")
STYLE_SIGNATURE = {"GwSignature": ("GwDate", False), "GwSealSignature": ("GwSealDate", True)}

LAYOUTS = ("official", "letter", "minutes", "form")
PARAGRAPH_STYLES = ("body", "h1", "h2", "h3", "h4", "addressee", "plain", "center", "right",
                    "note", "attachment")
MIN_ISSUER_PT = 22
MIN_ISSUER_SCALE = 60          # the PDF's lowest horizontal scale of the mark
FIXED_DATE = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

# XML 1.0 forbids C0 controls except tab, LF, CR; also U+FFFE/U+FFFF and lone surrogates.
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# ---------------------------------------------------------------------------------------------
# Values
def _clean(value: str, where: str, typography: bool = True) -> str:
    if not isinstance(value, str):
        value = str(value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    bad = _BAD_XML.search(value)
    if bad:
        raise RenderError(f"{where}含有 Word 文件无法保存的控制字符 U+{ord(bad.group()):04X}，"
                          "请删去后再生成")
    return normalize_typography(value) if typography else value


def _xml_text(text: str) -> str:
    """Escape for XML text; braces as character references so docxtpl's ``{_{`` → ``{{``
    post-processing never sees them (lxml turns the references back into braces)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("{", "&#123;").replace("}", "&#125;"))


def _finalize(value):
    if hasattr(value, "__html__"):
        return value
    return Markup(_xml_text(str(value)))


@lru_cache(maxsize=2)
def _environment(cache: Path | None) -> jinja2.Environment:
    # One for the process: docxtpl compiles the shell's parts for every document through
    # from_string, which CompiledOnce answers from what it (or an earlier run) compiled.  Keyed
    # by the cache folder its bytecode cache writes to (see toolkit.documents.compose).
    return CompiledOnce(undefined=jinja2.StrictUndefined, autoescape=True, finalize=_finalize,
                        bytecode_cache=bytecode_cache(__file__, cache))


class _ShellTemplate(DocxTemplate):
    """docxtpl's template, with what its ``patch_xml`` makes of a part remembered: every
    document of a run fills the same shell, whose parts it would otherwise clean up again
    (docxtpl's regular expressions over each part: a tenth of a DOCX's time)."""

    def patch_xml(self, src_xml: str) -> str:
        return _patched_xml(src_xml)


@lru_cache(maxsize=16)
def _patched_xml(src_xml: str) -> str:
    # docxtpl's patch_xml reads nothing of its template but the text it is given
    return DocxTemplate.patch_xml(None, src_xml)


def _run(text: str, rpr: str = "") -> str:
    """Runs for ``text``: newlines become ``w:br``, tabs ``w:tab``."""
    out = []
    for i, line in enumerate(text.split("\n")):
        if i:
            out.append(f"<w:r>{rpr}<w:br/></w:r>")
        for j, piece in enumerate(line.split("\t")):
            if j:
                out.append(f"<w:r>{rpr}<w:tab/></w:r>")
            if piece:
                out.append(f'<w:r>{rpr}<w:t xml:space="preserve">{_xml_text(piece)}</w:t></w:r>')
    return "".join(out)


def _width(text: str) -> float:
    """Width in characters: full-width (CJK, and the ambiguous “”—· of Chinese fonts) 1, the rest ½."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.5 for c in text)


# ---------------------------------------------------------------------------------------------
# Geometry read from the shell
@dataclass(frozen=True)
class _Geometry:
    text_width: int      # twips
    line: int            # twips per grid line
    char: float          # twips per grid character
    chars: int           # characters per line


def _geometry(docx) -> _Geometry:
    """The grid of the shell's first section (a bureau's shell may differ from ours); what it
    does not say is taken from the GB/T 9704 page."""
    sect = docx.sections[0]
    width = round((sect.page_width - sect.left_margin - sect.right_margin) / 635)
    grid = sect._sectPr.find(qn("w:docGrid"))
    line = int(grid.get(qn("w:linePitch"), LINE)) if grid is not None else LINE
    size = docx.styles["Normal"].font.size
    base = size.pt if size is not None else G.BODY_PT
    char = base * 20
    if grid is not None and grid.get(qn("w:type")) in ("linesAndChars", "snapToChars"):
        char = (base + int(grid.get(qn("w:charSpace"), 0)) / 4096) * 20
    return _Geometry(width, line, char, max(1, int(width // char)))


# ---------------------------------------------------------------------------------------------
# Tables
def _table(table: Table, geo: _Geometry, after: str, where: str,
           widths: tuple[float, ...] | None = None, style: CellStyle = FORM_DEFAULT,
           phrases: tuple[str, ...] = ()) -> Markup:
    """The table as WordprocessingML.  ``after``: ``"join"`` when another table follows (a hidden
    joining paragraph), ``"spacer"`` when the table ends the body, else ``""``; ``widths`` and
    ``style``: the form's plan (:func:`toolkit.render.forms.plan_form`, as in the PDF)."""
    if any(w <= 0 for w in table.widths):
        raise RenderError(f"{where}的列宽必须为正数：{table.widths}")
    widths = widths or table.widths
    ncols = len(widths)
    if ncols == 0 or not table.rows:
        return Markup("")
    total = sum(widths)
    edges = [round(geo.text_width * sum(widths[:i]) / total) for i in range(ncols + 1)]
    cols = [edges[i + 1] - edges[i] for i in range(ncols)]
    pad = round(style.pad_v * 20)
    margin = pad - 10                    # see docx_shell.layout.CELL_MARGIN_V
    out = [f'<w:tbl><w:tblPr><w:tblStyle w:val="{STYLE_TABLE}"/>'
           f'<w:tblW w:w="{geo.text_width}" w:type="dxa"/><w:jc w:val="center"/>'
           '<w:tblLayout w:type="fixed"/>'
           + (f'<w:tblCellMar><w:top w:w="{margin}" w:type="dxa"/>'
              f'<w:bottom w:w="{margin}" w:type="dxa"/></w:tblCellMar>' if style != FORM_DEFAULT else "")
           + '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" '
           'w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>']
    out += [f'<w:gridCol w:w="{w}"/>' for w in cols]
    lead = round(style.lead * 20)
    small = style != FORM_DEFAULT
    spacing = f'<w:spacing w:line="{lead}" w:lineRule="exact"/>' if small else ""
    rpr = (f'<w:rPr><w:sz w:val="{round(style.size * 2)}"/><w:szCs w:val="{round(style.size * 2)}"/>'
           '</w:rPr>') if small else ""
    out.append("</w:tblGrid>")
    for r, row in enumerate(table.rows):
        if not row:
            raise RenderError(f"{where}第 {r + 1} 行没有单元格")
        spans = [max(1, int(c.colspan)) for c in row]
        if sum(spans) > ncols:
            raise RenderError(f"{where}第 {r + 1} 行的单元格共跨 {sum(spans)} 列，"
                              f"多于表格的 {ncols} 列")
        spans[-1] += ncols - sum(spans)              # a short row: the last cell takes the rest
        lines = max(max(1, int(c.lines)) for c in row)
        # rows never split; the last rows and the rows above a signature row keep with the
        # rows after them (Word and LibreOffice move them to the next page together)
        height = lines * lead + 2 * pad
        trpr = f'<w:cantSplit/><w:trHeight w:val="{height}" w:hRule="atLeast"/>'
        if r < table.header_rows:
            trpr += "<w:tblHeader/>"
        keep = r >= len(table.rows) - 2 or (r + 1 < len(table.rows)
                                             and is_signature_row(table.rows[r + 1]))
        out.append(f"<w:tr><w:trPr>{trpr}</w:trPr>")
        col = 0
        for cell, span in zip(row, spans, strict=True):
            width = sum(cols[col:col + span])
            col += span
            text = _clean(cell.text, where)
            pstyle = STYLE_TABLE_LABEL if cell.label else STYLE_TABLE_CELL
            align = cell.align
            if cell.label and align == "left":
                align = "center"                     # captions are centred unless told
            if align == "center" and text:           # broken evenly, as in the PDF
                text = balanced_text(text, width / 20 - 2 * PAD_H, style.size, phrases)
            valign = "center" if (cell.label or cell.lines <= 1) else "top"
            out.append(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>'
                       + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "")
                       + f'<w:vAlign w:val="{valign}"/></w:tcPr>')
            jc = {"left": "left", "center": "center", "right": "right"}.get(align, "left")
            out.append(f'<w:p><w:pPr><w:pStyle w:val="{pstyle}"/>'
                       + ("<w:keepNext/>" if keep else "") + spacing
                       + f'<w:jc w:val="{jc}"/></w:pPr>{_run(text, rpr)}</w:p>')
            out.append("</w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    if after == "join":
        out.append(TABLE_JOIN)
    elif after == "spacer":         # Word wants a paragraph after the last table of the body
        out.append(f'<w:p><w:pPr><w:pStyle w:val="{STYLE_SPACER}"/></w:pPr></w:p>')
    return Markup("".join(out))


# ---------------------------------------------------------------------------------------------
# Context
def title_text(doc: Document) -> str:
    """The 标题 with a line break (``w:br``) where the PDF breaks it: between words, into a
    梯形 or 菱形 (:func:`linebreak.title_cuts`, on the widths of a CJK face: 1 em a Chinese
    character, ½ em the rest); Word would otherwise fill the first line and break anywhere."""
    text = _clean(doc.title, "标题").replace("\n", "")
    em = G.TITLE_PT
    widths = [_width(c) * em for c in text]
    block = G.mm_to_pt(G.BLOCK_W_MM)
    if sum(widths) <= block:
        return text
    cut = title_cuts(widths, title_breaks(text, document_phrases(doc)), block, em)
    if not cut:
        return text
    edges = [0, *cut, len(text)]
    return "\n".join(text[edges[k]:edges[k + 1]] for k in range(len(edges) - 1))


def _footer_runs(text: str) -> Markup:
    out = []
    for piece in re.split(r"(\{pages?\})", text):
        if piece in ("{page}", "{pages}"):
            instr = "PAGE" if piece == "{page}" else "NUMPAGES"
            out.append('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                       f'<w:r><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
                       '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                       '<w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>')
        elif piece:
            out.append(_run(piece))
    return Markup("".join(out))


def _context(doc: Document, geo: _Geometry) -> dict:
    if doc.layout not in LAYOUTS:
        raise RenderError(f"未知的版式「{doc.layout}」（可用：{'、'.join(LAYOUTS)}）")
    blocks: list[dict[str, object]] = []
    items = list(doc.blocks)
    phrases = document_phrases(doc)
    plan = plan_form(doc, phrases)
    for i, block in enumerate(items):
        where = f"第 {i + 1} 块"
        if isinstance(block, Paragraph):
            if block.style not in PARAGRAPH_STYLES:
                raise RenderError(f"{where}的段落样式「{block.style}」未定义"
                                  f"（可用：{'、'.join(PARAGRAPH_STYLES)}）")
            kind: str = block.style
            text = _clean(block.text, where)
            if kind == "attachment" and not text.lstrip().startswith("附件"):
                kind = "attachment_more"             # 2. …, 3. … aligned under the first name
            blocks.append({"kind": kind, "text": text})
        elif isinstance(block, LabeledParagraph):
            blocks.append({"kind": "labeled", "label": _clean(block.label, where),
                           "text": _clean(block.text, where)})
        elif isinstance(block, Table):
            last = i + 1 == len(items) and doc.record is None
            nxt_table = i + 1 < len(items) and isinstance(items[i + 1], Table)
            after = "join" if nxt_table else "spacer" if last else ""
            blocks.append({"kind": "table", "table": _table(block, geo, after, f"{where}（表格）",
                                                            plan.table_widths(i, block), plan.style,
                                                            phrases)})
        elif isinstance(block, Signature):
            blocks.append({"kind": "signature", "seal": bool(block.seal),
                           "org": _clean(block.org, where), "date": _clean(block.date, where)})
        elif isinstance(block, PageBreak):
            blocks.append({"kind": "pagebreak"})
        else:
            raise RenderError(f"{where}的类型 {type(block).__name__} 无法写入 DOCX")
    record = None
    if doc.record is not None:
        rec: Record = doc.record
        cc = _clean(rec.cc, "版记")
        cc = cc[3:] if cc.startswith("抄送：") else cc
        date = _clean(rec.date, "版记")
        if date and not date.endswith("印发"):
            date += "印发"
        record = {"cc": cc, "printer": _clean(rec.printer, "版记"), "date": date}
    # template text (第1页 共2页): its spaces between Chinese characters become full-width
    footer = CJK_SPACE.sub("\u3000", _clean(doc.footer, "页脚", typography=False))
    return {
        "layout": doc.layout,
        "copy": _clean(doc.copy, "份号"),
        "classification": _clean(doc.classification, "密级"),
        "issuer": _clean(doc.issuer, "发文机关标志"),
        "number": _clean(doc.number, "发文字号"),
        # several 签发人 lines share the one line of the number (Word cannot stack them there)
        "signer": "\u3000".join(x.strip() for x in _clean(doc.signer, "签发人").split("\n")
                                 if x.strip()),
        "title": title_text(doc),
        "blocks": blocks,
        "record": record,
        "footer": bool(footer),
        "footer_runs": _footer_runs(footer),
    }


# ---------------------------------------------------------------------------------------------
# Fix-ups after rendering
def _style_of(p) -> str | None:
    ppr = p.find(qn("w:pPr"))
    if ppr is None:
        return None
    ps = ppr.find(qn("w:pStyle"))
    return ps.get(qn("w:val")) if ps is not None else None


def _text_of(p) -> str:
    out = []
    for el in p.iter(qn("w:t"), qn("w:tab"), qn("w:br")):
        if el.tag == qn("w:t"):
            out.append(el.text or "")
        else:
            out.append("\t" if el.tag == qn("w:tab") else "\n")
    return "".join(out)


def _place_signatures(body, styles, geo: _Geometry) -> None:
    """署名 and 成文日期 positioned by styles, as GB/T 9704 7.3.5 wants them: both right-aligned,
    the date's style right-indented four characters with a seal (two without), so an edited
    date keeps 右空四字; the 署名 centred over the date (seal) or two characters left of it is
    given a style derived from its own with that right indent (``署名（右空1.5字）``) — never a
    direct indent on the paragraph.  A date without 署名 keeps the blank lines above it."""
    made: dict[str, str] = {}
    for p in list(body.iter(qn("w:p"))):
        style = _style_of(p)
        if style not in STYLE_SIGNATURE:
            continue
        date_style, seal = STYLE_SIGNATURE[style]
        nxt = p.getnext()
        if nxt is None or nxt.tag != qn("w:p") or _style_of(nxt) != date_style:
            continue
        if not _text_of(p).strip():
            # no 署名 (the signatories sign above it: 调查组成员（签名）): the PDF sets the date
            # alone under the blank line(s) the 署名 would have had above it; an empty 署名
            # paragraph would add a line and could push the date on to another page
            before = _spacing_before(styles, style)
            p.getparent().remove(p)
            if before:
                el = nxt.makeelement(qn("w:spacing"), {qn("w:before"): before})
                _restyle(nxt, _derived_style(styles, made, date_style, f"B{before}",
                                             f"（前空{int(before) / geo.line:g}行）", el))
            continue
        ow, dw = _width(_text_of(p)), _width(_text_of(nxt))
        if seal:                                       # date right 4, 署名 centred above it
            org_right, date_right = 4 + (dw - ow) / 2, 4.0
        elif dw > ow:                                  # date right 2, 署名 two to its left
            org_right, date_right = 4 + dw - ow, 2.0
        else:                                          # 署名 right 2, date two to its right
            org_right, date_right = 2.0, ow - dw
        for para, base, right, default in ((p, style, org_right, 4.0 if seal else 2.0),
                                           (nxt, date_style, date_right, 4.0 if seal else 2.0)):
            right = max(0.0, min(right, geo.chars - 1.0))
            if abs(right - default) > 1e-6:
                _restyle(para, _right_style(styles, made, base, right, geo))


def _right_style(styles, made: dict[str, str], base: str, right: float, geo: _Geometry) -> str:
    """The id of a paragraph style based on ``base`` with a right indent of ``right`` characters."""
    ind = etree.Element(qn("w:ind"), {qn("w:rightChars"): str(round(right * 100)),
                                      qn("w:right"): str(round(right * geo.char))})
    return _derived_style(styles, made, base, f"R{round(right * 100)}", f"（右空{right:g}字）", ind)


def _derived_style(styles, made: dict[str, str], base: str, key: str, label: str, prop) -> str:
    """The id of a paragraph style based on ``base`` with the paragraph property ``prop``: id
    ``base`` + ``key``, named after ``base``'s name + ``label``."""
    key = base + key
    if key in made:
        return made[key]
    name = next((s.find(qn("w:name")).get(qn("w:val")) for s in styles.iterchildren(qn("w:style"))
                 if s.get(qn("w:styleId")) == base and s.find(qn("w:name")) is not None), base)
    el = etree.SubElement(styles, qn("w:style"), {qn("w:type"): "paragraph",
                                                  qn("w:customStyle"): "1", qn("w:styleId"): key})
    etree.SubElement(el, qn("w:name"), {qn("w:val"): name + label})
    etree.SubElement(el, qn("w:basedOn"), {qn("w:val"): base})
    etree.SubElement(el, qn("w:pPr")).append(prop)
    made[key] = key
    return key


def _style_chain(styles, style: str | None):
    """The ``w:style`` elements of ``style`` and of the styles it is based on, nearest first."""
    by_id = {s.get(qn("w:styleId")): s for s in styles.iterchildren(qn("w:style"))}
    seen: set[str] = set()
    while style is not None and style in by_id and style not in seen:
        seen.add(style)
        yield by_id[style]
        based = by_id[style].find(qn("w:basedOn"))
        style = based.get(qn("w:val")) if based is not None else None


def _style_ppr(styles, style: str, tag: str):
    """``w:<tag>`` of the paragraph properties ``style`` has or inherits (None without)."""
    return next((el for s in _style_chain(styles, style)
                 if (el := s.find(f"{qn('w:pPr')}/{qn('w:' + tag)}")) is not None), None)


def _spacing_before(styles, style: str) -> str | None:
    """The space before paragraphs of ``style`` in twips (None without)."""
    el = _style_ppr(styles, style, "spacing")
    before = el.get(qn("w:before")) if el is not None else None
    return before if before and before != "0" else None


def _restyle(p, style_id: str) -> None:
    ppr = p.get_or_add_pPr()
    ps = ppr.find(qn("w:pStyle"))
    ps.set(qn("w:val"), style_id)


#: Longest paragraph (estimated lines) kept with a one-line paragraph before a 署名.
HOLD_MAX_LINES = 3
#: Paragraph style ids of the shell → the content model's paragraph styles.
MODEL_STYLE = {"GwBody": "body", "GwHeading1": "h1", "GwHeading2": "h2", "GwHeading3": "h3",
               "GwHeading4": "h4", "GwAddressee": "addressee", "GwPlain": "plain",
               "GwCenter": "center", "GwRight": "right", "GwNote": "note",
               "GwAttachment": "attachment", "GwAttachmentMore": "attachment"}
_PPR_ORDER = ["pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl",
              "numPr", "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens",
              "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE",
              "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
              "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection",
              "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
              "sectPr", "pPrChange"]


def _set_flag(p, name: str, on: bool = True) -> None:
    """Set ``w:keepNext`` / ``w:widowControl`` … on ``p`` in schema order."""
    ppr = p.get_or_add_pPr()
    _insert_ppr(ppr, ppr.makeelement(qn("w:" + name), {} if on else {qn("w:val"): "0"}), name)


class _Next:
    """What follows a paragraph, in the terms of :func:`linebreak.keeps_with_next`."""

    def __init__(self, el):
        if el is not None and el.tag == qn("w:tbl"):
            self.rows = True
        elif el is not None and el.tag == qn("w:p") and _style_of(el) in MODEL_STYLE:
            self.style, self.text = MODEL_STYLE[_style_of(el)], _text_of(el)


def _content(el):
    """``el`` if it is content (a table or a paragraph with text), else None."""
    if el is None:
        return None
    if el.tag == qn("w:tbl"):
        return el
    if el.tag == qn("w:p") and _text_of(el).strip():
        return el
    return None


def _keep_together(body, geo: _Geometry) -> None:
    """Word's side of the PDF's pagination rules (keep with next, GB/T 9704 7.3.5):

    * headings, 主送机关, lead-ins (此致), colon intros and right-aligned signature lines keep
      with what follows (``w:keepNext``; :func:`linebreak.keeps_with_next`); a lead-in also
      keeps the text above it with it;
    * the paragraph before a 署名 keeps with it and, with widow control, goes to a new page
      with at least two of its lines; when it is a one-liner (特此通知。), the paragraph before
      it does too — the signature page never holds the signature alone;
    * the 成文日期 keeps with a 附注 on the next line.
    """
    for p in list(body.iterchildren(qn("w:p"))):
        style = _style_of(p)
        nxt = _content(p.getnext())
        if style in MODEL_STYLE:
            text = _text_of(p)
            if nxt is not None and keeps_with_next(MODEL_STYLE[style], text, _Next(nxt)):
                _set_flag(p, "keepNext")
                if MODEL_STYLE[style] in ("body", "plain") and is_lead_in(text):
                    _hold_text_above(p, geo)
        elif style in STYLE_SIGNATURE:
            _hold_text_above(p, geo)
        elif style in ("GwDate", "GwSealDate") and nxt is not None and _style_of(nxt) == "GwNote":
            _set_flag(p, "keepNext")


def _lines_of(p, geo: _Geometry) -> int:
    """Estimated number of lines of a body paragraph (two characters of indent)."""
    return max(1, math.ceil((_width(_text_of(p)) + 2) / geo.chars))


def _hold_text_above(p, geo: _Geometry) -> None:
    """Keep at least two lines of the text above ``p`` on its page.

    The paragraph right above always keeps with ``p`` (Word and WPS then move its last two
    lines, widow control; LibreOffice moves a keep-with-next paragraph whole).  When that
    paragraph is a one-liner (特此通知。), the one above it keeps too, but only when it is
    short (at most :data:`HOLD_MAX_LINES` lines): LibreOffice would move a long one whole and
    leave the page above half empty for the sake of one line."""
    prev = p.getprevious()
    for k in range(2):
        if prev is None or prev.tag != qn("w:p") or _style_of(prev) not in MODEL_STYLE \
                or not _text_of(prev).strip():
            return
        if k and _lines_of(prev, geo) > HOLD_MAX_LINES:
            return
        _set_flag(prev, "keepNext")
        _set_flag(prev, "widowControl")
        if _lines_of(prev, geo) > 1:                    # two lines or more: enough
            return
        prev = prev.getprevious()


def _is_label_paragraph(p) -> bool:
    runs = p.findall(qn("w:r")) if p.tag == qn("w:p") else []
    rpr = runs[0].find(qn("w:rPr")) if runs else None
    rstyle = rpr.find(qn("w:rStyle")) if rpr is not None else None
    return rstyle is not None and rstyle.get(qn("w:val")) == "GwLabel"


def _insert_ppr(ppr, el, name: str) -> None:
    """Put ``el`` (``w:<name>``) into ``ppr`` in schema order, replacing one already there."""
    old = ppr.find(qn("w:" + name))
    if old is not None:
        ppr.remove(old)
    rank = _PPR_ORDER.index(name)
    for child in ppr:
        local = child.tag.split("}")[1]
        if local in _PPR_ORDER and _PPR_ORDER.index(local) > rank:
            child.addprevious(el)
            return
    ppr.append(el)


def _hang_labels(body, geo: _Geometry) -> None:
    """A paragraph opening with a 黑体 label (``出席：``, ``主持人：``) hangs its continuation
    lines under the first character after the label, as in the PDF."""
    for p in body.iterchildren(qn("w:p")):
        runs = p.findall(qn("w:r"))
        if not runs:
            continue
        rpr = runs[0].find(qn("w:rPr"))
        rstyle = rpr.find(qn("w:rStyle")) if rpr is not None else None
        if rstyle is None or rstyle.get(qn("w:val")) != "GwLabel":
            continue
        label = _text_of(runs[0])
        w = _width(label)
        ppr = p.get_or_add_pPr()
        prev = p.getprevious()
        if is_attendance(label) and not (prev is not None and _is_label_paragraph(prev)
                                         and is_attendance(_text_of(prev.findall(qn("w:r"))[0]))):
            # 纪要: 出席 one blank line under the text (GB/T 9704 10.3), as in the PDF
            spacing = ppr.makeelement(qn("w:spacing"), {qn("w:before"): str(geo.line),
                                                        qn("w:after"): "0"})
            _insert_ppr(ppr, spacing, "spacing")
        if not w or 2 + w > geo.chars / 2:
            continue
        old = ppr.find(qn("w:ind"))
        if old is not None:
            ppr.remove(old)
        ind = ppr.makeelement(qn("w:ind"), {
            qn("w:leftChars"): str(round((2 + w) * 100)), qn("w:left"): str(round((2 + w) * geo.char)),
            qn("w:hangingChars"): str(round(w * 100)), qn("w:hanging"): str(round(w * geo.char))})
        rank = _PPR_ORDER.index("ind")
        for child in ppr:
            local = child.tag.split("}")[1]
            if local in _PPR_ORDER and _PPR_ORDER.index(local) > rank:
                child.addprevious(ind)
                break
        else:
            ppr.append(ind)


def _fit_issuer(root, styles, geo: _Geometry) -> None:
    """The 发文机关标志 as in the PDF: 初号 (42 pt), condensed (``w:w``) when wider than the text
    block, down to 60 %, and only then smaller."""
    defined = None
    for p in root.iter(qn("w:p")):
        style = _style_of(p)
        if style not in STYLE_ISSUER:
            continue
        if defined is None:  # looked up only where there is a 发文机关标志 (not in most parts)
            defined = {s.style_id: s for s in styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
        width = _width(_text_of(p))
        if not width or style not in defined:       # a bureau shell without the style
            continue
        size = defined[style].font.size
        pt = size.pt if size is not None else ISSUER_PT
        avail = geo.text_width / 20
        if style == "GwLetterHead":                 # 信函: reaches into the margins for the rule
            avail = G.mm_to_pt(G.BLOCK_W_MM)
        if width * pt <= avail:
            continue
        scale = math.floor(100 * avail / (width * pt))
        if scale < MIN_ISSUER_SCALE:
            pt = max(MIN_ISSUER_PT, math.floor(pt * scale / MIN_ISSUER_SCALE * 2) / 2)
            scale = MIN_ISSUER_SCALE
        for r in p.iter(qn("w:r")):
            rpr = r.get_or_add_rPr()
            values = {"w:w": str(scale)}
            if pt != (size.pt if size is not None else ISSUER_PT):
                values.update({"w:sz": str(round(pt * 2)), "w:szCs": str(round(pt * 2))})
            for tag, value in values.items():
                el = rpr.find(qn(tag))
                if el is None:
                    el = rpr.makeelement(qn(tag), {})
                    rpr.append(el)
                el.set(qn("w:val"), value)
            _order_rpr(rpr)


_RPR_ORDER = ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
              "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish",
              "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight",
              "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang",
              "eastAsianLayout", "specVanish", "oMath"]


@lru_cache(maxsize=1)
def _rpr_rank() -> dict[str, int]:
    """Clark name → place in ``w:rPr`` (made once: every run of every document is ordered)."""
    return {qn("w:" + n): i for i, n in enumerate(_RPR_ORDER)}


def _order_rpr(rpr) -> None:
    rank = _rpr_rank()
    kids = sorted(rpr, key=lambda e: rank.get(e.tag, len(rank)))
    for k in kids:
        rpr.append(k)


# ---------------------------------------------------------------------------------------------
def _core_properties(docx, doc: Document) -> None:
    when = FIXED_DATE
    if doc.date:
        try:
            d = _dt.date.fromisoformat(doc.date[:10])
            when = _dt.datetime(d.year, d.month, d.day, tzinfo=_dt.UTC)
        except ValueError:
            pass
    cp = docx.core_properties
    cp.title = _clean(doc.title, "标题").replace("\n", " ")
    cp.author = _clean(doc.author or doc.issuer, "责任者")
    cp.last_modified_by = "rcmz"
    cp.subject = ""
    cp.keywords = doc.key
    cp.identifier = _clean(doc.number, "发文字号")
    cp.language = "zh-CN"
    cp.revision = 1
    cp.created = when
    cp.modified = when


def _package_zip(package, fix=None) -> bytes:
    """python-docx's package zipped once, with sorted entries ([Content_Types].xml first) and
    fixed timestamps; ``fix`` (name, bytes) → bytes may change a part on the way.

    The parts are taken as python-docx's own ``OpcPackage.save`` writes them (its
    ``PackageWriter``), into a dict instead of its zip: zipping its zip again, to sort and date
    the entries, compressed every part twice (a fifth of a DOCX's time)."""
    from docx.opc.pkgwriter import PackageWriter

    parts: dict[str, bytes] = {}

    class Collect:  # what PackageWriter writes to (docx.opc.phys_pkg.PhysPkgWriter's methods)
        @staticmethod
        def write(pack_uri, blob: bytes) -> None:
            parts[pack_uri.membername] = blob

    writer: Any = Collect
    for part in package.parts:
        part.before_marshal()
    PackageWriter._write_content_types_stream(writer, package.parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, package.parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in sorted(parts, key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, fix(name, parts[name]) if fix else parts[name], compresslevel=6)
    return out.getvalue()


def _east_asian_faces(styles) -> Callable[[str | None], str | None]:
    """The East-Asian face of a style of ``styles``: its own ``w:rFonts/@w:eastAsia``, else
    the one it is based on, else the default paragraph style's (read once per document, for
    its body and each header and footer)."""
    faces: dict[str, tuple[str | None, str | None]] = {}
    for st in styles.iterchildren(qn("w:style")):
        fonts = st.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        based = st.find(qn("w:basedOn"))
        faces[st.get(qn("w:styleId"))] = (fonts.get(qn("w:eastAsia")) if fonts is not None else None,
                                          based.get(qn("w:val")) if based is not None else None)

    def face(style: str | None) -> str | None:
        seen = 0
        while style and seen < 20:
            own, style = faces.get(style, (None, None))
            if own:
                return own
            seen += 1
        return faces.get("Normal", (None, None))[0]

    return face


def _east_asian_runs(root, face: Callable[[str | None], str | None]) -> None:
    """Every run names its East-Asian face (``w:rFonts/@w:eastAsia``), the face its character or
    paragraph style gives it (``face``: :func:`_east_asian_faces`): WPS lays a run out in its
    default face otherwise."""
    for p in root.iter(qn("w:p")):
        pface = face(_style_of(p) or "Normal")
        for r in p.iter(qn("w:r")):
            rpr = r.find(qn("w:rPr"))
            rstyle = rpr.find(qn("w:rStyle")) if rpr is not None else None
            name = (face(rstyle.get(qn("w:val"))) if rstyle is not None else None) or pface
            if not name or (rpr is not None and rpr.find(qn("w:rFonts")) is not None):
                continue
            rpr = r.get_or_add_rPr()
            rpr.append(rpr.makeelement(qn("w:rFonts"), {qn("w:eastAsia"): name,
                                                        qn("w:hint"): "eastAsia"}))
            _order_rpr(rpr)


def _fit_record(body, styles, geo: _Geometry) -> None:
    """The 版记's frame as high as its lines on the grid, as in the PDF.

    Its rules are the borders of its paragraphs, and LibreOffice gives every paragraph of the
    group its top and bottom border's width and space (measured: 2 × 80 twips for 抄送 and 印发;
    Word, grouping the paragraphs, adds only the outer borders and the "between" one): the
    frame, bottom-aligned, would reach some 2.5 mm into the row above its rows, and a 成文日期
    there would move on to the next page.  The last line of the 版记 gives up that height, so
    the frame fits its rows in either."""
    paras = [p for p in body.iterchildren(qn("w:p")) if _style_of(p) == STYLE_RECORD]
    borders = _style_ppr(styles, STYLE_RECORD, "pBdr")
    if not paras or borders is None:
        return
    per = sum(int(b.get(qn("w:sz"), 0)) * 20 / 8 + int(b.get(qn("w:space"), 0)) * 20
              for b in borders if b.tag in (qn("w:top"), qn("w:bottom")))
    extra = round(per * len(paras))
    if not 0 < extra < geo.line / 2:
        return
    spacing = paras[-1].makeelement(qn("w:spacing"), {qn("w:line"): str(geo.line - extra),
                                                      qn("w:lineRule"): "exact"})
    _insert_ppr(paras[-1].get_or_add_pPr(), spacing, "spacing")


def _break_before_record(body, pages: int) -> None:
    """Put the 版记 on the page the PDF does (:func:`toolkit.render.pdf.record_pages`): ``pages``
    page breaks before it, each in a spacer paragraph under the text's last line (one that does
    not fit a full page starts the next: the PDF's blank page before a 版记 moved for two-sided
    printing)."""
    first = next((p for p in body.iterchildren(qn("w:p")) if _style_of(p) == STYLE_RECORD), None)
    if first is None or pages <= 0:
        return
    for _ in range(pages):
        brk = etree.SubElement(body, qn("w:p"))
        ppr = etree.SubElement(brk, qn("w:pPr"))
        etree.SubElement(ppr, qn("w:pStyle")).set(qn("w:val"), STYLE_SPACER)
        run = etree.SubElement(brk, qn("w:r"))
        etree.SubElement(run, qn("w:br")).set(qn("w:type"), "page")
        first.addprevious(brk)


def _tighten(body, styles, tight: Sequence[Tightened]) -> None:
    """The pages the PDF set closer to hold their signature (GB/T 9704 7.3.5.5,
    :func:`toolkit.render.pdf.tightened`) set as closely: every paragraph from the page's top to
    its 成文日期 (and a 附注 below it) gets its exact line height and its space before and after
    times the PDF's pitch over the grid's, so that Word and LibreOffice end the page where the PDF does.
    A paragraph begun on the page before is split where the page begins (one line spacing per
    paragraph): the first part, ending in a full line now, justified to its end
    (``w:jc="distribute"``), the second without first-line indent."""
    for t in tight:
        paras = list(body.iterchildren(qn("w:p")))
        end = next((p for p in paras if (_style_of(p) or "").startswith(("GwDate", "GwSealDate"))
                    and _flat(_text_of(p)) == _flat(t.date)), None)
        start = paras[0] if t.page == 0 and paras else _page_start(paras, end, t)
        if end is None or start is None:
            continue
        paras = list(body.iterchildren(qn("w:p")))
        last = paras.index(end)
        while last + 1 < len(paras) and _style_of(paras[last + 1]) == "GwNote":
            last += 1
        for p in paras[paras.index(start):last + 1]:
            _scale_spacing(p, styles, t.scale)
        brk, nxt = paras[last].getnext(), None
        if brk is not None and brk.tag == qn("w:p") and _style_of(brk) == "GwPageBreak":
            nxt = brk.getnext()
        if nxt is not None and nxt.tag == qn("w:p"):
            # the page is full: the page break's own paragraph would start a blank page
            _set_flag(nxt, "pageBreakBefore")
            brk.getparent().remove(brk)


def _flat(text: str) -> str:
    """``text`` without white space and line breaks: how the PDF's lines and a paragraph compare."""
    return re.sub(r"\s", "", text)


def _page_start(paras: list, end, t: Tightened):
    """The paragraph that begins page ``t`` (a paragraph split there when the page begins in
    one), looking up from its 成文日期 ``end``; None when the PDF's text is not found."""
    if end is None:
        return None
    carried, first = _flat(t.carried), _flat(t.first)
    for p in reversed(paras[:paras.index(end)]):
        text = _flat(_text_of(p))
        if carried and text.endswith(carried) and len(text) > len(carried):
            return _split(p, len(text) - len(carried))
        if not carried and first and text.startswith(first):
            return p
    return None


def _split(p, at: int):
    """Split ``p`` before its ``at``-th character that is not white space; the second part."""
    tail = parse_xml(etree.tostring(p))
    p.addnext(tail)
    _cut(p, at, head=True)
    _cut(tail, at, head=False)
    _set_flag(p, "keepNext", False)             # LibreOffice would move a kept part whole
    _set_flag(p, "widowControl", False)
    ppr = p.get_or_add_pPr()
    _insert_ppr(ppr, ppr.makeelement(qn("w:jc"), {qn("w:val"): "distribute"}), "jc")
    tppr = tail.get_or_add_pPr()
    ind = tppr.find(qn("w:ind"))
    if ind is None:
        ind = tppr.makeelement(qn("w:ind"), {})
        _insert_ppr(tppr, ind, "ind")
    for name in ("hanging", "hangingChars"):
        ind.attrib.pop(qn("w:" + name), None)
    ind.set(qn("w:firstLineChars"), "0")
    ind.set(qn("w:firstLine"), "0")
    return tail


def _cut(p, at: int, head: bool) -> None:
    """Keep of ``p``'s text the characters before (``head``) or from its ``at``-th character
    that is not white space; white space, tabs and breaks where it is cut go."""
    seen = 0
    for el in list(p.iter(qn("w:t"), qn("w:tab"), qn("w:br"))):
        if el.tag != qn("w:t"):
            if (seen >= at) == head or seen == at:
                el.getparent().remove(el)
            continue
        kept = []
        for ch in el.text or "":
            if ch.isspace():
                if seen != at and (seen < at) == head:
                    kept.append(ch)
                continue
            if (seen < at) == head:
                kept.append(ch)
            seen += 1
        el.text = "".join(kept)


def _scale_spacing(p, styles, k: float) -> None:
    """Give ``p`` its line height (exact) and space before and after times ``k``, rounded down
    (a page of them never taller than the PDF's)."""
    ppr = p.get_or_add_pPr()
    attrs = {}
    for name in ("line", "before", "after"):
        value = _spacing_value(ppr, styles, _style_of(p), name)
        if value is not None:
            attrs[qn("w:" + name)] = str(math.floor(int(value) * k))
    if qn("w:line") in attrs:
        attrs[qn("w:lineRule")] = "exact"
    _insert_ppr(ppr, ppr.makeelement(qn("w:spacing"), attrs), "spacing")


def _spacing_value(ppr, styles, style: str | None, name: str) -> str | None:
    """``w:spacing/@w:<name>`` of a paragraph: its own, its style's (or the default paragraph
    style's) or inherited, or the document default's."""
    own = ppr.find(qn("w:spacing"))
    if own is not None and own.get(qn("w:" + name)) is not None:
        return own.get(qn("w:" + name))
    if style is None:
        style = next((s.get(qn("w:styleId")) for s in styles.iterchildren(qn("w:style"))
                      if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true")), None)
    for element in _style_chain(styles, style):
        el = element.find(f"{qn('w:pPr')}/{qn('w:spacing')}")
        if el is not None and el.get(qn("w:" + name)) is not None:
            return el.get(qn("w:" + name))
    default = styles.find(f"{qn('w:docDefaults')}/{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}")
    return default.get(qn("w:" + name)) if default is not None else None


def render_docx(doc: Document, shell: Path | None = None, *, record_pages: int = 0,
                tight: Sequence[Tightened] = ()) -> bytes:
    """The DOCX of ``doc``, filled into ``shell`` (default :data:`DEFAULT_SHELL`).
    ``record_pages``: page breaks before the 版记, to start it on the page the PDF does
    (:func:`toolkit.render.pdf.record_pages`); ``tight``: the pages the PDF set closer to hold
    their signature (:func:`toolkit.render.pdf.tightened`), set as closely."""
    shell = Path(shell) if shell is not None else DEFAULT_SHELL
    if not shell.is_file():
        raise RenderError(f"找不到 DOCX 样式外壳：{shell}")
    tpl = _ShellTemplate(str(shell))
    try:
        docx = tpl.get_docx()
    except (OpcError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        # not a zip, a zip without the parts of a DOCX, or a part that is not XML
        raise RenderError(f"DOCX 样式外壳 {shell} 无法打开：{exc}") from exc
    geo = _geometry(docx)
    context = _context(doc, geo)
    try:
        tpl.render(context, jinja_env=_environment(cache_folder()), autoescape=True)
    except jinja2.TemplateError as exc:
        raise RenderError(f"DOCX 样式外壳 {shell.name} 的模板指令有误：{exc}") from exc
    docx = tpl.docx
    _break_before_record(docx.element.body, record_pages)
    _fit_record(docx.element.body, docx.styles.element, geo)
    _keep_together(docx.element.body, geo)
    _place_signatures(docx.element.body, docx.styles.element, geo)
    _hang_labels(docx.element.body, geo)
    _tighten(docx.element.body, docx.styles.element, tight)
    _fit_issuer(docx.element.body, docx.styles, geo)
    faces = _east_asian_faces(docx.styles.element)
    _east_asian_runs(docx.element.body, faces)
    _core_properties(docx, doc)

    # docxtpl leaves the headers and footers it rendered as text of their parts: fixed up there
    def fix(name: str, blob: bytes) -> bytes:
        if not re.fullmatch(r"word/(header|footer)\d+\.xml", name):
            return blob
        root = parse_xml(blob)
        _fit_issuer(root, docx.styles, geo)
        _east_asian_runs(root, faces)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    return _package_zip(docx.part.package, fix)
