"""Item 5 of issue 11: values that pass their schema but would break a document are located
errors at `rcmz check` — control characters, characters no configured font can print, text
longer than a document holds — before anything renders."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.cli import main
from toolkit.render import coverage as cov
from toolkit.render.fonts import default_role_files

REPO = Path(__file__).resolve().parent.parent


def check(case: Path):
    result = CliRunner().invoke(main, ["check", str(case)])
    return result.exit_code, result.output.splitlines()


def line_of(path: Path, needle: str) -> int:
    return next(n for n, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in row)


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- control characters ----------------------------------------------------------------------


@pytest.mark.parametrize("written, code", [
    ('"周\\0明远"', "U+0000 NUL"),          # an escape in a double-quoted string
    ('"周\\e明远"', "U+001B ESC"),
    ('"周\\x85明远"', "U+0085 NEL"),          # C1
    ('"周\\x7f明远"', "U+007F DEL"),
    ("周\u202e远明", "U+202E RIGHT-TO-LEFT OVERRIDE"),   # typed (pasted) as it is
    ("周\u2066明远\u2069", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ('"周\\u200f明远"', "U+200F RIGHT-TO-LEFT MARK"),
])
def test_control_characters_are_located(example, written, code):
    case = example()
    path = case / "00-case.yaml"
    replace_in(path, "  name: 周明远", f"  name: {written}")
    status, lines = check(case)
    assert status == 1
    found = [ln for ln in lines if "（字符）" in ln]
    assert len(found) == 1, lines
    assert found[0].startswith(f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}:"
                               f"{line_of(path, '  name: ')}:")
    assert "[applicant.name]" in found[0] and code in found[0]


def test_tab_and_line_break_only_in_blocks(example):
    case = example()
    path = case / "00-case.yaml"
    replace_in(path, "  source: 信访举报", "  source: 信访\t举报")
    replace_in(path, "  position: 党委书记、校长", '  position: "党委书记\\n校长"')
    replace_in(path, "    试行食堂食材统一配送。", "    试行食堂食材\t统一配送。")   # a tab inside a > block
    status, lines = check(case)
    found = sorted(ln for ln in lines if "（字符）" in ln)
    assert len(found) == 2, lines
    assert any("[matter.source]" in ln and "制表符（U+0009）" in ln for ln in found)
    assert any("[applicant.position]" in ln and "换行（U+000A）" in ln for ln in found)


def test_example_cases_have_no_value_problems():
    status, lines = check(REPO / "casefiles")
    assert status == 0, lines
    assert lines[-1].startswith("检查了 4 个案件：0 个错误")


# --- characters no font has --------------------------------------------------------------------


def test_unprintable_characters_named_with_code_point_file_line_and_field(example):
    case = example()
    path = case / "00-case.yaml"
    replace_in(path, "  summary: 集团化办学", "  summary: 😀集团化办学")
    replace_in(path, "    磋商文件发布至截止的时间", "    磋商文件𪚥发布至截止的时间")   # line 3 of a > block
    status, lines = check(case)
    assert status == 1
    shown = str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)
    summary = next(ln for ln in lines if "[matter.summary]" in ln)
    assert summary.startswith(f"{shown}:{line_of(path, 'summary:')}:12:")
    assert "“😀”（U+1F600）无法排印" in summary and "（字符）" in summary
    description = next(ln for ln in lines if "[matter.description]" in ln)
    assert description.startswith(f"{shown}:{line_of(path, '𪚥')}:")
    assert "“𪚥”（U+2A6A5）" in description


def test_render_refuses_before_typesetting(example):
    """Formerly: 0 errors at check, then the dossier failed blaming “表格第1行第2格”."""
    case = example()
    replace_in(case / "03-investigation.yaml", "    post: 局组织处处长", "    post: 局组织处处长😀")
    result = CliRunner().invoke(main, ["render", str(case), "--format", "pdf"])
    assert result.exit_code == 1
    assert "03-investigation.yaml" in result.output and "[team[0].post]" in result.output
    assert "U+1F600" in result.output and "表格" not in result.output


def test_coverage_follows_the_role_chains(tmp_path):
    latin = next(iter(sorted(Path("/usr/share/fonts").rglob("Liberation*Regular.ttf"))), None)
    if latin is None:
        pytest.skip("no Liberation font installed")
    only_latin = cov.Coverage({"fangsong": [f"{latin}#0"], "heiti": [], "songti": ["/nonexistent.ttf#0"]})
    assert only_latin.missing_roles("中") == ("fangsong",)   # roles without a readable face: not judged
    assert only_latin.missing_roles("A") == ()
    assert only_latin.missing_roles("\u00a0") == ()        # NBSP is set as a space, as FontBook does
    chains = {role: files for role, files in default_role_files().items()}
    everyone = cov.Coverage(chains)
    assert everyone.missing_roles("中") == ()
    assert set(everyone.missing_roles("\U0001F600")) == set(chains) - {r for r, f in chains.items() if not f}


def test_coverage_is_cached_on_disk_and_read_without_fonttools(tmp_path, monkeypatch):
    monkeypatch.setenv("RCMZ_FONT_CACHE", str(tmp_path / "fonts"))
    cov._face.cache_clear()
    entry = default_role_files()["fangsong"][0]
    first = cov.face_coverage(entry)
    assert first is not None and ord("中") in first
    stored = list((tmp_path / "fonts").rglob("*.bin"))
    assert len(stored) == 1 and stored[0].stat().st_mode & 0o777 == 0o600
    assert len(zlib.decompress(stored[0].read_bytes())) == 0x110000 // 8
    cov._face.cache_clear()
    monkeypatch.setitem(sys.modules, "fontTools.ttLib", None)    # importing it would now fail
    again = cov.face_coverage(entry)
    assert again is not None and again.bits == first.bits
    cov._face.cache_clear()


def test_check_with_fonts_loads_no_document_library(example, tmp_path):
    """Checking a case, coverage included, loads no typesetting, DOCX or signing library (the
    font cache is empty: the faces' cmaps are read with fontTools, which is allowed).  pikepdf
    and Pillow may open the attachments, as the dossier will (toolkit.attachments.assess)."""
    case = example()
    replace_in(case / "00-case.yaml", "  summary: 集团化办学", "  summary: 𪚥集团化办学")
    probe = ("import sys\nfrom pathlib import Path\nfrom toolkit.pipeline import check\n"
             f"result = check(Path({str(case)!r}))\n"
             "print(any('U+2A6A5' in p.message for p in result.errors))\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'reportlab','pypdf','docx','docxtpl','pyhanko','icalendar','jinja2','img2pdf'}))")
    env = {**os.environ, "RCMZ_FONT_CACHE": str(tmp_path / "cold")}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          cwd=REPO, env=env)
    assert done.stdout.split("\n")[:2] == ["True", "[]"], done.stdout + done.stderr


# --- lengths ----------------------------------------------------------------------------------


def test_text_longer_than_a_document_holds_is_located(example):
    case = example()
    path = case / "00-case.yaml"
    replace_in(path, "  source: 信访举报", "  source: " + "信" * 101)
    body = "    " + "经" * 10001
    replace_in(path, "    试行食堂食材统一配送。", body)
    status, lines = check(case)
    assert status == 1
    source = next(ln for ln in lines if "[matter.source]" in ln)
    assert f":{line_of(path, '  source:')}:" in source and "过长（101 字），最多 100 字" in source
    description = next(ln for ln in lines if "[matter.description]" in ln)
    assert "最多 10000 字" in description


def test_every_free_text_field_of_the_case_files_has_a_limit():
    import json

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("type") == "string" and not {"maxLength", "enum", "pattern", "format", "$ref"} & set(node):
                yield where
            for key, value in node.items():
                yield from walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{where}[{index}]")

    unbounded = [where for path in sorted((REPO / "schemas").glob("*.schema.json")) if path.name != "bureau.schema.json"
                 for where in walk(json.loads(path.read_text(encoding="utf-8")), path.name)]
    assert unbounded == []
