"""Commented skeletons of step files, generated from the schemas (the single field definition).

Required fields get an empty value that ``rcmz check`` reports until it is filled; optional
fields are written as comments to uncomment.  Each field carries its Chinese title, description
and the article it comes from, and the file starts with a ``yaml-language-server`` line so
editors validate while typing.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from toolkit.atomic import write_text_atomic
from toolkit.case.model import Case
from toolkit.case.schema import _describe, schema_of
from toolkit.case.steps import BY_KEY, MAIN_SEQUENCE, STEPS, Step
from toolkit.errors import RcmzError, UsageError
from toolkit.paths import SCHEMAS_DIR


def _comment(schema: dict, required: bool) -> str:
    parts = [schema.get("title", "")]
    if schema.get("description"):
        parts.append(schema["description"])
    if "enum" in schema:
        parts.append("取值：" + "、".join(str(v) for v in schema["enum"]))
    parts.append("必填" if required else "可选")
    return "；".join(p for p in parts if p)


def _placeholder(schema: dict) -> str:
    kind = schema.get("type")
    if kind == "boolean":
        return "false"
    if kind == "integer":
        return str((schema.get("examples") or [schema.get("minimum", 1)])[0])
    if kind == "array":
        return "[]"
    return '""'


def _lines(schema: dict, indent: int, commented: bool = False, path: str = "",
           values: dict[str, tuple[str, str]] | None = None) -> list[tuple[bool, str]]:
    """(is_field, line) for an object's properties, each preceded by its comment line.

    ``values`` gives some fields (by dotted path) a value and a trailing note instead of the
    placeholder: the next free document number and 案卷号.
    """
    out: list[tuple[bool, str]] = []
    values = values or {}
    required = set(schema.get("required", []))
    for name, sub in schema.get("properties", {}).items():
        sub = _describe(sub)
        off = commented or name not in required
        pad, mark = " " * indent, "# " if off else ""
        out.append((False, f"{pad}# {_comment(sub, name in required)}"))
        items = _describe(sub.get("items", {}))
        if sub.get("type") == "object" and "properties" in sub:
            out.append((True, f"{pad}{mark}{name}:"))
            out.extend(_lines(sub, indent + 2, off, f"{path}{name}.", values))
        elif sub.get("type") == "array" and items.get("type") == "object":
            # one item to copy; its first field goes on the "- " line, as ruamel.yaml writes it
            out.append((True, f"{pad}{mark}{name}:"))
            item_lines = _lines(items, indent + 4, off)
            first = next(i for i, (is_field, _) in enumerate(item_lines) if is_field)
            body = item_lines[first][1].lstrip()
            prefix, body = ("# ", body[2:]) if off else ("", body)
            item_lines[first] = (True, f"{pad}  {prefix}- {body}")
            out.extend(item_lines)
        elif f"{path}{name}" in values:
            value, note = values[f"{path}{name}"]
            out.append((True, f"{pad}{mark}{name}: {value}  # {note}"))
        else:
            out.append((True, f"{pad}{mark}{name}: {_placeholder(sub)}"))
    return out


def next_numbers(step: Step, case_dir: Path, today: date | None = None) -> dict[str, tuple[str, str]]:
    """The next free sequence numbers (this year) and 案卷号 for ``step``'s skeleton, by field.

    Read from the case folders beside ``case_dir`` under the same bureau.yaml (the register of
    ``rcmz numbers``); empty when there is no configuration to number with.
    """
    from toolkit.case.folders import case_folders
    from toolkit.case.numbering import (
        FORMATS,
        NUMBERED,
        ORGANS,
        RECTIFICATION_ORGANS,
        numbers_only,
        register_state,
    )
    from toolkit.config import load_config
    from toolkit.errors import RcmzError

    numbered = [n for n in NUMBERED if n.step == step.key]
    if not numbered and step.key != "filing":
        return {}
    try:
        config = load_config(case_dir)
    except RcmzError:
        return {}
    cases = [numbers_only(folder) for folder in case_folders(case_dir.resolve().parent)]
    year = (today or date.today()).year
    states, code, volume_no = register_state(cases, config, year)
    free = {(state.series.organ, state.series.format): state for state in states}
    taken: dict[tuple[str, str], int] = {}
    values: dict[str, tuple[str, str]] = {}

    def take(key: tuple[str, str]) -> tuple[int, str] | None:
        if key not in free:
            return None
        seq = max(free[key].next, taken.get(key, 0) + 1)
        taken[key] = seq
        return seq, free[key].series.number(year, seq)

    for entry in numbered:
        organ = entry.organ_of(_NO_CASE)
        organs = list(dict.fromkeys(RECTIFICATION_ORGANS.values())) if organ is None else [organ]
        options = [(one, got) for one in organs if (got := take((one, entry.format))) is not None]
        if not options:
            continue
        note = "；".join(f"{ORGANS[organ]}{FORMATS[entry.format]} {text}" for organ, (_, text) in options)
        which = "按 issued_by 选用，" if len(options) > 1 else ""
        values[".".join(entry.seq)] = (str(options[0][1][0]),
                                       f"{year}年下一个空号：{note}（{which}rcmz numbers 列出各序列）")
    if step.key == "filing":
        values["volume.volume_no"] = (str(volume_no), f"下一个案卷号，档号 {code}（rcmz numbers）")
    return values


#: A case with no facts yet: a numbered kind's organ when it depends on none.
_NO_CASE = Case(Path())


def skeleton(step: Step, case_dir: Path, case_id: str | None = None,
             values: dict[str, tuple[str, str]] | None = None) -> str:
    schema = schema_of(step.schema)
    schema_path = os.path.relpath(SCHEMAS_DIR / step.schema, case_dir.resolve())
    header = [f"# yaml-language-server: $schema={schema_path}",
              f"# {schema.get('title', step.title)}",
              f"# {schema.get('description', '')}",
              "# 填写说明：带“必填”的字段必须填写；“可选”的字段去掉行首的 # 后填写。",
              "# 填好后运行 rcmz check 检查。", ""]
    body = [line for _, line in _lines(schema, 0, values=values)]
    if case_id is not None:
        body = [f"id: {case_id}" if line.startswith("id: ") else line for line in body]
    return "\n".join(header + body) + "\n"


def new_case(case_dir: Path) -> list[Path]:
    """A new case folder with the parties' file and the application's file."""
    if case_dir.exists() and any(case_dir.iterdir()):
        raise UsageError(f"文件夹 {case_dir} 已存在且不为空；新案件请用新的文件夹")
    case_id = case_dir.name.split("-")[0:2]
    if len(case_id) == 2:
        _refuse_a_used_id("-".join(case_id), case_dir)
    (case_dir / "attachments").mkdir(parents=True, exist_ok=True)
    written = []
    for step in (BY_KEY["case"], BY_KEY["application"]):
        path = case_dir / step.file
        identifier = "-".join(case_id) if step.key == "case" and len(case_id) == 2 else None
        write_text_atomic(path, skeleton(step, case_dir, identifier))
        written.append(path)
    return written


def _refuse_a_used_id(case_id: str, case_dir: Path) -> None:
    """The id rule of ``rcmz new``: the folder name's first two parts (``2026-004-…`` → 2026-004)
    are the case id, which must be unused among the case folders beside it."""
    import re

    from toolkit.case.folders import case_folders
    from toolkit.case.model import display_path
    from toolkit.case.yamlio import load_yaml

    used: dict[str, Path] = {}
    for folder in case_folders(case_dir.resolve().parent):
        try:
            other = load_yaml(folder / STEPS[0].file).data.get("id")
        except (RcmzError, AttributeError):
            continue
        if isinstance(other, str):
            used[other] = folder
    if case_id in used:
        year = case_id.split("-")[0]
        numbers = [int(m.group(1)) for other in used
                   if (m := re.fullmatch(rf"{re.escape(year)}-(\d+)", other))]
        width = len(case_id.split("-")[1])
        suggestion = f"{year}-{max(numbers, default=0) + 1:0{width}d}"
        raise UsageError(f"案件编号 {case_id}（取自文件夹名的前两段）已被 {display_path(used[case_id])} 使用；"
                         f"新案件请用未用过的编号，例如 rcmz new {case_dir.parent / suggestion}-…")


def next_step(case_dir: Path) -> Step:
    """The first step of Art. 9 whose file the case does not have yet."""
    for key in MAIN_SEQUENCE:
        if not (case_dir / BY_KEY[key].file).exists():
            return BY_KEY[key]
    raise UsageError("第九条的六个步骤都已有文件；后续步骤请指明：" +
                     "、".join(f"{s.key}（{s.title}）" for s in STEPS[len(MAIN_SEQUENCE):]))


def add_step(case_dir: Path, step_key: str | None) -> Path:
    """Write the next (or the named) step's skeleton; never touch an existing file."""
    if not (case_dir / STEPS[0].file).exists():
        raise UsageError(f"{case_dir} 不是案件文件夹（缺少 {STEPS[0].file}）；新案件请用 rcmz new")
    if step_key is None:
        step = next_step(case_dir)
    elif step_key in BY_KEY:
        step = BY_KEY[step_key]
    else:
        raise UsageError(f"未知的步骤“{step_key}”，可用：" + "、".join(f"{s.key}（{s.title}）" for s in STEPS))
    path = case_dir / step.file
    if path.exists():
        raise UsageError(f"{path} 已存在，未做改动")
    write_text_atomic(path, skeleton(step, case_dir, values=next_numbers(step, case_dir)))
    return path
