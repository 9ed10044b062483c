"""What a laid-out page is: text runs, rules and boxes, drawn once the page count is known."""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit.render.pdf.grid import BLACK, LINE_PITCH

#: Line width of table cell borders (pt).
RULE_CELL = 0.5


@dataclass
class Text:
    x: float
    y: float
    size: float
    segs: list[tuple[str, str]]     # (role, text)
    cs: float = 0.0
    color: tuple = BLACK
    hscale: float = 100.0
    field: str = ""


@dataclass
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    color: tuple = BLACK


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    width: float = RULE_CELL


@dataclass
class Page:
    ops: list = field(default_factory=list)
    number: bool = True             # print the page number
    # page breaks the DOCX puts before its 版记, set on the 版记's page (:func:`record_pages`)
    record_breaks: int = 0
    # distance of its text lines: the grid's, or closer on a page tightened to hold its
    # signature (GB/T 9704 7.3.5.5, :func:`pagination.tighten`)
    pitch: float = LINE_PITCH
