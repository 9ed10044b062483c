"""The document kinds of the procedure: which step's facts each needs, its date and its wording
template.

To add a document kind: write ``templates/<key>.xml.j2`` and add one ``DocumentKind`` here
(docs/adding-a-document.md).  The order of ``KINDS`` is the procedural order used to break ties
between documents of the same date in the dossier.

A kind's date is read from the facts here, once: the template receives it as ``doc_date``, the
dossier files by it, and the sentences of a document that speak of another step say that step
as done or as planned by comparing that step's date with it (``tense`` in the templates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from toolkit.case.model import Case

#: The date of a document from a case's facts (ISO), or None when the case has no such document.
Dating = Callable[[Case], "str | None"]


@dataclass(frozen=True)
class DocumentKind:
    key: str
    title: str                           # the name staff know it by
    step: str                            # the step file whose facts it needs
    dated: Dating                        # its date; None: the case records no such event
    blank: Dating | None = None          # the date of a blank form to fill in by hand, made
                                         # only on request (rcmz render --only) for a planned event

    @property
    def template(self) -> str:
        return f"{self.key}.xml.j2"

    def applies(self, case: Case) -> bool:
        """Whether the case records the event this document is made of."""
        return self.dated(case) is not None

    def date_of(self, case: Case, *, blank: bool = False) -> str | None:
        return self.blank(case) if blank and self.blank else self.dated(case)

    @property
    def date_field(self) -> tuple:
        """Where in its step's file the date is written (for messages)."""
        return getattr(self.dated, "where", ())


@dataclass(frozen=True)
class _At:
    """A date written in one field: ``_At("feedback", "date")``; ``where`` locates it for messages."""

    step: str
    where: tuple[str, ...]

    def __call__(self, case: Case) -> str | None:
        return case.get(self.step, *self.where) if case.has(self.step) else None


def _at(step: str, *path: str) -> _At:
    return _At(step, path)


def _last_talk(case: Case) -> str | None:
    talks = case.get("followup", "talks", default=[])
    return max(talk["date"] for talk in talks) if talks else None


def _next_talk(case: Case) -> str | None:
    """A blank talk record is dated the planned talk, or the decision it follows from."""
    if not case.has("followup"):
        return None
    return (case.get("followup", "next_planned") or case.get("determination", "decision", "date")
            or case.get("case", "matter", "accountability_started"))


KINDS: tuple[DocumentKind, ...] = (
    DocumentKind("application", "容错免责申请书", "application", _at("application", "date")),
    DocumentKind("initiation", "容错免责核实认定启动审批表", "initiation", _at("initiation", "date")),
    DocumentKind("hearing_notice", "听证会通知书", "investigation",
                 _at("investigation", "hearing", "notice_date")),
    DocumentKind("hearing_record", "听证会记录", "investigation", _at("investigation", "hearing", "date")),
    DocumentKind("investigation_report", "调查核实报告", "investigation", _at("investigation", "report_date")),
    DocumentKind("deferral_notice", "暂缓认定通知", "determination", _at("determination", "deferral", "date")),
    DocumentKind("upward_report", "请示（向上级报告）", "determination",
                 _at("determination", "upward_report", "date")),
    DocumentKind("minutes", "党委会议纪要（摘录）", "determination", _at("determination", "meeting", "date")),
    DocumentKind("decision", "容错免责认定决定书", "determination", _at("determination", "decision", "date")),
    DocumentKind("feedback_letter", "认定结果反馈告知书", "feedback", _at("feedback", "date")),
    DocumentKind("filing_form", "容错免责认定结果备案表", "filing", _at("filing", "date")),
    DocumentKind("rectification_notice", "整改通知书", "rectification", _at("rectification", "date")),
    DocumentKind("clarification", "澄清正名通报", "clarification", _at("clarification", "date")),
    DocumentKind("followup_record", "回访谈话记录", "followup", _last_talk, blank=_next_talk),
)

BY_KEY = {kind.key: kind for kind in KINDS}
