"""真实性 and 可用性 of the file's revisions: each signature intact, valid, trusted and covering
the whole file; the revision under the signature (the unsigned volume) PDF/A-3b.

pyHanko is imported when a volume is checked, not with the package.
"""

from __future__ import annotations

import contextlib
import io
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from toolkit.dossier import pdfa
from toolkit.dossier.verify.report import FAIL, OK, WARN, VerifyReport
from toolkit.dossier.vocabulary import TEST_MARK
from toolkit.errors import VerifyError


def first_revision(data: bytes) -> bytes:
    """The file as it was before any incremental update (the unsigned PDF/A volume)."""
    return data[:revision_end(io.BytesIO(data))]


def revision_end(stream: BinaryIO) -> int:
    """Where the file's first revision (the unsigned volume) ends in ``stream``: the file's
    length when it has no incremental update.  Only the cross-reference sections are read."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    size = stream.seek(0, io.SEEK_END)
    reader = PdfFileReader(stream, strict=False)
    if reader.xrefs.total_revisions <= 1:
        return size
    start = reader.xrefs.get_xref_container_info(0).end_location
    stream.seek(start)
    seen = b""
    while chunk := stream.read(_CHUNK):
        seen += chunk
        found = seen.find(b"%%EOF")
        if found >= 0:
            end = start + found + 5
            stream.seek(end)
            tail = stream.read(2)
            return end + len(tail) - len(tail.lstrip(b"\r\n"))
        start += len(seen) - 4          # keep what could be the start of a split marker
        seen = seen[-4:]
    return size


_CHUNK = 1 << 16


@contextlib.contextmanager
def unsigned_revision(path: Path) -> Iterator[Revision]:
    """The first revision of the file at ``path`` (the unsigned volume; the whole file when it
    has no incremental update) as a stream of its own, read from the file, not copied."""
    with path.open("rb") as raw:
        yield Revision(_Prefix(raw, revision_end(raw)))


class _Prefix(io.RawIOBase):
    """The first ``length`` bytes of a file, as a stream of their own (the unsigned revision of
    a signed volume, read from the file instead of copied into memory)."""

    def __init__(self, raw: io.BufferedReader, length: int):
        self.raw, self.length, self.position = raw, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.length}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer) -> int:
        wanted = min(len(buffer), max(0, self.length - self.position))
        self.raw.seek(self.position)
        got = self.raw.readinto(memoryview(buffer)[:wanted])
        self.position += got
        return got


class Revision(io.BufferedReader):
    """A revision of a file as a stream; ``length``: where it ends in the file."""

    def __init__(self, prefix: _Prefix):
        super().__init__(prefix, _CHUNK)
        self.length = prefix.length


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


def _lta_spec(roots: list):
    """The AdES validation policy for B-LT/B-LTA volumes, offline.

    The signer certificate needs revocation data (from the DSS, proven to exist by the document
    timestamps); intermediate CAs and timestamp certificates are checked when data is at hand
    and otherwise accepted at the current time — an offline verifier has no current CRL, and
    the past validation still needs the data of the signing time.
    """
    from pyhanko.sign.validation.policy_decl import PdfSignatureValidationSpec, SignatureValidationSpec
    from pyhanko_certvalidator import policy_decl as pd
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.registry import SimpleTrustManager

    trust = SimpleTrustManager.build(roots)
    soft = pd.RevocationCheckingRule.CHECK_IF_DECLARED_SOFT
    signer = pd.CertRevTrustPolicy(
        revocation_checking_policy=pd.RevocationCheckingPolicy(
            ee_certificate_rule=pd.RevocationCheckingRule.CRL_OR_OCSP_REQUIRED, intermediate_ca_cert_rule=soft),
        freshness_req_type=pd.FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION)
    stamps = pd.CertRevTrustPolicy(revocation_checking_policy=pd.RevocationCheckingPolicy(
        ee_certificate_rule=soft, intermediate_ca_cert_rule=soft))
    return PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(trust_manager=trust, revinfo_policy=signer),
        ts_cert_validation_policy=CertValidationPolicySpec(trust_manager=trust, revinfo_policy=stamps)))


def _dss_info(reader) -> dict:
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko.sign.validation.errors import NoDSSFoundError

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return {"certs": 0, "crls": 0, "ocsps": 0}
    return {"certs": len(dss.certs), "crls": len(dss.crls), "ocsps": len(dss.ocsps)}


def volume_level(sig, timestamps: list, dss: dict) -> str:
    """The PAdES baseline level ``sig`` carries: B-B, B-T, B-LT or B-LTA."""
    from toolkit.dossier.sign import has_signature_timestamp

    if not has_signature_timestamp(sig):
        return "B-B"
    if not (dss["crls"] or dss["ocsps"]):
        return "B-T"
    if any(ts.signed_revision > sig.signed_revision for ts in timestamps):
        return "B-LTA"
    return "B-LT"


def _only_signatures_added(reader) -> bool:
    """Every form field of the file is a signature field (so a FORM_FILLING change after a
    signature can only have been a further signature)."""
    form = reader.root.get("/AcroForm")
    if form is None:
        return True
    form = form.get_object()
    for ref in form.get("/Fields", []):
        field = ref.get_object()
        if field.get("/FT") != "/Sig" or "/Kids" in field:
            return False
    return True


def _local(when) -> str:
    import datetime as dt

    return when.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")


def check_signatures(report: VerifyReport, stream: BinaryIO, roots: list, require: bool) -> None:
    """The signatures of the file open in ``stream`` (pyHanko hashes their byte ranges from it)."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    from toolkit.dossier.sign import is_test_certificate, subject_text

    try:
        reader = PdfFileReader(stream, strict=False)
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
    try:
        dss = _dss_info(reader)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        report.add("签名", FAIL, f"文档安全存储（DSS）无法读取：{exc}")
        dss = {"certs": 0, "crls": 0, "ocsps": 0}
    timestamps = [s for s in sigs if s.sig_object_type == "/DocTimeStamp"]
    signatures = [s for s in sigs if s.sig_object_type != "/DocTimeStamp"]
    for k, sig in enumerate(signatures):
        _check_signature(report, reader, sig, vc, roots, timestamps, dss, first=k == 0,
                         errors=(SignatureValidationError, ValueError, KeyError),
                         damaged=(PdfError, zlib.error), validate=validate_pdf_signature,
                         is_test=is_test_certificate, who_of=subject_text)
    for ts in timestamps:
        _check_timestamp(report, ts, vc, timestamps, validate_pdf_timestamp, subject_text)
    if not signatures:
        report.add("签名", FAIL if require else WARN, "本卷只有文档时间戳，没有电子签名")


def _check_signature(report, reader, sig, vc, roots, timestamps, dss, *, first, errors, damaged, validate,
                     is_test, who_of) -> None:
    name = sig.field_name
    try:
        status = validate(sig, vc)
    except errors as exc:
        report.add("签名", FAIL, f"签名“{name}”无法核验：{exc}")
        return
    except damaged as exc:
        report.add("签名", FAIL, f"签名“{name}”无法核验（文件可能已损坏）：{exc}")
        return
    cert = status.signing_cert
    who = who_of(cert) if cert is not None else "（未知）"
    level = volume_level(sig, timestamps, dss)
    signing_time = status.timestamp_validity.timestamp if status.timestamp_validity is not None else None
    info = {"field": name, "signer": who, "intact": status.intact, "valid": status.valid,
            "trusted": status.trusted, "coverage": str(status.coverage), "level": level,
            "signing_time": status.signer_reported_dt.isoformat() if status.signer_reported_dt else None,
            "timestamp": signing_time.isoformat() if signing_time else None,
            "certificate": {"subject": who, "issuer": who_of_issuer(cert),
                            "serial": format(cert.serial_number, "x") if cert is not None else None,
                            "not_after": cert.not_valid_after.isoformat() if cert is not None else None,
                            "sha256": _fingerprint(cert)},
            "algorithm": _algorithm(sig), "test": bool(cert is not None and is_test(cert)),
            "added_later": not first}
    report.signatures.append(info)
    if not first:
        report.add("签名", OK, f"签名“{name}”是立卷签名之后追加的签名（签名人：{who}）")
    if not status.intact:
        report.add("签名", FAIL, f"签名“{name}”所保护的内容已被改动（摘要不符）：文件在签名后被修改或损坏")
    elif not status.valid:
        report.add("签名", FAIL, f"签名“{name}”的签名值无效")
    else:
        report.add("签名", OK, f"签名“{name}”完好有效（签名人：{who}）")
    report.add("签名", OK if level != "B-B" else WARN, f"签名级别：PAdES {level}" + _level_note(level, dss, timestamps))
    if status.intact and status.valid:
        _check_trust(report, sig, status, cert, who, level, roots, info)
    _check_coverage(report, reader, status)
    if cert is not None and is_test(cert):
        report.test_certificate = True
        report.add("签名", WARN, f"签名使用{TEST_MARK}")


def who_of_issuer(cert) -> str | None:
    if cert is None:
        return None
    native = dict(cert.issuer.native)
    return str(native.get("common_name") or "，".join(str(v) for v in native.values()))


def _fingerprint(cert) -> str | None:
    import hashlib

    return hashlib.sha256(cert.dump()).hexdigest() if cert is not None else None


def _algorithm(sig) -> str:
    try:
        info = sig.signer_info
        return f"{info['signature_algorithm'].signature_algo}-{info['digest_algorithm']['algorithm'].native}"
    except (KeyError, ValueError, AttributeError):
        return "unknown"


def _level_note(level: str, dss: dict, timestamps: list) -> str:
    if level == "B-B":
        return "（无可信时间戳和长期验证信息：签名证书过期后无法核验）"
    if level == "B-T":
        return "（有签名时间戳，DSS 中无吊销信息）"
    parts = [f"签名时间戳；DSS 中证书 {dss['certs']} 张、吊销列表 {dss['crls']} 份、OCSP {dss['ocsps']} 份"]
    if level == "B-LTA":
        parts.append(f"文档时间戳 {len(timestamps)} 个")
    return "（" + "；".join(parts) + "）"


def _check_trust(report, sig, status, cert, who, level, roots, info) -> None:
    import datetime as dt

    if level == "B-LTA" or (level == "B-LT" and not status.trusted):
        import asyncio

        from pyhanko.sign.ades.report import AdESPassed
        from pyhanko.sign.validation import ades

        try:
            result = asyncio.run(ades.ades_lta_validation(sig, _lta_spec(roots)))
        except (ValueError, KeyError, TypeError) as exc:  # malformed validation data
            report.add("签名", FAIL, f"长期验证（AdES-LTA）无法进行：{exc}")
            return
        when = result.best_signature_time
        info["best_signature_time"] = when.isoformat() if when else None
        info["ades"] = str(result.ades_subindic)
        if result.ades_subindic == AdESPassed.OK:
            expired = cert is not None and cert.not_valid_after < dt.datetime.now(dt.UTC)
            note = f"签名证书已于 {_local(cert.not_valid_after)} 到期，" if expired else ""
            report.add("签名", OK, f"长期验证通过：{note}在签名时间 {_local(when)}（北京时间）签名证书有效、未被吊销，"
                       "可追溯到所配置的信任根")
        else:
            sub = getattr(result.ades_subindic, "name", str(result.ades_subindic))
            report.add("签名", FAIL, f"长期验证（AdES-LTA）不通过：{sub}（{result.failure_msg or '无说明'}）；"
                       f"签名人：{who}")
        return
    if status.trusted:
        report.add("签名", OK, "签名证书有效，可追溯到所配置的信任根")
    elif cert is not None and cert.not_valid_after < dt.datetime.now(dt.UTC):
        report.add("签名", FAIL, f"签名证书已于 {_local(cert.not_valid_after)} 过期，本卷为 PAdES {level}，"
                   "没有长期验证信息，无法判断签名时证书是否有效（签名人：" + who + "）")
    else:
        report.add("签名", FAIL, f"签名证书不能追溯到所配置的信任根（签名人：{who}）")


def _check_coverage(report, reader, status) -> None:
    cov = getattr(status.coverage, "name", str(status.coverage))
    level = getattr(status.modification_level, "name", "")
    if cov == "ENTIRE_FILE":
        report.add("签名", OK, "签名覆盖整个文件")
    elif cov == "ENTIRE_REVISION" and level == "LTA_UPDATES":
        report.add("签名", OK, "签名之后只追加了文档时间戳和验证数据（DSS），未改动内容")
    elif cov == "ENTIRE_REVISION" and level == "FORM_FILLING" and _only_signatures_added(reader):
        report.add("签名", OK, "签名之后只追加了签名（以及文档时间戳、验证数据），未改动内容")
    else:
        report.add("签名", FAIL, "签名未覆盖整个文件：签名之后文件又被追加修改"
                   + (f"（修改级别 {level}）" if level else ""))


def _check_timestamp(report, ts, vc, timestamps, validate, who_of) -> None:
    import datetime as dt

    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.validation.errors import SignatureValidationError

    last = ts is timestamps[-1]
    try:
        status = validate(ts, vc)
    except (SignatureValidationError, ValueError, KeyError, PdfError, zlib.error) as exc:
        report.add("签名", FAIL, f"文档时间戳“{ts.field_name}”无法核验：{exc}")
        return
    cert = status.signing_cert
    when = status.timestamp
    tsa = who_of(cert) if cert is not None else "（未知）"
    report.timestamps.append({"field": ts.field_name, "time": when.isoformat(), "tsa": tsa,
                              "not_after": cert.not_valid_after.isoformat() if cert is not None else None,
                              "intact": status.intact, "valid": status.valid, "trusted": status.trusted})
    if not (status.intact and status.valid):
        report.add("签名", FAIL, f"文档时间戳“{ts.field_name}”已被改动或无效")
        return
    now = dt.datetime.now(dt.UTC)
    expires = cert.not_valid_after if cert is not None else now
    if last:
        if expires < now:
            report.add("签名", FAIL, f"最近一次文档时间戳（{_local(when)}，{tsa}）的证书已于 {_local(expires)} 到期，"
                       "未及时续展")
        elif expires - now < dt.timedelta(days=365):
            report.add("签名", WARN, f"最近一次文档时间戳的证书将于 {_local(expires)} 到期：请在此之前运行 rcmz renew")
        else:
            report.add("签名", OK, f"最近一次文档时间戳：{_local(when)}（{tsa}，证书 {_local(expires)} 到期）")
    else:
        report.add("签名", OK, f"文档时间戳：{_local(when)}（{tsa}），已由其后的文档时间戳延续")


def check_pdfa(report: VerifyReport, path: Path) -> None:
    """PDF/A of the first revision of the file at ``path``, read from the file: the unsigned
    revision of a signed volume is not copied out of it."""
    from pyhanko.pdf_utils.misc import PdfError

    try:
        with unsigned_revision(path) as revision:
            result = pdfa.validate_volume(revision, {})
            signed = revision.length != path.stat().st_size
    except (PdfError, zlib.error) as exc:
        report.add("PDF/A", FAIL, f"无法取出签名前的版本进行检查（{exc}）")
        return
    if result.passed:
        report.add("PDF/A", OK, f"{'签名前的案卷' if signed else '案卷'}符合 {pdfa.FLAVOUR_NAME}")
    else:
        report.add("PDF/A", FAIL, f"不符合 {pdfa.FLAVOUR_NAME}：\n{pdfa.describe(result)}")
