"""Issue 13: a document made before from the same content, code and fonts is taken from the kept
documents (toolkit/render/kept.py) instead of being typeset again — the same bytes and the same
reports as a fresh render, and made again whenever anything it is made from changed."""

from __future__ import annotations

import hashlib
import logging

import pytest

from conftest import edit
from toolkit import pipeline
from toolkit.render import kept, outputs


@pytest.fixture(autouse=True)
def one_process(monkeypatch):
    """Documents made here, where the spy below sees them (workers: tests/test_render_workers.py)."""
    monkeypatch.setenv("RCMZ_WORKERS", "1")


def _files(run) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for r in run.documents for p in r.files.values()}


def _made_spy(monkeypatch) -> list[str]:
    """The keys of the documents made (not found kept) from now on."""
    make, made = outputs._Job.make, []

    def counted(job, index):
        made.append(job.documents[index].key)
        return make(job, index)

    monkeypatch.setattr(outputs._Job, "make", counted)
    return made


def _fallback_reports(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "rcmz.render.fonts"]


def test_an_unchanged_case_is_written_again_without_making_it(example, tmp_path, monkeypatch, caplog):
    case = example("2025-003-hearing-deferral")   # rare names: fallback reports on every PDF
    fonts = pipeline.checked(case)[1].fonts
    fonts._warned_standins = False                  # as in a new run of rcmz
    with caplog.at_level(logging.WARNING):
        first = pipeline.render(case, tmp_path / "one")
    reports = _fallback_reports(caplog)
    assert any("改用后备字体" in line for line in reports) and any("免费替代字体" in line for line in reports)
    caplog.clear()
    made = _made_spy(monkeypatch)
    fonts._warned_standins = False
    with caplog.at_level(logging.WARNING):
        second = pipeline.render(case, tmp_path / "two")
    assert made == []
    assert _files(second) == _files(first) and len(_files(second)) == 26
    assert _fallback_reports(caplog) == reports     # what a fresh render says, in the same order


def test_only_the_documents_whose_content_changed_are_made_again(example, tmp_path, monkeypatch):
    case = example()
    from toolkit.documents.compose import compose_all

    def composed() -> dict[str, str]:
        result, context = pipeline.checked(case)
        return {d.key: repr(d) for d in compose_all(result.case, context.config)}

    pipeline.render(case, tmp_path / "one")
    before = composed()
    edit(case / "05-feedback.yaml", {"method": "邮寄送达"})
    after = composed()
    changed = sorted(key for key in after if after[key] != before.get(key))
    assert changed and len(changed) < len(after)
    made = _made_spy(monkeypatch)
    fresh = pipeline.render(case, tmp_path / "two")
    assert sorted(made) == changed
    monkeypatch.setenv("RCMZ_NO_CACHE", "1")        # the same files as typesetting all of them
    assert _files(pipeline.render(case, tmp_path / "three")) == _files(fresh)


def test_other_typesetting_code_or_fonts_make_every_document_again(example, tmp_path, monkeypatch):
    import toolkit.render
    from toolkit.render.fonts import FontBook

    case = example()
    pipeline.render(case, tmp_path / "one", formats=("pdf",))
    made = _made_spy(monkeypatch)
    code_digest = toolkit.render.code_digest
    monkeypatch.setattr(toolkit.render, "code_digest", lambda: "other code")
    documents = pipeline.render(case, tmp_path / "two", formats=("pdf",)).documents
    assert len(made) == len(documents)
    monkeypatch.setattr(toolkit.render, "code_digest", code_digest)
    made.clear()
    signatures = FontBook.file_signatures
    monkeypatch.setattr(FontBook, "file_signatures",
                        lambda self, roles: [*signatures(self, roles), "fangsong:a font file replaced"])
    pipeline.render(case, tmp_path / "three", formats=("pdf",))
    assert len(made) == len(documents)


def test_the_formats_asked_are_part_of_the_key(example, tmp_path, monkeypatch):
    # a DOCX made beside its PDF follows the PDF's page breaks: not the DOCX made alone
    case = example()
    pipeline.render(case, tmp_path / "both")
    made = _made_spy(monkeypatch)
    alone = pipeline.render(case, tmp_path / "docx", formats=("docx",))
    assert all(set(r.files) == {"docx"} for r in alone.documents)
    assert sorted(made) == sorted(r.document.key for r in alone.documents)
    assert len(list((tmp_path / "cache" / f"documents-{kept.FORMAT}").iterdir())) == 2 * len(alone.documents)


def test_a_damaged_entry_is_a_miss_and_is_replaced(example, tmp_path, monkeypatch):
    case = example()
    first = pipeline.render(case, tmp_path / "one")
    folder = tmp_path / "cache" / f"documents-{kept.FORMAT}"
    entries = sorted(folder.iterdir())
    cut, changed = entries[0], entries[1]
    cut.write_bytes(cut.read_bytes()[:-100])                       # cut short (a power cut)
    data = bytearray(changed.read_bytes())
    data[-1] ^= 0xFF                                              # a byte changed
    changed.write_bytes(bytes(data))
    made = _made_spy(monkeypatch)
    second = pipeline.render(case, tmp_path / "two")
    assert len(made) == 2
    assert _files(second) == _files(first)
    again = _made_spy(monkeypatch)
    pipeline.render(case, tmp_path / "three")
    assert again == []                                            # both entries were made again


def test_the_least_recently_used_entries_go_when_the_folder_is_full(example, tmp_path, monkeypatch):
    case = example()
    pipeline.render(case, tmp_path / "one", formats=("pdf",))
    folder = tmp_path / "cache" / f"documents-{kept.FORMAT}"
    older = {p.name for p in folder.iterdir()}
    monkeypatch.setattr(kept, "KEPT_BYTES", sum(p.stat().st_size for p in folder.iterdir()) - 1)
    pipeline.render(case, tmp_path / "docx", formats=("docx",))   # adds entries, used last
    remaining = {p.name: p.stat().st_size for p in folder.iterdir()}
    assert sum(remaining.values()) <= kept.KEPT_BYTES
    removed = older - set(remaining)
    assert removed and set(remaining) - older                       # the newest entries stayed
    made = _made_spy(monkeypatch)
    pipeline.render(case, tmp_path / "two", formats=("pdf",))
    assert len(made) == len(removed)


def test_no_cache_keeps_nothing(example, tmp_path, monkeypatch):
    monkeypatch.setenv("RCMZ_NO_CACHE", "1")
    pipeline.render(example(), tmp_path / "one", formats=("pdf",))
    assert not (tmp_path / "cache" / f"documents-{kept.FORMAT}").exists()
    made = _made_spy(monkeypatch)
    documents = pipeline.render(example(), tmp_path / "two", formats=("pdf",)).documents
    assert len(made) == len(documents)


def test_a_documents_phrases_are_the_case_names_in_it_and_set_it_as_all_of_them(tmp_path):
    """The kept documents' keys hold a document's phrases (what a line never splits): only the
    case's names that occur in its text, so that another fact's change leaves it found.  The
    others cannot change a line: the PDF and the DOCX come out the same with all of them."""
    import datetime as dt
    from dataclasses import replace

    from toolkit.case.load import load_case
    from toolkit.documents.compose import compose_all
    from toolkit.render.docx import render_docx
    from toolkit.render.pdf import typeset, write_pdf
    from toolkit.testing.cases import generate
    from toolkit.testing.run import prepare
    from toolkit.text import phrases_of

    context = prepare(tmp_path / "cases")
    checked = 0
    for seed in (3, 11):
        case = load_case(generate(tmp_path / "cases", seed, context.calendar, dt.date(2026, 12, 1)).folder)
        every = phrases_of([f.data for f in case.files.values()], context.config.data)
        for document in compose_all(case, context.config):
            text = repr(replace(document, phrases=()))
            assert {p for p in every if p in text} <= set(document.phrases) <= set(every)
            widest = replace(document, phrases=every)
            for made in (document, widest):
                pages = typeset(made, context.fonts)
                made_files = write_pdf(made, pages, context.fonts), render_docx(made, context.docx_shell)
                if made is document:
                    files = made_files
            assert made_files == files, document.key
            checked += len(every) > len(document.phrases)
    assert checked  # some documents left names out
