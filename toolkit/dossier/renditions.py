"""Archival renditions: a valid attachment that is not ready for PDF/A, converted for the volume.

``toolkit.attachments.assess`` says what a file needs (the same answer ``rcmz check`` gives);
:func:`make` carries it out, each step with a well-kept tool:

======================  =========================================================================
``xref``                qpdf (through pikepdf) rebuilds the cross-reference table of a PDF whose
                        offsets are all shifted
``forms``               pikepdf generates the fields' appearance streams, flattens them into the
                        page content and drops the /AcroForm
``fonts``, ``cmyk``     Ghostscript's pdfwrite re-writes the PDF embedding every font (the 14
                        standard fonts as URW's metric-compatible faces) and, for CMYK, converting
                        colours to RGB through its ICC profiles (littleCMS)
``cmyk-image``          Pillow's ImageCms converts a CMYK JPEG/TIFF to sRGB (perceptual intent),
                        from its embedded ICC profile or Ghostscript's ``default_cmyk.icc``
``orientation``         Pillow turns a mirrored JPEG the right way round (``ImageOps.exif_transpose``)
======================  =========================================================================

Converted images are stored losslessly (PNG pixels, Flate in the PDF): no second lossy
compression, at the cost of size.  The rendition is checked again; it must need nothing more.
The original is not lost: the volume keeps it as an associated file (PDF/A-3 ``/AF``,
relationship ``/Source``), its SHA-256 is the one the manifest records for the attachment, and
the 备考表 says which file was converted and how (:func:`notes`).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from functools import cache
from pathlib import Path

import pikepdf
from pikepdf import Name

from toolkit.attachments import Assessment, assess
from toolkit.dossier.spec import VolumeSpec
from toolkit.errors import DossierError

#: Where Debian's Ghostscript keeps its ICC profiles (the default CMYK profile is SWOP-like).
GS_ICC_DIRS = (Path("/usr/share/color/icc/ghostscript"), Path("/usr/share/ghostscript/iccprofiles"))

#: Options of Ghostscript's pdfwrite: keep everything as it is (no downsampling, no re-encoding of
#: JPEGs, no automatic page rotation), embed every font, and write no date or /ID so that the same
#: input gives the same bytes.
GS_OPTIONS = ("-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", "-dCompatibilityLevel=1.7",
              "-dEmbedAllFonts=true", "-dSubsetFonts=true", "-dAutoRotatePages=/None",
              "-dDownsampleColorImages=false", "-dDownsampleGrayImages=false",
              "-dDownsampleMonoImages=false", "-dPassThroughJPEGImages=true",
              "-dPassThroughJPXImages=true", "-dOmitInfoDate", "-dOmitID", "-dOmitXMP")
#: pdfwrite never embeds the 14 standard fonts unless told to.
GS_EMBED_STANDARD_FONTS = ("-c", "<</NeverEmbed []>> setdistillerparams")


@cache
def ghostscript() -> tuple[str, str] | None:
    """(path, version) of Ghostscript, or None when it is not installed."""
    for name in ("gs", "gswin64c", "gswin32c"):
        found = shutil.which(name)
        if found:
            try:
                version = subprocess.run([found, "--version"], capture_output=True, text=True,
                                         timeout=30).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                continue
            return found, version
    return None


def tools_text(assessment: Assessment) -> str:
    """The tools a rendition uses, with their versions: Ghostscript 10.00.0、qpdf 11.3.0."""
    import PIL

    versions = {"qpdf": f"qpdf {pikepdf.__libqpdf_version__}", "pikepdf": f"pikepdf {pikepdf.__version__}",
                "Pillow": f"Pillow {PIL.__version__}"}
    gs = ghostscript()
    versions["Ghostscript"] = f"Ghostscript {gs[1]}" if gs else "Ghostscript"
    return "、".join(dict.fromkeys(versions[c.tool] for c in assessment.conversions))


def make(path: Path, assessment: Assessment, out: Path, where: str) -> Path:
    """Write the archival rendition of ``path`` to ``out`` (a PDF) and return ``out``."""
    work = out.with_suffix(".steps")
    work.mkdir(exist_ok=True)
    try:
        if assessment.kind == "pdf":
            _pdf(path, assessment, out, work, where)
        else:
            _image(path, assessment, out, where)
        # one file /ID from the content (img2pdf's is random): the same input, the same bytes
        steady = work / "steady.pdf"
        with pikepdf.open(out) as pdf:
            if Name.ID in pdf.trailer:   # qpdf would keep its first half
                del pdf.trailer[Name.ID]
            pdf.save(steady, deterministic_id=True)
        steady.replace(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    after = assess(out)
    if after.problem or after.conversions:
        raise DossierError(f"{where}：已尝试转换（{assessment.text}），转换后仍不能编入 PDF/A 案卷"
                           f"（{after.problem or after.text}）。请由原系统导出为 PDF/A 后再编入")
    return out


def _pdf(path: Path, assessment: Assessment, out: Path, work: Path, where: str) -> None:
    keys = {c.key for c in assessment.conversions}
    current = path
    if keys & {"xref", "forms"}:
        step = work / "pikepdf.pdf"
        with pikepdf.open(current) as pdf:  # opening reconstructs a shifted table (qpdf)
            if "forms" in keys:
                _flatten_forms(pdf)
            pdf.save(step, deterministic_id=True)
        current = step
    if keys & {"fonts", "cmyk"}:
        gs = ghostscript()
        if gs is None:
            raise DossierError(f"{where}：{assessment.text}，但本机没有 Ghostscript。"
                               "请安装 ghostscript（Debian/Ubuntu：apt-get install ghostscript，"
                               "或运行 make setup）后再生成案卷")
        colour = ("-sColorConversionStrategy=RGB", "-dProcessColorModel=/DeviceRGB") \
            if "cmyk" in keys else ()
        step = work / "ghostscript.pdf"
        args = [gs[0], *GS_OPTIONS, *colour, f"-sOutputFile={step}", *GS_EMBED_STANDARD_FONTS,
                "-f", str(current)]
        done = subprocess.run(args, capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not step.is_file():
            detail = " ".join((done.stderr or done.stdout).split())[:200]
            raise DossierError(f"{where}：Ghostscript 转换失败（{detail or done.returncode}）")
        current = step
    shutil.copyfile(current, out)


def _flatten_forms(pdf: pikepdf.Pdf) -> None:
    """The fields' values become page content; the form itself goes (PDF/A forbids it)."""
    if Name.AcroForm not in pdf.Root:
        return
    pdf.generate_appearance_streams()
    pdf.flatten_annotations("all")       # qpdf drops the /AcroForm once no field is left
    if Name.AcroForm in pdf.Root:
        del pdf.Root[Name.AcroForm]
    # appearance streams written by form tools often carry the form's /Encoding in their
    # resources; a resource dictionary has no such key (ISO 32000 7.8.3) and PDF/A flags it
    for obj in pdf.objects:
        resources = obj.get(Name.Resources) if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) else None
        if isinstance(resources, pikepdf.Dictionary):
            for key in [k for k in resources.keys() if k not in _RESOURCE_KEYS]:
                del resources[key]


_RESOURCE_KEYS = {"/ExtGState", "/ColorSpace", "/Pattern", "/Shading", "/XObject", "/Font", "/ProcSet",
                  "/Properties"}


def _image(path: Path, assessment: Assessment, out: Path, where: str) -> None:
    import img2pdf
    from PIL import Image, ImageOps

    keys = {c.key for c in assessment.conversions}
    with Image.open(path) as image:
        dpi = image.info.get("dpi")
        profile = image.info.get("icc_profile")
        picture = ImageOps.exif_transpose(image) if "orientation" in keys else image.copy()
    if "cmyk-image" in keys and picture.mode == "CMYK":
        picture = _cmyk_to_srgb(picture, profile)
    # no ICC profile in the PNG: its pixels are sRGB now, which the volume's output intent
    # declares, and littleCMS stamps a made profile with the time (the bytes would vary)
    picture.info.pop("icc_profile", None)
    png = io.BytesIO()
    saved = {"dpi": tuple(round(float(v)) for v in dpi)} if dpi else {}
    picture.save(png, format="PNG", **saved)
    a4 = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
    layout = img2pdf.get_layout_fun(a4, None, None, img2pdf.FitMode.shrink, auto_orient=True)
    out.write_bytes(img2pdf.convert(png.getvalue(), layout_fun=layout, nodate=True,
                                    engine=img2pdf.Engine.pikepdf))


def _cmyk_to_srgb(picture, embedded: bytes | None):
    """Colour-managed CMYK → sRGB (ImageCms, perceptual intent)."""
    from PIL import ImageCms

    source = ImageCms.ImageCmsProfile(io.BytesIO(embedded)) if embedded else default_cmyk_profile()
    if source is None:  # no profile anywhere: the plain formula, said so on the 备考表
        return picture.convert("RGB")
    return ImageCms.profileToProfile(picture, source, ImageCms.createProfile("sRGB"),
                                     renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB")


@cache
def default_cmyk_profile():
    from PIL import ImageCms

    for folder in GS_ICC_DIRS:
        candidate = folder / "default_cmyk.icc"
        if candidate.is_file():
            return ImageCms.getOpenProfile(str(candidate))
    return None


# -- the hooks of the volume: the originals as associated files, the notes on the 备考表 --------------


def note(label: str, source: Path, assessment: Assessment, digest: str) -> str:
    """The 备考表 line for one converted file."""
    return (f"{label}（{source.name}）{assessment.text}（{tools_text(assessment)}），以转换后的归档件"
            f"编入；原件作为关联文件保存于本卷，SHA-256 {digest[:16]}…")


def with_notes(spec: VolumeSpec, parts) -> VolumeSpec:
    """``spec`` with a 备考表 line for each converted part (``VolumeSpec.notes``)."""
    lines = [part.rendition_note for part in parts if part.rendition_note]
    return replace(spec, notes=tuple(spec.notes) + tuple(lines)) if lines else spec


def embed_originals(pdf: pikepdf.Pdf, parts, mod_date: str) -> None:
    """Attach each converted part's original file to the volume (PDF/A-3 associated file,
    ``/AFRelationship /Source``), after the manifest in the document's ``/AF``."""
    for part in parts:
        if not part.rendition_note:
            continue
        name = part.original_name
        spec = pikepdf.AttachedFileSpec(
            pdf, part.source.read_bytes(), description=f"{part.label}的原件（已转换为归档件编入）",
            filename=name, mime_type=_MIME.get(part.kind, "application/octet-stream"),
            creation_date=mod_date, mod_date=mod_date, relationship=Name.Source)
        pdf.attachments[name] = spec
        fs = pdf.attachments[name].obj
        if not fs.is_indirect:
            fs = pdf.make_indirect(fs)
        if Name.AF not in pdf.Root:
            pdf.Root.AF = pikepdf.Array()
        if not any(entry.objgen == fs.objgen for entry in pdf.Root.AF):
            pdf.Root.AF.append(fs)


_MIME = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png", "tiff": "image/tiff"}
