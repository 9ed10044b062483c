"""The archive volume (案卷) of a case: cover, index, documents, notes sheet — PDF/A, signed.

Public API::

    build_dossier(spec, out_dir, signer, *, force=False, fonts=None) -> Path
    verify_dossier(path, trust_roots, case_dir=None, *, require_signature=True) -> VerifyReport
    create_test_certificate(out_dir, org_name, *, passphrase=None, ...) -> (p12 path, CA path)

The input is a :class:`VolumeSpec` (see :mod:`toolkit.dossier.spec`), independent of the case
model.  See docs/dossier.md.
"""

from typing import TYPE_CHECKING

#: The public names and their modules: imported when first asked for, so that a command which
#: needs one stage (a volume found unchanged needs no validator and no signing code) does not
#: import the others (pyHanko, pikepdf's PDF/A code: about a second).
_EXPORTS = {
    "build_dossier": "build", "is_signed": "build",
    "TEST_MARK": "sign", "create_test_certificate": "sign",
    "DEFAULT_PASSPHRASE_ENV": "spec", "SCAN_ORIGINAL_REMARK": "spec", "Attachment": "spec",
    "Item": "spec", "SignerConfig": "spec", "VolumeSpec": "spec",
    "VerifyReport": "verify", "verify_dossier": "verify",
}

__all__ = list(_EXPORTS)

if TYPE_CHECKING:  # (the redundant aliases say these are re-exported)
    from toolkit.dossier.build import build_dossier as build_dossier
    from toolkit.dossier.build import is_signed as is_signed
    from toolkit.dossier.sign import TEST_MARK as TEST_MARK
    from toolkit.dossier.sign import create_test_certificate as create_test_certificate
    from toolkit.dossier.spec import DEFAULT_PASSPHRASE_ENV as DEFAULT_PASSPHRASE_ENV
    from toolkit.dossier.spec import SCAN_ORIGINAL_REMARK as SCAN_ORIGINAL_REMARK
    from toolkit.dossier.spec import Attachment as Attachment
    from toolkit.dossier.spec import Item as Item
    from toolkit.dossier.spec import SignerConfig as SignerConfig
    from toolkit.dossier.spec import VolumeSpec as VolumeSpec
    from toolkit.dossier.verify import VerifyReport as VerifyReport
    from toolkit.dossier.verify import verify_dossier as verify_dossier


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
