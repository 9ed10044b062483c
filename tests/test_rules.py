"""Each rule of the measures, pinned on a copy of an example case changed in one place."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import EXAMPLES, edit
from toolkit.pipeline import check

TODAY = dt.date(2026, 11, 28)


def problems(folder, severity=None):
    result = check(folder, TODAY)
    return [p for p in result.problems if severity is None or p.severity == severity]


def only(folder, rule, severity="error"):
    return [p for p in problems(folder, severity) if rule in p.rule]


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_are_clean(example, name):
    assert problems(example(name)) == []


def test_art6_a_situation_claimed_twice(example):
    case = example()
    edit(case / "01-application.yaml", {"situations.1.item": 1})
    [problem] = only(case, "第六条")
    lines = (case / "01-application.yaml").read_text(encoding="utf-8").splitlines()
    second = [n for n, line in enumerate(lines, 1) if line.strip() == "- item: 1"][1]
    assert problem.file.endswith("01-application.yaml") and problem.line == second
    assert problem.field == "situations[1].item"
    assert "第六条第（一）项重复主张" in problem.message


def test_art6_granted_decision_must_name_a_found_situation(example):
    case = example()
    edit(case / "04-determination.yaml", {"decision.situations": [1, 7]})
    [problem] = only(case, "第六条")
    assert "第六条第（七）项情形未经调查核实" in problem.message


def test_art6_at_least_one_situation_is_the_schema(example):
    case = example()
    edit(case / "01-application.yaml", {"situations": []})
    assert any("至少需要 1 项" in p.message and p.field == "situations" for p in problems(case))


def test_art7_all_six_conditions_must_be_met(example):
    case = example()
    edit(case / "03-investigation.yaml", {"conditions_found.4.met": False})
    found = only(case, "第七条")
    assert {p.file.split("/")[-1] for p in found} == {"03-investigation.yaml", "04-determination.yaml"}
    assert all("（5）按照相关程序进行民主决策、组织和实施的" in p.message for p in found)


def test_art7_conditions_need_evidence(example):
    case = example()
    edit(case / "03-investigation.yaml", {"conditions_found.3.evidence": None})
    assert any("第七条第（4）项条件未写明证据" in p.message for p in only(case, "第七条"))


def test_art7_application_should_address_every_condition(example):
    case = example()
    edit(case / "01-application.yaml", {"conditions.5": None})
    [warning] = only(case, "第七条", "warning")
    assert "（6）" in warning.message


def test_art8_exclusion_forbids_exemption(example):
    case = example()
    edit(case / "03-investigation.yaml", {"exclusions_found": [{"item": 6, "facts": "经组织提醒后仍重复出现失误"}]})
    found = only(case, "第八条")
    assert len(found) == 2
    assert all("经组织提醒或问责后，仍重复出现失误" in p.message and "应为“不予容错”" in p.message for p in found)


def test_art8_refusal_without_exclusions_is_a_warning(example):
    case = example("2025-002-refused-unit")
    edit(case / "03-investigation.yaml", {"exclusions_found": [], "conditions_found.4.met": True})
    edit(case / "04-determination.yaml", {"decision.exclusions": []})
    assert any("不予容错，但调查认定" in p.message for p in problems(case, "warning"))


def test_outcome_must_be_one_of_four(example):
    case = example()
    edit(case / "04-determination.yaml", {"decision.outcome": "免责"})
    [problem] = problems(case)
    assert "免予问责、减轻处理、从轻处理、不予容错" in problem.message


@pytest.mark.parametrize("file, key, value, words", [
    ("01-application.yaml", "date", dt.date(2025, 1, 20), "申请应在局党委启动问责程序之后提出"),
    ("02-initiation.yaml", "date", dt.date(2025, 2, 5), "启动审批应在收到申请之后"),
    ("03-investigation.yaml", "report_date", dt.date(2025, 2, 7), "调查报告应在启动审批之后"),
    ("04-determination.yaml", "decision.date", dt.date(2025, 2, 25), "认定决定应在调查报告之后作出"),
    ("04-determination.yaml", "meeting.date", dt.date(2025, 3, 6), "认定决定应在党委会集体研究之后作出"),
    ("05-feedback.yaml", "date", dt.date(2025, 3, 4), "反馈应在作出认定决定之后"),
    ("06-filing.yaml", "date", dt.date(2025, 3, 6), "备案应在反馈之后"),
])
def test_steps_in_date_order(example, file, key, value, words):
    case = example()
    edit(case / file, {key: value})
    assert any(words in p.message for p in problems(case, "error")), problems(case)


def test_a_step_without_its_predecessor(example):
    case = example()
    (case / "03-investigation.yaml").unlink()
    assert any("缺少前一步“调查核实”" in p.message for p in only(case, "第九条"))


def test_complex_case_reports_upward_before_deciding(example):
    case = example("2025-003-hearing-deferral")
    edit(case / "04-determination.yaml", {"upward_report": None})
    [problem] = only(case, "第九条第（四）项")
    assert "须先向上级纪检监察机关或组织人事部门报告" in problem.message
    edit(case / "04-determination.yaml", {"upward_report": {"date": dt.date(2026, 3, 27), "to": "市委组织部",
                                                            "summary": "报告"}})
    [problem] = only(case, "第九条第（四）项")
    assert "应在作出决定（2026年3月27日）之前" in problem.message


def test_art15_scope_and_applicant_consistency(example):
    case = example("2025-002-refused-unit")
    edit(case / "00-case.yaml", {"applicant.category": "局管干部"})
    assert any("单位申请人的适用类别应为“直属学校（单位）”" in p.message for p in only(case, "第三条"))
    person = example()
    edit(person / "00-case.yaml", {"applicant.category": "其他党员干部"})
    edit(person / "01-application.yaml", {"unit_opinion": None})
    assert any("参照执行" in p.message for p in only(person, "第十五条", "warning"))


def test_art10_and_art14_only_for_the_exempted(example):
    case = example("2025-002-refused-unit")
    (case / "10-followup.yaml").write_text(
        (example() / "10-followup.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert any("只适用于经认定予以容错免责的" in p.message for p in only(case, "第十四条"))


def test_art11_rectification_past_deadline_needs_a_result(example):
    case = example("2025-002-refused-unit")
    edit(case / "08-rectification.yaml", {"completion": None})
    [warning] = only(case, "第十一条", "warning")
    assert "整改期限2025年12月31日已过" in warning.message


def test_attachment_problems(example):
    case = example()
    (case / "attachments" / "fake.pdf").write_bytes(b"\xff\xd8\xff\xe0 not a pdf")
    (case / "attachments" / "link.pdf").symlink_to("/etc/hostname")
    edit(case / "03-investigation.yaml", {"attachments": [
        {"title": "缺失", "file": "attachments/none.pdf"},
        {"title": "伪装", "file": "attachments/fake.pdf"},
        {"title": "链接", "file": "attachments/link.pdf"},
        {"title": "越界", "file": "../2025-002-refused-unit/06-filing.yaml"},
        {"title": "文档", "file": "00-case.yaml"},
    ]})
    messages = [p.message for p in only(case, "附件")]
    assert any("附件“attachments/none.pdf”：找不到文件" in m for m in messages)
    assert any("扩展名为“.pdf”，内容却是JPEG 图像" in m for m in messages)
    assert sum("案件文件夹之外" in m for m in messages) == 2
    assert any("不支持的文件类型“.yaml”" in m for m in messages)


def test_a_deferred_case_awaits_its_decision(example):
    case = example("2025-003-hearing-deferral")
    for name in ("05-feedback.yaml", "06-filing.yaml", "09-clarification.yaml", "10-followup.yaml"):
        (case / name).unlink()
    edit(case / "04-determination.yaml", {"decision": None, "meeting": None, "upward_report.reply": None})
    assert problems(case, "error") == []
    result = check(case, TODAY)
    deferral = next(limit for limit in result.limits if limit.key == "deferral")
    assert deferral.due.isoformat() == "2026-05-06" and deferral.status == "overdue"


def test_art9_4_a_decision_needs_its_meeting(example):
    case = example()
    edit(case / "04-determination.yaml", {"meeting": None})
    assert any("须由党委会集体研究作出" in p.message for p in only(case, "第九条第（四）项"))
    edit(case / "04-determination.yaml", {"decision": None})
    assert any("不能有“反馈”" in p.message for p in only(case, "第九条第（四）项"))


def test_truncated_and_encrypted_attachments(example):
    import pikepdf

    case = example()
    whole = (case / "attachments" / "interview-records.pdf").read_bytes()
    (case / "attachments" / "cut.pdf").write_bytes(whole[: len(whole) // 2])
    (case / "attachments" / "cut.jpg").write_bytes((case / "attachments" / "procurement-notice.jpg").read_bytes()[:5000])
    locked = pikepdf.new()
    locked.add_blank_page()
    locked.save(case / "attachments" / "locked.pdf", encryption=pikepdf.Encryption(owner="o", user="u"))
    edit(case / "03-investigation.yaml", {"attachments": [
        {"title": "截断", "file": "attachments/cut.pdf"},
        {"title": "截断图片", "file": "attachments/cut.jpg"},
        {"title": "加密", "file": "attachments/locked.pdf"},
    ]})
    found = only(case, "附件")
    assert [p.field for p in found] == ["attachments[0].file", "attachments[1].file", "attachments[2].file"]
    assert "“attachments/cut.pdf”：文件不完整" in found[0].message
    assert "“attachments/cut.jpg”：文件不完整" in found[1].message
    assert "“attachments/locked.pdf”：PDF 已加密" in found[2].message
