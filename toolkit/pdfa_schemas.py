"""pikepdf's PDF/A schema checks, answered first by jsonschema-rs.

pikepdf's PDF/A validator checks every object it walks against the JSON Schema of the object's
role (``pikepdf.pdfa._schemas.SchemaSet.check``, with python-jsonschema): of a 300-page scan,
2,400 objects and 0.27 s, most of the time of validating a new scan and of ``rcmz verify``.
jsonschema-rs (Rust) answers the same question — does this object satisfy its role's schema? —
for all of them in 2 ms.  So, once :func:`install` has run, an object jsonschema-rs finds
valid is valid, and only an object it finds invalid is checked again by pikepdf's own code,
which says what rule it breaks: every finding, with its veraPDF rule id and message, still
comes from pikepdf.  A role whose schema jsonschema-rs cannot build, or an object it cannot
read, is checked by pikepdf alone.

Loading jsonschema-rs costs about 10 MB and 15 ms, what python-jsonschema spends on some 25
pages: :func:`install_for` installs it for a file of :data:`FAST_FROM_PAGES` pages or more
(a scan, a volume), so that a process that validates small files only (the workbench checking
a case's documents) does not carry it.

This rests on jsonschema-rs never finding valid what python-jsonschema finds invalid:
tests/test_pdfa_schemas.py compares the two on every object of a volume (sheets, items, scans,
attachments, outline, labels, manifest) and of sample files PDF/A refuses, and on 30,000
variations of them (19,000 of which break a schema).
pikepdf.pdfa's schemas are plain Draft 2020-12 (types, enums, references, ``pattern`` with a
lookahead, ``unevaluatedProperties``; ``format`` only as an annotation in both).  This uses
pikepdf.pdfa's private modules, as pikepdf 10.18 has them (the pin in pyproject.toml).
"""

from __future__ import annotations

import threading
from typing import Any

#: The fast validator of each (flavour, role), or None where jsonschema-rs cannot build one.
_FAST: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()
#: pikepdf's own ``SchemaSet.check``, once :func:`install` has replaced it.
_PIKEPDF_CHECK: Any = None


#: Pages from which a file's validation is worth loading jsonschema-rs for (see above).
FAST_FROM_PAGES = 50


def install_for(pdf) -> None:
    """:func:`install`, when ``pdf`` (a :class:`pikepdf.Pdf`) is large enough to pay for it."""
    if _PIKEPDF_CHECK is None and len(pdf.pages) >= FAST_FROM_PAGES:
        install()


def install() -> None:
    """Have pikepdf's schema checks in this process ask jsonschema-rs first (once)."""
    global _PIKEPDF_CHECK
    from pikepdf.pdfa._schemas import SchemaSet

    with _LOCK:
        if _PIKEPDF_CHECK is None:
            _PIKEPDF_CHECK = SchemaSet.check
            SchemaSet.check = _check  # type: ignore[method-assign,assignment]


def _check(schemas, role: str, shallow, ctx, where: str) -> bool:
    """``SchemaSet.check``: True at once for an object jsonschema-rs finds valid, else
    pikepdf's own check, which records the findings."""
    fast = _fast_validator(schemas, role)
    if fast is not None:
        try:
            if fast.is_valid(shallow):
                return True
        except (ValueError, TypeError, OverflowError):
            pass  # a value it cannot read: pikepdf's check decides
    return _PIKEPDF_CHECK(schemas, role, shallow, ctx, where)


def _fast_validator(schemas, role: str):
    key = (schemas.flavour.value, role)
    try:
        return _FAST[key]
    except KeyError:
        pass
    import jsonschema_rs

    try:
        validator = jsonschema_rs.Draft202012Validator({"$ref": schemas._role_uri(role)},
                                                       registry=_registry(schemas))
    except (ValueError, KeyError, jsonschema_rs.ReferencingError):
        validator = None
    _FAST[key] = validator
    return validator


_REGISTRIES: dict[str, Any] = {}


def _registry(schemas):
    """The schema files of ``schemas`` (pikepdf's common one and the flavour's) for jsonschema-rs,
    under the URIs pikepdf's references use."""
    import jsonschema_rs
    from pikepdf.pdfa._schemas import BASE_URI, COMMON

    flavour = schemas.flavour.value
    if flavour not in _REGISTRIES:
        uris = (BASE_URI + COMMON, BASE_URI + schemas._flavour_file)
        _REGISTRIES[flavour] = jsonschema_rs.Registry(
            [(uri, schemas._registry.contents(uri)) for uri in uris])
    return _REGISTRIES[flavour]
