"""PDF/A for the volume, with pikepdf.pdfa (allowlist validator: an approval can be trusted).

Level: PDF/A-3b (ISO 19005-3) — PDF/A-2b plus embedded files of any type, which the manifest
(``manifest.json``) needs; PDF/A-2 allows only PDF/A files as attachments.  Everything else is as
PDF/A-2b: fonts embedded, sRGB output intent, XMP with pdfaid, a file /ID, no encryption.  The
choice is kept here (:data:`FLAVOUR`) and explained in docs/dossier.md.

Each item and attachment is checked on its own before merging, so a refusal names the file; the
merged volume is then prepared, saved and validated again as written.
"""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO, cast

import pikepdf
import pikepdf.pdfa as pdfa
from pikepdf import Name

from toolkit.atomic import GuardedWriter
from toolkit.dossier.spec import VolumeSpec, parse_partial_date
from toolkit.errors import DossierError

FLAVOUR = "3b"
FLAVOUR_NAME = "PDF/A-3b"
SAVE_KWARGS = {"deterministic_id": True, "compress_streams": True,
               "object_stream_mode": pikepdf.ObjectStreamMode.generate}
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))


def strip_empty_transitions(pdf: pikepdf.Pdf) -> None:
    """Remove reportlab's empty ``/Trans`` from pages (validators flag it; it means nothing)."""
    for page in pdf.pages:
        trans = page.obj.get(Name.Trans)
        if trans is not None and isinstance(trans, pikepdf.Dictionary) and len(trans.keys()) == 0:
            del page.obj[Name.Trans]


def describe(report, limit: int = 8) -> str:
    lines = []
    for f in report.findings[:limit]:
        kind = "不符合" if f.kind == "violation" else "无法确认"
        lines.append(f"  - [{kind}] {f.rule}（{f.where}）：{f.message}")
    if len(report.findings) > limit:
        lines.append(f"  - ……另有 {len(report.findings) - limit} 项")
    return "\n".join(lines)


def check_part(pdf: pikepdf.Pdf, where: str) -> None:
    """Raise :class:`DossierError` naming ``where`` when this file would break the volume's PDF/A.

    The same in-memory repairs as for the volume are applied first (output intent, metadata,
    annotation flags …); what remains is content only the author of the file can fix (fonts not
    embedded, CMYK images without a CMYK profile, transparency …).
    """
    strip_empty_transitions(pdf)
    try:
        pdfa.prepare(pdf, FLAVOUR)
        report = pdfa.check(pdf, FLAVOUR, **SAVE_KWARGS)
    except (pikepdf.PdfError, ValueError) as exc:
        raise DossierError(f"{where}：无法进行 {FLAVOUR_NAME} 检查（{exc}）") from None
    if not report.passed:
        raise DossierError(
            f"{where}：不符合 {FLAVOUR_NAME}（长期保存格式），不能编入案卷。"
            f"请由原系统导出为 PDF/A，或扫描为灰度/彩色（sRGB）图像后再编入：\n{describe(report)}")


def iso_datetime(date: str) -> str:
    y, m, d = parse_partial_date(date, "日期")
    return dt.datetime(y, m or 1, d or 1, tzinfo=CHINA_TZ).isoformat()


def pdf_date(date: str) -> str:
    y, m, d = parse_partial_date(date, "日期")
    return f"D:{y:04d}{m or 1:02d}{d or 1:02d}000000+08'00'"


def set_metadata(pdf: pikepdf.Pdf, spec: VolumeSpec, manifest_sha256: str) -> None:
    """XMP and DocInfo from the spec only (fixed dates: reproducible)."""
    from toolkit import __version__

    when = iso_datetime(spec.compiled_on)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
        meta["dc:title"] = spec.volume_title
        meta["dc:creator"] = [spec.fonds_name]
        meta["dc:description"] = (f"{spec.fonds_name} 案卷 档号 {spec.archive_code}；"
                                  f"案件编号 {spec.case_id}；{spec.category}")
        meta["dc:identifier"] = spec.archive_code
        meta["dc:source"] = spec.case_id
        meta["pdf:Keywords"] = (f"案件编号:{spec.case_id}; 档号:{spec.archive_code}; "
                                f"manifest-sha256:{manifest_sha256}")
        meta["pdf:Producer"] = f"rcmz {spec.rcmz_version or __version__} (pikepdf {pikepdf.__version__})"
        meta["xmp:CreatorTool"] = f"rcmz {spec.rcmz_version or __version__}"
        meta["xmp:CreateDate"] = when
        meta["xmp:ModifyDate"] = when
        meta["xmp:MetadataDate"] = when


def prepare(pdf: pikepdf.Pdf, spec: VolumeSpec, manifest_sha256: str) -> None:
    strip_empty_transitions(pdf)
    pdfa.prepare(pdf, FLAVOUR)
    set_metadata(pdf, spec, manifest_sha256)  # after prepare, which stamps its own time


def save(pdf: pikepdf.Pdf, path) -> None:
    """Write ``pdf`` to ``path`` and validate what was written; DossierError if it fails.

    The bytes go through :class:`toolkit.atomic.GuardedWriter`: qpdf aborts the whole process
    when a write fails inside it (a full disk), so the write error is kept and raised here, as
    an :class:`OSError`, after qpdf has finished.  ``path`` is a scratch file (removed on error).
    """
    kwargs = pdfa.resolve_save_kwargs(FLAVOUR, **SAVE_KWARGS)
    with GuardedWriter(path) as stream:
        pdf.save(cast(BinaryIO, stream), **kwargs)  # written through write(), never to the fd
    report = pdfa.validate_written(path, FLAVOUR, save_kwargs=kwargs)
    if not report.passed:
        raise DossierError(f"合并后的案卷不符合 {FLAVOUR_NAME}：\n{describe(report)}")


def validate_bytes(stream) -> pdfa.Report:
    return pdfa.validate_written(stream, FLAVOUR)
