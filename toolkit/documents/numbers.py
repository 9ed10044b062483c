"""``number("decision")`` in the templates: the 发文字号 of a document of the case.

The series each kind is numbered in, and where its date and sequence number are written, are
``toolkit.case.numbering.NUMBERED`` (the one table; the register check reads it too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from toolkit.case.numbering import BY_KIND, FORMATS, ORGANS, entries, series_of
from toolkit.errors import RenderError

if TYPE_CHECKING:
    from toolkit.case.model import Case
    from toolkit.config import BureauConfig


def document_number(case: Case, config: BureauConfig | dict, kind: str) -> str:
    """The 发文字号 of ``kind`` in ``case`` (``""`` when the document carries none)."""
    numbered = BY_KIND.get(kind)
    if numbered is None:
        raise RenderError(f"文书“{kind}”没有发文字号；有发文字号的文书：{'、'.join(BY_KIND)}")
    entry = next((e for e in entries(case) if e.numbered.kind == kind), None)
    if entry is None:
        return ""
    series = series_of(config).get(entry.key)
    if series is None:  # rcmz check says so first (toolkit.rules.register.case_problems)
        raise RenderError(f"局配置没有{ORGANS.get(entry.organ or '', '')}{FORMATS[numbered.format]}"
                          "的发文机关代字，请先运行 rcmz check")
    return series.number(entry.date.year, entry.seq)
