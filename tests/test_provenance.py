"""A volume is clean only when every input in the case repository is committed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import CASEFILES
from toolkit.case.load import load_case
from toolkit.context import context_for
from toolkit.dossier.provenance import provenance
from toolkit.pipeline import volume_inputs

CASE = "2025-001-exempt-individual"


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A case repository with everything committed, and an untracked secret outside it."""
    root = tmp_path / "repo"
    shutil.copytree(CASEFILES, root / "casefiles", ignore=shutil.ignore_patterns("2025-00[23]*"))
    (root / ".gitignore").write_text("*.ignored\n", encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "cases")
    return root


def origin_of(root: Path):
    folder = root / "casefiles" / CASE
    return provenance(folder, volume_inputs(load_case(folder), context_for(folder)))


def test_a_committed_case_is_clean(repo):
    origin = origin_of(repo)
    assert not origin.dirty and origin.reasons == ()
    assert origin.commit and len(origin.commit) == 40


def test_inputs_cover_config_table_and_attachments(repo):
    folder = repo / "casefiles" / CASE
    inputs = {p.name for p in volume_inputs(load_case(folder), context_for(folder))}
    assert {"bureau.yaml", "holidays.yaml", "00-case.yaml"} <= inputs
    assert any(name.endswith((".pdf", ".jpg", ".png")) for name in inputs)


def test_modified_bureau_config_is_dirty(repo):
    config = repo / "casefiles" / "bureau.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "# 改动\n", encoding="utf-8")
    origin = origin_of(repo)
    assert origin.dirty
    assert origin.reasons == ("casefiles/bureau.yaml 有未提交的修改",)


def test_a_step_file_linked_to_an_untracked_file_is_dirty(repo):
    folder = repo / "casefiles" / CASE
    target = folder / "filing-draft.yaml"
    shutil.move(folder / "06-filing.yaml", target)
    (folder / "06-filing.yaml").symlink_to(target.name)
    git(repo, "add", "casefiles/" + CASE + "/06-filing.yaml")  # the link is committed, its target is not
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "link")
    origin = origin_of(repo)
    assert origin.dirty
    assert f"casefiles/{CASE}/filing-draft.yaml 未纳入 git（untracked）" in origin.reasons


def test_a_step_file_linked_out_of_its_folder_is_refused_by_check(repo, tmp_path):
    from toolkit.pipeline import check

    folder = repo / "casefiles" / CASE
    outside = tmp_path / "outside.yaml"
    shutil.copy(folder / "06-filing.yaml", outside)
    (folder / "06-filing.yaml").unlink()
    (folder / "06-filing.yaml").symlink_to(outside)
    [error] = [p for p in check(folder).errors if p.file.endswith("06-filing.yaml")]
    assert "符号链接" in error.message


def test_an_ignored_attachment_is_dirty(repo):
    folder = repo / "casefiles" / CASE
    attachment = next(p for p in (folder / "attachments").iterdir() if p.is_file())
    ignored = attachment.with_name(attachment.name + ".ignored")
    attachment.rename(ignored)
    step = next(p for p in folder.glob("*.yaml") if attachment.name in p.read_text(encoding="utf-8"))
    step.write_text(step.read_text(encoding="utf-8").replace(attachment.name, ignored.name), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "rename")
    origin = origin_of(repo)
    assert origin.dirty
    assert any(reason.endswith(f"{ignored.name} 被 .gitignore 忽略") for reason in origin.reasons)


def test_outside_git_is_dirty(tmp_path):
    shutil.copytree(CASEFILES, tmp_path / "casefiles")
    folder = tmp_path / "casefiles" / CASE
    origin = provenance(folder, [folder / "00-case.yaml"])
    assert origin.dirty and origin.commit is None


def test_an_input_linked_out_of_the_repository_is_dirty(repo, tmp_path):
    templates = repo / "casefiles" / "bureau-templates"
    templates.mkdir()
    outside = tmp_path / "decision.xml.j2"
    outside.write_text("<document/>", encoding="utf-8")
    (templates / "decision.xml.j2").symlink_to(outside)
    origin = provenance(repo / "casefiles" / CASE, [templates / "decision.xml.j2"])
    assert origin.dirty
    assert origin.reasons == (f"{templates / 'decision.xml.j2'} 是指向仓库以外的符号链接",)
