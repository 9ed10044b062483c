"""Periods into a year without holiday data: the earliest and latest day they can end on.

The year without data is the first one the installed chinese-calendar does not cover
(``first_uncovered_year``: 2027 with version 1.11), so these tests hold today and the day a
release adds it.  "The day the data arrives" is simulated by adding that year to the local table.

The example of issue 10: a deferral decided on 11-13 of the last covered year until 2-12 of the
next is within three months whatever the new year's arrangement — the three months end on 2-13
(Art. 202) or, when that is a rest day, later (Art. 203) — so it is no error, and render and
dossier are not refused.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from conftest import edit, first_uncovered_year

from toolkit.calendar import Record, WorkCalendar, statutory_fixed
from toolkit.cli import main
from toolkit.pipeline import check, checked

YEAR = first_uncovered_year()
LAST = YEAR - 1
D = date.fromisoformat

# A made-up arrangement for the year without data (not a State Council notice): 春节 on 2-6.
ARRIVED = f"""\
{YEAR}:
  holidays: [{YEAR}-01-01, {YEAR}-02-05, {YEAR}-02-06, {YEAR}-02-07, {YEAR}-02-08, {YEAR}-02-09,
             {YEAR}-02-10, {YEAR}-02-11, {YEAR}-02-12, {YEAR}-02-13]
  workdays: [{YEAR}-01-31, {YEAR}-02-20]
"""


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar()


def test_the_issues_example_can_only_end_on_or_after_the_corresponding_day(calendar):
    bound = calendar.month_range(D(f"{LAST}-11-13"), 3)
    assert bound.earliest == D(f"{YEAR}-02-13")
    assert bound.latest > bound.earliest and bound.years == (YEAR,)
    assert bound.iso() == f"{YEAR}-02-13/{bound.latest.isoformat()}"


def test_exact_when_no_unknown_day_is_involved(calendar):
    for start, n in ((D(f"{LAST}-02-12"), 7), (D(f"{LAST}-09-29"), 3)):
        bound = calendar.workday_range(start, n)
        assert bound.exact and bound.years == ()
        assert bound.earliest == calendar.add_workdays(start, n)
    assert calendar.month_range(D(f"{LAST}-01-31"), 1).earliest == calendar.add_months(D(f"{LAST}-01-31"), 1)


def test_fixed_statutory_holidays_are_rest_days_in_any_year(calendar):
    assert statutory_fixed(D(f"{YEAR}-01-01")) and statutory_fixed(D(f"{YEAR}-10-03"))
    assert statutory_fixed(D(f"{YEAR}-05-02")) and not statutory_fixed(D("2019-05-02"))
    # 1-1 off by law: the three working days after 12-30 cannot end before 1-4 … (1-2, 1-3 may
    # be make-up days only as far as the record allows)
    assert calendar.workday_range(D(f"{LAST}-12-31"), 1).earliest > D(f"{YEAR}-01-01")


class _Hidden(WorkCalendar):
    """The calendar as it would be if ``year`` had no data and the record did not know it."""

    def __init__(self, year: int):
        super().__init__(record=Record(frozenset({year})))
        self.hidden = year

    def is_known(self, d: date) -> bool:
        return d.year != self.hidden and super().is_known(d)


@pytest.mark.parametrize("year", [2008, 2012, 2015, 2017, 2020, 2023, 2025, 2026])
def test_the_bound_holds_for_a_year_on_record_left_out(calendar, year):
    """The honesty of the bound, tested the only way it can be: hide a year the package knows,
    rebuild the record without it, and check the true last day of every period starting in it
    lies in the range.  2020 (the Spring Festival extended to ten days) and 2025–2026 (the
    holidays of the 2024 revision) are among them."""
    hidden = _Hidden(year)
    day, misses, widths = date(year - 1, 12, 1), [], []
    while day < date(year, 12, 15):   # periods from then on run into a year without data
        for n, unit in ((7, "workdays"), (3, "workdays"), (1, "months"), (3, "months")):
            if unit == "months" and (day + timedelta(days=100)).year > LAST:
                continue
            exact = calendar.add_workdays(day, n) if unit == "workdays" else calendar.add_months(day, n)
            bound = hidden.period_range(day, n, unit)
            widths.append((bound.latest - bound.earliest).days)
            if not bound.earliest <= exact <= bound.latest:
                misses.append((day, n, unit, exact, bound))
        day += timedelta(days=3)
    assert misses == []
    assert max(widths) <= 16 and sum(widths) / len(widths) < 7  # useful, not just true


# -- the rules at both ends of the range -------------------------------------------------------


def _deferred_case(example, until: str):
    """2025-003 rewritten: approved on 9-1 of the last covered year, deferred on 11-13 until
    ``until``, no decision yet."""
    case = example("2025-003-hearing-deferral")
    for name in ("05-feedback.yaml", "06-filing.yaml", "09-clarification.yaml", "10-followup.yaml"):
        (case / name).unlink()
    edit(case / "00-case.yaml", {"matter.accountability_started": f"{LAST}-08-24", "matter.complex": None})
    edit(case / "01-application.yaml", {"date": f"{LAST}-08-26", "unit_opinion.date": f"{LAST}-08-26"})
    edit(case / "02-initiation.yaml", {"date": f"{LAST}-09-01", "department_opinion.date": f"{LAST}-08-31",
                                       "leader_opinions.0.date": f"{LAST}-08-31"})
    edit(case / "03-investigation.yaml", {"started": f"{LAST}-09-02", "report_date": f"{LAST}-09-25",
                                          "appeal": None, "hearing": None})
    edit(case / "04-determination.yaml", {"deferral.date": f"{LAST}-11-13", "deferral.until": until,
                                          "decision": None, "meeting": None, "upward_report": None})
    return case


def _deferral_problems(result):
    return [p for p in result.problems if p.field.startswith("deferral") or "暂缓" in p.message]


def test_a_deferral_within_three_months_whatever_the_arrangement_is_no_problem(example):
    case = _deferred_case(example, f"{YEAR}-02-12")
    result = check(case, D(f"{LAST}-12-01"))
    assert result.errors == [] and _deferral_problems(result) == [], [p.format() for p in result.problems]
    checked(case, D(f"{LAST}-12-01"))  # render and dossier are not refused


def test_a_deferral_past_the_latest_possible_end_is_an_error(example, calendar):
    latest = calendar.month_range(D(f"{LAST}-11-13"), 3).latest
    case = _deferred_case(example, (latest + timedelta(days=1)).isoformat())
    result = check(case, D(f"{LAST}-12-01"))
    [error] = result.errors
    assert error.field == "deferral.until" and "暂缓时间不得超过3个月" in error.message
    assert f"{YEAR}年2月13日至" in error.message and "节假日安排未知" in error.message


def test_a_deferral_inside_the_range_is_a_warning_with_the_range_and_what_to_do(example, calendar):
    bound = calendar.month_range(D(f"{LAST}-11-13"), 3)
    case = _deferred_case(example, (bound.earliest + timedelta(days=2)).isoformat())
    result = check(case, D(f"{LAST}-12-01"))
    assert result.errors == []
    [warning] = _deferral_problems(result)
    assert warning.severity == "warning" and warning.field == "deferral.until"
    assert warning.file.endswith("04-determination.yaml") and warning.line > 1
    assert f"暂缓期限是否遵守取决于{YEAR}年的节假日安排" in warning.message
    assert f"最早为{YEAR}年2月13日、最迟为{bound.latest.year}年{bound.latest.month}月{bound.latest.day}日" \
        in warning.message
    assert "holidays.yaml" in warning.message


def test_the_day_the_data_arrives_the_answer_is_exact(example, cases_dir):
    case = _deferred_case(example, f"{YEAR}-02-15")
    before = check(case, D(f"{LAST}-12-01"))
    assert [p.severity for p in _deferral_problems(before)] == ["warning"]
    holidays = cases_dir / "holidays.yaml"
    holidays.write_text(holidays.read_text(encoding="utf-8") + ARRIVED, encoding="utf-8")
    arrived = WorkCalendar(holidays)
    due = arrived.add_months(D(f"{LAST}-11-13"), 3)   # 2-13 off, 2-14 a Sunday → 2-15
    assert due == D(f"{YEAR}-02-15")
    assert WorkCalendar().month_range(D(f"{LAST}-11-13"), 3).earliest <= due
    after = check(case, D(f"{LAST}-12-01"))
    assert _deferral_problems(after) == [], [p.format() for p in after.problems]


def test_an_act_done_before_the_earliest_end_passes(example):
    case = example("2025-001-exempt-individual")
    for name in ("02-initiation.yaml", "03-investigation.yaml", "04-determination.yaml",
                 "05-feedback.yaml", "06-filing.yaml", "10-followup.yaml"):
        (case / name).unlink()
    edit(case / "00-case.yaml", {"matter.accountability_started": f"{LAST}-12-28"})
    edit(case / "01-application.yaml", {"date": f"{LAST}-12-31"})
    result = check(case, D(f"{YEAR}-03-01"))
    assert [p for p in result.problems if "申请" in p.message and "期限" in p.message] == []


# -- rcmz deadline and rcmz status -------------------------------------------------------------


def test_rcmz_deadline_prints_the_range_and_exits_1(tmp_path, monkeypatch, calendar):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["deadline", f"{LAST}-11-13", "--months", "3"])
    assert result.exit_code == 1
    bound = calendar.month_range(D(f"{LAST}-11-13"), 3)
    assert result.stdout.splitlines()[-1] == f"{YEAR}-02-13/{bound.latest.isoformat()}"
    assert f"期间最后一日取决于{YEAR}年的节假日安排：最早{YEAR}年2月13日" in result.stderr
    assert f"{YEAR}:\n  holidays:" in result.stderr
    (tmp_path / "casefiles").mkdir()
    (tmp_path / "casefiles" / "holidays.yaml").write_text(ARRIVED, encoding="utf-8")
    result = CliRunner().invoke(main, ["deadline", f"{LAST}-11-13", "--months", "3"])
    assert result.exit_code == 0 and result.stdout.splitlines()[-1] == f"{YEAR}-02-15"


def test_rcmz_status_shows_the_range_with_a_note(example, cases_dir):
    case = _deferred_case(example, f"{YEAR}-02-12")
    result = CliRunner().invoke(main, ["status", str(cases_dir), "--today", f"{LAST}-12-01",
                                       "--no-cache"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("2025-003"))
    assert f"{YEAR}-02-13 至 " in line and "最早剩 74 天" in line
    assert f"缺少{YEAR}年节假日安排，暂缓期限的到期日只能推算范围" in line
    assert case.exists()
