"""Page counts of the documents a scan replaces (toolkit/pagecount.py): what the cache is keyed
by, and that a run of many cases reads and writes it once."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import pytest

import toolkit.render.pdf
from conftest import edit
from toolkit.cachefile import user_cache_folder
from toolkit.pipeline import check, check_all

TODAY = dt.date(2026, 11, 28)
ONE = "2025-001-exempt-individual"


@pytest.fixture
def layouts(monkeypatch):
    """The documents laid out (by key), counting calls of the typesetter."""
    done: list[str] = []
    real = toolkit.render.pdf.typeset

    def counting(document, fonts, *args, **kwargs):
        done.append(document.key)
        return real(document, fonts, *args, **kwargs)

    monkeypatch.setattr(toolkit.render.pdf, "typeset", counting)
    return done


def page_warnings(result):
    return [p for p in result.problems if "扫描件" in p.message]


def copy_case(cases_dir, name: str, new: str, volume_no: int):
    target = cases_dir / new
    shutil.copytree(cases_dir / name, target)
    case_file = target / "00-case.yaml"
    case_file.write_text(case_file.read_text(encoding="utf-8").replace(f"id: {name[:8]}", f"id: {new}"),
                         encoding="utf-8")
    edit(target / "06-filing.yaml", {"volume.volume_no": volume_no})
    return target


def test_an_unchanged_case_is_not_laid_out_again(example, layouts):
    case = example(ONE)
    check(case, TODAY)
    assert layouts == ["application"]
    check(case, TODAY)
    assert layouts == ["application"]
    # a changed fact of the document: composed again and laid out again
    edit(case / "01-application.yaml", {"statement": "本人恳请局党委予以容错免责。"})
    check(case, TODAY)
    assert layouts == ["application", "application"]


def test_a_document_composed_the_same_in_another_case_is_laid_out_once(cases_dir, layouts):
    copy_case(cases_dir, ONE, "2025-901", 99)
    results = check_all([cases_dir / ONE, cases_dir / "2025-901"], TODAY)
    # the applicant's letter carries no number of the case: the same document, one layout
    assert layouts == ["application"]
    assert [page_warnings(r) for r in results] == [[], []]


def test_a_scan_of_other_pages_is_found_with_the_count_from_the_cache(cases_dir, layouts):
    copy_case(cases_dir, ONE, "2025-901", 99)
    check(cases_dir / ONE, TODAY)
    shutil.copy(cases_dir / ONE / "attachments" / "procurement-notice.jpg",
                cases_dir / "2025-901" / "attachments" / "signed.jpg")
    edit(cases_dir / "2025-901" / "01-application.yaml", {"attachments.0.file": "attachments/signed.jpg"})
    [warning] = page_warnings(check(cases_dir / "2025-901", TODAY))
    assert "扫描件共1页（attachments/signed.jpg 1页），系统生成件3页" in warning.message
    assert layouts == ["application"]


def test_a_run_of_many_cases_writes_the_cache_once(cases_dir, monkeypatch):
    import toolkit.atomic

    writes = []
    real = toolkit.atomic.write_text_atomic

    def recording(path, text, *args, **kwargs):
        writes.append(path.name)
        return real(path, text, *args, **kwargs)

    monkeypatch.setattr(toolkit.atomic, "write_text_atomic", recording)
    check_all([cases_dir], TODAY)
    assert writes.count("pages.json") == 1
    stored = json.loads((user_cache_folder() / "pages.json").read_text(encoding="utf-8"))
    # two documents (by what they are made from and by their content), three scans
    assert sorted(re.sub(r":.*|^[0-9a-f]{64}$", "", key) or "inputs" for key in stored) == \
        ["doc", "doc", "inputs", "inputs", "scan", "scan", "scan"]
    # what a key is made from
    assert all(re.fullmatch(r"(?:doc:|scan:)?[0-9a-f]{64}", key) for key in stored)
    writes.clear()
    check_all([cases_dir], TODAY)
    assert writes.count("pages.json") == 0  # nothing new


def test_no_cache_lays_out_every_time(example, layouts, monkeypatch):
    monkeypatch.setenv("RCMZ_NO_CACHE", "1")
    check(example(ONE), TODAY)
    check(example(ONE), TODAY)
    assert layouts == ["application", "application"]
    assert not (user_cache_folder() / "pages.json").exists()
