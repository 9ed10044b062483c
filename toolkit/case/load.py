"""Loading a case folder: every step file read, checked against its schema, attachments found.

Problems are collected, not raised, so ``rcmz check`` can report all of them at once; only a
folder that does not exist at all is an exception.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path

from toolkit.attachments import filing_problem
from toolkit.case.model import Case, display_path
from toolkit.case.problems import Problem
from toolkit.case.schema import validate
from toolkit.case.steps import BY_FILE, STEPS
from toolkit.case.yamlio import load_yaml, parse_text
from toolkit.errors import CaseFileError

RULE_FILES = "文件"
RULE_ATTACHMENT = "附件"


def load_case(folder: Path, overrides: Mapping[str, str] | None = None) -> Case:
    """The case in ``folder``; ``overrides`` maps step file names to text read instead of the
    file on disk (the workbench checks a candidate file before it writes it)."""
    folder = Path(folder)
    overrides = overrides or {}
    if not folder.exists():
        raise CaseFileError("案件文件夹不存在", file=display_path(folder))
    if not folder.is_dir():
        raise CaseFileError("这里应是案件文件夹，却是文件", file=display_path(folder))
    case = Case(folder=folder)
    for path in sorted(folder.glob("*.y*ml")):
        if path.name not in BY_FILE:
            close = difflib.get_close_matches(path.name, list(BY_FILE), n=1, cutoff=0.5)
            hint = f"，是否应命名为“{close[0]}”？" if close else "；可用的文件名见 docs/case-files.md"
            case.problems.append(Problem(display_path(path), 1, 1, "", RULE_FILES,
                                         f"未知的案件文件“{path.name}”{hint}", "warning"))
    for step in STEPS:
        path = folder / step.file
        if not path.exists() and step.file not in overrides:
            continue
        try:
            text = overrides.get(step.file)
            loaded = load_yaml(path) if text is None else parse_text(text, path)
        except CaseFileError as error:
            case.problems.append(Problem(display_path(path), error.line or 1, error.column or 1, "",
                                         "YAML", error.message))
            continue
        problems = validate(loaded, step.schema, display_path(path))
        case.problems.extend(problems)
        # The rules read only files that match their schema, so they never meet a wrong type;
        # a file with schema errors is fixed first, then its rules run.
        if not problems:
            case.files[step.key] = loaded
    if "case" not in case.files and not (folder / STEPS[0].file).exists():
        case.problems.append(Problem(display_path(folder / STEPS[0].file), 1, 1, "", RULE_FILES,
                                     "缺少案件基本信息文件（可用 rcmz new 生成）"))
    case.problems.extend(check_attachments(case))
    return case


def resolve_attachment(case: Case, relative: str) -> Path:
    """The attachment's real path; CaseFileError when it leaves the case folder."""
    root = case.folder.resolve()
    candidate = (case.folder / relative)
    resolved = candidate.resolve()
    if Path(relative).is_absolute() or not resolved.is_relative_to(root):
        raise CaseFileError(f"附件路径“{relative}”指向案件文件夹之外（含符号链接），归档材料必须放在案件文件夹内")
    return resolved


def check_attachments(case: Case) -> list[Problem]:
    problems = []
    for step, index, entry in case.attachments():
        relative = entry.get("file")
        if not isinstance(relative, str) or not relative:
            continue  # the schema reported it
        where = ("attachments", index, "file")
        try:
            path = resolve_attachment(case, relative)
        except CaseFileError as error:
            problems.append(case.problem(step, where, RULE_ATTACHMENT, error.message))
            continue
        problem = filing_problem(path)
        if problem is not None:
            problems.append(case.problem(step, where, RULE_ATTACHMENT, f"附件“{relative}”：{problem}"))
    return problems

