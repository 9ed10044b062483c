"""Issue 13: pikepdf's PDF/A schema checks answered first by jsonschema-rs
(toolkit/pdfa_schemas.py) — sound only if jsonschema-rs never finds valid an object that
python-jsonschema (pikepdf's own check) finds invalid.  Compared here on every object of a
volume, of the sample attachments PDF/A refuses, and of variations of each that break its
schema; and the validator's findings are the same with and without it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pikepdf
import pikepdf.pdfa as pikepdf_pdfa
import pytest
from pikepdf.pdfa._schemas import SchemaSet

from attachment_samples import form_pdf, standard_fonts_pdf
from test_dossier_support import make_case, make_item_pdf, movie_pdf
from toolkit import pdfa_schemas
from toolkit.dossier import build_dossier
from toolkit.dossier import pdfa as dpdfa

pdfa_schemas.install()  # for every check of this module, whatever the size of its files

#: Values put in place of an object's own to break its schema (and some that keep it valid).
REPLACEMENTS = (None, True, -1, 0, 2**31, 2**40, 1.5, "x", "/Foo", "1 0 R", "u:x", "b:00", [], {},
                [0, 0, 0], {"/Foo": 1})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[tuple[SchemaSet, str, object]]:
    """(schemas, role, shallow JSON) of every object the validator checks in a volume (cover,
    index, items, scans, attachments, outline, labels, manifest) and in files PDF/A refuses."""
    root = tmp_path_factory.mktemp("corpus")
    volume = build_dossier(make_case(root), root / "out", None)
    refused = [standard_fonts_pdf(root / "fonts.pdf"), form_pdf(root / "form.pdf"),
               movie_pdf(root / "movie.pdf")]
    seen: list[tuple[SchemaSet, str, object]] = []
    installed = SchemaSet.check

    def recording(schemas, role, shallow, ctx, where):
        seen.append((schemas, role, shallow))
        return installed(schemas, role, shallow, ctx, where)

    SchemaSet.check = recording  # type: ignore[method-assign]
    try:
        for path in [volume, *refused]:
            for flavour in ("2b", "3b"):
                with pikepdf.open(path) as pdf:
                    pikepdf_pdfa.prepare(pdf, flavour)
                    pikepdf_pdfa.check(pdf, flavour)
    finally:
        SchemaSet.check = installed  # type: ignore[method-assign]
    return seen


def _python_valid(schemas: SchemaSet, role: str, shallow) -> bool:
    return not list(schemas._validator(role).iter_errors(shallow))


def _fast_valid(schemas: SchemaSet, role: str, shallow) -> bool:
    fast = pdfa_schemas._fast_validator(schemas, role)
    assert fast is not None, role
    return fast.is_valid(shallow)


def _variations(shallow):
    """The object with each key taken out, each value replaced (REPLACEMENTS) and a key added."""
    if isinstance(shallow, dict):
        for key in shallow:
            yield {k: v for k, v in shallow.items() if k != key}
            for value in REPLACEMENTS:
                yield {**shallow, key: value}
        yield {**shallow, "/RcmzUnknown": 1}
    elif isinstance(shallow, list):
        for i in range(len(shallow)):
            for value in REPLACEMENTS:
                yield [*shallow[:i], value, *shallow[i + 1:]]
        yield [*shallow, 0]
    for value in REPLACEMENTS:
        yield value


def _distinct(pairs):
    seen, out = set(), []
    for schemas, role, shallow in pairs:
        key = (schemas.flavour.value, role, json.dumps(shallow, sort_keys=True))
        if key not in seen:
            seen.add(key)
            out.append((schemas, role, shallow))
    return out


def test_the_objects_of_volumes_and_refused_files_get_the_same_verdict(corpus):
    objects = _distinct(corpus)
    verdicts = [(_python_valid(s, r, j), _fast_valid(s, r, j)) for s, r, j in objects]
    assert len(objects) > 100
    assert sum(not python for python, _ in verdicts) >= 3     # the refused files' objects
    assert [v for v in verdicts if v[0] != v[1]] == []


def test_variations_that_break_an_objects_schema_are_found_invalid(corpus):
    variations = _distinct((s, r, v) for s, r, j in _distinct(corpus) for v in _variations(j))
    wrongly_valid, invalid = [], 0
    for schemas, role, shallow in variations:
        if not _python_valid(schemas, role, shallow):
            invalid += 1
            if _fast_valid(schemas, role, shallow):
                wrongly_valid.append((role, shallow))
    assert invalid > 1000
    assert wrongly_valid == []


def _findings(path: Path) -> list[tuple[str, str, str, str]]:
    """What the validator finds in ``path`` made ready for PDF/A as rcmz makes a file ready."""
    with pikepdf.open(path) as pdf:
        dpdfa.strip_empty_transitions(pdf)
        pikepdf_pdfa.prepare(pdf, dpdfa.FLAVOUR)
        return [(f.rule, f.where, f.message, f.kind) for f in pikepdf_pdfa.check(pdf, dpdfa.FLAVOUR).findings]


def test_the_findings_are_pikepdfs_own(tmp_path, monkeypatch):
    refused = [standard_fonts_pdf(tmp_path / "fonts.pdf"), form_pdf(tmp_path / "form.pdf"),
               movie_pdf(tmp_path / "movie.pdf")]
    fast = [_findings(path) for path in refused]
    monkeypatch.setattr(SchemaSet, "check", pdfa_schemas._PIKEPDF_CHECK)
    assert fast == [_findings(path) for path in refused]
    assert all(fast)


def test_a_valid_file_is_not_checked_by_python_jsonschema(tmp_path, monkeypatch):
    checked: list[str] = []
    pikepdfs = pdfa_schemas._PIKEPDF_CHECK

    def counting(schemas, role, *args):
        checked.append(role)
        return pikepdfs(schemas, role, *args)

    monkeypatch.setattr(pdfa_schemas, "_PIKEPDF_CHECK", counting)
    assert _findings(make_item_pdf(tmp_path / "item.pdf", 3, "正文")) == []
    assert checked == []
    assert _findings(movie_pdf(tmp_path / "movie.pdf"))
    assert "Annot" in "".join(checked)          # the refused annotation: pikepdf's check said why


#: Judges the PDF given (toolkit.attachments, as rcmz check does) in a fresh interpreter and
#: prints whether jsonschema-rs was loaded for it.
JUDGE = """
import sys
from pathlib import Path
from toolkit import attachments
assert attachments._assess_pdf(Path(sys.argv[1])).problem is None
print("jsonschema_rs" in sys.modules)
"""


def test_jsonschema_rs_is_loaded_for_large_files_only(tmp_path):
    # (its 10 MB are not worth it for a few pages: the workbench checks small files all day)
    def loaded(pages: int) -> bool:
        path = make_item_pdf(tmp_path / f"{pages}.pdf", pages, "正文")
        done = subprocess.run([sys.executable, "-c", JUDGE, str(path)], capture_output=True,
                              text=True, check=True)
        return done.stdout.strip() == "True"

    assert not loaded(pdfa_schemas.FAST_FROM_PAGES - 1)
    assert loaded(pdfa_schemas.FAST_FROM_PAGES)
