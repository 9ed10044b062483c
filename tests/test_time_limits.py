"""The table of time limits (toolkit/rules/deadlines.py) and the pages that show it to users."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import edit
from toolkit.docket.stats import LIMIT_NAMES
from toolkit.pipeline import check as check_folder
from toolkit.rules.deadlines import OFFICE_DATES, PERIODS, field_text

DOCS = Path(__file__).resolve().parent.parent / "docs"
TODAY = dt.date(2026, 11, 28)


def table_rows(page: str, header: str) -> list[list[str]]:
    """The cells of the Markdown table whose header row starts with ``header``."""
    lines = (DOCS / page).read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_calendar_page_shows_the_table():
    rows = table_rows("calendar.md", "| 期限 | 起算 |")
    assert [row[:4] for row in rows] == [
        [p.name, f"{p.start_event}（`{field_text(p.start)}`）", p.length_text,
         f"{p.action}（`{field_text(p.done)}`）"] for p in PERIODS]
    assert [row[4].split("；")[0] for row in rows] == [p.article for p in PERIODS]


def test_status_page_shows_the_table():
    rows = table_rows("docket.md", "| 待办期限 |")
    assert [row[0] for row in rows] == [p.name for p in PERIODS] + [o.name for o in OFFICE_DATES]
    for row, period in zip(rows, PERIODS, strict=False):
        assert period.length_text in row[1]
        assert row[2] == ("工作日" if period.unit == "workdays" else "自然日")
    for row, office in zip(rows[len(PERIODS):], OFFICE_DATES, strict=True):
        assert f"`{field_text(office.due)}`" in row[1] and office.article in row[1]


def test_stats_name_each_limit_with_its_length():
    assert LIMIT_NAMES == {"application": "申请期限（7个工作日）", "verification": "核实认定期限（1个月）",
                           "deferral": "暂缓期限（3个月）", "feedback": "反馈期限（3个工作日）"}


def test_a_deferral_stops_the_verification_month(example):
    """2025-003: initiated 2026-01-09, so verification was due 2026-02-09; decided in March,
    after a deferral on 2026-02-06 — late without the deferral, "deferred" with it."""
    case = example("2025-003-hearing-deferral")
    statuses = {limit.key: limit.status for limit in check_folder(case, TODAY).limits}
    assert statuses == {"application": "met", "verification": "deferred", "deferral": "met",
                        "feedback": "met"}
    edit(case / "04-determination.yaml", {"deferral": None})
    statuses = {limit.key: limit.status for limit in check_folder(case, TODAY).limits}
    assert statuses == {"application": "met", "verification": "late", "feedback": "met"}
