"""Working days and periods on the Chinese calendar (State Council holiday arrangements).

Counting rules (docs: PROCEDURE.md "Counting"; PRC Civil Code Art. 201–203):

- The day of the triggering event is not counted; counting starts the next day (Art. 201).
- Working days follow the State Council's yearly arrangement: holidays are rest days, weekends
  made working days (调休上班) are working days.
- A month-long period ends on the corresponding day of the final month, or that month's last
  day when there is none (Art. 202). When that day is a rest day (a weekend or a holiday) the
  period ends on the first working day after it (Art. 203); a 调休 working weekend day is not a
  rest day.
- A date in a year without a known arrangement raises ``CalendarDataMissing``; there is never a
  silent Monday-to-Friday guess.

Arrangements come from the chinese-calendar package (which covers a fixed range of years,
2004–2026 in version 1.11) and from an optional local YAML table, by default
``casefiles/holidays.yaml``.  A year listed in the table is taken wholly from the table, replacing
chinese-calendar's data for that year; this both adds years the package does not know yet and
corrects a year it got wrong.  Table format, one entry per year, dates as YYYY-MM-DD::

    # 国务院办公厅关于 2027 年部分节假日安排的通知（发布后按通知填写）
    2027:
      holidays: [2027-01-01, ...]   # 放假的日期（含与周末连休的日子）
      workdays: [2027-02-20, ...]   # 调休上班的周末；没有则写 []

Both keys are required; a ``workdays`` entry must be a Saturday or Sunday.  Mistakes in the table
raise ``ConfigError`` naming the file and line.

Every counting method takes an optional ``explain`` list and appends one Chinese line per step,
for ``rcmz deadline -v`` and for documents that state how a deadline was computed.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

from toolkit.case.yamlio import load_yaml, read_text
from toolkit.errors import CalendarDataMissing, CaseFileError, ConfigError, UsageError
from toolkit.text import cn_date

DEFAULT_TABLE_PATH = Path("casefiles/holidays.yaml")

# chinese-calendar has data for every year between its first and last holiday entries.
PACKAGE_FIRST_YEAR = min(chinese_calendar.holidays).year
PACKAGE_LAST_YEAR = max(chinese_calendar.holidays).year

# chinese-calendar names holidays in English (the values of chinese_calendar.Holiday).
HOLIDAY_NAMES_CN = {
    chinese_calendar.Holiday.new_years_day.value: "元旦",
    chinese_calendar.Holiday.spring_festival.value: "春节",
    chinese_calendar.Holiday.tomb_sweeping_day.value: "清明节",
    chinese_calendar.Holiday.labour_day.value: "劳动节",
    chinese_calendar.Holiday.dragon_boat_festival.value: "端午节",
    chinese_calendar.Holiday.national_day.value: "国庆节",
    chinese_calendar.Holiday.mid_autumn_festival.value: "中秋节",
    chinese_calendar.Holiday.anti_fascist_70th_day.value: "抗战胜利70周年纪念日",
}

WEEKDAY_NAMES_CN = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

ONE_DAY = timedelta(days=1)

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_iso_date(text: str) -> date:
    """A date typed by the user as YYYY-MM-DD; ``UsageError`` (exit 2) in Chinese otherwise."""
    if not ISO_DATE.fullmatch(text):
        raise UsageError(f"日期“{text}”应写成 YYYY-MM-DD，例如 2025-01-03")
    year, month, day = (int(part) for part in text.split("-"))
    if year < 1:
        raise UsageError(f"日期“{text}”不存在：没有公元0年")
    if not 1 <= month <= 12:
        raise UsageError(f"日期“{text}”不存在：月份应为 01 至 12")
    days_in_month = monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        raise UsageError(f"日期“{text}”不存在：{year}年{month}月只有{days_in_month}天")
    return date(year, month, day)


def default_table() -> Path | None:
    """The local table ``casefiles/holidays.yaml`` under the current directory, if it exists."""
    return DEFAULT_TABLE_PATH if DEFAULT_TABLE_PATH.is_file() else None


@dataclass(frozen=True)
class DayStatus:
    """Whether a day is worked, and why, in words fit for an explanation line."""

    is_workday: bool
    reason: str  # e.g. "国庆节放假", "国庆节调休上班", "周末休息", "工作日"


@dataclass(frozen=True)
class YearArrangement:
    """One year's arrangement as listed in the local table."""

    holidays: frozenset[date]
    workdays: frozenset[date]


class WorkCalendar:
    """The Chinese working-day calendar: chinese-calendar plus an optional local table.

    Build one per run and reuse it: the table is read once, and each day's status is cached.
    """

    def __init__(self, table_path: Path | None = None):
        self.table_path = table_path
        self._table = read_table(table_path) if table_path is not None else {}
        self._days: dict[date, DayStatus] = {}

    # -- single days --------------------------------------------------------------------------

    def is_workday(self, d: date) -> bool:
        return self.day_status(d).is_workday

    def is_rest_day(self, d: date) -> bool:
        return not self.day_status(d).is_workday

    def day_status(self, d: date) -> DayStatus:
        """The day's status; raises ``CalendarDataMissing`` for a year without an arrangement."""
        status = self._days.get(d)
        if status is None:
            status = self._days[d] = self._look_up(d)
        return status

    def _look_up(self, d: date) -> DayStatus:
        if d.year in self._table:
            return self._status_from_table(d, self._table[d.year])
        if PACKAGE_FIRST_YEAR <= d.year <= PACKAGE_LAST_YEAR:
            return _status_from_package(d)
        raise CalendarDataMissing(self._missing_data_message(d))

    def _status_from_table(self, d: date, arrangement: YearArrangement) -> DayStatus:
        source = f"据节假日表 {self.table_path}"
        if d in arrangement.holidays:
            return DayStatus(False, f"放假（{source}）")
        if d in arrangement.workdays:
            return DayStatus(True, f"调休上班（{source}）")
        return _plain_day(d)

    def _missing_data_message(self, d: date) -> str:
        year = d.year
        table = self.table_path or DEFAULT_TABLE_PATH
        return (
            f"无法判断{cn_date(d)}是否为工作日：没有{year}年的节假日安排。"
            f"chinese-calendar 只收录{PACKAGE_FIRST_YEAR}年至{PACKAGE_LAST_YEAR}年，"
            f"本地节假日表 {table} 也没有{year}年。"
            f"不能按周一至周五推算，否则会漏掉放假和调休上班的日子。\n"
            f"国务院办公厅发布《关于{year}年部分节假日安排的通知》（通常在上一年11月前后）后，"
            f"请按通知在 {table} 中加入该年，逐日列出放假日期和调休上班的周末，例如：\n\n"
            f"{year}:\n"
            f"  holidays:        # 放假的日期（含与周末连休的日子）\n"
            f"    - {year}-MM-DD\n"
            f"  workdays:        # 调休上班的周六、周日；没有则写 []\n"
            f"    - {year}-MM-DD\n"
        )

    # -- periods ------------------------------------------------------------------------------

    def add_workdays(self, start: date, n: int, explain: list[str] | None = None) -> date:
        """The n-th working day after ``start`` (``start`` itself is not counted)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        _note(explain, f"起算日{cn_date(start)}不计入，自次日起算（《民法典》第二百零一条）。")
        day, counted = start, 0
        while counted < n:
            day += ONE_DAY
            status = self.day_status(day)
            if status.is_workday:
                counted += 1
                _note(explain, f"{_day_label(day)}{status.reason}，计第{counted}个工作日")
            else:
                _note(explain, f"{_day_label(day)}{status.reason}，不计")
        _note(explain, f"第{n}个工作日为{cn_date(day)}，期间至该日届满。")
        return day

    def add_months(self, start: date, n: int, explain: list[str] | None = None) -> date:
        """The last day of an n-month period starting after ``start`` (Civil Code Art. 201–203)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        months_from_year_zero = start.year * 12 + start.month - 1 + n
        year, month = divmod(months_from_year_zero, 12)
        month += 1
        last_day_of_month = monthrange(year, month)[1]
        _note(explain, f"起算日{cn_date(start)}不计入（《民法典》第二百零一条），"
                       f"{n}个月期间的到期月为{year}年{month}月。")
        if start.day <= last_day_of_month:
            end = date(year, month, start.day)
            _note(explain, f"到期月的对应日{cn_date(end)}为期间最后一日（第二百零二条）。")
        else:
            end = date(year, month, last_day_of_month)
            _note(explain, f"{year}年{month}月没有{start.day}日，"
                           f"以该月末日{cn_date(end)}为期间最后一日（第二百零二条）。")
        while self.is_rest_day(end):
            _note(explain, f"{_day_label(end)}{self.day_status(end).reason}，"
                           f"是休息日，期间顺延至次日（第二百零三条）")
            end += ONE_DAY
        status = self.day_status(end)
        if end.weekday() >= 5:
            _note(explain, f"{_day_label(end)}{status.reason}，不是休息日，不顺延")
        _note(explain, f"期间最后一日为{cn_date(end)}（{WEEKDAY_NAMES_CN[end.weekday()]}）。")
        return end

    # -- status displays ----------------------------------------------------------------------

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; 0 when ``end <= start``."""
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_workday(day)
        return count

    def workdays_left(self, today: date, due: date) -> int:
        """Working days left before a period ending on ``due`` runs out, as seen on ``today``.

        - positive: that many working days after today up to and including ``due``;
        - 0: ``due`` is today (or only rest days lie between today and ``due``);
        - negative: ``due`` has passed; minus (1 for ``due`` itself plus each working day after it
          before today), so the day after the deadline always gives -1, even on a weekend, and a
          Friday deadline seen on Tuesday gives -2.
        """
        if due >= today:
            return self.workdays_between(today, due)
        return -(1 + self.workdays_between(due, today - ONE_DAY))



def _note(explain: list[str] | None, line: str) -> None:
    if explain is not None:
        explain.append(line)


def _day_label(d: date) -> str:
    return f"{cn_date(d)}（{WEEKDAY_NAMES_CN[d.weekday()]}）"


def _plain_day(d: date) -> DayStatus:
    """A day no arrangement mentions: Monday to Friday work, weekends rest."""
    return DayStatus(True, "工作日") if d.weekday() < 5 else DayStatus(False, "周末休息")


def _status_from_package(d: date) -> DayStatus:
    is_rest, holiday = chinese_calendar.get_holiday_detail(d)
    if holiday is None:
        return _plain_day(d)
    # A name unknown to HOLIDAY_NAMES_CN (a newer package) is shown as the package gives it.
    name = HOLIDAY_NAMES_CN.get(holiday, holiday)
    # For a working day chinese-calendar names the holiday the day was swapped for.
    return DayStatus(False, f"{name}放假") if is_rest else DayStatus(True, f"{name}调休上班")


# -- the local table ------------------------------------------------------------------------------

def read_table(path: Path) -> dict[int, YearArrangement]:
    """Read and check the local table; ``ConfigError`` with file and line for any mistake."""
    if not path.is_file():
        raise ConfigError("节假日表不存在", file=str(path))
    try:
        if not any(line.strip() and not line.lstrip().startswith("#")
                   for line in read_text(path).splitlines()):
            return {}  # only comments: no year listed yet
        loaded = load_yaml(path)
    except CaseFileError as error:
        raise ConfigError(f"节假日表有误：{error.message}", file=error.file, line=error.line,
                          column=error.column) from None

    def fail(where: tuple, message: str, key: bool = False):
        line, column = loaded.where(where, key=key)
        raise ConfigError(message, file=str(path), line=line, column=column)

    if not isinstance(loaded.data, dict):
        fail((), "节假日表应以年份为键，例如“2027:”，每年下列 holidays 和 workdays")
    years: dict[int, YearArrangement] = {}
    for key, entry in loaded.data.items():
        if not re.fullmatch(r"\d{4}", key):
            fail((key,), f"年份应写成四位数字，例如“2027:”，而不是“{key}”", key=True)
        year = int(key)
        if not isinstance(entry, dict):
            fail((key,), f"{year}年下应有 holidays（放假日期）和 workdays（调休上班日期）两项")
        for name in entry:
            if name not in ("holidays", "workdays"):
                fail((key, name), f"{year}年下只能有 holidays 和 workdays，不认识“{name}”", key=True)
        lists: dict[str, frozenset[date]] = {}
        for name in ("holidays", "workdays"):
            if name not in entry:
                fail((key,), f"{year}年缺少 {name}（没有的话写 {name}: []）")
            if not isinstance(entry[name], list):
                fail((key, name), f"{year}年的 {name} 应为日期列表，例如 [{year}-01-01]；没有则写 []")
            days = []
            for index, item in enumerate(entry[name]):
                where = (key, name, index)
                try:
                    day = date.fromisoformat(item) if ISO_DATE.fullmatch(str(item)) else None
                except ValueError:
                    fail(where, f"“{item}”不是存在的日期")
                if day is None:
                    fail(where, f"“{item}”不是 YYYY-MM-DD 格式的日期")
                if day.year != year:
                    fail(where, f"{day.isoformat()} 不在{year}年，却列在{year}年下")
                if name == "workdays" and day.weekday() < 5:
                    fail(where, f"{day.isoformat()} 是{WEEKDAY_NAMES_CN[day.weekday()]}，"
                                f"workdays 只列调休上班的周六、周日")
                days.append(day)
            lists[name] = frozenset(days)
        if both := lists["holidays"] & lists["workdays"]:
            fail((key,), f"{year}年的 holidays 和 workdays 都列了{'、'.join(cn_date(d) for d in sorted(both))}")
        years[year] = YearArrangement(lists["holidays"], lists["workdays"])
    return years
