"""Carrying generated cases through the pipeline and the invariants: for the tests and the soak run.

``exercise`` checks one generated case, composes and typesets every document and returns what
the invariants found wrong; ``exercise_dossier`` then builds, signs and verifies its volume and
looks at what the volume holds.  An empty list means the case passed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from toolkit.case.load import load_case
from toolkit.context import RunContext, context_for
from toolkit.documents.compose import compose_all
from toolkit.documents.filing import volume_kinds
from toolkit.paths import PROJECT_ROOT
from toolkit.pipeline import check, dossier, verify
from toolkit.testing.cases import GeneratedCase, generate
from toolkit.testing.invariants import document_problems, numbers_problems, pdf_text
from toolkit.text import cn_month

#: The warnings a generated case may have, because its scenario asks for them.
EXPECTED_WARNINGS = ("补充归档", "扫描件")


def prepare(root: Path) -> RunContext:
    """A folder of cases with the example bureau's configuration and holiday table."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("bureau.yaml", "holidays.yaml"):
        shutil.copy(PROJECT_ROOT / "casefiles" / name, root / name)
    return context_for(root)


def page_counter(context: RunContext) -> Callable[[Path, str], int]:
    """``pages(folder, key)``: the pages of that case's typeset document (for its scans)."""
    from pypdf import PdfReader

    from toolkit.render.pdf import render_pdf

    def pages(folder: Path, key: str) -> int:
        [document] = compose_all(load_case(folder), context.config, only=key)
        return len(PdfReader(io.BytesIO(render_pdf(document, context.fonts))).pages)
    return pages


def make(root: Path, seed: int, context: RunContext, today: dt.date) -> GeneratedCase:
    return generate(root, seed, context.calendar, today, page_count=page_counter(context))


def exercise(generated: GeneratedCase, context: RunContext, today: dt.date, *, docx: bool = True) -> list[str]:
    """Check, compose and typeset every document of ``generated`` (as PDF, and as DOCX with
    ``docx``); what is wrong, if anything."""
    from toolkit.render.docx import render_docx
    from toolkit.render.pdf import render_pdf

    result = check(generated.folder, today)
    found = [f"check: {p.format()}" for p in result.problems
             if p.severity == "error" or not any(word in p.message for word in EXPECTED_WARNINGS)]
    late = {p.message for p in result.warnings if "补充归档" in p.message}
    if len(late) != len(generated.scenario.filed_late):
        found.append(f"check: 补充归档的警告 {len(late)} 条，场景中晚于立卷时间的文书 "
                     f"{len(generated.scenario.filed_late)} 份（{'、'.join(generated.scenario.filed_late)}）")
    mismatched = [p for p in result.warnings if "扫描件" in p.message]
    if bool(mismatched) != (generated.scenario.scan_mismatch and bool(generated.scenario.scans)):
        found.append(f"check: 扫描件页数的警告 {len(mismatched)} 条，场景 scan_mismatch="
                     f"{generated.scenario.scan_mismatch}")
    if result.errors:
        return found
    documents = compose_all(result.case, context.config)
    found += numbers_problems(documents)
    for document in documents:
        if docx:
            render_docx(document)
        text = pdf_text(render_pdf(document, context.fonts))
        found += [f"{document.key}: {problem}" for problem in document_problems(generated, document, text)]
    return found


def commit(root: Path) -> None:
    """The cases under ``root`` committed to a git repository (a signed volume needs a commit)."""
    def git(*args):
        subprocess.run(["git", "-C", str(root), "-c", "user.name=rcmz", "-c", "user.email=rcmz@example.invalid",
                        *args], check=True, capture_output=True)
    if not (root / ".git").exists():
        git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "generated cases", "--allow-empty")


def exercise_dossier(generated: GeneratedCase, out: Path, today: dt.date) -> list[str]:
    """Build, sign and verify the volume of a committed generated case; what is wrong with it."""
    import pikepdf

    volume = dossier(generated.folder, out)
    report = verify(volume, generated.folder)
    found = [f"verify: {f.area}：{f.message}" for f in report.failures]
    case = load_case(generated.folder)
    kinds = volume_kinds(case, today)
    with pikepdf.open(volume) as pdf, pdf.open_outline() as outline:
        # documents are bookmarked "1　题名", what is bound after them "附件1　题名"
        documents = [(item.title, [re.sub(r"^附件\d+\u3000", "", child.title) for child in item.children])
                     for item in outline.root if re.match(r"\d+\u3000", item.title)]
    if len(documents) != len(kinds):
        found.append(f"案卷有 {len(documents)} 件文书，应为 {len(kinds)} 件："
                     + "、".join(title for title, _ in documents))
    if generated.scenario.followup == "planned" and any("回访谈话记录" in t for t, _ in documents):
        found.append("只有计划的回访谈话记录不应归入案卷")
    text = re.sub(r"\s+", "", pdf_text(volume.read_bytes()))
    dates = sorted(date for kind in kinds if (date := kind.dated(case)) is not None)  # all dated: volume_kinds
    span = f"自{cn_month(dates[0])}至{cn_month(dates[-1])}"
    if span not in text:
        found.append(f"封面的时间应为{span}")
    if "（计划）" in text:
        found.append("案卷中有计划中的事项")
    if text.count("补充归档。") != len(generated.scenario.filed_late):
        found.append(f"备考表的补充归档说明 {text.count('补充归档。')} 条，"
                     f"应为 {len(generated.scenario.filed_late)} 条")
    if text.count("以签章原件扫描件归档，代替系统生成件") != len(generated.scenario.scans):
        found.append(f"备考表应有 {len(generated.scenario.scans)} 条以扫描件归档的说明")
    if generated.scenario.several_scans and generated.scenario.scans:
        key = generated.scenario.scans[0]
        scans = [e["title"] for step in generated.facts.values() if isinstance(step, dict)
                 for e in step.get("attachments", []) if e.get("original_of") == key]
        nested = next((children for title, children in documents if children[:len(scans) - 1] == scans[1:]), None)
        if len(scans) > 1 and nested is None:
            found.append(f"{key} 的第二份扫描件没有紧接着第一份合订：{scans}")
    return found
