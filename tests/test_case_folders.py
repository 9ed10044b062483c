"""One answer to "which folders are cases" for check, status, stats and the hook."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from docket_fixtures import write_case
from toolkit.case.folders import (
    case_folder_of,
    case_folders,
    current_step,
    expand_case_folders,
)
from toolkit.cli import main
from toolkit.docket.hooks import case_folders_for
from toolkit.docket.status import collect

TODAY = dt.date(2025, 3, 20)


@pytest.fixture
def root(tmp_path) -> Path:
    """Two cases, one that has lost its 00-case.yaml, a hidden folder and a folder of notes."""
    root = tmp_path / "casefiles"
    write_case(root, "2025-001", started="2025-03-03", applied="2025-03-05")
    write_case(root, "2025-002", started="2025-03-03")
    orphan = write_case(root, "2025-003", started="2025-03-03", applied="2025-03-05")
    (orphan / "00-case.yaml").unlink()
    write_case(root / ".trash", "2025-009", started="2025-03-03")
    (root / ".git").mkdir()
    (root / ".git" / "00-case.yaml").write_text("id: x\n", encoding="utf-8")
    (root / "notes").mkdir()
    (root / "notes" / "README.md").write_text("说明\n", encoding="utf-8")
    return root


def test_a_folder_with_any_step_file_is_a_case(root):
    assert [f.name for f in case_folders(root)] == ["2025-001", "2025-002", "2025-003"]
    assert case_folders(root / "2025-003") == [root / "2025-003"]
    assert case_folders(root / "notes") == [] and case_folders(root / "missing") == []


def test_a_named_folder_without_cases_is_kept_so_check_can_say_why(root):
    assert expand_case_folders([root / "notes", root / "2025-001"]) == [root / "notes", root / "2025-001"]
    assert expand_case_folders([root]) == case_folders(root)


def test_the_case_a_file_belongs_to(root):
    assert case_folder_of(root / "2025-003" / "attachments" / "scan.pdf") == root / "2025-003"
    assert case_folder_of(root / "2025-002" / "05-feedback.yaml") == root / "2025-002"  # removed
    assert case_folder_of(root / "notes" / "README.md") is None


def test_current_step(root):
    assert current_step(root / "2025-001") == "application"
    assert current_step(root / "notes") is None


def test_check_status_and_the_hook_see_the_same_cases(root, monkeypatch):
    monkeypatch.chdir(root.parent)
    checked = CliRunner().invoke(main, ["check", "--json", "--today", "2025-03-20", "casefiles"])
    folders = [Path(case["folder"]).name for case in json.loads(checked.output)["cases"]]
    statused = sorted(row.folder.name for row in collect(root, TODAY, cache=False))
    hooked = [f.name for f in case_folders_for(["casefiles/bureau.yaml"])]
    assert folders == statused == hooked == ["2025-001", "2025-002", "2025-003"]
    # the case without 00-case.yaml is reported, not skipped
    assert "缺少案件基本信息文件" in checked.output
