"""The workbench's pages and actions (Starlette).

Reads go through the same code as the CLI: the docket is ``toolkit.docket.status.collect``, a
check is ``toolkit.pipeline.check`` (with the candidate file in memory), a new step is
``toolkit.case.scaffold.add_step``, documents and dossiers are the CLI commands in the background
(:mod:`.jobs`).  Writes are the merge of :mod:`.merge`, an atomic replace and one commit
(:mod:`.repo`), only after the file's digest from when it was opened still matches.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from toolkit import pipeline
from toolkit.atomic import write_text_atomic
from toolkit.calendar import WEEKDAY_NAMES_CN
from toolkit.case.folders import current_step
from toolkit.case.model import display_path
from toolkit.case.schema import _schema_at, schema_of
from toolkit.case.steps import BY_FILE, BY_KEY, MAIN_SEQUENCE, STEPS
from toolkit.case.yamlio import parse_text, read_text
from toolkit.context import context_for
from toolkit.errors import CalendarDataMissing, CaseFileError, RcmzError
from toolkit.rules.deadlines import PERIODS
from toolkit.workbench import strings as T
from toolkit.workbench.forms import FormBuilder, FormReader, field_path, input_id
from toolkit.workbench.jobs import Jobs
from toolkit.workbench.merge import MergeError, comments, diff_lines, merge
from toolkit.workbench.repo import CommitError, NotFound, Workspace
from toolkit.workbench.security import Guard

HERE = Path(__file__).resolve().parent
#: Opened file versions kept for the "what changed since you opened it" diff of a conflict.
OPENED_KEPT = 256


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def html_environment() -> Environment:
    """The pages' own Jinja2 environment: autoescaping HTML (the documents' environment emits XML)."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["T"] = T
    env.globals["weekday"] = lambda iso: WEEKDAY_NAMES_CN[dt.date.fromisoformat(str(iso)).weekday()]
    env.globals["quote"] = quote
    return env


@dataclass
class Settings:
    cases_dir: Path
    token: str
    port: int
    today: dt.date | None = None
    build_dir: Path = Path("build")


class Workbench:
    """The application state: the workspace, the opened files and the background jobs."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.ws = Workspace(settings.cases_dir, settings.build_dir)
        self.jobs = Jobs()
        self.env = html_environment()
        self.opened: OrderedDict[str, str] = OrderedDict()
        self.documents: OrderedDict[str, Any] = OrderedDict()
        self.env.globals["script_strings"] = T.SCRIPT
        routes = [
            Route("/", self.docket),
            Route("/calendar.ics", self.calendar),
            Route("/stats", self.stats),
            Route("/stats", self.stats_start, methods=["POST"]),
            Route("/stats/{year:int}/{name}", self.stats_file),
            Route("/case/{case}", self.case),
            Route("/case/{case}/step", self.add_step, methods=["POST"]),
            Route("/case/{case}/edit/{file}", self.edit),
            Route("/case/{case}/edit/{file}/check", self.check, methods=["POST"]),
            Route("/case/{case}/edit/{file}/preview", self.preview, methods=["POST"]),
            Route("/case/{case}/edit/{file}/save", self.save, methods=["POST"]),
            Route("/case/{case}/jobs/{kind}", self.job_start, methods=["POST"]),
            Route("/jobs/{job}", self.job_status),
            Route("/case/{case}/build/{name}", self.built),
            Route("/case/{case}/view/{name}", self.view),
            Route("/case/{case}/attachment", self.attachment),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]
        self.app = Starlette(routes=routes, exception_handlers={NotFound: self.not_found, 404: self.not_found,
                                                                405: self.not_allowed})
        self.guard = Guard(self.app, settings.token, settings.port)

    # --- helpers -------------------------------------------------------------------------------

    @property
    def today(self) -> dt.date:
        return self.settings.today or dt.date.today()

    def page(self, template: str, status: int = 200, **values) -> HTMLResponse:
        html = self.env.get_template(template).render(today=self.today, **values)
        return HTMLResponse(html, status_code=status)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        return self.page("message.html", 404, title=T.NOT_FOUND, message=T.NOT_FOUND)

    async def not_allowed(self, request: Request, exc: Exception) -> Response:
        return self.page("message.html", 405, title=T.METHOD, message=T.METHOD)

    def remember(self, text: str) -> str:
        digest = digest_of(text.encode("utf-8"))
        self.opened[digest] = text
        self.opened.move_to_end(digest)
        while len(self.opened) > OPENED_KEPT:
            self.opened.popitem(last=False)
        return digest

    def parsed(self, text: str):
        """A fresh round-trip document of ``text``: parsed once per version, then copied (a
        copy costs a tenth of a parse; the live check merges on every pause in typing)."""
        from toolkit.case.yamlio import round_trip

        digest = digest_of(text.encode("utf-8"))
        document = self.documents.get(digest)
        if document is None:
            document = round_trip().load(text)
            self.documents[digest] = document
            while len(self.documents) > 32:
                self.documents.popitem(last=False)
        return copy.deepcopy(document)

    def rows(self):
        from toolkit.docket.status import collect

        return collect(self.ws.cases_dir, self.today)

    # --- docket --------------------------------------------------------------------------------

    async def docket(self, request: Request) -> Response:
        from toolkit.docket.status import summary_line

        rows = await run_in_threadpool(self.rows)
        state = request.query_params.get("state", "")
        text = request.query_params.get("q", "").strip()
        shown = [row for row in rows if _matches(row, state, text)]
        years = sorted({int(row.case_id[:4]) for row in rows if row.case_id[:4].isdigit()} | {self.today.year})
        return self.page("docket.html", rows=shown, total=len(rows), state=state, q=text,
                         summary=summary_line(rows, self.today), style_of=_style, years=years)

    async def calendar(self, request: Request) -> Response:
        from toolkit.docket.ics import build

        rows = await run_in_threadpool(self.rows)
        data = build(rows, self.settings.today)
        return Response(data, media_type="text/calendar; charset=utf-8",
                        headers={"content-disposition": "attachment; filename*=UTF-8''" + quote(T.ICS_NAME)})

    async def stats(self, request: Request) -> Response:
        year = _year(request.query_params.get("year"), self.today.year)
        folder = self.ws.build_dir / f"stats-{year}"
        files = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        jobs = self.jobs.latest(f"stats-{year}")
        return self.page("stats.html", year=year, files=files, jobs=jobs)

    async def stats_start(self, request: Request) -> Response:
        form = await request.form()
        year = _year(form.get("year"), self.today.year)
        try:
            self.jobs.start("stats", f"stats-{year}", ["stats", str(self.ws.cases_dir), "--year", str(year)])
        except RuntimeError:
            pass
        return RedirectResponse(f"/stats?year={year}", status_code=303)

    async def stats_file(self, request: Request) -> Response:
        path = self.ws.stats_file(request.path_params["year"], request.path_params["name"])
        return _file(path)

    # --- case ----------------------------------------------------------------------------------

    async def case(self, request: Request) -> Response:
        case_id = request.path_params["case"]
        folder = self.ws.case_folder(case_id)
        values = await run_in_threadpool(self._case_values, case_id, folder)
        return self.page("case.html", **values, added=request.query_params.get("added", ""),
                         error=request.query_params.get("error", ""))

    def _case_values(self, case_id: str, folder: Path) -> dict:
        from toolkit.case.scaffold import next_step
        from toolkit.errors import UsageError

        result = pipeline.check(folder, self.today)
        steps = []
        for step in STEPS:
            path = folder / step.file
            shown = display_path(path)
            mine = [p for p in result.problems if p.file == shown]
            steps.append({"step": step, "present": path.exists(),
                          "errors": sum(p.severity == "error" for p in mine),
                          "warnings": sum(p.severity == "warning" for p in mine)})
        try:
            upcoming = next_step(folder) if (folder / STEPS[0].file).exists() else None
        except UsageError:
            upcoming = None
        later = [s for s in STEPS if s.key not in MAIN_SEQUENCE and not (folder / s.file).exists()]
        built = self.ws.built_files(case_id)
        attachments = []
        for _step, _index, entry in result.case.attachments():
            relative = entry.get("file")
            if isinstance(relative, str) and relative:
                try:
                    self.ws.attachment(case_id, relative)
                    exists = True
                except NotFound:
                    exists = False
                attachments.append({"title": entry.get("title", relative), "file": relative, "exists": exists})
        config = context_for(folder)._config
        test_certificate = config is not None and "p12" not in (config.get("signing") or {})
        return {"case_id": case_id, "case": result.case, "result": result, "steps": steps,
                "upcoming": upcoming, "later": later,
                "documents": [p for p in built if T.VOLUME_MARK not in p.stem],
                "volumes": [p for p in built if T.VOLUME_MARK in p.stem and p.suffix == ".pdf"],
                "attachments": attachments, "commits": self.ws.log(folder),
                "uncommitted": self.ws.changed_in(folder), "jobs": self.jobs.latest(case_id),
                "test_certificate": test_certificate, "current": current_step(folder),
                "git": self.ws.git_root is not None}

    async def add_step(self, request: Request) -> Response:
        from toolkit.case.scaffold import add_step

        case_id = request.path_params["case"]
        folder = self.ws.case_folder(case_id)
        form = await request.form()
        key = form.get("step") or None
        if key is not None and key not in BY_KEY:
            raise NotFound(key)
        try:
            path = await run_in_threadpool(add_step, folder, key)
        except RcmzError as error:
            return RedirectResponse(f"/case/{quote(case_id)}?error={quote(error.format_message())}", 303)
        return RedirectResponse(f"/case/{quote(case_id)}/edit/{path.name}?added=1", status_code=303)

    # --- edit ----------------------------------------------------------------------------------

    async def edit(self, request: Request) -> Response:
        case_id, name = request.path_params["case"], request.path_params["file"]
        path = self.ws.step_file(case_id, name)
        if not path.exists():
            raise NotFound(name)
        return await run_in_threadpool(self._edit_page, request, case_id, name, path)

    def _edit_page(self, request: Request, case_id: str, name: str, path: Path) -> Response:
        step = BY_FILE[name]
        values: dict[str, Any] = {"case_id": case_id, "step": step, "name": name, "root": None,
                                  "broken": "", "digest": "", "saved": None,
                                  "added": request.query_params.get("added") == "1",
                                  "git": self.ws.git_root is not None}
        saved = request.query_params.get("saved", "")
        if re.fullmatch(r"[0-9a-f]{4,40}", saved):
            subject = self.ws.git("log", "-1", "--format=%s", saved).stdout.strip() if values["git"] else ""
            values["saved"] = T.SAVE_DONE.format(commit=saved, message=subject)
        try:
            text = read_text(path)
            data = data_of(text, path)
        except CaseFileError as error:
            values["broken"] = T.YAML_BROKEN.format(message=error.format_message())
            return self.page("edit.html", **values)
        if not isinstance(data, dict):
            values["broken"] = T.NOT_A_MAPPING
            return self.page("edit.html", **values)
        values["digest"] = self.remember(text)
        calendar = context_for(path.parent).calendar
        builder = FormBuilder(schema_of(step.schema), lambda p, iso: date_note(calendar, step.key, p, iso))
        values["root"] = builder.build(data)
        return self.page("edit.html", **values)

    def _candidate(self, case_id: str, name: str, form) -> dict:
        """The posted form as the file it would write: merged text, values, names, conflict."""
        path = self.ws.step_file(case_id, name)
        step = BY_FILE[name]
        opened = str(form.get("__digest", ""))
        try:
            current = read_text(path)
        except CaseFileError:
            current = None
        if current is None or digest_of(current.encode("utf-8")) != opened:
            return {"conflict": True, "path": path, "current": current, "opened": self.opened.get(opened)}
        schema = schema_of(step.schema)
        try:
            old = data_of(current, path)
        except CaseFileError:
            old = {}
        reader = FormReader(schema, form)
        values = reader.read(old)
        try:
            merged = merge(current, values, schema, self.parsed(current))
        except MergeError:
            return {"conflict": False, "unwritable": True}
        return {"conflict": False, "path": path, "step": step, "current": current, "merged": merged,
                "values": values, "names": reader.names, "schema": schema}

    def _check(self, case_id: str, candidate: dict) -> dict:
        path, merged = candidate["path"], candidate["merged"]
        result = pipeline.check(path.parent, self.today, overrides={path.name: merged.text})
        shown = display_path(path)
        mine = [p for p in result.problems if p.file == shown]
        others = [p for p in result.problems if p.file != shown]
        fields: dict[str, list[dict]] = {}
        for problem in mine:
            target = _input_for(field_path(problem.field), candidate["names"])
            if target is not None:
                fields.setdefault(target, []).append(
                    {"severity": problem.severity, "text": _field_message(problem)})
        errors = sum(p.severity == "error" for p in mine)
        warnings = len(mine) - errors
        calendar = context_for(path.parent).calendar
        dates = {}
        for data_path, name in candidate["names"].items():
            value = _value_at(candidate["values"], data_path)
            if isinstance(value, str) and _schema_at(candidate["schema"], list(data_path)).get("format") == "date":
                keys = tuple(p for p in data_path if not isinstance(p, int))
                dates[input_id(name)] = date_note(calendar, candidate["step"].key, keys, value)
        summary = T.CHECK_OK if not mine else T.CHECK_SUMMARY.format(errors=errors, warnings=warnings)
        return {"case": result.case.id, "errors": errors, "warnings": warnings, "summary": summary, "fields": fields,
                "lines": [p.format() for p in mine], "others": [p.format() for p in others],
                "dates": dates, "changed": merged.changed}

    def _conflict(self, case_id: str, name: str, candidate: dict) -> JSONResponse:
        opened, current = candidate["opened"], candidate["current"]
        diff = self.env.get_template("diff.html").render(
            lines=diff_lines(opened, current or "") if opened is not None else None)
        return JSONResponse({"conflict": True, "message": T.CONFLICT, "diff_title": T.CONFLICT_DIFF,
                             "diff": diff, "reload": f"/case/{quote(case_id)}/edit/{name}",
                             "reload_label": T.CONFLICT_RELOAD}, status_code=409)

    async def check(self, request: Request) -> Response:
        case_id, name = request.path_params["case"], request.path_params["file"]
        form = await request.form()

        def work():
            candidate = self._candidate(case_id, name, form)
            if candidate["conflict"]:
                return self._conflict(case_id, name, candidate)
            if candidate.get("unwritable"):
                return JSONResponse({"refused": T.MERGE_FAILED, "summary": T.MERGE_FAILED}, status_code=422)
            return JSONResponse(self._check(case_id, candidate))

        return await run_in_threadpool(work)

    async def preview(self, request: Request) -> Response:
        case_id, name = request.path_params["case"], request.path_params["file"]
        form = await request.form()
        return await run_in_threadpool(self._preview, case_id, name, form)

    def _savable(self, case_id: str, name: str, form) -> Response | tuple[dict, dict]:
        """The merged candidate and its check, or the refusal a preview and a save both give
        (a conflict, a form that cannot be merged, errors in the result)."""
        candidate = self._candidate(case_id, name, form)
        if candidate["conflict"]:
            return self._conflict(case_id, name, candidate)
        if candidate.get("unwritable"):
            return JSONResponse({"refused": T.MERGE_FAILED}, status_code=422)
        checked = self._check(case_id, candidate)
        if checked["errors"]:
            return JSONResponse({**checked, "refused": T.SAVE_HAS_ERRORS.format(n=checked["errors"])},
                                status_code=422)
        return candidate, checked

    def _preview(self, case_id: str, name: str, form) -> Response:
        savable = self._savable(case_id, name, form)
        if isinstance(savable, Response):
            return savable
        candidate, checked = savable
        path, merged = candidate["path"], candidate["merged"]
        head = self.ws.head_text(path)
        pending = self.ws.uncommitted(path)
        if not merged.changed and not pending:
            return JSONResponse({**checked, "nothing": T.SAVE_NO_CHANGES})
        diff = self.env.get_template("diff.html").render(lines=diff_lines(candidate["current"], merged.text))
        pending_diff = ""
        if pending:
            pending_diff = self.env.get_template("diff.html").render(
                lines=diff_lines(head or "", candidate["current"]))
        return JSONResponse({**checked, "diff": diff, "pending": pending_diff,
                             "lost": merged.lost_comments,
                             "message": default_message(checked["case"], candidate["step"], candidate["current"],
                                                        merged.text, head is None)})

    async def save(self, request: Request) -> Response:
        case_id, name = request.path_params["case"], request.path_params["file"]
        form = await request.form()
        return await run_in_threadpool(self._save, case_id, name, form)

    def _save(self, case_id: str, name: str, form) -> Response:
        message = str(form.get("__message", "")).strip()
        if not message:
            return JSONResponse({"refused": T.SAVE_MESSAGE_REQUIRED}, status_code=422)
        if self.ws.git_root is None:
            return JSONResponse({"refused": T.NO_GIT_SAVE}, status_code=422)
        with self.ws.writing():
            savable = self._savable(case_id, name, form)
            if isinstance(savable, Response):
                return savable
            candidate, checked = savable
            path, merged = candidate["path"], candidate["merged"]
            if merged.lost_comments and form.get("__confirm") != "1":
                return JSONResponse({"refused": T.SAVE_CONFIRM_NEEDED, "lost": merged.lost_comments},
                                    status_code=422)
            if not merged.changed and not self.ws.uncommitted(path):
                return JSONResponse({"nothing": T.SAVE_NO_CHANGES})
            if merged.changed:
                write_text_atomic(path, merged.text)
            digest = self.remember(merged.text)
            try:
                commit = self.ws.commit_file(path, message)
            except CommitError as error:
                return JSONResponse({"refused": T.SAVE_WRITTEN_NOT_COMMITTED.format(reason=str(error)[-2000:]),
                                     "digest": digest}, status_code=500)
        return JSONResponse({"commit": commit, "digest": digest,
                             "done": T.SAVE_DONE.format(commit=commit, message=message),
                             "reload": f"/case/{quote(case_id)}/edit/{name}?saved={commit}"})

    # --- jobs and files -----------------------------------------------------------------------

    async def job_start(self, request: Request) -> Response:
        case_id, kind = request.path_params["case"], request.path_params["kind"]
        folder = self.ws.case_folder(case_id)
        if kind == "render":
            args = ["render", str(folder)]
        elif kind == "dossier":
            args = ["dossier", str(folder)]
        elif kind == "verify":
            volumes = [p for p in self.ws.built_files(case_id) if T.VOLUME_MARK in p.stem and p.suffix == ".pdf"]
            if not volumes:
                return RedirectResponse(f"/case/{quote(case_id)}?error={quote(T.NO_VOLUME)}", 303)
            newest = max(volumes, key=lambda p: p.stat().st_mtime_ns)
            args = ["verify", str(newest), "--case", str(folder)]
        else:
            raise NotFound(kind)
        try:
            self.jobs.start(kind, case_id, args)
        except RuntimeError as error:
            return RedirectResponse(f"/case/{quote(case_id)}?error={quote(str(error))}", 303)
        return RedirectResponse(f"/case/{quote(case_id)}#jobs", status_code=303)

    async def job_status(self, request: Request) -> Response:
        job = self.jobs.get(request.path_params["job"])
        if job is None:
            raise NotFound("job")
        answer = self.page("job.html", job=job)
        if not job.running and request.headers.get("hx-request"):
            answer.headers["HX-Refresh"] = "true"  # the page shows the files the job made
        return answer

    async def built(self, request: Request) -> Response:
        path = self.ws.built_file(request.path_params["case"], request.path_params["name"])
        return _file(path)

    async def view(self, request: Request) -> Response:
        case_id, name = request.path_params["case"], request.path_params["name"]
        path = self.ws.built_file(case_id, name)
        if path.suffix != ".pdf":
            raise NotFound(name)
        return self.page("view.html", case_id=case_id, name=name)

    async def attachment(self, request: Request) -> Response:
        path = self.ws.attachment(request.path_params["case"], request.query_params.get("file", ""))
        return _file(path)


# --- pure helpers ----------------------------------------------------------------------------


def data_of(text: str, path: Path):
    """The file's values; a file of comments only (a scaffold whose fields are all optional) is
    an empty mapping to fill in (``rcmz check`` still says it is empty until something is)."""
    try:
        return parse_text(text, path).data
    except CaseFileError:
        if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
            return {}
        raise


def _file(path: Path) -> Response:
    media = {".pdf": "application/pdf", ".csv": "text/csv; charset=utf-8",
             ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".tif": "image/tiff",
             ".tiff": "image/tiff"}.get(path.suffix.lower(), "application/octet-stream")
    inline = path.suffix.lower() in (".pdf", ".jpg", ".jpeg", ".png")
    disposition = ("inline" if inline else "attachment") + "; filename*=UTF-8''" + quote(path.name)
    return FileResponse(path, media_type=media, headers={"content-disposition": disposition})


def _year(raw, default: int) -> int:
    try:
        year = int(str(raw))
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


def _matches(row, state: str, text: str) -> bool:
    if state and row.state != state:
        return False
    if text:
        haystack = " ".join([row.case_id, row.applicant, row.matter, row.folder.name, row.step])
        return text.lower() in haystack.lower()
    return True


def _style(row) -> str:
    if row.due_soon:
        return "soon"
    return row.state


def _input_for(path: tuple, names: dict[tuple, str]) -> str | None:
    """The input (or fieldset) that shows the value at ``path``; the nearest parent that has one."""
    while path:
        if path in names:
            return input_id(names[path])
        path = path[:-1]
    return None


def _field_message(problem) -> str:
    return T.FIELD_MESSAGE.format(line=problem.line, level=T.LEVELS[problem.severity], rule=problem.rule,
                                  message=problem.message)


def _value_at(data: Any, path: tuple) -> Any:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def date_note(calendar, step_key: str, path: tuple, iso: str) -> str:
    """周四，工作日；起算反馈期限（3个工作日），届满日 …: the calendar beside a date input."""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return ""
    weekday = WEEKDAY_NAMES_CN[day.weekday()]
    try:
        status = calendar.day_status(day)
        note = T.DATE_WORKDAY_NOTE.format(weekday=weekday, reason=status.reason)
    except CalendarDataMissing:
        return T.DATE_UNKNOWN.format(weekday=weekday)
    for period in PERIODS:
        if period.start == (step_key, *path):
            try:
                due = (calendar.add_workdays(day, period.length) if period.unit == "workdays"
                       else calendar.add_months(day, period.length))
            except (CalendarDataMissing, OverflowError, ValueError):
                continue
            note += "；" + T.DATE_STARTS.format(name=period.name, length=period.length_text,
                                               due=due.isoformat(), weekday=WEEKDAY_NAMES_CN[due.weekday()])
    return note


def default_message(case_id: str, step, before: str, after: str, new_file: bool) -> str:
    """``2025-003 申请：修改 received_by、date``: the commit message offered (the clerk edits it)."""
    if new_file:
        return T.SAVE_MESSAGE_NEW.format(case=case_id, step=step.title)
    keys = []
    for kind, _old, _new, line in diff_lines(before, after):
        if kind in "+-":
            match = re.match(r"^\s*(?:- )?([A-Za-z_][A-Za-z0-9_]*):", line)
            if match and match.group(1) not in keys:
                keys.append(match.group(1))
    fields = T.FIELDS_JOIN.join(keys[:4]) + (T.FIELDS_MORE if len(keys) > 4 else "") if keys else T.FIELDS_ANY
    return T.SAVE_MESSAGE_DEFAULT.format(case=case_id, step=step.title, fields=fields)


__all__ = ["Settings", "Workbench", "comments", "date_note", "default_message"]
