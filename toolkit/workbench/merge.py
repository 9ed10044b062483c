"""The form's values merged into the YAML text in place: what the clerk did not change stays
byte for byte.

Rules (docs/workbench.md):

* nothing changed → the original text, byte-identical;
* a changed value is replaced where it stands: key order, comments, quotes and flow/block style
  kept; a folded (``>-``) or literal (``|``) scalar keeps its style and, for folded text, its line
  breaks where the text around them did not change;
* a new key goes to its schema position, and a commented scaffold placeholder for it
  (``# statement: ""``) is uncommented in place (``toolkit.case.edit``, as ``rcmz set`` does);
* dates are written as ``YYYY-MM-DD`` (a date, never a datetime);
* a key the schema knows that the form no longer has is deleted; keys the schema does not know
  are kept; comments that a deletion removes are reported so the clerk confirms first.

List items of objects carry the index they had when the form was opened (:class:`FormItem`), so
an edited, moved or deleted item keeps its own comments.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    PlainScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken

from toolkit.case.edit import _insert, _uncomment_placeholder
from toolkit.case.schema import _describe
from toolkit.case.yamlio import round_trip


class FormItem(dict):
    """A list item of objects as the form posted it, with its index in the opened file (None: new)."""

    def __init__(self, values: dict, origin: int | None = None):
        super().__init__(values)
        self.origin = origin


@dataclass
class Merged:
    text: str
    changed: bool
    lost_comments: list[str] = field(default_factory=list)


def plain(value: Any) -> Any:
    """Round-trip (ruamel) values as the loader gives them: dates as ISO strings, plain types."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def same(a: Any, b: Any) -> bool:
    """Equal as the loader would read them, types included (``1`` is not ``true``)."""
    return json.dumps(plain(a), sort_keys=True, ensure_ascii=False, default=str) == \
        json.dumps(plain(b), sort_keys=True, ensure_ascii=False, default=str)


class MergeError(Exception):
    """The merged text would not read back as the values (never written)."""


_style = threading.local()


def merge(text: str, new: dict, schema: dict, parsed: Any = None) -> Merged:
    """``text`` with the values of ``new`` (plain data, :class:`FormItem` for object list items).

    The result is read back and compared with ``new``: a plain scalar that the emitter wrote
    ambiguously (``:0`` inside a flow mapping) is written again with every new text quoted.
    ``parsed``: a fresh round-trip load of ``text`` to merge into (the caller's cached copy)."""
    for quote in (False, True):
        _style.quote = quote
        try:
            merged = _merge(text, new, schema, parsed if not quote else None)
        finally:
            _style.quote = False
        if not merged.changed or _reads_back(merged.text, new):
            return merged
    raise MergeError("merged text does not read back as the form's values")


def _reads_back(text: str, new: dict) -> bool:
    try:
        return same(YAML(typ="safe").load(text), new)  # the C parser, as the loader uses
    except Exception:  # noqa: BLE001 — any parse failure means: not this text
        return False


def _merge(text: str, new: dict, schema: dict, parsed: Any = None) -> Merged:
    yaml = round_trip()
    original = parsed if parsed is not None else yaml.load(text)
    if same({} if original is None else original, new):  # (a scaffold of comments only is {})
        return Merged(text, False)
    prepared = text
    if isinstance(original, dict):
        for path in _new_paths(original, new, ()):
            prepared = _uncomment_placeholder(prepared, list(path))
    document = yaml.load(prepared) if prepared != text else original
    keep = ""
    if document is None:  # only comments, and no placeholder for what is new: add below them
        document, keep = CommentedMap(), prepared if prepared.endswith("\n") else prepared + "\n"
    if not isinstance(document, dict):
        document = CommentedMap()
    _merge_map(document, new, _describe(schema))
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    out = keep + buffer.getvalue()
    lost = list((Counter(comments(prepared)) - Counter(comments(out))).elements())
    return Merged(out, out != text, lost)


def _new_paths(old: Any, new: Any, path: tuple) -> list[tuple]:
    """Paths of keys that ``new`` adds to mappings of ``old`` (not inside list items)."""
    out: list[tuple] = []
    if not isinstance(new, dict) or isinstance(new, FormItem):
        return out
    for key, value in new.items():
        if not isinstance(old, dict) or key not in old or old[key] is None:
            out.append(path + (key,))
            if isinstance(value, dict) and not isinstance(value, FormItem):
                out.extend(_new_paths({}, value, path + (key,)))
        else:
            out.extend(_new_paths(old[key], value, path + (key,)))
    return out


def _properties(schema: dict | None) -> dict:
    return (schema or {}).get("properties", {})


def _merge_map(node: CommentedMap, new: dict, schema: dict | None) -> CommentedMap:
    properties = _properties(schema)
    for key in [k for k in node if k in properties and k not in new]:
        keys = list(node)
        previous = keys[keys.index(key) - 1] if keys.index(key) > 0 else None
        following = _take_following(node, key)
        del node[key]
        if previous is not None:
            _add_following(node, previous, following)
    for key, value in new.items():
        sub = _describe(properties.get(key, {}))
        if key in node and node[key] is not None:
            merged = _merge_value(node[key], value, sub)
            if merged is not node[key]:
                node[key] = merged
        elif key in node:
            node[key] = _fresh(value, sub)
        else:
            _insert(node, key, _fresh(value, sub), schema)
            keys = list(node)
            index = keys.index(key)
            if index > 0:  # the comment lines after the previous key head what follows: keep them below
                _add_following(node, key, _take_following(node, keys[index - 1]))
    return node


# The comment lines after an element (the next field's heading, a scaffold placeholder) hang on
# the last key inside it; when the element is deleted or another goes after it, they move along.


def _tail(container, key):
    value = container[key]
    while isinstance(value, (dict, list)) and len(value) and not value.fa.flow_style():
        container, key = value, (list(value)[-1] if isinstance(value, dict) else len(value) - 1)
        value = container[key]
    return container, key


def _token(container, key):
    if not isinstance(container, dict):
        return None
    entry = container.ca.items.get(key)
    return entry[2] if entry and len(entry) > 2 else None


def _take_following(container, key) -> str:
    """Remove and return the comment lines after the element at ``key`` (not its own
    end-of-line comment)."""
    token = _token(*_tail(container, key))
    if token is None or "\n" not in token.value:
        return ""
    cut = token.value.index("\n") + 1
    following, token.value = token.value[cut:], token.value[:cut]
    return following


def _add_following(container, key, text: str) -> None:
    if not text:
        return
    target, last = _tail(container, key)
    token = _token(target, last)
    if token is not None:
        token.value = token.value + text
    elif isinstance(target, CommentedMap):
        target.ca.items.setdefault(last, [None, None, None, None])
        target.ca.items[last][2] = CommentToken("\n" + text, CommentMark(0), None)


def _merge_value(old: Any, new: Any, schema: dict) -> Any:
    if same(old, new) and not _reordered(new):
        return old
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        return _merge_map(old, new, schema)
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        items = _describe(schema.get("items", {}))
        if any(isinstance(item, dict) for item in new):
            return _merge_items(old, new, items)
        return _merge_scalars(old, new, items)
    return _scalar(old, new, schema)


def _reordered(new: Any) -> bool:
    """Whether identical-looking items were moved (their origins out of order)."""
    if isinstance(new, list):
        origins = [item.origin for item in new if isinstance(item, FormItem)]
        return origins != sorted(o for o in origins if o is not None) or any(_reordered(i) for i in new)
    if isinstance(new, dict):
        return any(_reordered(v) for v in new.values())
    return False


def _merge_items(old: CommentedSeq, new: list, schema: dict) -> CommentedSeq:
    result: list[Any] = []
    origins: list[int | None] = []
    for position, item in enumerate(new):
        origin = item.origin if isinstance(item, FormItem) else position  # plain dicts: in place
        if origin is not None and 0 <= origin < len(old) and isinstance(old[origin], dict) \
                and origin not in origins:
            result.append(_merge_map(old[origin], item, schema))
            origins.append(origin)
        else:
            result.append(_fresh(item, schema))
            origins.append(None)
    if origins == list(range(len(old))):
        return old  # the same items in the same order, each merged in place
    if old and result and (origins[-1] != len(old) - 1):
        following = _take_following(old, len(old) - 1)
        if isinstance(result[-1], dict) and result[-1]:
            _add_following(result[-1], list(result[-1])[-1], following)
    seq = CommentedSeq(result)
    if old.fa.flow_style():
        seq.fa.set_flow_style()
    comments = getattr(old, "ca", None)
    if comments is not None:
        seq.ca.comment = comments.comment
        seq.ca.end = comments.end
        for index, origin in enumerate(origins):
            if origin is not None and origin in comments.items:
                seq.ca.items[index] = comments.items[origin]
    return seq


def _merge_scalars(old: CommentedSeq, new: list, schema: dict) -> CommentedSeq:
    """A list of scalars changed in place, so a flow list ``[1, 3]`` stays a flow list."""
    values = [_scalar(old[i] if i < len(old) else None, value, schema) for i, value in enumerate(new)]
    while len(old) > len(values):
        del old[len(old) - 1]
    for index, value in enumerate(values):
        if index < len(old):
            if not same(old[index], value):
                old[index] = value
        else:
            old.append(value)
    return old


def _scalar(old: Any, new: Any, schema: dict) -> Any:
    if old is not None and same(old, new):
        return old
    if isinstance(new, (dict, list)):
        return _fresh(new, schema)
    if not isinstance(new, str):
        return new
    if schema.get("format") == "date" and _iso_date(new):
        return dt.date.fromisoformat(new)
    if "\n" in new:
        return LiteralScalarString(new)
    if isinstance(old, FoldedScalarString):
        return _folded(old, new)
    if isinstance(old, LiteralScalarString):
        return LiteralScalarString(new)
    for style in (SingleQuotedScalarString, DoubleQuotedScalarString):
        if isinstance(old, style) and str(old):  # a scaffold's "" is a placeholder, not a style
            return style(new)
    # (a plain str would inherit the quotes of the value it replaces; the emitter still quotes a
    # plain scalar that would read back as something else, e.g. '2025' or 'true')
    if getattr(_style, "quote", False) or not new:
        return DoubleQuotedScalarString(new)
    return PlainScalarString(new)


def _folded(old: FoldedScalarString, new: str) -> FoldedScalarString:
    """The new text folded where the old one was, wherever the text around a break is unchanged."""
    out = FoldedScalarString(new)
    positions = []
    matcher = difflib.SequenceMatcher(None, str(old), new, autojunk=False)
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag != "equal":
            continue
        for position in getattr(old, "fold_pos", []):
            if i1 <= position < i2:
                mapped = j1 + position - i1
                if 0 < mapped < len(new) - 1 and new[mapped] == " " \
                        and not new[mapped - 1].isspace() and not new[mapped + 1].isspace():
                    positions.append(mapped)
    if positions:
        out.fold_pos = sorted(set(positions))
    return out


def _fresh(value: Any, schema: dict) -> Any:
    """A value the file does not have yet, in the style the examples use."""
    schema = _describe(schema or {})
    if isinstance(value, dict):
        mapping = CommentedMap()
        properties = _properties(schema)
        order = [k for k in properties if k in value] + [k for k in value if k not in properties]
        for key in order:
            mapping[key] = _fresh(value[key], _describe(properties.get(key, {})))
        return mapping
    if isinstance(value, list):
        items = _describe(schema.get("items", {}))
        seq = CommentedSeq([_fresh(item, items) for item in value])
        if not value or all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in value):
            seq.fa.set_flow_style()
        return seq
    return _scalar(None, value, schema)


def _iso_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


# --- comments --------------------------------------------------------------------------------


#: A key or list item whose value is a literal or folded block (``key: |``, ``- >-``, ``key: |2+``).
_BLOCK_START = re.compile(r"(?:^|:|-)\s+[|>][1-9+-]*\s*$|^\s*[|>][1-9+-]*\s*$")


def comments(text: str) -> list[str]:
    """Every comment of ``text``: whole comment lines and end-of-line comments (outside quotes
    and outside the text of ``|`` and ``>`` blocks, where a ``#`` is a character)."""
    found = []
    block_indent: int | None = None     # the indentation of the line that opened a block
    for line in text.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if block_indent is not None:
            if not stripped or indent > block_indent:
                continue
            block_indent = None
        if stripped.startswith("#"):
            found.append(stripped)
            continue
        index = _comment_start(line)
        if index is not None:
            found.append(line[index:].strip())
        if _BLOCK_START.search(line if index is None else line[:index]):
            block_indent = indent
    return found


def _comment_start(line: str) -> int | None:
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        # a quote opens a quoted scalar only where a value starts (after a space, [, { or ,):
        # in ``a: b:'c`` or ``- -'c`` it is a character of a plain scalar
        elif char in "\"'" and (index == 0 or line[index - 1] in " \t[{,"):
            quote = char
        elif char == "#" and index > 0 and line[index - 1] in " \t":
            return index
    return None


# --- diffs -----------------------------------------------------------------------------------


def diff_lines(before: str, after: str) -> list[tuple[str, int | None, int | None, str]]:
    """(kind, old line no, new line no, text) for the changed lines and one line of context;
    kind is ``-``, ``+``, `` `` or ``…``."""
    old, new = before.splitlines(), after.splitlines()
    out: list[tuple[str, int | None, int | None, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(1):
        if out:
            out.append(("…", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend((" ", i1 + k + 1, j1 + k + 1, old[i1 + k]) for k in range(i2 - i1))
                continue
            out.extend(("-", i + 1, None, old[i]) for i in range(i1, i2))
            out.extend(("+", None, j + 1, new[j]) for j in range(j1, j2))
    return out
