"""Shared fixtures: copies of the example cases in a temporary folder, and a field editor."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
CASEFILES = REPO / "casefiles"
EXAMPLES = ("2025-001-exempt-individual", "2025-002-refused-unit", "2025-003-hearing-deferral",
            "2025-004-lighter-report-first")


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
