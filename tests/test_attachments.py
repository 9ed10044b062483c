"""Loading a case and bundling its volume judge an attachment alike (toolkit/attachments.py).

They used to sniff files each in their own way and disagreed: a linearized PDF with only a
permissions password passed ``rcmz check`` (the loader looked for ``/Encrypt`` in the last 2 KiB
only) and was then refused by ``rcmz dossier``; a PDF with bytes before its header, a BigTIFF scan
and a ``.jpe`` photo were refused by the loader and filed by the bundle.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from conftest import edit
from toolkit.attachments import filing_problem
from toolkit.case.load import load_case
from toolkit.dossier.sources import inspect
from toolkit.errors import DossierError


def _pdf_bytes(pages: int = 1, **save) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, **save)
    return out.getvalue()


def _image_bytes(fmt: str, **save) -> bytes:
    out = io.BytesIO()
    Image.new("L", (120, 80), 200).save(out, format=fmt, **save)
    return out.getvalue()


def linearized_owner_only(path: Path) -> None:
    path.write_bytes(_pdf_bytes(40, linearize=True,
                                encryption=pikepdf.Encryption(owner="o", user="", R=6)))


def encrypted_with_xref_stream(path: Path) -> None:
    path.write_bytes(_pdf_bytes(400, encryption=pikepdf.Encryption(owner="o", user="u", R=6),
                                object_stream_mode=pikepdf.ObjectStreamMode.generate))


def bytes_before_header(path: Path) -> None:
    path.write_bytes(b"\r\n\x00\x00" + _pdf_bytes())


def big_tiff(path: Path) -> None:
    path.write_bytes(_image_bytes("TIFF", big_tiff=True))


def jpe_photo(path: Path) -> None:
    path.write_bytes(_image_bytes("JPEG"))


def jpeg_named_pdf(path: Path) -> None:
    path.write_bytes(_image_bytes("JPEG"))


def cut_pdf(path: Path) -> None:
    whole = _pdf_bytes(3)
    path.write_bytes(whole[: len(whole) // 2])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def text_named_pdf(path: Path) -> None:
    path.write_text("会议记录（文字版）\n", encoding="utf-8")


# (file name, how to make it, the problem both stages report, or None: both file it)
FILES = [
    ("permissions.pdf", linearized_owner_only, "PDF 已加密"),
    ("locked.pdf", encrypted_with_xref_stream, "PDF 已加密"),
    ("prefixed.pdf", bytes_before_header, None),
    ("scan.tif", big_tiff, None),
    ("photo.jpe", jpe_photo, None),
    ("scan.pdf", jpeg_named_pdf, "内容却是JPEG 图像"),
    ("cut.pdf", cut_pdf, "文件不完整"),
    ("empty.pdf", empty, "文件是空的"),
    ("notes.pdf", text_named_pdf, "内容却是纯文本"),
]


def loading_says(case: Path, name: str) -> str | None:
    edit(case / "03-investigation.yaml", {"attachments": [{"title": "材料", "file": f"attachments/{name}"}]})
    found = [p.message for p in load_case(case).problems if p.rule == "附件"]
    assert len(found) <= 1, found
    return found[0] if found else None


def bundling_says(path: Path, work: Path) -> str | None:
    try:
        inspect(path, "第1件的附件1《材料》", work, "t")
    except DossierError as error:
        return error.message
    return None


@pytest.mark.parametrize("name, make, problem", FILES, ids=[f[0] for f in FILES])
def test_loading_and_bundling_agree(example, tmp_path, name, make, problem):
    case = example()
    path = case / "attachments" / name
    make(path)
    loading, bundling = loading_says(case, name), bundling_says(path, tmp_path)
    if problem is None:
        assert (loading, bundling) == (None, None)
        return
    assert problem in filing_problem(path)
    # the same sentence, after each stage's own way of naming the file
    assert loading == f"附件“attachments/{name}”：{filing_problem(path)}"
    assert bundling == f"第1件的附件1《材料》（{path}）：{filing_problem(path)}"


def test_an_unreadable_attachment_is_a_problem_not_a_traceback(tmp_path, monkeypatch):
    path = tmp_path / "scan.pdf"
    path.write_bytes(_pdf_bytes())

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    assert filing_problem(path) == "无法读取（Permission denied）"


@pytest.mark.parametrize("raised", ["AlphaChannelError", "bare Exception", "ValueError"])
def test_an_image_img2pdf_refuses_is_named(tmp_path, monkeypatch, raised):
    import img2pdf

    error = {"AlphaChannelError": img2pdf.AlphaChannelError("refusing to work on images with alpha"),
             "bare Exception": Exception("invalid png: 16 99999 420"),   # img2pdf.parse_png
             "ValueError": ValueError("invalid bit depth: 3")}[raised]

    def convert(*args, **kwargs):
        raise error

    path = tmp_path / "scan.png"
    path.write_bytes(_image_bytes("PNG"))
    monkeypatch.setattr(img2pdf, "convert", convert)
    assert "图像无法转为 PDF 页面" in bundling_says(path, tmp_path)


def test_a_bug_under_img2pdf_stays_a_traceback(tmp_path, monkeypatch):
    import img2pdf

    def convert(*args, **kwargs):
        raise TypeError("convert() got an unexpected keyword argument 'nodate'")

    path = tmp_path / "scan.png"
    path.write_bytes(_image_bytes("PNG"))
    monkeypatch.setattr(img2pdf, "convert", convert)
    with pytest.raises(TypeError):
        bundling_says(path, tmp_path)
