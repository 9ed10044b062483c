"""Attachments answered at rcmz check, and archival renditions made by rcmz dossier.

One test per kind the issue names.  Valid files that are not ready for PDF/A — unembedded
standard fonts, CMYK JPEG and TIFF, form fields, EXIF orientations 2/4/5/7, shifted xref offsets —
go into a real volume; each rendition's pages are rendered to PNG (pdftoppm) and compared with the
original rendered the same way (or, for the photos, with the picture as it must be seen), with a
tolerance.  Files that cannot be filed — encrypted, truncated, garbage, empty — are errors at
rcmz check, all at once, each at the line naming it, and refused by rcmz dossier.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import attachment_samples as samples
import pikepdf
import pytest
from conftest import edit
from PIL import Image, ImageChops, ImageStat
from test_dossier_support import make_case, page_texts

from toolkit.attachments import assess
from toolkit.case.load import load_case
from toolkit.dossier import Attachment, build_dossier, verify_dossier
from toolkit.dossier import manifest as mf
from toolkit.errors import DossierError

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("gs") is None,
                                reason="needs poppler-utils and ghostscript (make setup)")

#: name → (how to make it, what rcmz check and the manifest say is done to it)
CONVERTED = {
    "fonts.pdf": (samples.standard_fonts_pdf, "字体未嵌入（Helvetica、Times-Roman），由 Ghostscript 嵌入字体"),
    "cmyk.jpg": (samples.cmyk_jpeg, "CMYK 图像（案卷的输出意图为 sRGB），由 Pillow（ImageCms）经色彩管理转换为 sRGB"),
    "cmyk.tif": (samples.cmyk_tiff, "CMYK 图像（案卷的输出意图为 sRGB），由 Pillow（ImageCms）经色彩管理转换为 sRGB"),
    "form.pdf": (samples.form_pdf, "含可填写的表单域（2 个），由 pikepdf 将表单域的填写内容固定为页面内容（拼合表单）"),
    "shifted.pdf": (samples.shifted_xref_pdf, "交叉引用表的偏移量整体错位 +37 字节（对象完整），由 qpdf 重建交叉引用表"),
    **{f"exif{o}.jpg": (lambda path, o=o: samples.exif_jpeg(path, o),
                        f"EXIF 方向为 {o}（{name}），图像无法原样编入页面，由 Pillow 按 EXIF 方向翻转像素")
       for o, name in ((2, "左右镜像"), (4, "上下镜像"), (5, "沿主对角线翻转"), (7, "沿副对角线翻转"))},
}

#: name → (how to make it, what is wrong with it)
REFUSED = {
    "encrypted.pdf": (samples.encrypted_pdf, "PDF 已加密"),
    "truncated.pdf": (samples.truncated_pdf, "文件不完整"),
    "garbage.pdf": (samples.garbage_pdf, "内容不是可识别的PDF 文档"),
    "empty.pdf": (samples.empty_pdf, "文件是空的（0 字节）"),
}


@pytest.fixture(scope="module")
def volume(tmp_path_factory):
    """A volume whose second item carries one attachment of every convertible kind."""
    root = tmp_path_factory.mktemp("renditions")
    spec = make_case(root, items=2)
    folder = root / "case" / "att"
    made = [make(folder / name) for name, (make, _) in CONVERTED.items()]
    item = spec.items[1]
    items = (spec.items[0], replace(item, attachments=item.attachments
                                    + tuple(Attachment(p.name, p) for p in made)))
    spec = replace(spec, items=items, sources=spec.sources + tuple(made))
    path = build_dossier(spec, root / "out", None)
    pdf = pikepdf.open(path)
    manifest = json.loads(mf.extract(pdf))
    entries = {a["title"]: a for a in manifest["items"][1]["attachments"]}
    front = next(i for i, page in enumerate(pdf.pages) if page.label == "1")
    yield spec, path, pdf, entries, front
    pdf.close()


def render(pdf: Path, page: int, dpi: int = 72) -> Image.Image:
    """Page ``page`` (1-based) of ``pdf`` as poppler draws it."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png",
                        str(pdf), f"{folder}/p"], check=True, capture_output=True)
        return Image.open(next(Path(folder).iterdir())).convert("RGB")


def picture_area(page: Image.Image) -> Image.Image:
    """The image placed on a volume page: the rows and columns that are mostly not paper-white
    (the page-number stamp in the margin is too small to count)."""
    mask = page.convert("L").point(lambda v: 255 if v < 253 else 0)
    width, height = mask.size
    px = mask.load()
    cols = [x for x in range(width) if sum(px[x, y] > 0 for y in range(0, height, 2)) > height // 8]
    rows = [y for y in range(height) if sum(px[x, y] > 0 for x in range(0, width, 2)) > width // 8]
    return page.crop((cols[0], rows[0], cols[-1] + 1, rows[-1] + 1))


def difference(expected: Image.Image, got: Image.Image) -> float:
    """Mean absolute difference per channel, 0–255, after scaling ``got`` to ``expected``."""
    diff = ImageChops.difference(expected.convert("RGB"), got.convert("RGB").resize(expected.size))
    return sum(ImageStat.Stat(diff).mean) / 3


def pages_of(entry: dict, front: int) -> list[int]:
    """1-based indexes in the volume of an attachment's content pages."""
    return [front + page for page in range(entry["pages"][0], entry["pages"][1] + 1)]


def test_rcmz_check_says_how_each_will_be_converted(volume):
    spec, *_ = volume
    for name, (_, said) in CONVERTED.items():
        assessment = assess(spec.source_root / "att" / name)
        assert assessment.problem is None and assessment.text.startswith(said), (name, assessment)


@pytest.mark.parametrize("name", [n for n in CONVERTED if n.endswith(".pdf")])
def test_a_pdf_rendition_looks_like_its_original_page_by_page(volume, name):
    spec, path, pdf, entries, front = volume
    original = spec.source_root / "att" / name
    entry = entries[name]
    assert entry["rendition"]["conversions"][0] == CONVERTED[name][1]
    with pikepdf.open(original) as source:
        assert len(source.pages) == entry["pages"][1] - entry["pages"][0] + 1
    for k, page in enumerate(pages_of(entry, front), 1):
        assert difference(render(original, k), render(path, page)) < 1.0, (name, k)


def test_fonts_are_embedded_and_the_text_still_extractable(volume):
    spec, path, pdf, entries, front = volume
    first = pages_of(entries["fonts.pdf"], front)[0]
    page = pdf.pages[first - 1]
    fonts = page.Resources.Font
    for key in fonts.keys():
        descriptor = fonts[key].FontDescriptor
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert "Refund summary, page 1" in page_texts(path)[first - 1]


def test_a_flattened_form_keeps_the_filled_values(volume):
    spec, path, pdf, entries, front = volume
    first = pages_of(entries["form.pdf"], front)[0]
    assert "Ouyang Zhe" in page_texts(path)[first - 1]
    assert "/AcroForm" not in pdf.Root


@pytest.mark.parametrize("name", ["cmyk.jpg", "cmyk.tif"])
def test_a_cmyk_scan_is_converted_colour_managed(volume, name, tmp_path):
    """Compared with poppler's own CMYK→RGB of the original embedded as it is."""
    import img2pdf

    spec, path, pdf, entries, front = volume
    original = spec.source_root / "att" / name
    as_is = tmp_path / "as-is.pdf"
    as_is.write_bytes(img2pdf.convert(str(original)))
    [page] = pages_of(entries[name], front)
    got = picture_area(render(path, page, 96))
    assert difference(render(as_is, 1, 96), got) < 8
    image = next(iter(pdf.pages[page - 1].images.values()))
    space = image.ColorSpace
    assert space == "/DeviceRGB" or (space[0] == "/ICCBased" and space[1].N == 3)


@pytest.mark.parametrize("orientation", [2, 4, 5, 7])
def test_a_mirrored_photo_is_shown_the_right_way_round(volume, orientation):
    spec, path, pdf, entries, front = volume
    [page] = pages_of(entries[f"exif{orientation}.jpg"], front)
    got = picture_area(render(path, page, 96))
    shown = samples.shown_image(orientation)
    assert difference(shown, got) < 4
    # and the comparison has teeth: the picture mirrored or upside down is far off
    for wrong in (Image.FLIP_LEFT_RIGHT, Image.FLIP_TOP_BOTTOM):
        assert difference(shown.transpose(wrong), got) > 15


def test_the_originals_are_kept_as_associated_files(volume):
    spec, path, pdf, entries, front = volume
    af = list(pdf.Root.AF)
    assert len(af) == 1 + len(CONVERTED)     # the manifest, then each original
    for name in CONVERTED:
        entry = entries[name]
        original = (spec.source_root / "att" / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(original).hexdigest()  # the original's digest
        kept = pdf.attachments[entry["rendition"]["original_attachment"]]
        assert kept.get_file().read_bytes() == original
        assert kept.obj.AFRelationship == "/Source"
        assert entry["rendition"]["sha256"] != entry["sha256"]


def test_the_notes_sheet_says_which_file_was_converted_and_how(volume):
    spec, path, pdf, entries, front = volume
    texts = page_texts(path)
    notes = "".join(texts[next(i for i, t in enumerate(texts) if "卷内备考表" in t):]).replace("\n", "")
    for name in CONVERTED:
        assert f"（{name}）" in notes, name
    assert "Ghostscript" in notes and "原件作为关联文件保存于本卷" in notes


def test_the_volume_verifies_and_is_reproducible(volume, tmp_path):
    spec, path, *_ = volume
    report = verify_dossier(path, (), spec.source_root, require_signature=False)
    assert report.ok, report.text()
    again = build_dossier(spec, tmp_path / "again", None)
    assert again.read_bytes() == path.read_bytes()


# -- files that cannot be filed ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_at_dossier_with_its_name(tmp_path, name):
    make, said = REFUSED[name]
    spec = make_case(tmp_path, items=2)
    bad = make(tmp_path / "case" / "att" / name)
    item = spec.items[1]
    spec = replace(spec, items=(spec.items[0], replace(item, attachments=(Attachment("坏件", bad),))))
    with pytest.raises(DossierError) as raised:
        build_dossier(spec, tmp_path / "out", None)
    assert "附件1《坏件》" in raised.value.message and name in raised.value.message
    assert said in raised.value.message


def test_rcmz_check_answers_every_attachment_at_once_at_its_line(example):
    case = example("2025-003-hearing-deferral")
    names = [*CONVERTED, *REFUSED]
    for name in names:
        (CONVERTED.get(name) or REFUSED[name])[0](case / "attachments" / name)
    edit(case / "03-investigation.yaml",
         {"attachments": [{"title": f"材料{k}", "file": f"attachments/{n}"} for k, n in enumerate(names)]})
    found = [p for p in load_case(case, deep=True).problems if p.rule == "附件"]
    assert len(found) == len(names) and len({p.line for p in found}) == len(names)
    by_name = {next(n for n in names if f"attachments/{n}" in p.message): p for p in found}
    for name, (_, said) in REFUSED.items():
        assert by_name[name].severity == "error" and said in by_name[name].message
    for name, (_, said) in CONVERTED.items():
        problem = by_name[name]
        assert problem.severity == "info" and said in problem.message
        assert "rcmz dossier 将自动转换为归档件编入" in problem.message
        assert problem.format().split(": ", 1)[1].startswith("提示 [attachments[")
    lines = (case / "03-investigation.yaml").read_text(encoding="utf-8").splitlines()
    for name, problem in by_name.items():
        assert f"attachments/{name}" in lines[problem.line - 1]
    # the quick look of rcmz status sees the refused ones only
    quick = [p for p in load_case(case).problems if p.rule == "附件"]
    assert {p.severity for p in quick} == {"error"} and len(quick) == len(REFUSED)


def test_a_windows_path_says_to_use_slashes(example):
    case = example("2025-003-hearing-deferral")
    edit(case / "03-investigation.yaml", {"attachments.0.file": "attachments\\refund-summary.pdf"})
    [problem] = [p for p in load_case(case).problems if p.rule == "附件"]
    assert problem.message == ("附件路径“attachments\\refund-summary.pdf”中有反斜杠“\\”（Windows 的写法）："
                               "路径分隔符请一律写“/”，即“attachments/refund-summary.pdf”")
    assert problem.field == "attachments[0].file"


@pytest.mark.parametrize("written, closest", [
    ("attachments/refund-sumary.pdf", "attachments/refund-summary.pdf"),   # a letter missing
    ("attachment/refund-summary.pdf", "attachments/refund-summary.pdf"),   # the folder misspelt
    ("scans/hearing-signin.png", "attachments/hearing-signin.png"),         # another folder
])
def test_a_missing_attachment_offers_the_closest_file(example, written, closest):
    case = example("2025-003-hearing-deferral")
    edit(case / "03-investigation.yaml", {"attachments.0.file": written})
    [problem] = [p for p in load_case(case).problems if p.rule == "附件"]
    assert problem.message == (f"附件“{written}”：找不到文件；案件文件夹中最接近的是“{closest}”，是否写错了？")
