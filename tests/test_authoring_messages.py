"""A clerk's usual mistakes, each reported at its own line and column, naming the character;
and ``rcmz set``, which validates before it writes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CASEFILES
from toolkit.case.yamlio import load_yaml
from toolkit.cli import main
from toolkit.errors import CaseFileError


@pytest.mark.parametrize("text, line, column, words", [
    ("id: 2025-001\napplicant：\n  kind: 个人\n", 2, 10, "全角冒号“：”"),
    ("applicant:\n  name：张三\n  kind: 个人\n", 2, 7, "全角冒号“：”"),
    ("team:\n  - name：张三\n", 2, 9, "全角冒号“：”"),
    ("applicant:\n\u3000\u3000kind: 个人\n", 2, 1, "全角空格“　”"),
    ("applicant:\n  \u3000kind: 个人\n", 2, 3, "全角空格“　”"),
    ("situations: [1，2]\n", 1, 15, "全角逗号“，”"),
])
def test_input_method_mistakes_are_named_at_their_place(tmp_path, text, line, column, words):
    path = tmp_path / "00-case.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseFileError) as error:
        load_yaml(path)
    assert (error.value.line, error.value.column) == (line, column)
    assert words in error.value.message


@pytest.mark.parametrize("text", [
    "summary: 会议记录：张三发言\n",             # a colon inside Chinese text is text
    "names: [\"张三，李四\"]\n",                  # quoted: one item on purpose
    "description: 第一，第二\n",
    "note: |\n  步骤：\n  一、二\n",
])
def test_full_width_punctuation_in_text_is_fine(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    load_yaml(path)


@pytest.fixture
def case(tmp_path: Path) -> Path:
    shutil.copytree(CASEFILES, tmp_path / "casefiles")
    return tmp_path / "casefiles"


def rcmz(cwd: Path, *args):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, [str(a) for a in args], prog_name="rcmz")
    finally:
        os.chdir(old)


def test_set_accepts_the_notation_check_prints(case):
    path = case / "2025-003-hearing-deferral" / "03-investigation.yaml"
    before = path.read_text(encoding="utf-8")
    result = rcmz(case, "set", path, "team[1].post=局基础教育处处长")
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    assert after == before.replace("post: 局基础教育处副处长", "post: 局基础教育处处长")
    assert "team[1]" not in after


@pytest.mark.parametrize("field, value, message", [
    ("applicant.gendr", "男", "“applicant”下没有字段“gendr”，是否想写“gender”？"),
    ("applicant.gender", "man", "“applicant.gender”（性别（个人））的值“man”不在可选范围内，应为：男、女"),
    ("matter.accountability_started", "2025-02-30", "日期"),
    ("team[9].post", "x", None),
])
def test_set_refuses_and_writes_nothing(case, field, value, message):
    file = "03-investigation.yaml" if field.startswith("team") else "00-case.yaml"
    path = case / "2025-001-exempt-individual" / file
    before = path.read_bytes()
    result = rcmz(case, "set", path, f"{field}={value}")
    assert result.exit_code == 2, result.output
    if message:
        assert message in result.output
    assert path.read_bytes() == before


def test_set_fills_the_commented_scaffold_line_in_place(case):
    new = case / "2026-010-test"
    assert rcmz(case, "new", new).exit_code == 0
    path = new / "00-case.yaml"
    scaffold = path.read_text(encoding="utf-8")
    assert '  # gender: ""' in scaffold
    assert rcmz(case, "set", path, "applicant.gender=女").exit_code == 0
    assert rcmz(case, "set", path, "applicant.birth=1979-04").exit_code == 0
    assert rcmz(case, "set", path, "applicant.responsible_person.name=李四").exit_code == 0
    edited = path.read_text(encoding="utf-8")
    expected = (scaffold.replace('  # gender: ""', '  gender: "女"')
                .replace('  # birth: ""', '  birth: "1979-04"')
                .replace("  # responsible_person:", "  responsible_person:")
                .replace('    # name: ""', '    name: "李四"', 1))
    assert edited == expected
    assert load_yaml(path).data["applicant"]["birth"] == "1979-04"  # a string, as the schema wants


def test_a_full_width_colon_inside_a_block_is_text(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("reasoning: >-\n  X：第一点\n  Y：第二点\nnext: 1\n", encoding="utf-8")
    assert load_yaml(path).data["reasoning"] == "X：第一点 Y：第二点"
