"""真实性 and 可用性 of the file's revisions: each signature intact, valid, trusted and covering
the whole file; the revision under the signature (the unsigned volume) PDF/A-3b.

pyHanko is imported when a volume is checked, not with the package.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable
from pathlib import Path

from toolkit.dossier import pdfa
from toolkit.dossier.verify.report import FAIL, OK, WARN, VerifyReport
from toolkit.dossier.vocabulary import TEST_MARK
from toolkit.errors import VerifyError


def first_revision(data: bytes) -> bytes:
    """The file as it was before any incremental update (the unsigned PDF/A volume)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    if reader.xrefs.total_revisions <= 1:
        return data
    end = reader.xrefs.get_xref_container_info(0).end_location
    eof = data.find(b"%%EOF", end)
    if eof < 0:
        return data
    eof += 5
    while eof < len(data) and data[eof:eof + 1] in (b"\r", b"\n"):
        eof += 1
    return data[:eof]


def load_roots(trust_roots: Iterable) -> list:
    """The trust roots as certificates: asn1crypto certificates as they are, paths read as PEM
    or DER; :class:`VerifyError` naming a file that cannot be read."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.keys import load_certs_from_pemder

    out = []
    for root in trust_roots or ():
        if isinstance(root, asn1_x509.Certificate):
            out.append(root)
            continue
        path = Path(root)
        try:
            out.extend(load_certs_from_pemder([str(path)]))
        except (OSError, ValueError) as exc:         # missing / unreadable; not PEM or DER
            raise VerifyError(f"无法读取信任根证书 {path}：{exc}") from None
    return out


def check_signatures(report: VerifyReport, data: bytes, roots: list, require: bool) -> None:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    from toolkit.dossier.sign import is_test_certificate, subject_text

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, zlib.error, TypeError) as exc:
        # damaged structure, stream or signature container; pyHanko raises TypeError on some
        # malformed CMS (a byte flipped in /Contents: "'Any' object is not subscriptable")
        report.add("签名", FAIL, f"文件结构损坏，无法读取签名（{exc}）")
        return
    if not sigs:
        report.add("签名", FAIL if require else WARN, "本卷没有电子签名")
        return
    vc = ValidationContext(trust_roots=roots, allow_fetching=False)
    for sig in sigs:
        name = sig.field_name
        try:
            status = validate_pdf_signature(sig, vc)
        except (SignatureValidationError, ValueError, KeyError) as exc:
            report.add("签名", FAIL, f"签名“{name}”无法核验：{exc}")
            continue
        except (PdfError, zlib.error) as exc:
            report.add("签名", FAIL, f"签名“{name}”无法核验（文件可能已损坏）：{exc}")
            continue
        cert = status.signing_cert
        who = subject_text(cert) if cert is not None else "（未知）"
        info = {"field": name, "signer": who, "intact": status.intact, "valid": status.valid,
                "trusted": status.trusted, "coverage": str(status.coverage),
                "signing_time": status.signer_reported_dt.isoformat()
                if status.signer_reported_dt else None}
        report.signatures.append(info)
        if not status.intact:
            report.add("签名", FAIL, f"签名“{name}”所保护的内容已被改动（摘要不符）："
                                   "文件在签名后被修改或损坏")
        elif not status.valid:
            report.add("签名", FAIL, f"签名“{name}”的签名值无效")
        else:
            report.add("签名", OK, f"签名“{name}”完好有效（签名人：{who}）")
        if status.intact and status.valid:
            if not status.trusted:
                report.add("签名", FAIL, f"签名证书不能追溯到所配置的信任根（签名人：{who}）")
            else:
                report.add("签名", OK, "签名证书可追溯到所配置的信任根")
        cov = getattr(status.coverage, "name", str(status.coverage))
        if cov == "ENTIRE_FILE":
            report.add("签名", OK, "签名覆盖整个文件")
        else:
            level = getattr(status.modification_level, "name", "")
            report.add("签名", FAIL, "签名未覆盖整个文件：签名之后文件又被追加修改"
                       + (f"（修改级别 {level}）" if level else ""))
        if cert is not None and is_test_certificate(cert):
            report.add("签名", WARN, f"签名使用{TEST_MARK}")


def check_pdfa(report: VerifyReport, data: bytes) -> None:
    from pyhanko.pdf_utils.misc import PdfError

    try:
        original = first_revision(data)
    except (PdfError, zlib.error) as exc:
        report.add("PDF/A", FAIL, f"无法取出签名前的版本进行检查（{exc}）")
        return
    result = pdfa.validate_bytes(io.BytesIO(original))
    if result.passed:
        what = "签名前的案卷" if len(original) != len(data) else "案卷"
        report.add("PDF/A", OK, f"{what}符合 {pdfa.FLAVOUR_NAME}")
    else:
        report.add("PDF/A", FAIL, f"不符合 {pdfa.FLAVOUR_NAME}：\n{pdfa.describe(result)}")
