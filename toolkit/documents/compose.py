"""Composing a document's content: wording template + case facts → ``Document``.

Each document kind's wording is one Jinja2 template, ``templates/<kind>.xml.j2``, that renders
the XML vocabulary described in ``toolkit.documents.model``.  A bureau overrides a template by
putting a file of the same name in the folder its configuration names (``templates:``); that
folder is searched first.

Values are data, never template code: the environment is strict (a missing value is an error
naming it) and autoescaping is on, so ``<``, ``&`` and ``{{ 7*7 }}`` inside a YAML value come out
literally and cannot change the document's structure.
"""

from __future__ import annotations

import re
import traceback
import xml.etree.ElementTree as ET
from dataclasses import astuple, replace
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from toolkit.case.model import Case
from toolkit.case.schema import schema_of
from toolkit.case.steps import BY_KEY as STEPS
from toolkit.config import BureauConfig
from toolkit.documents.model import (
    ALIGNS,
    LAYOUTS,
    PARAGRAPH_STYLES,
    Block,
    Cell,
    Document,
    LabeledParagraph,
    PageBreak,
    Paragraph,
    Record,
    Signature,
    Table,
)
from toolkit.documents.numbers import document_number
from toolkit.documents.registry import KINDS, DocumentKind
from toolkit.errors import RenderError
from toolkit.jinjacache import bytecode_cache
from toolkit.paths import TEMPLATES_DIR
from toolkit.rules import articles
from toolkit.text import cn_date, cn_month, cn_number, doc_number, layer_number, normalize_typography, phrases_of

# Line breaks and the indentation after them are template layout, not text: Chinese text has
# no spaces between lines.  Spaces inside a line are left to the renderer, which prints them as
# GB/T 9704 does (toolkit.text.normalize_typography).
_LAYOUT_WHITESPACE = re.compile(r"\s*\n\s*")


# A folded YAML block (>-) joins its lines with a space; between two Chinese characters that
# space is an artefact of the file's line length, not of the text.
_FOLDED_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])[ ]+(?=[\u3000-\u9fff\uff00-\uffef])")


def paragraphs(text: str) -> list[str]:
    """A long text value as paragraphs: one per line of a literal block (|).

    A field that may hold a list of findings is rendered with the ``points`` macro, which
    numbers the items for their depth; this filter refuses a list rather than print it."""
    if isinstance(text, (list, tuple)):
        raise TypeError("a list of items is rendered with the points macro, not the paragraphs filter")
    return [_FOLDED_SPACE.sub("", line.strip()) for line in str(text).splitlines() if line.strip()]


def quoted(text) -> Markup:
    """“text”, with the quotation marks inside it made single (GB/T 15834: ‘’ inside “”)."""
    inner = text if isinstance(text, Markup) else escape(str(text))
    return Markup("“") + inner.replace("“", "‘").replace("”", "’") + Markup("”")


def tense(event: str | None, document_date: str) -> str:
    """How a document dated ``document_date`` speaks of an event on ``event`` (ISO dates):
    ``done`` on or before the document's date, ``planned`` after it, ``absent`` without a date."""
    if not event:
        return "absent"
    return "done" if event <= document_date else "planned"


def fact_at(facts: dict, path: str):
    """The fact at a dotted path such as ``determination.upward_report.date`` (``talks.-1`` for a
    list's last item), or None when the case has not recorded it.  A path the schemas do not
    define is an error: a misspelt path must not silently read as "not happened"."""
    step, *parts = path.split(".")
    if step not in STEPS:
        raise ValueError(f"no step {step!r} in fact path {path!r}")
    node, value = schema_of(STEPS[step].schema), facts.get(step)
    for part in parts:
        index = part.lstrip("-").isdigit()
        node = node.get("items", {}) if index else node.get("properties", {}).get(part)
        if node is None:
            raise ValueError(f"no field {part!r} in fact path {path!r}")
        if isinstance(value, dict):
            value = value.get(part) if not index else None
        elif isinstance(value, list) and index and -len(value) <= int(part) < len(value):
            value = value[int(part)]
        else:
            value = None
    return value


@jinja2.pass_context
def _tense(ctx, path: str, on: str | None = None) -> str:
    """``tense("investigation.hearing.date")`` in a template: the event at that fact path as
    seen from the document's own date (or from ``on``)."""
    return tense(fact_at(ctx["facts"], path), on or ctx["doc_date"])


def names(people) -> str:
    """A list of people ({name, post}) or strings as 、-joined names."""
    out = []
    for person in people or []:
        out.append(person["name"] if isinstance(person, dict) else str(person))
    return "、".join(out)


def environment(override_dirs: tuple[str, ...]) -> jinja2.Environment:
    """The environment of the wording templates: a bureau's override folders before the
    package's own templates."""
    from toolkit.cachefile import cache_folder

    return _environment(override_dirs, cache_folder())


@lru_cache(maxsize=8)
def _environment(override_dirs: tuple[str, ...], cache: Path | None) -> jinja2.Environment:
    # Keyed by the cache folder too: an environment writes what it compiles to the folder it
    # was made with (a resident process's commands may each have their own, toolkit.resident).
    # Sandboxed: an override template travels in the case repository, and whoever can commit
    # there must not be able to run code on every clerk's machine through it.  One environment
    # per run compiles each template once; its bytecode cache, once across runs.
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([*override_dirs, str(TEMPLATES_DIR)]),
        bytecode_cache=bytecode_cache(__file__, cache),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(cn_date=cn_date, cn_month=cn_month, paragraphs=paragraphs, names=names,
                       cn_number=cn_number, layer_number=layer_number, quoted=quoted)
    env.globals.update(cite=articles.cite, doc_number=doc_number, tense=_tense,
                       SITUATIONS=articles.SITUATIONS, CONDITIONS=articles.CONDITIONS,
                       EXCLUSIONS=articles.EXCLUSIONS, RESULT_USES=articles.RESULT_USES,
                       GRANTED=articles.GRANTED_OUTCOMES, MITIGATED=articles.MITIGATED_OUTCOMES,
                       EXEMPT=articles.EXEMPT_OUTCOME, OUTCOMES_CLAUSE=articles.OUTCOMES_CLAUSE,
                       RESULT_USE_CLAUSE=articles.RESULT_USE_CLAUSE, scope_of=articles.scope_of)
    return env


def context(case: Case, config: BureauConfig, doc_date: str) -> dict:
    """What every template sees: the facts of each step, the bureau, and derived values."""
    facts = {step: loaded.data for step, loaded in case.files.items()}
    applicant = facts["case"]["applicant"]
    individual = applicant["kind"] == "个人"
    return {
        "facts": facts,
        "bureau": config.data,
        "number": lambda kind: document_number(case, config, kind),  # 发文字号 (documents/numbers.py)
        "applicant": applicant,
        "matter": facts["case"]["matter"],
        "applicant_name": applicant["name"] + ("同志" if individual else ""),
        "individual": individual,
        "party_organization": articles.party_organization(applicant, facts.get("application")),
        "scope": articles.scope_of(applicant["category"]),
        "measures": f"《{config['measures']['title']}》",
        "doc_date": doc_date,
    }


def compose(case: Case, config: BureauConfig, kind: DocumentKind, *, blank: bool = False) -> Document:
    """The document of ``kind``; with ``blank``, the form to fill in by hand for an event the
    case only plans (the kind's ``blank`` date)."""
    doc_date = kind.date_of(case, blank=blank)
    if doc_date is None:
        raise RenderError(f"本案尚无“{kind.title}”所需的事实")
    env = environment(tuple(str(d) for d in config.template_dirs))
    try:
        template = env.get_template(kind.template)
    except jinja2.TemplateNotFound as error:
        raise RenderError(f"找不到文书模板 {error.name}（应在 templates/ 或本局模板文件夹中）") from None
    except jinja2.TemplateSyntaxError as error:
        raise RenderError(f"文书模板语法错误：{error.message}", file=error.filename or kind.template,
                          line=error.lineno) from None
    try:
        markup = template.render(context(case, config, doc_date))
    except jinja2.TemplateSyntaxError as error:  # in a template it imports
        raise RenderError(f"文书模板语法错误：{error.message}", file=error.filename or kind.template,
                          line=error.lineno) from None
    except SecurityError as error:
        file, line = _template_frame(error, template.filename)
        raise RenderError(f"文书模板试图访问不允许的内部对象，已拒绝执行：{error}", file=file,
                          line=line) from None
    except jinja2.UndefinedError as error:
        file, line = _template_frame(error, template.filename)
        raise RenderError(f"文书“{kind.title}”缺少数据：{error.message}", file=file, line=line) from None
    except (ArithmeticError, LookupError, TypeError, ValueError) as error:
        # A template is code (a bureau's override too): what its expressions raise ({{ 1/0 }},
        # a filter given a value it cannot take) is the template's error, at its line.
        file, line = _template_frame(error, None)
        if file is None:
            raise
        raise RenderError(f"文书模板出错：{type(error).__name__}: {error}", file=file, line=line) from error
    document = parse(markup, kind)
    return replace(document, phrases=_phrases_in(document, phrases_of([f.data for f in case.files.values()],
                                                                      config.data)))


def _phrases_in(document: Document, phrases: tuple[str, ...]) -> tuple[str, ...]:
    """The case's names that occur in ``document``'s text: the only ones a line of it could
    split.  (The others would tell two documents of equal text apart, and so make a document
    whose text did not change again when another fact of the case changed: toolkit.render.kept.)"""
    strings: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)

    walk(astuple(replace(document, phrases=(), meta={})))
    text = "".join(strings)   # not one string by one: a phrase set across two is kept too
    normalized = normalize_typography(text)
    return tuple(p for p in phrases if p in text or p in normalized)


def _template_frame(error: BaseException, default: str | None) -> tuple[str | None, int | None]:
    """The template file and line an exception was raised at: Jinja rewrites tracebacks so that
    template frames carry the template's own file name and line."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith(".j2"):
            return frame.filename, frame.lineno
    return default, None


def compose_all(case: Case, config: BureauConfig, only: str | None = None,
                kinds: list[DocumentKind] | None = None) -> list[Document]:
    """Every document the case's facts call for (or of ``kinds``), in procedural order.

    Asked for one kind (``only``) whose event is only planned, the blank form to fill in by hand."""
    documents = []
    for kind in kinds if kinds is not None else KINDS:
        if only is not None and kind.key != only:
            continue
        if kind.applies(case):
            documents.append(compose(case, config, kind))
        elif only is not None and kind.date_of(case, blank=True):
            documents.append(compose(case, config, kind, blank=True))
    order = {kind.key: index for index, kind in enumerate(KINDS)}
    return sorted(documents, key=lambda d: (d.date, order[d.key]))


# --- the XML vocabulary → Document ------------------------------------------------------


def _text(element: ET.Element) -> str:
    """An element's text; each ``<br/>`` inside it starts a new line (e.g. the signature line
    of an opinion cell).  Spaces written on the same line right after ``<br/>`` are kept, so
    full-width spaces can move that line's text to the right."""
    pieces, current = [], [element.text or ""]
    for child in element:
        if child.tag == "br":
            pieces.append("".join(current))
            current = []
        else:
            current.append("".join(child.itertext()))
        current.append(child.tail or "")
    pieces.append("".join(current))
    if len(pieces) == 1:
        return _LAYOUT_WHITESPACE.sub("", pieces[0]).strip()
    return "\n".join(_LAYOUT_WHITESPACE.sub("", piece).strip(" \t\r\n") for piece in pieces)


def _attr(element: ET.Element, name: str, default: str = "") -> str:
    return _LAYOUT_WHITESPACE.sub("", element.get(name, default)).strip()


def parse(markup: str, kind: DocumentKind) -> Document:
    try:
        root = ET.fromstring(markup)
    except ET.ParseError as error:
        raise RenderError(f"文书模板 {kind.template} 生成的内容不是有效的 XML：{error}") from None
    blocks: list[Block] = []
    record, footer = None, ""
    for element in root:
        tag = element.tag
        if tag == "p":
            blocks.append(Paragraph(_text(element), _one_of(element.get("style", "body"), PARAGRAPH_STYLES,
                                                            "段落样式", kind)))
        elif tag == "lp":
            blocks.append(LabeledParagraph(_attr(element, "label"), _text(element)))
        elif tag == "table":
            blocks.append(_table(element, kind))
        elif tag == "signature":
            blocks.append(Signature(_attr(element, "org"), _attr(element, "date"),
                                    element.get("seal") == "1"))
        elif tag == "record":
            record = Record(_attr(element, "cc"), _attr(element, "printer"), _attr(element, "date"))
        elif tag == "pagebreak":
            blocks.append(PageBreak())
        elif tag == "footer":
            footer = _text(element)
        else:
            raise RenderError(f"文书模板 {kind.template} 中有未知的元素 <{tag}>")
    return Document(key=kind.key, layout=_one_of(root.get("layout", "form"), LAYOUTS, "版式", kind),
                    title=_attr(root, "title"),
                    blocks=tuple(blocks), issuer=_attr(root, "issuer"), number=_attr(root, "number"),
                    signer=_attr(root, "signer"),
                    copy=_attr(root, "copy"), classification=_attr(root, "classification"),
                    author=_attr(root, "author"), date=_attr(root, "date"), record=record,
                    footer=footer)


_Choice = TypeVar("_Choice", bound=str)


def _one_of(value: str, allowed: tuple[_Choice, ...], what: str, kind: DocumentKind) -> _Choice:
    """``value`` as one of ``allowed`` (a style, layout or alignment a template writes)."""
    for option in allowed:
        if value == option:
            return option
    raise RenderError(f"文书模板 {kind.template} 中的{what}「{value}」未定义（可用：{'、'.join(allowed)}）")


def _table(element: ET.Element, kind: DocumentKind) -> Table:
    widths = tuple(float(w) for w in element.get("widths", "1").split())
    rows = []
    for row in element.findall("tr"):
        rows.append(tuple(Cell(_text(cell), label=cell.get("label") == "1",
                               colspan=int(cell.get("colspan", "1")), lines=int(cell.get("lines", "1")),
                               align=_one_of(cell.get("align", "center" if cell.get("label") == "1" else "left"),
                                             ALIGNS, "对齐方式", kind))
                          for cell in row.findall("td")))
    return Table(widths=widths, rows=tuple(rows), header_rows=int(element.get("header", "0")))
