"""From a checked case to the volume spec: which files go into the dossier, in which order.

The volume files the documents of what happened (``toolkit.documents.filing``: not a planned
talk's blank form, not a document dated after the build) in procedural order (by date, ties
broken by the registry's order); where the case provides the scanned signed original of a
document (``original_of`` in an attachment entry) the scan takes the document's place and the
index's 备注 says so — several scans of one original are bound together in the order listed.
Every other attachment is filed after the main document of its step.  A document dated after
the 立卷时间 is noted on the 备考表 as 补充归档.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from toolkit.case.load import resolve_attachment
from toolkit.case.model import Case
from toolkit.case.steps import BY_KEY as STEPS_BY_KEY
from toolkit.config import BureauConfig
from toolkit.documents.filing import filed_late, scans_of, supplement_note
from toolkit.documents.model import Document
from toolkit.documents.registry import BY_KEY as KINDS_BY_KEY
from toolkit.dossier.spec import Attachment, Item, VolumeSpec
from toolkit.rules.deadlines import TimeLimit
from toolkit.text import cn_date

#: The document a step's attachments are filed under (the first of these the case has).
_MAIN_DOCUMENT = {
    "case": ("application",), "application": ("application",), "initiation": ("initiation",),
    "investigation": ("investigation_report",), "determination": ("decision",),
    "feedback": ("feedback_letter",), "filing": ("filing_form",), "result_use": ("decision",),
    "rectification": ("rectification_notice",), "clarification": ("clarification",),
    "followup": ("followup_record", "decision"),
}

def _notes(case: Case, limits: list[TimeLimit], replaced: list[str], titles: dict[str, str],
           filed_on: dt.date) -> list[str]:
    """The case's lines for the 备考表 (the draft notice is the volume's, from ``spec.dirty``)."""
    notes = []
    for limit in limits:
        if limit.status == "late_accepted":
            assert limit.done is not None  # late_accepted is a late act: one dated after the due date
            late = case.get("application", "late_acceptance")
            notes.append(f"申请于{cn_date(limit.done)}提出，超过{limit.length}的申请期限"
                         f"（应于{cn_date(limit.due)}前），经{late['accepted_by']}决定受理，"
                         f"理由：{late['reason']}。")
        elif limit.status == "deferred" and limit.done is not None:  # None: no decision yet
            notes.append(f"核实认定经暂缓，于{cn_date(limit.done)}作出决定。")
    for title in replaced:
        notes.append(f"《{title}》以签章原件扫描件归档，代替系统生成件。")
    compiled = case.get("filing", "volume", "compiled_on")
    notes.extend(supplement_note(titles.get(kind.key, kind.title), date, compiled)
                 for kind, date in filed_late(case, filed_on))
    notes.extend(case.get("filing", "volume", "notes", default=[]))
    return notes


def volume_spec(case: Case, config: BureauConfig, documents: list[tuple[Document, Path]],
                limits: list[TimeLimit], *, commit: str | None, dirty: bool,
                filed_on: dt.date) -> VolumeSpec:
    """The volume of ``case`` built on ``filed_on``: ``documents`` are the composed documents of
    the volume (``toolkit.documents.filing.volume_kinds``) with their PDFs, in procedural order;
    ``commit`` and ``dirty`` describe the case folder in git."""
    originals = scans_of(case)
    present = {document.key for document, _ in documents}
    filed_under: dict[str, list[Attachment]] = {key: [] for key in present}
    for step, _, entry in case.attachments():
        if entry.get("original_of"):
            continue
        main = next((key for key in _MAIN_DOCUMENT[step] if key in present), documents[0][0].key)
        filed_under[main].append(Attachment(entry["title"], resolve_attachment(case, entry["file"])))

    items, replaced = [], []
    for document, pdf in documents:
        title = document.title or KINDS_BY_KEY[document.key].title
        scans = [Attachment(entry["title"], resolve_attachment(case, entry["file"]))
                 for _, _, entry in originals.get(document.key, [])]
        if scans:
            replaced.append(title)
        # the first scan stands for the document; the others follow it, in the order listed
        items.append(Item(
            title=title, number=document.number, author=document.author, date=document.date,
            pdf=scans[0].path if scans else pdf, is_scan_original=bool(scans),
            attachments=(*scans[1:], *filed_under[document.key])))

    volume = case.get("filing", "volume")
    archive = config["archive"]
    dates = sorted(item.date for item in items)
    sources = sorted({case.folder / STEPS_BY_KEY[step].file for step in case.files}
                     | {resolve_attachment(case, entry["file"]) for _, _, entry in case.attachments()})
    applicant = case.get("case", "applicant")
    who = applicant["name"] + ("同志" if applicant["kind"] == "个人" else "")
    return VolumeSpec(
        case_id=case.id,
        volume_title=f"{config['party_committee']}关于{who}容错免责申请核实认定的材料",
        fonds_name=archive["fonds_name"], fonds_no=archive["fonds_no"],
        catalogue_no=str(volume.get("catalogue_no", archive["catalogue_no"])),
        volume_no=str(volume["volume_no"]), category=archive["category"],
        retention=volume.get("retention", archive.get("retention", "永久")),
        classification=volume.get("classification", archive.get("classification", "内部")),
        start_date=dates[0], end_date=dates[-1], items=tuple(items),
        compiler=volume["compiler"], checker=volume["checker"], compiled_on=volume["compiled_on"],
        notes=tuple(_notes(case, limits, replaced, {d.key: d.title for d, _ in documents if d.title}, filed_on)),
        sources=tuple(sources),
        source_root=case.folder, git_commit=commit, dirty=dirty)
