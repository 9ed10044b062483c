"""Editing one field of a case file (``rcmz set``) so that the edit cannot corrupt the file.

The field's path is checked against the file's schema before anything is read for writing (an
unknown key is refused with a did-you-mean), the value is typed as the schema wants it (a string
field stays a string: ``"1979-04"``), a commented-out scaffold line for the field is filled in
where it stands, and the edited text is validated as ``rcmz check`` would before it replaces the
file.  Nothing is written when anything is wrong.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from toolkit.atomic import write_text_atomic
from toolkit.case.problems import dotted
from toolkit.case.schema import _describe, _suggest, schema_of, validate
from toolkit.case.steps import BY_FILE
from toolkit.case.yamlio import (
    load_yaml,
    parse_scalar,
    parse_text,
    read_text,
    round_trip,
)
from toolkit.config import CONFIG_NAME
from toolkit.errors import UsageError

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_field_path(text: str) -> list[str | int]:
    """``team[1].post`` (as ``rcmz check`` prints it) or ``team.1.post`` → ["team", 1, "post"]."""
    text = text.strip()
    parts: list[str | int] = []
    position = 0
    for match in _PART.finditer(text):
        between = text[position:match.start()]
        if between not in ("", "."):
            raise UsageError(f"字段路径“{text}”写法不对：应写成 a.b 或 a[0].b")
        name, index = match.groups()
        if index is not None:
            parts.append(int(index))
        else:
            parts.append(int(name) if name.isdigit() else name.strip())
        position = match.end()
    if not parts or text[position:] not in ("",):
        raise UsageError(f"字段路径“{text}”写法不对：应写成 a.b 或 a[0].b")
    return parts


def schema_file_for(path: Path) -> str | None:
    if path.name in BY_FILE:
        return BY_FILE[path.name].schema
    if path.name == CONFIG_NAME:
        return "bureau.schema.json"
    return None


def _field_schema(schema: dict, parts: list[str | int]) -> dict:
    """The subschema of the field at ``parts``; an unknown key is a message with a did-you-mean."""
    node = _describe(schema)
    walked: list[str | int] = []
    for part in parts:
        node = _describe(node)
        if isinstance(part, int):
            if node.get("type") != "array":
                raise UsageError(f"“{dotted(tuple(walked)) or '文件顶层'}”不是列表，不能写 [{part}]")
            node = node.get("items", {})
        else:
            properties = node.get("properties")
            if properties is None or node.get("type") == "array":
                raise UsageError(f"“{dotted(tuple(walked)) or '文件顶层'}”下没有字段“{part}”")
            if part not in properties:
                where = dotted(tuple(walked)) or "文件顶层"
                raise UsageError(f"“{where}”下没有字段“{part}”{_suggest(part, properties)}")
            node = properties[part]
        walked.append(part)
    return _describe(node)


def typed_value(raw: str, schema: dict | None) -> Any:
    """The value typed on the command line, read as YAML would and then as the schema wants:
    a string field keeps digits and dates as text."""
    value = parse_scalar(raw)
    if schema is None:
        return value
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "string" in types and not isinstance(value, str):
        if isinstance(value, dt.date) and schema.get("format") == "date":
            return value  # written unquoted, read back as the ISO string the schema checks
        return raw.strip()
    return value


def set_field(path: Path, field: str, raw_value: str) -> None:
    parts = parse_field_path(field)
    schema_file = schema_file_for(path)
    leaf = _field_schema(schema_of(schema_file), parts) if schema_file else None
    value = typed_value(raw_value, leaf)
    load_yaml(path)  # a malformed file is reported with our own message first
    text = _uncomment_placeholder(read_text(path), parts)
    yaml = round_trip()
    document = yaml.load(text)
    _assign(document, parts, value, schema_of(schema_file) if schema_file else None)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    edited = buffer.getvalue()
    if schema_file:
        loaded = parse_text(edited, path)
        problems = [p for p in validate(loaded, schema_file, str(path))
                    if _within(p.field, dotted(tuple(parts)))]
        if problems:
            raise UsageError("未修改文件：" + "；".join(p.message for p in problems))
    write_text_atomic(path, edited)


def _within(problem_path: str, field: str) -> bool:
    return problem_path == field or problem_path.startswith((field + ".", field + "["))


def _assign(document, parts: list[str | int], value: Any, schema: dict | None) -> None:
    target = document
    node = _describe(schema) if schema else None
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(part, int):
            if not isinstance(target, list) or part >= len(target):
                size = len(target) if isinstance(target, list) else 0
                raise UsageError(f"“{dotted(tuple(parts[:depth]))}”只有 {size} 项，没有第 {part} 项"
                                 f"（从 0 数起）")
            if last:
                target[part] = value
                return
            target = target[part]
            node = _describe(node.get("items", {})) if node else None
            continue
        if last:
            _insert(target, part, value, node)
            return
        if part not in target or target[part] is None:
            _insert(target, part, {} if not isinstance(parts[depth + 1], int) else [], node)
        target = target[part]
        node = _describe(node["properties"][part]) if node else None


def _insert(mapping, key: str, value: Any, schema: dict | None) -> None:
    """Set ``key``; a new key goes where the schema orders it, not at the end."""
    if key in mapping or schema is None:
        mapping[key] = value
        return
    order = list(schema.get("properties", {}))
    position = len(mapping)
    if key in order:
        later = set(order[order.index(key) + 1:])
        position = next((i for i, existing in enumerate(mapping) if existing in later), len(mapping))
    mapping.insert(position, key, value)


def _uncomment_placeholder(text: str, parts: list[str | int]) -> str:
    """Turn the scaffold's commented lines for a missing field (``# gender: ""``, and a commented
    parent ``# responsible_person:``) into real lines in place, so the value lands under its
    own comment instead of at the end of the mapping."""
    lines = text.split("\n")
    start, indent = 0, 0
    for part in parts:
        if isinstance(part, int):
            return text  # list items are not scaffolded as comments one by one
        region_end = _region_end(lines, start, indent)
        live = re.compile(rf"^ {{{indent}}}{re.escape(part)}:(\s|$)")
        commented = re.compile(rf"^ {{{indent}}}# {re.escape(part)}:(\s|$)")
        found = next((i for i in range(start, region_end) if live.match(lines[i])), None)
        if found is None:
            found = next((i for i in range(start, region_end) if commented.match(lines[i])), None)
            if found is None:
                return "\n".join(lines)
            lines[found] = " " * indent + lines[found][indent + 2:]
        start, indent = found + 1, indent + 2
    return "\n".join(lines)


def _region_end(lines: list[str], start: int, indent: int) -> int:
    """Where the block of a mapping whose keys sit at ``indent`` ends."""
    for i in range(start, len(lines)):
        line = lines[i]
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        if len(line) - len(stripped) < indent:
            return i
    return len(lines)
