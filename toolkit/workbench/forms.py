"""Forms generated from the JSON Schemas (the only field definition), and the posted form read
back into values for :mod:`toolkit.workbench.merge`.

``title`` → label, ``description`` → help, ``enum`` → select, ``format: date`` → date input,
article item numbers (``x-rcmz-articles``) → selects or checkboxes showing the article's text,
lists of objects → repeated fieldsets with add / remove / move, optional objects → a checkbox that
adds or removes them.  UI hints live in the schemas as ``x-rcmz-*`` keywords:

* ``x-rcmz-widget``: ``textarea`` (long text), ``lines`` (a list of strings, one per line);
* ``x-rcmz-articles``: the article whose items a number refers to (6, 7, 8 or 10).

Input names follow the data: ``unit_opinion.text``, ``situations[o1].facts`` for the item that
was at index 1 when the form was opened (``n…`` for an item added in the browser), and
``situations[]`` lists the items in their order on the page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toolkit.case.schema import _describe
from toolkit.rules.articles import CONDITIONS, EXCLUSIONS, RESULT_USES, SITUATIONS, cite
from toolkit.workbench import strings as T
from toolkit.workbench.merge import FormItem

ARTICLES = {6: SITUATIONS, 7: CONDITIONS, 8: EXCLUSIONS, 10: RESULT_USES}


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()

#: (path without list indexes, ISO date) → the note shown beside a date input.
DateNote = Callable[[tuple, str], str]


@dataclass
class Item:
    key: str
    number: str          # 第 N 项 (renumbered by the page's script after add / remove / move)
    rest: str            # ：第六条第（一）项 …, or （新增）
    fields: list[Field]
    name: str

    @property
    def label(self) -> str:
        return self.number + self.rest

    @property
    def id(self) -> str:
        return input_id(self.name)


@dataclass
class Field:
    kind: str            # text textarea date integer number select bool lines checks object list keep
    name: str
    label: str
    help: str = ""
    required: bool = False
    value: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    children: list[Field] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    template: Item | None = None
    depth: int = 0       # lists of objects above this field (the __KEYn__ placeholder of new items)
    optional: bool = False
    present: bool = True
    placeholder: str = ""
    note: str = ""
    unknown: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return input_id(self.name)


def input_id(name: str) -> str:
    return "f-" + name.replace(".", "--").replace("[", "-").replace("]", "")


def display(value: Any) -> str:
    """A value as its input shows it (the form posts this text back when nothing changed)."""
    if value is None or value is MISSING:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "\n".join(display(item) for item in value)
    return str(value)


def label_of(schema: dict, key: str) -> str:
    """The schema's Chinese title; ``x-rcmz-label`` where a field has none."""
    return schema.get("title") or schema.get("x-rcmz-label") or key


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _types(schema: dict) -> list[str]:
    kind = schema.get("type")
    return kind if isinstance(kind, list) else [kind] if kind else []


def _articles(schema: dict) -> dict[int, str] | None:
    article = schema.get("x-rcmz-articles")
    return ARTICLES.get(int(article)) if article is not None else None


def article_options(schema: dict) -> list[tuple[str, str]]:
    article = int(schema["x-rcmz-articles"])
    return [(str(number), f"{cite(article, number)}：{text}") for number, text in ARTICLES[article].items()]


def widget(schema: dict, value: Any = MISSING) -> str:
    hint = schema.get("x-rcmz-widget")
    types = _types(schema)
    if "object" in types and "properties" in schema:
        return "object"
    if "string" in types and "array" in types and not isinstance(value, list):
        return "textarea"  # a text-or-list field (points) holding text stays text
    if "array" in types:
        items = _describe(schema.get("items", {}))
        if "object" in _types(items) and "properties" in items:
            return "list"
        if _articles(items) is not None:
            return "checks"
        return "lines"
    if "enum" in schema:
        return "select"
    if _articles(schema) is not None:
        return "article"
    if schema.get("format") == "date":
        return "date"
    if "integer" in types:
        return "integer"
    if "number" in types:
        return "number"
    if "boolean" in types:
        return "bool"
    if hint == "textarea" or (isinstance(value, str) and ("\n" in value or len(value) > 60)):
        return "textarea"
    return "text"


def _fits(kind: str, value: Any) -> bool:
    """Whether the widget can show ``value`` and post it back unchanged."""
    if value is MISSING or value is None:
        return True
    if kind in ("object",):
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list) and all(isinstance(item, dict) for item in value)
    if kind == "checks":
        return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value) \
            and len(set(value)) == len(value)
    if kind == "lines":
        return isinstance(value, list) and all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) and "\n" not in str(v)
            and str(v) == str(v).strip() and str(v) for v in value)
    return not isinstance(value, (dict, list))


def _iso(value: Any) -> bool:
    """A value a date input can show: a real YYYY-MM-DD date."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def summary_of(value: Any, schema: dict) -> str:
    """A list item's label after 「第 N 项：」: its article item, else its first text."""
    if not isinstance(value, dict):
        return ""
    properties = schema.get("properties", {})
    parts = []
    for key, sub in properties.items():
        sub = _describe(sub)
        item = value.get(key)
        if item in (None, "") or isinstance(item, (dict, list)):
            continue
        if _articles(sub) is not None and isinstance(item, int) and not isinstance(item, bool):
            parts.append(cite(int(sub["x-rcmz-articles"]), item))
        elif isinstance(item, str):
            parts.append(item if len(item) <= 24 else item[:24] + "…")
        if len(parts) == 2:
            break
    return " ".join(parts)


class FormBuilder:
    """The field tree of one step file."""

    def __init__(self, schema: dict, date_note: DateNote | None = None):
        self.schema = _describe(schema)
        self.date_note = date_note

    def build(self, data: Any) -> Field:
        root = self._object("", self.schema, data if isinstance(data, dict) else {}, "", True, 0, ())
        return root

    def _object(self, key: str, schema: dict, value: dict, name: str, required: bool, depth: int,
                path: tuple) -> Field:
        node = Field("object", name, label_of(schema, key), schema.get("description", ""),
                     required, depth=depth)
        required_keys = set(schema.get("required", []))
        properties = schema.get("properties", {})
        for child, sub in properties.items():
            sub = _describe(sub)
            node.children.append(self._field(child, sub, value.get(child, MISSING), _join(name, child),
                                             child in required_keys, depth, path + (child,)))
        node.unknown = [k for k in value if k not in properties]
        return node

    def _field(self, key: str, schema: dict, value: Any, name: str, required: bool, depth: int,
               path: tuple) -> Field:
        kind = widget(schema, value)
        if kind == "date" and value not in (MISSING, None, "") and not _iso(value):
            kind = "text"  # a date input would blank a value it cannot show
        if kind in ("integer", "number") and value not in (MISSING, None) and \
                (isinstance(value, bool) or not isinstance(value, (int, float))):
            kind = "text"
        if not _fits(kind, value):
            return Field("keep", name, label_of(schema, key), schema.get("description", ""), required,
                         value=display(value) if not isinstance(value, (dict, list)) else "")
        if kind == "object":
            node = self._object(key, schema, value if isinstance(value, dict) else {}, name, required,
                                depth, path)
            node.optional = not required
            node.present = required or value is not MISSING
            return node
        if kind == "list":
            return self._list(key, schema, value, name, required, depth, path)
        node = Field(kind, name, label_of(schema, key), schema.get("description", ""), required,
                     value=display(value), depth=depth)
        examples = schema.get("examples") or []
        if examples and kind in ("text", "textarea", "integer", "number"):
            node.placeholder = T.EXAMPLE.format(example=examples[0])
        if kind == "select":
            titles = schema.get("x-enum-titles") or {}
            node.options = [(str(option), f"{titles[option]}（{option}）" if option in titles else str(option))
                            for option in schema["enum"]]
        elif kind == "article":
            node.options = article_options(schema)
        elif kind == "bool":
            node.options = [("true", T.YES), ("false", T.NO)]
        elif kind == "checks":
            node.options = article_options(_describe(schema.get("items", {})))
            node.checked = {str(v) for v in (value or [])}
        elif kind == "lines":
            node.help = "；".join(p for p in (node.help, T.LINES_HELP) if p)
        elif kind == "date" and self.date_note and node.value:
            node.note = self.date_note(path, node.value)
        if kind in ("select", "article", "bool") and node.value and node.value not in {v for v, _ in node.options}:
            node.options.append((node.value, T.CURRENT_VALUE.format(value=node.value)))
        return node

    def _list(self, key, schema, value, name, required, depth, path) -> Field:
        items_schema = _describe(schema.get("items", {}))
        node = Field("list", name, label_of(schema, key), schema.get("description", ""), required,
                     depth=depth)
        for index, item in enumerate(value if isinstance(value, list) else []):
            node.items.append(self._item(items_schema, item, name, f"o{index}", index + 1, depth, path))
        node.template = self._item(items_schema, {}, name, f"__KEY{depth}__", 0, depth, path)
        node.template.rest = T.ITEM_NEW
        return node

    def _item(self, schema, value, list_name, key, number, depth, path) -> Item:
        item_name = f"{list_name}[{key}]"
        inner = self._object("", schema, value if isinstance(value, dict) else {}, item_name, True,
                             depth + 1, path)
        summary = summary_of(value, schema)
        return Item(key, T.ITEM_LABEL.format(n=number or ""), T.ITEM_SUMMARY.format(summary=summary) if summary else "",
                    inner.children, item_name)


# --- reading the posted form back ------------------------------------------------------------


class FormReader:
    """The values of a posted form, typed by the schema, with the old values where the clerk
    changed nothing; :attr:`names` maps each value's path to its input's name."""

    def __init__(self, schema: dict, form):
        self.schema = _describe(schema)
        self.form = form
        self.names: dict[tuple, str] = {}

    def read(self, old: Any) -> dict:
        self.names[()] = ""
        return self._object(self.schema, old if isinstance(old, dict) else {}, "", ())

    def _get(self, name: str) -> str | None:
        value = self.form.get(name)
        return None if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n")

    def _object(self, schema: dict, old: dict, prefix: str, path: tuple) -> dict:
        out: dict = {}
        required = set(schema.get("required", []))
        for key, sub in schema.get("properties", {}).items():
            sub = _describe(sub)
            name = _join(prefix, key)
            self.names[path + (key,)] = name
            value = self._value(sub, old.get(key, MISSING), name, key in required, path + (key,))
            if value is not MISSING:
                out[key] = value
        for key, value in old.items():  # keys the schema does not know: kept as they are
            if key not in out and key not in schema.get("properties", {}):
                out[key] = value
        return out

    def _value(self, schema: dict, old: Any, name: str, required: bool, path: tuple) -> Any:
        if self.form.get(f"{name}.__keep") is not None:
            return old
        kind = widget(schema, old)
        if kind == "object":
            if not required and self.form.get(f"{name}.__present") is None:
                return MISSING
            return self._object(schema, old if isinstance(old, dict) else {}, name, path)
        if kind == "list":
            return self._items(schema, old, name, required, path)
        if kind == "checks":
            return self._checks(schema, old, name, required)
        raw = self._get(name)
        if raw is None:
            return old  # no such input on the page (an absent optional object, a field left alone)
        if old is not MISSING and raw == display(old):
            return old
        if kind == "lines":
            items = _describe(schema.get("items", {}))
            values = [typed(line.strip(), items) for line in raw.split("\n") if line.strip()]
            if not values and old is MISSING and not required:
                return MISSING
            return values
        if raw == "":
            if not required:
                return MISSING
            return "" if "string" in _types(schema) else None
        return typed(raw, schema)

    def _items(self, schema, old, name, required, path) -> Any:
        if self.form.get(f"{name}.__list") is None:
            return old
        keys = self.form.getlist(f"{name}[]")
        if not keys and old is MISSING and not required:
            return MISSING
        items_schema = _describe(schema.get("items", {}))
        olds = old if isinstance(old, list) else []
        out = []
        for position, key in enumerate(keys):
            origin = int(key[1:]) if re.fullmatch(r"o\d+", key) and int(key[1:]) < len(olds) else None
            prefix = f"{name}[{key}]"
            self.names[path + (position,)] = prefix
            item_old = olds[origin] if origin is not None and isinstance(olds[origin], dict) else {}
            out.append(FormItem(self._object(items_schema, item_old, prefix, path + (position,)), origin))
        return out

    def _checks(self, schema, old, name, required) -> Any:
        if self.form.get(f"{name}.__list") is None:
            return old
        values = [int(v) for v in self.form.getlist(name) if str(v).isdigit()]
        if isinstance(old, list) and set(old) == set(values) and len(old) == len(values):
            return old
        if not values and old is MISSING and not required:
            return MISSING
        if isinstance(old, list) and old != sorted(old):
            kept = [v for v in old if v in values]
            return kept + sorted(v for v in values if v not in kept)
        return sorted(set(values))


def typed(raw: str, schema: dict) -> Any:
    """Text from an input as the schema's type: a number for an integer field, ``true`` for a
    boolean; text that does not fit stays text, so ``rcmz check`` names the mistake."""
    types = _types(schema)
    if "integer" in types and re.fullmatch(r"-?\d+", raw.strip()):
        return int(raw.strip())
    if "number" in types:
        try:
            return float(raw)
        except ValueError:
            return raw
    if "boolean" in types and raw in ("true", "false"):
        return raw == "true"
    return raw


def field_path(problem_field: str) -> tuple:
    """``situations[2].item`` (Problem.field) → ("situations", 2, "item")."""
    parts: list = []
    for match in re.finditer(r"([^.\[\]]+)|\[(\d+)\]", problem_field):
        name, index = match.groups()
        parts.append(int(index) if index is not None else name)
    return tuple(parts)
