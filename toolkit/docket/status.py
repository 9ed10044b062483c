"""``rcmz status``: where every case stands and what falls due next.

One row per case folder: its id, the applicant, the current step (the last step file present) and
its pending time limits, the most urgent first.  A pending limit is one whose act has not
happened yet: a period of ``toolkit.rules.deadlines.PERIODS`` (not the verification month once
a deferral runs instead) or a date of ``OFFICE_DATES`` the office set itself (the next follow-up
talk, a rectification deadline).  Periods counted in working days show working days left
(:meth:`WorkCalendar.workdays_left`: 0 = due today, -1 = the day after the deadline); the others
calendar days.  docs/docket.md has the table users read.

Rows are sorted by urgency: overdue first, then fewest days left, then cases that need attention
without a date (broken files, a year without holiday data), then cases with nothing pending.
A case whose files or configuration a user got wrong still gets a row ("文件有误，请运行
rcmz check", or the error's message); a bug in rcmz is not dressed up as one.

Cases are read as snapshots (``toolkit.docket.cache``), cached between runs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from toolkit.calendar import WEEKDAY_NAMES_CN, WorkCalendar
from toolkit.case.folders import case_folders
from toolkit.case.steps import BY_KEY
from toolkit.context import context_for
from toolkit.docket.cache import Snapshot, Store, case_of, load_snapshots
from toolkit.errors import CalendarDataMissing, RcmzError
from toolkit.rules.deadlines import (
    OFFICE_DATES_BY_KEY,
    PERIODS_BY_KEY,
    OfficeDate,
    time_limits,
)
from toolkit.text import cn_date, display_width

BROKEN_NOTE = "文件有误，请运行 rcmz check"

Unit = Literal["workdays", "days"]


@dataclass(frozen=True)
class Pending:
    """A time limit whose act has not happened yet, as seen on ``today``."""

    key: str            # application, verification, deferral, feedback, followup, rectification
    name: str           # 反馈期限
    action: str         # 反馈认定结果
    article: str        # 第九条第（五）项
    start: dt.date | None
    due: dt.date
    length: str         # 3个工作日 / 1个月 / "" for dates the office set
    unit: Unit          # what ``left`` counts
    left: int | None    # working or calendar days left; negative once overdue; None: no calendar
    overdue: bool
    today: dt.date
    latest: dt.date | None = None   # a year's arrangement unknown: due is the earliest end

    @property
    def due_text(self) -> str:
        """2025-10-09 周四, or 2027-02-13 至 2027-02-23 when only the range is known."""
        if self.latest is not None:
            return f"{self.due.isoformat()} 至 {self.latest.isoformat()}"
        return f"{self.due.isoformat()} {WEEKDAY_NAMES_CN[self.due.weekday()]}"

    @property
    def left_text(self) -> str:
        if self.latest is not None:
            if self.overdue:
                return f"已超期 {(self.today - self.latest).days} 天（按最迟可能的到期日）"
            if self.today > self.due:
                return f"可能已到期（到期日在{cn_date(self.due)}至{cn_date(self.latest)}之间）"
            return f"最早剩 {self.left} 天，最迟剩 {(self.latest - self.today).days} 天"
        if self.left is None:
            return "无法计算（缺少节假日安排）"
        what = "个工作日" if self.unit == "workdays" else "天"
        if self.overdue:
            return f"已超期 {-self.left} {what}"
        if self.due == self.today:
            return "今日到期"
        if self.left == 0:  # only rest days between today and the due date
            return "剩 0 个工作日（期间内已无工作日）"
        return f"剩 {self.left} {what}"

    def as_dict(self) -> dict:
        return {"key": self.key, "name": self.name, "action": self.action, "article": self.article,
                "start": self.start.isoformat() if self.start else None,
                "due": self.due.isoformat(), "length": self.length, "unit": self.unit,
                "latest": self.latest.isoformat() if self.latest else None,
                "left": self.left, "overdue": self.overdue, "left_text": self.left_text}


@dataclass
class StatusRow:
    case_id: str
    folder: Path
    applicant: str
    step: str                   # Chinese title of the last step file present; "" when none
    step_key: str | None
    today: dt.date
    pending: list[Pending] = field(default_factory=list)   # by due date
    notes: list[str] = field(default_factory=list)
    broken: bool = False
    filed: bool = False
    matter: str = ""            # the matter's short title (00-case.yaml matter.summary)

    @property
    def next(self) -> Pending | None:
        return self.pending[0] if self.pending else None

    @property
    def overdue(self) -> bool:
        return any(item.overdue for item in self.pending)

    @property
    def state(self) -> str:
        """overdue, pending, attention (something to fix, no date to show) or idle."""
        if self.overdue:
            return "overdue"
        if self.next is not None and self.next.left is not None:
            return "pending"
        if self.broken or self.notes:
            return "attention"
        return "idle"

    @property
    def due_soon(self) -> bool:
        """Pending, and the next limit runs out within 3 (working or calendar) days."""
        nxt = self.next
        return self.state == "pending" and nxt is not None and nxt.left is not None and nxt.left <= 3

    @property
    def status_text(self) -> str:
        parts = []
        if self.next is not None:
            parts.append(self.next.left_text)
        if self.broken:
            parts.append(BROKEN_NOTE)
        parts.extend(note for note in self.notes if note != BROKEN_NOTE)
        if not parts:
            parts.append("已办结" if self.filed else "暂无待办期限")
        return "；".join(parts)

    def sort_key(self) -> tuple:
        group = {"overdue": 0, "pending": 1, "attention": 2, "idle": 3}[self.state]
        nxt = self.next
        if group in (0, 1) and nxt is not None:
            left = nxt.left if nxt.left is not None else 0
            return group, left, nxt.due.toordinal(), self.case_id
        return group, 0, 0, self.case_id

    def as_dict(self) -> dict:
        return {"case": self.case_id, "folder": str(self.folder), "applicant": self.applicant,
                "matter": self.matter, "step": self.step, "step_key": self.step_key, "state": self.state,
                "overdue": self.overdue, "broken": self.broken, "filed": self.filed,
                "status": self.status_text, "notes": list(self.notes),
                "next": self.next.as_dict() if self.next else None,
                "pending": [item.as_dict() for item in self.pending]}


# --- rows ----------------------------------------------------------------------------------------


def row_from(shot: Snapshot, today: dt.date, context_of=context_for) -> StatusRow:
    folder = Path(shot.folder)
    row = StatusRow(case_id=folder.name, folder=folder, applicant="", today=today,
                    step=BY_KEY[shot.step_key].title if shot.step_key else "",
                    step_key=shot.step_key, broken=shot.broken)
    if shot.error:
        row.notes.append(shot.error)
        return row
    try:
        _fill(row, case_of(shot), today, context_of)
    except RcmzError as error:  # e.g. a broken bureau.yaml or holiday table
        row.notes.append(error.format_message())
    return row


def _fill(row: StatusRow, case, today: dt.date, context_of=context_for) -> None:
    row.case_id = case.id
    applicant = case.get("case", "applicant", "name")
    row.applicant = applicant if isinstance(applicant, str) else ""
    row.filed = case.has("filing")
    matter = case.get("case", "matter", "summary")
    row.matter = matter if isinstance(matter, str) else ""
    calendar = context_of(case.folder).calendar
    limits, missing = time_limits(case, calendar, today)
    pending: list[Pending] = []
    for limit in limits:
        if limit.status not in ("pending", "overdue"):
            continue
        deferred_by = PERIODS_BY_KEY[limit.key].deferred_by
        if deferred_by and case.get(*deferred_by) is not None:
            continue  # the deferral's own period now runs
        pending.append(_pending(limit.key, limit.name, limit.action, limit.article, limit.start,
                                limit.due, limit.length, limit.unit, calendar, today, row))
    pending.extend(_office_dates(case, calendar, today, row))
    for gap in missing:
        period = PERIODS_BY_KEY[gap.key]
        if any(case.get(*done) is not None for done in (period.done, period.deferred_by) if done):
            continue  # the act happened (or a deferral took over); its limit no longer matters
        # only the range of its last day is known: shown with a note (docs/calendar.md)
        bound = gap.bound
        pending.append(Pending(period.key, period.name, period.action, period.article, gap.start,
                               bound.earliest, period.length_text, "days",
                               (bound.earliest - today).days, today > bound.latest, today,
                               bound.latest))
        _note_missing(row, gap.error, period.name, bounded=True)
    row.pending = sorted(pending, key=lambda item: (item.due, item.key))


def _pending(key, name, action, article, start, due, length, unit, calendar: WorkCalendar,
             today: dt.date, row: StatusRow) -> Pending:
    overdue = due < today
    if unit == "workdays":
        try:
            left = calendar.workdays_left(today, due)
        except CalendarDataMissing as error:
            left = None
            _note_missing(row, error, name)
        return Pending(key, name, action, article, start, due, length, "workdays", left, overdue,
                       today)
    return Pending(key, name, action, article, start, due, length, "days", (due - today).days,
                   overdue, today)


def _office_pending(date: OfficeDate, start: dt.date | None, due: dt.date, calendar: WorkCalendar,
                    today: dt.date, row: StatusRow) -> Pending:
    return _pending(date.key, date.name, date.action, date.article, start, due, "", "days",
                    calendar, today, row)


def _office_dates(case, calendar, today, row) -> list[Pending]:
    """Dates the office set itself: the next follow-up talk and a rectification deadline."""
    out = []
    followup = OFFICE_DATES_BY_KEY["followup"]
    planned = case.date(*followup.due)
    if planned:
        talks = case.get("followup", "talks", default=[])
        held = [case.date("followup", "talks", i, "date") for i in range(len(talks))] \
            if isinstance(talks, list) else []
        if not any(day and day >= planned for day in held):
            last = max((day for day in held if day), default=None)
            out.append(_office_pending(followup, last, planned, calendar, today, row))
    rectification = OFFICE_DATES_BY_KEY["rectification"]
    deadline = case.date(*rectification.due)
    if deadline and case.get("rectification", "completion") is None:
        out.append(_office_pending(rectification, case.date("rectification", "date"), deadline,
                                   calendar, today, row))
    return out


def _note_missing(row: StatusRow, error: CalendarDataMissing, name: str, bounded: bool = False) -> None:
    found = re.search(r"没有(\d{4})年的节假日安排", error.message)
    year = f"{found.group(1)}年" if found else "所需年份"
    if bounded:
        note = f"缺少{year}节假日安排，{name}的到期日只能推算范围（请在 holidays.yaml 中补充）"
    else:
        note = f"缺少{year}节假日安排，{name}无法计算（请在 holidays.yaml 中补充）"
    if note not in row.notes:
        row.notes.append(note)


def collect(root: Path, today: dt.date, workers: int | None = None,
            cache: bool = True) -> list[StatusRow]:
    """Rows for every case under ``root``, sorted by urgency."""
    folders = case_folders(root)
    store = Store(root) if cache else None
    shots = load_snapshots(folders, workers, store)
    context_of = _contexts_under(root)
    rows = [row_from(shot, today, context_of) for shot in shots]
    return sorted(rows, key=StatusRow.sort_key)


def _contexts_under(root: Path):
    """``context_for`` of the case folders directly in ``root``: the context of ``root`` itself
    for a folder that is no link and has no bureau.yaml of its own (its configuration is then
    found where the root's is), worked out once rather than once per case."""
    from toolkit.config import CONFIG_NAME

    shared: list = []

    def context_of(folder: Path):
        if folder.parent != root or folder.is_symlink() or (folder / CONFIG_NAME).exists():
            return context_for(folder)
        if not shared:
            shared.append(context_for(root))  # (an error is raised again for the next case)
        return shared[0]

    return context_of


# --- output --------------------------------------------------------------------------------------


def to_json(rows: list[StatusRow], today: dt.date) -> str:
    return json.dumps({"today": today.isoformat(), "summary": summary_counts(rows),
                       "cases": [row.as_dict() for row in rows]}, ensure_ascii=False, indent=2)


def summary_counts(rows: list[StatusRow]) -> dict:
    return {"cases": len(rows), "overdue": sum(row.overdue for row in rows),
            "due_soon": sum(row.due_soon for row in rows),
            "broken": sum(row.broken for row in rows),
            "idle": sum(row.state == "idle" for row in rows)}


def clip(text: str, columns: int) -> str:
    if display_width(text) <= columns:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > columns - 1:
            break
        out += ch
    return out + "…"


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - display_width(text))


HEADERS = ("案件编号", "申请人", "当前步骤", "下一期限", "到期日", "剩余／状态")


def table_lines(rows: list[StatusRow]) -> list[tuple[str, str]]:
    """(line, style) pairs: style is header, overdue, soon, attention, idle or plain."""
    cells = []
    for row in rows:
        nxt = row.next
        limit = f"{nxt.name}：{nxt.action}" if nxt else "—"
        if nxt and len(row.pending) > 1:
            limit += f"（另有{len(row.pending) - 1}项）"
        due = nxt.due_text if nxt else "—"
        cells.append((row, (row.case_id, clip(row.applicant or "（未知）", 24), row.step or "—",
                            limit, due, row.status_text)))
    widths = [max([display_width(h)] + [display_width(c[i]) for _, c in cells])
              for i, h in enumerate(HEADERS)]
    widths[-1] = 0  # last column unpadded

    def line(values):
        return "  ".join(pad(v, w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [(line(HEADERS), "header")]
    for row, values in cells:
        style = {"overdue": "overdue", "attention": "attention", "idle": "idle"}.get(row.state, "plain")
        if row.due_soon:
            style = "soon"
        if row.broken and style not in ("overdue",):
            style = "attention"
        out.append((line(values), style))
    return out


STYLES: dict[str, dict[str, Any]] = {"header": {"bold": True}, "overdue": {"fg": "red", "bold": True},
          "soon": {"fg": "yellow"}, "attention": {"fg": "magenta"}, "idle": {"dim": True},
          "plain": {}}


def summary_line(rows: list[StatusRow], today: dt.date) -> str:
    counts = summary_counts(rows)
    if not rows:
        return f"没有案件（{today.isoformat()}）。"
    return (f"截至{cn_date(today)}，共 {counts['cases']} 个案件："
            f"超期 {counts['overdue']} 个，3 日内到期 {counts['due_soon']} 个，"
            f"文件有误 {counts['broken']} 个，暂无待办 {counts['idle']} 个。")


def cases_root(path: Path) -> Path:
    """The CASES_DIR argument, checked: a UsageError (exit 2) when it does not exist."""
    from toolkit.errors import UsageError

    path = Path(path)
    if not path.is_dir():
        raise UsageError(f"案件文件夹“{path}”不存在（默认为当前目录下的 casefiles）")
    return path


def run(cases_dir: Path, today: dt.date | None, cache: bool = True) -> tuple[list[StatusRow], dt.date]:
    """``rcmz status``: the rows of every case, most urgent first, and the day they are for."""
    day = today or dt.date.today()
    cache = cache and os.environ.get("RCMZ_NO_CACHE", "") in ("", "0")
    return collect(cases_root(cases_dir), day, cache=cache), day
