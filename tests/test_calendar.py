"""Working days and periods.

Every expected date below was worked out by hand from the State Council arrangements
(国务院办公厅关于部分节假日安排的通知), not copied from the code's output:

- 2020 国庆节/中秋节: 10-1 (Thu) … 10-8 off; 9-27 (Sun) and 10-10 (Sat) working.
- 2021 春节: 2-11 (Thu) … 2-17 off; 2-7 (Sun) and 2-20 (Sat) working.
- 2024: 2-29 is a Thursday; 春节 2-10 … 2-17 off, 2-18 (Sun) working.
- 2025 春节: 1-28 (Tue) … 2-4 off; 1-26 (Sun) and 2-8 (Sat) working.  端午节 5-31 (Sat) … 6-2 off.
- 2026 元旦: 1-1 (Thu) … 1-3 off, 1-4 (Sun) working.  春节: 2-15 (Sun) … 2-23 off,
  2-14 (Sat) and 2-28 (Sat) working.  国庆节: 10-1 (Thu) … 10-7 off, 10-10 (Sat) working.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from textwrap import dedent

import pytest
from click.testing import CliRunner

from conftest import first_uncovered_year
from toolkit.calendar import WorkCalendar
from toolkit.cli import main
from toolkit.errors import CalendarDataMissing, ConfigError
from toolkit.text import cn_date

D = date.fromisoformat
WEEKDAYS = "一二三四五六日"

#: The first year chinese-calendar has no data for (2027 with version 1.11), and the last it has.
#: Computed, not written down: these tests hold the day a release adds the next year too.
UNKNOWN = first_uncovered_year()
LAST_KNOWN = UNKNOWN - 1


def first_weekday(year: int, month: int, weekday: int) -> date:
    """The first Monday (0) … Sunday (6) of a month."""
    day = date(year, month, 1)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def first_weekday_after(day: date) -> date:
    """The first Monday-to-Friday day after ``day``."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def label(day: date) -> str:
    return f"{cn_date(day)}（周{WEEKDAYS[day.weekday()]}）"


NEW_YEAR = date(UNKNOWN, 1, 1)
#: After New Year's Day the fictional table lists nothing until February: weekdays work.
AFTER_NEW_YEAR = first_weekday_after(NEW_YEAR)
MAKE_UP_SATURDAY = first_weekday(UNKNOWN, 2, 5)
ORDINARY_MONDAY = first_weekday(UNKNOWN, 3, 0)

# Not the real arrangement (unpublished when this was written): a made-up table to test reading.
FICTIONAL_TABLE = f"""\
# 测试用的虚构安排，不是国务院通知
{UNKNOWN}:
  holidays: [{NEW_YEAR.isoformat()}]
  workdays: [{MAKE_UP_SATURDAY.isoformat()}]
"""


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar()


def write_table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holidays.yaml"
    path.write_text(dedent(text), encoding="utf-8")
    return path


# -- working days -----------------------------------------------------------------------------

@pytest.mark.parametrize("start, n, expected", [
    # 9-29, 9-30 | 10-1…10-8 off | 10-9, 10-10 (Sat, make-up), 10-12, 10-13, 10-14
    ("2020-09-28", 7, "2020-10-14"),
    # 9-27 (Sun, make-up), 9-28, 9-29, 9-30 | 10-9, 10-10, 10-12
    ("2020-09-25", 7, "2020-10-12"),
    # feedback: 10-9, 10-10 (Sat, make-up), 10-12
    ("2020-09-30", 3, "2020-10-12"),
    # 2-7 (Sun, make-up), 2-8, 2-9, 2-10 | 2-11…2-17 off | 2-18, 2-19, 2-20 (Sat, make-up)
    ("2021-02-05", 7, "2021-02-20"),
    # 1-26 (Sun, make-up), 1-27 | 1-28…2-4 off | 2-5, 2-6, 2-7, 2-8 (Sat, make-up), 2-10
    ("2025-01-24", 7, "2025-02-10"),
    # 1-1…1-3 off | 1-4 (Sun, make-up), 1-5, 1-6
    ("2025-12-31", 3, "2026-01-06"),
    # 2-13, 2-14 (Sat, make-up) | 2-15…2-23 off | 2-24, 2-25, 2-26, 2-27, 2-28 (Sat, make-up)
    ("2026-02-12", 7, "2026-02-28"),
    # 9-30 | 10-1…10-7 off | 10-8, 10-9, 10-10 (Sat, make-up), 10-12, 10-13, 10-14
    ("2026-09-29", 7, "2026-10-14"),
    # feedback across an ordinary weekend: Thu → Fri, Mon, Tue
    ("2025-03-06", 3, "2025-03-11"),
    # Fri → Mon, Tue, Wed
    ("2025-03-07", 3, "2025-03-12"),
])
def test_add_workdays(calendar, start, n, expected):
    assert calendar.add_workdays(D(start), n) == D(expected)


def test_is_workday_follows_the_arrangement(calendar):
    assert calendar.is_workday(D("2020-10-10"))       # Saturday, make-up working day
    assert calendar.is_rest_day(D("2020-10-08"))      # Thursday, National Day holiday
    assert calendar.is_rest_day(D("2020-10-11"))      # ordinary Sunday
    assert calendar.is_workday(D("2020-10-09"))       # ordinary Friday


def test_add_workdays_explains_each_day(calendar):
    explanation: list[str] = []
    calendar.add_workdays(D("2020-09-28"), 7, explanation)
    assert explanation[0].startswith("起算日2020年9月28日不计入")
    assert "2020年10月1日（周四）国庆节放假，不计" in explanation
    assert "2020年10月10日（周六）国庆节调休上班，计第4个工作日" in explanation
    assert "2020年10月11日（周日）周末休息，不计" in explanation
    # start line, 16 days from 9-29 to 10-14, closing line
    assert len(explanation) == 18
    assert explanation[-1] == "第7个工作日为2020年10月14日，期间至该日届满。"


# -- months -----------------------------------------------------------------------------------

@pytest.mark.parametrize("start, n, expected", [
    ("2025-01-31", 1, "2025-02-28"),  # no Feb 31 → month's last day, a Friday
    ("2024-01-31", 1, "2024-02-29"),  # leap year, a Thursday
    ("2025-03-31", 1, "2025-04-30"),  # no Apr 31; Wednesday
    ("2025-12-15", 1, "2026-01-15"),  # across the year end; Thursday
    ("2025-04-30", 1, "2025-05-30"),  # Friday before 端午节 (5-31 … 6-2): not moved
    ("2025-02-15", 1, "2025-03-17"),  # 3-15 is a Saturday → Monday
    ("2020-09-01", 1, "2020-10-09"),  # 10-1 … 10-8 off → Friday 10-9
    ("2021-01-12", 1, "2021-02-18"),  # 2-12 … 2-17 春节 → Thursday 2-18
    ("2025-04-01", 2, "2025-06-03"),  # 6-1 (Sun) and 6-2 端午节 → Tuesday
    ("2025-11-15", 3, "2026-02-24"),  # 2-15 … 2-23 春节 → Tuesday
    ("2020-09-10", 1, "2020-10-10"),  # Saturday, but a make-up working day: not moved
    ("2025-11-30", 3, "2026-02-28"),  # no Feb 30 → 2-28, a make-up Saturday: not moved
    ("2026-01-31", 1, "2026-02-28"),  # the same day reached from January 31
])
def test_add_months(calendar, start, n, expected):
    assert calendar.add_months(D(start), n) == D(expected)


def test_add_months_explains_moving_past_rest_days(calendar):
    explanation: list[str] = []
    calendar.add_months(D("2025-02-15"), 1, explanation)
    assert "到期月的对应日2025年3月15日为期间最后一日（第二百零二条）。" in explanation
    assert "2025年3月15日（周六）周末休息，是休息日，期间顺延至次日（第二百零三条）" in explanation
    assert "2025年3月16日（周日）周末休息，是休息日，期间顺延至次日（第二百零三条）" in explanation
    assert explanation[-1] == "期间最后一日为2025年3月17日（周一）。"


def test_add_months_explains_make_up_saturday_and_missing_day(calendar):
    explanation: list[str] = []
    calendar.add_months(D("2025-11-30"), 3, explanation)
    assert "2026年2月没有30日，以该月末日2026年2月28日为期间最后一日（第二百零二条）。" in explanation
    assert "2026年2月28日（周六）春节调休上班，不是休息日，不顺延" in explanation
    assert not any("顺延至次日" in line for line in explanation)


# -- status displays ---------------------------------------------------------------------------

@pytest.mark.parametrize("today, due, expected", [
    ("2020-09-28", "2020-10-14", 7),   # the 7-day application period, seen on its starting day
    ("2020-09-30", "2020-10-09", 1),   # only 10-9 is worked after 9-30
    ("2020-10-14", "2020-10-14", 0),   # due today
    ("2025-03-08", "2025-03-07", -1),  # Saturday after a Friday deadline
    ("2025-03-10", "2025-03-07", -1),  # the following Monday
    ("2025-03-11", "2025-03-07", -2),  # Tuesday: Friday and Monday have passed
])
def test_workdays_left(calendar, today, due, expected):
    assert calendar.workdays_left(D(today), D(due)) == expected




# -- years without data and the local table ---------------------------------------------------

def test_unknown_year_is_an_error_naming_the_table(calendar):
    with pytest.raises(CalendarDataMissing) as raised:
        calendar.is_workday(ORDINARY_MONDAY)
    message = raised.value.message
    assert f"无法判断{cn_date(ORDINARY_MONDAY)}是否为工作日" in message
    assert "只收录" in message and f"年至{LAST_KNOWN}年" in message
    assert "casefiles/holidays.yaml" in message
    assert f"国务院办公厅发布《关于{UNKNOWN}年部分节假日安排的通知》" in message
    assert f"{UNKNOWN}:\n  holidays:" in message


def test_the_first_uncovered_year_follows_the_last_covered_one(calendar):
    """What the tests assume of the package: it knows the last year and refuses the next."""
    assert UNKNOWN >= 2027  # chinese-calendar 1.11 (the pinned minimum) covers 2026
    assert calendar.is_rest_day(date(LAST_KNOWN, 1, 1))  # 元旦 of the last year it knows
    with pytest.raises(CalendarDataMissing):
        calendar.is_workday(date(UNKNOWN, 1, 1))


@pytest.mark.parametrize("count", [
    # at most 12-31 of the last known year, then the unknown year
    lambda calendar: calendar.add_workdays(date(LAST_KNOWN, 12, 30), 3),
    lambda calendar: calendar.add_months(date(LAST_KNOWN, 12, 15), 1),
    lambda calendar: calendar.workdays_left(date(LAST_KNOWN, 12, 30), date(UNKNOWN, 1, 5)),
])
def test_counting_into_an_unknown_year_is_an_error(calendar, count):
    with pytest.raises(CalendarDataMissing):
        count(calendar)


def test_missing_year_message_names_the_given_table(tmp_path):
    table = write_table(tmp_path, "# 还没有年份\n")
    with pytest.raises(CalendarDataMissing) as raised:
        WorkCalendar(table).is_workday(ORDINARY_MONDAY)
    assert str(table) in raised.value.message


def test_a_table_supplies_a_missing_year(tmp_path):
    calendar = WorkCalendar(write_table(tmp_path, FICTIONAL_TABLE))
    # 12-31 of the last known year not counted | 1-1 off (table), weekend days | the first weekday
    assert calendar.add_workdays(date(LAST_KNOWN, 12, 31), 1) == AFTER_NEW_YEAR
    assert calendar.is_workday(MAKE_UP_SATURDAY)                             # listed as a working day
    assert calendar.is_rest_day(MAKE_UP_SATURDAY + timedelta(days=1))        # ordinary Sunday
    assert calendar.is_workday(ORDINARY_MONDAY)
    explanation: list[str] = []
    calendar.add_workdays(date(LAST_KNOWN, 12, 31), 1, explanation)
    assert f"{label(NEW_YEAR)}放假（据节假日表 {calendar.table_path}），不计" in explanation
    assert f"{label(AFTER_NEW_YEAR)}工作日，计第1个工作日" in explanation


def test_a_table_year_replaces_the_packages_year(tmp_path):
    calendar = WorkCalendar(write_table(tmp_path, """\
        2026:
          holidays: []
          workdays: []
        """))
    assert calendar.is_workday(D("2026-01-01"))        # Thursday, no longer 元旦
    assert calendar.is_rest_day(D("2026-01-04"))       # Sunday, no longer a make-up day
    assert calendar.is_rest_day(D("2025-10-01"))       # other years still from the package


def test_the_shipped_table_lists_no_year():
    calendar = WorkCalendar(Path(__file__).parent.parent / "casefiles" / "holidays.yaml")
    with pytest.raises(CalendarDataMissing):
        calendar.is_workday(ORDINARY_MONDAY)


@pytest.mark.parametrize("text, line, fragment", [
    ("2027:\n  holidays:\n    - 2027-01-01\n    - 2027-02-30\n  workdays: []\n",
     4, "日期“2027-02-30”不存在"),
    ("2027:\n  holidays: [2027-1-1]\n  workdays: []\n", 2, "不是 YYYY-MM-DD 格式的日期"),
    ("2027:\n  holidays: [2026-05-01]\n  workdays: []\n", 2, "不在2027年"),
    ("2027:\n  holidays: []\n  workdays: [2027-03-01]\n", 3, "是周一，workdays 只列调休上班的周六、周日"),
    ("2027:\n  holidays: [2027-02-06]\n  workdays: [2027-02-06]\n", 2, "都列了2027年2月6日"),
    ("2027:\n  holidays: [2027-01-01]\n", 2, "缺少 workdays"),
    ("2027:\n  holidays: []\n  workday: []\n", 3, "不认识“workday”"),
    ("2027:\n  holidays: 2027-01-01\n  workdays: []\n", 2, "应为日期列表"),
    ("二〇二七:\n  holidays: []\n  workdays: []\n", 1, "年份应写成四位数字"),
    ("2027:\n  holidays: [2027-01-01\n  workdays: []\n", 3, "YAML 语法错误"),
    ("- 2027-01-01\n", 1, "应以年份为键"),
])
def test_a_bad_table_is_reported_with_file_and_line(tmp_path, text, line, fragment):
    table = write_table(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        WorkCalendar(table)
    assert fragment in raised.value.message
    assert (raised.value.file, raised.value.line) == (str(table), line)


def test_a_missing_table_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="节假日表不存在"):
        WorkCalendar(tmp_path / "none.yaml")


# -- rcmz deadline ----------------------------------------------------------------------------

@pytest.fixture
def run(tmp_path, monkeypatch):
    """Run ``rcmz deadline`` in an empty directory (no casefiles/holidays.yaml)."""
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str):
        return CliRunner().invoke(main, ["deadline", *args])

    return invoke


@pytest.mark.parametrize("args, expected", [
    (["2020-09-28", "--workdays", "7"], "2020-10-14"),
    (["2025-01-31", "--months", "1"], "2025-02-28"),
    (["2025-02-15", "--months", "1"], "2025-03-17"),
])
def test_deadline_prints_the_date_last(run, args, expected):
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == expected


def test_deadline_verbose_lists_skipped_days(run):
    result = run("2020-09-28", "--workdays", "7", "-v")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "2020年10月1日（周四）国庆节放假，不计" in lines
    assert "2020年10月10日（周六）国庆节调休上班，计第4个工作日" in lines
    assert lines[-1] == "2020-10-14"


@pytest.mark.parametrize("args, fragment", [
    (["2021-02-30", "--workdays", "7"], "2021年2月只有28天"),
    (["2021/02/03", "--workdays", "7"], "应写成 YYYY-MM-DD"),
    (["2021-02-03"], "--workdays N 或 --months N"),
    (["2021-02-03", "--workdays", "7", "--months", "1"], "--workdays N 或 --months N"),
    (["2021-02-03", "--months", "0"], "N 应为正整数"),
])
def test_deadline_bad_input_exits_2(run, args, fragment):
    result = run(*args)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert result.stdout == ""


def test_deadline_in_an_unknown_year_exits_1_with_the_message(run):
    result = run(ORDINARY_MONDAY.isoformat(), "--workdays", "3")
    assert result.exit_code == 1
    assert f"没有{UNKNOWN}年的节假日安排" in result.stderr
    assert "casefiles/holidays.yaml" in result.stderr
    assert "Traceback" not in result.output
    # the possible range, as an ISO 8601 interval, is the only line on stdout
    earliest, latest = result.stdout.strip().split("/")
    assert D(earliest) <= D(latest)


def test_deadline_reads_the_table_given(run, tmp_path):
    table = write_table(tmp_path, FICTIONAL_TABLE)
    result = run(f"{LAST_KNOWN}-12-31", "--workdays", "1", "--table", str(table))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == AFTER_NEW_YEAR.isoformat()


def test_deadline_reads_the_default_table(run, tmp_path):
    (tmp_path / "casefiles").mkdir()
    (tmp_path / "casefiles" / "holidays.yaml").write_text(FICTIONAL_TABLE, encoding="utf-8")
    result = run(f"{LAST_KNOWN}-12-31", "--workdays", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == AFTER_NEW_YEAR.isoformat()


def test_deadline_reports_a_bad_table(run, tmp_path):
    table = write_table(tmp_path, "2027:\n  holidays: [2027-02-30]\n  workdays: []\n")
    result = run("2026-12-30", "--workdays", "3", "--table", str(table))
    assert result.exit_code == 1
    assert f"{table}:2:" in result.stderr


# -- the day chinese-calendar ships the next year --------------------------------------------

#: Run in a fresh interpreter: give chinese-calendar the next year's arrangement the way a new
#: release would (its tables gain the year, before anything reads them), then run rcmz deadline.
SIMULATED_RELEASE = """
import json, sys
from datetime import date
import chinese_calendar

year, saturday = int(sys.argv[1]), date.fromisoformat(sys.argv[2])
chinese_calendar.holidays[date(year, 1, 1)] = chinese_calendar.Holiday.new_years_day.value
chinese_calendar.workdays[saturday] = chinese_calendar.Holiday.spring_festival.value

sys.path.insert(0, sys.argv[3])
from click.testing import CliRunner
from conftest import first_uncovered_year
from toolkit.cli import main

runs = [CliRunner().invoke(main, ["deadline", *args]) for args in json.loads(sys.argv[4])]
print(json.dumps({"first_uncovered": first_uncovered_year(),
                  "runs": [[r.exit_code, r.stdout, r.stderr] for r in runs]}))
"""


def test_the_day_the_package_covers_the_next_year(run, tmp_path):
    """Today the first uncovered year is an error; once the package has it, it just works and the
    next year becomes the one without data — with no change to rcmz or to these tests."""
    into_new_year = [f"{LAST_KNOWN}-12-31", "--workdays", "1", "-v"]
    today = run(*into_new_year)
    assert today.exit_code == 1 and f"没有{UNKNOWN}年的节假日安排" in today.stderr

    before_saturday = (MAKE_UP_SATURDAY - timedelta(days=1)).isoformat()
    commands = [into_new_year, [before_saturday, "--workdays", "1", "-v"],
                [f"{UNKNOWN + 1}-03-01", "--workdays", "1"]]
    done = subprocess.run(
        [sys.executable, "-c", SIMULATED_RELEASE, str(UNKNOWN), MAKE_UP_SATURDAY.isoformat(),
         str(Path(__file__).parent), json.dumps(commands)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    simulated = json.loads(done.stdout)
    assert simulated["first_uncovered"] == UNKNOWN + 1

    (code, out, err), (code2, out2, _), (code3, _, err3) = simulated["runs"]
    assert code == 0, err
    assert f"{label(NEW_YEAR)}元旦放假，不计" in out.splitlines()  # the package's data, by name
    assert out.splitlines()[-1] == AFTER_NEW_YEAR.isoformat()
    assert code2 == 0
    assert f"{label(MAKE_UP_SATURDAY)}春节调休上班，计第1个工作日" in out2.splitlines()
    assert out2.splitlines()[-1] == MAKE_UP_SATURDAY.isoformat()
    assert code3 == 1
    assert f"没有{UNKNOWN + 1}年的节假日安排" in err3 and f"年至{UNKNOWN}年" in err3
