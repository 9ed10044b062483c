"""业务行为 (DA/T 46 业务实体) derived from the case's steps and their git history.

One action per procedural act of Art. 9: 申请, 受理, 启动审批, 调查核实, 听证 (when held),
审议认定, 反馈, 备案 — each with its time (the date in the facts), its 依据 (the article of the
measures, from :mod:`toolkit.case.steps`) and a 描述 from the facts, plus the commit that first
recorded the step's file.  The action names are those of issue 14; DA/T 46's own value list for
业务行为 was not at hand (docs/archive.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.archive.history import Commit, first_commits
from toolkit.case.model import Case
from toolkit.case.steps import BY_KEY as STEPS


@dataclass(frozen=True)
class Action:
    name: str           # 行为名称
    time: str           # 行为时间 (ISO date)
    basis: str          # 行为依据
    description: str    # 行为描述
    step: str           # the step key whose file records it
    commit: Commit | None = None


def _names(people) -> str:
    return "、".join(str(p.get("name", "")) for p in people or [] if isinstance(p, dict) and p.get("name"))


def business_actions(case: Case, measures_title: str = "") -> list[Action]:
    """The case's 业务行为 in procedural order; steps not yet recorded are left out."""
    commits = first_commits(case.folder, [STEPS[k].file for k in case.files])
    basis = (lambda step: f"《{measures_title}》{STEPS[step].article}" if measures_title else STEPS[step].article)
    out: list[Action] = []

    def add(name: str, step: str, date, description: str) -> None:
        if case.has(step) and isinstance(date, str) and date:
            out.append(Action(name, date, basis(step), description, step, commits.get(STEPS[step].file)))

    applicant = case.get("case", "applicant", "name", default="申请人")
    add("申请", "application", case.get("application", "date"),
        f"{applicant}提出书面免责申请，请求{case.get('application', 'requested_outcome', default='容错免责')}")
    late = case.get("application", "late_acceptance")
    add("受理", "application", case.get("application", "date"),
        f"{case.get('application', 'received_by', default='受理部门')}受理申请"
        + (f"（逾期申请，经{late['accepted_by']}决定受理）" if isinstance(late, dict) else ""))
    approver = case.get("initiation", "approver", default={}) or {}
    add("启动审批", "initiation", case.get("initiation", "date"),
        f"{approver.get('post', '')}{approver.get('name', '')}批准启动核实认定")
    add("调查核实", "investigation", case.get("investigation", "started") or case.get("investigation", "report_date"),
        f"调查组（{_names(case.get('investigation', 'team'))}）开始调查核实，"
        f"于{case.get('investigation', 'report_date', default='')}形成调查核实报告")
    hearing = case.get("investigation", "hearing")
    if isinstance(hearing, dict):
        presiding = hearing.get("presiding") or {}
        add("听证", "investigation", hearing.get("date"),
            f"于{hearing.get('place', '')}召开听证会，{presiding.get('name', '')}主持")
    meeting = case.get("determination", "meeting", default={}) or {}
    add("审议认定", "determination", case.get("determination", "decision", "date") or meeting.get("date"),
        f"{meeting.get('name', '局党委会议')}集体审议，认定结果：{case.get('determination', 'decision', 'outcome', default='')}")
    add("反馈", "feedback", case.get("feedback", "date"),
        f"以{case.get('feedback', 'method', default='书面')}方式向申请人反馈认定结果")
    add("备案", "filing", case.get("filing", "date"), "认定结果及相关材料报备案，整理立卷")
    return out
