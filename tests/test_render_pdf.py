"""The PDF typesetter, checked on its real output.

Geometry is measured from the PDF itself: the content streams are parsed with pikepdf and every
glyph's box is computed from the font's /Widths, the text matrix, Tc and Tz — independent of the
typesetter's own arithmetic.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from toolkit.render.fonts import default_fontbook
from toolkit.render.linebreak import CANNOT_END, CANNOT_START, atoms, break_lines
from toolkit.render.pdf import grid as P
from toolkit.render.pdf import record_pages, render_pdf, typeset
from toolkit.render.pdf.draw import DASH_HEIGHT
from toolkit.render.pdf.tables import CELL_PAD_H

pytestmark = pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf").exists(),
    reason="free CJK fonts not installed (scripts/ensure-fonts.sh)")

TOL = 0.05  # pt
RARE = "𠮷㵘堃喆"
BODY = ("根据《杭州市教育系统容错免责实施办法（试行）》第六条第（四）项的规定，经局党委会议研究，"
        "决定对张三同志予以容错免责。张三同志在2025年推进GB/T 9704-2012标准落实工作中，积极担当作为，"
        "“敢为人先”；其出发点是为了推动工作、且未谋取私利！")
UNIT40 = "杭州市某某区某某街道某某社区某某学校某某教育集团某某分校某某党支部第一第二联合委"
assert len(UNIT40) == 40


# --------------------------------------------------------------------------------------------
# fixtures and helpers


@pytest.fixture(scope="module")
def fonts():
    return default_fontbook()


@dataclass
class Glyph:
    ch: str
    x0: float
    x1: float
    y: float
    size: float


def _to_unicode(font) -> dict[int, str]:
    out = {}
    if "/ToUnicode" not in font:
        return out
    data = font.ToUnicode.read_bytes().decode("latin-1")
    data = "".join(re.findall(r"beginbfchar(.*?)endbfchar", data, re.S))
    for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", data):
        raw = bytes.fromhex(dst)
        out[int(src, 16)] = raw.decode("utf-16-be")
    return out


def glyphs(data: bytes) -> list[list[Glyph]]:
    """Every glyph of every page with its box along the baseline."""
    pdf = pikepdf.open(io.BytesIO(data))
    pages = []
    for page in pdf.pages:
        res = page.Resources.get("/Font", {})
        info = {}
        for name, font in res.items():
            widths = [float(w) for w in font.Widths]
            info[name] = (int(font.FirstChar), widths, _to_unicode(font))
        out: list[Glyph] = []
        x = y = 0.0
        cs, hs, font, size = 0.0, 1.0, None, 0.0
        for operands, op in pikepdf.parse_content_stream(page):
            op = str(op)
            if op == "Tf":
                font, size = str(operands[0]), float(operands[1])
            elif op == "Tc":
                cs = float(operands[0])
            elif op == "Tz":
                hs = float(operands[0]) / 100
            elif op == "Tm":
                x, y = float(operands[4]), float(operands[5])
            elif op == "Td":
                x, y = x + float(operands[0]), y + float(operands[1])
            elif op == "Tj":
                first, widths, uni = info[font]
                for code in bytes(operands[0]):
                    w = widths[code - first] / 1000 * size
                    out.append(Glyph(uni.get(code, "?"), x, x + w * hs, y, size))
                    x += (w + cs) * hs
            elif op == "TJ":
                raise AssertionError("TJ not expected from the typesetter")
        pages.append(out)
    pdf.close()
    return pages


def lines_of(page: list[Glyph]) -> list[tuple[float, str, list[Glyph]]]:
    rows: dict[float, list[Glyph]] = {}
    for g in page:
        rows.setdefault(round(g.y, 2), []).append(g)
    return [(y, "".join(g.ch for g in sorted(gs, key=lambda g: g.x0)),
             sorted(gs, key=lambda g: g.x0)) for y, gs in sorted(rows.items(), reverse=True)]


def text_of(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "".join(p.extract_text() for p in reader.pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def body_text(data: bytes, *furniture: str) -> str:
    """Extracted text without whitespace, page numbers, footers and repeated headers."""
    text = re.sub(r"—\d+—|第\d+页共\d+页", "", squash(text_of(data)))
    for item in furniture:
        text = text.replace(squash(item), "")
    return text


def official(blocks=None, **kw) -> Document:
    blocks = blocks if blocks is not None else (
        Paragraph("各学校、局属各单位：", "addressee"),
        Paragraph(BODY),
        Paragraph("一、基本情况", "h1"),
        Paragraph("（一）事实经过", "h2"),
        Paragraph(f"申请人张{RARE}同志。" + BODY * 3),
        Paragraph("1.有关情况", "h3"),
        Paragraph("（1）具体情形", "h4"),
        Paragraph(BODY * 2),
        Paragraph("附件：1. 关于张三同志容错免责的调查核实报告（含相关证据材料目录及其说明）",
                  "attachment"),
        Paragraph("2. 听证记录", "attachment"),
        Signature("中共杭州市教育局委员会", "2025年3月1日"),
        Paragraph("（此件公开发布）", "note"),
    )
    args = dict(issuer="中共杭州市教育局委员会", number="杭教党容〔2025〕3号", copy="000001",
                classification="内部", author="中共杭州市教育局委员会", date="2025-03-01",
                record=Record(cc="抄送：市纪委市监委派驻第一纪检监察组，市委组织部。",
                              printer="中共杭州市教育局委员会办公室", date="2025年3月1日印发"))
    args.update(kw)
    return Document("decision", "official", "关于对张三同志容错免责的决定", tuple(blocks), **args)


def hearing_form(big: str) -> Document:
    return Document("hearing-record", "form", "听证笔录", (
        Table((1, 3, 1, 3), (
            (Cell("案由", label=True), Cell("张三同志容错免责申请", colspan=3)),
            (Cell("时间", label=True), Cell("2025年3月1日9时0分至11时30分"),
             Cell("地点", label=True), Cell("局机关第三会议室")),
            (Cell(big, colspan=4),),
            (Cell("被听证人签名", label=True), Cell("", lines=2), Cell("日期", label=True),
             Cell("")),
        ), header_rows=2),
    ), footer="第{page}页 共{pages}页", date="2025-03-01")


def in_block(g: Glyph) -> bool:
    return (P.BLOCK_LEFT - TOL <= g.x0 and g.x1 <= P.BLOCK_RIGHT + TOL
            and P.BLOCK_BOTTOM - TOL <= g.y - 0.12 * g.size
            and g.y + 0.88 * g.size <= P.BLOCK_TOP + TOL)


def is_page_furniture(g: Glyph) -> bool:
    """Page numbers and footers sit below the text block by design."""
    return g.y < P.BLOCK_BOTTOM


# --------------------------------------------------------------------------------------------
# the grid constants


def test_grid_is_exact():
    assert P.CHARS * P.BODY + (P.CHARS - 1) * P.TRACK == pytest.approx(P.BLOCK_W)
    assert P.line_top(P.LINES) == pytest.approx(P.BLOCK_BOTTOM)
    assert P.BLOCK_W == pytest.approx(156 * P.MM) and P.BLOCK_H == pytest.approx(225 * P.MM)
    assert P.BLOCK_LEFT == pytest.approx(28 * P.MM)
    assert P.PAGE_H - P.BLOCK_TOP == pytest.approx(37 * P.MM)


# --------------------------------------------------------------------------------------------
# text, fonts, metadata


def test_text_extraction_contains_source_text(fonts):
    doc = official()
    data = render_pdf(doc, fonts)
    text = body_text(data)
    for part in doc.text().split("\n"):
        assert squash(part) in text, part
    assert RARE in text


def test_every_font_embedded_and_no_helvetica(fonts):
    data = render_pdf(official(), fonts)
    pdf = pikepdf.open(io.BytesIO(data))
    seen = 0
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font":
            seen += 1
            assert obj.Subtype == "/TrueType"
            assert "Helvetica" not in str(obj.BaseFont)
            assert "/FontFile2" in obj.FontDescriptor
            assert re.match(r"^[A-Z]{6}\+", str(obj.BaseFont)[1:])   # a subset
    assert seen >= 3
    for page in pdf.pages:
        assert "/Trans" not in page.obj
        for font in page.Resources.Font.values():
            assert "/FontFile2" in font.FontDescriptor
    assert b"Helvetica" not in data
    info = pypdf.PdfReader(io.BytesIO(data)).metadata
    assert info.title == "关于对张三同志容错免责的决定"
    assert info.author == "中共杭州市教育局委员会"
    assert info["/CreationDate"].startswith("D:20250301")


def test_streams_are_deflated_by_zlib_ng(fonts):
    """The font subsets, most of a PDF's bytes, are FlateDecode streams compressed by zlib-ng at
    level 6 (render/fonts.py: half the time of the system zlib)."""
    from zlib_ng import zlib_ng

    pdf = pikepdf.open(io.BytesIO(render_pdf(official(), fonts)))
    programs = [obj.FontDescriptor.FontFile2 for obj in pdf.objects
                if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"]
    assert programs
    for program in programs:
        assert list(program.Filter) == ["/FlateDecode"]
        plain = program.read_bytes()
        assert plain[:4] == b"\x00\x01\x00\x00"   # a TrueType program
        assert program.read_raw_bytes() == zlib_ng.compress(plain, 6)


def test_byte_identical_renders(fonts):
    doc = official()
    assert render_pdf(doc, fonts) == render_pdf(doc, fonts)
    form = hearing_form("内容" * 500)
    assert render_pdf(form, fonts) == render_pdf(form, fonts)


def test_character_no_font_has_raises(fonts):
    doc = official((Paragraph("申请人张\U0010FFFD同志"),))
    with pytest.raises(RenderError) as err:
        render_pdf(doc, fonts)
    assert "U+10FFFD" in err.value.message and "正文第1段" in err.value.message


def test_adversarial_text_and_long_unit_name(fonts):
    nasty = "<script>alert('x')</script> & &amp; <b>粗</b> {{ 7*7 }} %s \\n"
    doc = official((Paragraph(nasty), Paragraph(UNIT40 + "：", "addressee"),
                    Signature(UNIT40, "2025年12月31日")),
                   issuer=UNIT40, number="杭教党容〔2025〕12号")
    doc = Document(doc.key, doc.layout, "关于" + UNIT40 + "容错免责申请的决定", doc.blocks,
                   issuer=UNIT40, number=doc.number, date="2025-12-31", record=doc.record)
    data = render_pdf(doc, fonts)
    text = squash(text_of(data))
    assert squash(nasty) in text
    assert text.count(UNIT40) >= 3
    for page in glyphs(data):
        for g in page:
            if not is_page_furniture(g):
                assert in_block(g), g


# --------------------------------------------------------------------------------------------
# geometry


def test_all_text_inside_the_block_and_on_the_grid(fonts):
    data = render_pdf(official(), fonts)
    pages = glyphs(data)
    assert len(pages) >= 2
    for page in pages:
        for g in page:
            if not is_page_furniture(g):
                assert in_block(g), g


def test_full_body_page_holds_22_lines_of_28(fonts):
    para = "一二三四五六七八九十" * 200
    doc = Document("t", "form", "", (Paragraph(para, "plain"),))
    pages = glyphs(render_pdf(doc, fonts))
    assert len(pages) >= 3
    body = [(y, t, gs) for y, t, gs in lines_of(pages[1]) if y > P.BLOCK_BOTTOM]
    assert len(body) == 22
    for k, (y, t, gs) in enumerate(body):
        assert len(t) == 28
        assert gs[0].x0 == pytest.approx(P.BLOCK_LEFT, abs=TOL)
        assert gs[-1].x1 == pytest.approx(P.BLOCK_RIGHT, abs=TOL)
        assert y == pytest.approx(P.baseline(k), abs=0.01)
    # the last line's em box ends on the block's bottom edge region
    assert body[-1][0] - 0.12 * P.BODY >= P.BLOCK_BOTTOM - TOL
    # 28 characters of a line sit on the character pitch
    xs = [g.x0 for g in body[0][2]]
    assert all(b - a == pytest.approx(P.CHAR_PITCH, abs=0.01) for a, b in zip(xs, xs[1:], strict=False))


def test_body_indent_two_characters(fonts):
    doc = Document("t", "form", "", (Paragraph("一二三四五六七八九十" * 5),))
    first = lines_of(glyphs(render_pdf(doc, fonts))[0])[0][2]
    assert first[0].x0 == pytest.approx(P.BLOCK_LEFT + 2 * P.CHAR_PITCH, abs=TOL)


def test_page_numbers_odd_right_even_left(fonts):
    doc = Document("t", "form", "", (Paragraph("一二三四五六七八九十" * 200, "plain"),))
    pages = glyphs(render_pdf(doc, fonts))
    for n, page in enumerate(pages, start=1):
        nums = [g for g in page if g.y < P.BLOCK_BOTTOM]
        label = "".join(g.ch for g in nums)
        assert label == f"— {n} —"
        assert all(g.size == 14 for g in nums)
        dash_mid = nums[0].y + DASH_HEIGHT * 14
        assert P.BLOCK_BOTTOM - dash_mid == pytest.approx(7 * P.MM, abs=0.5)
        if n % 2:
            assert nums[-1].x1 == pytest.approx(P.BLOCK_RIGHT - 14, abs=TOL)
        else:
            assert nums[0].x0 == pytest.approx(P.BLOCK_LEFT + 14, abs=TOL)


def test_official_header_positions(fonts):
    data = render_pdf(official(), fonts)
    page = glyphs(data)[0]
    rows = lines_of(page)
    mast = [g for g in page if g.size > 30]
    assert "".join(g.ch for g in mast) == "中共杭州市教育局委员会"
    top = mast[0].y + 0.88 * mast[0].size
    assert P.BLOCK_TOP - top == pytest.approx(35 * P.MM, abs=0.1)
    assert min(g.x0 for g in mast) >= P.BLOCK_LEFT - TOL
    assert max(g.x1 for g in mast) <= P.BLOCK_RIGHT + TOL
    texts = [t for _, t, _ in rows]
    assert texts[0] == "000001" and texts[1] == "内部"
    number = next(gs for _, t, gs in rows if t == "杭教党容〔2025〕3号")
    centre = (number[0].x0 + number[-1].x1) / 2
    assert centre == pytest.approx((P.BLOCK_LEFT + P.BLOCK_RIGHT) / 2, abs=0.5)
    title = next(gs for _, t, gs in rows if t == "关于对张三同志容错免责的决定")
    assert title[0].size == 22
    assert (title[0].x0 + title[-1].x1) / 2 == pytest.approx(
        (P.BLOCK_LEFT + P.BLOCK_RIGHT) / 2, abs=0.5)
    # the red separator line 4 mm below the 发文字号
    pdf = pikepdf.open(io.BytesIO(data))
    ops = list(pikepdf.parse_content_stream(pdf.pages[0]))
    reds = [i for i, (o, op) in enumerate(ops) if str(op) == "RG" and float(o[0]) == 1
            and float(o[1]) == 0]
    assert reds
    line = next(o for o, op in ops[reds[0]:] if str(op) == "m")
    assert float(line[1]) == pytest.approx(number[0].y - 0.12 * 16 - 4 * P.MM, abs=0.1)


def test_signature_block_positions(fonts):
    doc = official((Paragraph(BODY), Signature("中共杭州市教育局委员会", "2025年3月1日")),
                   record=None)
    rows = lines_of([g for g in glyphs(render_pdf(doc, fonts))[0] if g.size == 16])
    org = next(gs for _, t, gs in rows if t == "中共杭州市教育局委员会")
    date = next(gs for _, t, gs in rows if t == "2025年3月1日")
    assert org[-1].x1 == pytest.approx(P.BLOCK_RIGHT - 2 * P.CHAR_PITCH, abs=TOL)
    assert date[0].x0 == pytest.approx(org[0].x0 + 2 * P.CHAR_PITCH, abs=TOL)
    assert org[0].y - date[0].y == pytest.approx(P.LINE_PITCH, abs=0.01)
    sealed = official((Paragraph(BODY), Signature("中共杭州市教育局委员会", "2025年3月1日", seal=True)),
                      record=None)
    rows = lines_of([g for g in glyphs(render_pdf(sealed, fonts))[0] if g.size == 16])
    date = next(gs for _, t, gs in rows if t == "2025年3月1日")
    assert date[-1].x1 == pytest.approx(P.BLOCK_RIGHT - 4 * P.CHAR_PITCH, abs=TOL)


def test_record_on_last_page_bottom(fonts):
    data = render_pdf(official(), fonts)
    pages = glyphs(data)
    rows = lines_of(pages[-1])
    printed = next((y, gs) for y, t, gs in rows if t.startswith("中共杭州市教育局委员会办公室"))
    assert printed[0] == pytest.approx(P.baseline(P.LINES - 1, 14), abs=0.01)
    assert printed[1][-1].x1 == pytest.approx(P.BLOCK_RIGHT - 14, abs=TOL)
    assert printed[1][0].x0 == pytest.approx(P.BLOCK_LEFT + 14, abs=TOL)
    assert all(not t.startswith("抄送") for p in pages[:-1] for _, t, _ in lines_of(p))


def test_no_line_starts_with_closing_or_ends_with_opening(fonts):
    text = ("关于“容错”的问题，（一）、《办法》：“如何？”！……——" * 30 + "。") * 3
    doc = Document("t", "form", "", (Paragraph(text), Paragraph(text, "plain")))
    for page in glyphs(render_pdf(doc, fonts)):
        for y, t, gs in lines_of(page):
            if y < P.BLOCK_BOTTOM:
                continue
            assert t[0] not in CANNOT_START, t
            assert t[-1] not in CANNOT_END, t
            assert gs[-1].x1 <= P.BLOCK_RIGHT + TOL and gs[0].x0 >= P.BLOCK_LEFT - TOL


# --------------------------------------------------------------------------------------------
# layouts


def test_letter_layout(fonts):
    doc = Document("feedback", "letter", "关于张三同志容错免责申请处理结果的函",
                   (Paragraph("某某学校党委：", "addressee"), Paragraph(BODY * 8),
                    Signature("中共杭州市教育局委员会", "2025年3月12日", seal=True)),
                   issuer="中共杭州市教育局委员会", number="杭教党容函〔2025〕7号",
                   date="2025-03-12")
    data = render_pdf(doc, fonts)
    pages = glyphs(data)
    assert len(pages) >= 2
    first = pages[0]
    mast = [g for g in first if g.size > 30]
    assert P.PAGE_H - (mast[0].y + 0.88 * mast[0].size) == pytest.approx(30 * P.MM, abs=0.1)
    assert not [g for g in first if g.y < P.BLOCK_BOTTOM]          # no page number on page 1
    assert "".join(g.ch for g in pages[1] if g.y < P.BLOCK_BOTTOM) == "— 2 —"
    number = next(gs for _, t, gs in lines_of(first) if t == "杭教党容函〔2025〕7号")
    assert number[-1].x1 == pytest.approx(P.BLOCK_RIGHT, abs=TOL)
    # two red double lines of 170 mm
    pdf = pikepdf.open(io.BytesIO(data))
    moves = [(float(o[0]), float(o[1])) for o, op in pikepdf.parse_content_stream(pdf.pages[0])
             if str(op) in ("m", "l")]
    assert sum(1 for a, b in zip(moves[::2], moves[1::2], strict=True)
               if b[0] - a[0] == pytest.approx(170 * P.MM, abs=0.01)) == 4
    assert any(a[1] == pytest.approx(20 * P.MM, abs=0.01) for a in moves)


def test_minutes_layout_labels_in_heiti(fonts):
    doc = Document("minutes", "minutes", "", (
        LabeledParagraph("出席：", "王五、赵六、钱七、孙八、周九、吴十、郑十一、王十二、冯十三、陈十四"),
        LabeledParagraph("请假：", "李四"),
        LabeledParagraph("列席：", "组织处、纪检组"),
        Paragraph(BODY)), issuer="中共杭州市教育局委员会会议纪要", number="〔2025〕3号")
    data = render_pdf(doc, fonts)
    text = squash(text_of(data))
    assert "出席：王五" in text and "请假：李四" in text
    pdf = pikepdf.open(io.BytesIO(data))
    page = pdf.pages[0]
    heiti = {str(n) for n, f in page.Resources.Font.items() if "Hei" in str(f.BaseFont)}
    assert heiti
    rows = lines_of(glyphs(data)[0])
    att = [gs for _, t, gs in rows if t.startswith("出席：")][0]
    cont = rows[[t for _, t, _ in rows].index(att and "".join(g.ch for g in att)) + 1][2]
    assert cont[0].x0 == pytest.approx(att[3].x0, abs=TOL)   # hangs under the first name


def test_form_table_big_cell_continues_with_header(fonts):
    big = "听证中，申请人陈述：" + "本人在工作中始终坚持原则，积极推进改革，出现失误系因客观条件所限。" * 152
    assert len(big) >= 5000
    data = render_pdf(hearing_form(big), fonts)
    pages = glyphs(data)
    assert len(pages) >= 4
    for n, page in enumerate(pages, start=1):
        rows = lines_of(page)
        texts = [t for _, t, _ in rows]
        assert texts[0 if n > 1 else 1].startswith("案由")        # header repeated
        assert f"第{n}页共{len(pages)}页" == squash(texts[-1])
        for g in page:
            if not is_page_furniture(g):
                assert in_block(g), g
        assert "— " not in "".join(texts)          # the footer replaces the page number
    text = body_text(data, "案由张三同志容错免责申请", "时间2025年3月1日9时0分至11时30分地点局机关第三会议室")
    assert squash(big) in text
    assert "被听证人签名" in text


def test_table_cells_stay_in_their_columns(fonts):
    doc = hearing_form("内容" * 30)
    data = render_pdf(doc, fonts)
    page = glyphs(data)[0]
    x1 = P.BLOCK_LEFT + P.BLOCK_W / 8
    label = [g for g in page if g.ch in "案由"]
    assert all(P.BLOCK_LEFT < g.x0 and g.x1 < x1 for g in label)


def test_page_break_and_empty_document(fonts):
    doc = Document("t", "form", "标题", (Paragraph("甲"), PageBreak(), Paragraph("乙")))
    pages = glyphs(render_pdf(doc, fonts))
    assert len(pages) == 2
    assert render_pdf(Document("t", "form", "", ()), fonts).startswith(b"%PDF")


# --------------------------------------------------------------------------------------------
# the line breaker alone

W = P.BLOCK_W


def _w(text):
    return [8.0 if ord(c) < 0x2000 else 16.0 for c in text]


def test_push_in_squeezes_a_closing_mark_into_the_line():
    # 27 characters with three commas and a closing mark at position 29: push-in is allowed
    text = "一二三，四五六，七八九，一二三四五六七八九十一二三四五六。后面"
    lines = break_lines(text, _w(text), W, tracking=P.TRACK, push_in=True)
    assert lines[0].text.endswith("。")
    assert lines[0].extent == pytest.approx(W)
    assert lines[1].text == "后面"


def test_push_out_by_default_as_word_and_libreoffice_do():
    # the same line: by default the character before the mark goes down with it (推出)
    text = "一二三，四五六，七八九，一二三四五六七八九十一二三四五六。后面"
    lines = break_lines(text, _w(text), W, tracking=P.TRACK)
    assert lines[0].text.endswith("五")
    assert lines[1].text == "六。后面"
    assert lines[0].extent == pytest.approx(W)


def test_push_out_when_squeezing_is_not_enough():
    text = "一二三四五六七八九十" * 2 + "一二三四五六七八，九十"
    lines = break_lines(text, _w(text), W, tracking=P.TRACK)
    assert lines[0].text == "一二三四五六七八九十" * 2 + "一二三四五六七"
    assert lines[1].text.startswith("八，")
    assert lines[0].extent == pytest.approx(W)   # justified


def test_latin_runs_are_kept_together():
    text = "一二三四五六七八九十" * 2 + "一二三四五六GB/T 9704-2012标准"
    lines = break_lines(text, _w(text), W, tracking=P.TRACK)
    joined = [ln.text for ln in lines]
    assert any(t.endswith("GB/T") for t in joined) or any(t.startswith("GB/T") for t in joined)
    assert all("970" not in t or "9704-2012" in t for t in joined)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="一二三四五六七八九十甲乙丙丁，。、；：？！）》」』”’…—·〕%（《「『“‘〔ab12 ",
               min_size=1, max_size=300),
       st.sampled_from([0.0, 2 * P.CHAR_PITCH]))
def test_breaker_properties(text, indent):
    widths = _w(text)
    lines = break_lines(text, widths, W, first_indent=indent, tracking=P.TRACK)
    starts = {a for a, _ in atoms(text)}
    for k, line in enumerate(lines):
        assert line.indent + line.extent <= W + 1e-6
        visible = line.text.lstrip()
        if k and visible and visible[0] in CANNOT_START:
            # only where one unbreakable run (a chain of marks) is longer than a line
            assert line.start not in starts or not text[:line.start].strip()
        if k + 1 < len(lines) and line.text:
            if line.text[-1] in CANNOT_END:
                assert line.end not in starts or line.end == len(text)
    assert "".join(ln.text for ln in lines).replace(" ", "") == text.replace(" ", "")


def test_two_line_title_is_a_trapezoid(fonts):
    title = "关于对杭州市某某区某某学校张三同志容错免责申请的认定决定"
    doc = Document("t", "form", title, (Paragraph("正文"),))
    rows = [(t, gs) for _, t, gs in lines_of(glyphs(render_pdf(doc, fonts))[0])
            if gs[0].size == 22]
    assert len(rows) == 2 and rows[0][0] + rows[1][0] == title
    w = [gs[-1].x1 - gs[0].x0 for _, gs in rows]
    assert w[0] <= w[1] + TOL
    for _, gs in rows:
        assert (gs[0].x0 + gs[-1].x1) / 2 == pytest.approx((P.BLOCK_LEFT + P.BLOCK_RIGHT) / 2,
                                                            abs=0.5)


def test_joint_issuers_are_stacked(fonts):
    doc = official((Paragraph("正文"),), issuer="中共杭州市教育局委员会\n杭州市教育局", record=None)
    page = glyphs(render_pdf(doc, fonts))[0]
    rows = lines_of([g for g in page if g.size > 30])
    assert [t for _, t, _ in rows] == ["中共杭州市教育局委员会", "杭州市教育局"]


# --------------------------------------------------------------------------------------------
# justification: no gaping lines


def _gaps(gs: list[Glyph]) -> list[float]:
    return [b.x0 - a.x1 for a, b in zip(gs, gs[1:], strict=False)]


MAX_GAP = P.TRACK + 0.25 * P.BODY + TOL      # grid spacing plus a quarter em


def _body_rows(text: str, fonts) -> list:
    """(line text, glyphs) of the text-block lines of a one-paragraph form."""
    doc = Document("t", "form", "", (Paragraph(text),))
    return [(t, gs) for _, t, gs in lines_of(glyphs(render_pdf(doc, fonts))[0])
            if gs[0].y > P.BLOCK_BOTTOM]


def test_long_number_breaks_after_its_hyphen(fonts):
    # 18 + 2 characters, then a 13-character run that does not fit the 6 ems left on the line
    rows = _body_rows("一二三四五六七八九十一二三四五六七八电话0571-87000001，请来电联系。", fonts)
    assert rows[0][0].endswith("0571-") and rows[1][0].startswith("87000001")
    assert rows[0][1][-1].x1 == pytest.approx(P.BLOCK_RIGHT, abs=TOL)       # still justified
    for _, gs in rows:
        assert max(_gaps(gs)) <= MAX_GAP


def test_unbreakable_run_leaves_a_ragged_line_not_a_spread_one(fonts):
    rows = _body_rows("一二三四五六七八九十一二三四五六七八编号12345678901234，请核对。", fonts)
    assert rows[0][0].endswith("编号") and rows[1][0].startswith("12345678901234")
    first = rows[0][1]
    assert all(g == pytest.approx(P.TRACK, abs=0.01) for g in _gaps(first))  # grid spacing
    assert first[-1].x1 < P.BLOCK_RIGHT - 5 * P.BODY
    for _, gs in rows:
        assert max(_gaps(gs)) <= MAX_GAP


def test_cell_lines_are_justified_only_when_nearly_full(fonts):
    short = "一二三四五六七八九十" * 2 + "ABCDEFGHIJKL"      # 20 characters, then a long run
    full = "一二三四五六七八九十" * 4
    doc = Document("t", "form", "", (Table((1, 3), (
        (Cell("甲", label=True), Cell(short)),
        (Cell("乙", label=True), Cell(full)))),))
    page = glyphs(render_pdf(doc, fonts))[0]
    inner_right = P.BLOCK_RIGHT - CELL_PAD_H
    rows = [gs for _, t, gs in lines_of([g for g in page if g.x0 > P.BLOCK_LEFT + P.BLOCK_W / 4])]
    ragged = next(gs for gs in rows if "".join(g.ch for g in gs).endswith("十一二三四五六七八九十"))
    assert all(g == pytest.approx(0.0, abs=0.01) for g in _gaps(ragged))
    assert ragged[-1].x1 < inner_right - P.SMALL
    spread = next(gs for gs in rows if len(gs) == 22)
    assert spread[-1].x1 == pytest.approx(inner_right, abs=TOL)
    for gs in rows:
        assert max(_gaps(gs)) <= 0.25 * P.SMALL + TOL


def test_breaker_splits_runs_only_after_hyphen_or_slash():
    text = "一二三四五六七八九十" * 2 + "网址http://example.org/a/b/c/d/e/f/g说明"
    lines = break_lines(text, _w(text), W, tracking=P.TRACK)
    assert lines[0].text.endswith("/") or lines[0].text.endswith("网址")
    assert "".join(ln.text for ln in lines) == text
    # a run wider than a line is cut after a slash where it can be
    run = "abc/" + "d" * 60 + "/efgh"
    lines = break_lines(run, _w(run), W)
    assert lines[0].text.endswith("/")


# --------------------------------------------------------------------------------------------
# pagination: signature with the text, keep-with-next


def page_rows(data: bytes) -> list[list[tuple[float, str]]]:
    """Per page, the rows of text inside the text block (no page numbers), top to bottom."""
    return [[(y, t) for y, t, gs in lines_of(page) if y > P.BLOCK_BOTTOM]
            for page in glyphs(data)]


def _plain(ch: str, lines: int) -> Paragraph:
    return Paragraph(ch * (P.CHARS * lines), "plain")


def test_signature_lacking_three_rows_tightens_its_page(fonts):
    # 19 + 2 + 1 lines fill the page: the blank line, 署名 and date lack three rows — the page
    # is set on 25 lines (7.3.5.5, closer lines), from the grid's first baseline, evenly
    doc = Document("t", "form", "", (_plain("甲", 19), _plain("乙", 2), Paragraph("特此通知。"),
                                     Signature("中共杭州市教育局委员会", "2025年3月1日")))
    pages = page_rows(render_pdf(doc, fonts))
    assert len(pages) == 1
    ys = [y for y, _ in pages[0]]
    assert ys[0] == pytest.approx(P.baseline(0), abs=0.01)
    pitch = P.LINE_PITCH * 22 / 25
    rows = [(ys[0] - y) / pitch for y in ys]
    assert rows == pytest.approx(list(range(22)) + [23, 24], abs=0.01)


def test_signature_takes_the_last_lines_of_the_text_along(fonts):
    # 19 + 2 + 1 lines fill the page: the two blank lines of the seal, 署名 and date lack four
    # rows, more than closer lines make up
    doc = Document("t", "form", "", (_plain("甲", 19), _plain("乙", 2), Paragraph("特此通知。"),
                                     Signature("中共杭州市教育局委员会", "2025年3月1日", seal=True)))
    pages = page_rows(render_pdf(doc, fonts))
    assert len(pages) == 2
    second = [t for _, t in pages[1]]
    assert second == ["乙" * 28, "乙" * 28, "特此通知。", "中共杭州市教育局委员会", "2025年3月1日"]
    assert [t for _, t in pages[0]] == ["甲" * 28] * 19
    ys = [y for y, _ in pages[1]]
    assert ys[0] == pytest.approx(P.baseline(0), abs=0.01)       # moved to the top of the page
    assert ys[3] == pytest.approx(P.baseline(5), abs=0.01)       # two blank lines above 署名


def test_signature_with_a_seal_and_note_keeps_together(fonts):
    # 21 lines: blank ×2, 署名, date and the 附注 need five lines, one is left
    doc = Document("t", "form", "", (_plain("甲", 21), Signature("中共杭州市教育局委员会",
                                     "2025年3月1日", seal=True), Paragraph("（此件公开发布）", "note")))
    pages = page_rows(render_pdf(doc, fonts))
    assert [t for _, t in pages[1]] == ["甲" * 28] * 2 + ["中共杭州市教育局委员会", "2025年3月1日",
                                                          "（此件公开发布）"]
    assert len(pages[0]) == 19


def test_lead_in_line_is_not_left_at_the_bottom(fonts):
    # 此致 would be the last line of page 1 and the 机关 the first of page 2
    doc = Document("t", "form", "", (_plain("甲", 21), Paragraph("此致"),
                                     Paragraph("中共杭州市教育局委员会", "plain"),
                                     Paragraph("申请人（签名）：张三", "right"),
                                     Paragraph("2025年3月1日", "right")))
    pages = page_rows(render_pdf(doc, fonts))
    assert [t for _, t in pages[1]] == ["甲" * 28] * 2 + ["此致", "中共杭州市教育局委员会",
                                                          "申请人（签名）：张三", "2025年3月1日"]
    assert pages[0][-1][1] == "甲" * 28


def test_heading_is_never_the_last_line_of_a_page(fonts):
    table = Table((1, 3), ((Cell("项目", label=True), Cell("内容", label=True)),
                           (Cell("甲", label=True), Cell("长" * 70)),), header_rows=1)
    # a box for handwriting that goes whole to the next page (听证经过 of a hearing not yet
    # recorded) takes its heading along too
    box = Table((1,), ((Cell("", lines=14),),))
    for blocks in [(_plain("甲", 21), Paragraph("一、基本情况", "h1"), Paragraph("乙" * 60)),
                   (_plain("甲", 20), Paragraph("（一）表格", "h2"), table),
                   (_plain("甲", 12), Paragraph("听证经过", "h1"), box)]:
        pages = page_rows(render_pdf(Document("t", "form", "", blocks), fonts))
        assert len(pages) == 2
        heading = blocks[1].text
        assert pages[0][-1][1] == "甲" * 28
        assert pages[1][0][1] == heading
        assert pages[1][0][0] == pytest.approx(P.baseline(0), abs=0.01)


def _check_pagination(doc: Document, data: bytes) -> None:
    """No heading or lead-in line ends a page; each signature's page holds its 署名 and date and
    at least two lines of text above them."""
    from toolkit.render.linebreak import is_lead_in
    pages = page_rows(data)
    keep = {squash(b.text) for b in doc.blocks if isinstance(b, Paragraph)
            and (b.style in ("h1", "h2", "h3", "h4") or is_lead_in(b.text))}
    for n, rows in enumerate(pages[:-1], start=1):
        if rows:
            assert squash(rows[-1][1]) not in keep, (doc.key, n, rows[-1][1])
    for sig in (b for b in doc.blocks if isinstance(b, Signature)):
        hits = [(n, k) for n, rows in enumerate(pages) for k, (_, t) in enumerate(rows)
                if t == sig.date]
        assert len(hits) == 1, (doc.key, sig.date)
        n, k = hits[0]
        rows = [t for _, t in pages[n]]
        above = rows[:k]
        if sig.org:
            assert sig.org in "".join(above[-3:]), (doc.key, sig.org)     # same page
            above = above[:len(above) - 1 - (len(sig.org) > P.CHARS - 2)]
        assert len(above) >= 2, (doc.key, n, rows)


@pytest.mark.parametrize("case", ["2025-001-exempt-individual", "2025-002-refused-unit",
                                  "2025-003-hearing-deferral"])
def test_example_cases_paginate_cleanly(fonts, case):
    from toolkit.case.load import load_case
    from toolkit.config import load_config
    from toolkit.documents.compose import compose_all
    from toolkit.paths import PROJECT_ROOT
    folder = PROJECT_ROOT / "casefiles" / case
    if not folder.is_dir():
        pytest.skip("example case not present")
    docs = compose_all(load_case(folder), load_config(folder))
    assert docs
    for doc in docs:
        _check_pagination(doc, render_pdf(doc, fonts))


# --------------------------------------------------------------------------------------------
# consecutive tables join


def boxes(data: bytes) -> list[list[tuple[float, float, float, float]]]:
    """Per page, the rectangles drawn (x, y, w, h): the table cells."""
    pdf = pikepdf.open(io.BytesIO(data))
    out = [[tuple(float(v) for v in o) for o, op in pikepdf.parse_content_stream(page)
            if str(op) == "re"] for page in pdf.pages]
    pdf.close()
    return out


def test_consecutive_tables_join_without_a_gap(fonts):
    first = Table((1, 1), ((Cell("甲", label=True), Cell("一行")),
                           (Cell("乙", label=True), Cell("两行\n" * 2 + "长" * 40))))
    second = Table((1, 2, 1), ((Cell("项目", label=True, colspan=3),),
                               (Cell("丙"), Cell("丁"), Cell("戊"))), header_rows=1)
    doc = Document("t", "form", "表", (first, second, second, Paragraph("以下空白")))
    data = render_pdf(doc, fonts)
    page = boxes(data)[0]
    spans = sorted({(round(y + h, 3), round(y, 3)) for _, y, _, h in page}, reverse=True)
    # the rows follow each other without a gap: each row's top is the previous row's bottom
    tops = sorted({t for t, _ in spans}, reverse=True)
    bottoms = {b for _, b in spans}
    assert all(t in bottoms for t in tops[1:])
    assert len({round(w, 1) for x, y, w, h in page}) >= 3            # both tables are there
    # the paragraph after the tables is back on the grid
    rows = lines_of(glyphs(data)[0])
    after = next(y for y, t, _ in rows if t == "以下空白")
    k = round((P.line_top(0) - P.LINE_PITCH - after) / P.LINE_PITCH)
    assert after == pytest.approx(P.baseline(k), abs=0.01)
    assert after < min(y for _, y, _, _ in page)


# --------------------------------------------------------------------------------------------
# 签发人 of an upward document


def runs_with_fonts(data: bytes, page_no: int = 0) -> list[tuple[str, str]]:
    """(BaseFont, text) of every text run (Tj) on a page."""
    pdf = pikepdf.open(io.BytesIO(data))
    page = pdf.pages[page_no]
    fonts_ = {str(k): (str(v.BaseFont), _to_unicode(v)) for k, v in page.Resources.Font.items()}
    out, font = [], None
    for operands, op in pikepdf.parse_content_stream(page):
        if str(op) == "Tf":
            font = str(operands[0])
        elif str(op) == "Tj":
            base, uni = fonts_[font]
            out.append((base, "".join(uni.get(c, "?") for c in bytes(operands[0]))))
    pdf.close()
    return out


def test_signer_beside_the_number(fonts):
    doc = official((Paragraph("正文"), Paragraph("（一）楷体标题", "h2")), signer="林志刚",
                   record=None)
    data = render_pdf(doc, fonts)
    rows = lines_of(glyphs(data)[0])
    y, text, gs = next(r for r in rows if "签发人" in r[1])
    assert text == "杭教党容〔2025〕3号签发人：林志刚"
    number = [g for g in gs if g.x0 < P.BLOCK_LEFT + P.BLOCK_W / 2]
    signer = [g for g in gs if g.x0 > P.BLOCK_LEFT + P.BLOCK_W / 2]
    assert "".join(g.ch for g in number) == "杭教党容〔2025〕3号"
    assert number[0].x0 == pytest.approx(P.BLOCK_LEFT + P.CHAR_PITCH, abs=TOL)   # left, one in
    assert signer[-1].x1 == pytest.approx(P.BLOCK_RIGHT - P.CHAR_PITCH, abs=TOL)  # right, one in
    assert all(g.size == 16 for g in gs)
    # two blank lines below the 发文机关标志, the red rule 4 mm below the line
    mast = [g for g in glyphs(data)[0] if g.size > 30]
    bottom = mast[0].y - 0.12 * mast[0].size
    k = math.ceil((P.BLOCK_TOP - bottom) / P.LINE_PITCH - 1e-4) + 2
    assert y == pytest.approx(P.baseline(k), abs=0.01)
    # 签发人： in 仿宋 (the body's face), the name in 楷体 (the face of a 二级标题)
    face = {t: base for base, t in runs_with_fonts(data)}
    assert face["签发人："] == face["正文"] != face["林志刚"] == face["（一）楷体标题"]
    pdf = pikepdf.open(io.BytesIO(data))
    ops = list(pikepdf.parse_content_stream(pdf.pages[0]))
    red = next(k for k, (o, op) in enumerate(ops) if str(op) == "RG" and float(o[0]) == 1)
    rule = next(o for o, op in ops[red:] if str(op) == "m")
    assert float(rule[1]) == pytest.approx(y - 0.12 * 16 - 4 * P.MM, abs=0.1)


def test_several_signers_stack_and_the_number_takes_the_last_line(fonts):
    doc = official((Paragraph("正文"),), signer="林志刚　吴建华\n赵丽萍", record=None)
    rows = lines_of(glyphs(render_pdf(doc, fonts))[0])
    k = next(n for n, r in enumerate(rows) if r[1].startswith("签发人："))
    assert rows[k][1] == "签发人：林志刚　吴建华"
    assert rows[k + 1][1] == "杭教党容〔2025〕3号赵丽萍"
    assert rows[k + 1][0] == pytest.approx(rows[k][0] - P.LINE_PITCH, abs=0.01)
    first_name = rows[k][2][4]
    assert rows[k + 1][2][-3].x0 == pytest.approx(first_name.x0, abs=TOL)   # under the first name
    assert rows[k + 1][2][0].x0 == pytest.approx(P.BLOCK_LEFT + P.CHAR_PITCH, abs=TOL)


def test_upward_report_template_sets_the_signer(fonts, tmp_path):
    import shutil

    from ruamel.yaml import YAML

    from toolkit.case.load import load_case
    from toolkit.config import load_config
    from toolkit.documents.compose import compose_all
    from toolkit.paths import PROJECT_ROOT
    src = PROJECT_ROOT / "casefiles"
    case = "2025-003-hearing-deferral"
    if not (src / case).is_dir():
        pytest.skip("example case not present")
    shutil.copytree(src / case, tmp_path / case)
    for name in ("bureau.yaml", "holidays.yaml"):
        if (src / name).exists():
            shutil.copy(src / name, tmp_path / name)
    path = tmp_path / case / "04-determination.yaml"
    yaml = YAML()
    data = yaml.load(path)
    up = data["upward_report"]
    up["signer"], up["contact"], up["phone"] = "林志刚", "王小明", "0571-87009999"
    yaml.dump(data, path)
    folder = tmp_path / case
    (doc,) = compose_all(load_case(folder), load_config(folder), only="upward_report")
    assert doc.signer == "林志刚"
    pdf = render_pdf(doc, fonts)
    rows = [t for _, t, _ in lines_of(glyphs(pdf)[0])]
    assert any(t.startswith(squash(doc.number)) and t.endswith("签发人：林志刚") for t in rows)
    assert "（联系人：王小明，联系电话：0571-87009999）" in squash(text_of(pdf))


def test_wrapped_centred_cells_are_balanced(fonts):
    # not a form: its columns keep the widths given (a form's are fitted to the content)
    doc = Document("t", "official", "", (Table((2.4, 11.6), (
        (Cell("被问责事项", label=True), Cell("内容")),
        (Cell("帮助解决的实际困难问题", label=True), Cell("内容")))),))
    page = glyphs(render_pdf(doc, fonts))[0]
    labels = [(t, gs) for _, t, gs in lines_of([g for g in page
                                                 if g.x1 < P.BLOCK_LEFT + P.BLOCK_W / 5])]
    texts = [t for t, _ in labels]
    assert texts[:2] == ["被问责", "事项"]                   # not 被问责事 / 项
    assert texts[2:] == ["帮助解决", "的实际困", "难问题"]     # not 4 + 4 + 3 … + 1
    for _, gs in labels:                                     # each line centred in its cell
        centre = P.BLOCK_LEFT + P.BLOCK_W * 2.4 / 14 / 2
        assert (gs[0].x0 + gs[-1].x1) / 2 == pytest.approx(centre, abs=0.5)


@pytest.mark.parametrize(("lines", "duplex", "pages", "breaks"), [
    (10, True, 2, 1),          # ends on an odd page: the 版记 on the next
    (21, True, 2, 1),          # does not fit below the text
    (22, True, 2, 0),          # the text fills its page: the DOCX's page ends there by itself
    (32, True, 2, 0),          # fits below text that ends on an even page
    (43, True, 4, 2),          # does not fit there: a blank page, then the 版记
    (44, True, 4, 1),          # … and the text fills its page
    (10, False, 1, 0),
    (21, False, 2, 1),
])
def test_record_pages_are_the_docx_breaks_before_the_record(fonts, lines, duplex, pages, breaks):
    """record_pages: the page breaks the DOCX needs before its 版记 to start it on the PDF's
    page — one per page it moved on from the text's last page, less one when the text fills
    that page."""
    doc = Document("t", "form", "", (_plain("甲", lines),),
                   record=Record(cc="市纪委监委。", printer="办公室", date="2025年3月1日"))
    laid = typeset(doc, fonts, duplex)
    assert (len(laid), record_pages(laid)) == (pages, breaks)
