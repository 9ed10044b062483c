"""Rules on the values themselves: what a document cannot show or no font can print.

A value can pass its schema and still break a document later, far from its cause: a NUL or an
escape character, a bidirectional override (U+202E makes text display in another order than it
reads), a character none of the fonts has (𪚥, an emoji).  These rules find them at
``rcmz check``, each as a located problem naming the file, line, field and code point, before
anything renders.  (Lengths are the schemas' ``maxLength``: schemas/common.schema.json.)

* Control characters: C0 and C1 controls and DEL, except a tab or a line break inside a ``|``
  or ``>`` block (where a line break is the paragraph break docs/case-files.md asks for);
  bidirectional embeddings, overrides, isolates and marks; line and paragraph separators
  (U+2028/2029); a byte-order mark inside text; lone surrogates; non-characters.
* Characters no font can print: checked against every font role's chain
  (:mod:`toolkit.render.coverage`, no PDF library loaded); a path (an attachment's ``file``) is
  not printed and not checked for fonts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from weakref import WeakKeyDictionary

from toolkit.case.model import Case
from toolkit.case.problems import Problem
from toolkit.case.yamlio import LoadedFile, read_text
from toolkit.errors import CaseFileError
from toolkit.rules.checks import Context, rule

RULE = "字符"

#: Characters no document should carry (tab and line feed are judged by where they stand).
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"          # C0 (but tab, line feed), DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"   # bidirectional marks, embeddings, overrides, isolates
    "\u2028\u2029\ufeff\ufff9-\ufffb"        # separators, BOM, interlinear annotation
    "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")  # lone surrogates, non-characters
_LAYOUT = re.compile("[\t\n]")

#: Names for the characters unicodedata does not name.
_CONTROL_NAMES = {
    0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x09: "TAB（制表符）", 0x0A: "LF（换行）", 0x0B: "VT",
    0x0C: "FF（换页）", 0x0D: "CR（回车）", 0x1B: "ESC", 0x7F: "DEL", 0x85: "NEL",
}

#: Role names for messages (as toolkit.render.fonts.ROLE_NAMES; not imported: it is not needed
#: to check a case that has no unprintable character).
_ROLE_NAMES = {"fangsong": "仿宋", "xiaobiaosong": "小标宋", "heiti": "黑体", "kaiti": "楷体", "songti": "宋体"}

#: Characters listed per value at most; more are counted.
_LISTED = 5


def strings(value, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(path, text) of every string in a loaded YAML value, depth first."""
    stack = [(path, value)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            stack.extend([((*path, key), item) for key, item in value.items()][::-1])
        elif isinstance(value, list):
            stack.extend([((*path, index), item) for index, item in enumerate(value)][::-1])


def _describe(ch: str) -> str:
    code = ord(ch)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(ch, "") or (
        "控制字符" if unicodedata.category(ch) == "Cc" else "")
    return f"U+{code:04X}" + (f" {name}" if name else "")


class _Source:
    """The text of a case file, read again only when a problem needs a precise line."""

    def __init__(self, loaded: LoadedFile):
        self.loaded = loaded
        self._lines: list[str] | None = None

    def lines(self) -> list[str]:
        if self._lines is None:
            try:
                self._lines = read_text(Path(self.loaded.path)).splitlines()
            except CaseFileError:
                self._lines = []
        return self._lines

    def is_block(self, path: tuple) -> str:
        """``|`` or ``>`` when the value at ``path`` is a block scalar, else ""."""
        line, column = self.loaded.where(path)
        lines = self.lines()
        if not 0 < line <= len(lines):
            return ""
        text = lines[line - 1][column - 1:]
        indicator = text.lstrip()[:1]
        return indicator if indicator in ("|", ">") else ""

    def locate(self, path: tuple, text: str, index: int) -> tuple[int, int]:
        """The (line, column) of ``text[index]`` in the file, as near as the scalar style lets
        it be known: exact in a ``|`` block and on a single line, else the value's start."""
        line, column = self.loaded.where(path)
        ch = text[index]
        lines = self.lines()
        if self.is_block(path) and 0 < line <= len(lines):
            # the block's lines follow its indicator, indented deeper than the key's line
            head = lines[line - 1]
            indent = len(head) - len(head.lstrip(" "))
            skip = text.count(ch, 0, index)  # earlier occurrences of the same character
            for number in range(line + 1, len(lines) + 1):
                row = lines[number - 1]
                if row.strip() and len(row) - len(row.lstrip(" ")) <= indent:
                    break
                start = 0
                while (found := row.find(ch, start)) >= 0:
                    if skip == 0:
                        return number, found + 1
                    skip -= 1
                    start = found + 1
            return line, column
        if "\n" not in text and 0 < line <= len(lines):
            found = lines[line - 1].find(ch, column - 1)
            if found >= 0:
                return line, found + 1
        return line, column


def _problem(case: Case, step: str, path: tuple, position: tuple[int, int], message: str) -> Problem:
    return replace(case.problem(step, path, RULE, message), line=position[0], column=position[1])


@rule
def no_control_characters(case: Case, context: Context):
    """Control and bidirectional-formatting characters: a document cannot show them, and an
    override makes it show something other than what it says."""
    for step, loaded in case.files.items():
        source = _Source(loaded)
        for path, text in context.strings(loaded):
            found = _FORBIDDEN.search(text)
            if found is None and _LAYOUT.search(text) and not source.is_block(path):
                found = _LAYOUT.search(text)
            if found is None:
                continue
            ch = found.group()
            if ch in "\t\n":
                what = "制表符（U+0009）" if ch == "\t" else "换行（U+000A）"
                message = (f"含{what}：制表符和换行只能写在 | 块中（较长的文字用 | 块，每段一行）；"
                           "请改用 | 块，或删去该字符")
            elif "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069" or ch in "\u200e\u200f\u061c":
                message = (f"含双向文字控制符 {_describe(ch)}（第 {found.start() + 1} 个字符）：会使文字的显示顺序"
                           "与实际内容不符，不得出现在公文中；请删除（常见于从网页或聊天软件复制的文字）")
            else:
                message = (f"含控制字符 {_describe(ch)}（第 {found.start() + 1} 个字符）：文书中无法显示，"
                           "请删除（常见于从其他系统复制的文字）")
            yield _problem(case, step, path, source.locate(path, text, found.start()), message)


#: Per coverage, the characters this rule passes over: printable in every role, or judged by
#: another rule (spaces, control characters).
_printable: WeakKeyDictionary = WeakKeyDictionary()


@rule
def printable_characters(case: Case, context: Context):
    """Every character of a value that a document prints must be in some font of every role."""
    coverage = context.coverage
    if coverage is None:
        return
    fine = _printable.setdefault(coverage, set())
    for step, loaded in case.files.items():
        source = _Source(loaded)
        for path, text in context.strings(loaded):
            if path and path[-1] == "file":
                continue  # a path, not printed
            chars = set(text)
            if chars <= fine:
                continue  # every character printable (or not judged here) already
            for ch in chars - fine:
                if ch.isspace() or _FORBIDDEN.match(ch) or not coverage.missing_roles(ch):
                    fine.add(ch)
            if chars <= fine:
                continue
            missing: dict[str, tuple[int, tuple[str, ...]]] = {}
            for index, ch in enumerate(text):
                if ch in missing or ch.isspace() or _FORBIDDEN.match(ch):
                    continue
                roles = coverage.missing_roles(ch)
                if roles:
                    missing[ch] = (index, roles)
            if not missing:
                continue
            first, (index, roles) = next(iter(missing.items()))
            listed = "、".join(f"“{ch}”（U+{ord(ch):04X}）" for ch in list(missing)[:_LISTED])
            more = f"等 {len(missing)} 个字符" if len(missing) > _LISTED else ""
            which = "、".join(_ROLE_NAMES.get(r, r) for r in roles)
            yield _problem(case, step, path, source.locate(path, text, index),
                           f"字符{listed}{more}无法排印：{which}字体均不含{'此字' if len(missing) == 1 else '这些字'}"
                           "（生成文书时会失败）；请在 bureau.yaml 的 fonts 一节加入含此字的字体"
                           "（rcmz fonts 查看各角色所用字体），或改用常用字、图片附件")
