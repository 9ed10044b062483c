"""``verify_dossier``: check a built volume offline (DA/T 70 真实性 / 完整性 / 可用性 / 安全性).

Everything is checked and collected into a :class:`VerifyReport` with a Chinese explanation for
each finding; nothing is fetched from the network (trust roots are given, revocation is not
looked up).  The volume's conventions come from :mod:`toolkit.dossier.vocabulary`, the same
module the build writes them from.

* :mod:`.report` — the findings; :mod:`.revisions` — signatures and the PDF/A of the unsigned
  revision; :mod:`.volume` — the opened volume (manifest, parts from the page labels);
  :mod:`.checks` — numbering, labels, stamps, bookmarks, index, 备考表; :mod:`.stamps` —
  reading the page-number overlays; :mod:`.sources` — the case folder against the manifest.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pikepdf

from toolkit.dossier.verify.checks import VOLUME_CHECKS
from toolkit.dossier.verify.report import FAIL, Finding, VerifyReport
from toolkit.dossier.verify.revisions import (
    check_pdfa,
    check_signatures,
    first_revision,
    load_roots,
    unsigned_revision,
)
from toolkit.dossier.verify.sources import check_sources
from toolkit.dossier.verify.stamps import stamp_text
from toolkit.dossier.verify.volume import read_volume

__all__ = ["Finding", "VerifyReport", "first_revision", "stamp_text", "unsigned_revision", "verify_dossier"]


def verify_dossier(path: Path, trust_roots: Iterable = (), case_dir: Path | None = None, *,
                   require_signature: bool = True) -> VerifyReport:
    """Check ``path`` offline and return a report (never raises for a bad file).

    ``trust_roots``: CA certificates (paths to PEM/DER files or asn1crypto certificates) the
    signature must chain to.  ``case_dir``: when given, every source file listed in the manifest
    is hashed and compared.  ``require_signature=False`` accepts an unsigned volume (a draft).
    """
    path = Path(path)
    report = VerifyReport(path)
    try:
        stream = path.open("rb")
    except OSError as exc:
        report.add("可用性", FAIL, f"无法读取文件：{exc}")
        return report
    # read from the file as each check needs it, never copied into memory whole
    with stream:
        check_signatures(report, stream, load_roots(trust_roots), require_signature)
    check_pdfa(report, path)
    _check_volume(report, path, case_dir)
    return report


def _check_volume(report: VerifyReport, path: Path, case_dir: Path | None) -> None:
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        report.add("可用性", FAIL, "文件已加密，归档文件不得加密")
        return
    except pikepdf.PdfError as exc:
        report.add("可用性", FAIL, f"文件已损坏，无法打开（{exc}）")
        return
    with pdf:
        vol = read_volume(report, pdf)
        if vol is None:
            return
        for check in VOLUME_CHECKS:
            check(report, vol)
        if case_dir is not None:
            check_sources(report, vol.manifest, Path(case_dir))
