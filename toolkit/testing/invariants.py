"""What must hold on the rendered text of every document of every case, whatever path it walks.

Each function returns the list of what it found wrong (empty when the document is right), so a
test can assert on it and a soak run can count it.  The text is what a reader of the PDF gets:
extracted with pypdf, whitespace and page furniture (page numbers, the hearing record's footer)
removed, so a phrase broken across lines or pages is still found.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

from toolkit.documents.model import Document
from toolkit.rules.articles import (
    EXEMPT_OUTCOME,
    MITIGATED_OUTCOMES,
    RESULT_USE_CLAUSE,
    RESULT_USES,
)
from toolkit.testing.cases import GeneratedCase
from toolkit.text import cn_date

_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_PAGE_NUMBER = re.compile(r"—\d+—")
_FOOTER = re.compile(r"第\d+页共\d+页被听证人签名：主持人签名：")
#: Words before a date that make it a plan or a limit rather than a thing done.
_AHEAD = ("将于", "定于", "计划于", "拟于", "至", "时间：")
_ARTEFACTS = ("None", "{{", "}}", "{%", "Undefined", "××", "党组织", "[", "]", "'")


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as a reader extracts it, whitespace and page furniture removed: with
    poppler's pdftotext where it is installed (five times faster), else with pypdf."""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                              check=True).stdout.decode("utf-8")
    else:
        from pypdf import PdfReader

        text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"\s+", "", text)
    return _FOOTER.sub("", _PAGE_NUMBER.sub("", text))


def _plain(value: str) -> str:
    return re.sub(r"\s+", "", value)


def _items(value) -> list[str]:
    """The passages a text-or-list fact puts into a document (each item without its ending)."""
    if isinstance(value, str):
        return [_plain(value)]
    return [_plain(item).rstrip("。；;，,") for item in value]


def verdict(decision: dict) -> str:
    """How every document states an outcome (templates/_macros.xml.j2 verdict)."""
    if decision["outcome"] == "不予容错":
        return "不予容错"
    measure = f"，给予{decision['measure']}" if decision["outcome"] in MITIGATED_OUTCOMES else ""
    return f"予以容错，{decision['outcome']}{measure}"


def tense_problems(text: str, document_date: str) -> list[str]:
    """No event is stated as done before its date: every date after the document's own date is
    a plan or a limit (将于, 定于, 至, 时间：…, or …前), and no date on or before it is a plan."""
    found = []
    for match in _DATE.finditer(text):
        year, month, day = (int(g) for g in match.groups())
        date = f"{year:04d}-{month:02d}-{day:02d}"
        before, after = text[max(0, match.start() - 8):match.start()], text[match.end():match.end() + 1]
        if date > document_date and not (any(word in before for word in _AHEAD) or after == "前"):
            found.append(f"{match.group()}（晚于文书日期{document_date}）写成了已发生：…{before}{match.group()}…")
        if date <= document_date and before.endswith(("将于", "定于", "计划于", "拟于")):
            found.append(f"{match.group()}（不晚于文书日期{document_date}）写成了将要发生：…{before}{match.group()}…")
    return found


def document_problems(generated: GeneratedCase, document: Document, text: str) -> list[str]:
    """What is wrong with one rendered document of a generated case."""
    facts, key = generated.facts, document.key
    applicant = facts["case"]["applicant"]
    individual = applicant["kind"] == "个人"
    name = applicant["name"]
    organization = applicant.get("party_organization") or facts["application"]["unit_opinion"]["by"]
    determination = facts["determination"]
    decision = determination["decision"]
    problems = [f"含有“{artefact}”（模板残留或泛称）" for artefact in _ARTEFACTS if artefact in text]
    problems += tense_problems(text, document.date)

    def need(*passages, why: str = ""):
        for passage in passages:
            if _plain(str(passage)) not in text:
                problems.append(f"缺少“{passage}”{why}")

    def never(*passages, why: str = ""):
        for passage in passages:
            if _plain(str(passage)) in text:
                problems.append(f"不应出现“{passage}”{why}")

    need(name)
    if document.number:
        need(document.number, why="（本文书的文号）")
    numbers = _numbers(facts)
    if key in ("decision", "feedback_letter", "minutes", "filing_form"):
        need(verdict(decision), why="（认定结果）")
        if decision["outcome"] == "不予容错":
            need("问责程序依照有关规定继续进行", why="（不予容错后的问责程序）")
        uses = [RESULT_USES[k] for k in decision.get("result_use", [])]
        if decision["outcome"] == EXEMPT_OUTCOME:
            need(*uses, why="（第十条结果运用）")
        else:
            never(*RESULT_USES.values(), RESULT_USE_CLAUSE, why="（第十条只适用于免予问责）")
    if key in ("feedback_letter", "filing_form"):
        need(numbers["decision"], why="（认定决定的文号）")
    if key == "decision":
        need(organization if not individual else organization + "，" + name + "同志：", why="（主送）")
        need(*_items(facts["investigation"]["facts_found"]), *_items(decision["reasoning"]))
        _numbered(problems, text, facts["investigation"]["facts_found"], "（一）", "（二）")
        need("书面提出。", why="（完整的异议句）")
        never("自收到本决定之日起向", why="（不完整的异议句）")
    if key == "feedback_letter":
        need(*_items(facts["feedback"]["explanation"]), "送达回执", "书面提出。")
        receipt = facts["feedback"].get("receipt")
        if receipt:
            never("签收人（签名）" + receipt["signed_by"], why="（签名栏应留空）")
    if key == "minutes":
        need(*determination["meeting"]["attendees"])
    if key == "filing_form":
        need("由" + organization + "、", why="（整理成卷的党组织全称）")
    if key == "upward_report":
        upward = determination["upward_report"]
        need(upward["to"] + "：", "现就有关问题请示如下", "妥否，请批示。", verdict(upward["proposal"]),
             *upward.get("cc", []), *_items(upward["proposal"]["reasoning"]))
        never("现将有关情况报告如下")
        first = _items(facts["investigation"]["facts_found"])[0]
        if text.count(first) != 1:
            problems.append(f"查明的事实写了{text.count(first)}次（应只写一次）")
        _numbered(problems, text, facts["investigation"]["facts_found"], "1.", "2.")
    if key == "deferral_notice" and "upward_report" in determination:
        reported, deferred = determination["upward_report"]["date"], determination["deferral"]["date"]
        if reported <= deferred:
            need(f"已于{cn_date(reported)}就有关问题向", why="（请示在暂缓之前，写成已办）")
            never("将向", why="（请示已经发出）")
        else:
            need("暂缓期间，" + "局党委将向", why="（请示在暂缓之后，写成将办）")
    if key == "investigation_report":
        need(*(person["name"] for person in facts["investigation"]["team"]))
        appeal = facts["investigation"].get("appeal")
        if appeal and appeal["date"] <= facts["investigation"]["report_date"]:
            need(*("采纳情况：" + r["adoption"] for r in appeal.get("responses", [])))
    if key == "initiation":
        never("签名：" + facts["initiation"]["approver"]["name"], why="（签名栏应留空）")
    if key == "application" and individual:
        never("申请人（签名）：" + name, why="（签名栏应留空）")
    if key == "rectification_notice":
        need(*_items(facts["rectification"]["problems"]), *_items(facts["rectification"]["requirements"]))
    if key == "followup_record":
        for talk in facts["followup"]["talks"]:
            need(*(person["name"] for person in talk["talkers"]), "■" + talk["assessment"])
    return problems


def _numbered(problems: list[str], text: str, value, first: str, second: str) -> None:
    """A list of findings is numbered for the level it stands at."""
    if isinstance(value, list) and len(value) > 1:
        items = _items(value)
        for mark, item in ((first, items[0]), (second, items[1])):
            if mark + item not in text:
                problems.append(f"列表项未按层次编号：缺少“{mark}{item}”")


def _numbers(facts: dict) -> dict[str, str]:
    decision = facts["determination"]["decision"]
    return {"decision": f"〔{decision['date'][:4]}〕{decision['seq']}号"}


def numbers_problems(documents: list[Document]) -> list[str]:
    """Every document number of a case is used once."""
    numbers = [document.number for document in documents if document.number]
    return [f"文号{number}用了{numbers.count(number)}次" for number in sorted(set(numbers))
            if numbers.count(number) > 1]
