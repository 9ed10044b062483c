"""The time limits of Art. 9, computed for one case on the Chinese working-day calendar.

| limit         | starts                         | length            | met by                   |
|---------------|--------------------------------|-------------------|--------------------------|
| application   | the accountability procedure   | 7 working days    | the application          |
| verification  | the initiation approval        | 1 month (一般)    | the decision             |
| deferral      | the deferral decision          | at most 3 months  | the decision             |
| feedback      | the decision                   | 3 working days    | the feedback             |

Counting follows ``toolkit.calendar`` (Civil Code Art. 201–203).  The rule checks turn these
into problems; ``rcmz status`` and ``rcmz calendar`` show them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Literal

from toolkit.calendar import WorkCalendar
from toolkit.case.model import Case
from toolkit.case.steps import BY_KEY
from toolkit.errors import CalendarDataMissing

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

    step: str
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
    limits: list[TimeLimit] = []
    missing: list[MissingCalendar] = []

    def status_of(done, due, done_step):
        unreadable = not case.has(done_step) and (case.folder / BY_KEY[done_step].file).exists()
        return _status(done, due, today, unreadable)

    def count(step, path, compute):
        try:
            return compute()
        except CalendarDataMissing as error:
            missing.append(MissingCalendar(step, path, error))
            return None

    started = case.date("case", "matter", "accountability_started")
    if started:
        due = count("case", ("matter", "accountability_started"),
                    lambda: calendar.add_workdays(started, 7))
        if due:
            applied = case.date("application", "date")
            status = status_of(applied, due, "application")
            if status == "late" and case.get("application", "late_acceptance") is not None:
                status = "late_accepted"
            limits.append(TimeLimit("application", "申请期限", "第九条第（一）项", "提出书面免责申请",
                                    started, due, "7个工作日", "workdays", applied, status,
                                    ("case", ("matter", "accountability_started"))))

    initiated = case.date("initiation", "date")
    decided = case.date("determination", "decision", "date")
    deferred_on = case.date("determination", "deferral", "date")
    if initiated:
        due = count("initiation", ("date",), lambda: calendar.add_months(initiated, 1))
        if due:
            status = status_of(decided, due, "determination")
            if status in ("late", "overdue") and deferred_on:
                status = "deferred"
            limits.append(TimeLimit("verification", "核实认定期限", "第九条第（四）项", "完成核实认定",
                                    initiated, due, "1个月", "months", decided, status,
                                    ("initiation", ("date",))))
    if deferred_on:
        due = count("determination", ("deferral", "date"), lambda: calendar.add_months(deferred_on, 3))
        if due:
            limits.append(TimeLimit("deferral", "暂缓期限", "第九条第（四）项", "作出认定决定",
                                    deferred_on, due, "3个月", "months", decided,
                                    status_of(decided, due, "determination"),
                                    ("determination", ("deferral", "date"))))
    if decided:
        due = count("determination", ("decision", "date"), lambda: calendar.add_workdays(decided, 3))
        if due:
            fed_back = case.date("feedback", "date")
            limits.append(TimeLimit("feedback", "反馈期限", "第九条第（五）项", "反馈认定结果",
                                    decided, due, "3个工作日", "workdays", fed_back,
                                    status_of(fed_back, due, "feedback"),
                                    ("determination", ("decision", "date"))))
    return limits, missing
