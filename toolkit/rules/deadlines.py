"""The time limits of the measures: one table, and the limits computed from it for one case.

:data:`PERIODS` holds Art. 9's periods (what starts each, how long it runs, what meets it) and
:data:`OFFICE_DATES` the due dates the office sets itself in the case files (Art. 11, 14).  The
rule checks, ``rcmz status``, ``rcmz stats``, the calendar export and docs/calendar.md all read
these two tables; nothing else spells out a limit.

Counting follows ``toolkit.calendar`` (Civil Code Art. 201–203).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Literal

from toolkit.calendar import WorkCalendar
from toolkit.case.model import Case
from toolkit.case.steps import BY_KEY
from toolkit.errors import CalendarDataMissing

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

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("start", "due", "done"):
            data[key] = data[key].isoformat() if data[key] else None
        data["status_name"] = STATUS_NAMES[self.status]
        data.pop("source")
        return data


@dataclass(frozen=True)
class MissingCalendar:
    """A period that could not be counted because its year's arrangement is unknown."""

    key: str             # the period's key in PERIODS
    step: str            # where its start date is, for messages
    path: tuple
    error: CalendarDataMissing


def _status(done: dt.date | None, due: dt.date, today: dt.date, done_file_unreadable: bool) -> Status:
    if done is not None:
        return "met" if done <= due else "late"
    if done_file_unreadable:  # the step may well have happened; its file has errors
        return "unknown"
    return "pending" if today <= due else "overdue"


def time_limits(case: Case, calendar: WorkCalendar, today: dt.date
                ) -> tuple[list[TimeLimit], list[MissingCalendar]]:
    """Every period of :data:`PERIODS` whose start date the case has, in the table's order."""
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
            missing.append(MissingCalendar(period.key, step, tuple(path), error))
            continue
        done = case.date(*period.done)
        done_step = period.done[0]
        unreadable = not case.has(done_step) and (case.folder / BY_KEY[done_step].file).exists()
        status = _status(done, due, today, unreadable)
        if status == "late" and period.late_accepted_by \
                and case.get(*period.late_accepted_by) is not None:
            status = "late_accepted"
        if status in ("late", "overdue") and period.deferred_by and case.date(*period.deferred_by):
            status = "deferred"
        limits.append(TimeLimit(period.key, period.name, period.article, period.action, start, due,
                                period.length_text, period.unit, done, status, (step, tuple(path))))
    return limits, missing
