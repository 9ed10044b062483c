"""The rules of the measures beyond the schemas, each citing its article.

Every rule is a function ``(case, context) -> iterable of Problem`` registered with ``@rule``;
``check_case`` runs them all.  To find a rule, search this file for its article
(e.g. ``第八条``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from toolkit.calendar import WorkCalendar
from toolkit.case.model import Case
from toolkit.case.problems import Problem
from toolkit.case.schema import schema_of
from toolkit.case.steps import BY_KEY, MAIN_SEQUENCE
from toolkit.rules.articles import (
    BY_REFERENCE_CATEGORIES,
    CONDITIONS,
    EXCLUSIONS,
    EXEMPT_OUTCOME,
    GRANTED_OUTCOMES,
    MITIGATED_OUTCOMES,
    REFUSED_OUTCOME,
    cite,
    is_party_organization,
    party_organization,
)
from toolkit.rules.deadlines import (
    PERIODS_BY_KEY,
    TimeLimit,
    bounded_problems,
    time_limits,
)
from toolkit.text import cn_date


@dataclass
class Context:
    calendar: WorkCalendar
    today: dt.date
    limits: list[TimeLimit] = field(default_factory=list)
    #: which characters the fonts can print (toolkit.render.coverage.Coverage); None: not checked
    coverage: Any = None
    _strings: dict = field(default_factory=dict, repr=False)

    def strings(self, loaded) -> list[tuple[tuple, str]]:
        """(path, text) of every string of a loaded file (``rules.values.strings``), walked once
        for all the rules that read them."""
        found = self._strings.get(id(loaded))
        if found is None or found[0] is not loaded or found[1] is not loaded.data:
            from toolkit.rules.values import strings

            found = self._strings[id(loaded)] = (loaded, loaded.data, list(strings(loaded.data)))
        return found[2]


Rule = Callable[[Case, Context], Iterable[Problem]]
RULES: list[Rule] = []


def rule(function: Rule) -> Rule:
    RULES.append(function)
    return function


@dataclass
class CheckResult:
    case: Case
    problems: list[Problem]
    limits: list[TimeLimit]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def adding(self, problems: Iterable[Problem]) -> CheckResult:
        """This result with more problems (found on the case's documents), in file order."""
        return CheckResult(self.case, sorted([*self.problems, *problems], key=_in_file_order), self.limits)


def _in_file_order(problem: Problem) -> tuple:
    return problem.file, problem.line, problem.column, problem.rule


def check_case(case: Case, calendar: WorkCalendar, today: dt.date, *, coverage=None) -> CheckResult:
    limits, missing = time_limits(case, calendar, today)
    problems = list(case.problems)
    found = _run_rules(case, Context(calendar, today, limits, coverage))
    problems.extend(found)
    for gap in missing:  # a period into a year without holiday data: ask both ends of its range
        problems.extend(bounded_problems(case, gap, found, lambda limit: _run_rules(
            case, Context(calendar, today, [*limits, limit], coverage))))
    problems.sort(key=_in_file_order)
    return CheckResult(case, problems, limits)


def _run_rules(case: Case, context: Context) -> list[Problem]:
    return [problem for check in RULES for problem in check(case, context)]


# --- the order of the steps ---------------------------------------------------------------


@rule
def steps_in_sequence(case: Case, context: Context):
    """Art. 9: a step's file exists only when every earlier step's file does."""
    present = [key for key in MAIN_SEQUENCE if case.has(key)]
    exists: dict[str, bool] = {}
    for key in present:
        index = MAIN_SEQUENCE.index(key)
        for earlier in MAIN_SEQUENCE[:index]:
            if earlier not in exists:
                exists[earlier] = (case.folder / BY_KEY[earlier].file).exists()
            if not exists[earlier]:
                yield case.problem(key, (), "第九条",
                                   f"已有“{BY_KEY[key].title}”，却缺少前一步“{BY_KEY[earlier].title}”"
                                   f"（{BY_KEY[earlier].file}）")
                break


@rule
def determination_complete(case: Case, context: Context):
    """Art. 9(4): a determination file records a decision taken at a meeting, or a deferral."""
    if not case.has("determination"):
        return
    decision = case.get("determination", "decision")
    if decision is None and case.get("determination", "deferral") is None:
        yield case.problem("determination", (), "第九条第（四）项",
                           "审议认定须记录认定决定（decision），或记录暂缓认定（deferral）")
    if decision is not None and case.get("determination", "meeting") is None:
        yield case.problem("determination", ("decision",), "第九条第（四）项",
                           "认定决定须由党委会集体研究作出：请记录会议（meeting）")
    if decision is None:
        for later in ("feedback", "filing"):
            if case.has(later):
                yield case.problem(later, (), "第九条第（四）项",
                                   f"尚无认定决定（04-determination.yaml 的 decision），不能有“{BY_KEY[later].title}”")


def _order(case: Case, later_step: str, later_path: tuple, earlier_step: str, earlier_path: tuple,
           article: str, message: str, *, strict: bool = False):
    later, earlier = case.date(later_step, *later_path), case.date(earlier_step, *earlier_path)
    if later and earlier and (later < earlier or (strict and later == earlier)):
        yield case.problem(later_step, later_path, article,
                           f"{message}：{cn_date(later)}早于{cn_date(earlier)}")


@rule
def dates_in_order(case: Case, context: Context):
    """Art. 9: each step happens after the one before it."""
    yield from _order(case, "application", ("date",), "case", ("matter", "accountability_started"),
                      "第九条第（一）项", "申请应在局党委启动问责程序之后提出")
    yield from _order(case, "initiation", ("date",), "application", ("date",),
                      "第九条第（二）项", "启动审批应在收到申请之后")
    yield from _order(case, "investigation", ("started",), "initiation", ("date",),
                      "第九条第（三）项", "调查应在启动审批之后开始")
    yield from _order(case, "investigation", ("report_date",), "initiation", ("date",),
                      "第九条第（三）项", "调查报告应在启动审批之后")
    yield from _order(case, "investigation", ("report_date",), "investigation", ("started",),
                      "第九条第（三）项", "调查报告应在调查开始之后")
    yield from _order(case, "investigation", ("appeal", "date"), "initiation", ("date",),
                      "第九条第（三）项", "申诉应在启动核实认定之后")
    yield from _order(case, "investigation", ("hearing", "date"), "investigation", ("hearing", "notice_date"),
                      "第九条第（三）项", "听证会应在发出通知之后召开", strict=True)
    yield from _order(case, "investigation", ("hearing", "notice_date"), "initiation", ("date",),
                      "第九条第（三）项", "听证通知应在启动核实认定之后")
    yield from _order(case, "determination", ("meeting", "date"), "investigation", ("report_date",),
                      "第九条第（四）项", "党委会应在调查报告之后研究")
    yield from _order(case, "determination", ("decision", "date"), "investigation", ("report_date",),
                      "第九条第（四）项", "认定决定应在调查报告之后作出")
    yield from _order(case, "determination", ("decision", "date"), "determination", ("meeting", "date"),
                      "第九条第（四）项", "认定决定应在党委会集体研究之后作出")
    yield from _order(case, "determination", ("decision", "date"), "investigation", ("hearing", "date"),
                      "第九条第（三）项", "认定决定应在听证会之后作出")
    yield from _order(case, "determination", ("deferral", "date"), "initiation", ("date",),
                      "第九条第（四）项", "暂缓决定应在启动核实认定之后")
    yield from _order(case, "determination", ("deferral", "until"), "determination", ("deferral", "date"),
                      "第九条第（四）项", "暂缓截止日应在暂缓决定之后", strict=True)
    yield from _order(case, "determination", ("decision", "date"), "determination", ("deferral", "date"),
                      "第九条第（四）项", "认定决定应在暂缓决定之后")
    yield from _order(case, "determination", ("upward_report", "date"), "initiation", ("date",),
                      "第九条第（四）项", "向上级报告应在启动核实认定之后")
    yield from _order(case, "determination", ("upward_report", "date"), "investigation", ("report_date",),
                      "第九条第（四）项", "向上级请示应在调查报告之后（请示要说明调查核实的情况）")
    yield from _order(case, "feedback", ("date",), "determination", ("decision", "date"),
                      "第九条第（五）项", "反馈应在作出认定决定之后")
    yield from _order(case, "filing", ("date",), "feedback", ("date",),
                      "第九条第（六）项", "备案应在反馈之后")
    yield from _order(case, "filing", ("volume", "compiled_on"), "feedback", ("date",),
                      "第九条第（六）项", "立卷应在反馈之后")
    for step in ("result_use", "rectification", "clarification", "followup"):
        if case.has(step):
            dates = [case.date(step, *path) for path in _dates_of(case, step)]
            first = min((day for day in dates if day is not None), default=None)
            decided = case.date("determination", "decision", "date")
            if first and decided and first < decided and step != "rectification":
                yield case.problem(step, (), BY_KEY[step].article,
                                   f"{BY_KEY[step].title}应在认定决定（{cn_date(decided)}）之后，"
                                   f"这里最早的日期是{cn_date(first)}")
    yield from _order(case, "rectification", ("deadline",), "rectification", ("date",),
                      "第十一条", "整改期限应在整改通知之后", strict=True)
    yield from _order(case, "rectification", ("completion", "date"), "rectification", ("date",),
                      "第十一条", "整改完成应在整改通知之后")
    start, end = case.get("investigation", "hearing", "start"), case.get("investigation", "hearing", "end")
    if isinstance(start, str) and isinstance(end, str) and end <= start:
        yield case.problem("investigation", ("hearing", "end"), "第九条第（三）项",
                           f"听证结束时间 {end} 应晚于开始时间 {start}")


def _dates_of(case: Case, step: str) -> list[tuple]:
    data = case.get(step)
    if step == "followup":
        return [("talks", i, "date") for i in range(len(data.get("talks") or []))]
    if step == "result_use":
        return [("applications", i, "date") for i in range(len(data.get("applications") or []))]
    return [("date",)]


# --- who the measures apply to ------------------------------------------------------------


@rule
def applicant_scope(case: Case, context: Context):
    """Art. 3 and Art. 15: direct application or 参照执行, and a consistent applicant."""
    kind = case.get("case", "applicant", "kind")
    category = case.get("case", "applicant", "category")
    if kind == "单位" and category not in (None, "直属学校（单位）"):
        yield case.problem("case", ("applicant", "category"), "第三条",
                           f"单位申请人的适用类别应为“直属学校（单位）”，不能是“{category}”")
    if kind == "个人" and category == "直属学校（单位）":
        yield case.problem("case", ("applicant", "category"), "第三条、第十五条",
                           "个人申请人的适用类别应为局管干部、局机关工作人员、其他党员干部或非中共党员")
    if kind == "个人":
        for name, label in (("unit", "所在学校（单位）"), ("position", "职务")):
            if case.get("case", "applicant", name) is None:
                yield case.problem("case", ("applicant",), "第九条第（一）项",
                                   f"个人申请须填写{label}（applicant.{name}）")
    if kind == "单位" and case.get("case", "applicant", "responsible_person") is None:
        yield case.problem("case", ("applicant",), "第九条第（一）项",
                           "单位申请须填写单位负责人（applicant.responsible_person）")
    if category == "非中共党员" and case.get("case", "applicant", "political_status") == "中共党员":
        yield case.problem("case", ("applicant", "political_status"), "第十五条",
                           "适用类别为“非中共党员”，政治面貌却是“中共党员”")
    if category in BY_REFERENCE_CATEGORIES and case.has("application") \
            and case.get("application", "unit_opinion") is None:
        yield case.problem("application", (), "第十五条",
                           f"“{category}”按干部管理权限参照执行，宜附所在单位党组织意见（unit_opinion）",
                           "warning")


# --- eligibility: Art. 6, 7, 8 ------------------------------------------------------------


def _items(case: Case, step: str, *path) -> list:
    value = case.get(step, *path, default=[])
    return value if isinstance(value, list) else []


@rule
def situations_claimed(case: Case, context: Context):
    """Art. 6: at least one situation claimed, each once, each with facts; decisions quote them."""
    claimed = _items(case, "application", "situations")
    seen: set = set()
    for index, entry in enumerate(claimed):
        item = entry.get("item") if isinstance(entry, dict) else None
        if item in seen:
            yield case.problem("application", ("situations", index, "item"), "第六条",
                               f"{cite(6, item)}重复主张，请合并为一条")
        seen.add(item)
    outcome = case.get("determination", "decision", "outcome")
    decided = _items(case, "determination", "decision", "situations")
    if outcome in GRANTED_OUTCOMES and case.has("determination") and not decided:
        yield case.problem("determination", ("decision",), "第六条",
                           f"认定“{outcome}”须写明符合第六条哪一项情形（decision.situations）")
    found = {e.get("item") for e in _items(case, "investigation", "situations_found") if isinstance(e, dict)}
    for index, item in enumerate(decided):
        if case.has("investigation") and item not in found:
            yield case.problem("determination", ("decision", "situations", index), "第六条",
                               f"认定的{cite(6, item)}情形未经调查核实（investigation.situations_found 中没有）")


@rule
def conditions_all_met(case: Case, context: Context):
    """Art. 7: ALL six conditions must hold, with evidence, for exemption to be granted."""
    stated = {e.get("item") for e in _items(case, "application", "conditions") if isinstance(e, dict)}
    if case.has("application"):
        missing = [n for n in CONDITIONS if n not in stated]
        if missing:
            yield case.problem("application", ("conditions",), "第七条",
                               "申请未就第七条第" + "、".join(f"（{n}）" for n in missing) + "项条件说明理由",
                               "warning")
    if not case.has("investigation"):
        return
    found = {e.get("item"): e for e in _items(case, "investigation", "conditions_found") if isinstance(e, dict)}
    unmet = [n for n in CONDITIONS if not (n in found and found[n].get("met") is True)]
    no_evidence = [n for n in CONDITIONS if n in found and found[n].get("met") is True
                   and not found[n].get("evidence")]
    for step, path, outcome in (("investigation", ("preliminary_opinion", "outcome"),
                                 case.get("investigation", "preliminary_opinion", "outcome")),
                                ("determination", ("decision", "outcome"),
                                 case.get("determination", "decision", "outcome"))):
        if outcome not in GRANTED_OUTCOMES:
            continue
        if unmet:
            yield case.problem(step, path, "第七条",
                               f"“{outcome}”须同时符合第七条六项条件，"
                               "第" + "、".join(f"（{n}）{CONDITIONS[n]}" for n in unmet) + "项未核实符合")
        if no_evidence:
            yield case.problem(step, path, "第七条",
                               f"“{outcome}”须有证据，第七条第"
                               + "、".join(f"（{n}）" for n in no_evidence) + "项条件未写明证据（evidence）")


@rule
def exclusions_forbid(case: Case, context: Context):
    """Art. 8: any exclusion forbids exemption."""
    found = [e.get("item") for e in _items(case, "investigation", "exclusions_found") if isinstance(e, dict)]
    declared = _items(case, "determination", "decision", "exclusions")
    items = sorted({i for i in [*found, *declared] if isinstance(i, int)})
    if not items:
        return
    names = "；".join(f"{cite(8, i)}“{EXCLUSIONS.get(i, '')}”" for i in items)
    for step, path in (("investigation", ("preliminary_opinion", "outcome")),
                       ("determination", ("decision", "outcome"))):
        outcome = case.get(step, *path)
        if outcome in GRANTED_OUTCOMES:
            yield case.problem(step, path, "第八条",
                               f"存在不予容错情形（{names}），不能认定“{outcome}”，应为“{REFUSED_OUTCOME}”")
    for item in found:
        if case.has("determination") and item not in declared \
                and case.get("determination", "decision", "outcome") == REFUSED_OUTCOME:
            yield case.problem("determination", ("decision",), "第八条",
                               f"调查查实{cite(8, item)}情形，决定中宜在 decision.exclusions 写明所依据的项",
                               "warning")


@rule
def refusal_has_reason(case: Case, context: Context):
    """Art. 2, 6, 7 and 8: a refusal rests on a requirement not met — no situation of Art. 6, a
    condition of Art. 7, or an exclusion of Art. 8."""
    if case.get("determination", "decision", "outcome") != REFUSED_OUTCOME:
        return
    has_exclusion = bool(_items(case, "investigation", "exclusions_found")
                         or _items(case, "determination", "decision", "exclusions"))
    found = {e.get("item"): e.get("met") for e in _items(case, "investigation", "conditions_found")
             if isinstance(e, dict)}
    all_met = all(found.get(n) is True for n in CONDITIONS)
    no_situation = not _items(case, "investigation", "situations_found")
    if not has_exclusion and all_met and not no_situation:
        yield case.problem("determination", ("decision", "outcome"), "第七条、第八条",
                           "不予容错，但调查认定有第六条情形、第七条六项条件均符合且无第八条情形：请核对，"
                           "或在 reasoning 中写明不予容错的依据", "warning")


#: Separators between the names of several organs in one field.
_SEVERAL = re.compile(r"[、，,；;／/]")


@rule
def upward_report_has_one_addressee(case: Case, context: Context):
    """《党政机关公文处理工作条例》第十五条：请示主送一个上级机关，同时送其他机关的用抄送。"""
    to = case.get("determination", "upward_report", "to")
    if isinstance(to, str) and _SEVERAL.search(to):
        first, *others = [part.strip() for part in _SEVERAL.split(to) if part.strip()]
        yield case.problem("determination", ("upward_report", "to"), "《党政机关公文处理工作条例》第十五条",
                           f"请示只主送一个上级机关，这里写了{len(others) + 1}个：to 只写“{first}”，"
                           f"其余写进抄送，如 cc: [{', '.join(others)}]")


@rule
def upward_report_first(case: Case, context: Context):
    """Art. 9(4): complex or high-impact cases are reported upward before the decision."""
    if not case.has("determination") or case.get("case", "matter", "complex") is not True:
        return
    reported = case.date("determination", "upward_report", "date")
    decided = case.date("determination", "decision", "date")
    if case.get("determination", "upward_report") is None:
        yield case.problem("determination", ("decision",), "第九条第（四）项",
                           "本案标为情况复杂或社会影响较大（matter.complex: true），"
                           "须先向上级纪检监察机关或组织人事部门报告（upward_report）再作决定")
    elif reported and decided and reported >= decided:
        yield case.problem("determination", ("upward_report", "date"), "第九条第（四）项",
                           f"向上级报告（{cn_date(reported)}）应在作出决定（{cn_date(decided)}）之前")


@rule
def after_steps_only_when_granted(case: Case, context: Context):
    """Art. 10 applies to "经认定予以免责的" (免予问责 only); Art. 14 to "予以容错免责的" (the three
    granted outcomes)."""
    outcome = case.get("determination", "decision", "outcome")
    if outcome is None:
        return
    if outcome != EXEMPT_OUTCOME:
        if _items(case, "determination", "decision", "result_use"):
            yield case.problem("determination", ("decision", "result_use"), "第十条",
                               f"第十条的结果运用只适用于“经认定予以免责的”（{EXEMPT_OUTCOME}），"
                               f"本案认定“{outcome}”：请删去 decision.result_use")
        if case.has("result_use"):
            yield case.problem("result_use", (), "第十条",
                               f"第十条的结果运用只适用于“经认定予以免责的”（{EXEMPT_OUTCOME}），"
                               f"本案认定“{outcome}”，不应有 {BY_KEY['result_use'].file}")
    if outcome == REFUSED_OUTCOME and case.has("followup"):
        yield case.problem("followup", (), "第十四条",
                           f"第十四条的回访只适用于予以容错免责的，本案结果为“{REFUSED_OUTCOME}”")


@rule
def measure_matches_outcome(case: Case, context: Context):
    """Art. 2: 减轻处理 and 从轻处理 still take a measure, which the decision states; 免予问责 takes
    none, and after 不予容错 the accountability procedure decides it."""
    for path, what in ((("decision",), "认定"), (("upward_report", "proposal"), "请示中拟认定")):
        outcome = case.get("determination", *path, "outcome")
        measure = case.get("determination", *path, "measure")
        where = "04-determination.yaml 的 " + ".".join(path)
        if outcome in MITIGATED_OUTCOMES and measure is None:
            yield case.problem("determination", path, "第二条",
                               f"{what}“{outcome}”须写明实际给予的处理：在 {where} 下加一行 measure: ……，"
                               f"只写措施本身，如 measure: 批评教育（文书写作“{outcome}，给予批评教育”）")
        elif measure is not None and outcome not in MITIGATED_OUTCOMES:
            why = ("免予问责不给予处理" if outcome == EXEMPT_OUTCOME
                   else "不予容错的，问责程序继续进行，处理由问责程序决定")
            yield case.problem("determination", (*path, "measure"), "第二条",
                               f"{what}“{outcome}”：{why}，请删去 {where}.measure")
        elif isinstance(measure, str) and measure.startswith(("给予", "对其")):
            bare = measure.removeprefix("给予").removeprefix("对其")
            yield case.problem("determination", (*path, "measure"), "第二条",
                               f"measure 只写措施本身，文书会写作“给予……”：把“{measure}”改为“{bare}”")


@rule
def result_use_matches_decision(case: Case, context: Context):
    """Art. 10: how the result is used follows the decision."""
    allowed = _items(case, "determination", "decision", "result_use")
    for index, entry in enumerate(_items(case, "result_use", "applications")):
        item = entry.get("item") if isinstance(entry, dict) else None
        if allowed and item not in allowed:
            yield case.problem("result_use", ("applications", index, "item"), "第十条",
                               f"{cite(10, item)}不在认定决定所列的结果运用事项（decision.result_use）中",
                               "warning")


# --- time limits ---------------------------------------------------------------------------


@rule
def time_limits_kept(case: Case, context: Context):
    """Art. 9(1), (4), (5): the time limits, counted as PRC Civil Code Art. 201–203."""
    for limit in context.limits:
        step, path = limit.source
        done = PERIODS_BY_KEY[limit.key].done  # where the late act is recorded
        done_step, done_path = done[0], done[1:]
        span = f"自{cn_date(limit.start)}起{limit.length}，应于{limit.due_text}前{limit.action}"
        # the act's date (a late act always has one)
        actual = f"，实际{cn_date(limit.done)}" if limit.done is not None else ""
        if limit.key == "application" and limit.status == "late":
            yield case.problem(done_step, done_path, limit.article,
                               f"申请逾期：{span}{actual}。"
                               "如已同意受理，请在 late_acceptance 中记录决定受理人和理由")
        elif limit.key == "verification" and limit.status == "late":
            yield case.problem(done_step, done_path, limit.article,
                               f"核实认定一般于{limit.length}内完成：{span}{actual}，且未记录暂缓",
                               "warning")
        elif limit.key == "deferral":
            until = case.date("determination", "deferral", "until")
            if until and until > limit.due:
                yield case.problem("determination", ("deferral", "until"), limit.article,
                                   f"暂缓时间不得超过{limit.length}：自{cn_date(limit.start)}起最迟至"
                                   f"{limit.due_text}，这里写的是{cn_date(until)}")
            if limit.status == "late":
                yield case.problem(done_step, done_path, limit.article,
                                   f"暂缓时间超过{limit.length}：{span}{actual}")
            elif until and limit.done and limit.done > until:
                yield case.problem(done_step, done_path, limit.article,
                                   f"认定决定（{cn_date(limit.done)}）晚于暂缓截止日（{cn_date(until)}）",
                                   "warning")
        elif limit.key == "feedback" and limit.status == "late":
            yield case.problem(done_step, done_path, limit.article,
                               f"反馈逾期：{span}{actual}")
        if limit.status == "overdue":
            yield case.problem(step, path, limit.article,
                               f"{limit.name}已过：{span}，截至{cn_date(context.today)}尚无记录", "warning")


@rule
def rectification_followed_up(case: Case, context: Context):
    """Art. 11: rectification past its deadline needs a recorded result (追责问责 if it failed)."""
    deadline = case.date("rectification", "deadline")
    if deadline and deadline < context.today and case.get("rectification", "completion") is None:
        yield case.problem("rectification", ("deadline",), "第十一条",
                           f"整改期限{cn_date(deadline)}已过，尚未记录整改结果（completion）", "warning")


# --- names and structure of the facts ------------------------------------------------------


@rule
def party_organization_named(case: Case, context: Context):
    """Art. 9(6): the unit's party organization files the volume with the organization
    department, and the decision is addressed to it: its full name, never the generic 党组织."""
    if not case.has("case") or not case.has("application"):
        return
    applicant = case.get("case", "applicant")
    named = applicant.get("party_organization")
    unit = applicant.get("unit") if applicant.get("kind") == "个人" else applicant.get("name")
    example = f"如 party_organization: 中共{unit}委员会、{unit}党支部" if unit else "如 中共××学校委员会"
    if named is not None and not is_party_organization(named):
        yield case.problem("case", ("applicant", "party_organization"), "第九条第（六）项",
                           f"“{named}”不像一个党组织的全称：应写到委员会、党委、党总支或党支部（{example}）")
    elif party_organization(applicant, case.get("application")) is None:
        signed_by = case.get("application", "unit_opinion", "by")
        hint = (f"（所在单位意见的签署人“{signed_by}”不是党组织名称，不能代用）" if signed_by else "")
        yield case.problem("case", ("applicant",), "第九条第（六）项",
                           f"须写明{'申请人所在单位' if applicant.get('kind') == '个人' else '申请单位'}的党组织全称："
                           f"在 00-case.yaml 的 applicant 下加一行 party_organization: ……，{example}{hint}")


#: A numbered list typed inside one text: the numbering family and how its first two items look.
_TYPED_LISTS = (
    ("一、", re.compile(r"(?:^|[。；：;:\n])\s*一、.*?(?:[。；：;:\n])\s*二、", re.S)),
    ("（一）", re.compile(r"(?<!第)[（(]一[）)].*?(?<!第)[（(]二[）)]", re.S)),
    ("1.", re.compile(r"(?:^|[。；：;:\n])\s*1[.．、）)](?!\d).*?(?:[。；：;:\n])\s*2[.．、）)](?!\d)", re.S)),
    ("（1）", re.compile(r"(?<!第)[（(]1[）)].*?(?<!第)[（(]2[）)]", re.S)),
    ("①", re.compile(r"①.*?②", re.S)),
)


def _points_fields(node: dict, path: tuple = ()) -> Iterable[tuple]:
    """The paths of a step's fields that take a text or a list of items (common.schema.json
    ``points``: type string or array)."""
    if node.get("type") == ["string", "array"]:
        yield path
        return
    for name, sub in node.get("properties", {}).items():
        yield from _points_fields(sub, (*path, name))
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        yield from _points_fields(node["items"], (*path, "[]"))


@cache
def _points_fields_of(schema_file: str) -> tuple[tuple, ...]:
    return tuple(_points_fields(schema_of(schema_file)))


def _values_at(case: Case, step: str, path: tuple) -> Iterable[tuple[tuple, object]]:
    """(concrete path, value) for a schema path, ``[]`` standing for every item of a list."""
    if "[]" not in path:
        yield path, case.get(step, *path)
        return
    at = path.index("[]")
    for index in range(len(case.get(step, *path[:at], default=[]) or [])):
        yield from _values_at(case, step, (*path[:at], index, *path[at + 1:]))


@rule
def lists_written_as_lists(case: Case, context: Context):
    """GB/T 9704-2012 7.3.3: a document numbers its levels 一、（一）1.（1）; a numbered list
    typed inside one paragraph lands inside a numbered section and breaks that order."""
    for step in case.files:
        for schema_path in _points_fields_of(BY_KEY[step].schema):
            for path, value in _values_at(case, step, schema_path):
                if not isinstance(value, str):
                    continue
                marker = next((m for m, pattern in _TYPED_LISTS if pattern.search(value)), None)
                if marker:
                    name = ".".join(str(p) for p in path)
                    yield case.problem(step, path, "GB/T 9704-2012 7.3.3",
                                       f"{name} 在一段文字里写了编号“{marker}”：文书会把它放进已编号的层次中，"
                                       f"层次序号就乱了。请写成列表：{path[-1]}: 下每项一行，以“- ”开头，不写编号，"
                                       "文书按所在层次自动编号（一、下为（一），（一）下为 1.）", "warning")


@rule
def next_talk_is_ahead(case: Case, context: Context):
    """Art. 14: the next planned talk comes after the talks held (回访 is regular)."""
    planned = case.date("followup", "next_planned")
    held = [case.date("followup", "talks", i, "date")
            for i in range(len(case.get("followup", "talks", default=[]) or []))]
    last = max((d for d in held if d), default=None)
    if planned and last and planned <= last:
        yield case.problem("followup", ("next_planned",), "第十四条",
                           f"下次回访计划日期{cn_date(planned)}不晚于最近一次谈话（{cn_date(last)}）："
                           "请写下一次回访的计划日期，或删去 next_planned", "warning")


# The rules on the values themselves (control characters, characters no font has, toolkit/rules/
# values.py) and on their typography (toolkit/rules/typography.py) register with @rule on import.
from toolkit.rules import typography, values  # noqa: E402, F401
