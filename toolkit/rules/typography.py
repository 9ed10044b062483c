"""Typography of the facts: what the documents would print differently from what was typed.

GB/T 9704 text uses full-width brackets and no spaces between Chinese characters.  The
renderer normalises both (:func:`toolkit.text.normalize_typography`: ``(试行)`` → ``（试行）``,
``局组织处 沈某`` → ``局组织处沈某``); ``rcmz check`` warns where the facts or ``bureau.yaml``
carry them, so that the YAML says what the page says.  Warnings only: nothing is wrong with
the case.
"""

from __future__ import annotations

import os
from functools import cache, lru_cache
from pathlib import Path

from toolkit.case.model import Case, display_path
from toolkit.case.problems import Problem, dotted
from toolkit.case.yamlio import LoadedFile, load_yaml
from toolkit.config import find_config
from toolkit.rules.checks import Context, rule
from toolkit.rules.values import strings
from toolkit.text import normalize_typography, typography_slips

RULE = "公文格式"


def _message(value: str) -> str:
    slips = "、".join(typography_slips(value))
    shown = normalize_typography(value)
    if len(shown) > 30:
        shown = shown[:30] + "……"
    return f"含{slips}；文书中排为“{shown}”，建议在此照样改写（全角括号，汉字之间不留空格）"


def _typed(loaded: LoadedFile, path: tuple, value: str, lines: list[str]) -> str:
    """What was typed for ``value``: a folded block (``>-``) joins its lines with spaces that
    nobody typed (and that compose removes), so such a block is judged line by line."""
    line, column = loaded.where(path)
    if not 0 < line <= len(lines):
        return value
    head = lines[line - 1][column - 1:].lstrip()
    if not head.startswith(">"):
        return value
    indent = len(lines[line - 1]) - len(lines[line - 1].lstrip())
    body = []
    for text in lines[line:]:
        if text.strip() and len(text) - len(text.lstrip()) <= indent:
            break
        body.append(text.strip())
    return "\n".join(body)


def _may_slip(value: str) -> bool:
    """Whether ``value`` has what every slip needs (a half-width bracket or a space): most
    values have neither, and need not meet the patterns."""
    return "(" in value or ")" in value or " " in value


@rule
def typography_of_the_facts(case: Case, context: Context):
    """GB/T 9704 typography: half-width brackets or ASCII spaces in Chinese text."""
    for step, loaded in case.files.items():
        lines: list[str] | None = None
        for path, value in context.strings(loaded):
            if path and path[0] == "attachments":
                continue                    # file names and paths
            if not _may_slip(value) or not typography_slips(value):
                continue
            if lines is None:
                lines = loaded.path.read_text(encoding="utf-8").splitlines()
            if typography_slips(_typed(loaded, path, value, lines)):
                yield case.problem(step, path, RULE, _message(value), "warning")
    config = find_config(case.folder)
    if config is not None:
        yield from _config_warnings(config, config.stat().st_mtime_ns, os.getcwd())


@cache
def _loaded(path: Path, modified: int) -> LoadedFile:
    return load_yaml(path)


NOT_TEXT = ("fonts", "signing", "templates", "calendar", "docx_shell")


@lru_cache(maxsize=16)
def _config_warnings(path: Path, modified: int, working_folder: str) -> tuple[Problem, ...]:
    """The warnings of ``bureau.yaml`` (the same for every case it governs: worked out once per
    version of it, and per working folder, which the messages' file name is relative to)."""
    loaded = _loaded(path, modified)
    out = []
    for where, value in strings(loaded.data):
        if where and where[0] in NOT_TEXT:
            continue                        # file names and paths
        if typography_slips(value) and typography_slips(
                _typed(loaded, where, value, path.read_text(encoding="utf-8").splitlines())):
            line, column = loaded.where(where)
            out.append(Problem(display_path(path), line, column, dotted(where), RULE, _message(value),
                               "warning"))
    return tuple(out)
