"""``rcmz status``: where every case stands and what falls due next.

One row per case folder: its id, the applicant, the current step (the last step file present) and
its pending time limits, the most urgent first.  A pending limit is one whose act has not
happened yet:

| key           | due date                                        | left counted in |
|---------------|-------------------------------------------------|-----------------|
| application   | 7 working days after accountability starts      | working days    |
| verification  | 1 month after initiation (not once deferred)    | calendar days   |
| deferral      | 3 months after the deferral decision            | calendar days   |
| feedback      | 3 working days after the decision               | working days    |
| followup      | ``10-followup.yaml`` ``next_planned`` (Art. 14) | calendar days   |
| rectification | ``08-rectification.yaml`` ``deadline`` (Art. 11)| calendar days   |

The first four come from :func:`toolkit.rules.deadlines.time_limits`; the last two are dates the
office set itself, so they are shown in calendar days.  Working days left use
:meth:`WorkCalendar.workdays_left` (0 = due today, -1 = the day after the deadline).

Rows are sorted by urgency: overdue first, then fewest days left, then cases that need attention
without a date (broken files, a year without holiday data), then cases with nothing pending.
A case whose files cannot be read still gets a row ("文件有误，请运行 rcmz check"); nothing a
case folder contains raises out of this module.

Loading is the slow part (YAML and schemas: about 3 ms a case), so many cases are loaded in
parallel worker processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from toolkit.calendar import WEEKDAY_NAMES_CN, WorkCalendar
from toolkit.case.folders import case_folders, current_step
from toolkit.case.steps import BY_KEY, STEPS
from toolkit.errors import CalendarDataMissing, RcmzError
from toolkit.rules.run import calendar_for
from toolkit.text import cn_date, display_width

BROKEN_NOTE = "文件有误，请运行 rcmz check"

#: Below this many cases one process is faster than starting workers.
PARALLEL_THRESHOLD = 150

#: Limits from toolkit.rules.deadlines: the step/path their period starts from, and the date
#: (step, path…) whose presence means the act happened — for the "no calendar data" note.
_DONE_BY = {
    ("case", ("matter", "accountability_started")): ("申请期限", (("application", "date"),)),
    ("initiation", ("date",)): ("核实认定期限", (("determination", "decision", "date"),
                                               ("determination", "deferral", "date"))),
    ("determination", ("deferral", "date")): ("暂缓期限", (("determination", "decision", "date"),)),
    ("determination", ("decision", "date")): ("反馈期限", (("feedback", "date"),)),
}

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

    @property
    def left_text(self) -> str:
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


# --- finding and reading cases -------------------------------------------------------------------


#: The steps whose facts the rows use (03-investigation, usually the largest file, is not one).
SNAPSHOT_STEPS = ("case", "application", "initiation", "determination", "feedback", "filing",
                  "rectification", "followup")


@dataclass
class Snapshot:
    """What a row needs from a case folder: picklable (workers) and JSON-able (the cache)."""

    folder: str
    fingerprint: str
    step_key: str | None
    broken: bool = False
    error: str | None = None             # the case could not be loaded at all
    data: dict = field(default_factory=dict)  # step key → the file's data, for SNAPSHOT_STEPS

    def as_dict(self) -> dict:
        return {"folder": self.folder, "fingerprint": self.fingerprint, "step_key": self.step_key,
                "broken": self.broken, "error": self.error, "data": self.data}


def snapshot(folder: Path, fingerprint: str = "") -> Snapshot:
    """Load one case (YAML, schemas, attachments) and keep what the rows need; never raises."""
    from toolkit.case.load import load_case

    folder = Path(folder)
    shot = Snapshot(str(folder), fingerprint, current_step(folder))
    try:
        case = load_case(folder)
    except RcmzError as error:
        shot.broken, shot.error = True, error.format_message()
        return shot
    except Exception as error:  # noqa: BLE001 — a row, never a traceback (rcmz check explains)
        shot.broken, shot.error = True, f"无法读取案件（{type(error).__name__}: {error}）"
        return shot
    shot.broken = any(problem.severity == "error" for problem in case.problems)
    shot.data = {key: case.files[key].data for key in SNAPSHOT_STEPS if key in case.files}
    return shot


def case_of(shot: Snapshot):
    """A ``Case`` rebuilt from a snapshot (positions are not kept: rows need no messages)."""
    from toolkit.case.model import Case
    from toolkit.case.yamlio import LoadedFile

    folder = Path(shot.folder)
    return Case(folder=folder, files={key: LoadedFile(folder / BY_KEY[key].file, data)
                                      for key, data in shot.data.items()})


def status_of(folder: Path, today: dt.date) -> StatusRow:
    """One case's row, loaded now; never raises for anything in the folder."""
    return row_from(snapshot(folder), today)


def row_from(shot: Snapshot, today: dt.date) -> StatusRow:
    folder = Path(shot.folder)
    row = StatusRow(case_id=folder.name, folder=folder, applicant="", today=today,
                    step=BY_KEY[shot.step_key].title if shot.step_key else "",
                    step_key=shot.step_key, broken=shot.broken)
    if shot.error:
        row.notes.append(shot.error)
        return row
    try:
        _fill(row, case_of(shot), today)
    except RcmzError as error:
        row.notes.append(error.format_message())
    except Exception as error:  # noqa: BLE001
        row.broken = True
        row.notes.append(f"无法计算期限（{type(error).__name__}: {error}）")
    return row


def _fill(row: StatusRow, case, today: dt.date) -> None:
    from toolkit.rules.deadlines import time_limits

    row.case_id = case.id
    applicant = case.get("case", "applicant", "name")
    row.applicant = applicant if isinstance(applicant, str) else ""
    row.filed = case.has("filing")
    matter = case.get("case", "matter", "summary")
    row.matter = matter if isinstance(matter, str) else ""
    calendar = calendar_for(case.folder)
    limits, missing = time_limits(case, calendar, today)
    deferred = case.date("determination", "deferral", "date") is not None
    pending: list[Pending] = []
    for limit in limits:
        if limit.status not in ("pending", "overdue"):
            continue
        if limit.key == "verification" and deferred:
            continue  # the deferral's own 3 months now run
        pending.append(_pending(limit.key, limit.name, limit.action, limit.article, limit.start,
                                limit.due, limit.length, limit.unit, calendar, today, row))
    pending.extend(_office_dates(case, calendar, today, row))
    row.pending = sorted(pending, key=lambda item: (item.due, item.key))
    for gap in missing:
        name, done_by = _DONE_BY.get((gap.step, tuple(gap.path)), ("期限", ()))
        if any(case.get(step, *path) is not None for step, *path in done_by):
            continue  # the act happened; its limit no longer matters here
        _note_missing(row, gap.error, name)


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


def _office_dates(case, calendar, today, row) -> list[Pending]:
    """Dates the office set itself: the next follow-up talk and a rectification deadline."""
    out = []
    planned = case.date("followup", "next_planned")
    if planned:
        talks = case.get("followup", "talks", default=[])
        held = [case.date("followup", "talks", i, "date") for i in range(len(talks))] \
            if isinstance(talks, list) else []
        if not any(day and day >= planned for day in held):
            last = max((day for day in held if day), default=None)
            out.append(_pending("followup", "回访谈话", "开展回访谈心谈话", "第十四条", last, planned,
                                "", "days", calendar, today, row))
    deadline = case.date("rectification", "deadline")
    if deadline and case.get("rectification", "completion") is None:
        out.append(_pending("rectification", "整改期限", "完成整改并书面报告", "第十一条",
                            case.date("rectification", "date"), deadline, "", "days",
                            calendar, today, row))
    return out


def _note_missing(row: StatusRow, error: CalendarDataMissing, name: str) -> None:
    found = re.search(r"没有(\d{4})年的节假日安排", error.message)
    year = f"{found.group(1)}年" if found else "所需年份"
    note = f"缺少{year}节假日安排，{name}无法计算（请在 holidays.yaml 中补充）"
    if note not in row.notes:
        row.notes.append(note)


def collect(root: Path, today: dt.date, workers: int | None = None,
            cache: bool = True) -> list[StatusRow]:
    """Rows for every case under ``root``, sorted by urgency."""
    folders = case_folders(root)
    store = Store(root) if cache else None
    shots = load_snapshots(folders, workers, store)
    rows = [row_from(shot, today) for shot in shots]
    return sorted(rows, key=StatusRow.sort_key)


def load_snapshots(folders: list[Path], workers: int | None = None,
                   store=None) -> list[Snapshot]:
    """Snapshots of ``folders``: from the cache when a folder is unchanged, else loaded now —
    in parallel worker processes when there are many."""
    prints = [fingerprint(folder) for folder in folders]
    shots: list[Snapshot | None] = [store.get(f, p) if store else None
                                    for f, p in zip(folders, prints)]
    todo = [i for i, shot in enumerate(shots) if shot is None]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers > 1 and len(todo) >= PARALLEL_THRESHOLD:
        from toolkit.case.schema import validator_for

        for step in STEPS:  # compile the schemas once, before the workers fork
            validator_for(step.schema)
        chunk = max(1, len(todo) // (workers * 4))
        with ProcessPoolExecutor(max_workers=min(workers, 8)) as pool:
            loaded = list(pool.map(snapshot, [folders[i] for i in todo],
                                   [prints[i] for i in todo], chunksize=chunk))
    else:
        loaded = [snapshot(folders[i], prints[i]) for i in todo]
    for i, shot in zip(todo, loaded):
        shots[i] = shot
    if store is not None and todo:
        store.save([shot for shot in shots if shot is not None and shot.error is None])
    return shots


# --- the snapshot cache -------------------------------------------------------------------------
#
# Loading a case costs about 3.5 ms of CPU (YAML composing and JSON-Schema validation, in
# toolkit.case); a status of 1,000 cases would take several seconds.  Snapshots are therefore kept
# in the user's cache folder, one JSON file per folder of cases, and reused while nothing in the
# case folder changed: the fingerprint covers every file's name, size and modification time
# (attachments included, since a missing attachment makes a case "broken"), the toolkit version
# and the schemas and loading code.  The calendar and the bureau configuration are not cached:
# limits are recomputed on every run.  ``--no-cache`` (or RCMZ_NO_CACHE=1) bypasses it.

CACHE_FORMAT = 1


def cache_dir() -> Path:
    if os.environ.get("RCMZ_CACHE_DIR"):
        return Path(os.environ["RCMZ_CACHE_DIR"])
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "rcmz" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rcmz"


_SALT: list[str] = []


def _salt() -> str:
    """What else a snapshot depends on: the toolkit version, the schemas, the loading code."""
    if not _SALT:
        from toolkit import __version__
        from toolkit.paths import SCHEMAS_DIR

        parts = [f"format={CACHE_FORMAT}", f"version={__version__}"]
        here = Path(__file__).resolve()
        for path in sorted([*SCHEMAS_DIR.glob("*.json"), *(here.parent.parent / "case").glob("*.py"),
                            here]):
            stat = path.stat()
            parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
        _SALT.append("\n".join(parts))
    return _SALT[0]


def fingerprint(folder: Path) -> str:
    """A digest of every file under ``folder`` (name, size, modification time) and the salt."""
    digest = hashlib.sha1(_salt().encode())
    base = str(folder)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            digest.update(f"{os.path.relpath(path, base)}\0{stat.st_size}\0{stat.st_mtime_ns}\n"
                          .encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class Store:
    """The cached snapshots of one folder of cases, keyed by case folder name."""

    def __init__(self, root: Path):
        resolved = str(Path(root).resolve())
        self.root = resolved
        self.path = cache_dir() / "status" / (hashlib.sha1(resolved.encode()).hexdigest()[:20] + ".json")
        self.entries: dict[str, dict] = {}
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if stored.get("root") == resolved and stored.get("format") == CACHE_FORMAT:
                self.entries = stored["cases"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.entries = {}

    @staticmethod
    def _key(folder: Path) -> str:
        return Path(folder).name

    def get(self, folder: Path, fingerprint_: str) -> Snapshot | None:
        entry = self.entries.get(self._key(folder))
        if not isinstance(entry, dict) or entry.get("fingerprint") != fingerprint_:
            return None
        try:
            return Snapshot(str(folder), fingerprint_, entry["step_key"], bool(entry["broken"]),
                            None, dict(entry["data"]))
        except (KeyError, TypeError, ValueError):
            return None

    def save(self, shots: list[Snapshot]) -> None:
        from toolkit.atomic import write_bytes_atomic

        cases = {self._key(Path(shot.folder)): shot.as_dict() for shot in shots}
        try:
            text = json.dumps({"format": CACHE_FORMAT, "root": self.root, "cases": cases},
                              ensure_ascii=False)
            write_bytes_atomic(self.path, text.encode("utf-8"))
        except (OSError, TypeError, ValueError):
            pass  # a read-only home folder (or an odd value) only costs speed


# --- output --------------------------------------------------------------------------------------


def to_json(rows: list[StatusRow], today: dt.date) -> str:
    return json.dumps({"today": today.isoformat(), "summary": summary_counts(rows),
                       "cases": [row.as_dict() for row in rows]}, ensure_ascii=False, indent=2)


def summary_counts(rows: list[StatusRow]) -> dict:
    return {"cases": len(rows), "overdue": sum(row.overdue for row in rows),
            "due_soon": sum(row.state == "pending" and row.next.left <= 3 for row in rows),
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
        due = f"{nxt.due.isoformat()} {WEEKDAY_NAMES_CN[nxt.due.weekday()]}" if nxt else "—"
        cells.append((row, (row.case_id, clip(row.applicant or "（未知）", 24), row.step or "—",
                            limit, due, row.status_text)))
    widths = [max([display_width(h)] + [display_width(c[i]) for _, c in cells])
              for i, h in enumerate(HEADERS)]
    widths[-1] = 0  # last column unpadded

    def line(values):
        return "  ".join(pad(v, w) for v, w in zip(values, widths)).rstrip()

    out = [(line(HEADERS), "header")]
    for row, values in cells:
        style = {"overdue": "overdue", "attention": "attention", "idle": "idle"}.get(row.state, "plain")
        if row.state == "pending" and row.next.left is not None and row.next.left <= 3:
            style = "soon"
        if row.broken and style not in ("overdue",):
            style = "attention"
        out.append((line(values), style))
    return out


STYLES = {"header": {"bold": True}, "overdue": {"fg": "red", "bold": True},
          "soon": {"fg": "yellow"}, "attention": {"fg": "magenta"}, "idle": {"dim": True},
          "plain": {}}


def summary_line(rows: list[StatusRow], today: dt.date) -> str:
    counts = summary_counts(rows)
    if not rows:
        return f"没有案件（{today.isoformat()}）。"
    return (f"截至{cn_date(today)}，共 {counts['cases']} 个案件："
            f"超期 {counts['overdue']} 个，3 日内到期 {counts['due_soon']} 个，"
            f"文件有误 {counts['broken']} 个，暂无待办 {counts['idle']} 个。")


def echo_table(rows: list[StatusRow], today: dt.date, color: bool | None = None) -> None:
    import click

    for text, style in table_lines(rows) if rows else []:
        click.echo(click.style(text, **STYLES[style]), color=color)
    click.echo(summary_line(rows, today), color=color)


def cases_root(path: Path) -> Path:
    """The CASES_DIR argument, checked: a UsageError (exit 2) when it does not exist."""
    from toolkit.errors import UsageError

    path = Path(path)
    if not path.is_dir():
        raise UsageError(f"案件文件夹“{path}”不存在（默认为当前目录下的 casefiles）")
    return path


def run(cases_dir: Path, today: dt.date | None, as_json: bool, color: bool | None = None,
        cache: bool = True) -> None:
    """The whole ``rcmz status`` command."""
    import click

    day = today or dt.date.today()
    cache = cache and os.environ.get("RCMZ_NO_CACHE", "") in ("", "0")
    rows = collect(cases_root(cases_dir), day, cache=cache)
    if as_json:
        click.echo(to_json(rows, day))
    else:
        echo_table(rows, day, color)
