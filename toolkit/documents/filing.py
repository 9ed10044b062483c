"""Which of a case's documents its volume holds, and what ``rcmz check`` says about them.

A volume holds what happened (Art. 9(6) 整理成卷): a document whose event the case records and
whose date has come.  A planned follow-up talk has no record yet — its blank form is made only
on request — so it is neither bound nor counted in the cover's time range.  A document dated
after the 立卷时间 still goes in, as 补充归档, with a line on the 备考表 saying so.

A scanned signed original (``original_of`` in an attachment entry) takes the place of the
document it names; several scans of one original are bound together in the order listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from toolkit.case.model import Case
from toolkit.case.problems import Problem
from toolkit.documents.registry import BY_KEY, KINDS, DocumentKind
from toolkit.text import cn_date

RULE = "第九条第（六）项"


def volume_kinds(case: Case, today: dt.date) -> list[DocumentKind]:
    """The kinds of document the volume of ``case`` holds, in the registry's order."""
    return [kind for kind in KINDS if (dated := kind.dated(case)) is not None and dated <= today.isoformat()]


def scans_of(case: Case) -> dict[str, list[tuple[str, int, dict]]]:
    """Document key → the scans of its signed original, in the order the case lists them:
    (step, index in that step's attachments, entry)."""
    scans: dict[str, list[tuple[str, int, dict]]] = {}
    for step, index, entry in case.attachments():
        if entry.get("original_of"):
            scans.setdefault(entry["original_of"], []).append((step, index, entry))
    return scans


def filed_late(case: Case, today: dt.date) -> list[tuple[DocumentKind, str]]:
    """The documents of the volume dated after its 立卷时间: filed supplementally (补充归档)."""
    compiled = case.get("filing", "volume", "compiled_on")
    if not compiled:
        return []
    return [(kind, dated) for kind in volume_kinds(case, today)
            if (dated := kind.dated(case)) is not None and dated > compiled]


def supplement_note(title: str, date: str, compiled_on: str) -> str:
    """The 备考表's line for a document (titled ``title``) filed after the volume was compiled."""
    return f"《{title}》形成于{cn_date(date)}，晚于立卷时间{cn_date(compiled_on)}，补充归档。"


def filing_problems(case: Case, today: dt.date) -> list[Problem]:
    """What the volume of ``case`` would hold that the clerk should know before filing."""
    problems = []
    bound = {kind.key for kind in volume_kinds(case, today)}
    for key, scans in scans_of(case).items():
        if key in bound:
            continue
        kind = BY_KEY[key]
        reason = "本案的事实中没有这份文书" if not kind.applies(case) else "这份文书的日期晚于今天，尚未形成"
        for step, index, _ in scans:
            problems.append(case.problem(
                step, ("attachments", index, "original_of"), RULE,
                f"original_of: {key}（{kind.title}）：{reason}，扫描件无处归档；"
                "请改为本案已有的文书，或删去 original_of 作为普通附件归档"))
    for kind in KINDS:
        date = kind.dated(case)
        if date and date > today.isoformat():
            problems.append(case.problem(
                kind.step, kind.date_field, RULE,
                f"《{kind.title}》的日期{cn_date(date)}晚于今天（{cn_date(today)}）：尚未发生的事不写成已发生，"
                "立卷时这份文书不归入案卷", "warning"))
    compiled = case.get("filing", "volume", "compiled_on")
    for kind, date in filed_late(case, today):
        problems.append(case.problem(
            "filing", ("volume", "compiled_on"), RULE,
            f"《{kind.title}》（{cn_date(date)}）晚于立卷时间{cn_date(compiled)}：归档时作为补充归档材料，"
            "备考表中注明", "warning"))
    return problems


def page_problems(case: Case, generated_pages: dict[str, int],
                  scan_pages: Callable[[Path], int]) -> list[Problem]:
    """A scan whose pages differ from the generated document it replaces: the volume then holds
    a different number of pages than the clerk printed for signing.  ``generated_pages`` are
    the documents' page counts, ``scan_pages`` counts a scan's."""
    from toolkit.case.load import resolve_attachment

    problems = []
    for key, scans in scans_of(case).items():
        if key not in generated_pages:
            continue
        counts = [scan_pages(resolve_attachment(case, entry["file"])) for _, _, entry in scans]
        if sum(counts) != generated_pages[key]:
            step, index, _ = scans[0]
            title = BY_KEY[key].title
            listed = "、".join(f"{e['file']} {n}页" for (_, _, e), n in zip(scans, counts, strict=True))
            problems.append(case.problem(
                step, ("attachments", index, "original_of"), RULE,
                f"《{title}》的签章原件扫描件共{sum(counts)}页（{listed}），系统生成件{generated_pages[key]}页："
                "请核对是否缺页或多扫；同一文书有多份扫描件的，按列出的顺序合订", "warning"))
    return problems
