"""Checking and normalising the files that go into a volume.

Every item and attachment is looked at before anything is merged, so that a refusal names the
file: by ``toolkit.attachments.assess`` — the same answer ``rcmz check`` gives (missing, empty,
mislabelled, cut off, encrypted, damaged inside; or valid but to be converted into an archival
rendition, ``toolkit.dossier.renditions``).  Images (JPEG, PNG, TIFF) are turned into PDF pages with img2pdf, which embeds JPEG and
CCITT data as they are and PNG/TIFF pixels losslessly (no recompression), one A4 page per image
(shrunk to fit when larger; never enlarged).

Memory: a JPEG is test-decoded at 1/8 scale; a non-interlaced PNG is checked by inflating its
data piece by piece and embedded as it is, never decoded whole (a 12000 × 12000 PNG: about
30 MB instead of 1.2 GB).  TIFF pages and interlaced PNGs are decoded, within the pixel limit.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from toolkit.attachments import KIND_BY_EXTENSION, assess
from toolkit.errors import DossierError

_CHUNK = 1 << 20


@dataclass
class Part:
    """One file as it goes into the volume."""

    label: str            # Chinese description for messages: 第2件《…》的附件1《…》
    source: Path          # the file named in the spec
    kind: str             # pdf | jpeg | png | tiff
    pdf_path: Path        # the PDF merged (the source itself, the image converted, or a rendition)
    pages: int
    sha256: str           # of the source file, converted or not
    size: int
    # an archival rendition (toolkit.dossier.renditions): what was done, for the manifest and
    # the 备考表, and the name of the original kept in the volume as an associated file
    conversions: tuple[str, ...] = ()
    rendition_note: str = ""
    rendition_sha256: str = ""
    original_name: str = ""

    def manifest_extra(self) -> dict:
        """What the manifest adds to this file's entry: how it was converted (its own
        ``sha256`` stays the original's, which the volume keeps as an associated file)."""
        if not self.rendition_note:
            return {}
        return {"rendition": {"conversions": list(self.conversions), "sha256": self.rendition_sha256,
                              "original_attachment": self.original_name}}


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


def inspect(path: Path, label: str, work: Path, tag: str) -> Part:
    """Check one file and return it as a :class:`Part` ready to merge.

    ``work`` is a scratch folder for converted images and renditions, ``tag`` a unique stem for
    them.  The file is judged by ``toolkit.attachments.assess`` (what ``rcmz check`` says of
    it): a file that cannot be filed raises :class:`DossierError` naming ``label`` and the file;
    one that needs converting is replaced by its archival rendition (``renditions.make``).
    """
    where = f"{label}（{path}）"
    assessment = assess(path)
    if assessment.problem is not None:
        raise DossierError(f"{where}：{assessment.problem}")
    size = path.stat().st_size
    kind = KIND_BY_EXTENSION[path.suffix.lower()]
    digest = sha256_file(path)
    if assessment.conversions:
        from toolkit.dossier import renditions

        out = renditions.make(path, assessment, work / f"{tag}-rendition.pdf", where)
        with pikepdf.open(out) as pdf:
            pages = len(pdf.pages)
        return Part(label, path, kind, out, pages, digest, size,
                    conversions=tuple(c.text for c in assessment.conversions),
                    rendition_note=renditions.note(label, path, assessment, digest),
                    rendition_sha256=sha256_file(out, cache=False),
                    original_name=f"原件-{tag}-{path.name}")
    if kind == "pdf":
        pages = _check_pdf(path, where)
        return Part(label, path, kind, path, pages, digest, size)
    out = work / f"{tag}.pdf"
    pages = _image_to_pdf(path, kind, out, where)
    return Part(label, path, kind, out, pages, digest, size)


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

    # The pixels were bounded from the header (toolkit.imagesize); Pillow's own warning about
    # large images would only reach the terminal.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        png = _png_check(path, where) if kind == "png" else None
        try:
            if png is None or png.interlaced:
                with Image.open(path) as im:
                    frames = getattr(im, "n_frames", 1)
                    if kind == "jpeg":
                        im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))
                    for k in range(frames):
                        im.seek(k)
                        im.load()  # decodes: a truncated or damaged image fails here
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                Image.DecompressionBombError) as exc:
            raise DossierError(f"{where}：图像已损坏，无法读取（{_short(exc)}）") from None
        a4 = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
        layout = img2pdf.get_layout_fun(a4, None, None, img2pdf.FitMode.shrink, auto_orient=True)
        # img2pdf looks for an EXIF orientation, which for a PNG decodes the whole image unless
        # the PNG has no eXIf chunk (then there is no orientation to find)
        rotation = img2pdf.Rotation.none if png is not None and not png.exif else img2pdf.Rotation.auto
        try:
            data = img2pdf.convert(str(path), layout_fun=layout, nodate=True, rotation=rotation,
                                   engine=img2pdf.Engine.pikepdf)
        except Exception as exc:  # noqa: BLE001 — re-raised below unless it is img2pdf refusing
            if not _refused_by_img2pdf(exc) and not isinstance(exc, Image.DecompressionBombError):
                raise
            raise DossierError(f"{where}：图像无法转为 PDF 页面（{_short(exc)}）") from None
    out.write_bytes(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


@dataclass(frozen=True)
class _Png:
    interlaced: bool
    exif: bool       # has an eXIf chunk (an orientation may be in it)


#: PNG colour type → samples per pixel.
_PNG_SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _png_check(path: Path, where: str) -> _Png:
    """Read a PNG through once in bounded memory: every chunk's CRC, the image data inflated
    piece by piece to the size its header promises.  A non-interlaced PNG checked here need not
    be decoded whole (a 12000 × 12000 scan is 432 MB of pixels); img2pdf then embeds its
    compressed data as it is."""
    def damaged(reason: str) -> DossierError:
        return DossierError(f"{where}：图像已损坏，无法读取（{reason}）")

    inflate = zlib.decompressobj()
    inflated = 0
    exif = False
    header = None
    with open(path, "rb") as stream:
        if stream.read(8) != b"\x89PNG\r\n\x1a\n":
            raise damaged("不是 PNG 文件")
        while True:
            head = stream.read(8)
            if len(head) < 8:
                raise damaged("文件不完整，缺少结束块 IEND")
            length, kind = struct.unpack(">I4s", head)
            crc = zlib.crc32(kind)
            left = length
            while left:
                piece = stream.read(min(left, _CHUNK))
                if not piece:
                    raise damaged(f"{kind.decode('latin-1')} 块不完整")
                left -= len(piece)
                crc = zlib.crc32(piece, crc)
                if kind == b"IHDR" and header is None:
                    header = piece[:13]
                elif kind == b"IDAT":
                    try:
                        while piece:
                            inflated += len(inflate.decompress(piece, _CHUNK))
                            piece = inflate.unconsumed_tail
                    except zlib.error as exc:
                        raise damaged(f"图像数据无法解压：{exc}") from None
            stored = stream.read(4)
            if len(stored) < 4 or struct.unpack(">I", stored)[0] != crc & 0xFFFFFFFF:
                raise damaged(f"{kind.decode('latin-1')} 块校验和不符")
            exif = exif or kind == b"eXIf"
            if kind == b"IEND":
                break
    if header is None or len(header) < 13:
        raise damaged("缺少文件头 IHDR")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if interlace:
        return _Png(True, exif)  # Adam7 passes: left to the decoder
    row = (width * depth * _PNG_SAMPLES.get(colour, 4) + 7) // 8 + 1
    if not inflate.eof or inflated < height * row:
        raise damaged("图像数据不完整")
    return _Png(False, exif)


def _refused_by_img2pdf(exc: Exception) -> bool:
    """Whether img2pdf (or Pillow beneath it) refused the image itself, as opposed to a bug."""
    import img2pdf
    from PIL import UnidentifiedImageError

    own = (img2pdf.ImageOpenError, img2pdf.AlphaChannelError, img2pdf.JpegColorspaceError,
           img2pdf.UnsupportedColorspaceError, img2pdf.NegativeDimensionError,
           img2pdf.ExifOrientationError, img2pdf.PdfTooLargeError)
    # ValueError: bit depths, colour spaces and fill orders PDF cannot hold; NotImplementedError:
    # a CCITT TIFF in several strips; OSError: Pillow's decoding.  For a few malformed files
    # (a PNG chunk longer than the file, an MPO whose second frame is not a JPEG) img2pdf
    # raises a bare Exception — that exact class, never a subclass such as a TypeError.
    return (isinstance(exc, (*own, UnidentifiedImageError, OSError, ValueError, NotImplementedError))
            or type(exc) is Exception)


def _short(exc: object, limit: int = 160) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
