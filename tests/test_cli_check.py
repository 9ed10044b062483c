"""rcmz check, new, step and set as a user runs them: exact messages, exit codes, files kept."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from conftest import edit, first_uncovered_year

from toolkit.cli import main


@pytest.fixture
def run(cases_dir):
    runner = CliRunner()

    def invoke(*args):
        old = os.getcwd()
        os.chdir(cases_dir.parent)
        try:
            return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        finally:
            os.chdir(old)
    return invoke


def test_clean_examples_exit_zero(run):
    result = run("check", "casefiles", "--today", "2026-11-28")
    assert result.exit_code == 0
    assert result.output.strip().splitlines()[-1] == "检查了 3 个案件：0 个错误，0 个警告。"


def test_problems_are_located_exactly(run, cases_dir):
    case = cases_dir / "2025-001-exempt-individual"
    text = (case / "05-feedback.yaml").read_text(encoding="utf-8")
    (case / "05-feedback.yaml").write_text(text.replace("date: 2025-03-07", "date: 2025-03-11"),
                                           encoding="utf-8")
    result = run("check", "casefiles/2025-001-exempt-individual", "--today", "2026-11-28")
    assert result.exit_code == 1
    assert ("casefiles/2025-001-exempt-individual/05-feedback.yaml:3:7: 错误 [date]（第九条第（五）项）"
            "反馈逾期：自2025年3月5日起3个工作日，应于2025年3月10日前反馈认定结果，实际2025年3月11日"
            ) in result.output


def test_late_application_passes_with_recorded_acceptance(run, cases_dir):
    case = cases_dir / "2025-001-exempt-individual"
    edit(case / "01-application.yaml", {"date": "2025-02-08"})
    assert run("check", case, "--today", "2026-11-28").exit_code == 1
    edit(case / "01-application.yaml", {"late_acceptance": {"accepted_by": "局组织处处长 何晓岚",
                                                            "reason": "申请人春节期间在外地参加集团活动"}})
    result = run("check", case, "--today", "2026-11-28", "--json")
    assert result.exit_code == 0
    limits = json.loads(result.output)["cases"][0]["time_limits"]
    assert limits[0]["key"] == "application" and limits[0]["status"] == "late_accepted"


def test_warnings_fail_only_when_strict(run, cases_dir):
    case = cases_dir / "2025-001-exempt-individual"
    edit(case / "01-application.yaml", {"conditions.5": None})
    assert run("check", case).exit_code == 0
    assert run("check", case, "--strict").exit_code == 1


def test_json_has_problems_and_time_limits(run, cases_dir):
    edit(cases_dir / "2025-002-refused-unit" / "06-filing.yaml", {"volume.chekcer": "x"})
    result = run("check", "casefiles", "--json", "--today", "2026-11-28")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["errors"] == 1
    [broken] = [c for c in report["cases"] if c["problems"]]
    [problem] = broken["problems"]
    assert problem["field"] == "volume.chekcer"
    assert problem["message"] == "未知字段“chekcer”，是否想写“checker”？"
    feedback = [t for c in report["cases"] for t in c["time_limits"] if t["key"] == "feedback"]
    assert {t["due"] for t in feedback} == {"2025-03-10", "2025-11-11", "2026-04-01"}


def test_missing_folder_is_a_message(run):
    result = run("check", "casefiles/none")
    assert result.exit_code == 1
    assert "casefiles/none: 案件文件夹不存在" in result.output


def test_year_without_calendar_data(run, cases_dir):
    """A period into a year without holiday data is judged at both ends of its possible range:
    still running before the earliest end, overdue after the latest, a warning between."""
    year = first_uncovered_year()  # 2027 with chinese-calendar 1.11
    case = cases_dir / "2025-001-exempt-individual"
    edit(case / "00-case.yaml", {"matter.accountability_started": f"{year}-03-10"})
    for name in ("01-application.yaml", "02-initiation.yaml", "03-investigation.yaml", "04-determination.yaml",
                 "05-feedback.yaml", "06-filing.yaml", "10-followup.yaml"):
        (case / name).unlink()
    result = run("check", case, "--today", f"{year}-03-11")
    assert result.exit_code == 0 and "0 个错误，0 个警告" in result.output, result.output
    result = run("check", case, "--today", f"{year}-04-30")
    assert result.exit_code == 0 and "申请期限已过" in result.output, result.output
    assert "节假日安排未知" in result.output and "Traceback" not in result.output
    holidays = cases_dir / "holidays.yaml"
    holidays.write_text(holidays.read_text(encoding="utf-8") +
                        f"{year}:\n  holidays: [{year}-01-01]\n  workdays: []\n", encoding="utf-8")
    assert run("check", case, "--today", f"{year}-03-11").exit_code == 0


def test_usage_errors_exit_two(run):
    assert run("check").exit_code == 2
    assert run("deadline", "2021-02-30", "--workdays", "3").exit_code == 2


def test_new_step_and_set_keep_comments(run, cases_dir):
    result = run("new", "casefiles/2026-010-test")
    assert result.exit_code == 0
    case = cases_dir / "2026-010-test"
    application = (case / "01-application.yaml").read_text(encoding="utf-8")
    assert application.startswith("# yaml-language-server: $schema=../../schemas/application.schema.json") \
        or "$schema=" in application.splitlines()[0]
    assert "# 第六条所列情形的项号（1—10）；必填" in application
    # an unfilled scaffold is reported, not accepted
    assert run("check", case).exit_code == 1
    result = run("set", case / "01-application.yaml", "received_by=局组织处 王某")
    assert result.exit_code == 0
    edited = (case / "01-application.yaml").read_text(encoding="utf-8")
    assert edited.replace('received_by: "局组织处 王某"', 'received_by: ""') == application
    result = run("step", case)
    assert result.output.strip().endswith("02-initiation.yaml")
    assert (case / "01-application.yaml").read_text(encoding="utf-8") == edited
    assert run("step", case).exit_code == 0  # 03 next
    assert run("step", case, "initiation").exit_code == 2  # exists: a usage error, nothing touched


def test_set_keeps_comments_order_and_quotes(run, cases_dir):
    path = cases_dir / "2025-001-exempt-individual" / "06-filing.yaml"
    before = path.read_text(encoding="utf-8")
    assert run("set", path, "volume.checker=吴建华").exit_code == 0
    after = path.read_text(encoding="utf-8")
    assert after == before.replace("checker: 何晓岚", "checker: 吴建华")
    assert run("set", path, "volume.volume_no=7").exit_code == 0
    assert "volume_no: 7\n" in path.read_text(encoding="utf-8")


def test_check_does_not_load_the_document_libraries():
    """`rcmz check` must start fast: PDF, DOCX and signing libraries load only when needed."""
    import subprocess
    import sys

    probe = ("import sys, toolkit.cli\nfrom toolkit.pipeline import check\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'reportlab','pypdf','pikepdf','docx','docxtpl','pyhanko','icalendar','jinja2','PIL'}))")
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "[]"


def test_deadline_beyond_the_calendar_is_a_message(run):
    result = run("deadline", "2025-01-01", "--months", "100000")
    assert result.exit_code == 2
    assert "超出可计算的日期范围" in result.output
