"""Each rule of the measures, pinned on a copy of an example case changed in one place."""

from __future__ import annotations

import datetime as dt
import shutil

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
    assert problems(example(name), "error") == []
    # the only warnings: documents formed after the volume was compiled (a follow-up talk, a
    # clarification), which go in as 补充归档
    assert all("补充归档" in p.message for p in problems(example(name), "warning"))


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
    [problem] = problems(case, "error")
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
    edit(case / "04-determination.yaml", {"upward_report": {
        "date": dt.date(2026, 3, 27), "to": "市委组织部", "question": "是否妥当",
        "proposal": {"outcome": "减轻处理", "measure": "批评教育", "reasoning": "理由"}}})
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
    assert any("第十四条的回访只适用于予以容错免责的" in p.message for p in only(case, "第十四条"))


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


# --- outcomes (Art. 2, Art. 10) ------------------------------------------------------------


def test_art2_a_mitigated_outcome_states_its_measure(example):
    case = example("2025-003-hearing-deferral")
    edit(case / "04-determination.yaml", {"decision.measure": None})
    [problem] = only(case, "第二条")
    assert problem.field == "decision"
    assert "须写明实际给予的处理：在 04-determination.yaml 的 decision 下加一行 measure:" in problem.message
    assert "measure: 批评教育" in problem.message
    edit(case / "04-determination.yaml", {"decision.measure": "给予诫勉"})
    [problem] = only(case, "第二条")
    assert "把“给予诫勉”改为“诫勉”" in problem.message


def test_art2_no_measure_when_exempted_or_refused(example):
    for name, words in (("2025-001-exempt-individual", "免予问责不给予处理"),
                        ("2025-002-refused-unit", "问责程序继续进行")):
        case = example(name)
        edit(case / "04-determination.yaml", {"decision.measure": "批评教育"})
        [problem] = only(case, "第二条")
        assert words in problem.message and problem.field == "decision.measure"


def test_art2_the_proposal_of_the_upward_report_states_its_measure(example):
    case = example("2025-003-hearing-deferral")
    edit(case / "04-determination.yaml", {"upward_report.proposal.measure": None})
    [problem] = only(case, "第二条")
    assert problem.field == "upward_report.proposal"
    assert "请示中拟认定“减轻处理”须写明实际给予的处理" in problem.message


def test_art10_result_use_only_when_exempted(example):
    case = example("2025-003-hearing-deferral")
    edit(case / "04-determination.yaml", {"decision.result_use": [2, 4]})
    [problem] = only(case, "第十条")
    assert "只适用于“经认定予以免责的”（免予问责）" in problem.message
    assert "删去 decision.result_use" in problem.message


# --- the 请示 (Art. 9(4)) ---------------------------------------------------------------------


def test_upward_report_has_one_addressee(example):
    case = example("2025-003-hearing-deferral")
    edit(case / "04-determination.yaml", {"upward_report.to": "中共杭州市委组织部、市纪委市监委"})
    [problem] = only(case, "第十五条")
    assert "请示只主送一个上级机关，这里写了2个" in problem.message
    assert "to 只写“中共杭州市委组织部”" in problem.message and "cc: [市纪委市监委]" in problem.message


def test_upward_report_follows_the_investigation_report(example):
    case = example("2025-003-hearing-deferral")
    edit(case / "04-determination.yaml", {"upward_report.date": dt.date(2026, 1, 29)})
    assert any("向上级请示应在调查报告之后" in p.message for p in only(case, "第九条第（四）项"))


# --- names and structure (Art. 9(6), GB/T 9704 7.3.3) ------------------------------------------


def test_art9_6_party_organization_is_named(example):
    case = example()  # pre-filled from unit_opinion.by: 杭州市钱塘实验中学党委
    assert not only(case, "第九条第（六）项")
    edit(case / "01-application.yaml", {"unit_opinion.by": "校党委书记 王某"})
    [problem] = only(case, "第九条第（六）项")
    assert "在 00-case.yaml 的 applicant 下加一行 party_organization:" in problem.message
    assert "中共杭州市钱塘实验中学委员会" in problem.message and "不能代用" in problem.message
    edit(case / "00-case.yaml", {"applicant.party_organization": "杭州市钱塘实验中学党组织"})
    [problem] = only(case, "第九条第（六）项")
    assert problem.field == "applicant.party_organization" and "不像一个党组织的全称" in problem.message
    edit(case / "00-case.yaml", {"applicant.party_organization": "中共杭州市钱塘实验中学委员会"})
    assert not only(case, "第九条第（六）项")


@pytest.mark.parametrize("text, marker", [
    ("经查：一、方案经党委会研究；二、磋商期限为6日。", "一、"),
    ("（一）方案经党委会研究。（二）磋商期限为6日。", "（一）"),
    ("查明：1.方案经党委会研究；2.磋商期限为6日。", "1."),
    ("①方案经党委会研究；②磋商期限为6日。", "①"),
])
def test_a_numbered_list_typed_in_one_paragraph_is_a_warning(example, text, marker):
    case = example()
    edit(case / "03-investigation.yaml", {"facts_found": text})
    [warning] = only(case, "7.3.3", "warning")
    assert warning.field == "facts_found" and f"写了编号“{marker}”" in warning.message
    assert "请写成列表：facts_found: 下每项一行，以“- ”开头，不写编号" in warning.message


def test_citations_and_decimals_are_not_lists(example):
    case = example()
    edit(case / "03-investigation.yaml", {
        "facts_found": "属于第六条第（一）项、第（二）项规定的情形，成本下降1.5个百分点，2.3万元。"})
    assert not only(case, "7.3.3", "warning")


def test_art14_next_talk_after_the_last_one(example):
    case = example()
    edit(case / "10-followup.yaml", {"next_planned": dt.date(2025, 6, 1)})
    [warning] = only(case, "第十四条", "warning")
    assert "不晚于最近一次谈话（2025年6月12日）" in warning.message


# --- what the volume holds (Art. 9(6)) ----------------------------------------------------------


def test_original_of_names_a_document_of_this_case(example):
    case = example()
    edit(case / "01-application.yaml", {"attachments.0.original_of": "hearing_notice"})
    [problem] = only(case, "第九条第（六）项")
    assert problem.field == "attachments[0].original_of"
    assert "original_of: hearing_notice（听证会通知书）：本案的事实中没有这份文书" in problem.message


def test_a_scan_with_other_pages_than_its_document_is_a_warning(example):
    case = example()
    assert not [p for p in problems(case, "warning") if "扫描件" in p.message]
    # a one-page scan of the three-page application: the page the clerk printed are not all there
    shutil.copy(case / "attachments" / "procurement-notice.jpg", case / "attachments" / "signed.jpg")
    edit(case / "01-application.yaml", {"attachments.0.file": "attachments/signed.jpg"})
    [warning] = [p for p in only(case, "第九条第（六）项", "warning") if "扫描件" in p.message]
    assert warning.field == "attachments[0].original_of"
    assert "扫描件共1页（attachments/signed.jpg 1页），系统生成件3页" in warning.message


def test_several_scans_of_one_original_count_together(example):
    case = example("2025-004-lighter-report-first")
    assert not [p for p in problems(case, "warning") if "扫描件" in p.message]
    edit(case / "05-feedback.yaml", {"attachments.1": None})
    [warning] = [p for p in only(case, "第九条第（六）项", "warning") if "扫描件" in p.message]
    assert "扫描件共2页（attachments/feedback-letter-signed.pdf 2页），系统生成件3页" in warning.message


def test_documents_after_the_volume_was_compiled_are_filed_supplementally(example):
    case = example("2025-003-hearing-deferral")
    warnings = [p for p in only(case, "第九条第（六）项", "warning") if "立卷时间" in p.message]
    assert [w.field for w in warnings] == ["volume.compiled_on"] * 2
    assert "《回访谈话记录》（2026年6月18日）晚于立卷时间2026年4月9日" in warnings[1].message


def test_a_document_dated_after_today_stays_out_of_the_volume(example):
    case = example("2025-003-hearing-deferral")
    edit(case / "10-followup.yaml", {"talks.0.date": dt.date(2026, 12, 5)})
    [warning] = [p for p in only(case, "第九条第（六）项", "warning") if "晚于今天" in p.message]
    assert "立卷时这份文书不归入案卷" in warning.message
