"""Checking and normalising the files that go into a volume.

Every item and attachment is looked at before anything is merged, so that a refusal names the
file: missing, mislabelled (the extension says PDF, the content is a JPEG …), encrypted, damaged,
empty.  Images (JPEG, PNG, TIFF) are turned into PDF pages with img2pdf, which embeds JPEG and
CCITT data as they are and PNG/TIFF pixels losslessly (no recompression), one A4 page per image
(shrunk to fit when larger; never enlarged).
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from toolkit.errors import DossierError

#: Extension → kind of content expected.
EXTENSIONS = {
    ".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".png": "png",
    ".tif": "tiff", ".tiff": "tiff",
}
KIND_NAMES = {"pdf": "PDF 文档", "jpeg": "JPEG 图像", "png": "PNG 图像", "tiff": "TIFF 图像",
              "gif": "GIF 图像", "bmp": "BMP 图像", "zip": "ZIP 压缩包（或 DOCX/XLSX 等 Office 文档）",
              "ole": "旧版 Office 文档（DOC/XLS）", "webp": "WebP 图像", "ofd": "OFD 版式文档",
              "text": "纯文本"}

_CHUNK = 1 << 20


@dataclass
class Part:
    """One file as it goes into the volume."""

    label: str            # Chinese description for messages: 第2件《…》的附件1《…》
    source: Path          # the file named in the spec
    kind: str             # pdf | jpeg | png | tiff
    pdf_path: Path        # the PDF merged (the source itself, or the image converted)
    pages: int
    sha256: str
    size: int


_DIGESTS: dict[tuple[str, int, int], str] = {}


def sha256_file(path: Path, *, cache: bool = True) -> str:
    """SHA-256 of a file (with ``cache``: remembered within one build while its size and
    modification time stay the same — the scans are hashed once, not twice)."""
    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    cached = _DIGESTS.get(key) if cache else None
    if cached is not None:
        return cached
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    if len(_DIGESTS) > 4096:
        _DIGESTS.clear()
    _DIGESTS[key] = digest = h.hexdigest()
    return digest


def sniff(head: bytes) -> str | None:
    """The kind of content from the first bytes of a file (None if not recognised)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    try:
        head[:512].decode("utf-8")
        return "text" if head.strip() else None
    except UnicodeDecodeError:
        return None


def inspect(path: Path, label: str, work: Path, tag: str) -> Part:
    """Check one file and return it as a :class:`Part` ready to merge.

    ``work`` is a scratch folder for converted images, ``tag`` a unique stem for them.
    Raises :class:`DossierError` naming ``label`` and the file for anything that cannot go in.
    """
    where = f"{label}（{path}）"
    if not path.exists():
        raise DossierError(f"{where}：找不到文件")
    if not path.is_file():
        raise DossierError(f"{where}：不是文件")
    expected = EXTENSIONS.get(path.suffix.lower())
    if expected is None:
        raise DossierError(f"{where}：不支持的文件类型“{path.suffix or '（无扩展名）'}”，"
                           "卷内文件与附件只能是 PDF、JPEG、PNG 或 TIFF")
    size = path.stat().st_size
    if size == 0:
        raise DossierError(f"{where}：文件是空的（0 字节）")
    with open(path, "rb") as f:
        head = f.read(2048)
    actual = sniff(head)
    if actual is None:
        raise DossierError(f"{where}：内容不是可识别的 {KIND_NAMES[expected]}，文件可能已损坏")
    if actual != expected:
        raise DossierError(f"{where}：扩展名为“{path.suffix}”，内容却是{KIND_NAMES.get(actual, actual)}"
                           f"（文件名与内容不符），请改正扩展名或换用正确的文件")
    digest = sha256_file(path)
    if actual == "pdf":
        pages = _check_pdf(path, where)
        return Part(label, path, actual, path, pages, digest, size)
    out = work / f"{tag}.pdf"
    pages = _image_to_pdf(path, actual, out, where)
    return Part(label, path, actual, out, pages, digest, size)


def open_checked(path: Path, where: str) -> pikepdf.Pdf:
    """Open a PDF for merging; refuse encrypted and damaged files."""
    try:
        pdf = pikepdf.open(path, suppress_warnings=True)
    except pikepdf.PasswordError:
        raise DossierError(f"{where}：PDF 已加密（需要密码才能打开），归档文件不得加密，"
                           "请提供未加密的文件") from None
    except pikepdf.PdfError as exc:
        raise DossierError(f"{where}：PDF 已损坏，无法读取（{_short(exc)}）") from None
    if pdf.is_encrypted:
        pdf.close()
        raise DossierError(f"{where}：PDF 已加密（设有权限口令），归档文件不得加密，"
                           "请提供未加密的文件")
    warnings = pdf.get_warnings()
    if warnings:
        pdf.close()
        raise DossierError(f"{where}：PDF 已损坏（{_short(warnings[0])}）。"
                           "请从原系统重新导出或重新扫描；如需修复可先用 qpdf 重写后再核对内容")
    return pdf


def _check_pdf(path: Path, where: str) -> int:
    pdf = open_checked(path, where)
    try:
        try:
            n = len(pdf.pages)
            if n == 0:
                raise DossierError(f"{where}：PDF 没有任何页面")
            for i, page in enumerate(pdf.pages, 1):
                box = page.obj.get("/MediaBox")
                if box is None or len(box) != 4:
                    raise DossierError(f"{where}：第{i}页没有有效的页面尺寸（MediaBox）")
                _contents(page)
        except DossierError:
            raise
        except (pikepdf.PdfError, pikepdf.DataDecodingError, ValueError, TypeError) as exc:
            raise DossierError(f"{where}：PDF 已损坏，页面内容无法读取（{_short(exc)}）") from None
        warnings = pdf.get_warnings()
        if warnings:
            raise DossierError(f"{where}：PDF 已损坏（{_short(warnings[0])}）。"
                               "请从原系统重新导出或重新扫描")
        return n
    finally:
        pdf.close()


def _contents(page: pikepdf.Page) -> None:
    contents = page.obj.get("/Contents")
    if contents is None:
        return
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    for s in streams:
        s.read_bytes()


def _image_to_pdf(path: Path, kind: str, out: Path, where: str) -> int:
    import img2pdf
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            frames = getattr(im, "n_frames", 1)
            if kind == "jpeg":
                im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))
            for k in range(frames):
                im.seek(k)
                im.load()  # decodes: a truncated or damaged image fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise DossierError(f"{where}：图像已损坏，无法读取（{_short(exc)}）") from None
    a4 = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
    layout = img2pdf.get_layout_fun(a4, None, None, img2pdf.FitMode.shrink, auto_orient=True)
    try:
        data = img2pdf.convert(str(path), layout_fun=layout, nodate=True,
                               engine=img2pdf.Engine.pikepdf)
    except Exception as exc:  # img2pdf raises many kinds (ImageOpenError, AlphaChannelError …)
        raise DossierError(f"{where}：图像无法转为 PDF 页面（{_short(exc)}）") from None
    out.write_bytes(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def _short(exc: object, limit: int = 160) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
