"""The content of one document, independent of its output format.

A wording template (``templates/<kind>.xml.j2``) renders to a small XML vocabulary which
``toolkit.documents.compose`` parses into these objects; the PDF typesetter
(``toolkit.render.pdf``) and the DOCX renderer (``toolkit.render.docx``) both consume them, so a
document's wording lives in exactly one place.

The XML vocabulary (one element per block, attributes as below):

``<document key layout title issuer number signer copy classification author date>``
    layout: ``official`` (GB/T 9704 版头 with red 发文机关标志 and separator),
    ``letter`` (信函格式), ``minutes`` (纪要格式), ``form`` (title + tables, no 版头).
``<p style="body|h1|h2|h3|h4|addressee|plain|center|right|note|attachment">text</p>``
``<br/>``  inside ``p`` or ``td``: a line break (the text then holds ``\n``)
``<lp label="出席：">names</lp>``  a paragraph opening with a 黑体 label
``<table widths="1 3 1 3" header="1"><tr><td label="1" colspan="2" lines="4" align="center">``
``<signature org="…" date="…" seal="1"/>``
``<record cc="…" printer="…" date="…"/>``  版记 on the last page
``<pagebreak/>``
``<footer>第{page}页 共{pages}页</footer>``  a line printed at the foot of every page
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

Layout = Literal["official", "letter", "minutes", "form"]

#: Paragraph styles.  body: 仿宋, first line indented two characters; h1 一、 黑体; h2 （一） 楷体;
#: h3 1. and h4 （1） 仿宋 (GB/T 9704 7.3.3); addressee: flush left (主送机关); plain: flush left
#: without indent; center / right: aligned; note: 附注, indented two characters;
#: attachment: 附件说明, indented two characters with hanging continuation lines.
ParagraphStyle = Literal["body", "h1", "h2", "h3", "h4", "addressee", "plain", "center",
                         "right", "note", "attachment"]

#: A table cell's alignment.
Align = Literal["left", "center", "right"]

#: Every value of the literals above, to check what a template writes.
LAYOUTS: tuple[Layout, ...] = get_args(Layout)
PARAGRAPH_STYLES: tuple[ParagraphStyle, ...] = get_args(ParagraphStyle)
ALIGNS: tuple[Align, ...] = get_args(Align)


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: ParagraphStyle = "body"


@dataclass(frozen=True)
class LabeledParagraph:
    """A paragraph whose opening label is set in 黑体, e.g. ``出席：`` in minutes."""

    label: str
    text: str


@dataclass(frozen=True)
class Cell:
    text: str
    label: bool = False       # a caption cell (黑体, centred) rather than an answer
    colspan: int = 1
    lines: int = 1            # minimum height in text lines (room for handwriting)
    align: Align = "left"


@dataclass(frozen=True)
class Table:
    """A form table.  ``widths`` are relative; the table always spans the text block.

    The first ``header_rows`` rows repeat at the top of every page the table continues on.
    """

    widths: tuple[float, ...]
    rows: tuple[tuple[Cell, ...], ...]
    header_rows: int = 0


@dataclass(frozen=True)
class Signature:
    """发文机关署名 and 成文日期 (GB/T 9704 7.3.5)."""

    org: str
    date: str                 # already formatted: 2020年1月3日
    seal: bool = False


@dataclass(frozen=True)
class Record:
    """版记: 抄送, 印发机关 and 印发日期 (GB/T 9704 7.4)."""

    cc: str = ""
    printer: str = ""
    date: str = ""


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Paragraph | LabeledParagraph | Table | Signature | PageBreak


@dataclass(frozen=True)
class Document:
    key: str                  # registry name of the kind, e.g. "decision"
    layout: Layout
    title: str                # 标题
    blocks: tuple[Block, ...]
    issuer: str = ""          # 发文机关标志 / 信函标志 / 纪要标志
    number: str = ""          # 发文字号, e.g. 杭教党容〔2025〕3号
    signer: str = ""          # 签发人 of an upward document (上行文, GB/T 9704 7.2.5)
    copy: str = ""            # 份号
    classification: str = ""  # 密级和保密期限
    author: str = ""          # 责任者 for the dossier index
    date: str = ""            # ISO date of the document, for the index and metadata
    record: Record | None = None
    footer: str = ""          # a line at the foot of every page; {page} and {pages} are filled in
    phrases: tuple[str, ...] = ()   # names of the case a line never splits (compose fills them)
    meta: dict = field(default_factory=dict, compare=False)

    def text(self) -> str:
        """All visible text, in reading order; what extraction from either output must find."""
        out = [self.issuer, self.number, f"签发人：{self.signer}" if self.signer else "", self.title]
        for block in self.blocks:
            if isinstance(block, Paragraph):
                out.append(block.text)
            elif isinstance(block, LabeledParagraph):
                out.append(block.label + block.text)
            elif isinstance(block, Table):
                out.extend(cell.text for row in block.rows for cell in row)
            elif isinstance(block, Signature):
                out.extend([block.org, block.date])
        if self.record:
            out.extend([self.record.cc, self.record.printer, self.record.date])
        return "\n".join(t for t in out if t)
