"""PAdES signature of the volume (pyHanko), and throwaway test certificates.

The volume is signed last, as an incremental update of the PDF/A file, with
``/SubFilter /ETSI.CAdES.detached`` and a visible signature on the 卷内备考表.  The visible
signature is pyHanko's own stamp (signer, signing time, certificate fingerprint) in an embedded
TrueType subset made for exactly the characters of the stamp (fast to load, small), so the bytes
before signing do not depend on the signing time and stay reproducible.

The PKCS#12 passphrase comes from an environment variable (default ``RCMZ_P12_PASSPHRASE``) or a
hidden prompt that the CLI supplies — never from a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from pathlib import Path

from toolkit.atomic import write_bytes_atomic
from toolkit.dossier.spec import DEFAULT_PASSPHRASE_ENV, SignerConfig
from toolkit.dossier.vocabulary import TEST_MARK
from toolkit.errors import DossierError

CHINA_TZ = dt.timezone(dt.timedelta(hours=8))
STAMP_FONT_SIZE = 8


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


def load_signer(cfg: SignerConfig):
    """The pyHanko signer for ``cfg``; :class:`DossierError` when the key cannot be used."""
    from pyhanko.sign import signers

    if not cfg.p12.is_file():
        raise DossierError(f"找不到签名证书文件（PKCS#12）：{cfg.p12}")
    passphrase = read_passphrase(cfg)
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(cfg.p12.read_bytes(), other_certs=set(),
                                                       passphrase=passphrase or None)
    except ValueError:  # what pyHanko raises for a wrong passphrase and for a file that is not PKCS#12
        raise DossierError(f"无法读取签名证书 {cfg.p12}：口令错误或文件不是 PKCS#12") from None
    except OSError as error:
        raise DossierError(f"无法读取签名证书 {cfg.p12}：{error.strerror}") from None
    cert = signer.signing_cert
    now = dt.datetime.now(dt.UTC)
    if cert.not_valid_after < now:
        raise DossierError(f"签名证书已于 {cert.not_valid_after:%Y-%m-%d} 过期：{subject_text(cert)}")
    if cert.not_valid_before > now:
        raise DossierError(f"签名证书尚未生效（{cert.not_valid_before:%Y-%m-%d} 起）：{subject_text(cert)}")
    return signer


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
    """A TrueType subset with just the glyphs of ``text`` (pyHanko embeds it in the stamp)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    chars = set(text) | {chr(c) for c in range(0x20, 0x7F)}
    chars.discard("\n")
    face = None
    for f in book.faces(role) + [f for r in ("songti", "heiti", "kaiti", "fangsong")
                                 for f in book.faces(r)]:
        if all(ord(ch) in f.cmap or ch == " " for ch in chars):
            face = f
            break
    if face is None:
        missing = sorted(ch for ch in chars if all(ord(ch) not in f.cmap for f in book.faces(role)))
        raise DossierError(f"签名外观中的字符无法排印（字体均不含：{''.join(missing[:10])}）")
    opts = subset.Options()
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    opts.layout_features = ["*"]
    # Bitmap and FontForge tables of the free fonts are of no use in a stamp; naming them
    # keeps fontTools from warning on the console that it cannot subset them.
    opts.drop_tables += ["BDF", "EBDT", "EBLC", "EBSC", "FFTM"]
    font = TTFont(face.path, fontNumber=face.index, lazy=True)
    sub = subset.Subsetter(opts)
    sub.populate(text="".join(sorted(chars)))
    sub.subset(font)
    out = work / "stamp-font.ttf"
    font.save(str(out))
    font.close()
    return out


# ------------------------------------------------------------------------------------------------
# signing


def stamp_lines(cert, when: dt.datetime) -> list[str]:
    s = _subject(cert)
    name = s.get("common_name") or subject_text(cert)
    org = s.get("organization_name") or ""
    lines = ["电子签名（PAdES）", f"签名人：{name}"]
    if org:
        lines.append(f"单　位：{org}")
    lines.append(f"时　间：{when:%Y-%m-%d %H:%M:%S}（北京时间）")
    lines.append(f"证书指纹：{fingerprint(cert)[:32]}")
    if is_test_certificate(cert):
        lines.append(TEST_MARK)
    return lines


def sign_pdf(src: Path, dst: Path, signer, cfg: SignerConfig, *, page: int,
             rect: tuple[float, float, float, float], book, work: Path) -> dict:
    """Sign ``src`` into ``dst`` as an incremental update; returns what the stamp says."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError
    from pyhanko.stamp import TextStampStyle

    cert = signer.signing_cert
    when = dt.datetime.now(CHINA_TZ).replace(microsecond=0)
    lines = stamp_lines(cert, when)
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
    meta = signers.PdfSignatureMetadata(
        field_name=cfg.field_name, reason=reason, location=cfg.location or None,
        contact_info=cfg.contact or None, subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256")
    pdf_signer = signers.PdfSigner(
        meta, signer=signer, stamp_style=style,
        new_field_spec=fields.SigFieldSpec(cfg.field_name, on_page=page,
                                           # pyHanko types the box as ints; it takes points
                                           box=tuple(round(v, 2) for v in rect)))  # type: ignore[arg-type]
    try:
        with open(src, "rb") as inf, open(dst, "wb") as outf:
            writer = IncrementalPdfFileWriter(inf)
            pdf_signer.sign_pdf(writer, output=outf, appearance_text_params={"rcmz_text": text})
    except DossierError:
        raise
    except OSError as error:
        raise DossierError(f"签名失败：无法写入 {dst}（{error.strerror}）") from None
    except (SigningError, PdfError) as error:  # the file cannot take a signature
        raise DossierError(f"签名失败：{error}") from None
    return {"signer": subject_text(cert), "time": when.isoformat(), "lines": lines,
            "test": is_test_certificate(cert)}


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
