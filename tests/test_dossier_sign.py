"""PAdES signature of the volume, verification, no-overwrite, test certificates, passphrases."""

from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest

from test_dossier_support import (
    PASS_ENV,
    PASSPHRASE,
    content_offset,
    flip_byte,
    make_case,
    page_texts,
)
from toolkit.dossier import (
    TEST_MARK,
    SignerConfig,
    build_dossier,
    create_test_certificate,
    is_signed,
    verify_dossier,
)
from toolkit.dossier.verify import first_revision
from toolkit.errors import DossierError

pytest_plugins = ["test_dossier_support"]  # its fixtures: test_cert, signer_config


@pytest.fixture(scope="module")
def case_root(tmp_path_factory):
    return tmp_path_factory.mktemp("signed")


@pytest.fixture
def signed(case_root, signer_config):
    spec = make_case(case_root)
    out = case_root / "out"
    path = build_dossier(spec, out, signer_config)
    yield spec, path
    for p in out.iterdir():
        p.unlink()


def test_signature_validates_with_pyhanko(signed, test_cert):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _, path = signed
    vc = ValidationContext(trust_roots=[load_cert_from_pemder(str(test_cert[1]))],
                           allow_fetching=False)
    with open(path, "rb") as f:
        reader = PdfFileReader(f)
        sigs = reader.embedded_signatures
        assert len(sigs) == 1
        sig = sigs[0]
        assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
        assert TEST_MARK in str(sig.sig_object["/Reason"])
        status = validate_pdf_signature(sig, vc)
        assert status.intact and status.valid and status.trusted
        assert status.coverage.name == "ENTIRE_FILE"


def test_visible_signature_on_notes_sheet(signed):
    _, path = signed
    with pikepdf.open(path) as pdf:
        last = pdf.pages[-1]
        widgets = [a for a in last.obj.get("/Annots", []) if a.get("/Subtype") == "/Widget"]
        assert len(widgets) == 1
        w = widgets[0]
        assert w.FT == "/Sig"
        x0, y0, x1, y1 = (float(v) for v in w.Rect)
        assert x1 - x0 > 150 and y1 - y0 > 60     # a real, visible box
        ap = w.AP.N
        assert len(ap.read_bytes()) > 100          # it draws something
        fonts = _fonts_in(ap)
        assert fonts and all("/FontFile2" in str(f.get("/FontDescriptor", {}).keys())
                             or "/DescendantFonts" in f for f in fonts)


def _fonts_in(form) -> list:
    out = []
    res = form.get("/Resources", {})
    out += list(res.get("/Font", {}).values())
    for x in res.get("/XObject", {}).values():
        out += _fonts_in(x)
    return out


def test_the_key_is_read_once_for_the_estimate_and_the_signature(tmp_path, signer_config, test_cert,
                                                                 monkeypatch):
    """pyHanko signs twice (the size of the signature first, then the signature): the private
    key is parsed once, and the volume verifies.  (Signed in this process, where it is seen: a
    process without other threads signs in a forked one, tests/test_signer_process.py.)"""
    from cryptography.hazmat.primitives import serialization

    monkeypatch.setattr("toolkit.batch.can_fork", lambda: False)

    parsed = []
    parse = serialization.load_der_private_key
    monkeypatch.setattr(serialization, "load_der_private_key",
                        lambda *args, **kwargs: parsed.append(1) or parse(*args, **kwargs))
    spec = make_case(tmp_path)
    path = build_dossier(spec, tmp_path / "out", signer_config)
    assert len(parsed) == 1
    assert verify_dossier(path, [test_cert[1]], spec.source_root).ok


def test_the_kept_stamp_font_has_truetype_outlines(signed):
    """The subset kept for the visible signature is converted from CFF once (pyHanko subsets a
    TrueType font faster at every signing), and the signature still embeds it."""
    from fontTools.ttLib import TTFont

    from toolkit.cachefile import cache_folder

    kept = list((cache_folder() / "stamp-fonts").glob("*.ttf"))
    assert len(kept) == 1
    font = TTFont(kept[0])
    assert "glyf" in font and "CFF " not in font
    assert {ord(c) for c in "签名人时间证书指纹0123456789"} <= set(font.getBestCmap())


def test_stamp_names_test_certificate():
    from toolkit.dossier.sign import stamp_lines

    class Cert:  # the parts of an asn1crypto certificate stamp_lines uses
        subject = type("S", (), {"native": {"common_name": "某局 案卷签名（测试）",
                                            "organization_name": "某局",
                                            "organizational_unit_name": TEST_MARK}})()

        def dump(self):
            return b"x"

    import datetime as dt

    lines = stamp_lines(Cert(), dt.datetime(2025, 9, 30, 10, 0, 0))
    assert lines[-1] == TEST_MARK
    assert "时　间：2025-09-30 10:00:00（北京时间）" in lines


def test_verify_passes(signed, test_cert):
    spec, path = signed
    report = verify_dossier(path, [test_cert[1]], spec.source_root)
    assert report.ok, report.text()
    assert any("测试证书" in f.message for f in report.warnings)
    assert report.signatures[0]["intact"] is True


def test_unsigned_revision_is_the_reproducible_build(signed, case_root, tmp_path):
    spec, path = signed
    unsigned = build_dossier(spec, tmp_path / "plain", None)
    assert first_revision(path.read_bytes()) == unsigned.read_bytes()


def test_one_flipped_byte_fails_verification(signed, test_cert, tmp_path):
    _, path = signed
    copy = tmp_path / "tampered.pdf"
    copy.write_bytes(path.read_bytes())
    flip_byte(copy, content_offset(copy.read_bytes()))
    report = verify_dossier(copy, [test_cert[1]])
    assert not report.ok
    assert any(f.area == "签名" and f.status == "fail" for f in report.failures), report.text()


def test_appended_update_is_not_covered(signed, test_cert, tmp_path):
    """An incremental update after the signature leaves it intact but no longer covering the file."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    _, path = signed
    copy = tmp_path / "appended.pdf"
    with open(path, "rb") as f:
        w = IncrementalPdfFileWriter(f)
        info = w.root  # any change will do: add a key to the catalog
        info["/RcmzTamper"] = generic.TextStringObject("后加的内容")
        w.update_root()
        buf = io.BytesIO()
        w.write(buf)
    copy.write_bytes(buf.getvalue())
    report = verify_dossier(copy, [test_cert[1]])
    assert not report.ok
    assert "签名未覆盖整个文件" in report.text(), report.text()


def test_untrusted_root_fails(signed, tmp_path):
    _, path = signed
    _, other_ca = create_test_certificate(tmp_path / "other", "别的单位", passphrase="x")
    report = verify_dossier(path, [other_ca])
    assert not report.ok
    assert "信任根" in report.text()


def test_signed_volume_is_never_overwritten(signed, signer_config):
    spec, path = signed
    before = path.read_bytes()
    assert is_signed(path)
    # the same facts again: the signed volume is the answer, nothing is signed again …
    assert build_dossier(spec, path.parent, signer_config) == path
    assert build_dossier(spec, path.parent, None) == path
    assert sorted(p.name for p in path.parent.glob("*.pdf")) == [path.name]
    # … unless asked for: then a new version, never over the signed one
    second = build_dossier(spec, path.parent, signer_config, resign=True)
    assert second.name == "RCMZ-2025-001-案卷-v2.pdf"
    assert path.read_bytes() == before
    changed = replace(spec, notes=(*spec.notes, "补充说明一行。"))
    third = build_dossier(changed, path.parent, None)   # unsigned after signed: a new version too
    assert third.name == "RCMZ-2025-001-案卷-v3.pdf"
    fourth = build_dossier(changed, path.parent, None)  # … which an unsigned rebuild may replace
    assert fourth == third
    assert path.read_bytes() == before and is_signed(second)


def test_dirty_case_signed_only_when_forced(case_root, signer_config, tmp_path):
    spec = make_case(tmp_path, dirty=True)
    path = build_dossier(spec, tmp_path / "out", signer_config, force=True)
    assert is_signed(path)
    assert all("草稿" in t for t in page_texts(path))


def test_wrong_passphrase_refused_and_nothing_written(tmp_path, signer_config, monkeypatch):
    spec = make_case(tmp_path, items=1)
    monkeypatch.setenv(PASS_ENV, "wrong")
    with pytest.raises(DossierError, match="口令错误"):
        build_dossier(spec, tmp_path / "out", signer_config)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_missing_passphrase_without_terminal(tmp_path, signer_config, monkeypatch):
    spec = make_case(tmp_path, items=1)
    monkeypatch.delenv(PASS_ENV)
    with pytest.raises(DossierError, match=PASS_ENV):
        build_dossier(spec, tmp_path / "out", replace(signer_config, ask_passphrase=lambda p12: None))


def test_passphrase_asked_for_on_a_terminal(monkeypatch):
    """The CLI asks with hidden input when a person is at a terminal, and not otherwise."""
    from toolkit.cli import _ask_passphrase

    class Tty(io.StringIO):
        def isatty(self):
            return True

    asked = {}

    def fake_prompt(text, **kw):
        asked.update(kw, text=text)
        return PASSPHRASE

    monkeypatch.setattr("click.prompt", fake_prompt)
    monkeypatch.setattr("sys.stdin", Tty(""))
    assert _ask_passphrase(Path("signer.p12")) == PASSPHRASE
    assert asked["hide_input"] is True and "signer.p12" in asked["text"]
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert _ask_passphrase(Path("signer.p12")) is None


def test_asked_passphrase_unlocks_the_key(signer_config, monkeypatch):
    from toolkit.dossier.sign import read_passphrase

    monkeypatch.delenv(PASS_ENV)
    assert read_passphrase(replace(signer_config, ask_passphrase=lambda p12: PASSPHRASE)) == PASSPHRASE.encode()


def test_missing_key_file(tmp_path, monkeypatch):
    spec = make_case(tmp_path, items=1)
    monkeypatch.setenv(PASS_ENV, PASSPHRASE)
    cfg = SignerConfig(tmp_path / "nope.p12", passphrase_env=PASS_ENV)
    with pytest.raises(DossierError, match="找不到签名证书"):
        build_dossier(spec, tmp_path / "out", cfg)


def test_test_certificate_files(test_cert):
    p12, ca = test_cert
    assert p12.stat().st_mode & 0o077 == 0
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(ca.read_bytes())
    assert TEST_MARK in cert.subject.rfc4514_string()


def test_test_certificate_refused_in_tracked_folder(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    with pytest.raises(DossierError, match="gitignore"):
        create_test_certificate(repo / "keys", "某局", passphrase="x")
    (repo / ".gitignore").write_text("/secrets/\n")
    p12, _ = create_test_certificate(repo / "secrets", "某局", passphrase="x")
    assert p12.exists()


def test_test_certificate_needs_passphrase(tmp_path, monkeypatch):
    monkeypatch.delenv("RCMZ_P12_PASSPHRASE", raising=False)
    with pytest.raises(DossierError, match="RCMZ_P12_PASSPHRASE"):
        create_test_certificate(tmp_path / "c", "某局")


def test_verify_unreadable_file(tmp_path):
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"%PDF-1.7\ngarbage")
    report = verify_dossier(bad, [])
    assert not report.ok
    assert report.text().count("不通过") >= 1


def test_report_raises_verify_error(tmp_path):
    from toolkit.errors import VerifyError

    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"not a pdf")
    with pytest.raises(VerifyError):
        verify_dossier(bad, []).raise_for_failures()


