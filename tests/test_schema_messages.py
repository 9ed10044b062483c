"""Schema problems are Chinese messages at the offending value, one per problem.

``validate`` asks a fastjsonschema-compiled validator "valid?" first (compiled once and kept in
the cache folder); only an invalid file goes on to jsonschema, which explains every problem.
Each test here starts from a process that has made no validator yet.
"""

from __future__ import annotations

import pytest

from toolkit.case import schema
from toolkit.case.schema import validate
from toolkit.case.yamlio import load_yaml

VALID_FEEDBACK = "date: 2025-03-07\nseq: 3\nmethod: 当面送达\nexplanation: 说明\n"
FEEDBACK = "feedback.schema.json"


@pytest.fixture(autouse=True)
def no_validators_made(monkeypatch):
    """No validator made yet in this process, as when this file runs alone."""
    monkeypatch.setattr(schema, "_FAST", {})
    schema.validator_for.cache_clear()


def messages(tmp_path, text, schema_file=FEEDBACK):
    path = tmp_path / "05-feedback.yaml"
    path.write_text(text, encoding="utf-8")
    return [(p.line, p.column, p.field, p.message)
            for p in validate(load_yaml(path), schema_file, "05-feedback.yaml")]


def _no_jsonschema(monkeypatch) -> None:
    def refused(schema_file):
        raise AssertionError(f"jsonschema used for a valid file of {schema_file}")

    monkeypatch.setattr(schema, "validator_for", refused)


def test_valid_file_has_no_problems(tmp_path):
    assert messages(tmp_path, VALID_FEEDBACK) == []


def test_a_valid_file_is_answered_without_jsonschema_and_the_validator_kept(tmp_path, monkeypatch):
    _no_jsonschema(monkeypatch)
    assert messages(tmp_path, VALID_FEEDBACK) == []
    assert len(list((tmp_path / "cache" / "validators").glob("*.bin"))) == 1


def test_a_kept_validator_is_not_compiled_again(tmp_path, monkeypatch):
    """A validator compiled by an earlier run is read from the cache folder by the next."""
    schema.fast_validator_for(FEEDBACK)                      # an earlier run compiled and kept it
    monkeypatch.setattr(schema, "_FAST", {})                 # this run has made none

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(schema.fastjsonschema, "compile_to_code", no_compiling)
    _no_jsonschema(monkeypatch)
    assert messages(tmp_path, VALID_FEEDBACK) == []


@pytest.mark.parametrize("change, expected", [
    (("seq: 3", "seq: 三"), (2, 6, "seq", "“seq”（文号顺序号）应为整数，实际是文字“三”")),
    (("seq: 3", "seq: 0"), (2, 6, "seq", "“seq”（文号顺序号）的值 0 不能小于 1")),
    (("seq: 3", "seq:"), (2, 5, "seq", "“seq”（文号顺序号）不能为空，应填写整数")),
    (("method: 当面送达", "method: 快递"),
     (3, 9, "method", "“method”（送达方式）的值“快递”不在可选范围内，应为：当面送达、邮寄送达、电子送达")),
    (("date: 2025-03-07", "date: '2025-3-7'"),
     (1, 7, "date", "“date”（反馈日期）的日期不对：“2025-3-7”（公历日期，写作 2025-01-06）")),
    (("explanation: 说明", "explanation: ''"), (4, 14, "explanation", "“explanation”（答复解释）不能为空，请填写")),
    (("explanation: 说明", "explaination: 说明"), (4, 1, "explaination", "未知字段“explaination”，是否想写“explanation”？")),
    (("explanation: 说明", "答复解释: 说明"), (4, 1, "答复解释", "未知字段“答复解释”，是否想写“explanation”（答复解释）？")),
])
def test_each_kind_of_schema_problem(tmp_path, change, expected):
    assert expected in messages(tmp_path, VALID_FEEDBACK.replace(*change))


def test_missing_required_fields_each_named(tmp_path):
    found = messages(tmp_path, "date: 2025-03-07\n")
    assert sorted(m[3] for m in found) == sorted(["文件顶层缺少必填字段“seq”（文号顺序号）",
                                                  "文件顶层缺少必填字段“method”（送达方式）",
                                                  "文件顶层缺少必填字段“explanation”（答复解释）"])


def test_wrong_top_level_type(tmp_path):
    [(line, column, field, message)] = messages(tmp_path, "- a\n- b\n")
    assert message == "“文件顶层”（反馈（05-feedback.yaml））应为键值对（映射），实际是列表“['a', 'b']”"


def test_fast_and_full_validators_agree(tmp_path):
    """The fast path only answers valid/invalid; it must never pass what jsonschema rejects."""
    from fastjsonschema import JsonSchemaException
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from toolkit.case.schema import fast_validator_for, validator_for

    values = st.recursive(st.none() | st.booleans() | st.integers(-5, 20) | st.sampled_from(
        ["", "2025-03-07", "2025-02-30", "2025-3-7", "当面送达", "快递", "09:30", "25:00", "x" * 90]),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
            st.sampled_from(["date", "seq", "method", "explanation", "announcement", "scope", "x"]),
            inner, max_size=5), max_leaves=12)
    documents = st.fixed_dictionaries({"date": values, "seq": values, "method": values,
                                       "explanation": values}, optional={"announcement": values,
                                                                         "receipt": values, "y": values})

    @settings(max_examples=400, deadline=None)
    @given(documents)
    def agree(document):
        full_valid = not list(validator_for("feedback.schema.json").iter_errors(document))
        try:
            fast_validator_for("feedback.schema.json")(document)
            fast_valid = True
        except JsonSchemaException:
            fast_valid = False
        assert fast_valid == full_valid

    agree()


def test_every_schema_is_a_valid_2020_12_schema():
    import json

    from jsonschema import Draft202012Validator

    from toolkit.paths import SCHEMAS_DIR

    for path in SCHEMAS_DIR.glob("*.schema.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))
