"""Every line the CLI prints is Chinese, click's own usage, help and error lines included."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from toolkit.cli import main

#: click's English, as it would print it without the Chinese table.
ENGLISH = re.compile(r"Usage|Options|Commands|Show this message|Show the version|default:|required\]|"
                     r"Error:|Try '|Missing|Invalid value|No such|is not a valid|Got unexpected|"
                     r"\b(INTEGER|TEXT|PATH|DIRECTORY|FILE|FILENAME|BOOLEAN|FLOAT)\b")

COMMANDS = sorted(main.commands)


def output(*args: str) -> str:
    return CliRunner().invoke(main, list(args), prog_name="rcmz").output


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_is_chinese(command):
    text = output(*([command] if command else []), "--help")
    assert text.startswith("用法：rcmz")
    assert "选项：" in text
    assert not ENGLISH.search(text), ENGLISH.search(text)


@pytest.mark.parametrize("args, expected", [
    (["render"], "错误：缺少参数 '案件文件夹'"),
    (["render", "x", "--format", "pdfx"], "“pdfx”不是可选的值之一"),
    (["stats", "--year", "二〇二五"], "“二〇二五”不是有效的整数"),
    (["nope"], "错误：没有命令“nope”"),
    (["check", "x", "--today", "2025/1/1"], "不符合格式"),
    (["check", "--strictt", "x"], "没有选项“--strictt”"),
    (["verify", "a.pdf", "b.pdf"], "多余的参数（b.pdf）"),
])
def test_usage_errors_are_chinese(args, expected):
    result = CliRunner().invoke(main, args, prog_name="rcmz")
    assert result.exit_code == 2
    assert expected in result.output
    assert "请用“rcmz" in result.output and "--help”查看帮助。" in result.output
    assert not ENGLISH.search(result.output), result.output


def test_version_is_chinese():
    assert output("--version").startswith("rcmz，版本 ")
