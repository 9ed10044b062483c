"""An offline test PKI for the long-term signature and archive tests (holds no tests itself).

After pyHanko's own test set-up (certomancer.yml in pyhanko-testing-commons: a root, signers, one
of them revoked, TSAs, CRLs; ``DummyTimeStamper`` as an in-process TSA; ``allow_fetching=False``),
made here with ``cryptography`` alone so nothing is fetched and nothing is installed:

* ``root`` — the trust root (30 years); it issues ``interm`` and the two TSAs, and ``root.crl``;
* ``interm`` — the CA of the bureau's signing certificates (30 years), issuer of ``interm.crl``;
* ``signer`` — the bureau's signing certificate, valid for ``signer_days`` (default 2 days, so a
  validation a few years later happens after it expired);
* ``revoked`` — a signer listed in ``interm.crl``;
* ``tsa`` — a time-stamping unit (EKU timeStamping, critical), valid ``tsa_days``;
* ``tsa2`` — a second TSA, for renewal before the first one runs out;
* CRLs issued an hour ago with the next update in a day (a daily CRL): one shorter than the
  signer's validity, as in practice — the AdES time-slide judges an unrevoked certificate up to
  the end of its last CRL's freshness, so a CRL outliving the certificate would make it "expired".

Signers and TSAs come from different CAs, as with pyHanko's certomancer set-up and in practice:
a CRL fetched at renewal time for the TSA's CA then says nothing about the (expired) signer.
Every certificate names a CRL distribution point under ``http://crl.rcmz-test.invalid/`` that no
one serves: revocation data comes from the CRL files given to the signing context.
:meth:`Pki.crls_at` issues the CRLs a CA would publish at a later (frozen) time.

:func:`tsa_server` serves a TSA over HTTP on 127.0.0.1 in a thread (RFC 3161 over HTTP, answered by
pyHanko's ``DummyTimeStamper``), so ``bureau.yaml``'s ``signing.tsa.url`` is exercised as it is
in production, with no packet leaving the machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CRL_URL = "http://crl.rcmz-test.invalid/{}.crl"
PASSPHRASE = "pki-test-pw"


def _name(cn: str, org: str = "某某市某某局（测试 PKI）") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


#: RSA-2048 keys are the slow part of making a PKI: one set per test session.
_KEYS: list = []


def _der(obj) -> bytes:
    return obj.public_bytes(serialization.Encoding.DER)


@dataclass
class Pki:
    folder: Path
    now: dt.datetime
    keys: dict
    certs: dict
    revoked_serials: dict  # CA name → serials its CRL lists

    def cert(self, name: str) -> x509.Certificate:
        return self.certs[name]

    @property
    def root_pem(self) -> Path:
        return self.folder / "root.pem"

    @property
    def crl_paths(self) -> list[Path]:
        return [self.folder / "root.crl", self.folder / "interm.crl"]

    @property
    def signer_p12(self) -> Path:
        return self.folder / "signer.p12"

    @property
    def revoked_p12(self) -> Path:
        return self.folder / "revoked.p12"

    def crl(self, ca: str, at: dt.datetime, number: int = 1) -> x509.CertificateRevocationList:
        key, ca_cert = self.keys[ca], self.certs[ca]
        b = (x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject)
             .last_update(at - dt.timedelta(hours=1)).next_update(at + dt.timedelta(days=1))
             .add_extension(x509.CRLNumber(number), critical=False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False))
        for serial in self.revoked_serials.get(ca, ()):
            b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(serial)
                                          .revocation_date(self.now - dt.timedelta(minutes=30)).build())
        return b.sign(key, hashes.SHA256())

    def publish_crls(self, at: dt.datetime, number: int = 1) -> list[Path]:
        """Write the CRLs the CAs publish at ``at`` over ``crl_paths`` (what a bureau's renewal
        job would download); returns the paths."""
        for ca, path in zip(("root", "interm"), self.crl_paths, strict=True):
            path.write_bytes(_der(self.crl(ca, at, number)))
        return self.crl_paths

    def timestamper(self, second: bool = False):
        """pyHanko's in-process TSA for ``tsa`` (or ``tsa2``)."""
        from asn1crypto import keys as asn1_keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign.timestamps import DummyTimeStamper

        name = "tsa2" if second else "tsa"
        key = self.keys[name]
        return DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(_der(self.certs[name])),
            tsa_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
            certs_to_embed=[asn1_x509.Certificate.load(_der(self.certs["root"]))], override_md="sha256")


def _cert(subject: str, issuer: x509.Name, issuer_key, key, start: dt.datetime, days: float, *,
          ca: bool = False, tsa: bool = False, crl: str = "root") -> x509.Certificate:
    usage = dict(digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                 data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                 encipher_only=False, decipher_only=False)
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(**usage), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                        critical=False))
    if issuer != _name(subject):
        b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(CRL_URL.format(crl))], None, None, None)]), critical=False)
    if tsa:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return b.sign(issuer_key, hashes.SHA256())


def make_pki(folder: Path, *, now: dt.datetime | None = None, signer_days: float = 2,
             tsa_days: float = 10 * 365, tsa2_days: float = 30 * 365) -> Pki:
    """Write the PKI of the module docstring into ``folder`` (PEM root, DER CRLs, PKCS#12 keys)."""
    folder.mkdir(parents=True, exist_ok=True)
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    start = now - dt.timedelta(hours=1)
    while len(_KEYS) < 6:
        _KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    keys = dict(zip(("root", "interm", "signer", "revoked", "tsa", "tsa2"), _KEYS, strict=True))
    root_name = _name("测试根证书 rcmz test root")
    certs = {"root": _cert("测试根证书 rcmz test root", root_name, keys["root"], keys["root"],
                           start - dt.timedelta(days=1), 30 * 365 + 1, ca=True)}
    certs["interm"] = _cert("测试签名 CA", root_name, keys["root"], keys["interm"], start - dt.timedelta(days=1),
                            30 * 365, ca=True)
    interm_name = certs["interm"].subject
    certs["signer"] = _cert("某某局案卷签名", interm_name, keys["interm"], keys["signer"], start, signer_days,
                            crl="interm")
    certs["revoked"] = _cert("某某局案卷签名（已吊销）", interm_name, keys["interm"], keys["revoked"], start, 365,
                             crl="interm")
    certs["tsa"] = _cert("测试时间戳服务 TSA-1", root_name, keys["root"], keys["tsa"], start, tsa_days, tsa=True)
    certs["tsa2"] = _cert("测试时间戳服务 TSA-2", root_name, keys["root"], keys["tsa2"], start, tsa2_days, tsa=True)
    pki = Pki(folder, now, keys, certs, {"interm": [certs["revoked"].serial_number]})
    pki.root_pem.write_bytes(certs["root"].public_bytes(serialization.Encoding.PEM))
    pki.publish_crls(now)
    enc = serialization.BestAvailableEncryption(PASSPHRASE.encode())
    for name, path in (("signer", pki.signer_p12), ("revoked", pki.revoked_p12)):
        path.write_bytes(pkcs12.serialize_key_and_certificates(
            name.encode(), keys[name], certs[name], [certs["interm"], certs["root"]], enc))
        path.chmod(0o600)
    return pki


@contextlib.contextmanager
def tsa_server(timestamper):
    """An RFC 3161 TSA at ``http://127.0.0.1:<port>/`` answered by ``timestamper`` in a thread;
    yields the URL.  ``server.requests`` counts the requests answered."""
    from asn1crypto import tsp

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            response = timestamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            server.requests += 1  # type: ignore[attr-defined]
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
