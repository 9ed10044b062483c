"""PAdES signature of the volume (pyHanko), its long-term levels, renewal, and throwaway test
certificates.

The volume is signed last, as an incremental update of the PDF/A file, with
``/SubFilter /ETSI.CAdES.detached`` and a visible signature on the 卷内备考表.

Levels (ETSI EN 319 142-1 PAdES baseline): without a timestamp authority the signature is
**B-B** and the build says what it lacks.  With one (``bureau.yaml`` ``signing.tsa``) it is
**B-LTA** (or **B-LT** when asked): a signature timestamp (B-T), the signer's and the TSA's
certificates and revocation data in the document security store (DSS, B-LT), then a document
timestamp over all of it (B-LTA).  :func:`renew` adds a further document timestamp, with the
revocation data of the last one, before that one's certificate runs out.  Revocation data comes
from CRL files the bureau keeps (``signing.tsa.crls``) and, when allowed, from the CRL and OCSP
addresses in the certificates.  A test certificate has no revocation data: with a TSA it signs
B-T.

The visible
signature is pyHanko's own stamp (signer, signing time, certificate fingerprint) in an embedded
TrueType subset made for exactly the characters of the stamp (fast to load, small), so the bytes
before signing do not depend on the signing time and stay reproducible.

The PKCS#12 passphrase comes from an environment variable (default ``RCMZ_P12_PASSPHRASE``) or a
hidden prompt that the CLI supplies — never from a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from toolkit.atomic import OutputError, write_bytes_atomic
from toolkit.dossier.spec import DEFAULT_PASSPHRASE_ENV, SignerConfig
from toolkit.dossier.vocabulary import TEST_MARK
from toolkit.errors import DossierError

CHINA_TZ = dt.timezone(dt.timedelta(hours=8))
STAMP_FONT_SIZE = 8

log = logging.getLogger("rcmz.dossier")

#: The PAdES baseline levels, lowest first.
LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
#: What a B-B signature lacks, said by ``rcmz dossier`` when no TSA is configured.
B_B_LACKS = ("未配置时间戳服务（bureau.yaml 的 signing.tsa）：案卷签名为 PAdES B-B，缺少可信时间戳（B-T）、"
             "DSS 中的证书与吊销信息（B-LT）和文档时间戳（B-LTA）；签名证书过期后本卷将无法核验，"
             "永久保管的案卷应配置时间戳服务")


@dataclass(frozen=True)
class TsaSettings:
    """A timestamp authority (RFC 3161 over HTTP) and where revocation data comes from.

    ``level``: ``B-LTA`` (default) or ``B-LT``.  ``crls``: CRL files (DER or PEM) the bureau
    keeps current; ``fetch``: also fetch CRLs/OCSP from the addresses in the certificates.
    ``trust_roots``: roots of the TSA's (and the signer's) chain, for building the chains the DSS
    holds and for verifying the timestamps.
    """

    url: str
    level: str = "B-LTA"
    crls: tuple[Path, ...] = ()
    fetch: bool = False
    trust_roots: tuple[Path, ...] = ()
    timeout: int = 10


@dataclass(frozen=True)
class LongTermSigner(SignerConfig):
    """:class:`SignerConfig` with the long-term settings (None: PAdES B-B)."""

    tsa: TsaSettings | None = None
    trust_roots: tuple[Path, ...] = ()


# ------------------------------------------------------------------------------------------------
# loading the key


def read_passphrase(cfg: SignerConfig) -> bytes:
    value = os.environ.get(cfg.passphrase_env)
    if value is None and cfg.ask_passphrase is not None:
        value = cfg.ask_passphrase(cfg.p12)
    if value is not None:
        return value.encode("utf-8")
    raise DossierError(f"未提供签名证书口令：请设置环境变量 {cfg.passphrase_env}"
                       "（或在终端中运行以便输入口令）；口令不得写在仓库中的文件里")


def load_signing_code() -> None:
    """Import what signing uses (pyHanko's signers, timestamps and font tools), so that a run
    can do it while other processes work (toolkit.pipeline.dossier: while rendering)."""
    import pyhanko.pdf_utils.font.opentype
    import pyhanko.pdf_utils.incremental_writer
    import pyhanko.sign.signers
    import pyhanko.sign.timestamps  # noqa: F401


def load_signer(cfg: SignerConfig, passphrase: bytes | None = None):
    """The pyHanko signer for ``cfg`` (``passphrase``: already read, else :func:`read_passphrase`);
    :class:`DossierError` when the key cannot be used."""
    from pyhanko.sign import signers

    if not cfg.p12.is_file():
        raise DossierError(f"找不到签名证书文件（PKCS#12）：{cfg.p12}")
    if passphrase is None:
        passphrase = read_passphrase(cfg)
    try:
        loaded = signers.SimpleSigner.load_pkcs12_data(cfg.p12.read_bytes(), other_certs=set(),
                                                       passphrase=passphrase or None)
    except ValueError:  # what pyHanko raises for a wrong passphrase and for a file that is not PKCS#12
        raise DossierError(f"无法读取签名证书 {cfg.p12}：口令错误或文件不是 PKCS#12") from None
    except OSError as error:
        raise DossierError(f"无法读取签名证书 {cfg.p12}：{error.strerror}") from None
    signer = _key_kept_signer()(signing_cert=loaded.signing_cert, signing_key=loaded.signing_key,
                                cert_registry=loaded.cert_registry,
                                signature_mechanism=loaded.signature_mechanism)
    cert = signer.signing_cert
    now = dt.datetime.now(dt.UTC)
    if cert.not_valid_after < now:
        raise DossierError(f"签名证书已于 {cert.not_valid_after:%Y-%m-%d} 过期：{subject_text(cert)}")
    if cert.not_valid_before > now:
        raise DossierError(f"签名证书尚未生效（{cert.not_valid_before:%Y-%m-%d} 起）：{subject_text(cert)}")
    return signer


_KEY_KEPT_SIGNER: list[type] = []


def _key_kept_signer() -> type:
    """pyHanko's ``SimpleSigner``, keeping the private key it signs with as a ``cryptography``
    key: pyHanko's own parses (and checks) the key again at every signature it makes — two per
    volume, the size estimate and the signature, tens of milliseconds each for RSA."""
    if _KEY_KEPT_SIGNER:
        return _KEY_KEPT_SIGNER[0]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class KeyKeptSigner(SimpleSigner):
        _private_key = None

        def _key(self):
            if self._private_key is None:
                self._private_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            return self._private_key

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                name = mechanism.signature_algo
            except ValueError:
                name = mechanism["algorithm"].native
            key = self._key()
            if name == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
                return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            if name == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
                return key.sign(data, signature_algorithm=ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
            return super().sign_raw(data, digest_algorithm)  # the other mechanisms as pyHanko signs them

    _KEY_KEPT_SIGNER.append(KeyKeptSigner)
    return KeyKeptSigner


def _subject(cert) -> dict:
    return dict(cert.subject.native)


def subject_text(cert) -> str:
    """``CN（O）`` of a certificate, for messages."""
    s = _subject(cert)
    cn, org = s.get("common_name"), s.get("organization_name")
    if cn:
        return f"{cn}（{org}）" if org and org not in str(cn) else str(cn)
    return "，".join(str(v) for v in s.values() if v)


def is_test_certificate(cert) -> bool:
    """True for certificates made by :func:`create_test_certificate` (marked in the subject)."""
    return any("TEST CERTIFICATE" in str(v) or "测试证书" in str(v) for v in _subject(cert).values())


def fingerprint(cert) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


# ------------------------------------------------------------------------------------------------
# the stamp font


def _stamp_font(book, role: str, text: str, work: Path) -> Path:
    """A TrueType subset with just the glyphs of ``text`` (pyHanko embeds it in the stamp).

    Loading the faces and subsetting one takes fontTools and reportlab most of a second and
    tens of MB, and the stamp's characters are the same at every signing with one certificate
    (the time is in ASCII digits, all of which are kept): the subset is kept in the user's cache
    folder, named by what it is made from — the characters and the font files of the roles it
    may come from — and made again only when one of them changes.
    """
    chars = set(text) | {chr(c) for c in range(0x20, 0x7F)}
    chars.discard("\n")
    wanted = "".join(sorted(chars))
    roles = (role, "songti", "heiti", "kaiti", "fangsong")
    kept = _stamp_font_cache(book, roles, wanted)
    if kept is not None and kept.is_file():
        return kept
    # the other roles' faces are loaded only when the first role's lack a character
    candidates = (f for r in roles for f in book.faces(r))
    face = next((f for f in candidates if all(ord(ch) in f.cmap or ch == " " for ch in chars)), None)
    if face is None:
        missing = sorted(ch for ch in chars if all(ord(ch) not in f.cmap for f in book.faces(role)))
        raise DossierError(f"签名外观中的字符无法排印（字体均不含：{''.join(missing[:10])}）")
    out = work / "stamp-font.ttf"
    # a kept subset is made once: then with TrueType outlines, which pyHanko subsets again at
    # each signing in half the time it takes for CFF ones (converting costs more than it saves
    # when the subset is not kept)
    _subset(face, wanted, out, truetype=kept is not None)
    if kept is not None:
        try:
            write_bytes_atomic(kept, out.read_bytes())
        except (OSError, OutputError):  # a cache that cannot be written only costs time
            pass
    return out


def _stamp_font_cache(book, roles: tuple[str, ...], chars: str) -> Path | None:
    """Where the stamp font for ``chars`` from the faces of ``roles`` is kept (None: caching
    is off)."""
    from fontTools import version as fonttools_version

    from toolkit.cachefile import cache_folder

    folder = cache_folder()
    if folder is None:
        return None
    made_from = [fonttools_version, str(_SUBSET_FORMAT), chars, *book.file_signatures(roles)]
    key = hashlib.sha256("\0".join(made_from).encode("utf-8")).hexdigest()
    return folder / "stamp-fonts" / f"{key[:32]}.ttf"


#: Changed whenever :func:`_subset` makes different files, so that older subsets are not used.
_SUBSET_FORMAT = 2


def _subset(face, chars: str, out: Path, *, truetype: bool = False) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.layout_features = ["*"]
    # Bitmap and FontForge tables of the free fonts are of no use in a stamp; naming them
    # keeps fontTools from warning on the console that it cannot subset them.
    opts.drop_tables += ["BDF", "EBDT", "EBLC", "EBSC", "FFTM"]
    font = TTFont(face.path, fontNumber=face.index, lazy=True)
    sub = subset.Subsetter(opts)
    sub.populate(text=chars)
    sub.subset(font)
    if truetype and "CFF " in font:
        _cff_to_glyf(font)
    font.save(str(out))
    font.close()


def _cff_to_glyf(font) -> None:
    """Replace the CFF outlines of ``font`` by TrueType ones (quadratic, within one unit of the
    cubic curves: fontTools' cu2qu, as its otf2ttf does)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    outlines = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(outlines)
        outlines[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    if "VORG" in font:  # vertical origins of CFF outlines only
        del font["VORG"]
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\000\001\000\000"


# ------------------------------------------------------------------------------------------------
# signing


def stamp_lines(cert, when: dt.datetime, level: str = "B-B") -> list[str]:
    s = _subject(cert)
    name = s.get("common_name") or subject_text(cert)
    org = s.get("organization_name") or ""
    lines = [f"电子签名（PAdES {level}）", f"签名人：{name}"]
    if org:
        lines.append(f"单　位：{org}")
    lines.append(f"时　间：{when:%Y-%m-%d %H:%M:%S}（北京时间）")
    lines.append(f"证书指纹：{fingerprint(cert)[:32]}")
    if is_test_certificate(cert):
        lines.append(TEST_MARK)
    return lines


def signature_level(cfg: SignerConfig, cert) -> str:
    """The level a volume signed with ``cfg`` and certificate ``cert`` gets."""
    tsa = getattr(cfg, "tsa", None)
    if tsa is None:
        return "B-B"
    if is_test_certificate(cert):
        return "B-T"  # a test CA publishes no revocation data
    return tsa.level


def _load_crls(paths) -> list:
    from asn1crypto import crl as asn1_crl
    from asn1crypto import pem

    out = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise DossierError(f"无法读取吊销列表 {path}：{error.strerror}") from None
        try:
            if pem.detect(data):
                out += [asn1_crl.CertificateList.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
            else:
                crl = asn1_crl.CertificateList.load(data)
                crl.native  # noqa: B018 — parse now, so a damaged file is named here
                out.append(crl)
        except (ValueError, TypeError):
            raise DossierError(f"吊销列表 {path} 不是 DER 或 PEM 格式的 CRL") from None
    return out


def _roots(paths) -> list:
    from pyhanko.keys import load_certs_from_pemder

    try:
        return list(load_certs_from_pemder([str(p) for p in paths]))
    except (OSError, ValueError) as error:
        raise DossierError(f"无法读取信任根证书（{', '.join(map(str, paths))}）：{error}") from None


def validation_context(tsa: TsaSettings, trust_roots=(), *, crls: list | None = None):
    """The pyHanko context that collects the chains and revocation data for the DSS."""
    from pyhanko_certvalidator import ValidationContext

    roots = _roots(tuple(trust_roots) + tuple(tsa.trust_roots))
    return ValidationContext(trust_roots=roots or None, crls=_load_crls(tsa.crls) if crls is None else crls,
                             allow_fetching=tsa.fetch, revocation_mode="hard-fail")


def _timestamper(tsa: TsaSettings):
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(tsa.url, timeout=tsa.timeout)


def _signing_failure(error: Exception, tsa: TsaSettings | None) -> DossierError:
    """A Chinese message for what pyHanko, certvalidator or the TSA client raised."""
    from pyhanko.sign.timestamps import TimestampRequestError
    from pyhanko_certvalidator.errors import (
        ExpiredError,
        InsufficientRevinfoError,
        PathBuildingError,
        RevokedError,
    )

    cause: BaseException | None = error  # pyHanko wraps certvalidator's error in a SigningError
    while cause is not None:
        if isinstance(cause, RevokedError | ExpiredError | InsufficientRevinfoError | PathBuildingError):
            error = cause
            break
        cause = cause.__cause__ or cause.__context__
    text = str(error).strip() or type(error).__name__
    if isinstance(error, RevokedError):
        return DossierError(f"签名证书已被吊销，不能签名：{text}")
    if isinstance(error, ExpiredError):
        return DossierError(f"证书已过期，不能签名：{text}")
    if isinstance(error, InsufficientRevinfoError):
        return DossierError("取不到证书的吊销信息，不能签为长期验证级别（B-LT/B-LTA）：请在 signing.tsa.crls 中"
                            f"给出签名 CA 和时间戳服务 CA 的最新 CRL，或设置 fetch_revocation: true（{text}）")
    if isinstance(error, PathBuildingError):
        return DossierError("签名证书或时间戳证书不能追溯到所配置的信任根（signing.trust_roots、"
                            f"signing.tsa.trust_roots）：{text}")
    if isinstance(error, TimestampRequestError) or (tsa is not None and _is_network_error(error)):
        where = tsa.url if tsa is not None else "时间戳服务"
        return DossierError(f"无法从时间戳服务 {where} 取得时间戳：{text}")
    return DossierError(f"签名失败：{text}")


def _is_network_error(error: Exception) -> bool:
    try:
        import aiohttp
    except ImportError:  # pragma: no cover — pyHanko's HTTP client needs it
        return isinstance(error, OSError)
    return isinstance(error, aiohttp.ClientError | OSError | TimeoutError)


def _signing_errors() -> tuple[type[Exception], ...]:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.timestamps import TimestampRequestError
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, ValidationError

    return (SigningError, PdfError, TimestampRequestError, PathValidationError, PathBuildingError,
            ValidationError, OSError, TimeoutError, ValueError)


#: Bytes read at a time while pyHanko hashes the signed byte ranges (its default is 4 KiB).
DIGEST_CHUNK = 1 << 20


def sign_pdf(path: Path, signer, cfg: SignerConfig, *, page: int,
             rect: tuple[float, float, float, float], book, work: Path) -> dict:
    """Sign the file at ``path`` in place, as an incremental update appended to it; returns what
    the stamp says.

    pyHanko reads the file's objects from it, appends the update and hashes the signed byte
    ranges from the file in chunks: the volume is never held in memory (given an output stream
    it cannot read back, pyHanko would build the whole signed file in a BytesIO first).  ``path``
    is a scratch file of the build, so a failure half-way leaves nothing the user sees.

    The level follows ``cfg`` (:func:`signature_level`); B-B says in the log what it lacks."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    cert = signer.signing_cert
    tsa: TsaSettings | None = getattr(cfg, "tsa", None)
    level = signature_level(cfg, cert)
    when = dt.datetime.now(CHINA_TZ).replace(microsecond=0)
    lines = stamp_lines(cert, when, level)
    text = "\n".join(lines)
    font = _stamp_font(book, cfg.font_role, text, work)
    style = TextStampStyle(
        stamp_text="%(rcmz_text)s",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(font), font_size=STAMP_FONT_SIZE),
                                    leading=STAMP_FONT_SIZE + 3),
        border_width=1, background=None)
    reason = cfg.reason
    if is_test_certificate(cert):
        reason = f"{TEST_MARK}；{reason}"
    long_term = level in ("B-LT", "B-LTA")
    vc = validation_context(tsa, getattr(cfg, "trust_roots", ())) if tsa is not None and long_term else None
    meta = signers.PdfSignatureMetadata(
        field_name=cfg.field_name, reason=reason, location=cfg.location or None,
        contact_info=cfg.contact or None, subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256", embed_validation_info=long_term, use_pades_lta=level == "B-LTA",
        validation_context=vc)
    pdf_signer = signers.PdfSigner(
        meta, signer=signer, stamp_style=style, timestamper=_timestamper(tsa) if tsa is not None else None,
        new_field_spec=fields.SigFieldSpec(cfg.field_name, on_page=page,
                                           # pyHanko types the box as ints; it takes points
                                           box=tuple(round(v, 2) for v in rect)))  # type: ignore[arg-type]
    if tsa is None:
        log.warning(B_B_LACKS)
    elif level == "B-T":
        log.warning("测试证书没有吊销信息：案卷签名为 PAdES B-T（含时间戳），不是 B-LT/B-LTA")
    try:
        with open(path, "r+b") as stream:
            writer = IncrementalPdfFileWriter(stream)
            pdf_signer.sign_pdf(writer, in_place=True, chunk_size=DIGEST_CHUNK,
                                appearance_text_params={"rcmz_text": text})
    except DossierError:
        raise
    except OSError as error:
        if tsa is not None and _is_network_error(error) and not isinstance(error, FileNotFoundError | PermissionError):
            raise _signing_failure(error, tsa) from None
        raise DossierError(f"签名失败：无法写入 {path}（{error.strerror}）") from None
    except _signing_errors() as error:  # the file cannot take a signature, the TSA or the chain failed
        raise _signing_failure(error, tsa) from None
    except Exception as error:
        if _is_network_error(error):
            raise _signing_failure(error, tsa) from None
        raise
    return {"signer": subject_text(cert), "time": when.isoformat(), "lines": lines,
            "test": is_test_certificate(cert), "level": level}


# ------------------------------------------------------------------------------------------------
# renewal


@dataclass(frozen=True)
class Renewal:
    """What :func:`renew` did: the path, the level now, the new timestamp and its certificate's end."""

    path: Path
    level_before: str
    timestamp_time: dt.datetime
    tsa: str
    tsa_expires: dt.datetime
    upgraded: bool  # the volume had no document timestamp: its signature's data went into the DSS

    def text(self) -> str:
        local = dt.timezone(dt.timedelta(hours=8))
        head = (f"已由 {self.level_before} 升级为 PAdES B-LTA：签名的证书与吊销信息已存入 DSS，并加盖文档时间戳"
                if self.upgraded else "已续展 PAdES B-LTA：最近一次时间戳的吊销信息已存入 DSS，并加盖新的文档时间戳")
        return "\n".join([head, f"时间戳时间：{self.timestamp_time.astimezone(local):%Y-%m-%d %H:%M:%S}（北京时间）",
                          f"时间戳服务：{self.tsa}，证书 {self.tsa_expires.astimezone(local):%Y-%m-%d} 到期，"
                          "请在此之前再次运行 rcmz renew", str(self.path)])


def has_signature_timestamp(embedded_sig) -> bool:
    """True when the signature carries a signature timestamp (PAdES B-T)."""
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    return any(True for _ in extract_tst_data_iter(embedded_sig.signer_info, signed=False))


def _chain_issuers(signed_data) -> set:
    """Issuer names of every certificate a CMS structure carries (the chain of its signer)."""
    return {c.chosen.issuer.dump() for c in signed_data["certificates"] or ()} | \
        {c.chosen.subject.dump() for c in signed_data["certificates"] or ()}


def renew(path: Path, tsa: TsaSettings, trust_roots=()) -> Renewal:
    """Add a document timestamp to the signed volume at ``path`` (in place, as an incremental
    update: every earlier byte stays as it was).

    A volume with document timestamps gets the revocation data of the last one's chain into the
    DSS, then a new document timestamp over it (pyHanko's archival timestamp chain).  A volume
    without any (B-B, B-T) first gets its signature's chain and revocation data into the DSS —
    possible only while the signer certificate is still valid — and becomes B-LTA.

    Only CRLs of the last timestamp's chain are offered to the DSS update: a CRL of the signer's
    CA issued after the signer certificate expired would make AdES past validation judge the
    signature at a time the certificate no longer covers.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import PdfTimeStamper
    from pyhanko.sign.validation import add_validation_info

    from toolkit.atomic import output_error, publish, work_dir

    path = Path(path)
    crls = _load_crls(tsa.crls)
    stamper = PdfTimeStamper(_timestamper(tsa))
    # The timestamp is appended to a copy in a scratch folder beside the volume, in place (the
    # volume is never held in memory), checked to have kept every byte before it, then moved
    # over the volume.
    try:
        path.open("rb").close()
    except OSError as error:
        raise DossierError(f"无法读取 {path}：{error.strerror}") from None
    with work_dir(path.parent) as work:
        copy = work / "renewed.pdf"
        try:
            shutil.copyfile(path, copy)
        except OSError as error:  # the folder is full or cannot be written
            raise output_error(error, path.parent) from None
        with copy.open("r+b") as out:
            try:
                reader = PdfFileReader(out, strict=False)
                signatures = [s for s in reader.embedded_signatures if s.sig_object_type != "/DocTimeStamp"]
                timestamps = reader.embedded_timestamp_signatures
            except (PdfError, ValueError, KeyError) as error:
                raise DossierError(f"{path} 不是可读的 PDF：{error}") from None
            if not signatures:
                raise DossierError(f"{path} 没有电子签名：只有已签名的案卷需要续展时间戳")
            try:
                if timestamps:
                    issuers = _chain_issuers(timestamps[-1].signed_data)
                    chain_crls = [c for c in crls if c.issuer.dump() in issuers]
                    vc = validation_context(tsa, trust_roots, crls=chain_crls)
                    stamper.update_archival_timestamp_chain(PdfFileReader(out, strict=False), vc, in_place=True)
                    before = "B-LTA"
                else:
                    vc = validation_context(tsa, trust_roots, crls=crls)
                    before = "B-T" if has_signature_timestamp(signatures[-1]) else "B-B"
                    last_sig = [s for s in PdfFileReader(out, strict=False).embedded_signatures
                                if s.sig_object_type != "/DocTimeStamp"][-1]
                    add_validation_info(last_sig, vc, in_place=True)
                    out.seek(0)
                    stamper.timestamp_pdf(IncrementalPdfFileWriter(out), "sha256", vc, in_place=True)
            except DossierError:
                raise
            except _signing_errors() as error:
                raise _signing_failure(error, tsa) from None
            except Exception as error:
                if _is_network_error(error):
                    raise _signing_failure(error, tsa) from None
                raise
            out.flush()
            token = PdfFileReader(out, strict=False).embedded_timestamp_signatures[-1]
            cert = token.signer_cert
            tst = token.signed_data["encap_content_info"]["content"].parsed
        if not _starts_with(copy, path):  # an incremental update only appends
            raise DossierError("续展时间戳时文件的原有内容被改变，未写入")
        os.chmod(copy, path.stat().st_mode & 0o777)
        publish(copy, path, overwrite=True)
    return Renewal(path, before, tst["gen_time"].native, subject_text(cert), cert.not_valid_after,
                   upgraded=not timestamps)


def _starts_with(longer: Path, prefix: Path) -> bool:
    """Whether the file ``longer`` begins with every byte of the file ``prefix``, read in chunks."""
    with longer.open("rb") as a, prefix.open("rb") as b:
        while chunk := b.read(DIGEST_CHUNK):
            if a.read(len(chunk)) != chunk:
                return False
    return True


# ------------------------------------------------------------------------------------------------
# test certificates


def _check_not_in_git(out_dir: Path) -> None:
    """Refuse to write a private key where git would pick it up."""
    probe = out_dir / "probe.p12"
    try:
        inside = subprocess.run(["git", "-C", str(out_dir), "rev-parse", "--is-inside-work-tree"],
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return  # no git here
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return
    ignored = subprocess.run(["git", "-C", str(out_dir), "check-ignore", "-q", str(probe)],
                             capture_output=True, timeout=10)
    if ignored.returncode != 0:
        raise DossierError(f"{out_dir} 在 git 仓库中且未被 .gitignore 忽略：私钥不得进入 git。"
                           "请改用被忽略的目录（如 build/.testcert/ 或 secrets/）")


def create_test_certificate(out_dir: Path, org_name: str, *, passphrase: str | None = None,
                            passphrase_env: str = DEFAULT_PASSPHRASE_ENV,
                            valid_days: int = 3 * 365) -> tuple[Path, Path]:
    """Make a throwaway self-signed CA and a signer certificate for trying the signature out.

    Writes ``test-signer.p12`` (signer key + certificate + CA, protected by ``passphrase`` or the
    environment variable ``passphrase_env``) and ``test-ca.pem`` (the trust root to give
    :func:`verify_dossier`) into ``out_dir``, which must be ignored by git.  Both subjects carry
    :data:`TEST_MARK`; the 备考表 and the signature's reason then say so.
    Returns ``(p12 path, CA certificate path)``.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    out_dir = Path(out_dir)
    if passphrase is None:
        passphrase = os.environ.get(passphrase_env)
    if not passphrase:
        raise DossierError(f"请为测试证书设置口令（环境变量 {passphrase_env}）")
    out_dir.mkdir(parents=True, exist_ok=True)
    _check_not_in_git(out_dir)
    org = (org_name or "测试单位").strip()[:60]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def name(cn: str) -> x509.Name:
        return x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEST_MARK),
            x509.NameAttribute(NameOID.COMMON_NAME, cn[:64]),
        ])

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = name(f"{org} 测试根证书")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=valid_days + 30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(name(f"{org} 案卷签名（测试）"))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=valid_days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(
        b"rcmz-test-signer", key, cert, [ca],
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")))
    p12_path = write_bytes_atomic(out_dir / "test-signer.p12", p12, mode=0o600)
    ca_path = write_bytes_atomic(out_dir / "test-ca.pem", ca.public_bytes(serialization.Encoding.PEM))
    write_bytes_atomic(out_dir / "test-signer.pem", cert.public_bytes(serialization.Encoding.PEM))
    return p12_path, ca_path
