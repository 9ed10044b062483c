"""The workbench's round-trip merge (toolkit/workbench/merge.py): a no-op save is byte-identical,
an edit changes only its own lines and keeps every comment, new keys land where the scaffold
put their placeholder, folded text keeps its breaks, dates stay dates."""

from __future__ import annotations

import datetime as dt
import difflib
import functools
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from toolkit.case.scaffold import skeleton
from toolkit.case.schema import schema_of
from toolkit.case.steps import BY_FILE, BY_KEY, STEPS
from toolkit.case.yamlio import parse_text
from toolkit.workbench.merge import FormItem, comments, merge

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_FILES = sorted(p for p in (REPO / "casefiles").glob("*/*.yaml") if p.name in BY_FILE)


@functools.cache
def loaded(path: Path):
    text = path.read_text(encoding="utf-8")
    return text, parse_text(text, path), schema_of(BY_FILE[path.name].schema)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_no_op_merge_of_every_example_file_is_byte_identical(path):
    text, file, schema = loaded(path)
    merged = merge(text, file.data, schema)
    assert merged.text == text and not merged.changed


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.key)
def test_a_no_op_merge_of_every_scaffold_is_byte_identical(step, tmp_path):
    text = skeleton(step, tmp_path)
    data = YAML(typ="safe").load(text) or {}
    assert merge(text, data, schema_of(step.schema)).text == text


def leaves(data, path=()):
    """(path, value) of every string, integer and date value under a mapping key."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, (dict, list)):
                yield from leaves(value, path + (index,))
    elif isinstance(data, (str, int)) and not isinstance(data, bool) and isinstance(path[-1], str):
        yield path, data


ALL_LEAVES = [(path, leaf) for path in EXAMPLE_FILES for leaf in leaves(loaded(path)[1].data)]
TEXT = st.text(alphabet=st.sampled_from(list("甲乙丙丁改正的事实、，。：；“”（）abcXYZ019 -:#'\"")),
               min_size=1, max_size=30).filter(lambda s: s.strip() == s and s)


def replaced(data, path, value):
    import copy

    data = copy.deepcopy(data)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


def span(file, path) -> tuple[int, int]:
    """0-based [first, end) lines of the field at ``path``: its key line up to the next value or
    key that is not inside it."""
    first = file.key_positions[path][0]
    later = [line for table in (file.positions, file.key_positions) for p, (line, _c) in table.items()
             if line > first and p[:len(path)] != path]
    return first - 1, (min(later) - 1 if later else 10**9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(choice=st.sampled_from(ALL_LEAVES), text=TEXT, number=st.integers(1, 9999),
       day=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)))
def test_a_single_field_edit_changes_only_that_fields_lines_and_keeps_every_comment(choice, text, number, day):
    _single_field_edit(choice, text, number, day)


def test_a_value_with_a_quote_after_a_colon_keeps_the_end_of_line_comment():
    # found by the property test: ``category: :'   # 直接适用（第三条）`` read as an open quote
    path = REPO / "casefiles" / "2025-004-lighter-report-first" / "00-case.yaml"
    leaf = (("applicant", "category"), "局机关工作人员")
    _single_field_edit((path, leaf), ":'", 1, dt.date(2020, 1, 1))
    assert comments("  category: :'   # 直接适用（第三条）") == ["# 直接适用（第三条）"]
    assert comments("  a: b:'c  # 注") == ["# 注"] and comments("  a: 'x # 不是注释'") == []


def test_a_hash_in_the_text_of_a_block_is_no_comment():
    # found by the property test: facts_found (a >- block) edited to "#"
    path = REPO / "casefiles" / "2025-003-hearing-deferral" / "03-investigation.yaml"
    _, file, _ = loaded(path)
    _single_field_edit((path, (("facts_found",), file.data["facts_found"])), "#", 1, dt.date(2020, 1, 1))
    text = "a: >-  # 注一\n  # 不是注释\n\n  # 也不是\n# 注二\nb:\n  - |\n    # 文字\n  # 注三\n"
    assert comments(text) == ["# 注一", "# 注二", "# 注三"]


def _single_field_edit(choice, text, number, day):
    path_file, (path, old) = choice
    before, file, schema = loaded(path_file)
    if isinstance(old, int):
        value = number
    elif len(old) == 10 and old[4] == "-" and old[7] == "-":
        value = day.isoformat()
    else:
        value = text
    merged = merge(before, replaced(file.data, path, value), schema)
    after = parse_text(merged.text, path_file)
    assert after.data == replaced(file.data, path, value)
    assert Counter(comments(merged.text)) == Counter(comments(before))
    first, end = span(file, path)
    old_lines, new_lines = before.splitlines(), merged.text.splitlines()
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, old_lines, new_lines).get_opcodes():
        if tag != "equal":
            assert first <= i1 and i2 <= end, (path, old_lines[i1:i2], new_lines[_j1:_j2])


def test_a_new_optional_key_replaces_its_commented_placeholder_in_place(tmp_path):
    text = skeleton(BY_KEY["application"], tmp_path)
    data = YAML(typ="safe").load(text)
    data["statement"] = "综述"
    data["unit_opinion"] = {"text": "同意申请。", "date": "2025-02-06"}
    merged = merge(text, data, schema_of("application.schema.json")).text
    lines = merged.splitlines()
    assert "# statement: \"\"" not in lines and "statement: 综述" in lines
    assert lines.index("statement: 综述") == text.splitlines().index('# statement: ""')
    assert "unit_opinion:" in lines and "  text: 同意申请。" in lines and "  date: 2025-02-06" in lines
    assert '  # by: ""' in lines  # the placeholder of what was not filled stays a comment
    assert len(lines) == len(text.splitlines())


def test_folded_text_keeps_its_style_and_breaks_and_dates_stay_dates():
    path = REPO / "casefiles/2025-001-exempt-individual/01-application.yaml"
    text, file, schema = loaded(path)
    data = replaced(file.data, ("situations", 0, "facts"),
                    file.data["situations"][0]["facts"].replace("重点工作", "重要工作"))
    data = replaced(data, ("date",), "2025-02-07")
    merged = merge(text, data, schema).text
    changed = [line for line in difflib.ndiff(text.splitlines(), merged.splitlines()) if line[:1] in "+-"]
    assert changed == ["- date: 2025-02-06", "+ date: 2025-02-07",
                       "-       食堂统一配送是市教育局2024年集团化办学重点工作，开学前必须完成配送服务商确定，",
                       "+       食堂统一配送是市教育局2024年集团化办学重要工作，开学前必须完成配送服务商确定，"]
    assert YAML(typ="safe").load(merged)["date"] == dt.date(2025, 2, 7)  # a date, not a datetime


def test_moved_items_keep_their_content_and_a_deletion_reports_the_comments_it_removes():
    path = REPO / "casefiles/2025-001-exempt-individual/01-application.yaml"
    text, file, schema = loaded(path)
    items = [FormItem(item, index) for index, item in enumerate(file.data["conditions"])]
    data = dict(file.data, conditions=[items[1], items[0], *items[2:]])
    merged = merge(text, data, schema)
    assert [c["item"] for c in YAML(typ="safe").load(merged.text)["conditions"]] == [2, 1, 3, 4, 5, 6]
    assert merged.lost_comments == []
    commented = "date: 2025-02-06  # 春节后\n" + text.split("\n", 3)[3]
    without = {k: v for k, v in parse_text(commented, path).data.items() if k != "statement"}
    assert merge(commented, without, schema).lost_comments == []
    data = dict(parse_text(commented, path).data)
    del data["date"]
    assert merge(commented, data, schema).lost_comments == ["# 春节后"]
