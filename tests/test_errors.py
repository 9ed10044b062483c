"""Errors that tell the truth: a user's mistake is a located Chinese message, a defect of rcmz is
an internal error, a bureau template can neither run code nor escape as a traceback, and
third-party log records stay quiet unless asked for."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CASEFILES
from toolkit.cli import main

CASE = "2025-001-exempt-individual"


@pytest.fixture
def with_override(tmp_path: Path):
    """A copy of one example whose bureau overrides the feedback letter with ``body``."""
    def make(body: str) -> Path:
        root = tmp_path / "casefiles"
        root.mkdir()
        shutil.copy(CASEFILES / "holidays.yaml", root / "holidays.yaml")
        (root / "bureau.yaml").write_text((CASEFILES / "bureau.yaml").read_text(encoding="utf-8")
                                          + "\ntemplates: bureau-templates\n", encoding="utf-8")
        shutil.copytree(CASEFILES / CASE, root / CASE)
        (root / "bureau-templates").mkdir()
        (root / "bureau-templates" / "feedback_letter.xml.j2").write_text(
            '<document layout="letter" title="反馈" author="x" date="{{ facts.feedback.date }}">\n'
            f'  <p>{body}</p>\n</document>\n', encoding="utf-8")
        return root / CASE
    return make


def invoke(*args, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, [str(a) for a in args])
    finally:
        os.chdir(old)


def test_override_template_cannot_run_code(with_override, tmp_path):
    marker = tmp_path / "ran"
    folder = with_override("{{ cycler.__init__.__globals__.os.popen('touch " + str(marker) + "').read() }}")
    result = invoke("render", folder, "--only", "feedback_letter", "--out", tmp_path / "out", cwd=tmp_path)
    assert result.exit_code == 1
    assert not marker.exists()
    assert "feedback_letter.xml.j2:2: 文书模板试图访问不允许的内部对象，已拒绝执行" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("expression, error", [("{{ 1 / 0 }}", "ZeroDivisionError"),
                                                ('{{ "2025-13-45" | cn_date }}', "ValueError")])
def test_a_failing_override_template_is_named_with_its_line(with_override, tmp_path, expression, error):
    folder = with_override(expression)
    result = invoke("render", folder, "--only", "feedback_letter", "--out", tmp_path / "out", cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"feedback_letter.xml.j2:2: 文书模板出错：{error}" in result.output


def test_a_defect_is_an_internal_error_not_a_domain_message(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("programming error")

    monkeypatch.setattr("toolkit.pipeline.check_case", broken)
    shutil.copytree(CASEFILES, tmp_path / "casefiles")
    result = invoke("check", tmp_path / "casefiles" / CASE, cwd=tmp_path)
    assert result.exit_code == 70
    assert result.output.startswith("内部错误：这是 rcmz 的缺陷")
    assert "rcmz -v" in result.output and "Traceback" not in result.output
    verbose = invoke("-v", "check", tmp_path / "casefiles" / CASE, cwd=tmp_path)
    assert isinstance(verbose.exception, KeyError)  # the traceback is there for the developer


def test_third_party_log_records_only_with_verbose(tmp_path, monkeypatch):
    def noisy(*args, **kwargs):
        logging.getLogger("pyhanko.sign.signers").error("Could not load key material")
        logging.getLogger("rcmz.dossier").warning("案卷按草稿生成")
        raise SystemExit(0)

    monkeypatch.setattr("toolkit.pipeline.check_all", noisy)
    quiet = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert "提示：案卷按草稿生成" in quiet.output
    assert "Could not load key material" not in quiet.output
    loud = CliRunner().invoke(main, ["-v", "check", str(tmp_path)])
    assert "pyhanko.sign.signers: Could not load key material" in loud.output
