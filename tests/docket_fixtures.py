"""Generated case folders for the docket tests and the status benchmark.

``write_case`` writes the smallest step files the schemas accept, so a generated case passes
``rcmz check``'s schemas unless a test breaks it on purpose.  Dates are ISO strings; a step
whose date is ``None`` gets no file.  Each job function here is top-level so that
``toolkit.batch`` can send it to worker processes.
"""

from __future__ import annotations

import os
from pathlib import Path


def _person(name: str) -> str:
    return f"{{name: {name}, post: 局组织处干部}}"


def write_case(root: Path, case_id: str, *, started: str,
               applied: str | None = None, initiated: str | None = None,
               reported: str | None = None, decided: str | None = None,
               deferred: str | None = None, fed_back: str | None = None,
               filed: str | None = None, outcome: str = "免予问责",
               claimed: tuple[int, ...] = (1,), confirmed: tuple[int, ...] | None = None,
               exclusions: tuple[int, ...] = (), kind: str = "个人", name: str | None = None,
               unit: str = "杭州市第一中学", late_acceptance: bool = False,
               talks: tuple[str, ...] = (), next_talk: str | None = None,
               rectification_deadline: str | None = None,
               rectification_done: str | None = None) -> Path:
    """Write one case folder ``root/case_id`` and return it."""
    folder = Path(root) / case_id
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    if kind == "个人":
        applicant = (f"  kind: 个人\n  name: {name or '张' + case_id[-3:]}\n  unit: {unit}\n"
                     f"  position: 校长\n  category: 局管干部\n  party_organization: {unit}党委\n")
    else:
        applicant = (f"  kind: 单位\n  name: {name or unit}\n  category: 直属学校（单位）\n"
                     f"  responsible_person: {_person('郭某')}\n  party_organization: 中共{name or unit}委员会\n")
    files["00-case.yaml"] = (f"id: {case_id}\napplicant:\n{applicant}matter:\n"
                             f"  summary: 测试事项{case_id}\n  description: 测试用的事项经过。\n"
                             f"  accountability_started: {started}\n")
    if applied:
        text = (f"date: {applied}\nreceived_by: 局组织处沈某\nrequested_outcome: 免予问责\n"
                "situations:\n" + "".join(f"  - {{item: {item}, facts: 事实{item}。}}\n" for item in claimed)
                + "conditions:\n" + "".join(f"  - {{item: {item}, reason: 理由{item}。}}\n"
                                             for item in range(1, 7))
                + "statement: 请求容错免责。\n")
        if late_acceptance:
            text += "late_acceptance: {accepted_by: 局党委书记, reason: 申请人住院治疗。}\n"
        files["01-application.yaml"] = text
    if initiated:
        files["02-initiation.yaml"] = (
            f"date: {initiated}\napprover: {_person('林某')}\n"
            f"department_opinion: {{text: 同意启动。}}\napproval_opinion: 同意。\n")
    if reported:
        files["03-investigation.yaml"] = (
            f"team: [{_person('何某')}, {_person('沈某')}]\nreport_date: {reported}\n"
            "facts_found: 查明的事实。\nsituations_found: ["
            + ", ".join(f"{{item: {item}, basis: 依据。}}" for item in claimed) + "]\n"
            "conditions_found: [" + ", ".join(f"{{item: {item}, met: true, evidence: 证据。}}"
                                              for item in range(1, 7)) + "]\n"
            "exclusions_found: []\npreliminary_opinion: {outcome: 免予问责, reasoning: 理由。}\n")
    if decided or deferred:
        text = ""
        if deferred:
            text += f"deferral: {{date: {deferred}, until: {decided or '2099-12-31'}, reason: 一时难以定论。}}\n"
        meeting = decided or deferred
        text += (f"meeting: {{date: {meeting}, name: 局党委会议, presiding: 林某, attendees: [林某, 吴某]}}\n")
        if decided:
            chosen = claimed if confirmed is None else confirmed
            text += (f"decision:\n  date: {decided}\n  seq: 1\n  outcome: {outcome}\n"
                     f"  situations: [{', '.join(map(str, chosen))}]\n"
                     f"  exclusions: [{', '.join(map(str, exclusions))}]\n  reasoning: 认定理由。\n")
        files["04-determination.yaml"] = text
    if fed_back:
        files["05-feedback.yaml"] = f"date: {fed_back}\nseq: 1\nmethod: 当面送达\nexplanation: 答复。\n"
    if filed:
        files["06-filing.yaml"] = (f"date: {filed}\nvolume: {{volume_no: 1, compiler: 沈某, checker: 何某, "
                                  f"compiled_on: {filed}}}\n")
    if rectification_deadline:
        text = (f"date: {decided or started}\nseq: 1\nissued_by: 局组织处\nmeasures: [责令纠错]\n"
                f"problems: 问题。\nrequirements: 要求。\ndeadline: {rectification_deadline}\n")
        if rectification_done:
            text += f"completion: {{date: {rectification_done}, result: 已完成整改}}\n"
        files["08-rectification.yaml"] = text
    if talks or next_talk:
        text = "talks:\n" + "".join(
            f"  - date: {day}\n    place: 会议室\n    talkers: [{_person('何某')}, {_person('沈某')}]\n"
            f"    recorder: {_person('沈某')}\n    content: 谈话内容。\n    assessment: 好\n"
            for day in talks) if talks else "talks: []\n"
        if next_talk:
            text += f"next_planned: {next_talk}\n"
        files["10-followup.yaml"] = text
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


def generate_many(root: Path, count: int) -> list[Path]:
    """``count`` cases at every stage, for the benchmark (dates in 2025, within the calendar)."""
    import datetime as dt

    folders = []
    base = dt.date(2025, 1, 6)
    for n in range(count):
        start = base + dt.timedelta(days=(n * 3) % 300)
        day = lambda k, start=start: (start + dt.timedelta(days=k)).isoformat()  # noqa: E731
        stage = n % 8
        folders.append(write_case(
            root, f"2025-{n + 1:04d}", started=day(0),
            applied=day(5) if stage >= 1 else None,
            initiated=day(8) if stage >= 2 else None,
            reported=day(20) if stage >= 3 else None,
            decided=day(30) if stage >= 4 else None,
            fed_back=day(32) if stage >= 5 else None,
            filed=day(40) if stage >= 6 else None,
            claimed=(n % 10 + 1,), unit=f"杭州市第{n % 17 + 1}中学",
            outcome=("免予问责", "减轻处理", "从轻处理", "不予容错")[n % 4],
            talks=(day(90),) if stage == 7 and n % 4 != 3 else (),
            next_talk=day(200) if stage == 7 and n % 4 != 3 else None))
    return folders


# --- jobs for toolkit.batch (top-level, so worker processes can import them) -------------


def toy_job(folder: Path) -> Path:
    """Write ``<folder>/built.txt``; fail for a folder whose name contains 'broken'."""
    folder = Path(folder)
    if "broken" in folder.name:
        raise ValueError(f"cannot build {folder.name}")
    out = folder / "built.txt"
    out.write_text(f"built by {os.getpid()}\n", encoding="utf-8")
    return out


def rcmz_error_job(folder: Path) -> Path:
    """Fail with an RcmzError carrying a file and line."""
    from toolkit.errors import CaseFileError

    raise CaseFileError("YAML 语法错误：缩进不一致", file=str(Path(folder) / "00-case.yaml"), line=3)


def crashing_job(folder: Path) -> Path:
    """Kill the worker process outright for a 'crash' folder (a segfault, an OOM kill)."""
    if "crash" in Path(folder).name:
        os._exit(13)
    return toy_job(folder)
