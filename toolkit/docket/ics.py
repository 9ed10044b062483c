"""``rcmz calendar --ics``: every pending time limit as an iCalendar file for office calendars.

One all-day event per pending limit — the four periods of Art. 9, the next planned follow-up
talk (Art. 14) and an open rectification deadline (Art. 11); the same set ``rcmz status`` shows,
overdue ones included — on its due date, with a reminder at 09:00 three days before.

Made to import into Outlook, WPS, Google and phone calendars and to be imported again:

* ``UID`` is ``<case id>-<limit key>@rcmz``: importing a newer file updates an event instead of
  adding a second one (a limit that has been met is simply absent from the newer file; calendars
  that import rather than subscribe keep the old event until it is deleted by hand);
* ``DTSTAMP`` is 00:00 UTC of ``--today`` when given, else of the latest date the events are
  computed from, so the same facts give the same bytes; ``SEQUENCE`` counts days from 2020-01-01
  to that date, so a later file wins over an earlier one;
* CRLF line endings and folding at 75 octets (the ``icalendar`` library), ``VERSION:2.0``,
  ``CALSCALE:GREGORIAN``, ``X-WR-CALNAME``.

Which events there are does not depend on the day the file is made: overdue limits stay in the
calendar until their step is recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from toolkit.docket.status import Pending, StatusRow
from toolkit.rules.deadlines import OFFICE_DATES_BY_KEY, PERIODS_BY_KEY, field_text
from toolkit.text import cn_date

PRODID = "-//rcmz//容错免责案件期限//ZH"
CALENDAR_NAME = "容错免责案件期限"
REMINDER = dt.timedelta(days=-3, hours=9)   # 09:00 three days before the (00:00) start
SEQUENCE_EPOCH = dt.date(2020, 1, 1)


def uid(row: StatusRow, item: Pending) -> str:
    return f"{row.case_id}-{item.key}@rcmz"


def summary(row: StatusRow, item: Pending) -> str:
    return f"【{row.case_id}】{item.name}：{item.action}"


def description(row: StatusRow, item: Pending) -> str:
    lines = [f"申请人：{row.applicant or '（未填写）'}"]
    if row.matter:
        lines.append(f"事项：{row.matter}")
    lines.append(f"依据：《实施办法》{item.article}")
    if item.key in PERIODS_BY_KEY:
        period = PERIODS_BY_KEY[item.key]
        assert item.start is not None, "a period's row always has its start"
        lines.append(f"期间：自{cn_date(item.start)}（{period.start_event}）次日起算{item.length}，"
                     f"至{cn_date(item.due)}届满")
    else:
        office = OFFICE_DATES_BY_KEY[item.key]
        lines.append(f"{office.due_label}：{cn_date(item.due)}（{field_text(office.due)}）")
    lines.append(f"案件文件夹：{row.folder.as_posix()}")
    return "\n".join(lines)


def stamp_date(rows: list[StatusRow], today: dt.date | None) -> dt.date:
    """``--today`` if given, else the latest date the pending limits are computed from."""
    if today is not None:
        return today
    dates = [date for row in rows for item in row.pending
             for date in (item.start, item.due if not item.start else None) if date]
    return max(dates, default=SEQUENCE_EPOCH)


def build(rows: list[StatusRow], today: dt.date | None = None, name: str = CALENDAR_NAME) -> bytes:
    """The iCalendar file (bytes, CRLF) for the pending limits of ``rows``."""
    from icalendar import Alarm, Calendar, Event

    day = stamp_date(rows, today)
    stamp = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    sequence = max(0, (day - SEQUENCE_EPOCH).days)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    calendar.add("x-wr-caldesc", "由 rcmz calendar 根据案件文件生成：容错免责各案件待办期限与回访计划")
    events = sorted(((row, item) for row in rows for item in row.pending),
                    key=lambda pair: (pair[1].due, pair[0].case_id, pair[1].key))
    for row, item in events:
        event = Event()
        event.add("uid", uid(row, item))
        event.add("dtstamp", stamp)
        event.add("sequence", sequence)
        event.add("dtstart", item.due)
        event.add("dtend", item.due + dt.timedelta(days=1))
        event.add("summary", summary(row, item))
        event.add("description", description(row, item))
        event.add("categories", ["容错免责"])
        event.add("transp", "TRANSPARENT")
        event.add("class", "PRIVATE")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"三天后到期：{summary(row, item)}")
        alarm.add("trigger", REMINDER)
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()


def skipped(rows: list[StatusRow]) -> list[str]:
    """Why some cases may be missing limits: broken files, years without holiday data."""
    out = []
    for row in rows:
        for note in row.notes:
            out.append(f"{row.case_id}：{note}")
        if row.broken and not row.notes:
            out.append(f"{row.case_id}：文件有误，期限可能不全，请运行 rcmz check")
    return out


@dataclass(frozen=True)
class Export:
    data: bytes
    count: int               # events in it
    notes: list[str]         # cases left out, and why
    written: Path | None     # the file, when one was asked for


def run(cases_dir: Path, out: Path | None, today: dt.date | None) -> Export:
    """``rcmz calendar --ics``: the events of every case, written to ``out`` when given."""
    from toolkit.atomic import write_bytes_atomic
    from toolkit.docket.status import cases_root, collect

    rows = collect(cases_root(cases_dir), today or dt.date.today())
    data = build(rows, today)
    if out is not None:
        write_bytes_atomic(out, data)
    return Export(data, sum(len(row.pending) for row in rows), list(skipped(rows)), out)
