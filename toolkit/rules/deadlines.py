"""The time limits of the measures: one table, and the limits computed from it for one case.

:data:`PERIODS` holds Art. 9's periods (what starts each, how long it runs, what meets it) and
:data:`OFFICE_DATES` the due dates the office sets itself in the case files (Art. 11, 14).  The
rule checks, ``rcmz status``, ``rcmz stats``, the calendar export and docs/calendar.md all read
these two tables; nothing else spells out a limit.

Counting follows ``toolkit.calendar`` (Civil Code Art. 201–203).  A period that runs into a year
without a known holiday arrangement cannot be counted exactly; :func:`time_limits` then gives it
as a :class:`MissingCalendar` with the earliest and the latest day it can end on
(``WorkCalendar.period_range``), and :meth:`MissingCalendar.limit_at` gives the limit as it would
be if it ended on either: a rule whose answer is the same at both is certain
(``toolkit.rules.checks.check_case``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

from toolkit.calendar import DEFAULT_TABLE_PATH, DueRange, WorkCalendar
from toolkit.case.model import Case
from toolkit.case.problems import Problem
from toolkit.case.steps import BY_KEY
from toolkit.errors import CalendarDataMissing
from toolkit.text import cn_date

#: Where a date is in the case files: the step's key, then the keys inside its file.
Field = tuple[str, ...]


def length_text(length: int, unit: Literal["workdays", "months"]) -> str:
    """7个工作日, 1个月."""
    return f"{length}{'个工作日' if unit == 'workdays' else '个月'}"


def field_text(field: Field) -> str:
    """``04-determination.yaml decision.date``: where a date is written, for messages and docs."""
    step, *path = field
    return f"{BY_KEY[step].file} {'.'.join(path)}"


@dataclass(frozen=True)
class Period:
    """One of Art. 9's time limits, as the measures set it."""

    key: str
    name: str                 # 申请期限
    article: str              # 第九条第（一）项
    action: str               # what must happen by the due date: 提出书面免责申请
    start: Field              # the date the period counts from (that day itself not counted)
    start_event: str          # what that date is: 局党委启动问责程序之日
    done: Field               # the date of the act that meets the limit
    length: int
    unit: Literal["workdays", "months"]
    deferred_by: Field | None = None     # a deferral's date: from then its own period runs instead
    late_accepted_by: Field | None = None  # the record of a decision to accept the act late

    @property
    def length_text(self) -> str:
        return length_text(self.length, self.unit)


PERIODS: tuple[Period, ...] = (
    Period("application", "申请期限", "第九条第（一）项", "提出书面免责申请",
           ("case", "matter", "accountability_started"), "局党委启动问责程序之日",
           ("application", "date"), 7, "workdays",
           late_accepted_by=("application", "late_acceptance")),
    Period("verification", "核实认定期限", "第九条第（四）项", "完成核实认定",
           ("initiation", "date"), "批准启动核实认定之日",
           ("determination", "decision", "date"), 1, "months",
           deferred_by=("determination", "deferral", "date")),
    Period("deferral", "暂缓期限", "第九条第（四）项", "作出认定决定",
           ("determination", "deferral", "date"), "决定暂缓之日",
           ("determination", "decision", "date"), 3, "months"),
    Period("feedback", "反馈期限", "第九条第（五）项", "反馈认定结果",
           ("determination", "decision", "date"), "作出认定决定之日",
           ("feedback", "date"), 3, "workdays"),
)
PERIODS_BY_KEY = {period.key: period for period in PERIODS}


@dataclass(frozen=True)
class OfficeDate:
    """A due date the office writes into the case files itself, not counted from an event."""

    key: str
    name: str                 # 回访谈话
    article: str              # 第十四条
    action: str               # 开展回访谈心谈话
    due: Field                # where the due date is written
    due_label: str            # what that date is called: 计划回访日期


OFFICE_DATES: tuple[OfficeDate, ...] = (
    OfficeDate("followup", "回访谈话", "第十四条", "开展回访谈心谈话",
               ("followup", "next_planned"), "计划回访日期"),
    OfficeDate("rectification", "整改期限", "第十一条", "完成整改并书面报告",
               ("rectification", "deadline"), "整改期限"),
)
OFFICE_DATES_BY_KEY = {date.key: date for date in OFFICE_DATES}


Status = Literal["met", "late", "late_accepted", "deferred", "pending", "overdue", "unknown"]

STATUS_NAMES = {"met": "按期", "late": "逾期", "late_accepted": "逾期（已记录受理理由）",
                "deferred": "已暂缓", "pending": "进行中", "overdue": "已超期未办",
                "unknown": "无法判断（所需文件有误）"}


@dataclass(frozen=True)
class TimeLimit:
    key: str
    name: str            # 申请期限
    article: str
    action: str          # what must happen by the due date: 提出书面申请
    start: dt.date
    due: dt.date
    length: str          # 7个工作日 / 1个月
    unit: Literal["workdays", "months"]
    done: dt.date | None
    status: Status
    source: tuple        # (step, path) of the date that starts the period, for messages
    bound: DueRange | None = None  # set when the year's arrangement is unknown: due is one end

    @property
    def due_text(self) -> str:
        """The last day in words: 2025年3月12日, or the range when the arrangement is unknown."""
        if self.bound is None:
            return cn_date(self.due)
        return (f"{cn_date(self.bound.earliest)}至{cn_date(self.bound.latest)}之间的期间最后一日"
                f"（{self.bound.years_text}的节假日安排未知）")

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("start", "due", "done"):
            data[key] = data[key].isoformat() if data[key] else None
        data["status_name"] = STATUS_NAMES[self.status]
        data.pop("source")
        data.pop("bound")
        return data


@dataclass(frozen=True)
class MissingCalendar:
    """A period that could not be counted exactly because its year's arrangement is unknown.

    ``bound`` is the earliest and latest day it can end on; :meth:`limit_at` is the limit as it
    would stand if it ended on one of them.
    """

    key: str             # the period's key in PERIODS
    step: str            # where its start date is, for messages
    path: tuple
    error: CalendarDataMissing
    bound: DueRange
    start: dt.date
    case: Case = field(repr=False, compare=False)
    today: dt.date
    table: str = str(DEFAULT_TABLE_PATH)   # the local holiday table to add the year to

    @property
    def period(self) -> Period:
        return PERIODS_BY_KEY[self.key]

    @property
    def done(self) -> dt.date | None:
        return self.case.date(*self.period.done)

    def limit_at(self, due: dt.date) -> TimeLimit:
        """The limit as it stands if the period ends on ``due`` (one end of ``bound``)."""
        return _limit(self.period, self.case, self.start, due, self.today, self.bound)


def _status(done: dt.date | None, due: dt.date, today: dt.date, done_file_unreadable: bool) -> Status:
    if done is not None:
        return "met" if done <= due else "late"
    if done_file_unreadable:  # the step may well have happened; its file has errors
        return "unknown"
    return "pending" if today <= due else "overdue"


def time_limits(case: Case, calendar: WorkCalendar, today: dt.date
                ) -> tuple[list[TimeLimit], list[MissingCalendar]]:
    """Every period of :data:`PERIODS` whose start date the case has, in the table's order.

    A period that runs into a year without a known arrangement is not in the first list but in
    the second, with the earliest and latest day it can end on.
    """
    limits: list[TimeLimit] = []
    missing: list[MissingCalendar] = []
    for period in PERIODS:
        start = case.date(*period.start)
        if not start:
            continue
        step, *path = period.start
        add = calendar.add_workdays if period.unit == "workdays" else calendar.add_months
        try:
            due = add(start, period.length)
        except CalendarDataMissing as error:
            bound = calendar.period_range(start, period.length, period.unit)
            missing.append(MissingCalendar(period.key, step, tuple(path), error, bound, start, case,
                                           today, str(calendar.table_path or DEFAULT_TABLE_PATH)))
            continue
        limits.append(_limit(period, case, start, due, today))
    return limits, missing


def _limit(period: Period, case: Case, start: dt.date, due: dt.date, today: dt.date,
           bound: DueRange | None = None) -> TimeLimit:
    step, *path = period.start
    done = case.date(*period.done)
    done_step = period.done[0]
    unreadable = not case.has(done_step) and (case.folder / BY_KEY[done_step].file).exists()
    status = _status(done, due, today, unreadable)
    if status == "late" and period.late_accepted_by \
            and case.get(*period.late_accepted_by) is not None:
        status = "late_accepted"
    if status in ("late", "overdue") and period.deferred_by and case.date(*period.deferred_by):
        status = "deferred"
    return TimeLimit(period.key, period.name, period.article, period.action, start, due,
                     period.length_text, period.unit, done, status, (step, tuple(path)), bound)


def bounded_problems(case: Case, gap: MissingCalendar, found: list[Problem],
                     run: Callable[[TimeLimit], list[Problem]]) -> list[Problem]:
    """What the rules say of a period known only to end between ``gap.bound``'s two days.

    ``run(limit)`` runs the rules with the exact limits plus ``limit``; ``found`` is what they
    say without it.  A problem the rules raise at both ends is certain and reported as it is (its
    message gives the range); one raised at one end only depends on the unknown arrangement and
    becomes one warning, at its place, stating the range and how to add the year.
    """
    bound, period = gap.bound, gap.period
    known = set(found)
    early = [p for p in run(gap.limit_at(bound.earliest)) if p not in known]
    late = [p for p in run(gap.limit_at(bound.latest)) if p not in known]
    certain = [p for p in early if p in late]
    depends = [p for p in early + late if p not in certain]
    if not depends:
        return certain
    first = depends[0]
    until = case.date("determination", "deferral", "until")
    if first.field == "deferral.until" and until:
        what = f"这里写的暂缓截止日是{cn_date(until)}"
    elif gap.done:
        what = f"{period.action}的日期是{cn_date(gap.done)}"
    else:
        what = f"截至{cn_date(gap.today)}尚无{period.action}的记录"
    years = bound.years_text
    message = (f"{period.name}是否遵守取决于{years}的节假日安排：自{cn_date(gap.start)}起"
               f"{period.length_text}，期间最后一日最早为{cn_date(bound.earliest)}、"
               f"最迟为{cn_date(bound.latest)}，{what}。国务院办公厅公布{years}节假日安排后，"
               f"请把该年的放假日期和调休上班日期加入节假日表 {gap.table}"
               "（格式见该文件开头的说明），再运行 rcmz check")
    return [*certain, Problem(first.file, first.line, first.column, first.field, period.article,
                              message, "warning")]
