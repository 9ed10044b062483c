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
  silent Monday-to-Friday guess.  What can still be said is bounded: :meth:`WorkCalendar.period_range`
  gives the earliest and the latest day a period can end on whatever that year's arrangement
  turns out to be (see "Bounds for years without an arrangement" below and docs/calendar.md).

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

Bounds for years without an arrangement (``period_range``): the arrangements on record — every
year chinese-calendar holds, 2004–2026 in version 1.11 — say how far a year can depart from the
plain rule (Monday to Friday work, weekends rest):

- a day of an unknown year is *settled* when, in no year on record, any day within
  :data:`SEASON_MARGIN` days of the same date departed from the plain rule (mid-March, mid-July to
  late August, late October to mid-December); settled days follow the plain rule;
- the holidays the law fixes by date (元旦 1-1, 劳动节 5-1 and 5-2, 国庆节 10-1 to 10-3) are rest
  days whatever the arrangement;
- on the other (*open*) days, a weekday may be a holiday and a weekend day a make-up working day,
  but in any stretch of L days no more weekdays are taken off (net of make-up days) than in the
  worst L-day stretch on record, and no more make-up days are worked (net of holidays) than in
  the most-worked L-day stretch on record (:class:`Record`).  The
  worst stretch on record is the 2020 Spring Festival, extended by the State Council to ten
  days off in a row.

The earliest bound counts every open day that may be worked as worked, as far as the record
allows; the latest counts every open weekday that may be taken off as taken off, as far as the
record allows.  Both are exact when the period touches no unknown day.

Every counting method takes an optional ``explain`` list and appends one Chinese line per step,
for ``rcmz deadline -v`` and for documents that state how a deadline was computed.
"""

from __future__ import annotations

import operator
import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import NoReturn

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


@dataclass(frozen=True)
class DueRange:
    """The earliest and the latest possible last day of a period.

    ``years`` are the years without a known arrangement the period runs through; when it is
    empty the period was counted exactly and ``earliest == latest``.
    """

    earliest: date
    latest: date
    years: tuple[int, ...] = ()

    @property
    def exact(self) -> bool:
        return self.earliest == self.latest

    @property
    def years_text(self) -> str:
        return "、".join(f"{year}年" for year in self.years)

    def text(self) -> str:
        """最早2027年2月13日，最迟2027年2月23日 (or the one date when exact)."""
        if self.exact:
            return cn_date(self.earliest)
        return f"最早{cn_date(self.earliest)}，最迟{cn_date(self.latest)}"

    def iso(self) -> str:
        """2027-02-13/2027-02-23 (an ISO 8601 interval), or the one date when exact."""
        if self.exact:
            return self.earliest.isoformat()
        return f"{self.earliest.isoformat()}/{self.latest.isoformat()}"


class WorkCalendar:
    """The Chinese working-day calendar: chinese-calendar plus an optional local table.

    Build one per run and reuse it: the table is read once, and each day's status is cached.
    """

    def __init__(self, table_path: Path | None = None, *, record: Record | None = None):
        self.table_path = table_path
        self._record = record
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

    def is_known(self, d: date) -> bool:
        """Whether the arrangement of ``d``'s year is known (package or local table)."""
        return d.year in self._table or PACKAGE_FIRST_YEAR <= d.year <= PACKAGE_LAST_YEAR

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
            + self.how_to_add(year))

    def how_to_add(self, year: int) -> str:
        """How to add ``year`` to the local table, with an example entry."""
        table = self.table_path or DEFAULT_TABLE_PATH
        return (
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

    # -- bounds when a year's arrangement is unknown ---------------------------------------------

    def workday_range(self, start: date, n: int) -> DueRange:
        """Earliest and latest possible n-th working day after ``start`` (see the module doc).

        Known days count as they are; each run of unknown days is bounded by the record.  Exact
        (``earliest == latest``, no ``years``) when no unknown day is involved.
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        record = self._record or package_record()
        known_work = 0
        # per run of unknown days: length, weekdays, open weekdays, open weekends, weekdays off by law
        runs: list[list[int]] = []
        run: list[int] | None = None
        years: set[int] = set()
        earliest: date | None = None
        day = start
        while True:
            day += ONE_DAY
            if self.is_known(day):
                known_work += self.is_workday(day)
                run = None
            else:
                years.add(day.year)
                if run is None:
                    run = [0, 0, 0, 0, 0]
                    runs.append(run)
                weekday, fixed = day.weekday() < 5, statutory_fixed(day)
                is_open = fixed or record.is_open(day)
                run[0] += 1
                run[1] += weekday
                run[2] += weekday and is_open
                run[3] += (not weekday) and is_open and not fixed
                run[4] += weekday and fixed  # off by law: never worked
            most = known_work + sum(min(plain + record.excess(length), plain - fixed + open_weekends)
                                    for length, plain, _, open_weekends, fixed in runs)
            least = known_work + sum(plain - min(record.deficit(length), open_weekdays)
                                     for length, plain, open_weekdays, _, _ in runs)
            if earliest is None and most >= n:
                earliest = day
            if least >= n:
                # most >= least on the record's data, so earliest is already set; were it not, the
                # earliest possible end would be this day too
                return DueRange(earliest if earliest is not None else day, day, tuple(sorted(years)))

    def month_range(self, start: date, n: int) -> DueRange:
        """Earliest and latest possible last day of an n-month period (Art. 201–203): the
        corresponding day (Art. 202), moved to the first working day from it on (Art. 203)."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        return self.workday_range(corresponding_day(start, n) - ONE_DAY, 1)

    def period_range(self, start: date, n: int, unit: str) -> DueRange:
        """:meth:`workday_range` or :meth:`month_range` by ``unit`` (workdays / months)."""
        return self.workday_range(start, n) if unit == "workdays" else self.month_range(start, n)

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



def corresponding_day(start: date, n: int) -> date:
    """The day an n-month period from ``start`` falls due before Art. 203 moves it: the same
    day of the final month, or that month's last day when it has none (Art. 202)."""
    year, month = divmod(start.year * 12 + start.month - 1 + n, 12)
    month += 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


# -- the record: how far the arrangements on record departed from the plain rule ------------------

#: Days either side of a date within which some year on record must have departed from the plain
#: rule for the date to count as open in a year without an arrangement.  The lunar holidays move
#: within about a month (春节 between 1-21 and 2-20, 端午 5-28…6-25, 中秋 9-8…10-7); the 23 years
#: on record cover those ranges, and 10 days more covers the make-up days and a shift of a few
#: days past the extremes on record.
SEASON_MARGIN = 10


def statutory_fixed(d: date) -> bool:
    """Whether ``d`` is a holiday fixed by date in 《全国年节及纪念日放假办法》: 元旦 1-1, 劳动节
    5-1 (and 5-2 from 2025), 国庆节 10-1 to 10-3.  Every arrangement gives these days off; the
    lunar holidays and the days joined to them are what each year's arrangement decides."""
    return (d.month, d.day) in ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3)) \
        or (d.year >= 2025 and (d.month, d.day) == (5, 2))


class Record:
    """How far the State Council arrangements on record departed from the plain rule.

    Built from chinese-calendar's years (less ``leave_out``, for tests that check the bounds
    against a year the record does not know).  A departure is a weekday off (+1) or a weekend
    day worked (-1); ``deficit(L)`` and ``excess(L)`` are the most of either, net of the other,
    in any L consecutive days on record, and ``is_open(d)`` whether any year on record departed
    within :data:`SEASON_MARGIN` days of ``d``'s month and day.
    """

    def __init__(self, leave_out: frozenset[int] = frozenset()):
        first = date(PACKAGE_FIRST_YEAR, 1, 1)
        change = [0] * ((date(PACKAGE_LAST_YEAR, 12, 31) - first).days + 1)
        for day in chinese_calendar.holidays:      # rest days the arrangements name
            if day.weekday() < 5 and day.year not in leave_out:
                change[(day - first).days] = 1
        for day in chinese_calendar.workdays:      # working days they name (make-up weekends)
            if day.weekday() >= 5 and day.year not in leave_out:
                change[(day - first).days] = -1
        # a year left out is cut from the record, not counted as a year without departures
        kept = [step for i, step in enumerate(change)
                if (first + timedelta(days=i)).year not in leave_out]
        self._prefix, total = [0], 0
        for step in kept:
            total += step
            self._prefix.append(total)
        self._open = [False] * 366
        for i, step in enumerate(change):
            if step:
                index = _day_of_leap_year(first + timedelta(days=i))
                for shift in range(-SEASON_MARGIN, SEASON_MARGIN + 1):
                    self._open[(index + shift) % 366] = True
        self._deficit: dict[int, int] = {}
        self._excess: dict[int, int] = {}

    def is_open(self, d: date) -> bool:
        """Whether a day of a year without an arrangement may depart from the plain rule."""
        return self._open[_day_of_leap_year(d)]

    def deficit(self, length: int) -> int:
        """The most weekdays taken off (net of weekend days worked) in ``length`` days on record."""
        if length not in self._deficit:
            self._deficit[length] = self._most(length, operator.sub, self.deficit)
        return self._deficit[length]

    def excess(self, length: int) -> int:
        """The most weekend days worked (net of weekdays taken off) in ``length`` days on record."""
        if length not in self._excess:
            self._excess[length] = self._most(length, lambda a, b: b - a, self.excess)
        return self._excess[length]

    def _most(self, length: int, net, again) -> int:
        prefix = self._prefix
        span = len(prefix) - 2  # a longer stretch is bounded piece by piece
        if length > span:
            return again(span) * -(-length // span)
        return max(0, max(map(net, prefix[length:], prefix[:-length])))


@cache
def package_record() -> Record:
    """The record of every year chinese-calendar holds (built once, in a few milliseconds)."""
    return Record()


def _day_of_leap_year(d: date) -> int:
    return (date(2000, d.month, d.day) - date(2000, 1, 1)).days


def range_report(calendar: WorkCalendar, start: date, n: int, unit: str,
                 missing: CalendarDataMissing) -> tuple[list[str], str]:
    """``rcmz deadline`` for a period into a year without an arrangement: (lines for stderr —
    why the day is not known, its range, how to add the year —, the range for the last line of
    stdout, ``2027-02-13/2027-02-23``)."""
    try:
        bound = calendar.period_range(start, n, unit)
    except (OverflowError, ValueError):
        raise UsageError(f"期间过长：自{start.isoformat()}起超出可计算的日期范围") from None
    return ([f"错误：{missing.message.splitlines()[0]}",
             f"期间最后一日取决于{bound.years_text}的节假日安排：{bound.text()}"
             "（按2004年以来历年安排推算的范围，见 docs/calendar.md）。",
             calendar.how_to_add(bound.years[0]).rstrip("\n")], bound.iso())


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

    def fail(where: tuple, message: str, key: bool = False) -> NoReturn:
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
