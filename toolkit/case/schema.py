"""Checking step files against the JSON Schemas in ``schemas/``, with Chinese messages.

The schemas are the single definition of the fields: their titles and descriptions feed these
messages, the commented scaffolds of ``rcmz new`` and the case-file reference in docs/.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Callable
from functools import cache, partial
from types import CodeType

import fastjsonschema

from toolkit.case.problems import Problem, dotted
from toolkit.case.yamlio import LoadedFile
from toolkit.paths import SCHEMAS_DIR

_TYPE_NAMES = {"string": "文字", "integer": "整数", "number": "数字", "boolean": "true 或 false",
               "array": "列表", "object": "键值对（映射）", "null": "空值"}


def _python_type_name(value) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "整数"
    if isinstance(value, float):
        return "数字"
    if isinstance(value, str):
        return "文字"
    if isinstance(value, list):
        return "列表"
    return "键值对（映射）"


@cache
def schema_of(schema_file: str) -> dict:
    """The schema of ``schema_file`` with every $ref replaced by what it refers to."""
    # Following $refs at validation time costs half of a check; the schemas have no recursion,
    # so they are inlined once here.
    return _inline(_schema_file(schema_file))


@cache
def _schema_file(schema_file: str) -> dict:
    return json.loads((SCHEMAS_DIR / schema_file).read_text(encoding="utf-8"))


@cache
def validator_for(schema_file: str):
    """jsonschema's validator, which explains every problem of a file (imported only then: a
    valid file is answered by the fast validator)."""
    from jsonschema import Draft202012Validator, FormatChecker

    # (The schemas themselves are checked against the metaschema in the tests, not at every run.)
    return Draft202012Validator(schema_of(schema_file), format_checker=FormatChecker())


def _inline(node):
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(_describe(node))
        return {key: _inline(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value) for value in node]
    return node


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


#: The fast validators made in this process, by schema file.
_FAST: dict[str, Callable] = {}


def fast_validator_for(schema_file: str) -> Callable:
    """The same schema compiled to Python by fastjsonschema: 20× faster on valid files.

    Nearly every file is valid, so it answers "valid?"; only an invalid file goes through
    jsonschema, which lists every problem with its path for the messages (and is imported only
    then: 0.1 s of every command).  Compiling it (Python's compiler on some 30 KB of generated
    code per schema, about 8 ms) is done once and kept in the user's cache folder
    (:func:`_compiled`).
    """
    found = _FAST.get(schema_file)
    if found is None:
        schema = dict(schema_of(schema_file))
        schema["$schema"] = "http://json-schema.org/draft-07/schema#"  # same keywords, once inlined
        formats = {"date": _is_date}
        name, code = _compiled(schema, formats)
        namespace: dict = {}
        exec(code, namespace)  # noqa: S102 — the code fastjsonschema made of our own schema
        found = _FAST[schema_file] = partial(namespace[name], custom_formats=formats)
    return found


def _compiled(schema: dict, formats: dict) -> tuple[str, CodeType]:
    """(the function's name, the compiled code) fastjsonschema makes of ``schema``: from the cache
    folder when it was made before, by the schema, fastjsonschema's version and Python's (each
    file carries the SHA-256 of its content: a damaged one is made again, never run)."""
    import hashlib
    import marshal
    import sys

    from toolkit.cachefile import cache_folder, write_cache_file

    folder = cache_folder()
    key = hashlib.sha256(f"{sys.version}\n{fastjsonschema.VERSION}\n{sorted(formats)}\nbrief\n"
                         f"{json.dumps(schema, sort_keys=True)}".encode()).hexdigest()[:32]
    file = folder / "validators" / f"{key}.bin" if folder is not None else None
    if file is not None:
        try:
            blob = file.read_bytes()
            if hashlib.sha256(blob[32:]).digest() == blob[:32]:
                name, code = marshal.loads(blob[32:])
                if isinstance(name, str) and isinstance(code, CodeType):
                    return name, code
        except (OSError, ValueError, EOFError, TypeError):
            pass
    # only "valid?" is asked: without the details of a failure the code is a third as long
    source = fastjsonschema.compile_to_code(schema, formats=formats, detailed_exceptions=False)
    found = re.search(r"^def (\w+)\(", source, re.M)
    assert found is not None
    name, code = found[1], compile(source, f"<validator {key}>", "exec")
    if file is not None:
        body = marshal.dumps((name, code))
        write_cache_file(file, hashlib.sha256(body).digest() + body, folder_mode=0o700)
    return name, code


def prepare_fast_validators() -> None:
    """Make every step's fast validator now: a run about to check many cases in forked workers
    does it once, before they fork."""
    from toolkit.case.steps import STEPS

    for step in STEPS:
        fast_validator_for(step.schema)


def validate(loaded: LoadedFile, schema_file: str, display_path: str | Callable[[], str]) -> list[Problem]:
    """The problems of ``loaded`` against its schema, in its file (``display_path``: the file
    as messages name it, or what gives it: asked only when there is a problem)."""
    try:
        fast_validator_for(schema_file)(loaded.data)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    validator = validator_for(schema_file)
    errors = list(validator.iter_errors(loaded.data))
    if not errors:
        return []
    shown = display_path() if callable(display_path) else display_path
    problems = [problem for error in errors for problem in _explain(error, loaded, shown, validator.schema)]
    return sorted(set(problems), key=lambda p: (p.line, p.column, p.message))


def _problem(loaded, display_path, path, message, *, key=False) -> Problem:
    line, column = loaded.where(tuple(path), key=key)
    return Problem(display_path, line, column, dotted(tuple(path)), "格式", message)


def _label(schema: dict, name: str | None = None) -> str:
    title = schema.get("title")
    if name and title:
        return f"“{name}”（{title}）"
    if name:
        return f"“{name}”"
    return f"（{title}）" if title else ""


def _explain(error, loaded: LoadedFile, display_path: str, root: dict) -> list[Problem]:
    path = list(error.absolute_path)
    schema = _describe(error.schema)
    kind = error.validator
    instance = error.instance
    here = dotted(tuple(path)) or "文件顶层"
    title = _schema_at(root, path).get("title", "")
    field = f"“{here}”" + (f"（{title}）" if title else "")

    if instance == "" and kind in ("minLength", "pattern", "format", "enum"):
        return [_problem(loaded, display_path, path, f"{field}不能为空，请填写")]
    if kind == "additionalProperties":
        properties = schema.get("properties", {})
        problems = []
        for extra in sorted(set(instance) - set(properties)):
            hint = _suggest(extra, properties)
            problems.append(_problem(loaded, display_path, path + [extra],
                                     f"未知字段“{extra}”{hint}", key=True))
        return problems
    if kind == "required":
        properties = schema.get("properties", {})
        missing = [name for name in schema["required"] if name not in instance]
        return [_problem(loaded, display_path, path,
                         f"{'文件顶层' if not path else field}缺少必填字段"
                         f"{_label(_describe(properties.get(name, {})), name)}")
                for name in missing]
    if kind == "type":
        expected = schema["type"]
        expected_types = expected if isinstance(expected, list) else [expected]
        names = "或".join(_TYPE_NAMES.get(t) or str(t) for t in expected_types)
        if instance is None:
            message = f"{field}不能为空，应填写{names}"
        else:
            message = f"{field}应为{names}，实际是{_python_type_name(instance)}“{_short(instance)}”"
        return [_problem(loaded, display_path, path, message)]
    simple = _SIMPLE_MESSAGES.get(kind)
    if simple:
        return [_problem(loaded, display_path, path, simple(field, schema, instance))]
    if kind in ("pattern", "format"):
        example = (schema.get("examples") or [None])[0]
        hint = schema.get("description") or (f"例如 {example}" if example else "")
        what = "日期" if schema.get("format") == "date" else "格式"
        return [_problem(loaded, display_path, path,
                         f"{field}的{what}不对：“{_short(instance)}”" + (f"（{hint}）" if hint else ""))]
    return [_problem(loaded, display_path, path, f"{field}不符合要求：{error.message}")]


#: Messages that need only the field, the keyword's value and the instance.
_SIMPLE_MESSAGES = {
    "enum": lambda field, schema, value:
        f"{field}的值“{_short(value)}”不在可选范围内，应为：" + "、".join(str(o) for o in schema["enum"]),
    "const": lambda field, schema, value: f"{field}只能是“{schema['const']}”",
    "minLength": lambda field, schema, value: f"{field}不能为空",
    "maxLength": lambda field, schema, value:
        f"{field}过长（{len(value)} 字），最多 {schema['maxLength']} 字",
    "minItems": lambda field, schema, value: f"{field}至少需要 {schema['minItems']} 项",
    "maxItems": lambda field, schema, value: f"{field}最多 {schema['maxItems']} 项",
    "uniqueItems": lambda field, schema, value: f"{field}中有重复的项",
    "minimum": lambda field, schema, value: f"{field}的值 {value} 不能小于 {schema['minimum']}",
    "maximum": lambda field, schema, value: f"{field}的值 {value} 不能大于 {schema['maximum']}",
}


def _describe(schema: dict) -> dict:
    """A subschema with its $ref followed; its own keywords (a local title) win."""
    if "$ref" not in schema:
        return schema
    target = _referred(schema["$ref"])
    return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}


def _referred(ref: str) -> dict:
    """What ``common.schema.json#/$defs/date`` refers to: our schemas refer to each other's
    ``$defs`` by file name and JSON pointer (RFC 6901) only."""
    file, _, pointer = ref.partition("#")
    node = _schema_file(file)
    for part in pointer.split("/")[1:]:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _schema_at(root: dict, path: list) -> dict:
    """The subschema that describes the value at ``path``, for its title."""
    node = root
    for part in path:
        node = _describe(node)
        node = node.get("items", {}) if isinstance(part, int) else node.get("properties", {}).get(part, {})
    return _describe(node)


def _suggest(name: str, properties: dict) -> str:
    """'did you mean' by spelling, and by the Chinese title a user may have typed instead."""
    titles = {_describe(sub).get("title", ""): key for key, sub in properties.items()}
    for title, key in titles.items():
        if title and (name == title or name in title):
            return f"，是否想写“{key}”（{title}）？"
    close = difflib.get_close_matches(name, list(properties), n=1, cutoff=0.6)
    if close:
        return f"，是否想写“{close[0]}”？"
    return "，可用字段：" + "、".join(properties)


def _short(value, limit: int = 30) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"
