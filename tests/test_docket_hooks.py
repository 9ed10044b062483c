"""The pre-commit hook: touched files → case folders → rcmz check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from docket_fixtures import write_case
from toolkit.cli import main
from toolkit.docket.hooks import case_folders_for

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A case repository; the working folder is its root, as pre-commit runs hooks."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "casefiles"
    for case_id in ("2025-001", "2025-002"):
        write_case(root, case_id, started="2025-03-03", applied="2025-03-05")
    (root / "2025-001" / "attachments").mkdir()
    (root / "2025-001" / "attachments" / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    orphan = write_case(root, "2025-003", started="2025-03-03", initiated="2025-03-07")
    (orphan / "00-case.yaml").unlink()
    for name in ("bureau.yaml", "holidays.yaml"):
        shutil.copy(REPO / "casefiles" / name, root / name)
    (tmp_path / "README.md").write_text("说明\n", encoding="utf-8")
    return tmp_path


def P(*parts):
    return Path("casefiles", *parts)


def test_files_map_to_their_case_folders(repo):
    assert case_folders_for(["casefiles/2025-001/attachments/scan.pdf",
                             "casefiles/2025-001/01-application.yaml", "README.md"]) == [P("2025-001")]
    assert case_folders_for(["casefiles/2025-002/00-case.yaml",
                             "casefiles/2025-001/00-case.yaml"]) == [P("2025-001"), P("2025-002")]


def test_a_step_file_without_00_case_still_maps(repo):
    assert case_folders_for(["casefiles/2025-003/02-initiation.yaml"]) == [P("2025-003")]


def test_removed_files_map_by_their_folder(repo):
    assert case_folders_for(["casefiles/2025-002/05-feedback.yaml"]) == [P("2025-002")]
    assert case_folders_for(["casefiles/2025-002/attachments/gone.pdf"]) == [P("2025-002")]


def test_shared_files_check_every_case(repo):
    # 2025-003 has lost its 00-case.yaml: it is still a case, and its check says what is missing
    everything = [P("2025-001"), P("2025-002"), P("2025-003")]
    assert case_folders_for(["casefiles/bureau.yaml"]) == everything
    assert case_folders_for(["casefiles/holidays.yaml"]) == everything


def test_unrelated_files_map_to_nothing(repo):
    assert case_folders_for(["README.md", "casefiles/notes.txt"]) == []


def test_cli_checks_only_touched_cases(repo):
    runner = CliRunner()
    result = runner.invoke(main, ["precommit", "casefiles/2025-001/01-application.yaml"])
    assert result.exit_code == 0, result.output
    assert "检查了 1 个案件：0 个错误" in result.output
    (repo / "casefiles" / "2025-002" / "01-application.yaml").write_text("date: [\n", encoding="utf-8")
    result = runner.invoke(main, ["precommit", "casefiles/2025-002/01-application.yaml"])
    assert result.exit_code == 1
    assert "casefiles/2025-002/01-application.yaml" in result.output and "YAML" in result.output
    result = runner.invoke(main, ["precommit", "README.md"])
    assert result.exit_code == 0 and "不涉及案件文件夹" in result.output


def test_hook_definition():
    [hook] = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "rcmz-check"
    assert hook["entry"] == "rcmz precommit"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert hook["files"] == "^casefiles/"
