"""The archive volume (案卷) of a case: cover, index, documents, notes sheet — PDF/A, signed.

Public API::

    build_dossier(spec, out_dir, signer, *, force=False, fonts=None) -> Path
    verify_dossier(path, trust_roots, case_dir=None, *, require_signature=True) -> VerifyReport
    create_test_certificate(out_dir, org_name, *, passphrase=None, ...) -> (p12 path, CA path)

The input is a :class:`VolumeSpec` (see :mod:`toolkit.dossier.spec`), independent of the case
model.  See docs/dossier.md.
"""

from toolkit.dossier.build import build_dossier, is_signed
from toolkit.dossier.sign import TEST_MARK, create_test_certificate
from toolkit.dossier.spec import (
    DEFAULT_PASSPHRASE_ENV,
    SCAN_ORIGINAL_REMARK,
    Attachment,
    Item,
    SignerConfig,
    VolumeSpec,
)
from toolkit.dossier.verify import VerifyReport, verify_dossier

__all__ = [
    "Attachment", "Item", "VolumeSpec", "SignerConfig", "VerifyReport", "build_dossier",
    "verify_dossier", "create_test_certificate", "is_signed", "TEST_MARK",
    "SCAN_ORIGINAL_REMARK", "DEFAULT_PASSPHRASE_ENV",
]
