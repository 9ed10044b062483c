"""Whatever a YAML author can break gives a CaseFileError naming file and line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.case.yamlio import load_yaml
from toolkit.errors import CaseFileError


def write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "01-application.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("content, line, words", [
    ("date: 2021-02-30\n", 1, "日期“2021-02-30”不存在"),
    ("a: 1\nb: 2\na: 3\n", 3, "键“a”重复（第一次出现在第 1 行）"),
    ("a:\n\tb: 1\n", 2, "制表符"),
    ("a: [1, 2\nb: 3\n", 2, "YAML 语法错误"),
    ("a: b: c\n", 1, "此处不能出现“键: 值”"),
    ("", 1, "文件为空"),
    ("# 只有注释\n\n", 1, "文件为空"),
    ("a: &x [*x]\n", 1, "循环引用"),
    ("a: 1\n---\nb: 2\n", 2, "一个文件只能有一个 YAML 文档"),
    ("a: !!binary aGVsbG8=\n", 1, "二进制"),
])
def test_malformed_yaml_is_a_located_message(tmp_path, content, line, words):
    path = write(tmp_path, content)
    with pytest.raises(CaseFileError) as caught:
        load_yaml(path)
    assert caught.value.file == str(path)
    assert caught.value.line == line
    assert words in caught.value.message


def test_non_utf8_names_the_line(tmp_path):
    path = write(tmp_path, "a: 1\nb: \xd6\xd0\xce\xc4\n".encode("latin-1"))
    with pytest.raises(CaseFileError) as caught:
        load_yaml(path)
    assert caught.value.line == 2
    assert "UTF-8" in caught.value.message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CaseFileError, match="文件不存在"):
        load_yaml(tmp_path / "none.yaml")
    with pytest.raises(CaseFileError, match="却是文件夹"):
        load_yaml(tmp_path)


def test_values_keep_their_positions(tmp_path):
    path = write(tmp_path, "date: 2025-01-03\nsituations:\n  - item: 4\n    facts: 事实\n")
    loaded = load_yaml(path)
    assert loaded.data == {"date": "2025-01-03", "situations": [{"item": 4, "facts": "事实"}]}
    assert loaded.where(("situations", 0, "facts")) == (4, 12)
    assert loaded.where(("situations", 0, "item"), key=True) == (3, 5)
    # a missing field is reported at its nearest parent
    assert loaded.where(("situations", 0, "nothing")) == (3, 5)


def test_bom_is_accepted(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfa: 1\n")
    assert load_yaml(path).data == {"a": 1}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
       | st.lists(st.sampled_from(["a:", " b", "- ", "\n", "\t", "[", "]", "{", "}", "&x ", "*x", ":", "'",
                                   '"', "2021-02-30", "!!", "---", "#", "|", ">", "？", "："]),
                  max_size=40).map("".join))
def test_any_text_raises_only_our_error(tmp_path, text):
    path = write(tmp_path, text)
    try:
        load_yaml(path)
    except CaseFileError:
        pass


#: Values the reader makes itself rather than through ruamel's constructor (plain decimal
#: numbers, dates, text), and their neighbours, which it leaves to the constructor.
_SCALARS = ["012", "0", "00", "-5", "+3", "1_000", "0x1F", "0o17", "07", "9" * 30, "٣", "1.5", ".inf",
            "2025-01-01", "2024-02-29", "2025-1-1", "2025-01-01 10:00:00", "2025-01-01T10:00:00+08:00",
            "yes", "true", "~", "null", "abc", "文字", "'012'", '"2025-01-01"', "!!str 12", "!!int '7'",
            "!!timestamp 2025-01-01", "2025-001", "12:30", "0b101", "-0"]


@pytest.mark.parametrize("version", ["", "%YAML 1.1\n---\n"])
def test_values_are_what_ruamel_constructs(tmp_path, version):
    import datetime as dt

    from ruamel.yaml import YAML

    text = version + "".join(f"v{n}: {value}\n" for n, value in enumerate(_SCALARS))
    expected = YAML(typ="safe", pure=False).load(text)  # the C loader, as the reader uses
    expected = {key: value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
                for key, value in expected.items()}
    loaded = load_yaml(write(tmp_path, text))
    assert loaded.data == expected
    assert [type(v) for v in loaded.data.values()] == [type(v) for v in expected.values()]
    assert loaded.positions[("v3",)] == (len(version.splitlines()) + 4, 5)


def test_an_impossible_date_is_still_a_message(tmp_path):
    with pytest.raises(CaseFileError, match="日期“2025-02-29”不存在") as error:
        load_yaml(write(tmp_path, "a: 1\nb: 2025-02-29\n"))
    assert (error.value.line, error.value.column) == (2, 4)
