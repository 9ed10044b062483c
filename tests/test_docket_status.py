"""rcmz status: rows, due dates, days left, urgency order, broken cases, colour, JSON, cache.

Every due date below was counted by hand from the State Council arrangements (国务院办公厅
关于2025年部分节假日安排的通知), not copied from the code's output:

- 2025 端午节 5-31 (Sat) … 6-2 (Mon) off.  清明节 4-4 (Fri) … 4-6 off.
- 2025 国庆节、中秋节: 10-1 (Wed) … 10-8 (Wed) off; 9-28 (Sun) and 10-11 (Sat) are working days.

Seen on 2025-10-09 (Thu):

- 2025-201 decided 2025-09-30 (Tue): feedback = 3 working days → 10-9 (1), 10-10 (2),
  10-11 (Sat, 调休上班, 3) → due 2025-10-11; left: 10-10, 10-11 → 2 working days.
  (Not 10-10: the make-up Saturday is the third working day.)
- 2025-202 accountability started 2025-09-26 (Fri), no application: 7 working days →
  9-28 (Sun, working, 1), 9-29 (2), 9-30 (3), 10-9 (4), 10-10 (5), 10-11 (Sat, 6), 10-13 (Mon, 7)
  → due 2025-10-13; left: 10-10, 10-11, 10-13 → 3 working days.
- 2025-203 initiated 2025-08-15 (Fri), no decision: 1 month → 2025-09-15 (Mon, a working day);
  overdue by 24 calendar days.
- 2025-204 initiated 2025-09-01 (Mon): 1 month → 10-01, a holiday; rest days run to 10-08, so
  the period ends on 2025-10-09 (Art. 203) → due today.
- 2025-205 initiated 2025-09-19 (Fri): 1 month → 10-19, a Sunday → 2025-10-20 (Mon) →
  11 calendar days left.
- (a snapshot) deferred 2025-07-20: 3 months → 2025-10-20 (Mon) → 11 calendar days left; its
  verification limit (initiated 6-10 → 7-10) no longer runs once deferred.
- 2025-206 next follow-up talk planned 2025-10-31 → 22 calendar days.
- 2025-207 filed, nothing pending → last.
- 2025-208 rectification deadline 2025-10-08, not completed → overdue by 1 day.
- 2025-209 02-initiation.yaml is not valid YAML → "文件有误".
- 2025-210 accountability started on 12-28 of the last year chinese-calendar covers (2026 with
  version 1.11): the 7 working days reach into the next year, which has no arrangement → a row
  saying so.
- 2025-211 a folder with 01-application.yaml but no 00-case.yaml → "文件有误".
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import first_uncovered_year
from docket_fixtures import write_case
from toolkit.calendar import WorkCalendar
from toolkit.cli import main
from toolkit.docket import cache
from toolkit.docket import status as status_module
from toolkit.docket.cache import Snapshot
from toolkit.docket.status import BROKEN_NOTE, collect, row_from, table_lines

TODAY = dt.date(2025, 10, 9)
D = dt.date.fromisoformat
REPO = Path(__file__).resolve().parent.parent
UNKNOWN_YEAR = first_uncovered_year()  # 2027 with chinese-calendar 1.11


def done_case(root, case_id, **extra):
    """A case decided in March 2025, fed back and filed."""
    return write_case(root, case_id, started="2025-03-03", applied="2025-03-05",
                      initiated="2025-03-07", reported="2025-03-20", decided="2025-03-28",
                      fed_back="2025-03-31", filed="2025-04-10", **extra)


@pytest.fixture
def cases(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no casefiles/holidays.yaml of the working folder
    root = tmp_path / "cases"
    write_case(root, "2025-201", started="2025-09-01", applied="2025-09-03",
               initiated="2025-09-05", reported="2025-09-20", decided="2025-09-30")
    write_case(root, "2025-202", started="2025-09-26")
    write_case(root, "2025-203", started="2025-08-01", applied="2025-08-05", initiated="2025-08-15")
    write_case(root, "2025-204", started="2025-08-20", applied="2025-08-25", initiated="2025-09-01")
    write_case(root, "2025-205", started="2025-09-10", applied="2025-09-15", initiated="2025-09-19")
    done_case(root, "2025-206", talks=("2025-06-01",), next_talk="2025-10-31")
    done_case(root, "2025-207")
    done_case(root, "2025-208", outcome="不予容错", claimed=(1,), confirmed=(), exclusions=(3,),
              rectification_deadline="2025-10-08")
    broken = write_case(root, "2025-209", started="2025-09-01", applied="2025-09-03",
                        initiated="2025-09-05")
    (broken / "02-initiation.yaml").write_text("date: [2025-09-05\napprover: 林某\n", encoding="utf-8")
    write_case(root, "2025-210", started=f"{UNKNOWN_YEAR - 1}-12-28")
    orphan = write_case(root, "2025-211", started="2025-09-01", applied="2025-09-03")
    (orphan / "00-case.yaml").unlink()
    return root


def by_id(rows):
    return {row.case_id: row for row in rows}


def test_next_limits_due_dates_and_days_left(cases):
    rows = by_id(collect(cases, TODAY, cache=False))
    expected = {  # id: (key, due, unit, left, overdue)
        "2025-201": ("feedback", D("2025-10-11"), "workdays", 2, False),
        "2025-202": ("application", D("2025-10-13"), "workdays", 3, False),
        "2025-203": ("verification", D("2025-09-15"), "days", -24, True),
        "2025-204": ("verification", D("2025-10-09"), "days", 0, False),
        "2025-205": ("verification", D("2025-10-20"), "days", 11, False),
        "2025-206": ("followup", D("2025-10-31"), "days", 22, False),
        "2025-208": ("rectification", D("2025-10-08"), "days", -1, True),
    }
    for case_id, (key, due, unit, left, overdue) in expected.items():
        nxt = rows[case_id].next
        assert (nxt.key, nxt.due, nxt.unit, nxt.left, nxt.overdue) == (key, due, unit, left, overdue), case_id
    assert rows["2025-201"].next.left_text == "剩 2 个工作日"
    assert rows["2025-201"].next.name == "反馈期限" and rows["2025-201"].next.action == "反馈认定结果"
    assert rows["2025-203"].next.left_text == "已超期 24 天"
    assert rows["2025-204"].next.left_text == "今日到期"
    assert rows["2025-208"].next.left_text == "已超期 1 天"
    assert rows["2025-207"].next is None and rows["2025-207"].status_text == "已办结"


def test_deferral_replaces_verification():
    """While deferred, the 3 months of the deferral run instead of the month of verification.

    Built as a snapshot: determination.schema.json requires ``decision``, so a deferred case
    still waiting for its decision cannot yet be written as a schema-valid file.
    """
    shot = Snapshot(folder="nowhere/2025-212", fingerprint="", step_key="determination", data={
        "case": {"id": "2025-212", "applicant": {"name": "王某"},
                 "matter": {"accountability_started": "2025-06-02"}},
        "application": {"date": "2025-06-05"},
        "initiation": {"date": "2025-06-10"},
        "determination": {"deferral": {"date": "2025-07-20", "until": "2025-10-20"}}})
    row = row_from(shot, TODAY)
    assert [(p.key, p.due, p.left) for p in row.pending] == [("deferral", D("2025-10-20"), 11)]
    assert row.step == "审议认定" and not row.broken


def test_current_step_in_chinese(cases):
    rows = by_id(collect(cases, TODAY, cache=False))
    assert rows["2025-201"].step == "审议认定"
    assert rows["2025-202"].step == "当事方与事项"
    assert rows["2025-206"].step == "回访谈话"
    assert rows["2025-208"].step == "纠错整改"
    assert rows["2025-211"].step == "申请"


def test_sorted_by_urgency(cases):
    order = [row.case_id for row in collect(cases, TODAY, cache=False)]
    assert order == ["2025-203", "2025-208",                      # overdue, most overdue first
                     "2025-204", "2025-201", "2025-202", "2025-205", "2025-206",  # fewest days left
                     "2025-210",                                  # only a range known, a year away
                     "2025-209", "2025-211",                      # need attention, no date
                     "2025-207"]                                  # nothing pending: last


def test_broken_cases_and_missing_calendar_get_rows(cases):
    rows = by_id(collect(cases, TODAY, cache=False))
    assert rows["2025-209"].broken and BROKEN_NOTE in rows["2025-209"].status_text
    assert rows["2025-211"].broken and BROKEN_NOTE in rows["2025-211"].status_text
    assert rows["2025-211"].case_id == "2025-211"
    missing = rows["2025-210"]
    assert not missing.broken
    assert f"缺少{UNKNOWN_YEAR}年节假日安排" in missing.status_text and "申请期限" in missing.status_text
    # the 7 working days after 12-28 end within a range whatever the next year's arrangement
    # (2027-01-05 to 2027-01-14 with chinese-calendar 1.11)
    bound = WorkCalendar().workday_range(D(f"{UNKNOWN_YEAR - 1}-12-28"), 7)
    assert (missing.next.due, missing.next.latest) == (bound.earliest, bound.latest)
    assert bound.earliest.year == UNKNOWN_YEAR and bound.earliest < bound.latest
    assert f"{bound.earliest.isoformat()} 至 {bound.latest.isoformat()}" in "\n".join(
        line for line, _ in table_lines([missing]))
    assert missing.next.left_text.startswith("最早剩 ")


def test_a_broken_bureau_configuration_is_a_note_on_each_row(cases):
    (cases / "bureau.yaml").write_text("bureau: [\n", encoding="utf-8")
    rows = by_id(collect(cases, TODAY, cache=False))
    assert "bureau.yaml" in rows["2025-201"].status_text and rows["2025-201"].next is None


def test_a_bug_is_a_traceback_not_a_row(cases, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(status_module, "time_limits", broken)
    with pytest.raises(ZeroDivisionError):
        collect(cases, TODAY, cache=False)
    monkeypatch.setattr("toolkit.case.load.load_case", broken)
    with pytest.raises(ZeroDivisionError):
        cache.snapshot(cases / "2025-201")


def test_cli_plain_text_in_a_pipe(cases):
    result = CliRunner().invoke(main, ["status", str(cases), "--today", "2025-10-09"], color=False)
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["案件编号", "申请人", "当前步骤", "下一期限", "到期日", "剩余／状态"]
    assert lines[1].startswith("2025-203") and "已超期 24 天" in lines[1]
    feedback = next(line for line in lines if line.startswith("2025-201"))
    assert "反馈期限：反馈认定结果" in feedback and "2025-10-11 周六" in feedback
    assert "剩 2 个工作日" in feedback
    assert lines[-2].startswith("2025-207") and "已办结" in lines[-2]
    assert lines[-1].startswith("截至2025年10月9日，共 11 个案件：超期 2 个")


def test_cli_colour_on_a_terminal(cases):
    result = CliRunner().invoke(main, ["status", str(cases), "--today", "2025-10-09"], color=True)
    assert result.exit_code == 0, result.output
    overdue = next(line for line in result.output.splitlines() if "2025-203" in line)
    assert overdue.startswith("\x1b[31m") and overdue.endswith("\x1b[0m")   # red
    soon = next(line for line in result.output.splitlines() if "2025-201" in line)
    assert soon.startswith("\x1b[33m")                                       # yellow
    broken = next(line for line in result.output.splitlines() if "2025-209" in line)
    assert broken.startswith("\x1b[35m")                                     # magenta


def test_cli_json(cases):
    result = CliRunner().invoke(main, ["status", str(cases), "--json", "--today", "2025-10-09"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["today"] == "2025-10-09"
    assert data["summary"] == {"cases": 11, "overdue": 2, "due_soon": 3, "broken": 2, "idle": 1}
    first = data["cases"][0]
    assert first["case"] == "2025-203" and first["state"] == "overdue"
    assert first["next"]["due"] == "2025-09-15" and first["next"]["left"] == -24
    fb = next(c for c in data["cases"] if c["case"] == "2025-201")
    assert fb["next"] == {"key": "feedback", "name": "反馈期限", "action": "反馈认定结果",
                          "article": "第九条第（五）项", "start": "2025-09-30", "due": "2025-10-11",
                          "length": "3个工作日", "unit": "workdays", "left": 2, "overdue": False,
                          "latest": None, "left_text": "剩 2 个工作日"}


def test_cache_reused_and_refreshed(cases, tmp_path):
    first = [row.as_dict() for row in collect(cases, TODAY)]
    assert list((tmp_path / "cache" / "status").glob("*.json"))
    assert [row.as_dict() for row in collect(cases, TODAY)] == first
    assert [row.as_dict() for row in collect(cases, TODAY, cache=False)] == first
    # The feedback is recorded: the case's folder changed, so it is read again.
    (cases / "2025-201" / "05-feedback.yaml").write_text(
        "date: 2025-10-10\nseq: 1\nmethod: 当面送达\nexplanation: 答复。\n", encoding="utf-8")
    row = by_id(collect(cases, TODAY))["2025-201"]
    assert row.next is None and row.step == "反馈"


def test_parallel_loading_gives_the_same_rows(cases, monkeypatch):
    sequential = [row.as_dict() for row in collect(cases, TODAY, workers=1, cache=False)]
    monkeypatch.setattr(cache, "PARALLEL_THRESHOLD", 1)
    parallel = [row.as_dict() for row in collect(cases, TODAY, workers=2, cache=False)]
    assert parallel == sequential


def test_example_casefiles():
    result = CliRunner().invoke(main, ["status", str(REPO / "casefiles"), "--today", "2025-11-20",
                                       "--no-cache"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # 2025-001: next talk 2025-12-10; 2025-003: next talk 2026-12-15; 2025-002: filed, done.
    assert lines[1].startswith("2025-001") and "2025-12-10" in lines[1] and "剩 20 天" in lines[1]
    assert lines[2].startswith("2025-003") and "2026-12-15" in lines[2]
    assert lines[3].startswith("2025-002") and "已办结" in lines[3]


def test_no_cases_and_missing_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["status", str(tmp_path / "empty"), "--today", "2025-10-09"])
    assert result.exit_code == 0 and "没有案件" in result.output
    result = CliRunner().invoke(main, ["status", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "不存在" in result.output
