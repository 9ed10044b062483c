"""rcmz calendar --ics: events, dates, UIDs, alarms, CRLF, reproducibility, parsed back with icalendar.

The due dates are the hand-counted ones of tests/test_docket_status.py (2025 国庆节: 10-1 … 10-8
off, 9-28 and 10-11 working): a decision on 2025-09-30 gives feedback due 2025-10-11 (Sat, 调休
上班); accountability started 2025-09-26 gives the application due 2025-10-13.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from docket_fixtures import write_case
from toolkit.cli import main

D = dt.date.fromisoformat


@pytest.fixture
def cases(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "cases"
    write_case(root, "2025-201", started="2025-09-01", applied="2025-09-03",
               initiated="2025-09-05", reported="2025-09-20", decided="2025-09-30",
               name="欧阳㵘")
    write_case(root, "2025-202", started="2025-09-26")
    write_case(root, "2025-203", started="2025-08-01", applied="2025-08-05", initiated="2025-08-15")
    write_case(root, "2025-206", started="2025-03-03", applied="2025-03-05", initiated="2025-03-07",
               reported="2025-03-20", decided="2025-03-28", fed_back="2025-03-31",
               filed="2025-04-10", talks=("2025-06-01",), next_talk="2025-12-10")
    write_case(root, "2025-207", started="2025-03-03", applied="2025-03-05", initiated="2025-03-07",
               reported="2025-03-20", decided="2025-03-28", fed_back="2025-03-31",
               filed="2025-04-10")
    return root


def ics(cases: Path, *extra: str) -> bytes:
    result = CliRunner().invoke(main, ["calendar", str(cases), "--ics", *extra])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def events(data: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_events_dates_and_uids(cases):
    found = events(ics(cases, "--today", "2025-10-09"))
    assert set(found) == {"2025-201-feedback@rcmz", "2025-202-application@rcmz",
                          "2025-203-verification@rcmz", "2025-206-followup@rcmz"}
    due = {uid: event.decoded("DTSTART") for uid, event in found.items()}
    assert due == {"2025-201-feedback@rcmz": D("2025-10-11"),
                   "2025-202-application@rcmz": D("2025-10-13"),
                   "2025-203-verification@rcmz": D("2025-09-15"),   # overdue, still listed
                   "2025-206-followup@rcmz": D("2025-12-10")}
    feedback = found["2025-201-feedback@rcmz"]
    assert str(feedback["SUMMARY"]) == "【2025-201】反馈期限：反馈认定结果"
    assert feedback.decoded("DTEND") == D("2025-10-12")          # all-day: the next day, exclusive
    assert "申请人：欧阳㵘" in str(feedback["DESCRIPTION"])
    assert "自2025年9月30日（作出认定决定之日）次日起算3个工作日，至2025年10月11日届满" \
        in str(feedback["DESCRIPTION"])
    assert feedback.decoded("DTSTAMP") == dt.datetime(2025, 10, 9, tzinfo=dt.UTC)
    alarms = feedback.walk("VALARM")
    assert len(alarms) == 1 and str(alarms[0]["ACTION"]) == "DISPLAY"
    assert alarms[0].decoded("TRIGGER") == -dt.timedelta(days=2, hours=15)   # 09:00, 3 days before
    assert str(found["2025-206-followup@rcmz"]["SUMMARY"]) == "【2025-206】回访谈话：开展回访谈心谈话"
    assert "计划回访日期：2025年12月10日（10-followup.yaml next_planned）" \
        in str(found["2025-206-followup@rcmz"]["DESCRIPTION"])


def test_calendar_properties_and_crlf(cases):
    data = ics(cases, "--today", "2025-10-09")
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")                # CRLF only
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))   # folded at 75 octets
    data.decode("utf-8")                                          # folding keeps UTF-8 whole
    calendar = Calendar.from_ical(data)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["X-WR-CALNAME"]) == "容错免责案件期限"
    assert str(calendar["PRODID"]).startswith("-//rcmz//")


def test_reproducible_and_reimport_keeps_uids(cases):
    assert ics(cases, "--today", "2025-10-09") == ics(cases, "--today", "2025-10-09")
    # Without --today the stamp comes from the data: the latest start date (decision 2025-09-30).
    first = ics(cases)
    assert first == ics(cases)
    stamp = next(iter(events(first).values())).decoded("DTSTAMP")
    assert stamp == dt.datetime(2025, 9, 30, tzinfo=dt.UTC)
    # The feedback is given: that event leaves the file; the others keep their UIDs.
    (cases / "2025-201" / "05-feedback.yaml").write_text(
        "date: 2025-10-10\nseq: 1\nmethod: 当面送达\nexplanation: 答复。\n", encoding="utf-8")
    later = events(ics(cases, "--today", "2025-10-10"))
    assert set(later) == {"2025-202-application@rcmz", "2025-203-verification@rcmz",
                          "2025-206-followup@rcmz"}
    assert later["2025-202-application@rcmz"].decoded("SEQUENCE") > \
        events(ics(cases, "--today", "2025-10-09"))["2025-202-application@rcmz"].decoded("SEQUENCE")


def test_out_file_is_written_atomically(cases, tmp_path):
    target = tmp_path / "out" / "期限.ics"
    result = CliRunner().invoke(main, ["calendar", str(cases), "--ics", "--out", str(target),
                                       "--today", "2025-10-09"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == str(target)
    assert target.read_bytes() == ics(cases, "--today", "2025-10-09")
    assert [p.name for p in target.parent.iterdir()] == ["期限.ics"]   # no temporary left over


def test_broken_cases_are_reported_on_stderr(cases):
    (cases / "2025-202" / "00-case.yaml").write_text("id: [\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["calendar", str(cases), "--ics", "--today", "2025-10-09"])
    assert result.exit_code == 0
    assert "2025-202" in result.stderr and "rcmz check" in result.stderr
    Calendar.from_ical(result.stdout_bytes)   # stdout stays a valid calendar


def test_no_pending_limits_gives_an_empty_calendar(tmp_path):
    root = tmp_path / "cases"
    write_case(root, "2025-207", started="2025-03-03", applied="2025-03-05", initiated="2025-03-07",
               reported="2025-03-20", decided="2025-03-28", fed_back="2025-03-31", filed="2025-04-10")
    calendar = Calendar.from_ical(ics(root, "--today", "2025-10-09"))
    assert calendar.walk("VEVENT") == []
