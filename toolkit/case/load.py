"""Loading a case folder: every step file read, checked against its schema, attachments found.

Problems are collected, not raised, so ``rcmz check`` can report all of them at once; only a
folder that does not exist at all is an exception.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from functools import partial
from pathlib import Path

from toolkit.attachments import assess, filing_problem
from toolkit.case.model import Case, display_path
from toolkit.case.problems import Problem, Severity
from toolkit.case.schema import validate
from toolkit.case.steps import BY_FILE, STEPS
from toolkit.case.yamlio import load_yaml, parse_text
from toolkit.errors import CaseFileError

RULE_FILES = "文件"
RULE_ATTACHMENT = "附件"


def load_case(folder: Path, *, deep: bool = False, overrides: Mapping[str, str] | None = None) -> Case:
    """The case in ``folder`` with the problems found while loading it.

    ``deep``: open every attachment as the dossier will (``toolkit.attachments.assess``) — what
    ``rcmz check`` does; without it only the first and last bytes are looked at (fast enough for
    ``rcmz status`` over hundreds of cases).  ``overrides`` maps step file names to text read
    instead of the file on disk (the workbench checks a candidate file before it writes it).
    """
    folder = Path(folder)
    overrides = overrides or {}
    if not folder.exists():
        raise CaseFileError("案件文件夹不存在", file=display_path(folder))
    if not folder.is_dir():
        raise CaseFileError("这里应是案件文件夹，却是文件", file=display_path(folder))
    case = Case(folder=folder)
    listed = sorted(folder.glob("*.y*ml"))
    names = {path.name for path in listed}
    for path in listed:
        if path.name not in BY_FILE:
            close = difflib.get_close_matches(path.name, list(BY_FILE), n=1, cutoff=0.5)
            hint = f"，是否应命名为“{close[0]}”？" if close else "；可用的文件名见 docs/case-files.md"
            case.problems.append(Problem(display_path(path), 1, 1, "", RULE_FILES,
                                         f"未知的案件文件“{path.name}”{hint}", "warning"))
    for step in STEPS:
        path = folder / step.file
        # (one listing of the folder, not a stat of each step's file: rcmz status reads 1,000)
        if step.file not in overrides and (step.file not in names or not path.exists()):
            continue
        try:
            text = overrides.get(step.file)
            loaded = load_yaml(path) if text is None else parse_text(text, path)
        except CaseFileError as error:
            case.problems.append(Problem(case.display(step.key), error.line or 1, error.column or 1, "",
                                         "YAML", error.message))
            continue
        problems = validate(loaded, step.schema, partial(case.display, step.key))
        case.problems.extend(problems)
        # The rules read only files that match their schema, so they never meet a wrong type;
        # a file with schema errors is fixed first, then its rules run.
        if not problems:
            case.files[step.key] = loaded
    if "case" not in case.files and not (folder / STEPS[0].file).exists():
        case.problems.append(Problem(display_path(folder / STEPS[0].file), 1, 1, "", RULE_FILES,
                                     "缺少案件基本信息文件（可用 rcmz new 生成）"))
    case.problems.extend(check_attachments(case, deep=deep))
    return case


def resolve_attachment(case: Case, relative: str) -> Path:
    """The attachment's real path; CaseFileError when it leaves the case folder."""
    root = case.folder.resolve()
    candidate = (case.folder / relative)
    resolved = candidate.resolve()
    if Path(relative).is_absolute() or not resolved.is_relative_to(root):
        raise CaseFileError(f"附件路径“{relative}”指向案件文件夹之外（含符号链接），归档材料必须放在案件文件夹内")
    return resolved


def check_attachments(case: Case, *, deep: bool = False) -> list[Problem]:
    """Every attachment's problems, each at the line that names the file: all at once."""
    problems = []
    for step, index, entry in case.attachments():
        relative = entry.get("file")
        if not isinstance(relative, str) or not relative:
            continue  # the schema reported it
        where = ("attachments", index, "file")

        def add(message: str, severity: Severity = "error") -> None:
            problems.append(case.problem(step, where, RULE_ATTACHMENT, message, severity))  # noqa: B023

        if "\\" in relative:
            add(f"附件路径“{relative}”中有反斜杠“\\”（Windows 的写法）：路径分隔符请一律写“/”，"
                f"即“{relative.replace(chr(92), '/')}”")
            continue
        try:
            path = resolve_attachment(case, relative)
        except CaseFileError as error:
            add(error.message)
            continue
        if not path.exists():
            add(f"附件“{relative}”：找不到文件{_closest(case, relative)}")
            continue
        if not deep:
            problem = filing_problem(path)
            if problem is not None:
                add(f"附件“{relative}”：{problem}")
            continue
        assessment = assess(path)
        if assessment.problem is not None:
            add(f"附件“{relative}”：{assessment.problem}")
        elif assessment.conversions:
            add(f"附件“{relative}”不能原样编入 PDF/A 案卷：{assessment.text}。"
                "rcmz dossier 将自动转换为归档件编入，原件作为关联文件一并保存，备考表中注明", "info")
    return problems


def _closest(case: Case, relative: str) -> str:
    """"；是否是“attachments/scan.pdf”？" for the file in the case folder nearest the name."""
    root = case.folder.resolve()
    candidates = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() not in (".yaml", ".yml"))
    close = difflib.get_close_matches(relative, candidates, n=1, cutoff=0.6)
    if not close:  # the name may be right and the folder wrong, or the other way round
        by_name = {Path(c).name: c for c in candidates}
        close = [by_name[n] for n in difflib.get_close_matches(Path(relative).name, list(by_name), n=1,
                                                               cutoff=0.6)]
    if close:
        return f"；案件文件夹中最接近的是“{close[0]}”，是否写错了？"
    return "（案件文件夹中也没有名称相近的文件；附件应放在案件文件夹内，如 attachments/）"
