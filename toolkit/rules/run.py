"""Checking case folders: load each, run the schemas and the rules, collect the results."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from toolkit.calendar import WorkCalendar, default_table
from toolkit.case.load import load_case
from toolkit.config import find_config, read_config
from toolkit.rules.checks import CheckResult, check_case


@cache
def _calendar(table: Path | None, modified: int | None) -> WorkCalendar:
    return WorkCalendar(table)  # one per table version: the table is read once per run


def _calendar_for_table(table: Path | None) -> WorkCalendar:
    return _calendar(table, table.stat().st_mtime_ns if table else None)


def calendar_for(folder: Path) -> WorkCalendar:
    """The calendar with the local holiday table the bureau configuration names."""
    config_path = find_config(folder) if folder.exists() else None
    if config_path is not None:
        table = read_config(config_path).calendar_table
        return _calendar_for_table(table if table.is_file() else None)
    return _calendar_for_table(default_table())


def check_folder(folder: Path, today: dt.date) -> CheckResult:
    case = load_case(folder)
    return check_case(case, calendar_for(folder), today)
