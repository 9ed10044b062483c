"""Small generated inputs for the dossier tests (item PDFs with reportlab, images with Pillow).

Imported by tests/test_dossier*.py; holds no tests itself.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
from PIL import Image
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from toolkit.dossier import Attachment, Item, VolumeSpec
from toolkit.render.fonts import default_fontbook

A4 = (210 * mm, 297 * mm)


def make_item_pdf(path: Path, pages: int, title: str, *, size=A4, rotate: int = 0) -> Path:
    """A GB/T 9704-like document: text from 37 mm below the top, its own page number at the foot."""
    book = default_fontbook()
    font = book.primary("fangsong")
    c = canvas.Canvas(str(path), pagesize=size, invariant=1, initialFontName=font)
    for i in range(pages):
        c.setFont(font, 16)
        c.drawString(28 * mm, size[1] - 37 * mm - 16, f"{title}　正文第{i + 1}页")
        c.drawCentredString(size[0] / 2, 28 * mm, f"— {i + 1} —")
        c.showPage()
    c.save()
    if rotate:
        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            for page in pdf.pages:
                page.obj.Rotate = rotate
            pdf.save(path)
    return path


def make_jpeg(path: Path, size=(1240, 1754), mode="L", dpi=150) -> Path:
    img = Image.effect_noise(size, 40).convert(mode) if mode in ("L", "RGB") else Image.new(mode, size)
    img.save(path, format="JPEG", quality=70, dpi=(dpi, dpi))
    return path


def make_png(path: Path, size=(800, 500)) -> Path:
    Image.new("RGB", size, (200, 220, 240)).save(path, format="PNG")
    return path


def make_tiff(path: Path, frames: int = 2) -> Path:
    imgs = [Image.new("1", (1240, 1754), 1) for _ in range(frames)]
    imgs[0].save(path, format="TIFF", save_all=True, append_images=imgs[1:], compression="group4",
                 dpi=(150, 150))
    return path


def movie_pdf(path: Path) -> Path:
    """A PDF with an annotation type PDF/A forbids (no conversion answers it)."""
    make_item_pdf(path, 1, "含影片注释")
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        annot = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Movie,
                                                     Rect=[0, 0, 10, 10], F=4))
        pdf.pages[0].obj.Annots = pikepdf.Array([annot])
        pdf.save(path)
    return path


def make_case(root: Path, *, items: int = 3, dirty: bool = False, extra_items: int = 0,
              **overrides) -> VolumeSpec:
    """A case folder under ``root`` and its VolumeSpec.

    Items: 1. a 3-page decision form, 2. a 2-page report with a PNG, a JPEG, a 2-page TIFF and a
    1-page PDF attached, 3. a scanned signed original (1 page, rotated 90°) — plus
    ``extra_items`` one-page items for long indexes.
    """
    case = root / "case"
    (case / "docs").mkdir(parents=True, exist_ok=True)
    (case / "att").mkdir(exist_ok=True)
    facts = case / "case.yaml"
    facts.write_text("case: RCMZ-2025-001\nperson: 张三\n", encoding="utf-8")
    steps = case / "steps.yaml"
    steps.write_text("- start: 2025-03-12\n", encoding="utf-8")
    a = make_item_pdf(case / "docs" / "01-start.pdf", 3, "启动审批表")
    b = make_item_pdf(case / "docs" / "02-report.pdf", 2, "调查核实报告")
    c = make_item_pdf(case / "docs" / "03-decision-scan.pdf", 1, "认定决定书（签章原件）", rotate=90)
    png = make_png(case / "att" / "photo.png")
    jpg = make_jpeg(case / "att" / "minutes-scan.jpg")
    tif = make_tiff(case / "att" / "fax.tif")
    apdf = make_item_pdf(case / "att" / "statement.pdf", 1, "情况说明")
    all_items = [
        Item("关于张三同志容错免责申请的启动审批表", "某纪〔2025〕3号", "某某局纪检组", "2025-03-12", a),
        Item("张三同志容错免责事项调查核实报告", "", "调查核实组", "2025-05-20", b,
             attachments=(Attachment("现场照片", png), Attachment("会议记录扫描件", jpg),
                          Attachment("传真件", tif), Attachment("本人情况说明", apdf))),
        Item("关于对张三同志予以容错免责的决定", "某党委〔2025〕12号", "中共某某局委员会",
             "2025-06-30", c, is_scan_original=True),
    ][:items]
    for k in range(extra_items):
        p = make_item_pdf(case / "docs" / f"x{k:03d}.pdf", 1, f"补充材料{k + 1}")
        all_items.append(Item(f"补充材料之{k + 1}（关于有关情况的说明与佐证）", f"补〔2025〕{k + 1}号",
                              "调查核实组", "2025-07-01", p))
    sources = [facts, steps, png, jpg, tif, apdf]
    fields = dict(
        case_id="RCMZ-2025-001",
        volume_title="关于张三同志在项目审批中先行先试出现失误申请容错免责一案",
        fonds_name="中共某某市某某局委员会", fonds_no="Z109", catalogue_no="3", volume_no="12",
        category="容错免责", retention="永久", classification="内部",
        start_date="2025-03-12", end_date="2025-06-30", items=tuple(all_items),
        compiler="李四", checker="王五", compiled_on="2025-09-30",
        notes=("第3件原件存局办公室，卷内为签章原件扫描件。",),
        sources=tuple(sources), source_root=case, git_commit="0123456789abcdef", dirty=dirty,
        rcmz_version="0.1.0",
    )
    fields.update(overrides)
    return VolumeSpec(**fields)


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def content_offset(data: bytes) -> int:
    """An offset inside a page content stream's data (away from the signature's /Contents)."""
    m = re.search(rb"stream\r?\n", data[len(data) // 3:])
    assert m
    return len(data) // 3 + m.end() + 5


def page_texts(path: Path) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    return [p.extract_text() or "" for p in reader.pages]


# ------------------------------------------------------------------------------------------------
# fixtures (the test modules load this file with pytest_plugins)

import pytest  # noqa: E402

PASS_ENV = "RCMZ_TEST_P12_PASSPHRASE"
PASSPHRASE = "测试口令-pw"


@pytest.fixture(scope="session")
def test_cert(tmp_path_factory):
    from toolkit.dossier import create_test_certificate

    folder = tmp_path_factory.mktemp("cert")
    return create_test_certificate(folder, "中共某某市某某局委员会", passphrase=PASSPHRASE)


@pytest.fixture
def signer_config(test_cert, monkeypatch):
    from toolkit.dossier import SignerConfig

    monkeypatch.setenv(PASS_ENV, PASSPHRASE)
    return SignerConfig(test_cert[0], passphrase_env=PASS_ENV, location="某某市")
