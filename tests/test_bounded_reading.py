"""Reading is bounded and confined: no YAML file can crash, exhaust or leak through rcmz."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.case import yamlio
from toolkit.case.yamlio import MAX_DEPTH, load_yaml, nesting_depth
from toolkit.errors import CaseFileError

CASE_TEXT = "case:\n  id: 2025-001\n  applicant:\n    name: 张三\n"


def test_a_file_nested_deep_enough_to_crash_the_parser_is_a_message(tmp_path):
    """30,000 levels of [[[…]]] segfault ruamel's C parser: the check must run in a subprocess
    so that a crash fails this test instead of killing the suite."""
    cases = tmp_path / "casefiles"
    bad, good = cases / "2025-001-bad", cases / "2025-002-good"
    bad.mkdir(parents=True)
    (bad / "00-case.yaml").write_text("a: " + "[" * 30000 + "]" * 30000 + "\n", encoding="utf-8")
    good.mkdir()
    (good / "00-case.yaml").write_text(CASE_TEXT, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "toolkit", "check", str(cases)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result
    assert f"00-case.yaml:1:1: 错误（YAML）列表或映射嵌套过深（超过 {MAX_DEPTH} 层）" in result.stdout
    assert "检查了 2 个案件" in result.stdout  # the bad file does not silence the others


@pytest.mark.parametrize("text, depth", [
    ("a: 1\nb:\n  c: [1, [2, {x: 3}]]\n", 5),
    ("- - - - x\n", 5),
    ("a: '[[[[[['  # [[[[\n", 1),
    ('a: "\\"[[[["\n', 1),
])
def test_nesting_depth_bounds_what_the_parser_builds(text, depth):
    assert nesting_depth(text)[0] == depth


def test_compact_block_nesting_is_refused_before_parsing(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a:\n  " + "- " * 5000 + "x\n", encoding="utf-8")
    with pytest.raises(CaseFileError, match="嵌套过深") as error:
        load_yaml(path)
    assert error.value.line == 2


def test_a_link_out_of_the_folder_is_not_followed_or_quoted(tmp_path):
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:secret-line\n", encoding="utf-8")
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "00-case.yaml").symlink_to(secret)
    with pytest.raises(CaseFileError) as error:
        load_yaml(folder / "00-case.yaml")
    assert "符号链接" in error.value.message and "secret-line" not in error.value.format_message()


def test_a_link_inside_the_folder_is_read(tmp_path):
    (tmp_path / "real.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "00-case.yaml").symlink_to(tmp_path / "real.yaml")
    assert load_yaml(tmp_path / "00-case.yaml").data == {"a": 1}


def test_a_device_is_not_read(tmp_path):
    link = tmp_path / "00-case.yaml"
    os.symlink("/dev/zero", link)
    with pytest.raises(CaseFileError, match="符号链接|普通文件"):
        load_yaml(link)
    with pytest.raises(CaseFileError, match="普通文件"):
        load_yaml(Path("/dev/zero"))


def test_a_file_too_large_is_refused_by_its_size(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 2000 + "\n", encoding="utf-8")
    with pytest.raises(CaseFileError, match="文件过大"):
        load_yaml(path)


@pytest.mark.parametrize("umask, expected", [(0o077, 0o600), (0o022, 0o644), (0o002, 0o664)])
def test_outputs_follow_the_users_umask(tmp_path, umask, expected):
    from toolkit.atomic import write_bytes_atomic

    old = os.umask(umask)
    try:
        path = write_bytes_atomic(tmp_path / "out.pdf", b"%PDF-1.7\n")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == expected


# --- the shortcuts of reading agree with the line-by-line checks they spare ---------------------

#: Pieces of case files and of what breaks them: indentation, compact lists, brackets, quotes,
#: comments, blocks, full-width punctuation, every line break str.splitlines knows.
_PIECES = ["a: ", "key_2: ", "- ", "- - ", "? ", "  ", "    ", "[", "]", "{", "}", ", ", "，", "：", "\u3000",
           "'", '"', "\\", "# ", "|", ">-", "x", "文字", "\n", "\r\n", "\r", "\u2028", "\x85", "\t", ":", "-"]


def _texts():
    from hypothesis import strategies as st

    return st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


def test_the_depth_bound_is_never_below_the_depth():
    from hypothesis import given, settings

    from toolkit.case.yamlio import depth_bound

    @settings(max_examples=1500, deadline=None)
    @given(_texts())
    def bounded(text):
        bound = depth_bound(text)
        assert bound is None or bound >= nesting_depth(text)[0]

    bounded()
    assert depth_bound("a:\n  b:\n    - [1, {c: 2}]\n") == 5 and nesting_depth("a:\n  b:\n    - [1, {c: 2}]\n")[0] == 5


def test_a_text_passed_over_has_no_input_method_mistake(tmp_path):
    from hypothesis import given, settings

    from toolkit.case.yamlio import _maybe_mistaken, _scan_for_mistakes

    @settings(max_examples=1500, deadline=None)
    @given(_texts())
    def passed_over(text):
        if not _maybe_mistaken(text):
            _scan_for_mistakes(text, tmp_path / "x.yaml")  # raises nothing

    passed_over()
    with pytest.raises(CaseFileError, match="全角冒号") as error:
        yamlio.parse_text("a: 1\r\nkey：2\r\n", tmp_path / "x.yaml")
    assert (error.value.line, error.value.column) == (2, 4)
