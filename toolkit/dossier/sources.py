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
import warnings
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from toolkit.attachments import KIND_BY_EXTENSION, PDFA_FLAVOUR, Nesting, assess, content_digest
from toolkit.errors import DossierError
from toolkit.imagesize import PngScan, scan_png

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
    # how deep the merged PDF's pages nest the graphics state, from its validation (None:
    # unknown, the volume's check reads its pages for it)
    nesting: Nesting | None = None

    def manifest_extra(self) -> dict:
        """What the manifest adds to this file's entry: how it was converted (its own
        ``sha256`` stays the original's, which the volume keeps as an associated file)."""
        if not self.rendition_note:
            return {}
        return {"rendition": {"conversions": list(self.conversions), "sha256": self.rendition_sha256,
                              "original_attachment": self.original_name}}


def sha256_file(path: Path, *, cache: bool = True) -> str:
    """SHA-256 of a file (with ``cache``: remembered within one run while its size and
    modification time stay the same, shared with ``toolkit.attachments.assess`` — the scans are
    hashed once, not twice; ``rcmz verify`` reads the files again)."""
    if cache:
        return content_digest(path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


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
                    original_name=f"原件-{tag}-{path.name}",
                    nesting=assess(out).nesting)  # the answer renditions.make found valid
    if kind == "pdf":
        return Part(label, path, kind, path, _page_count(path, where), digest, size,
                    nesting=assessment.nesting)
    out = work / f"{tag}.pdf"
    pages = _image_to_pdf(path, kind, out, where)
    # the page made of the image is validated as any PDF (its answer kept by its digest: img2pdf
    # makes the same bytes from the same image)
    made = assess(out)
    if made.problem or made.conversions:
        raise DossierError(f"{where}：转换为 PDF 页面后不符合 PDF/A-3b，不能编入案卷"
                           f"（{made.problem or made.text}）")
    return Part(label, path, kind, out, pages, digest, size, nesting=made.nesting)


def check_drawn(path: Path, what: str) -> Nesting | None:
    """A file rcmz drew for the volume (a sheet, a batch of page-number stamps), validated as
    PDF/A like the files (``assess``, its answer kept by digest); how deep its pages nest."""
    judged = assess(path)
    if judged.problem or judged.conversions:  # rcmz's own drawing: a defect, not the user's
        raise DossierError(f"{what}（{path.name}）不符合 PDF/A-{PDFA_FLAVOUR}：{judged.problem or judged.text}")
    return judged.nesting


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


def _page_count(path: Path, where: str) -> int:
    """The pages of a PDF that ``assess`` has passed: it read every page and its content then,
    the answer kept by the file's digest, so only the count is read here."""
    pdf = open_checked(path, where)
    try:
        return len(pdf.pages)
    finally:
        pdf.close()


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
    # img2pdf means to write an /ID derived from the content, but compares pikepdf's version as
    # a string ("10.18" < "6.2.0") and so writes one made from the time: saved again with the
    # content's own, so that an image makes the same page every time (and its PDF/A answer is
    # found by the page's digest)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        del pdf.trailer.ID
        pdf.save(out, deterministic_id=True)
        return len(pdf.pages)


def _png_check(path: Path, where: str) -> PngScan:
    """The PNG read through once in bounded memory (toolkit.imagesize.scan_png); damage refused."""
    scan = scan_png(path)
    if scan.damage is not None:
        raise DossierError(f"{where}：图像已损坏，无法读取（{scan.damage}）")
    return scan


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
