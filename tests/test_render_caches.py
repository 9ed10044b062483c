"""Issue 13: what rcmz render keeps across runs, and how it writes.

* font parses (toolkit/render/fontmetrics.py): a later run restores what reportlab and fontTools
  read from the font files; a damaged, foreign or mismatched record is ignored and the font read
  again — the PDF is the same bytes with the same text either way;
* templates (toolkit/jinjacache.py): each template compiled once per run, none in a later run,
  a damaged compiled file compiled again;
* outputs (toolkit.atomic.publish_all): one sync for all files; killed while publishing, every
  output is whole and the next run cleans up.

A "new run" here is a new process as far as these caches are concerned: the in-process memories
(faces, sources, books, digests, environments) are cleared.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import signal
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from toolkit import atomic
from toolkit.atomic import TMP_PREFIX
from toolkit.documents import compose as compose_module
from toolkit.documents.compose import compose_all
from toolkit.pipeline import checked
from toolkit.render import docx as docx_module
from toolkit.render import fontcache, fontmetrics
from toolkit.render import fonts as F
from toolkit.render.docx import render_docx
from toolkit.render.pdf import render_pdf
from toolkit.testing.invariants import pdf_text

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def records(tmp_path, monkeypatch):
    """Font records in a folder of this test (the converted fonts stay the session's)."""
    folder = tmp_path / "metrics"
    monkeypatch.setattr(fontmetrics, "folder", lambda: folder)
    monkeypatch.setattr(fontmetrics, "_DIGESTS", None)
    monkeypatch.setattr(F, "_FACES", {})
    monkeypatch.setattr(F, "_BOOKS", {})
    fontcache._source.cache_clear()
    yield folder
    fontcache._source.cache_clear()


def new_run(monkeypatch) -> None:
    fontmetrics.save_digests()
    monkeypatch.setattr(fontmetrics, "_DIGESTS", None)
    monkeypatch.setattr(F, "_FACES", {})
    monkeypatch.setattr(F, "_BOOKS", {})
    fontcache._source.cache_clear()


@pytest.fixture
def decision(example):
    """The decision of the third example (its 欧阳喆 falls back from FandolFang to AR PL UMing)."""
    result, context = checked(example("2025-003-hearing-deferral"))
    [document] = compose_all(result.case, context.config, only="decision")
    return document


def typeset(document) -> bytes:
    return render_pdf(document, F.fontbook_from_config(None))


def _needs_fonts():
    chain = F.default_role_files()["fangsong"]
    if not chain or not fontcache.is_cff(*F._split_entry(chain[0])):
        pytest.skip("the free CFF faces (make setup) are not installed")


# --------------------------------------------------------------------------------------------
# font records


def test_a_later_run_restores_the_font_parses_and_typesets_the_same_bytes(records, decision, monkeypatch):
    _needs_fonts()
    first = typeset(decision)
    assert sorted({p.suffix for p in records.iterdir()}) == [".face", ".source"]
    new_run(monkeypatch)
    assert (records / "digests").is_file()            # written when the run ends
    from fontTools.ttLib import TTFont as FontToolsFont
    from reportlab.pdfbase.ttfonts import TTFontFile

    def no_parse(*args, **kwargs):
        raise AssertionError("a kept font was parsed again")

    monkeypatch.setattr(TTFontFile, "extractInfo", no_parse)
    monkeypatch.setattr(FontToolsFont, "__init__", no_parse)
    assert typeset(decision) == first
    assert "欧阳喆" in pdf_text(first)


def test_a_restored_face_is_the_face_reportlab_parses(records, monkeypatch):
    _needs_fonts()
    from reportlab.pdfbase.ttfonts import TTFont

    path = str(fontcache.part_file(fontcache.source(*F._split_entry(F.default_role_files()["fangsong"][0])),
                                   "core"))
    fresh = TTFont("probe-fresh", path)
    F._ttfont("probe-kept", path, 0)                   # parses and keeps
    kept = F._ttfont("probe-kept", path, 0)            # restores
    def tables(face) -> dict:
        """A face's attributes as plain values: a kept face maps its file and keeps its
        per-glyph tables in arrays (fonts._packed), which must give the same numbers."""
        out = {k: v for k, v in vars(face).items() if k not in ("_pdfScale", "glyphToChar")}
        out["_ttf_data"] = bytes(face._ttf_data)
        out["glyphPos"] = list(face.glyphPos)
        out["hmetrics"] = [tuple(face.hmetrics[g]) for g in range(len(face.hmetrics))]
        return out

    assert tables(kept.face) == tables(fresh.face)
    assert kept.face.glyphToChar == {} and fresh.face.glyphToChar  # read by shaping only
    assert [type(v) for v in kept.face.charWidths.values()] == \
        [type(v) for v in fresh.face.charWidths.values()]
    assert kept.face.name.ustr == fresh.face.name.ustr
    assert kept.face._pdfScale(500) == fresh.face._pdfScale(500)
    # what TTFont.__init__ sets besides the face, the same (this catches a reportlab change)
    assert set(vars(kept)) == set(vars(fresh))
    assert (kept._asciiReadable, kept.shapable, type(kept.encoding), dict(kept.state)) == \
        (fresh._asciiReadable, fresh.shapable, type(fresh.encoding), {})


def _damage(path: Path, how: str) -> None:
    blob = path.read_bytes()
    if how == "flipped":
        middle = len(blob) // 2
        path.write_bytes(blob[:middle] + bytes([blob[middle] ^ 0xFF]) + blob[middle + 1:])
    elif how == "truncated":
        path.write_bytes(blob[: len(blob) // 3])
    elif how == "empty":
        path.write_bytes(b"")
    else:  # well formed and checksummed, but not this library's record of this file
        body = marshal.dumps((fontmetrics._salt(path.suffix[1:], "reportlab 0.0"), {"size": 1}))
        if how == "mismatched":
            salt, payload = marshal.loads(blob[len(fontmetrics.MAGIC) + 32:])
            if path.suffix == ".face":
                payload["state"]["glyphPos"] = payload["state"]["glyphPos"][:-1]
            else:
                payload["parts"] = {"core": [1, 2]}    # a list where a frozenset belongs
            body = marshal.dumps((salt, payload))
        path.write_bytes(fontmetrics.MAGIC + hashlib.sha256(body).digest() + body)


@pytest.mark.parametrize("how", ["flipped", "truncated", "empty", "foreign", "mismatched"])
def test_a_damaged_font_record_is_ignored_and_the_text_stays_right(records, decision, monkeypatch, how):
    _needs_fonts()
    first = typeset(decision)
    for path in records.iterdir():
        if path.suffix in (".face", ".source"):
            _damage(path, how)
    new_run(monkeypatch)
    again = typeset(decision)
    assert again == first
    assert "欧阳喆" in pdf_text(again)


def test_a_changed_font_file_gets_a_new_digest(tmp_path, records, monkeypatch):
    font = tmp_path / "a.ttf"
    font.write_bytes(b"one")
    assert fontmetrics.digest(str(font)) == hashlib.sha256(b"one").hexdigest()
    # rewritten at once, same size: maybe within the same tick of the file system's clock, so
    # the first digest was not trusted to its stat signature (git's "racy" files)
    font.write_bytes(b"two")
    assert fontmetrics.digest(str(font)) == hashlib.sha256(b"two").hexdigest()
    assert str(font) not in fontmetrics._digests()
    monkeypatch.setattr(fontmetrics, "SETTLED_NS", 0)   # as if written long ago
    assert fontmetrics.digest(str(font)) == hashlib.sha256(b"two").hexdigest()
    assert fontmetrics._digests()[str(font)][1] == hashlib.sha256(b"two").hexdigest()
    font.write_bytes(b"six")                             # any write changes the signature
    assert fontmetrics.digest(str(font)) == hashlib.sha256(b"six").hexdigest()


def test_an_unwritable_record_folder_only_costs_time(tmp_path, monkeypatch, decision):
    _needs_fonts()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(fontmetrics, "folder", lambda: blocker / "metrics")
    new_run(monkeypatch)
    assert "欧阳喆" in pdf_text(typeset(decision))


# --------------------------------------------------------------------------------------------
# templates


@pytest.fixture
def compilations(monkeypatch):
    """Counts of compilations by template (file name, or a digest of a from_string source)."""
    counts: dict[str, int] = {}
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, *args, **kwargs):
        key = filename or name or hashlib.sha256(str(source).encode()).hexdigest()[:12]
        counts[key] = counts.get(key, 0) + 1
        return real(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return counts


def _environments_of_a_new_process() -> None:
    compose_module._environment.cache_clear()
    docx_module._environment.cache_clear()


def _compose_and_fill(case: Path) -> list[bytes]:
    result, context = checked(case)
    documents = compose_all(result.case, context.config)
    return [render_docx(d) for d in documents]


def test_each_template_is_compiled_once_per_run_and_not_in_a_later_run(example, compilations):
    _environments_of_a_new_process()
    case = example("2025-003-hearing-deferral")
    first = _compose_and_fill(case)
    assert len(first) >= 10
    assert compilations and set(compilations.values()) == {1}
    assert any(k.endswith(".xml.j2") for k in compilations)     # the wording templates
    assert len(compilations) < 30                                # not 157: the shell's parts once
    compilations.clear()
    _environments_of_a_new_process()
    assert _compose_and_fill(case) == first
    assert compilations == {}


def test_a_damaged_compiled_template_is_compiled_again(example, compilations, tmp_path):
    _environments_of_a_new_process()
    case = example("2025-003-hearing-deferral")
    first = _compose_and_fill(case)
    kept = list((tmp_path / "cache" / "templates").rglob("*.bin"))
    assert kept
    for path in kept:
        blob = path.read_bytes()
        path.write_bytes(blob[:40] + bytes([blob[40] ^ 0xFF]) + blob[41:])
    compilations.clear()
    _environments_of_a_new_process()
    assert _compose_and_fill(case) == first
    assert len(compilations) == len(kept)


def test_no_cache_compiles_once_per_run_all_the_same(example, compilations, monkeypatch):
    monkeypatch.setenv("RCMZ_NO_CACHE", "1")
    _environments_of_a_new_process()
    _compose_and_fill(example("2025-003-hearing-deferral"))
    assert set(compilations.values()) == {1}
    _environments_of_a_new_process()


# --------------------------------------------------------------------------------------------
# outputs


def test_a_render_syncs_once(example, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(atomic, "sync_files", lambda folder, files: calls.append(len(files)))
    from toolkit.pipeline import render

    run = render(example("2025-003-hearing-deferral"), tmp_path / "out")
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert calls == [len(files)] and len(files) == 2 * len(run.documents)


def test_a_full_disk_while_writing_publishes_nothing(example, tmp_path, monkeypatch):
    import errno

    from toolkit.pipeline import render

    def full(folder, files):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "sync_files", full)
    with pytest.raises(atomic.OutputError, match="磁盘空间不足"):
        render(example("2025-003-hearing-deferral"), tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


KILLED_AFTER_RENAMES = """
import os, signal, sys
from toolkit import atomic
real, done = os.replace, []
def replace(src, dst):
    real(src, dst)
    if atomic.TMP_PREFIX in str(src):       # an output leaving the scratch folder
        done.append(dst)
    if len(done) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
atomic.os.replace = replace
from toolkit.cli import main
main(["render", sys.argv[1], "--out", sys.argv[2]])
"""


def test_a_render_killed_while_publishing_leaves_only_whole_files(example, tmp_path):
    case = example("2025-003-hearing-deferral")
    complete, out = tmp_path / "complete", tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "toolkit", "render", str(case), "--out", str(complete)],
                   check=True, capture_output=True, env=env)
    killed = subprocess.run([sys.executable, "-c", KILLED_AFTER_RENAMES, str(case), str(out)],
                            capture_output=True, env=env)
    assert killed.returncode == -signal.SIGKILL
    published = [p for p in out.iterdir() if not p.name.startswith(TMP_PREFIX)]
    assert len(published) == 3
    for path in published:                      # each one whole: the very bytes of a full run
        assert path.read_bytes() == (complete / path.name).read_bytes()
    [scratch] = [p for p in out.iterdir() if p.name.startswith(TMP_PREFIX)]
    assert scratch.is_dir()                     # the rest, unpublished, in the scratch folder
    subprocess.run([sys.executable, "-m", "toolkit", "render", str(case), "--out", str(out)],
                   check=True, capture_output=True, env=env)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in complete.iterdir())
    for path in out.iterdir():
        assert path.read_bytes() == (complete / path.name).read_bytes()


def test_font_digests_a_worker_found_are_written_by_its_parent(records, monkeypatch):
    # a forked worker never writes the digests record: it hands its finds to the parent
    # (cachefile.take_added → adopt), or each run would hash the fonts its workers met again
    from toolkit import cachefile

    _needs_fonts()
    path = str(fontcache.part_file(fontcache.source(*F._split_entry(F.default_role_files()["fangsong"][0])),
                                   "core"))
    cachefile.take_added()
    value = fontmetrics.digest(path)                  # as in the worker
    found = cachefile.take_added()
    assert found["module:toolkit.render.fontmetrics"][1][os.path.abspath(path)][1] == value
    monkeypatch.setattr(fontmetrics, "_DIGESTS", None)   # the parent, which never met the file
    monkeypatch.setattr(fontmetrics, "_DIRTY", False)
    cachefile.adopt(found)
    fontmetrics.save_digests()
    kept = fontmetrics._read(records / "digests", "digests", "")
    assert kept[os.path.abspath(path)][1] == value
