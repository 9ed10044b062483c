"""Measuring and breaking mixed-font text into lines (:mod:`toolkit.render.linebreak` does the
breaking; this keeps each line's font roles)."""

from __future__ import annotations

import re

from toolkit.render.fonts import FontBook
from toolkit.render.linebreak import Line, break_lines, phrase_ranges
from toolkit.text import normalize_typography

_DROP = re.compile("[\u200b\u200c\u200d\u2060\ufeff\ufe00-\ufe0f\U000e0100-\U000e01ef\r]")

#: A line with its (role, text) segments.
SetLine = tuple[Line, list[tuple[str, str]]]


def clean(text: str, typography: bool = True) -> str:
    """The text as printed: no zero-width characters or variation selectors, tabs as spaces,
    half-width brackets and spaces in Chinese text normalised (:func:`normalize_typography`)."""
    text = _DROP.sub("", (text or "").replace("\t", " "))
    return normalize_typography(text) if typography else text


class LineSetter:
    def __init__(self, fonts: FontBook, phrases: tuple[str, ...] = ()):
        self.fonts = fonts
        self.phrases = phrases

    def widths(self, segs: list[tuple[str, str]], size: float, fieldname: str) -> list[float]:
        out: list[float] = []
        cw = self.fonts.char_width
        for role, text in segs:
            out.extend(cw(ch, role, size, fieldname) for ch in text)
        return out

    def extent(self, text: str, role: str, size: float, cs: float, fieldname: str = "") -> float:
        """Width of ``text`` set with character spacing ``cs``."""
        n = len(text)
        return self.fonts.width(text, role, size, fieldname) + max(n - 1, 0) * cs

    def set_lines(self, segs: list[tuple[str, str]], size: float, width: float, *,
                  first_indent: float = 0.0, indent: float = 0.0, tracking: float = 0.0,
                  justify: bool = True, justify_slack: float | None = None, fieldname: str = "",
                  keep: bool = True, breaks: frozenset[int] | None = None) -> list[SetLine]:
        """Break mixed-role text into lines; each line with its own (role, text) segments.
        With ``keep`` the document's phrases are not split (where they fit on a line)."""
        segs = [(role, clean(t)) for role, t in segs if t]
        text = "".join(t for _, t in segs)
        if not text:
            return []
        widths = self.widths(segs, size, fieldname)
        ranges = phrase_ranges(text, self.phrases) if keep else []
        lines = break_lines(text, widths, width, first_indent=first_indent, indent=indent,
                            tracking=tracking, em=size, justify=justify,
                            justify_slack=justify_slack, keep=ranges, breaks=breaks)
        bounds, pos = [], 0
        for role, t in segs:
            bounds.append((pos, pos + len(t), role))
            pos += len(t)
        out = []
        for line in lines:
            parts = []
            for a, b, role in bounds:
                lo, hi = max(a, line.start), min(b, line.end)
                if lo < hi:
                    parts.append((role, text[lo:hi]))
            out.append((line, parts))
        return out
