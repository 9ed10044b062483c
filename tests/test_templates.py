"""The wording templates share their phrases through one macro file, templates/_macros.xml.j2."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from toolkit.case.load import load_case
from toolkit.config import load_config
from toolkit.documents.compose import compose_all
from toolkit.documents.registry import KINDS
from toolkit.paths import PROJECT_ROOT, TEMPLATES_DIR

EXAMPLE = PROJECT_ROOT / "casefiles" / "2025-003-hearing-deferral"
MACRO = re.compile(r"{%-?\s*macro\s+(\w+)\s*\(")


def test_no_macro_is_defined_in_two_templates():
    where: dict[str, list[str]] = {}
    for path in sorted(TEMPLATES_DIR.glob("*.xml.j2")):
        for name in MACRO.findall(path.read_text(encoding="utf-8")):
            where.setdefault(name, []).append(path.name)
    assert {name: files for name, files in where.items() if len(files) > 1} == {}


def test_every_template_but_the_shared_macros_is_a_document_kind():
    documents = {path.name for path in TEMPLATES_DIR.glob("*.xml.j2") if not path.name.startswith("_")}
    assert documents == {kind.template for kind in KINDS}
    assert all(not kind.key.startswith("_") for kind in KINDS)


def _bureau_with_templates(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "casefiles"
    root.mkdir()
    shutil.copy(EXAMPLE.parent / "holidays.yaml", root / "holidays.yaml")
    (root / "bureau.yaml").write_text((EXAMPLE.parent / "bureau.yaml").read_text(encoding="utf-8")
                                      + "\ntemplates: bureau-templates\n", encoding="utf-8")
    shutil.copytree(EXAMPLE, root / EXAMPLE.name)
    (root / "bureau-templates").mkdir()
    return root / EXAMPLE.name, root / "bureau-templates"


def _documents(folder: Path) -> dict:
    return {doc.key: doc for doc in compose_all(load_case(folder), load_config(folder))}


def test_a_bureau_template_can_use_the_shared_macros(tmp_path):
    folder, overrides = _bureau_with_templates(tmp_path)
    (overrides / "hearing_notice.xml.j2").write_text(
        '{% from "_macros.xml.j2" import heading, hm, person %}\n'
        '{% set n = namespace(i=0) %}\n'
        '<document layout="letter" title="本局听证通知" author="{{ bureau.party_committee }}" '
        'date="{{ facts.investigation.hearing.notice_date }}">\n'
        '  {{ heading(n, "时间") }}\n'
        '  <p>{{ hm(facts.investigation.hearing.start) }}，'
        '主持人{{ person(facts.investigation.hearing.presiding) }}。</p>\n'
        '  {{ heading(n, "地点") }}\n'
        '</document>\n', encoding="utf-8")
    docs = _documents(folder)
    text = docs["hearing_notice"].text()
    assert "一、时间" in text and "二、地点" in text
    # 03-investigation.yaml: start "09:00", presiding 钱国栋 (局党委委员、副局长)
    assert "9时00分，主持人钱国栋（局党委委员、副局长）。" in text
    assert docs["investigation_report"] == _documents(EXAMPLE)["investigation_report"]


def test_a_bureau_macro_file_serves_every_document(tmp_path):
    """Its own _macros.xml.j2 changes a shared phrase in the shipped templates too."""
    folder, overrides = _bureau_with_templates(tmp_path)
    shipped = (TEMPLATES_DIR / "_macros.xml.j2").read_text(encoding="utf-8")
    (overrides / "_macros.xml.j2").write_text(
        shipped.replace('{{ counter.i | cn_number }}、{{ text }}', '第{{ counter.i | cn_number }}部分　{{ text }}'),
        encoding="utf-8")
    text = _documents(folder)["investigation_report"].text()
    assert "第一部分　案件来源" in text and "一、案件来源" not in text


#: An ordering comparison of two dates inside a template expression.
DATE_COMPARISON = re.compile(r"(?:date|_on|until|deadline)\s*(?:<=|>=|<|>)\s*[\w.(]|"
                             r"[\w.)]\s*(?:<=|>=|<|>)\s*[\w.]*(?:date|_on|until|deadline)\b")


def test_templates_leave_tense_to_the_one_helper():
    """Whether another step is said as done or as planned is decided by ``tense`` from the
    dates, in one place (toolkit/documents/compose.py), never by a comparison in a template."""
    offences = {}
    for path in sorted(TEMPLATES_DIR.glob("*.xml.j2")):
        for expression in re.findall(r"{[{%].*?[%}]}", path.read_text(encoding="utf-8"), re.S):
            if DATE_COMPARISON.search(expression):
                offences.setdefault(path.name, []).append(expression)
    assert offences == {}
    assert DATE_COMPARISON.search('{% if inv.appeal.date <= h.notice_date %}')
