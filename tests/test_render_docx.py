"""DOCX rendering: content, styles, page setup, tables, adversarial values, reproducibility."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm
from lxml import etree

from toolkit.documents.model import (
    Cell,
    Document,
    LabeledParagraph,
    PageBreak,
    Paragraph,
    Record,
    Signature,
    Table,
)
from toolkit.errors import RenderError
from toolkit.render.docx import DEFAULT_SHELL, render_docx
from toolkit.text import CJK_SPACE, normalize_typography

ROOT = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

BODY = ("经查，该同志在推进“数字校园”改革中，因政策界限不明、先行先试出现失误，未谋取私利，"
        "符合《关于建立容错免责机制的实施办法》第五条规定的情形，依程序予以容错免责。")
UNIT40 = "中共杭州市某某区教育局党委容错免责工作领导小组暨纪律检查委员会联合办公室"[:40]
RARE = "𠮷 㵘 堃 喆"


def _table() -> Table:
    row = (Cell("姓名", label=True), Cell("张堃"), Cell("职务", label=True), Cell("校长"))
    return Table(
        widths=(1, 2, 1, 2),
        rows=((Cell("项目", label=True, colspan=2), Cell("内容", label=True, colspan=2)),
              row,
              (Cell("单位", label=True), Cell("杭州市某某中学", colspan=3)),
              (Cell("申请事由", label=True), Cell("因推进改革出现失误\n第二段", colspan=3, lines=4)),
              (Cell("审核意见", label=True), Cell("", colspan=3, lines=3, align="right"))),
        header_rows=1)


def official(**kw) -> Document:
    fields = dict(
        key="decision", layout="official", title="关于对某某同志予以容错免责的决定",
        blocks=(
            Paragraph("各区、县（市）教育局，直属各单位：", "addressee"),
            Paragraph(BODY),
            Paragraph("一、基本情况", "h1"),
            Paragraph("（一）事实经过", "h2"),
            Paragraph("1. 调查核实", "h3"),
            Paragraph("（1）谈话情况", "h4"),
            Paragraph(BODY, "plain"),
            Paragraph("居中一行", "center"),
            Paragraph("居右一行", "right"),
            LabeledParagraph("出席：", "张三、李四、王五"),
            _table(),
            PageBreak(),
            Paragraph("附件：1. 容错免责申请表", "attachment"),
            Paragraph("2. 调查核实报告", "attachment"),
            Signature("中共杭州市教育局委员会", "2025年3月1日"),
            Paragraph("（此件公开发布）", "note"),
        ),
        issuer="中共杭州市教育局委员会文件", number="杭教党容〔2025〕3号", copy="000001",
        classification="内部", author="中共杭州市教育局委员会", date="2025-03-01",
        record=Record(cc="市纪委监委第五监督检查室。", printer="中共杭州市教育局委员会办公室",
                      date="2025年3月1日"))
    fields.update(kw)
    return Document(**fields)


def _open(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def _paragraphs(d) -> list[str]:
    """Text of every paragraph: body (tables included), headers and footers."""
    from docx.text.paragraph import Paragraph as P
    roots = [d.element.body]
    for s in d.sections:
        for hf in (s.header, s.even_page_header, s.first_page_header, s.footer,
                   s.even_page_footer, s.first_page_footer):
            if not hf.is_linked_to_previous:
                roots.append(hf._element)
    return [P(p, None).text for root in roots for p in root.iter(qn("w:p"))]


def _cells(d) -> list[str]:
    out = []
    for t in d.tables:
        for tr in t._tbl.tr_lst:
            for tc in tr.tc_lst:
                out.append("\n".join(p.text for p in _cell_paragraphs(tc)))
    return out


def _cell_paragraphs(tc):
    from docx.text.paragraph import Paragraph as P
    return [P(p, None) for p in tc.iter(qn("w:p"))]


def _part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read(name))


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["official", "letter", "minutes", "form"])
def test_every_passage_is_in_the_docx(layout):
    doc = official(layout=layout)
    d = _open(render_docx(doc))
    text = "\n".join(_paragraphs(d))
    for passage in normalize_typography(doc.text()).split("\n"):      # text normalised at render
        assert passage in text, passage


def test_blocks_land_in_their_styles():
    d = _open(render_docx(official()))
    by_style = {}
    for p in d.paragraphs:
        style = p.style
        if style.style_id.startswith(("GwSignatureR", "GwDateR", "GwSeal")):   # derived: 右空n字
            style = style.base_style if style.base_style.style_id.startswith("Gw") else style
        by_style.setdefault(style.style_id, []).append(p.text)
    assert by_style["GwIssuer"] == ["中共杭州市教育局委员会文件"]
    assert by_style["GwNumber"] == ["杭教党容〔2025〕3号"]
    assert by_style["GwCopy"] == ["000001"] and by_style["GwSecret"] == ["内部"]
    assert by_style["GwTitle"] == ["关于对某某同志予以容错免责的决定"]
    assert by_style["GwAddressee"] == ["各区、县（市）教育局，直属各单位："]
    assert by_style["GwHeading1"] == ["一、基本情况"]
    assert by_style["GwHeading2"] == ["（一）事实经过"]
    assert by_style["GwHeading3"] == ["1.调查核实"] and by_style["GwHeading4"] == ["（1）谈话情况"]
    assert by_style["GwPlain"] == [BODY] and by_style["GwBody"][0] == BODY
    assert by_style["GwCenter"] == ["居中一行"] and by_style["GwRight"] == ["居右一行"]
    assert by_style["GwAttachment"] == ["附件：1.容错免责申请表"]
    assert by_style["GwAttachmentMore"] == ["2.调查核实报告"]
    assert by_style["GwSignature"] == ["中共杭州市教育局委员会"]
    assert by_style["GwDate"] == ["2025年3月1日"]
    assert by_style["GwNote"] == ["（此件公开发布）"]
    assert by_style["GwRecord"] == ["抄送：市纪委监委第五监督检查室。",
                                    "中共杭州市教育局委员会办公室\t2025年3月1日印发"]
    # no template statement survives
    assert not any("{%" in t or "{{" in t or "{#" in t for t in _paragraphs(d))


def test_labeled_paragraph_label_run_is_heiti():
    d = _open(render_docx(official()))
    p = next(p for p in d.paragraphs if p.text == "出席：张三、李四、王五")
    assert p.runs[0].text == "出席：" and p.runs[0].style.style_id == "GwLabel"
    assert p.runs[0].style.element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"


def test_page_break_and_red_separator():
    data = render_docx(official())
    body = _part(data, "word/document.xml")
    assert body.findall(f".//{W}br[@{W}type='page']")
    styles = _part(data, "word/styles.xml")
    number = styles.find(f"{W}style[@{W}styleId='GwNumber']")
    bottom = number.find(f".//{W}pBdr/{W}bottom")
    assert bottom.get(f"{W}color") == "FF0000"
    issuer = styles.find(f"{W}style[@{W}styleId='GwIssuer']")
    assert issuer.find(f".//{W}color").get(f"{W}val") == "FF0000"


@pytest.mark.skipif(not Path("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf").exists(),
                    reason="free CJK fonts not installed (scripts/ensure-fonts.sh)")
def test_red_separator_as_thick_as_in_the_pdf():
    import pikepdf

    from toolkit.render.pdf import render_pdf

    pdf = pikepdf.open(io.BytesIO(render_pdf(official())))
    ops = [(o, str(op)) for o, op in pikepdf.parse_content_stream(pdf.pages[0])]
    red = next(i for i, (o, op) in enumerate(ops) if op == "RG" and list(map(float, o)) == [1, 0, 0])
    pdf_width = next(float(o[0]) for o, op in ops[red:] if op == "w")
    styles = _part(render_docx(official()), "word/styles.xml")
    for sid in ("GwNumber", "GwNumberSigner"):
        bottom = styles.find(f"{W}style[@{W}styleId='{sid}']//{W}pBdr/{W}bottom")
        assert int(bottom.get(f"{W}sz")) / 8 == pytest.approx(pdf_width), sid


def test_record_indented_one_small_character_each_side():
    """版记 (GB/T 9704 7.4): 抄送 and 印发 lines one 4号 character (14 pt, not a 16-pt grid
    character) in from either side in every application, the 印发日期 tab on the right indent."""
    d = _open(render_docx(official()))
    style = d.styles.get_by_id("GwRecord", 1).element
    ind = style.find(f"{W}pPr/{W}ind")
    assert ind.get(f"{W}left") == ind.get(f"{W}right") == str(14 * 20)
    assert ind.get(f"{W}leftChars") is None and ind.get(f"{W}rightChars") is None
    s = d.sections[0]
    width = round((s.page_width - s.left_margin - s.right_margin) / 635)
    tab = style.find(f"{W}pPr/{W}tabs/{W}tab")
    assert tab.get(f"{W}val") == "right" and int(tab.get(f"{W}pos")) == width - 14 * 20


def test_styles_carry_east_asian_fonts():
    d = _open(render_docx(official()))
    expect = {"Normal": "仿宋_GB2312", "GwBody": None, "GwTitle": "方正小标宋简体",
              "GwIssuer": "方正小标宋简体", "GwHeading1": "黑体", "GwHeading2": "楷体_GB2312",
              "GwSecret": "黑体", "GwTableLabel": "黑体", "GwTableCell": "仿宋_GB2312",
              "GwPageOdd": "宋体", "GwPageEven": "宋体", "GwLetterHead": "方正小标宋简体"}
    for sid, face in expect.items():
        style = d.styles.get_by_id(sid, 1)
        # walk basedOn until a style sets the East-Asian font
        s, found = style, None
        while s is not None and found is None:
            rpr = s.element.rPr
            if rpr is not None and rpr.rFonts is not None:
                found = rpr.rFonts.get(qn("w:eastAsia"))
            s = s.base_style
        assert found == (face or "仿宋_GB2312"), sid
    assert d.styles["Normal"].font.size.pt == 16
    assert d.styles.get_by_id("GwTitle", 1).font.size.pt == 22
    styles_xml = etree.tostring(_part(render_docx(official()), "word/styles.xml")).decode()
    assert "eastAsiaTheme" not in styles_xml and "asciiTheme" not in styles_xml


def test_page_setup_follows_gb_t_9704():
    data = render_docx(official())
    s = _open(data).sections[0]
    tol = Mm(0.05)
    for got, want in [(s.page_width, Mm(210)), (s.page_height, Mm(297)),
                      (s.top_margin, Mm(37)), (s.bottom_margin, Mm(35)),
                      (s.left_margin, Mm(28)), (s.right_margin, Mm(26))]:
        assert abs(got - want) <= tol, (got, want)
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    pitch, space = int(grid.get(qn("w:linePitch"))), int(grid.get(qn("w:charSpace")))
    height = round((s.page_height - s.top_margin - s.bottom_margin) / 635)
    width = round((s.page_width - s.left_margin - s.right_margin) / 635)
    assert 22 * pitch <= height < 23 * pitch and 22 * (pitch + 1) > height    # exactly 22 lines
    char = (16 + space / 4096) * 20
    assert 28 * char <= width < 29 * char                                      # 28 characters
    assert s._sectPr.find(qn("w:titlePg")) is not None
    settings = _part(data, "word/settings.xml")
    assert settings.find(f"{W}evenAndOddHeaders") is not None
    # the body line is exact and 28 condensed 16-pt characters fit the width
    normal = _open(data).styles["Normal"]
    spacing = normal.element.pPr.find(qn("w:spacing"))
    assert int(spacing.get(qn("w:line"))) == pitch and spacing.get(qn("w:lineRule")) == "exact"
    condense = int(normal.element.rPr.find(qn("w:spacing")).get(qn("w:val")))
    assert 28 * (16 * 20 + condense) <= width


def test_page_numbers_odd_right_even_left_and_footer_fields():
    data = render_docx(official())
    odd = etree.tostring(_part(data, "word/footer1.xml"), encoding="unicode")
    even = etree.tostring(_part(data, "word/footer2.xml"), encoding="unicode")
    assert "GwPageOdd" in odd and "GwPageEven" in even
    assert " PAGE " in odd and "— " in odd and " —" in odd
    data = render_docx(official(layout="form", footer="第{page}页 共{pages}页"))
    d = _open(data)
    xml = etree.tostring(d.sections[0].footer._element, encoding="unicode")
    assert " PAGE " in xml and " NUMPAGES " in xml and "GwFooterText" in xml
    # template text: its space between Chinese characters is a full-width one
    assert "第" in xml and "页\u3000共" in xml and "— " not in xml


def _effective(paragraph, attribute: str):
    """A paragraph-format value as Word applies it: direct formatting, else the style chain."""
    value = getattr(paragraph.paragraph_format, attribute)
    style = paragraph.style
    while value is None and style is not None:
        value = getattr(style.paragraph_format, attribute)
        style = style.base_style
    return value


def test_page_number_odd_pages_right_even_pages_left():
    """GB/T 9704 7.5: 单页码居右空一字，双页码居左空一字 — one 4号 character (14 pt), in the
    footers Word uses for odd and even pages (evenAndOddHeaders) and on page one (titlePg)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    data = render_docx(official())
    assert _part(data, "word/settings.xml").find(f"{W}evenAndOddHeaders") is not None
    s = _open(data).sections[0]

    def number_paragraph(footer):
        (p,) = [p for p in footer.paragraphs if " PAGE " in etree.tostring(p._p, encoding="unicode")]
        assert p.text.startswith("— ") and p.text.endswith(" —")
        return p

    for footer, align, side in ((s.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right_indent"),
                                (s.first_page_footer, WD_ALIGN_PARAGRAPH.RIGHT, "right_indent"),
                                (s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left_indent")):
        p = number_paragraph(footer)
        other = "left_indent" if side == "right_indent" else "right_indent"
        assert _effective(p, "alignment") == align
        assert _effective(p, side) == Pt(14) and not _effective(p, other)


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="LibreOffice / poppler not installed")
def test_page_number_positions_in_libreoffice(tmp_path):
    """PAGE-CHECKS 7 on LibreOffice's layout: — N — on every page, odd pages ending at
    184 − 4.94 = 179.1 mm, even pages starting at 28 + 4.94 = 32.9 mm (±1 mm)."""
    (pdf,) = _lo_convert(tmp_path, [render_docx(official())])
    mm = 72 / 25.4
    numbers: dict[int, list] = {}
    for page, x0, y0, x1, word in _bbox(pdf):
        if y0 > 263 * mm:                       # below the text block (its bottom: 262 mm)
            numbers.setdefault(page, []).append((x0, x1, word))
    assert len(numbers) >= 2
    for page, words in numbers.items():
        words.sort()
        assert "".join(w for _, _, w in words) == f"—{page}—", (page, words)
        if page % 2:
            assert words[-1][1] / mm == pytest.approx(179.1, abs=1), page
        else:
            assert words[0][0] / mm == pytest.approx(32.9, abs=1), page


def test_letter_puts_the_mark_in_the_first_page_header_without_page_number():
    d = _open(render_docx(official(layout="letter", issuer="中共杭州市教育局委员会", record=None)))
    s = d.sections[0]
    assert [p.text for p in s.first_page_header.paragraphs if p.text] == ["中共杭州市教育局委员会"]
    first_footer = etree.tostring(s.first_page_footer._element, encoding="unicode")
    assert "PAGE" not in first_footer and "GwLetterBottomRule" in first_footer
    assert "GwLetterNumber" in [p.style.style_id for p in d.paragraphs]
    assert "GwIssuer" not in [p.style.style_id for p in d.paragraphs]


def test_letter_double_lines_are_170_mm_centred_on_the_block():
    """信函 (GB/T 9704 10.1): both red double lines 170 mm long, centred like the text block
    (x = 106 mm, as in the PDF), the lower one 20 mm above the paper's bottom edge."""
    d = _open(render_docx(official(layout="letter", record=None)))
    s = d.sections[0]
    mm = 1440 / 25.4                                               # twips per mm
    left = round(s.left_margin / 635)
    width = round((s.page_width - s.left_margin - s.right_margin) / 635)
    head = d.styles.get_by_id("GwLetterHead", 1).element.pPr.find(qn("w:ind"))
    out_left, out_right = -int(head.get(qn("w:left"))), -int(head.get(qn("w:right")))
    assert (width + out_left + out_right) / mm == pytest.approx(170, abs=0.1)
    assert (left - out_left + (width + out_left + out_right) / 2) / mm == pytest.approx(106, abs=0.1)
    # the lower pair: two red rectangles placed on the page, thin over thick, the thick one's
    # centre 20 mm above the bottom edge (LibreOffice measured in tests/test_page_checks.py)
    rects = s.first_page_footer._element.findall(".//{urn:schemas-microsoft-com:vml}rect")
    geo = [dict(kv.split(":") for kv in r.get("style").split(";")) for r in rects]
    assert [float(g["margin-left"][:-2]) for g in geo] == [21, 21]
    assert [g["width"] for g in geo] == ["170mm", "170mm"]
    tops = [float(g["margin-top"][:-2]) for g in geo]
    heights = [float(g["height"][:-2]) for g in geo]
    assert heights[0] < heights[1] and tops[0] < tops[1]                  # thin over thick
    assert 297 - (tops[1] + heights[1] / 2) == pytest.approx(20, abs=0.01)


def test_form_has_no_version_head():
    d = _open(render_docx(official(layout="form")))
    ids = {p.style.style_id for p in d.paragraphs}
    assert not ids & {"GwIssuer", "GwNumber", "GwCopy", "GwLetterNumber"}
    assert "GwTitle" in ids


# ---------------------------------------------------------------------------------------------
def test_tables_are_real_word_tables():
    data = render_docx(official())
    d = _open(data)
    (t,) = d.tables
    tbl = t._tbl
    assert tbl.tblPr.find(qn("w:tblStyle")).get(qn("w:val")) == "GwTable"
    s = d.sections[0]
    text_width = round((s.page_width - s.left_margin - s.right_margin) / 635)
    assert int(tbl.tblPr.find(qn("w:tblW")).get(qn("w:w"))) == text_width
    cols = [int(c.get(qn("w:w"))) for c in tbl.tblGrid.findall(qn("w:gridCol"))]
    assert sum(cols) == text_width and cols[1] == pytest.approx(2 * cols[0], abs=2)
    rows = tbl.tr_lst
    assert rows[0].trPr.find(qn("w:tblHeader")) is not None
    assert all(r.trPr.find(qn("w:tblHeader")) is None for r in rows[1:])
    # colspans are merged cells
    assert [tc.grid_span for tc in rows[0].tc_lst] == [2, 2]
    assert [tc.grid_span for tc in rows[2].tc_lst] == [1, 3]
    # minimum row height as in the PDF: lines × 20 pt + (one grid line − 20 pt); every row
    # cantSplit, the last two rows kept with what follows
    pitch = int(s._sectPr.find(qn("w:docGrid")).get(qn("w:linePitch")))
    h = rows[3].trPr.find(qn("w:trHeight"))
    assert h.get(qn("w:hRule")) == "atLeast"
    assert int(h.get(qn("w:val"))) == pytest.approx(4 * 400 + pitch - 400, abs=2)
    assert all(r.trPr.find(qn("w:cantSplit")) is not None for r in rows)
    for r in rows[-2:]:
        for tc in r.tc_lst:
            assert all(p._p.find(f"{W}pPr/{W}keepNext") is not None for p in _cell_paragraphs(tc))
    # label cells in the label style (黑体, centred); answers in the answer style
    label = _cell_paragraphs(rows[1].tc_lst[0])[0]
    answer = _cell_paragraphs(rows[1].tc_lst[1])[0]
    assert label._p.pPr.pStyle.val == "GwTableLabel" and label.alignment == 1
    assert answer._p.pPr.pStyle.val == "GwTableCell"
    right = _cell_paragraphs(rows[4].tc_lst[1])[0]
    assert right.alignment == 2
    borders = d.styles.get_by_id("GwTable", 3).element.find(qn("w:tblPr")).find(qn("w:tblBorders"))
    assert {b.tag.split("}")[1] for b in borders} >= {"top", "left", "bottom", "right",
                                                        "insideH", "insideV"}
    assert "因推进改革出现失误\n第二段" in _cells(d)


def test_consecutive_tables_join_and_table_can_end_the_document():
    doc = official(layout="form", blocks=(_table(), _table()), record=None)
    d = _open(render_docx(doc))
    body = list(d.element.body)
    kinds = [e.tag.split("}")[1] for e in body]
    first = kinds.index("tbl")
    assert kinds[first + 1] == "p" and kinds[first + 2] == "tbl"
    assert kinds[-2] == "p"                   # a paragraph follows the last table (then sectPr)
    # the paragraph between the tables (Word needs one) is hidden and one twip high
    join = body[first + 1]
    assert join.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "GwTableJoin"
    assert join.find(f"{W}pPr/{W}rPr/{W}vanish") is not None
    spacing = join.find(f"{W}pPr/{W}spacing")
    assert spacing.get(f"{W}line") == "1" and spacing.get(f"{W}lineRule") == "exact"
    assert not "".join(join.itertext())
    style = d.styles.get_by_id("GwTableJoin", 1).element
    assert style.find(f"{W}rPr/{W}vanish") is not None


def _lo_convert(tmp_path, docs: list[bytes]) -> list[Path]:
    """The DOCX files converted to PDF by LibreOffice (one run)."""
    srcs = []
    for k, data in enumerate(docs):
        src = tmp_path / f"doc{k}.docx"
        src.write_bytes(data)
        srcs.append(src)
    env = dict(os.environ, HOME=str(tmp_path))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, srcs)],
                   check=True, capture_output=True, timeout=300, env=env)
    return [src.with_suffix(".pdf") for src in srcs]


def _bbox(pdf: Path) -> list[tuple[int, float, float, float, str]]:
    """(page, xMin, yMin, xMax, word) of every word, read with pdftotext -bbox."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    out, page = [], 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)".*>(.*)</word>', line)
        if m:
            out.append((page, float(m.group(1)), float(m.group(2)), float(m.group(3)),
                        m.group(4)))
    return out


def _lo_words_many(tmp_path, docs: list[bytes]) -> list[list[tuple[int, float, str]]]:
    """For each DOCX, its words as (page, yMin, word) in LibreOffice's layout."""
    return [[(page, y, w) for page, _, y, _, w in _bbox(pdf)]
            for pdf in _lo_convert(tmp_path, docs)]


def _lo_words(tmp_path, data: bytes) -> list[tuple[int, float, str]]:
    return _lo_words_many(tmp_path, [data])[0]


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="LibreOffice / poppler not installed")
def test_consecutive_tables_touch_in_libreoffice(tmp_path):
    first = Table((1, 1), ((Cell("甲", label=True), Cell("一行")),
                           (Cell("乙", label=True), Cell("两行"))))
    second = Table((1, 2, 1), ((Cell("项目", label=True, colspan=3),),
                               (Cell("丙"), Cell("丁"), Cell("戊"))), header_rows=1)
    doc = Document("t", "form", "表", (first, second, Paragraph("以下空白")))
    y = {w: top for _, top, w in _lo_words(tmp_path, render_docx(doc))}
    pitch = y["乙"] - y["甲"]                             # one row of the first table
    assert pitch == pytest.approx(579 / 20, abs=0.5)
    # the second table's first row follows as if it were the first table's next row (the two
    # 0.75-pt borders side by side add under a point; a blank line would add a whole line)
    assert 0 <= y["项目"] - y["乙"] - pitch < 1.0


def test_bad_tables_are_refused():
    wide = Table(widths=(1, 1), rows=((Cell("a", colspan=3),),))
    with pytest.raises(RenderError):
        render_docx(official(blocks=(wide,)))
    short = Table(widths=(1, 1, 1), rows=((Cell("a"), Cell("b")),))
    d = _open(render_docx(official(blocks=(short,))))
    assert [tc.grid_span for tc in d.tables[0]._tbl.tr_lst[0].tc_lst] == [1, 2]


# ---------------------------------------------------------------------------------------------
ADVERSARIAL = [
    "<>&\"' <w:p> &amp; </w:t>",
    "{{ 7*7 }}",
    "{% raw %}{{ x }}{% endraw %}",
    "{%p if blocks %}x{%p endif %}",
    "{_{ a }_} {_% b %_} {{r x }}",
    "{#p comment #}",
    UNIT40,
    RARE,
    "  leading and trailing  ",
    "一\t二\n三",
    "\\n \\t ${x} %(y)s {0}",
]


@pytest.mark.parametrize("value", ADVERSARIAL)
def test_adversarial_values_round_trip(value):
    doc = Document(
        key="x", layout="official", title=value, issuer=value, number=value, copy=value,
        classification=value, author=value, date="2025-03-01",
        blocks=(Paragraph(value), Paragraph(value, "h1"), LabeledParagraph(value, value),
                Table(widths=(1, 1), rows=((Cell(value, label=True), Cell(value)),)),
                Signature(value, value, seal=True)),
        record=Record(cc=value, printer=value, date=value),
        footer=value)
    data = render_docx(doc)
    d = _open(data)
    texts = _paragraphs(d)
    raw, value = value, normalize_typography(value)    # spaces between Chinese characters go
    assert texts.count(value) >= 6                 # issuer, number, copy, 密级, p, h1, …
    assert value + value in texts                   # the labeled paragraph
    cells = _cells(d)
    # a caption that wraps carries the PDF's line breaks
    assert [c.replace("\n", "") for c in cells] == [v.replace("\n", "") for v in (value, value)]
    assert d.core_properties.title == value.replace("\n", " ")
    assert d.core_properties.author == value
    footer = "".join(p.text for p in d.sections[0].footer.paragraphs)
    assert CJK_SPACE.sub("\u3000", raw) in footer   # template text: spaces made full-width


def test_long_paragraph_and_long_unit_name():
    long = (BODY * 100)[:5000]
    assert len(long) == 5000
    doc = official(issuer=UNIT40 + "文件", blocks=(Paragraph(long), Signature(UNIT40, "2025年3月1日")))
    d = _open(render_docx(doc))
    texts = _paragraphs(d)
    assert long in texts and UNIT40 in texts and UNIT40 + "文件" in texts
    # a 发文机关标志 too wide for one line at 42 pt is condensed to 60 %, then set smaller
    issuer = next(p for p in d.paragraphs if p.style.style_id == "GwIssuer")
    assert _scale(issuer) == 60 and 22 <= issuer.runs[0].font.size.pt < 42


def _scale(p) -> int | None:
    w = p.runs[0]._r.find(f"{W}rPr/{W}w")
    return int(w.get(f"{W}val")) if w is not None else None


def test_issuer_size_is_fitted_to_the_line():
    # as in the PDF: 初号 (42 pt), condensed horizontally to fit the block
    d = _open(render_docx(official()))
    issuer = next(p for p in d.paragraphs if p.style.style_id == "GwIssuer")
    assert issuer.runs[0].font.size is None                   # the style's 42 pt
    assert d.styles.get_by_id("GwIssuer", 1).font.size.pt == 42
    scale = _scale(issuer)
    assert 60 <= scale < 100 and 13 * 42 * scale / 100 <= 442.25
    d = _open(render_docx(official(issuer="杭州市教育局文件")))
    issuer = next(p for p in d.paragraphs if p.style.style_id == "GwIssuer")
    assert issuer.runs[0].font.size is None and _scale(issuer) is None   # 8 × 42 pt fits


def test_empty_optional_fields():
    doc = Document(key="x", layout="official", title="", blocks=())
    d = _open(render_docx(doc))
    assert all(t == "" for t in _paragraphs(d) if t not in ("— 1 —",))
    doc = Document(key="x", layout="official", title="标题",
                   blocks=(Paragraph(""), Signature("", ""), LabeledParagraph("", "")),
                   record=Record())
    d = _open(render_docx(doc))
    assert "GwRecord" not in [p.style.style_id for p in d.paragraphs]
    doc = official(record=Record(printer="办公室"))
    d = _open(render_docx(doc))
    assert [p.text for p in d.paragraphs if p.style.style_id == "GwRecord"] == ["办公室\t"]


def test_control_characters_are_refused():
    with pytest.raises(RenderError, match="U\\+0001"):
        render_docx(official(title="a\x01b"))
    with pytest.raises(RenderError):
        render_docx(official(blocks=(Paragraph("\x0c"),)))


def test_unknown_paragraph_style_or_layout_is_refused():
    with pytest.raises(RenderError, match="段落样式"):
        render_docx(official(blocks=(Paragraph("x", "shout"),)))   # type: ignore[arg-type]
    with pytest.raises(RenderError, match="版式"):
        render_docx(official(layout="memo"))                          # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
def _right(d, p) -> float:
    """Right indent (characters) of a paragraph from its style chain; no direct w:ind allowed."""
    assert p._p.pPr.find(qn("w:ind")) is None, "署名/成文日期 must be positioned by styles"
    style = p.style
    while style is not None:
        ind = style.element.pPr.find(qn("w:ind")) if style.element.pPr is not None else None
        if ind is not None and ind.get(qn("w:rightChars")) is not None:
            return int(ind.get(qn("w:rightChars"))) / 100
        style = style.base_style
    return 0.0


def _based_on(p, base: str) -> bool:
    style = p.style
    while style is not None:
        if style.style_id == base:
            return True
        style = style.base_style
    return False


def _pair(d, org_base, date_base):
    org = next(p for p in d.paragraphs if _based_on(p, org_base))
    date = next(p for p in d.paragraphs if _based_on(p, date_base))
    assert org.alignment == date.alignment or True
    return _right(d, org), _right(d, date)


def test_signature_positions_follow_7_3_5():
    # date shorter than 署名: 署名 right 2, date starts 2 right of the 署名's start
    d = _open(render_docx(official(blocks=(Signature("中共杭州市教育局委员会", "2025年3月1日"),))))
    org, date = _pair(d, "GwSignature", "GwDate")
    assert org == 2 and 28 - date - 6 == (28 - org - 11) + 2
    # date longer: date right 2, 署名 two characters left of the date's start
    d = _open(render_docx(official(blocks=(Signature("教育局", "2025年12月31日"),))))
    org, date = _pair(d, "GwSignature", "GwDate")
    assert date == 2 and 28 - org - 3 == (28 - date - 7) - 2
    # with seal: date right 4 (the style's own: an edited date stays 右空四字), 署名 centred over it
    d = _open(render_docx(official(blocks=(Signature("杭州市教育局", "2025年3月1日", seal=True),))))
    org, date = _pair(d, "GwSealSignature", "GwSealDate")
    assert date == 4 and org == 4
    assert next(p for p in d.paragraphs if _based_on(p, "GwSealDate")).style.style_id == "GwSealDate"
    d = _open(render_docx(official(blocks=(Signature("中共杭州市教育局委员会", "2025年3月1日", seal=True),))))
    org, date = _pair(d, "GwSealSignature", "GwSealDate")
    assert date == 4 and org == 4 + (6 - 11) / 2


def test_date_without_signature_keeps_the_blank_lines_above_it():
    """No 署名 (调查组成员 sign above it): no empty 署名 paragraph taking a line the PDF does
    not; the date's style keeps the blank line (two with seal) above it."""
    for seal, style, lines in ((False, "GwDate", 1), (True, "GwSealDate", 2)):
        d = _open(render_docx(official(blocks=(Paragraph(BODY), Signature("", "2025年2月26日", seal=seal)))))
        styles = [p.style.style_id for p in d.paragraphs]
        assert not any(s.startswith(("GwSignature", "GwSealSignature")) for s in styles)
        date = next(p for p in d.paragraphs if p.text == "2025年2月26日")
        assert date.style.base_style.style_id == style
        before = date.style.element.find(f"{W}pPr/{W}spacing").get(f"{W}before")
        assert int(before) == lines * 579 and "前空" in date.style.name


def test_record_frame_is_as_high_as_its_rows():
    """LibreOffice counts the top and bottom borders of every 版记 paragraph (1 pt line + 1 pt
    space each): the last paragraph's exact line gives that height up, so the frame is no
    higher than its grid rows and the row above it stays free for text."""
    for record, paragraphs in ((official().record, 2), (Record(printer="办公室"), 1)):
        d = _open(render_docx(official(record=record)))
        last = [p for p in d.paragraphs if p.style.style_id == "GwRecord"][-1]
        spacing = last._p.pPr.find(f"{W}spacing")
        assert spacing.get(f"{W}lineRule") == "exact"
        assert int(spacing.get(f"{W}line")) == 579 - paragraphs * 80


# ---------------------------------------------------------------------------------------------
def test_byte_identical_and_fixed_zip():
    a, b = render_docx(official()), render_docx(official())
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        infos = z.infolist()
        assert infos[0].filename == "[Content_Types].xml"
        names = [i.filename for i in infos]
        assert names[1:] == sorted(names[1:])
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert z.testzip() is None


def test_core_properties_from_the_document():
    d = _open(render_docx(official()))
    cp = d.core_properties
    assert cp.title == "关于对某某同志予以容错免责的决定"
    assert cp.author == "中共杭州市教育局委员会"
    assert cp.created.date().isoformat() == "2025-03-01" == cp.modified.date().isoformat()
    assert cp.identifier == "杭教党容〔2025〕3号" and cp.keywords == "decision"
    other = render_docx(official(date=""))
    assert _open(other).core_properties.created.year == 2000
    assert other != render_docx(official())


def test_shell_is_reproducible_from_its_script(tmp_path):
    out = tmp_path / "shell.docx"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_docx_shell.py"), str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes() == DEFAULT_SHELL.read_bytes(), \
        "templates/docx/shell.docx is stale: run scripts/make_docx_shell.py"


def test_a_bureau_shell_can_replace_the_default(tmp_path):
    own = tmp_path / "bureau.docx"
    shutil.copy(DEFAULT_SHELL, own)
    assert render_docx(official(), shell=own) == render_docx(official())
    with pytest.raises(RenderError, match="样式外壳"):
        render_docx(official(), shell=tmp_path / "missing.docx")
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(DEFAULT_SHELL) as src, zipfile.ZipFile(broken, "w") as dst:
        for name in src.namelist():
            blob = src.read(name)
            if name == "word/document.xml":
                blob = blob.replace(b"{{ title }}", b"{{ titel }}")
            dst.writestr(name, blob)
    with pytest.raises(RenderError, match="模板指令"):
        render_docx(official(), shell=broken)


@pytest.mark.parametrize("damage", ["not a zip", "no document part", "document not XML"])
def test_a_shell_that_is_no_docx_is_named(tmp_path, damage):
    bad = tmp_path / "bureau.docx"
    if damage == "not a zip":
        bad.write_text("这不是 Word 文件", encoding="utf-8")
    else:
        with zipfile.ZipFile(DEFAULT_SHELL) as src, zipfile.ZipFile(bad, "w") as dst:
            for name in src.namelist():
                if name == "word/document.xml":
                    if damage == "no document part":
                        continue
                    dst.writestr(name, b"<w:document")
                else:
                    dst.writestr(name, src.read(name))
    with pytest.raises(RenderError, match="bureau.docx 无法打开"):
        render_docx(official(), shell=bad)


# ---------------------------------------------------------------------------------------------
@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
def test_libreoffice_converts_it(tmp_path):
    src = tmp_path / "doc.docx"
    src.write_bytes(render_docx(official()))
    env = dict(os.environ, HOME=str(tmp_path))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=180, env=env)
    pdf = tmp_path / "doc.pdf"
    assert pdf.is_file()
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        compact = "".join(text.split())
        for passage in ("中共杭州市教育局委员会文件", "关于对某某同志予以容错免责的决定", "抄送："):
            assert passage in compact


# ---------------------------------------------------------------------------------------------
def _lines(n: int) -> tuple[Paragraph, ...]:
    return tuple(Paragraph(f"第{k:02d}行正文内容。", "plain") for k in range(1, n + 1))


def _page_lines(words) -> dict[int, list[str]]:
    """Per page, the text lines in reading order (words joined by their y)."""
    rows: dict[tuple[int, float], list[str]] = {}
    for page, y, w in words:
        rows.setdefault((page, round(y)), []).append(w)
    out: dict[int, list[str]] = {}
    for (page, _), ws in sorted(rows.items()):
        line = "".join(ws)
        if not re.fullmatch(r"—\d+—", line):                 # not the page number
            out.setdefault(page, []).append(line)
    return out


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="LibreOffice / poppler not installed")
def test_signature_and_lead_in_keep_text_with_them_in_libreoffice(tmp_path):
    probe = official(layout="form", title="", blocks=_lines(60), record=None)
    (words,) = _lo_words_many(tmp_path, [render_docx(probe)])
    fit = len([w for p, _, w in words if p == 1 and w.startswith("第")])     # lines on page 1
    assert 18 <= fit <= 22
    sig = official(layout="form", title="", record=None, blocks=_lines(fit - 1) + (
        Paragraph("特此通知。"), Signature("中共杭州市教育局委员会", "2025年3月1日")))
    lead = official(layout="form", title="", record=None, blocks=_lines(fit - 1) + (
        Paragraph("此致"), Paragraph("中共杭州市教育局委员会", "plain"),
        Paragraph("申请人（签名）：张三", "right"), Paragraph("2025年3月1日", "right")))
    sig_words, lead_words = _lo_words_many(tmp_path, [render_docx(sig), render_docx(lead)])
    pages = _page_lines(sig_words)
    last = max(pages)
    assert last == 2
    assert pages[last][-2:] == ["中共杭州市教育局委员会", "2025年3月1日"]
    assert pages[last][:-2] == [f"第{fit - 1:02d}行正文内容。", "特此通知。"]  # two lines came
    pages = _page_lines(lead_words)
    assert max(pages) == 2
    assert pages[2] == [f"第{fit - 2:02d}行正文内容。", f"第{fit - 1:02d}行正文内容。", "此致",
                        "中共杭州市教育局委员会", "申请人（签名）：张三", "2025年3月1日"]


# ---------------------------------------------------------------------------------------------
def test_signer_beside_the_number():
    d = _open(render_docx(official(signer="林志刚")))
    (p,) = [p for p in d.paragraphs if p.style.style_id == "GwNumberSigner"]
    assert p.text == "杭教党容〔2025〕3号\t签发人：林志刚"
    assert "GwNumber" not in [q.style.style_id for q in d.paragraphs]
    name = next(r for r in p.runs if r.text == "林志刚")
    assert name.style.style_id == "GwSignerName"
    assert name.style.element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"
    style = d.styles.get_by_id("GwNumberSigner", 1).element
    ind = style.find(f"{W}pPr/{W}ind")
    # one character in from the left, as a first-line indent: the red rule spans the block
    assert ind.get(f"{W}firstLineChars") == "100" and ind.get(f"{W}left") is None
    tab = style.find(f"{W}pPr/{W}tabs/{W}tab")
    s = d.sections[0]
    width = round((s.page_width - s.left_margin - s.right_margin) / 635)
    assert tab.get(f"{W}val") == "right" and width - int(tab.get(f"{W}pos")) == int(ind.get(f"{W}firstLine"))
    bottom = style.find(f"{W}pPr/{W}pBdr/{W}bottom")
    assert bottom.get(f"{W}color") == "FF0000"
    # several 签发人 share the line
    d = _open(render_docx(official(signer="林志刚\n吴建华")))
    (p,) = [p for p in d.paragraphs if p.style.style_id == "GwNumberSigner"]
    assert p.text.endswith("签发人：林志刚\u3000吴建华")


def test_official_without_issuer_has_no_version_head():
    d = _open(render_docx(official(issuer="", number="", copy="", classification="")))
    ids = [p.style.style_id for p in d.paragraphs]
    assert not {"GwIssuer", "GwNumber", "GwNumberSigner", "GwCopy", "GwSecret"} & set(ids)
    assert ids.index("GwTitle") < 3                             # the title starts the page


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="LibreOffice / poppler not installed")
def test_signer_positions_in_libreoffice(tmp_path):
    (pdf,) = _lo_convert(tmp_path, [render_docx(official(signer="林志刚"))])
    boxes = {w: (x0, y0, x1) for page, x0, y0, x1, w in _bbox(pdf) if page == 1}
    number = next(v for k, v in boxes.items() if k.startswith("杭教党容"))
    signer = next(v for k, v in boxes.items() if k.endswith("林志刚"))
    char = 316 / 20                                               # one grid character
    left, right = 28 / 25.4 * 72, (210 - 26) / 25.4 * 72
    assert number[0] == pytest.approx(left + char, abs=1.0)
    assert signer[2] == pytest.approx(right - char, abs=1.5)
    assert number[1] == pytest.approx(signer[1], abs=1.0)         # the same line


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="LibreOffice / poppler not installed")
def test_labeled_paragraph_hangs_under_the_first_name(tmp_path):
    names = "王五、赵六、钱七、孙八、周九、吴十、郑十一、王十二、冯十三、陈十四、褚十五、卫十六"
    doc = Document("minutes", "minutes", "", (LabeledParagraph("出席：", names),),
                   issuer="中共杭州市教育局委员会会议纪要", number="〔2025〕3号")
    data = render_docx(doc)
    p = next(p for p in _open(data).paragraphs if p.text.startswith("出席："))
    ind = p._p.pPr.find(qn("w:ind"))
    assert (ind.get(qn("w:leftChars")), ind.get(qn("w:hangingChars"))) == ("500", "300")
    (pdf,) = _lo_convert(tmp_path, [data])
    rows: dict[float, list] = {}
    for _page, x0, y0, _x1, w in _bbox(pdf):
        rows.setdefault(round(y0), []).append((x0, w))
    lines = [sorted(v) for _, v in sorted(rows.items())]
    k = next(i for i, ws in enumerate(lines) if ws[0][1].startswith("出席"))
    first_x, second_x = lines[k][0][0], lines[k + 1][0][0]
    char = 316 / 20
    assert first_x == pytest.approx(28 / 25.4 * 72 + 2 * char, abs=1.0)       # two in
    assert second_x == pytest.approx(first_x + 3 * char, abs=1.5)              # under 王


def test_bureau_yaml_selects_the_bureaus_shell(tmp_path):
    """A shell edited in Word and named in bureau.yaml (docx_shell) is the one rcmz render fills."""
    from click.testing import CliRunner

    from conftest import CASEFILES
    from toolkit.cli import main

    cases = tmp_path / "casefiles"
    shutil.copytree(CASEFILES, cases)
    with zipfile.ZipFile(DEFAULT_SHELL) as src, zipfile.ZipFile(cases / "本局底稿.docx", "w") as dst:
        for name in src.namelist():
            blob = src.read(name)
            if name == "word/styles.xml":
                blob = blob.replace('eastAsia="仿宋_GB2312"'.encode(), 'eastAsia="本局仿宋"'.encode())
            dst.writestr(name, blob)
    config = cases / "bureau.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "docx_shell: 本局底稿.docx\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(cases / "2025-001-exempt-individual"), "--only",
                                       "decision", "--format", "docx", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    [docx] = (tmp_path / "out").glob("*.docx")
    with zipfile.ZipFile(docx) as made:
        styles = made.read("word/styles.xml").decode("utf-8")
    assert 'eastAsia="本局仿宋"' in styles and 'eastAsia="仿宋_GB2312"' not in styles
