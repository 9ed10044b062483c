"""The document kinds of the procedure: which step's facts each needs, and its wording template.

To add a document kind: write ``templates/<key>.xml.j2`` and add one ``DocumentKind`` here
(docs/adding-a-document.md).  The order of ``KINDS`` is the procedural order used to break ties
between documents of the same date in the dossier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from toolkit.case.model import Case


@dataclass(frozen=True)
class DocumentKind:
    key: str
    title: str                           # the name staff know it by
    step: str                            # the step file whose facts it needs
    applies: Callable[[Case], bool]      # whether this case calls for it

    @property
    def template(self) -> str:
        return f"{self.key}.xml.j2"


def _has(step: str, *path: str) -> Callable[[Case], bool]:
    return lambda case: case.has(step) and case.get(step, *path) is not None


KINDS: tuple[DocumentKind, ...] = (
    DocumentKind("application", "容错免责申请书", "application", _has("application")),
    DocumentKind("initiation", "容错免责核实认定启动审批表", "initiation", _has("initiation")),
    DocumentKind("hearing_notice", "听证会通知书", "investigation", _has("investigation", "hearing")),
    DocumentKind("hearing_record", "听证会记录", "investigation", _has("investigation", "hearing")),
    DocumentKind("investigation_report", "调查核实报告", "investigation", _has("investigation")),
    DocumentKind("deferral_notice", "暂缓认定通知", "determination", _has("determination", "deferral")),
    DocumentKind("upward_report", "请示（向上级报告）", "determination",
                 _has("determination", "upward_report")),
    DocumentKind("minutes", "党委会议纪要（摘录）", "determination", _has("determination", "meeting")),
    DocumentKind("decision", "容错免责认定决定书", "determination", _has("determination", "decision")),
    DocumentKind("feedback_letter", "认定结果反馈告知书", "feedback", _has("feedback")),
    DocumentKind("filing_form", "容错免责认定结果备案表", "filing", _has("filing")),
    DocumentKind("rectification_notice", "整改通知书", "rectification", _has("rectification")),
    DocumentKind("clarification", "澄清正名通报", "clarification", _has("clarification")),
    DocumentKind("followup_record", "回访谈话记录", "followup", _has("followup", "talks")),
)

BY_KEY = {kind.key: kind for kind in KINDS}
