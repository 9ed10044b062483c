"""The archive volume: order, navigation, page numbers, PDF/A, manifest, drafts, bad inputs."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pikepdf
import pikepdf.pdfa as pikepdf_pdfa
import pytest
from pypdf import PdfReader

from test_dossier_support import make_case, make_item_pdf, make_jpeg, page_texts
from toolkit.atomic import TMP_PREFIX
from toolkit.dossier import Attachment, Item, build_dossier, verify_dossier
from toolkit.dossier import manifest as mf
from toolkit.dossier import pdfa as dpdfa
from toolkit.dossier.verify import stamp_text
from toolkit.dossier.vocabulary import STAMP_PREFIX
from toolkit.errors import DossierError

pytest_plugins = ["test_dossier_support"]  # its fixtures: test_cert, signer_config

# item 1: 3 pages; item 2: 2 pages + PNG 1 + JPEG 1 + TIFF 2 + PDF 1; item 3: 1 page
CONTENT_PAGES = 3 + 2 + 1 + 1 + 2 + 1 + 1
STARTS = [1, 4, 11]
ATTACHMENT_STARTS = [6, 7, 8, 10]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("vol")
    spec = make_case(root)
    path = build_dossier(spec, root / "out", None)
    return spec, path


def test_order_and_page_count(built):
    spec, path = built
    assert path.name == "RCMZ-2025-001-案卷.pdf"
    texts = page_texts(path)
    assert len(texts) == 1 + 1 + CONTENT_PAGES + 1
    assert "全宗名称" in texts[0] and "中共某某市某某局委员会" in texts[0]
    assert "Z109-3-12" in texts[0] and "本卷共3件" in texts[0] and f"共{CONTENT_PAGES}页" in texts[0]
    assert "自2025年3月至2025年6月" in texts[0] and "永久" in texts[0] and "内部" in texts[0]
    assert "卷内文件目录" in texts[1]
    assert "启动审批表　正文第1页" in texts[2]
    assert "卷内备考表" in texts[-1] and "立卷人" in texts[-1] and "检查人" in texts[-1]
    assert "2025年9月30日" in texts[-1]


def test_bookmarks_target_start_pages(built):
    _, path = built
    reader = PdfReader(path)
    outline = reader.outline
    tops = [o for o in outline if not isinstance(o, list)]
    titles = [o.title for o in tops]
    assert titles[0] == "案卷封面" and titles[1] == "卷内文件目录" and titles[-1] == "卷内备考表"
    assert titles[2].startswith("1　关于张三同志容错免责申请")
    front = 2
    assert [reader.get_destination_page_number(o) for o in tops[2:-1]] == [front + s - 1 for s in STARTS]
    # attachments nested under item 2
    kids = outline[outline.index(tops[3]) + 1]
    assert isinstance(kids, list)
    assert [k.title for k in kids] == ["附件1　现场照片", "附件2　会议记录扫描件", "附件3　传真件",
                                      "附件4　本人情况说明"]
    assert [reader.get_destination_page_number(k) for k in kids] == \
        [front + s - 1 for s in ATTACHMENT_STARTS]
    assert reader.get_destination_page_number(tops[-1]) == front + CONTENT_PAGES


def test_index_page_numbers_match_actual_pages(built):
    _, path = built
    texts = page_texts(path)
    index = texts[1]
    rows = [ln for ln in index.splitlines()]
    # the 页号 of each entry, the last as a range
    want = ["1", "4", "11"]
    found = re.findall(r"(?<![\d〔-])(\d+(?:-\d+)?)(?![\d〕-])", index)
    pos = 0
    for ref in want:
        pos = found.index(ref, pos) + 1
    # the start page really is the item's first page
    for start, needle in zip(STARTS, ("启动审批表　正文第1页", "调查核实报告　正文第1页",
                                      "认定决定书（签章原件）　正文第1页"), strict=True):
        assert needle in texts[1 + start]
    flat = re.sub(r"\s", "", index)
    assert "签章原件扫描件" in flat and "含附件4份" in flat
    assert rows


def test_index_links_go_to_start_pages(built):
    _, path = built
    with pikepdf.open(path) as pdf:
        ids = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
        annots = [a for a in pdf.pages[1].obj.Annots if a.Subtype == "/Link"]
        targets = [ids[a.Dest[0].objgen] for a in annots]
    assert targets == [1 + s for s in STARTS]


def test_page_labels(built):
    _, path = built
    labels = PdfReader(path).page_labels
    assert labels[0] == "封面" and labels[1] == "目录"
    assert labels[2:2 + CONTENT_PAGES] == [str(n) for n in range(1, CONTENT_PAGES + 1)]
    assert labels[-1] == "备考表"


def test_stamped_page_numbers_by_text_extraction(built):
    _, path = built
    texts = page_texts(path)
    for n in range(1, CONTENT_PAGES + 1):
        tokens = texts[1 + n].split()
        assert str(n) in tokens, (n, texts[1 + n])
    # generated sheets carry no volume page number
    with pikepdf.open(path) as pdf:
        for i in (0, 1, len(pdf.pages) - 1):
            assert stamp_text(pdf.pages[i]) is None
        for n in range(1, CONTENT_PAGES + 1):
            assert stamp_text(pdf.pages[1 + n]) == str(n)


def _times(m, n):
    """The PDF matrix product m × n (apply m, then n)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


def _apply(m, x, y):
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _stamp_on_page(page: pikepdf.Page) -> tuple[list[tuple[str, tuple, tuple]], list[tuple]]:
    """The stamp overlay of ``page`` measured from the PDF: its glyphs as (text, start, end) and
    its filled rectangles as corner pairs, in user space — through the overlay's text matrix,
    its own cm, its /Matrix and the cm the page applies to it."""
    outer = None
    ctm = (1, 0, 0, 1, 0, 0)
    for operands, op in pikepdf.parse_content_stream(page):
        if str(op) == "cm":
            ctm = tuple(float(v) for v in operands)
        elif str(op) == "Do" and str(operands[0]).startswith("/" + STAMP_PREFIX):
            outer, name = ctm, str(operands[0])
    assert outer is not None, "no stamp drawn on the page"
    form = page.obj.Resources.XObject[name]
    base = _times(tuple(float(v) for v in form.get("/Matrix", (1, 0, 0, 1, 0, 0))), outer)
    fonts = form.Resources.Font
    glyphs, rects = [], []
    m, font, size, cs = base, None, 0.0, 0.0
    for operands, op in pikepdf.parse_content_stream(form):
        op = str(op)
        if op == "cm":
            m = _times(tuple(float(v) for v in operands), m)
        elif op == "re":
            x, y, w, h = (float(v) for v in operands)
            rects.append((_apply(m, x, y), _apply(m, x + w, y + h)))
        elif op == "Tm":
            tm = tuple(float(v) for v in operands)
        elif op == "Tf":
            font, size = fonts[str(operands[0])], float(operands[1])
        elif op == "Tc":
            cs = float(operands[0])
        elif op == "Tj":
            x = 0.0
            codes = bytes(operands[0])
            for code in codes:
                x += float(font.Widths[code - int(font.FirstChar)]) / 1000 * size + cs
            x -= cs
            text_to_user = _times(tm, m)
            glyphs.append((codes.decode("latin-1"), _apply(text_to_user, 0, 0),
                           _apply(text_to_user, x, 0)))
    return glyphs, rects


def _displayed_mm(page: pikepdf.Page, point) -> tuple[float, float]:
    """A user-space point as a viewer shows the page: mm from the left and from the top edge."""
    x0, y0, x1, y1 = (float(v) for v in page.cropbox)
    x, y = point
    rot = int(page.obj.get("/Rotate", 0)) % 360
    left, top = {0: (x - x0, y1 - y), 90: (y - y0, x - x0), 180: (x1 - x, y - y0),
                 270: (y1 - y, x1 - x)}[rot]
    return left * 25.4 / 72, top * 25.4 / 72


def _displayed_width_mm(page: pikepdf.Page) -> float:
    x0, y0, x1, y1 = (float(v) for v in page.cropbox)
    rot = int(page.obj.get("/Rotate", 0)) % 360
    return (y1 - y0 if rot in (90, 270) else x1 - x0) * 25.4 / 72


def test_stamp_position_front_right_back_left(built):
    """docs/dossier.md, GB/T 9705: the 页号 of odd pages upper right, of even pages upper left,
    its baseline 11 mm below the top edge, 12 mm from the outer edge, as the page is displayed
    (the scan of item 3 is rotated); its white ground inside the sheets' 20 mm top margin, so
    it covers nothing of a GB/T 9704 document (天头 37 mm)."""
    _, path = built
    with pikepdf.open(path) as pdf:
        for n in range(1, CONTENT_PAGES + 1):
            page = pdf.pages[1 + n]
            glyphs, grounds = _stamp_on_page(page)
            (text, start, end), = glyphs
            assert text == str(n)
            (left, base), (right, base_end) = _displayed_mm(page, start), _displayed_mm(page, end)
            assert left < right and base == pytest.approx(base_end), n          # upright
            assert base == pytest.approx(11, abs=0.05), n
            if n % 2:
                assert _displayed_width_mm(page) - right == pytest.approx(12, abs=0.05), n
            else:
                assert left == pytest.approx(12, abs=0.05), n
            (corner, opposite), = grounds
            (gx0, gy0), (gx1, gy1) = _displayed_mm(page, corner), _displayed_mm(page, opposite)
            assert 0 < min(gy0, gy1) and max(gy0, gy1) < 20, n
            assert min(gx0, gx1) < left and right < max(gx0, gx1), n
        assert int(pdf.pages[1 + 11].obj.get("/Rotate", 0)) == 90      # one page is rotated


def test_pdfa_passes_and_metadata(built):
    spec, path = built
    # pikepdf's own validator, walking every page: the build's check left the scans' content out
    report = pikepdf_pdfa.validate_written(path, dpdfa.FLAVOUR)
    assert report.passed, report.summary()
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3"
        assert meta["dc:title"] == spec.volume_title
        assert meta["dc:identifier"] == "Z109-3-12"
        assert meta["dc:source"] == "RCMZ-2025-001"
        assert "中共某某市某某局委员会" in meta["dc:creator"]
        assert meta["xmp:CreateDate"].startswith("2025-09-30")


def test_manifest_embedded_and_digest_printed(built):
    spec, path = built
    with pikepdf.open(path) as pdf:
        raw = mf.extract(pdf)
        assert pdf.Root.AF[0].AFRelationship == "/Supplement"
    manifest = json.loads(raw)
    assert manifest["rcmz_version"] == "0.1.0" and manifest["git_commit"] == "0123456789abcdef"
    files = {f["path"]: f["sha256"] for f in manifest["files"]}
    for p in spec.sources:
        rel = p.relative_to(spec.source_root).as_posix()
        assert files[rel] == hashlib.sha256(p.read_bytes()).hexdigest()
    assert [it["range"] for it in manifest["items"]] == [[1, 3], [4, 10], [11, 11]]
    digest = hashlib.sha256(raw).hexdigest()
    back = re.sub(r"\s", "", page_texts(path)[-1])
    assert digest in back


def test_images_embedded_without_recompression(built):
    spec, path = built
    jpeg = spec.items[1].attachments[1].path.read_bytes()
    with pikepdf.open(path) as pdf:
        page = pdf.pages[1 + ATTACHMENT_STARTS[1]]
        images = list(page.get_images(recursive=False).values())
        assert images[0].Filter == "/DCTDecode"
        assert images[0].read_raw_bytes() == jpeg
        tiff_page = pdf.pages[1 + ATTACHMENT_STARTS[2]]
        img = list(tiff_page.get_images(recursive=False).values())[0]
        flt = img.Filter
        assert (flt[0] if isinstance(flt, pikepdf.Array) else flt) == "/CCITTFaxDecode"


def test_unsigned_volume_verifies_as_draft_structure(built):
    spec, path = built
    report = verify_dossier(path, (), spec.source_root, require_signature=False)
    assert report.ok, report.text()
    strict = verify_dossier(path, ())
    assert not strict.ok and "本卷没有电子签名" in strict.text()


def test_reproducible_bytes(tmp_path):
    spec = make_case(tmp_path / "a")
    one = build_dossier(spec, tmp_path / "out1", None)
    two = build_dossier(spec, tmp_path / "out2", None)
    assert one.read_bytes() == two.read_bytes()
    # an unsigned volume may be rebuilt in place
    three = build_dossier(spec, tmp_path / "out1", None)
    assert three == one
    assert sorted(p.name for p in (tmp_path / "out1").iterdir()) == [one.name]


def test_long_index_continues_with_header(tmp_path):
    spec = make_case(tmp_path, extra_items=45)
    path = build_dossier(spec, tmp_path / "out", None)
    labels = PdfReader(path).page_labels
    n_index = sum(1 for lb in labels if lb.startswith("目录"))
    assert n_index >= 2
    texts = page_texts(path)
    for k in range(1, 1 + n_index):
        assert "序号" in texts[k] and "题名" in texts[k] and "页号" in texts[k]
    assert labels[1:1 + n_index] == [f"目录{k}" for k in range(1, n_index + 1)]
    report = verify_dossier(path, (), require_signature=False)
    assert report.ok, report.text()
    with pikepdf.open(path) as pdf:
        links = sum(1 for k in range(1, 1 + n_index)
                    for a in pdf.pages[k].obj.get("/Annots", []) if a.Subtype == "/Link")
    assert links == len(spec.items)
    # the last entry shows its page range
    last = 1 + 3 + 1 + 45  # noqa: F841 — documents the count
    assert re.search(r"(?<!\d)(\d+)-\1(?!\d)", texts[n_index]) is None


def test_draft_watermark_and_not_signed(tmp_path, signer_config):  # noqa: F811 — the fixture
    spec = make_case(tmp_path, dirty=True)
    path = build_dossier(spec, tmp_path / "out", signer_config)
    texts = page_texts(path)
    assert all("草稿" in t for t in texts)
    assert "草稿" in texts[-1] and "不得归档" in texts[-1]
    with pikepdf.open(path) as pdf:
        assert "/AcroForm" not in pdf.Root
    report = verify_dossier(path, ())
    assert "本卷没有电子签名" in report.text()


# ------------------------------------------------------------------------------------------------
# refusals


def _encrypted(path: Path) -> Path:
    make_item_pdf(path.with_suffix(".plain.pdf"), 1, "加密件")
    with pikepdf.open(path.with_suffix(".plain.pdf")) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(owner="o", user="u", R=6))
    return path


def _owner_only(path: Path) -> Path:
    make_item_pdf(path.with_suffix(".plain.pdf"), 1, "权限口令件")
    with pikepdf.open(path.with_suffix(".plain.pdf")) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(owner="o", user="", R=6))
    return path


def _cut_pdf(path: Path) -> Path:
    make_item_pdf(path.with_suffix(".full.pdf"), 2, "损坏件")
    data = path.with_suffix(".full.pdf").read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _corrupt(path: Path) -> Path:
    """Ends with its trailer and %%EOF (so only opening it shows the damage), but its
    cross-reference table is garbage."""
    make_item_pdf(path.with_suffix(".full.pdf"), 2, "损坏件")
    data = bytearray(path.with_suffix(".full.pdf").read_bytes())
    table = data.rindex(b"\nxref\n") + 6
    data[table: table + 60] = b"\x00" * 60
    path.write_bytes(bytes(data))
    return path


def _jpeg_named_pdf(path: Path) -> Path:
    make_jpeg(path.with_suffix(".jpg"))
    path.write_bytes(path.with_suffix(".jpg").read_bytes())
    return path


def _truncated_jpeg(path: Path) -> Path:
    make_jpeg(path.with_suffix(".tmp.jpg"))
    data = path.with_suffix(".tmp.jpg").read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _garbled_jpeg(path: Path) -> Path:
    """Starts and ends like a JPEG; the tables and pixels in between are garbage."""
    make_jpeg(path.with_suffix(".tmp.jpg"))
    data = bytearray(path.with_suffix(".tmp.jpg").read_bytes())
    data[20:-200] = b"\x41" * (len(data) - 220)
    path.write_bytes(bytes(data))
    return path


def _cmyk_jpeg(path: Path) -> Path:
    from PIL import Image

    Image.new("CMYK", (400, 300), (0, 50, 100, 0)).save(path, format="JPEG")
    return path


def _docx_named_pdf(path: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    return path


BAD = [
    ("encrypted.pdf", _encrypted, "已加密"),
    ("owner-password.pdf", _owner_only, "已加密"),
    ("corrupt.pdf", _corrupt, "PDF 已损坏"),
    ("cut.pdf", _cut_pdf, "文件不完整"),
    ("scan.pdf", _jpeg_named_pdf, "内容却是JPEG 图像"),
    ("word.pdf", _docx_named_pdf, "内容却是ZIP"),
    ("broken.jpg", _truncated_jpeg, "文件不完整"),
    ("garbled.jpg", _garbled_jpeg, "图像已损坏"),
    # a CMYK JPEG is no longer refused: it is converted (tests/test_renditions.py)
    ("missing.pdf", None, "找不到文件"),
]


@pytest.mark.parametrize("name,make,message", BAD, ids=[b[0] for b in BAD])
def test_bad_attachment_refused_with_its_name(tmp_path, name, make, message):
    spec = make_case(tmp_path, items=2)
    bad = tmp_path / "case" / "att" / name
    if make is not None:
        make(bad)
    items = list(spec.items)
    items[1] = Item(items[1].title, items[1].number, items[1].author, items[1].date, items[1].pdf,
                    attachments=items[1].attachments + (Attachment("有问题的附件", bad),))
    from dataclasses import replace

    spec = replace(spec, items=tuple(items))
    out = tmp_path / "out"
    with pytest.raises(DossierError) as err:
        build_dossier(spec, out, None)
    text = str(err.value.message)
    assert "第2件" in text and "附件5《有问题的附件》" in text and name in text, text
    assert message in text, text
    # nothing left behind: no volume, no temporary files
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())


def test_bad_item_named(tmp_path):
    spec = make_case(tmp_path, items=1)
    bad = _encrypted(tmp_path / "case" / "docs" / "locked.pdf")
    from dataclasses import replace

    spec = replace(spec, items=(replace(spec.items[0], pdf=bad),))
    with pytest.raises(DossierError) as err:
        build_dossier(spec, tmp_path / "out", None)
    assert "第1件《关于张三同志容错免责申请的启动审批表》" in err.value.message
    assert "locked.pdf" in err.value.message


def test_failure_leaves_existing_output_untouched(tmp_path):
    spec = make_case(tmp_path, items=1)
    out = tmp_path / "out"
    first = build_dossier(spec, out, None)
    before = first.read_bytes()
    from dataclasses import replace

    broken = replace(spec, items=(replace(spec.items[0], pdf=tmp_path / "nope.pdf"),))
    with pytest.raises(DossierError):
        build_dossier(broken, out, None)
    assert first.read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.startswith(TMP_PREFIX)]


def test_spec_errors_are_chinese(tmp_path):
    spec = make_case(tmp_path, items=1)
    from dataclasses import replace

    with pytest.raises(DossierError, match="立卷时间"):
        build_dossier(replace(spec, compiled_on="2025-13-01"), tmp_path / "o", None)
    with pytest.raises(DossierError, match="没有任何文件"):
        build_dossier(replace(spec, items=()), tmp_path / "o", None)
    with pytest.raises(DossierError, match="全宗号"):
        build_dossier(replace(spec, fonds_no=" "), tmp_path / "o", None)


def test_verify_reports_changed_source(tmp_path):
    spec = make_case(tmp_path, items=2)
    path = build_dossier(spec, tmp_path / "out", None)
    (spec.source_root / "case.yaml").write_text("case: changed\n", encoding="utf-8")
    (spec.source_root / "new.yaml").write_text("x: 1\n", encoding="utf-8")
    os.remove(spec.source_root / "steps.yaml")
    report = verify_dossier(path, (), spec.source_root, require_signature=False)
    assert not report.ok
    text = report.text()
    assert "case.yaml" in text and "被修改" in text
    assert "steps.yaml" in text and "不存在" in text
    assert "new.yaml" in text


def test_verify_detects_wrong_index_numbers(tmp_path):
    """A volume whose bookmarks and links were moved no longer verifies."""
    spec = make_case(tmp_path, items=2)
    path = build_dossier(spec, tmp_path / "out", None)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        with pdf.open_outline() as outline:
            outline.root[2].destination = pikepdf.Array([pdf.pages[5].obj, pikepdf.Name.Fit])
        pdf.save(path)
    report = verify_dossier(path, (), require_signature=False)
    assert not report.ok
    assert "第1件的书签指向第4页，应为第1页" in report.text()
