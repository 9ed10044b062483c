"""Chinese text normalised at render time, and rcmz check's warnings about the same slips in the
facts and in bureau.yaml (toolkit/text.py, toolkit/rules/typography.py)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from conftest import edit
from toolkit.pipeline import check
from toolkit.text import normalize_typography, phrases_of, typography_slips

TODAY = dt.date(2026, 11, 28)


@pytest.mark.parametrize("typed, printed", [
    ("关于党员干部改革创新容错免责的实施办法(试行)", "关于党员干部改革创新容错免责的实施办法（试行）"),
    ("第(四)项", "第（四）项"),
    ("张三 (李四)", "张三（李四）"),
    ("局组织处 沈佳怡", "局组织处沈佳怡"),
    ("1. 在干部个人评优评先中", "1.在干部个人评优评先中"),
    ("附件：2. 听证记录", "附件：2.听证记录"),
    ("𠮷 㵘 堃", "𠮷㵘堃"),
    # Latin text keeps its own brackets and spaces
    ("GB/T 9704 (2012)", "GB/T 9704 (2012)"),
    ("ISO 19005-2 (PDF/A)", "ISO 19005-2 (PDF/A)"),
    ("杭教党容〔2025〕3号", "杭教党容〔2025〕3号"),
])
def test_normalised_at_render_time(typed, printed):
    assert normalize_typography(typed) == printed
    assert bool(typography_slips(typed)) == (typed != printed)


def test_phrases_are_the_short_values_of_the_facts():
    found = phrases_of({"applicant": {"name": "周明远", "unit": "杭州市钱塘实验中学"},
                        "by": "局组织处 何晓岚", "text": "同意。申请在规定期限内提出。"},
                       {"party_committee": "中共杭州市教育局委员会"})
    assert set(found) == {"周明远", "杭州市钱塘实验中学", "局组织处", "何晓岚", "中共杭州市教育局委员会"}
    assert found[0] == "中共杭州市教育局委员会"           # longest first


def _warnings(folder):
    return [p for p in check(folder, TODAY).problems if p.rule == "公文格式"]


def test_check_warns_about_half_width_brackets_and_spaces_in_the_facts(example):
    case = example()
    edit(case / "01-application.yaml", {"received_by": "局组织处 沈佳怡"})
    edit(case / "04-determination.yaml", {"decision.reasoning": "符合办法(试行)第六条。"})
    found = {p.field: p for p in _warnings(case)}
    assert set(found) == {"received_by", "decision.reasoning"}
    assert all(p.severity == "warning" for p in found.values())
    assert "汉字之间的半角空格" in found["received_by"].message
    assert "局组织处沈佳怡" in found["received_by"].message
    assert "半角括号" in found["decision.reasoning"].message
    assert "（试行）" in found["decision.reasoning"].message
    assert found["received_by"].file.endswith("01-application.yaml") and found["received_by"].line > 1


def test_a_folded_block_is_not_blamed_for_its_folds(example):
    case = example()
    path = case / "00-case.yaml"
    text = path.read_text(encoding="utf-8")
    assert "description: >-" in text                       # the example folds its long text
    assert _warnings(case) == []


def test_check_warns_about_bureau_yaml(example):
    case = example()
    config = case.parent / "bureau.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("（试行）", "(试行)"), encoding="utf-8")
    [problem] = _warnings(case)
    assert problem.file.endswith("bureau.yaml") and problem.field == "measures.title"
    assert "（试行）" in problem.message


def test_check_does_not_load_the_typesetter():
    code = ("import sys, toolkit.pipeline, toolkit.rules.checks\n"
            "assert not [m for m in sys.modules if m.startswith(('reportlab', 'jieba', 'docx'))], "
            "sorted(m for m in sys.modules if m.startswith(('reportlab', 'jieba', 'docx')))")
    subprocess.run([sys.executable, "-c", code], check=True)
