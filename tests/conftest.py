"""Shared fixtures: copies of the example cases in a temporary folder, a field editor, and the
calendar package's coverage."""

from __future__ import annotations

import functools
import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
CASEFILES = REPO / "casefiles"
EXAMPLES = ("2025-001-exempt-individual", "2025-002-refused-unit", "2025-003-hearing-deferral",
            "2025-004-lighter-report-first")


#: No ``rcmz render`` a test starts — by any fixture of any scope, a workbench's job included —
#: hands itself to, or leaves behind, a resident process in the user's folder
#: (tests/test_resident.py switches it on, in folders of its own).
os.environ["RCMZ_RESIDENT"] = "0"


#: Converted fonts (Fandol and Noto CJK are CFF; see toolkit/render/fontcache.py) for the test
#: suite: in the checkout, not the user's cache, and kept between runs, so the ~1 minute of
#: conversion is paid once per checkout (a fresh CI clone pays it in its first run).
TEST_FONT_CACHE = REPO / "build" / "test-font-cache"


@pytest.fixture(autouse=True, scope="session")
def shared_font_cache():
    """One font conversion cache for the whole session (RCMZ_CACHE_DIR is per test)."""
    from toolkit.render.fontcache import prepare
    from toolkit.render.fonts import prepare_jobs

    old = os.environ.get("RCMZ_FONT_CACHE")
    os.environ["RCMZ_FONT_CACHE"] = str(TEST_FONT_CACHE)
    # Converted up front, in parallel, so that no test's time limit (a browser test waiting for
    # the workbench's check) pays the conversion of a fresh clone.
    prepare(prepare_jobs(), echo=lambda line: None)
    yield TEST_FONT_CACHE
    if old is None:
        os.environ.pop("RCMZ_FONT_CACHE", None)
    else:
        os.environ["RCMZ_FONT_CACHE"] = old


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """No test reads or writes the user's cache (rcmz status keeps one in ~/.cache/rcmz)."""
    monkeypatch.setenv("RCMZ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RCMZ_NO_CACHE", raising=False)


@pytest.fixture
def cases_dir(tmp_path: Path) -> Path:
    """A casefiles folder with the bureau configuration and all example cases."""
    target = tmp_path / "casefiles"
    target.mkdir()
    shutil.copy(CASEFILES / "bureau.yaml", target / "bureau.yaml")
    shutil.copy(CASEFILES / "holidays.yaml", target / "holidays.yaml")
    for name in EXAMPLES:
        shutil.copytree(CASEFILES / name, target / name)
    return target


@pytest.fixture
def example(cases_dir: Path):
    """example("2025-001-exempt-individual") → the path of that case's copy."""
    return lambda name="2025-001-exempt-individual": cases_dir / name


def edit(path: Path, changes: dict) -> None:
    """Set (value) or delete (None) dotted keys of a YAML file, for building test scenarios."""
    yaml = YAML()
    data = yaml.load(path.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        target = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target.setdefault(key, {})
        if value is None:
            if isinstance(target, list):
                del target[int(last)]
            else:
                target.pop(last, None)
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    with path.open("w", encoding="utf-8") as stream:
        yaml.dump(data, stream)


@functools.cache
def first_uncovered_year() -> int:
    """The first year the installed chinese-calendar has no arrangement for (it raises for it).

    Tests of "a year without data" use this year rather than a fixed one, so they hold today
    (chinese-calendar 1.11 covers 2004–2026: 2027) and still hold the day a release adds the next
    year.  Found by asking the package, from 2025 on: every version pyproject admits covers 2025.
    """
    import chinese_calendar

    year = 2025
    while True:
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return year
        year += 1
