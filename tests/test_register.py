"""One register across the cases folder (toolkit/rules/register.py, toolkit/case/numbering.py).

The example cases use, in 2026: 杭教党容〔2026〕4号 (2025-003's 请示, 2026-02-10) and 5号 (its
decision, 03-27); 杭教党容函〔2026〕1号 (hearing notice, 01-22), 2号 (deferral notice, 02-06),
5号 (feedback, 03-30); 党委会纪要〔2026〕9号.  In 2025: decisions 3 (2025-001, 03-05) and 17
(2025-002, 11-06), 杭教组〔2025〕5号 (2025-002's 整改通知书 from the 局组织处).  Volumes J013-RC-1…3.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CASEFILES, edit

from toolkit.case.numbering import BY_KIND, NUMBERED, series_of
from toolkit.cli import main
from toolkit.documents.registry import BY_KEY as KINDS
from toolkit.pipeline import check_all

ONE, TWO, THREE = "2025-001-exempt-individual", "2025-002-refused-unit", "2025-003-hearing-deferral"


def problems(results, rule="登记"):
    return [p for r in results for p in r.problems if p.rule == rule]


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_the_examples_have_a_clean_register(cases_dir):
    assert problems(check_all([cases_dir])) == []


def test_the_table_names_kinds_as_the_registry_does():
    for numbered in NUMBERED:
        assert numbered.title == KINDS[numbered.kind].title
        assert numbered.step == KINDS[numbered.kind].step


def test_duplicate_case_ids_name_both_folders(cases_dir):
    shutil.copytree(cases_dir / ONE, cases_dir / "2025-009-copied")
    found = problems(check_all([cases_dir]))
    assert len(found) >= 2
    ids = [p for p in found if p.field == "id"]
    assert {Path(p.file).parent.name for p in ids} == {ONE, "2025-009-copied"}
    first = next(p for p in ids if ONE in p.file)
    assert "案件编号“2025-001”与案件 2025-001（2025-009-copied）重复" in first.message
    assert f"2025-009-copied/00-case.yaml:{line_of(cases_dir / ONE / '00-case.yaml', 'id:')}" in first.message


def test_a_duplicate_volume_number(cases_dir):
    edit(cases_dir / TWO / "06-filing.yaml", {"volume.volume_no": 3})
    found = [p for p in problems(check_all([cases_dir])) if p.field == "volume.volume_no"]
    assert {Path(p.file).parent.name for p in found} == {TWO, THREE}
    assert all(p.severity == "error" and "案卷档号“J013-RC-3”" in p.message for p in found)
    # another 目录号 is another register: no collision
    edit(cases_dir / TWO / "06-filing.yaml", {"volume.catalogue_no": "RC2"})
    assert [p for p in problems(check_all([cases_dir])) if p.field == "volume.volume_no"] == []


def test_a_number_another_case_uses_is_found_checking_one_case(cases_dir):
    """The issue's example: a decision numbered like another case's, found even when only the
    new case is checked (the pre-commit hook checks the changed folders only)."""
    edit(cases_dir / TWO / "04-determination.yaml", {"decision.seq": 3})
    [error] = problems(check_all([cases_dir / TWO]))
    assert error.severity == "error" and error.field == "decision.seq"
    assert error.file.endswith(f"{TWO}/04-determination.yaml")
    seq_line = line_of(cases_dir / ONE / "04-determination.yaml", "seq: 3")
    assert ("发文字号杭教党容〔2025〕3号已用于案件 2025-001（2025-001-exempt-individual）的"
            "容错免责认定决定书") in error.message
    assert f"{ONE}/04-determination.yaml:{seq_line}" in error.message


def test_numbers_of_different_series_or_years_do_not_collide(cases_dir):
    # the feedback letter 杭教党容函〔2025〕17号 and the decision 杭教党容〔2025〕17号: two series
    assert problems(check_all([cases_dir / TWO])) == []
    edit(cases_dir / THREE / "04-determination.yaml", {"decision.seq": 3})  # 2026, not 2025
    assert [p for p in problems(check_all([cases_dir])) if "重复" in p.message or "已用于" in p.message] == []


def test_two_numbers_in_one_case(cases_dir):
    edit(cases_dir / THREE / "04-determination.yaml", {"decision.seq": 4})  # the 请示's number
    found = problems(check_all([cases_dir / THREE]))
    assert {p.field for p in found if p.severity == "error"} == {"decision.seq", "upward_report.seq"}


def test_out_of_order_numbers_are_a_warning(cases_dir):
    edit(cases_dir / THREE / "04-determination.yaml", {"upward_report.seq": 6})  # 02-10, after 5 of 03-27
    [warning] = problems(check_all([cases_dir]))
    assert warning.severity == "warning" and warning.field == "upward_report.seq"
    assert ("发文字号杭教党容〔2026〕6号（2026年2月10日）比同一序列中较早编号的杭教党容〔2026〕5号"
            "（2026年3月27日，案件 2025-003（2025-003-hearing-deferral）的容错免责认定决定书") in warning.message


def test_out_of_order_across_cases(cases_dir):
    # 2025-001's decision (2025-03-05) numbered above 2025-002's (2025-11-06)
    edit(cases_dir / ONE / "04-determination.yaml", {"decision.seq": 18})
    [warning] = problems(check_all([cases_dir]))
    assert warning.severity == "warning" and warning.file.endswith(f"{ONE}/04-determination.yaml")
    assert ("发文字号杭教党容〔2025〕18号（2025年3月5日）比同一序列中较早编号的杭教党容〔2025〕17号"
            "（2025年11月6日") in warning.message
    assert f"{TWO}/04-determination.yaml:" in warning.message
    assert "文号应按成文日期的先后编排" in warning.message


def test_a_broken_case_does_not_stop_the_register(cases_dir):
    (cases_dir / ONE / "05-feedback.yaml").write_text("date: [2025-03-07\n", encoding="utf-8")
    edit(cases_dir / TWO / "06-filing.yaml", {"volume.volume_no": 3})
    results = check_all([cases_dir])
    assert any(p.rule == "YAML" for p in results[0].problems)
    assert {Path(p.file).parent.name for p in problems(results)} == {TWO, THREE}


def test_a_letter_format_notice_is_in_the_letter_series(cases_dir):
    # 杭教党容函〔2026〕1号: a hearing notice numbered 2 would take the deferral notice's number
    edit(cases_dir / THREE / "03-investigation.yaml", {"hearing.notice_seq": 2})
    found = problems(check_all([cases_dir]))
    assert {p.field for p in found} == {"hearing.notice_seq", "deferral.seq"}
    assert all("杭教党容函〔2026〕2号" in p.message for p in found)


# -- bureau.yaml: declared series, and files written before them ----------------------------------


def _old_bureau(cases_dir: Path) -> None:
    """bureau.yaml as it was before numbering existed (doc_prefix only)."""
    text = (CASEFILES / "bureau.yaml").read_text(encoding="utf-8")
    start = text.index("numbering:")
    end = text.index("measures:")
    (cases_dir / "bureau.yaml").write_text(text[:start] + text[end:], encoding="utf-8")


def test_an_old_bureau_yaml_keeps_working_and_says_what_to_add(cases_dir):
    _old_bureau(cases_dir)
    results = check_all([cases_dir])
    [missing] = problems(results)
    assert missing.file.endswith(f"{TWO}/08-rectification.yaml") and missing.field == "seq"
    assert "整改通知书由局组织处以文件形式制发" in missing.message
    assert "没有局组织处文件的发文机关代字" in missing.message
    assert "numbering:\n  organization_department:\n    document: 杭教组" in missing.message
    # the other cases are unaffected: their series are doc_prefix's, with 函 and the default 纪要
    assert [p for r in results if TWO not in str(r.case.folder) for p in r.errors] == []
    config = {"doc_prefix": "杭教党容"}
    assert {k: s.prefix for k, s in series_of(config).items()} == {
        ("party_committee", "document"): "杭教党容", ("party_committee", "letter"): "杭教党容函",
        ("party_committee", "minutes"): "党委会纪要"}


def test_a_legacy_letter_prefix_is_read(cases_dir):
    config = {"doc_prefix": "杭教党容", "letter_prefix": "杭教党函", "minutes_prefix": "党纪"}
    assert series_of(config)[("party_committee", "letter")].prefix == "杭教党函"
    assert series_of(config)[("party_committee", "minutes")].prefix == "党纪"
    both = {**config, "numbering": {"party_committee": {"letter": "杭教党容函"}}}
    assert series_of(both)[("party_committee", "letter")].prefix == "杭教党容函"


# -- rcmz numbers, rcmz new, rcmz step ------------------------------------------------------------


@pytest.fixture
def run(monkeypatch, cases_dir):
    monkeypatch.chdir(cases_dir.parent)
    return lambda *args: CliRunner().invoke(main, [str(a) for a in args])


def test_rcmz_numbers_lists_the_next_free_number_of_every_series(run):
    result = run("numbers", "casefiles", "--year", "2026")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("局党委 文件") and "4、5" in line and line.endswith("杭教党容〔2026〕6号")
               for line in lines), result.output
    assert any(line.startswith("局党委 函") and "1、2、5" in line and line.endswith("杭教党容函〔2026〕6号")
               for line in lines)
    assert any(line.startswith("局组织处 文件") and line.endswith("杭教组〔2026〕1号") for line in lines)
    assert lines[-1] == "下一个案卷号：4（档号 J013-RC-4）"
    result = run("numbers", "casefiles", "--year", "2025")
    assert any(line.startswith("局组织处 文件") and line.endswith("杭教组〔2025〕6号")
               for line in result.output.splitlines())


def test_rcmz_numbers_without_a_cases_folder(run):
    result = run("numbers", "nowhere")
    assert result.exit_code == 2 and "不存在" in result.output


def test_rcmz_step_prefills_the_next_free_numbers(run, cases_dir):
    case = cases_dir / "2026-004-new"
    assert run("new", case).exit_code == 0
    for step in ("initiation", "investigation", "determination", "feedback", "filing"):
        assert run("step", case, step).exit_code == 0
    year = __import__("datetime").date.today().year
    feedback = (case / "05-feedback.yaml").read_text(encoding="utf-8")
    filing = (case / "06-filing.yaml").read_text(encoding="utf-8")
    determination = (case / "04-determination.yaml").read_text(encoding="utf-8")
    if year == 2026:
        assert "\nseq: 6  # 2026年下一个空号：局党委函 杭教党容函〔2026〕6号" in feedback
        assert "  # seq: 10  # 2026年下一个空号：局党委纪要 党委会纪要〔2026〕10号" in determination
    assert "  volume_no: 4  # 下一个案卷号，档号 J013-RC-4" in filing
    assert "seq: 1\n" not in feedback and "volume_no: 1\n" not in filing


def test_rcmz_new_refuses_an_id_in_use(run, cases_dir):
    result = run("new", cases_dir / "2025-003-again")
    assert result.exit_code == 2
    assert "案件编号 2025-003（取自文件夹名的前两段）已被" in result.output
    assert "2025-004-" in result.output
    assert not (cases_dir / "2025-003-again").exists()


def test_every_numbered_kind_has_a_template_number():
    from toolkit.paths import TEMPLATES_DIR

    for kind in BY_KIND:
        text = (TEMPLATES_DIR / KINDS[kind].template).read_text(encoding="utf-8")
        assert f'number("{kind}")' in text
    for template in TEMPLATES_DIR.glob("*.xml.j2"):
        assert "doc_number(" not in template.read_text(encoding="utf-8"), template.name
