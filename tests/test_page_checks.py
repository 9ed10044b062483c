"""The page checks of ../shared/PAGE-CHECKS.md on every document of the example cases and of
generated cases: our PDFs measured glyph by glyph (tests/pagecheck.py), the same checks on
LibreOffice's layout of each DOCX (one batched conversion per session, tests/lo_layout.py), and
the line-by-line comparison of the two.

Where a check cannot hold yet, the gap is listed in ``KNOWN`` with its reason, so that the test
fails both on a new problem and on a gap that has closed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import lo_layout
import pagecheck as C
from conftest import CASEFILES, EXAMPLES
from docket_fixtures import write_case
from toolkit.case.load import load_case
from toolkit.config import load_config
from toolkit.documents.compose import compose_all
from toolkit.render.docx import render_docx
from toolkit.render.fonts import default_fontbook
from toolkit.render.forms import BLOCK_H, _content_height, plan_form
from toolkit.render.linebreak import document_phrases
from toolkit.render.pdf import record_pages, tightened, typeset, write_pdf

pytestmark = pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf").exists(),
    reason="free CJK fonts not installed (make setup)")

#: Characters the free 仿宋 (FandolFang) lacks: set in a fallback face, listed by the font check.
FALLBACK = "喆㵘堃𠮷昇犇"

#: Generated cases: long names of units and people, a unit applicant, a refusal.
GENERATED = [
    dict(case_id="2025-901", kind="单位", name="杭州市钱塘区某某街道某某社区某某教育集团附属职业技术学校",
         claimed=(1, 3)),
    dict(case_id="2025-902", kind="个人", name="欧阳思远", unit="杭州市上城区某某实验学校教育集团",
         claimed=(2,)),
    dict(case_id="2025-903", kind="个人", name="司马文", unit="杭州市第一中学", outcome="不予容错",
         claimed=(4,)),
]

#: Gaps that remain (see the closing report of issue 12): "check:document" → problems.
KNOWN: dict[str, set[str]] = {
    # LibreOffice puts the framed 版记 on a page of its own when 出席 starts a page; the PDF (and
    # Word, which places a frame with its anchor) keep them on one page
    "lo_record:2025-903-minutes": {"版记 on odd page 3"},
    "lo_pages:2025-903-minutes": {"(2, 3)"},
}


def _known(check: str, name: str, problems: list[str]) -> list[str]:
    allowed = KNOWN.get(f"{check}:{name}", set())
    return [p for p in problems if p not in allowed]


@pytest.fixture(scope="module")
def fonts():
    return default_fontbook()


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """(name, Document) of every document of the examples and the generated cases."""
    out = []
    for case in EXAMPLES:
        folder = CASEFILES / case
        out += [(f"{case[:8]}-{d.key}", d) for d in compose_all(load_case(folder), load_config(folder))]
    root = tmp_path_factory.mktemp("generated")
    for name in ("bureau.yaml", "holidays.yaml"):
        shutil.copy(CASEFILES / name, root / name)
    for spec in GENERATED:
        spec = dict(spec)
        case_id = spec.pop("case_id")
        folder = write_case(root, case_id, started="2025-03-01", applied="2025-03-05",
                            initiated="2025-03-07", reported="2025-03-20", decided="2025-03-25",
                            fed_back="2025-03-26", filed="2025-04-01", **spec)
        out += [(f"{case_id}-{d.key}", d) for d in compose_all(load_case(folder), load_config(folder))]
    return out


@pytest.fixture(scope="module")
def rendered(documents, fonts):
    """name → (Document, PDF bytes, DOCX bytes, numbered pages, fits one page, tightened pages:
    page number → lines in the block)."""
    out = {}
    for name, doc in documents:
        pages = typeset(doc, fonts)
        phrases = document_phrases(doc)
        plan = plan_form(doc, phrases)
        fits = doc.layout == "form" and _content_height(doc, plan.widths, plan.style, phrases) <= BLOCK_H
        tight = tightened(pages)
        out[name] = (doc, write_pdf(doc, pages, fonts),
                     render_docx(doc, record_pages=record_pages(pages), tight=tight),
                     [p.number for p in pages], fits, {t.page + 1: t.lines for t in tight})
    return out


@pytest.fixture(scope="module")
def pdfs(rendered):
    return {name: C.Rendered.of(name, doc, pdf, tight=rendered[name][5])
            for name, (doc, pdf, *_) in rendered.items()}


@pytest.fixture(scope="module")
def los(rendered, fonts, tmp_path_factory):
    """LibreOffice's layout of every DOCX: one batched conversion."""
    if not lo_layout.available():
        pytest.skip("LibreOffice not installed (make test installs it: scripts/ensure-libreoffice.sh)")
    folder = tmp_path_factory.mktemp("lo")
    files = []
    for name, (_, _, docx, *_) in rendered.items():
        path = folder / f"{name}.docx"
        path.write_bytes(docx)
        files.append(path)
    pdf = lo_layout.convert(files, folder / "out", fonts)
    return {name: C.Rendered.of(name, rendered[name][0], pdf[folder / f"{name}.docx"].read_bytes(), lo=True,
                                tight=rendered[name][5])
            for name in rendered}


def _all(results: dict[str, C.Rendered], check, name: str, **kw) -> dict[str, list[str]]:
    out = {}
    for doc_name, r in results.items():
        problems = _known(name, doc_name, check(r, **kw))
        if problems:
            out[doc_name] = problems
    return out


CHECKS = {
    "block_and_grid": C.block_and_grid,
    "twenty_eight": C.twenty_eight,
    "punctuation": C.punctuation,
    "head": C.head,
    "title": C.title,
    "signature": C.signature,
    "attendance": C.attendance,
}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_pdf(pdfs, check):
    assert _all(pdfs, CHECKS[check], check) == {}


def test_pdf_signature_page_before_ends_at_most_two_rows_early(pdfs):
    """7.3.5.5: the lines that go with a signature leave the page before it at most two rows
    short; where they would leave more, lines move (the page before that one ends a row or two
    early), and where the signature lacks at most three rows its page is set closer instead
    (toolkit.render.pdf.typeset)."""
    assert _all(pdfs, lambda r: C.signature(r, early=True), "early") == {}


def test_pdf_record_and_page_numbers(pdfs, rendered):
    problems = {}
    for name, r in pdfs.items():
        found = C.record(r) + C.page_numbers(r, rendered[name][3])
        if found:
            problems[name] = found
    assert problems == {}


def test_pdf_fonts_per_element(pdfs):
    """Body in a FangSong face, titles and mark in the 小标宋 stand-in, 一、 in 黑体, page numbers
    in 宋体; a glyph in another face than its line only where the face lacks the character."""
    assert _all(pdfs, C.fonts, "fonts", fallback_chars=FALLBACK) == {}


def test_forms_fit_their_sheet(pdfs, rendered):
    problems = {name: C.forms(r, rendered[name][4]) for name, r in pdfs.items()}
    assert {k: v for k, v in problems.items() if v} == {}
    # the example forms that fit one page do (启动审批表, 回访谈话记录, 澄清正名情况记录)
    assert all(len(pdfs[n].pages) == 1 for n in pdfs if n.endswith(("initiation", "followup_record")))


#: LibreOffice's layout, and why a check differs there.
LO_CHECKS = {
    "block_and_grid": C.block_and_grid,       # grid pitch at LibreOffice's baseline offset
    "twenty_eight": C.twenty_eight,
    # LibreOffice ignores the DOCX's kinsoku list (w:noLineBreaksBefore), so it may start a line
    # with 号; Word honours it
    "punctuation": lambda r: C.punctuation(r, number_split=False),
    "head": C.head,
    "title": C.title,
    "attendance": C.attendance,
}


@pytest.mark.parametrize("check", sorted(LO_CHECKS))
def test_docx_in_libreoffice(los, check):
    assert _all(los, LO_CHECKS[check], check) == {}


def test_docx_record_and_page_numbers_in_libreoffice(los):
    # the DOCX numbers every page (Word cannot drop the number of a blank page before the 版记
    # without a section of its own), and LibreOffice draws no "between" rule in a frame
    problems = {}
    for name, r in los.items():
        found = _known("lo_record", name,
                       [p for p in C.record(r) + C.page_numbers(r) if "numbered" not in p])
        if found:
            problems[name] = found
    assert problems == {}


def test_docx_breaks_as_the_pdf(pdfs, los):
    """≥ 95 % of the PDF's lines break the same way, on the same page, in LibreOffice's layout
    of the DOCX; equal page counts; nothing past the block; the mark where the PDF has it."""
    same = total = 0
    pages, worst = {}, {}
    for name in pdfs:
        s, t, _ = C.fidelity(pdfs[name], los[name])
        same, total = same + s, total + t
        counts = (len(pdfs[name].pages), len(los[name].pages))
        if counts[0] != counts[1] and _known("lo_pages", name, [str(counts)]):
            pages[name] = counts
        worst[name] = s / t if t else 1.0
    assert same / total >= 0.95, (same, total, sorted(worst.items(), key=lambda kv: kv[1])[:5])
    assert pages == {}
    assert {n: C.overhang(r) for n, r in los.items() if C.overhang(r)} == {}
    assert {n: C.mark_matches(pdfs[n], los[n]) for n in pdfs if C.mark_matches(pdfs[n], los[n])} == {}
