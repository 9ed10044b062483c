"""Reading YAML facts with the position of every value, and editing them in round-trip mode.

Reading uses ruamel.yaml's composer (the C parser when ``ruamel.yaml.clib`` is installed, which
makes checking hundreds of cases fast) and builds plain Python values ourselves so that every key
and value keeps its line and column for messages.  Dates become ISO strings: the schemas check
their form, the rules parse them.  Anything a YAML author can break becomes a ``CaseFileError``
naming the file and line; nothing else escapes.

Writing goes through ruamel.yaml's round-trip mode so comments, key order and quoting survive.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.main import CParser
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from toolkit.errors import CaseFileError

Path_ = tuple  # a path into the data: keys and list indices

#: Largest number of values one file may expand to; guards against alias bombs.
MAX_NODES = 200_000
#: Largest YAML file read: the facts of one step are a few kilobytes; a file of megabytes is a
#: mistake (a scan pasted as text, a wrong file) and would cost seconds and gigabytes to parse.
MAX_FILE_BYTES = 1 << 20
#: Deepest nesting of lists and mappings: case files nest five or six levels.  ruamel.yaml's C
#: parser overflows its stack (a segmentation fault, no message) at some thousands of levels,
#: so depth is measured on the text before the parser sees it.
MAX_DEPTH = 64

_TRANSLATIONS = (
    ("mapping values are not allowed", "此处不能出现“键: 值”（可能缺少缩进，或冒号后少了空格）"),
    ("could not find expected ':'", "找不到应有的冒号“:”"),
    ("did not find expected key", "找不到应有的键（缩进可能不一致）"),
    ("did not find expected '-' indicator", "找不到应有的列表符号“-”（缩进可能不一致）"),
    ("found character '\\t' that cannot start any token", "出现制表符（Tab），YAML 只允许用空格缩进"),
    ("found undefined alias", "引用了未定义的锚点（*别名）"),
    ("found unexpected end of stream", "文件意外结束（引号或括号未闭合）"),
    ("found unknown escape character", "双引号字符串中有无法识别的转义字符"),
    ("expected a single document", "一个文件只能有一个 YAML 文档（去掉多余的“---”）"),
    ("found duplicate anchor", "锚点名称重复"),
    ("while scanning a quoted scalar", "引号没有闭合"),
    ("found unexpected ':'", "出现了多余的冒号"),
    ("expected <block end>, but found", "缩进不一致"),
    ("while parsing a flow", "方括号或花括号没有闭合"),
)


@dataclass
class LoadedFile:
    """One YAML file's data with the 1-based (line, column) of each value and key."""

    path: Path
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The position of ``path``, or of its nearest existing parent."""
        table = self.key_positions if key else self.positions
        while path:
            if path in table:
                return table[path]
            if not key and path in self.key_positions:
                return self.key_positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))


def _fail(path: Path, message: str, line: int | None = None, column: int | None = None):
    raise CaseFileError(message, file=str(path), line=line, column=column)


def _translate(error: MarkedYAMLError) -> str:
    text = f"{error.context or ''} {error.problem or ''}"
    for english, chinese in _TRANSLATIONS:
        if english in text:
            return f"YAML 语法错误：{chinese}"
    return f"YAML 语法错误：{(error.problem or error.context or '无法解析').strip()}"


#: The implicit-tag table of each YAML version, worked out once per process.
_TABLES: dict = {}
#: One Tag object per tag a resolver returns (a node made with a Tag object makes none itself).
_TAGS: dict[str, Tag] = {}


def _compiled(regexp):
    """The pattern itself of ruamel's lazily compiled one (each match through it costs two
    Python calls)."""
    try:
        return regexp.lazy_self()
    except AttributeError:
        return regexp


class _Resolver(VersionedResolver):
    """ruamel.yaml works out the YAML version's tag table again for every scalar (a chain of
    caught AttributeErrors), which is over a third of reading a case.  Case files are YAML 1.2
    throughout, so the version is looked up once per file and its table once per process; a
    tag is one object made once (ruamel makes one per scalar)."""

    @property
    def versioned_resolver(self):
        table = self.__dict__.get("_table")
        if table is None:
            version = self.processing_version
            table = _TABLES.get(version)
            if table is None:
                table = _TABLES[version] = {
                    first: [(tag, _compiled(regexp)) for tag, regexp in resolvers]
                    for first, resolvers in VersionedResolver.versioned_resolver.fget(self).items()}
            self._table = table
        return table

    def resolve(self, kind, value, implicit):
        # VersionedResolver.resolve without path resolvers (none are added), returning shared tags
        if kind is ScalarNode and implicit[0]:
            table = self.versioned_resolver
            resolvers = table.get(value[0] if value else "", ())
            extra = table.get(None)
            for tag, regexp in ([*resolvers, *extra] if extra else resolvers):
                if regexp.match(value):
                    return _shared_tag(tag)
        if self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        if kind is ScalarNode:
            return self.DEFAULT_SCALAR_TAG
        if kind is SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG
        return self.DEFAULT_MAPPING_TAG


_parser = YAML(typ="safe", pure=False)
_parser.Resolver = _Resolver
_STR_TAG = "tag:yaml.org,2002:str"
_DEFAULT_STR_TAG = VersionedResolver.DEFAULT_SCALAR_TAG


def _shared_tag(tag: str) -> Tag:
    shared = _TAGS.get(tag)
    if shared is None:
        shared = _TAGS[tag] = Tag(suffix=tag)
    return shared


_INT_TAG = _shared_tag("tag:yaml.org,2002:int")
_TIMESTAMP_TAG = _shared_tag("tag:yaml.org,2002:timestamp")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _plain_text(node: ScalarNode) -> bool:
    """Whether ``node`` has the resolver's default tag (text), told without making a string of
    its tag; False leaves it to the constructor (which may still find text: ``!!str``)."""
    return getattr(node, "ctag", None) is _DEFAULT_STR_TAG

if CParser is not None:
    class _Loader(CParser, SafeConstructor, _Resolver):
        """ruamel's C reader, scanner, parser and composer with the safe constructor and the
        resolver above: what ``YAML(typ="safe").compose`` puts together for every file (a class
        made per call), made once."""

        def __init__(self, text: str):
            CParser.__init__(self, text)
            self._parser = self._composer = self
            SafeConstructor.__init__(self, loader=self)
            self.allow_duplicate_keys = False
            _Resolver.__init__(self, version=None, loadumper=self)


def _compose(text: str):
    """(the root node of ``text``, the constructor of its scalars)."""
    if CParser is None:  # no ruamel.yaml.clib: the pure-Python parser
        return _parser.compose(text), _parser.constructor
    loader = _Loader(text)
    try:
        return loader.get_single_node(), loader
    finally:
        loader.dispose()


def read_text(path: Path) -> str:
    """The text of a YAML file: a regular file (a symbolic link only to a file in its own
    folder), at most :data:`MAX_FILE_BYTES`, UTF-8."""
    try:
        regular = os.lstat(path)
    except OSError:
        regular = None
    if regular is not None and stat.S_ISREG(regular.st_mode):
        # a regular file, not a link (nearly every file): nothing to resolve or follow
        if regular.st_size > MAX_FILE_BYTES:
            _fail(path, f"文件过大（{regular.st_size / 1048576:.1f} MB，案件文件不超过 "
                        f"{MAX_FILE_BYTES // 1048576} MB）：请检查是否放错了文件")
        return _read_regular(path, path)
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        _fail(path, "文件不存在")
    except (OSError, RuntimeError) as error:  # a loop of links
        _fail(path, f"无法读取文件：{getattr(error, 'strerror', None) or '符号链接循环'}")
    if path.is_symlink() and not resolved.is_relative_to(path.absolute().parent.resolve()):
        # Never follow a link out of the folder: nothing of the target is read or quoted.
        _fail(path, "这是指向所在文件夹以外的符号链接，不予读取；请把文件本身放进案件文件夹")
    try:
        info = resolved.stat()
    except OSError as error:
        _fail(path, f"无法读取文件：{error.strerror}")
    if stat.S_ISDIR(info.st_mode):
        _fail(path, "这里应是文件，却是文件夹")
    if not stat.S_ISREG(info.st_mode):
        _fail(path, "这不是普通文件（设备、管道或套接字），不予读取")
    if info.st_size > MAX_FILE_BYTES:
        _fail(path, f"文件过大（{info.st_size / 1048576:.1f} MB，案件文件不超过 "
                    f"{MAX_FILE_BYTES // 1048576} MB）：请检查是否放错了文件")
    return _read_regular(path, resolved)


def _read_regular(path: Path, resolved: Path) -> str:
    try:
        with open(resolved, "rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        _fail(path, f"无法读取文件：{error.strerror}")
    if len(raw) > MAX_FILE_BYTES:  # grew while being read
        _fail(path, f"文件过大（案件文件不超过 {MAX_FILE_BYTES // 1048576} MB）")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        _fail(path, "文件不是 UTF-8 编码（请在编辑器中另存为 UTF-8）", line)
    return text


#: Keys of case files are ASCII names, so a full-width colon right after one is a mistake of
#: the input method, not text; likewise a full-width space in the indentation, and a full-width
#: comma between the items of a [flow, list].
_FULL_WIDTH_COLON = re.compile(r"^[ ]*(?:- )?[A-Za-z_][A-Za-z0-9_]*[ ]*(：)")
_INDENT_FULL_WIDTH_SPACE = re.compile(r"^[ \u3000]*?(\u3000)")
_BLOCK_START = re.compile(r":[ ]+[|>][-+0-9]*[ ]*(?:#.*)?$|^[ ]*-[ ]+[|>][-+0-9]*[ ]*$")
_FLOW_LIST_VALUE = re.compile(r"^[ ]*(?:- )?[A-Za-z_][A-Za-z0-9_]*:[ ]+\[")


#: Lines :func:`_input_method_mistakes` could stop at (it decides, knowing the blocks).
_MAYBE_MISTAKE = re.compile(r"(?m)^[ ]*(?:- )?[A-Za-z_][A-Za-z0-9_]*(?:[ ]*：|:[ ]+\[[^\n]*，)|^[ \u3000]*?\u3000")
#: Line breaks of str.splitlines other than a line feed: where a pattern over the whole text
#: does not see the lines a loop over ``text.splitlines()`` does.
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _as_lines(text: str) -> str:
    """``text`` with its CR LF line ends as LF: the same lines to str.splitlines and to a
    multi-line pattern."""
    return text.replace("\r\n", "\n") if "\r" in text else text


def _input_method_mistakes(text: str, path: Path) -> None:
    """Full-width punctuation typed where YAML needs its half-width form, reported at its own
    line and column (the parser would notice a line or two later, without naming it)."""
    if _maybe_mistaken(text):  # (nearly every file has no line it could stop at)
        _scan_for_mistakes(text, path)


def _maybe_mistaken(text: str) -> bool:
    probe = _as_lines(text)
    return _MAYBE_MISTAKE.search(probe) is not None or _OTHER_BREAKS.search(probe) is not None


def _scan_for_mistakes(text: str, path: Path) -> None:
    block_indent: int | None = None   # inside a | or > block: its key's indentation
    for number, line in enumerate(text.splitlines(), 1):
        indent = len(line) - len(line.lstrip(" "))
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                continue  # text of the block, where any character is text
            block_indent = None
        if _BLOCK_START.search(line):
            block_indent = indent
        found = _INDENT_FULL_WIDTH_SPACE.match(line)
        if found:
            _fail(path, "缩进中有全角空格“　”（U+3000），YAML 只能用半角空格缩进", number, found.start(1) + 1)
        found = _FULL_WIDTH_COLON.match(line)
        if found:
            _fail(path, "键后用了全角冒号“：”，应改为半角冒号“:”并在其后空一格", number, found.start(1) + 1)
        if _FLOW_LIST_VALUE.match(line):
            column = _unquoted_index(line, "，", line.index("["))
            if column is not None:
                _fail(path, "方括号列表的各项之间用了全角逗号“，”，应改为半角逗号“,”", number, column + 1)


def _unquoted_index(line: str, char: str, start: int) -> int | None:
    """The first ``char`` in ``line`` after ``start`` outside quotes and comments."""
    quote = ""
    for index in range(start, len(line)):
        current = line[index]
        if quote:
            if current == quote:
                quote = ""
        elif current in "\"'":
            quote = current
        elif current == "#" and line[index - 1] == " ":
            return None
        elif current == char:
            return index
    return None


_FLOW_OPEN, _FLOW_CLOSE = "[{", "]}"


def nesting_depth(text: str) -> tuple[int, int]:
    """(an upper bound of the nesting depth of ``text``, the first line reaching it).

    Counts flow brackets outside quotes and comments, block indentation levels and compact
    ``- - -`` entries: cheap, and never less than what the parser would build."""
    deepest, deepest_line = 0, 1
    flow = 0
    indents: list[int] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" ")
        if flow == 0 and stripped and not stripped.startswith("#"):
            indent = len(line) - len(stripped)
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indents[-1] < indent:
                indents.append(indent)
            compact = 0
            while stripped.startswith(("- ", "? ")) or stripped in ("-", "?"):
                compact += 1
                stripped = stripped[2:].lstrip(" ")
            if len(indents) + compact > deepest:
                deepest, deepest_line = len(indents) + compact, number
        quote = ""
        index = 0
        while index < len(line):
            char = line[index]
            if quote == '"':
                if char == "\\":
                    index += 1
                elif char == '"':
                    quote = ""
            elif quote == "'":
                if char == "'":
                    quote = ""
            elif char in "\"'" and (index == 0 or line[index - 1] in " \t[{,:"):
                quote = char
            elif char == "#" and (index == 0 or line[index - 1] in " \t"):
                break
            elif char in _FLOW_OPEN:
                flow += 1
                if len(indents) + flow > deepest:
                    deepest, deepest_line = len(indents) + flow, number
            elif char in _FLOW_CLOSE and flow:
                flow -= 1
            index += 1
    return deepest, deepest_line


_INDENT = re.compile(r"(?m)^[ ]*")
_COMPACT = re.compile(r"(?m)^[ ]*((?:[-?](?:[ ]+|$))+)")


def depth_bound(text: str) -> int | None:
    """A bound of :func:`nesting_depth` that costs a fraction of it (None where the lines of
    ``text`` are not its LF-separated lines): the levels of indentation its stack can hold are
    at most the different indentations of the lines, a line's ``- - -`` at most those at its
    start, the open brackets at most all of them."""
    text = _as_lines(text)
    if _OTHER_BREAKS.search(text) is not None:
        return None
    indents = len(set(_INDENT.findall(text)))
    compact = max((len(found.split()) for found in _COMPACT.findall(text)), default=0)
    return indents + max(compact, text.count("[") + text.count("{"))


def load_yaml(path: Path) -> LoadedFile:
    """Read one YAML file; raise CaseFileError with file and line for anything malformed."""
    return parse_text(read_text(path), path)


def parse_text(text: str, path: Path) -> LoadedFile:
    """The values of YAML ``text`` (read from, or about to be written to, ``path``)."""
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        _fail(path, "文件为空（只有注释或空白），请填写内容或删除该文件", 1)
    for number, line in enumerate(text.splitlines() if "\t" in text else (), 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            _fail(path, "缩进中有制表符（Tab），YAML 只允许用空格缩进", number, indent.index("\t") + 1)
    _input_method_mistakes(text, path)
    bound = depth_bound(text)
    depth, deepest_line = (bound, 1) if bound is not None and bound <= MAX_DEPTH else nesting_depth(text)
    if depth > MAX_DEPTH:
        _fail(path, f"列表或映射嵌套过深（超过 {MAX_DEPTH} 层）：案件文件只需几层，请检查括号是否配对",
              deepest_line)
    try:
        root, constructor = _compose(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        _fail(path, _translate(error), mark.line + 1 if mark else None,
              mark.column + 1 if mark else None)
    except (YAMLError, ValueError, RecursionError) as error:
        _fail(path, f"YAML 无法解析：{error}")
    if root is None:
        _fail(path, "文件为空，请填写内容或删除该文件", 1)
    loaded = LoadedFile(path=path, data=None)
    builder = _Builder(loaded, constructor)
    try:
        loaded.data = builder.build(root, ())
    except RecursionError:
        _fail(path, "嵌套层次过深", root.start_mark.line + 1)
    return loaded


class _Builder:
    """Turn composed nodes into plain values, recording positions on the way."""

    def __init__(self, loaded: LoadedFile, constructor):
        self.loaded = loaded
        self.constructor = constructor
        self.count = 0
        self.active: set[int] = set()  # node ids on the current path: detects alias cycles

    def _position(self, node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def build(self, node, path: Path_) -> Any:
        self.count += 1
        mark = node.start_mark
        position = mark.line + 1, mark.column + 1
        if self.count > MAX_NODES:
            _fail(self.loaded.path, f"内容过多（超过 {MAX_NODES} 个值，含别名展开）", *position)
        self.loaded.positions[path] = position
        if isinstance(node, ScalarNode):
            # most values are plain text: the resolver's one default tag, no constructor
            return node.value if _plain_text(node) else self._scalar(node)
        if id(node) in self.active:
            _fail(self.loaded.path, "锚点与别名构成了循环引用", *position)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
        finally:
            self.active.discard(id(node))
        _fail(self.loaded.path, "无法识别的 YAML 内容", *position)

    def _mapping(self, node: MappingNode, path: Path_) -> dict:
        result: dict[str, Any] = {}
        key_positions = self.loaded.key_positions
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and _plain_text(key_node):
                key = key_node.value
            else:
                if not isinstance(key_node, ScalarNode):
                    _fail(self.loaded.path, "键必须是简单的文字", *self._position(key_node))
                if key_node.tag == "tag:yaml.org,2002:merge":
                    _fail(self.loaded.path, "不支持合并键“<<”，请直接写出各字段", *self._position(key_node))
                key = str(self._scalar(key_node))
            where = (*path, key)
            if key in result:
                first = key_positions[where]
                _fail(self.loaded.path, f"键“{key}”重复（第一次出现在第 {first[0]} 行）",
                      *self._position(key_node))
            key_positions[where] = self._position(key_node)
            result[key] = self.build(value_node, where)
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        tag = getattr(node, "ctag", None)
        value = node.value
        if tag is _INT_TAG and value.isascii() and value.isdigit() and (value[0] != "0" or value == "0"):
            return int(value)  # what the constructor makes of a plain decimal number
        if tag is _TIMESTAMP_TAG and _ISO_DATE.fullmatch(value):
            try:
                dt.date.fromisoformat(value)
                return value   # a date read as itself (an impossible one: the constructor says so)
            except ValueError:
                pass
        if node.tag == _STR_TAG:  # most values: skip the constructor
            return node.value
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError, YAMLError) as error:
            if (node.tag or "").endswith(":timestamp"):
                _fail(self.loaded.path, f"日期“{node.value}”不存在（请检查年月日）",
                      *self._position(node))
            _fail(self.loaded.path, f"无法解析的值“{node.value}”：{error}", *self._position(node))
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, bytes):
            _fail(self.loaded.path, "不支持二进制（!!binary）内容", *self._position(node))
        return value


# --- round-trip editing -------------------------------------------------------------------


def round_trip() -> YAML:
    yaml = YAML()  # round-trip: comments, key order and quoting survive a load/dump cycle
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never re-wrap long Chinese lines
    return yaml


def parse_scalar(text: str) -> Any:
    """A value typed on the command line, read as YAML would read it (3 → int, 2025-03-01 → date)."""
    try:
        value = YAML(typ="safe", pure=True).load(text)
    except (YAMLError, ValueError):
        return text
    return value if isinstance(value, (str, int, float, bool, dt.date)) else text
