"""The Chinese text conventions every stage writes with (toolkit/text.py)."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from toolkit.text import (
    cn_date,
    cn_month,
    cn_number,
    display_width,
    doc_number,
    layer_number,
)

TOOLKIT = Path(__file__).resolve().parent.parent / "toolkit"


@pytest.mark.parametrize("value, text", [
    (date(2025, 1, 3), "2025年1月3日"),
    ("2020-10-10", "2020年10月10日"),
    ("2025-03", "2025年3月"),       # a volume's 起止年月 may stop at the month
    ("2025", "2025年"),
])
def test_cn_date_without_leading_zeros(value, text):
    assert cn_date(value) == text


@pytest.mark.parametrize("value, text", [
    ("1976-09", "1976年9月"), ("2025-03-12", "2025年3月"), (date(2025, 12, 1), "2025年12月"),
    ("2025", "2025年"),
])
def test_cn_month(value, text):
    assert cn_month(value) == text


@pytest.mark.parametrize("value", ["2021-02-30", "2025-13", "25-01-01", "2025/01/03", ""])
def test_impossible_or_malformed_dates_raise(value):
    with pytest.raises(ValueError):
        cn_date(value)


@pytest.mark.parametrize("n, text", [(1, "一"), (6, "六"), (10, "十"), (12, "十二"), (20, "二十"),
                                     (21, "二十一")])
def test_cn_number(n, text):
    assert cn_number(n) == text


def test_doc_number_from_a_date_or_its_iso_form():
    assert doc_number("杭教党容", "2025-03-12", 3) == "杭教党容〔2025〕3号"
    assert doc_number("杭教党容", date(2026, 1, 5), 12) == "杭教党容〔2026〕12号"


def test_display_width():
    assert display_width("2025-001") == 8
    assert display_width("欧阳喆") == 6
    assert display_width("“①”") == 3                       # ambiguous: narrow on a terminal
    assert display_width("“①”", ambiguous_wide=True) == 6  # a full em in a Chinese font


def _formats_a_chinese_date(node: ast.JoinedStr) -> bool:
    """An f-string such as f"{d.year}年{d.month}月{d.day}日": a date formatter of its own."""
    parts = node.values
    for i in range(len(parts) - 1):
        value, after = parts[i], parts[i + 1]
        if isinstance(value, ast.FormattedValue) and isinstance(after, ast.Constant) \
                and isinstance(value.value, ast.Attribute) and value.value.attr == "month" \
                and str(after.value).startswith("月"):
            return True
    return False


def test_no_other_module_formats_chinese_dates_itself():
    offenders = []
    for path in sorted(TOOLKIT.rglob("*.py")):
        if path.name == "text.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(TOOLKIT)}:{node.lineno}" for node in ast.walk(tree)
                      if isinstance(node, ast.JoinedStr) and _formats_a_chinese_date(node)]
    assert offenders == [], "use toolkit.text.cn_date / cn_month"


def test_layer_numbers_of_gbt_9704():
    assert [layer_number(2, depth) for depth in (1, 2, 3, 4)] == ["二、", "（二）", "2.", "（2）"]
    assert layer_number(12, 2) == "（十二）"
    with pytest.raises(ValueError):
        layer_number(1, 5)
