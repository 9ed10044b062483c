"""A seeded generator of valid cases across the whole space the schemas and rules allow.

``generate(root, seed)`` writes one case folder and returns it with the :class:`Scenario` it
walks: applicant kind and category (direct or 参照执行), each of the four outcomes, with and
without an appeal (each adoption), a hearing (before or after the report), an upward report
(without a deferral, before one, after one), a deferral, a late application accepted, a
rectification notice from each issuer, a clarification by each method, a follow-up held or only
planned, scanned originals (one or several per document), facts written as texts or as lists,
and dates anywhere from 2021 to the year before ``today``, drawn towards year ends and holidays.

Every date is placed by the working-day calendar so that the time limits of Art. 9 hold; every
fact is consistent with the outcome (Art. 6–8), so ``rcmz check`` has no error on a generated
case.  Its only warnings are the ones the scenario asks for: documents formed after the volume
was compiled (``Scenario.filed_late``) and a scan with other pages than its document
(``Scenario.scan_mismatch``).  The same seed gives the same case.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from toolkit.calendar import WorkCalendar
from toolkit.case.steps import BY_KEY as STEPS
from toolkit.rules.articles import GRANTED_OUTCOMES, MITIGATED_OUTCOMES

OUTCOMES = (*GRANTED_OUTCOMES, "不予容错")
CATEGORIES = ("局管干部", "局机关工作人员", "其他党员干部", "非中共党员")
ISSUERS = ("驻局纪检监察组", "局组织处", "其他具有问责职能的部门")
METHODS = ("谈话", "召开会议", "通报")
ADOPTIONS = ("采纳", "部分采纳", "不予采纳")
MEASURES = ("批评教育", "诫勉", "通报批评", "责令检查", "党内警告处分")

SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "朱", "马", "胡",
            "郭", "何", "林", "罗", "郑", "欧阳", "司马", "上官", "诸葛", "袁", "柴")
GIVEN = ("明远", "晓岚", "建华", "丽萍", "国栋", "雅琴", "文博", "佳怡", "志强", "振华", "喆", "堃",
         "宁远", "嘉禾", "一帆", "思齐", "若兰", "子涵", "立平", "伟", "静", "敏", "晗", "昊天")
PLACES = ("钱塘", "西溪", "拱宸", "湖滨", "良渚", "临平", "萧山", "富阳", "滨江", "之江", "运河", "余杭")
SCHOOLS = ("实验中学", "第一中学", "外国语学校", "小学", "职业技术学校", "幼儿园", "特殊教育学校")
OFFICES = ("计划财务处", "基础教育处", "职业教育与成人教育处", "人事处", "办公室", "体育卫生艺术教育处")
ORG_FORMS = ("中共{unit}委员会", "{unit}党委", "{unit}党总支", "{unit}党支部", "中共{unit}总支部委员会")

FACTS = ("方案经学校集体研究通过，并征求了教职工意见", "实施中因时间紧迫压缩了部分程序环节",
         "问题发生后当事人主动报告并采取了补救措施", "未发现当事人从中谋取私利",
         "相关损失已全部挽回，未造成不良后果", "有关做法在本市尚属首次，缺少可借鉴的经验",
         "事后学校修订了相关管理制度", "投诉人反映的情况部分属实")
REASONS = ("其初衷是推进改革、服务师生", "已按程序民主决策", "因缺乏经验出现程序瑕疵",
           "问题发生后主动纠错，未造成经济损失", "本人廉洁自律，无谋取私利情形",
           "造成了一定社会影响，不宜免予问责", "责任明确，情节较轻")


@dataclass(frozen=True)
class Scenario:
    """The path a generated case walks, for the invariants to know what to expect."""

    seed: int
    kind: str                       # 个人 / 单位
    category: str
    outcome: str
    appeal: tuple[str, ...] | None  # the adoption of each response; None: no appeal
    appeal_after_report: bool
    hearing: str | None             # None, "before_report", "after_report"
    upward: str | None              # None, "no_deferral", "before_deferral", "after_deferral"
    deferral: bool
    late: bool
    rectification: str | None       # the issuer, or None
    clarification: str | None       # the method, or None
    followup: str | None            # None, "held", "planned"
    scans: tuple[str, ...]          # document keys with a scanned signed original
    several_scans: bool             # the first scanned document came back in two files
    scan_mismatch: bool             # its scan has one page too many (a warning, on purpose)
    lists: bool                     # findings and reasons written as YAML lists
    prefilled_organization: bool    # the party organization only as unit_opinion.by
    filed_late: tuple[str, ...] = field(default=())  # document keys dated after compiled_on


@dataclass(frozen=True)
class GeneratedCase:
    folder: Path
    scenario: Scenario
    facts: dict                     # step key → the data written to its file


class _NoRoom(Exception):
    """The drawn dates leave no working day where the next step must fall: draw again."""


class _Dates:
    """Dates placed on the working-day calendar."""

    def __init__(self, calendar: WorkCalendar, rng: random.Random):
        self.calendar, self.rng = calendar, rng

    def workdays(self, start: dt.date, low: int, high: int) -> dt.date:
        return self.calendar.add_workdays(start, self.rng.randint(low, high))

    def between(self, low: dt.date, high: dt.date) -> dt.date:
        """A working day in [low, high]."""
        days = [low + dt.timedelta(n) for n in range((high - low).days + 1)]
        work = [d for d in days if self.calendar.is_workday(d)]
        if not work:
            raise _NoRoom(f"no working day from {low} to {high}")
        return self.rng.choice(work)


def _start_date(rng: random.Random, calendar: WorkCalendar, today: dt.date) -> dt.date:
    """When the accountability procedure starts: a third near a year end, a third just before
    a holiday, the rest anywhere from 2021 to a year and a half before ``today``."""
    latest = today - dt.timedelta(days=540)
    draw = rng.random()
    if draw < 1 / 3:
        year = rng.randint(2021, latest.year - 1)
        return dt.date(year, 12, rng.randint(18, 31))
    day = dt.date(2021, 1, 4) + dt.timedelta(rng.randint(0, (latest - dt.date(2021, 1, 4)).days))
    if draw < 2 / 3:  # walk to the last working day before the next run of rest days
        while not (calendar.is_workday(day) and sum(calendar.is_rest_day(day + dt.timedelta(k))
                                                     for k in range(1, 4)) == 3):
            day += dt.timedelta(1)
    return day


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _person(rng: random.Random, post: str) -> dict:
    return {"name": _name(rng), "post": post}


def _points(rng: random.Random, pool: tuple[str, ...], as_list: bool, low: int = 2, high: int = 4):
    """Findings or reasons: a list of items, or one paragraph (never numbered inside)."""
    items = rng.sample(pool, rng.randint(low, high))
    if as_list:
        return [item + rng.choice(("。", "；", "")) for item in items]
    return "，".join(items) + "。"


class _Numbers:
    """Sequence numbers, unique within each prefix and year (杭教党容〔2025〕3号)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[tuple[str, int, int]] = set()

    def next(self, series: str, date: dt.date) -> int:
        while True:
            seq = self.rng.randint(1, 60)
            if (series, date.year, seq) not in self.used:
                self.used.add((series, date.year, seq))
                return seq


def scenario_for(seed: int) -> Scenario:
    """The path of case ``seed``: the dimensions are drawn so that every value turns up often."""
    rng = random.Random(f"scenario-{seed}")
    kind = "单位" if rng.random() < 0.3 else "个人"
    outcome = OUTCOMES[seed % 4]
    upward = rng.choice((None, None, "no_deferral", "before_deferral", "after_deferral"))
    deferral = upward in ("before_deferral", "after_deferral") or rng.random() < 0.25
    granted = outcome in GRANTED_OUTCOMES
    appeal = tuple(rng.choice(ADOPTIONS) for _ in range(rng.randint(0, 3))) if rng.random() < 0.6 else None
    return Scenario(
        seed=seed, kind=kind, category="直属学校（单位）" if kind == "单位" else rng.choice(CATEGORIES),
        outcome=outcome, appeal=appeal, appeal_after_report=appeal is not None and rng.random() < 0.2,
        hearing=rng.choice((None, None, "before_report", "after_report")), upward=upward,
        deferral=deferral, late=rng.random() < 0.25,
        rectification=ISSUERS[seed % 3] if rng.random() < 0.4 else None,
        clarification=METHODS[seed % 3] if rng.random() < 0.3 else None,
        followup=rng.choice(("held", "planned")) if granted and rng.random() < 0.7 else None,
        scans=(), several_scans=rng.random() < 0.5, scan_mismatch=rng.random() < 0.2,
        lists=rng.random() < 0.5, prefilled_organization=kind == "个人" and rng.random() < 0.4)


def generate(root: Path, seed: int, calendar: WorkCalendar, today: dt.date,
             page_count=None) -> GeneratedCase:
    """Write case ``seed`` under ``root`` (which holds bureau.yaml and the holiday table).

    ``page_count(folder, key)`` gives the pages of a generated document; with it, the case gets
    scanned originals of one or two of its documents with as many pages (one more when the
    scenario asks for a mismatch).  Without it the case has no scans."""
    scenario = scenario_for(seed)
    for attempt in range(100):
        try:
            facts, scenario = _facts(scenario, random.Random(f"case-{seed}-{attempt}"), calendar, today)
        except _NoRoom:
            continue
        if max(_all_dates(facts)) < today:
            break
    else:  # pragma: no cover - the start dates leave 18 months for the longest path
        raise RuntimeError(f"case {seed}: no dates found before {today}")
    folder = Path(root) / f"{2020 + seed % 7}-{seed:05d}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    _write(folder, facts)
    if page_count is not None:
        scenario = _add_scans(folder, facts, scenario, random.Random(f"scans-{seed}"), page_count)
    return GeneratedCase(folder, scenario, _iso(facts))


def _iso(value):
    """The facts as the loader gives them: dates as ISO strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _iso(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_iso(item) for item in value]
    return value


def _all_dates(facts: dict) -> list[dt.date]:
    found = []

    def walk(value):
        if isinstance(value, dt.date):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(facts)
    return found


def _facts(scenario: Scenario, rng: random.Random, calendar: WorkCalendar, today: dt.date):
    dates = _Dates(calendar, rng)
    numbers = _Numbers(rng)
    lists = scenario.lists
    granted = scenario.outcome in GRANTED_OUTCOMES
    individual = scenario.kind == "个人"
    place = rng.choice(PLACES)
    school = f"杭州市{place}{rng.choice(SCHOOLS)}"
    if individual and scenario.category == "局机关工作人员":
        unit, organization = f"杭州市教育局{rng.choice(OFFICES)}", "中共杭州市教育局机关委员会"
    else:
        unit, organization = school, rng.choice(ORG_FORMS).format(unit=school)
    name = _name(rng)

    started = _start_date(rng, calendar, today)
    due = calendar.add_workdays(started, 7)
    applied = dates.workdays(due, 1, 4) if scenario.late else dates.between(
        calendar.add_workdays(started, 1), due)
    initiated = dates.workdays(applied, 1, 3)
    verification_due = calendar.add_months(initiated, 1)
    investigation_started = dates.workdays(initiated, 1, 2)
    report = dates.workdays(investigation_started, 5, 8)

    applicant: dict = {"kind": scenario.kind, "name": unit if not individual else name}
    if individual:
        applicant.update(gender=rng.choice(("男", "女")), birth=f"{rng.randint(1965, 1992)}-{rng.randint(1, 12):02d}",
                         political_status="群众" if scenario.category == "非中共党员" else "中共党员",
                         unit=unit, position=rng.choice(("校长", "副校长", "副处长", "主任", "教研组长")))
    else:
        applicant["name"] = school
        applicant["responsible_person"] = _person(rng, "党委书记、校长")
    applicant["category"] = scenario.category
    if not scenario.prefilled_organization:
        applicant["party_organization"] = organization
    applicant["contact"] = f"0571-8{rng.randint(1000000, 9999999)}"
    complex_matter = scenario.upward is not None and rng.random() < 0.9
    case = {"id": f"{started.year}-{scenario.seed:05d}", "applicant": applicant, "matter": {
        "summary": rng.choice(("集团化办学中的采购程序问题", "课后服务试点中的收费问题",
                               "校企合作项目中的决策程序问题", "资助资金发放中的延误问题",
                               "“双减”课程改革中的排课问题")),
        "description": "在推进改革中出现失误，" + rng.choice(FACTS) + "。",
        "accountability_started": started, "source": rng.choice(("信访举报", "巡察发现", "媒体报道", "审计发现")),
        "complex": complex_matter}}

    claimed = sorted(rng.sample(range(1, 11), rng.randint(1, 3)))
    application = {"date": applied, "received_by": f"局组织处{_name(rng)}",
                   "requested_outcome": rng.choice(GRANTED_OUTCOMES),
                   "situations": [{"item": k, "facts": f"属于该项情形的事实{k}。"} for k in claimed],
                   "conditions": [{"item": k, "reason": f"符合第{k}项条件的理由。"} for k in range(1, 7)],
                   "statement": _points(rng, REASONS, lists, 1, 3)}
    if individual:
        application["unit_opinion"] = {"text": "同意申请。该同志工作积极主动，问题发生后及时纠正。",
                                       "by": organization, "date": applied}
    if scenario.late:
        application["late_acceptance"] = {"accepted_by": "局组织处处长", "reason": "申请人因公在外，返回后即提交申请"}

    initiation = {"date": initiated, "approver": _person(rng, "局党委书记"),
                  "department_opinion": {"text": "同意启动核实认定。", "by": "局组织处处长",
                                         "date": initiated},
                  "approval_opinion": "同意启动核实认定。", "departments": ["局组织处"]}
    if rng.random() < 0.5:
        initiation["leader_opinions"] = [{"text": "同意。", "by": "分管副局长", "date": initiated}]

    # Art. 6–8 as found, consistent with the outcome
    found = claimed if granted or rng.random() < 0.7 else []
    unmet, exclusions = [], []
    if not granted and found:
        reason = rng.choice(("unmet", "exclusion", "both"))
        if reason in ("unmet", "both"):
            unmet = sorted(rng.sample(range(1, 7), rng.randint(1, 2)))
        if reason in ("exclusion", "both"):
            exclusions = sorted(rng.sample(range(1, 8), rng.randint(1, 2)))
    team = [_person(rng, "局组织处干部") for _ in range(rng.randint(1, 3))]
    investigation = {
        "team": team, "started": investigation_started, "report_date": report,
        "background": "当事人基本情况。", "facts_found": _points(rng, FACTS, lists),
        "responsibility": "对上述问题负有直接责任。", "mitigating": _points(rng, REASONS, lists, 1, 2),
        "situations_found": [{"item": k, "basis": f"依据{k}。"} for k in found],
        "conditions_found": [{"item": k, "met": k not in unmet, "evidence": f"证据{k}。"} for k in range(1, 7)],
        "exclusions_found": [{"item": k, "facts": f"存在该项情形的事实{k}。"} for k in exclusions],
        "preliminary_opinion": {"outcome": scenario.outcome if not granted else rng.choice(GRANTED_OUTCOMES),
                                "reasoning": _points(rng, REASONS, lists)}}

    latest_fact = report   # the decision comes after every step of the investigation
    if scenario.hearing:
        if scenario.hearing == "before_report":
            notice = dates.workdays(investigation_started, 1, 2)
            hearing_day = dates.workdays(notice, 1, 2)
            if hearing_day > report:
                report = investigation["report_date"] = hearing_day
        else:
            notice = dates.between(investigation_started + dt.timedelta(1), report)
            hearing_day = dates.workdays(report, 1, 3)
        latest_fact = max(latest_fact, hearing_day)
        hearing = {"notice_date": notice, "notice_seq": numbers.next("doc", notice), "date": hearing_day,
                   "start": "09:00", "end": rng.choice(("11:30", "10:45")), "place": "局机关会议室",
                   "presiding": _person(rng, "局党委委员"), "panel": [_person(rng, "听证员")
                                                                    for _ in range(rng.randint(1, 3))],
                   "recorder": _person(rng, "局组织处干部"), "contact": _person(rng, "局组织处"),
                   "phone": "0571-87000001"}
        if rng.random() < 0.5:
            hearing["public"] = rng.random() < 0.5
        if rng.random() < 0.5:
            hearing["representatives"] = [_person(rng, "律师") for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.7:
            hearing["proceedings"] = [{"speaker": "主持人", "text": "宣布听证纪律。"},
                                      {"speaker": "申请人", "text": "陈述和申辩。"}]
            hearing["presiding_opinion"] = "建议在认定时充分考虑申请人的陈述。"
        investigation["hearing"] = hearing
    if scenario.appeal is not None:
        appeal_day = (dates.workdays(report, 1, 2) if scenario.appeal_after_report
                      else dates.between(investigation_started, report))
        latest_fact = max(latest_fact, appeal_day)
        investigation["appeal"] = {
            "date": appeal_day, "content": "对调查认定的部分事实有异议。",
            "responses": [{"objection": f"第{n}条异议：“{rng.choice(FACTS)}”的认定不准确。",
                           "answer": f"经核实，答复第{n}条异议并说明理由。", "adoption": adoption}
                          for n, adoption in enumerate(scenario.appeal, 1)],
            "confirmation": "以上看过，属实。"}

    determination: dict = {}
    day = latest_fact
    if scenario.upward == "before_deferral":
        reported = dates.workdays(report, 1, 2) if rng.random() < 0.5 else report
        deferred = dates.workdays(reported, 1, 3)
        day = deferred
    elif scenario.deferral:
        deferred = dates.workdays(report, 1, 3)
        day = deferred
    if scenario.deferral:
        until = calendar.add_months(deferred, rng.randint(1, 3))
        determination["deferral"] = {"date": deferred, "seq": numbers.next("letter", deferred),
                                     "until": until, "reason": "一时难以定论，须待有关情况明确。"}
    if scenario.upward:
        if scenario.upward == "after_deferral":
            reported = dates.workdays(deferred, 1, 5)
        elif scenario.upward == "no_deferral":
            reported = dates.workdays(report, 1, 2)
        upward: dict = {"date": reported, "seq": numbers.next("doc", reported), "to": "中共杭州市委组织部",
                  "proposal": {"outcome": scenario.outcome, "reasoning": _points(rng, REASONS, lists)},
                  "question": f"拟对{name if individual else school}作出的认定是否妥当"}
        if scenario.outcome in MITIGATED_OUTCOMES:
            upward["proposal"]["measure"] = rng.choice(MEASURES)
        if rng.random() < 0.4:
            upward["cc"] = ["中共杭州市纪律检查委员会"]
        for key, value in (("signer", "林志刚"), ("contact", "沈佳怡"), ("phone", "0571-87000001")):
            if rng.random() < 0.7:
                upward[key] = value
        day = max(day, reported)
        if rng.random() < 0.8:
            replied = dates.workdays(reported, 2, 10)
            upward["reply"] = {"date": replied, "content": "原则同意你委意见，请依规作出认定。"}
            day = max(day, replied)
        determination["upward_report"] = upward
    day = max(day, latest_fact)
    decided = dates.between(calendar.add_workdays(day, 1), until if scenario.deferral else verification_due)
    meeting_day = decided if rng.random() < 0.7 else max(dates.between(day, decided), day)
    determination["meeting"] = {
        "date": meeting_day, "name": f"局党委{meeting_day.year}年第{rng.randint(1, 30)}次会议",
        "seq": numbers.next("minutes", meeting_day), "place": "局机关301会议室", "presiding": "林志刚",
        "attendees": ["林志刚", "吴建华", "赵丽萍", "钱国栋"],
        "discussion": "\n".join(f"会议认为，{reason}。" for reason in rng.sample(REASONS, rng.randint(1, 3)))}
    if rng.random() < 0.3:
        determination["meeting"]["absent"] = ["李文博（公务出差）"]
    decision = {"date": decided, "seq": numbers.next("doc", decided), "outcome": scenario.outcome,
                "situations": found if granted else (found[:1] if rng.random() < 0.3 else []),
                "exclusions": exclusions, "reasoning": _points(rng, REASONS, lists)}
    if scenario.outcome in MITIGATED_OUTCOMES:
        decision["measure"] = rng.choice(MEASURES)
    if scenario.outcome == "免予问责" and rng.random() < 0.7:
        decision["result_use"] = sorted(rng.sample(range(1, 7), rng.randint(1, 3)))
    if scenario.appeal is not None or scenario.hearing:
        decision["hearing_considered"] = "申请人的申诉和听证意见已在认定中予以考虑。"
    determination["decision"] = decision

    fed_back = dates.between(decided, calendar.add_workdays(decided, 3))
    feedback: dict = {"date": fed_back, "seq": numbers.next("letter", fed_back),
                "method": rng.choice(("当面送达", "邮寄送达", "电子送达")),
                "explanation": _points(rng, REASONS, lists, 1, 3)}
    if rng.random() < 0.5:
        feedback["announcement"] = {"scope": f"{unit}全体教职工"}
        if rng.random() < 0.7:
            feedback["announcement"]["date"] = fed_back + dt.timedelta(rng.randint(0, 6))
    if rng.random() < 0.6:
        feedback["receipt"] = {"signed_by": name if individual else applicant["responsible_person"]["name"],
                               "date": fed_back + dt.timedelta(rng.randint(0, 3))}
    filed = dates.workdays(fed_back, 1, 5)
    compiled = max(fed_back, dates.between(filed - dt.timedelta(2), filed + dt.timedelta(6)))
    filing = {"date": filed, "contact": "沈佳怡", "phone": "0571-87000001",
              "volume": {"volume_no": rng.randint(1, 500), "compiler": "沈佳怡", "checker": "何晓岚",
                         "compiled_on": compiled}}
    facts = {"case": case, "application": application, "initiation": initiation,
             "investigation": investigation, "determination": determination, "feedback": feedback,
             "filing": filing}

    if scenario.outcome == "免予问责" and decision.get("result_use") and rng.random() < 0.5:
        facts["result_use"] = {"applications": [
            {"item": decision["result_use"][0], "date": decided + dt.timedelta(rng.randint(20, 200)),
             "note": "年度考核中不作负面评价。"}]}
    if scenario.rectification:
        noticed = dates.workdays(decided, 1, 15)
        deadline = noticed + dt.timedelta(rng.randint(20, 60))
        facts["rectification"] = {
            "date": noticed, "seq": numbers.next("doc", noticed), "issued_by": scenario.rectification,
            "measures": rng.sample(("诫勉函询", "责令纠错"), rng.randint(1, 2)),
            "problems": _points(rng, FACTS, lists, 1, 3), "requirements": _points(rng, REASONS, lists, 1, 3),
            "deadline": deadline,
            "completion": {"date": deadline - dt.timedelta(rng.randint(0, 10)),
                           "result": rng.choice(("已完成整改", "整改不力", "拒不整改"))}}
    if scenario.clarification:
        clarified = dates.workdays(decided, 1, 40)
        facts["clarification"] = {"date": clarified, "seq": numbers.next("doc", clarified),
                                  "method": scenario.clarification, "scope": f"{unit}全体教职工",
                                  "facts": "反映的问题经核查查无实据。"}
        if rng.random() < 0.4:
            facts["clarification"]["false_accusation"] = "对散布不实信息的人员，已移交有关部门依规处理。"
    if scenario.followup:
        talks: list[dict] = []
        if scenario.followup == "held":
            first = dates.workdays(decided, 20, 120)
            days = [first] + ([dates.workdays(first, 20, 80)] if rng.random() < 0.4 else [])
            talks = [{"date": talk_day, "start": "14:30", "end": "15:30", "place": "学校会议室",
                      "talkers": [_person(rng, "局组织处处长"), _person(rng, "局组织处干部")],
                      "recorder": _person(rng, "局组织处干部"), "content": "当事人表示已放下思想包袱。",
                      "assessment": rng.choice(("好", "一般", "较差"))} for talk_day in days]
        followup: dict = {"talks": talks}
        if scenario.followup == "planned" or rng.random() < 0.5:
            base = talks[-1]["date"] if talks else decided
            followup["next_planned"] = base + dt.timedelta(rng.randint(60, 240))
        facts["followup"] = followup

    late = tuple(key for key, date in _document_dates(facts).items() if date > compiled)
    return facts, replace(scenario, filed_late=late)


def _document_dates(facts: dict) -> dict[str, dt.date]:
    """The documents of the volume that may come after it is compiled (Scenario.filed_late)."""
    dates = {"filing_form": facts["filing"]["date"]}
    if facts.get("rectification"):
        dates["rectification_notice"] = facts["rectification"]["date"]
    if facts.get("clarification"):
        dates["clarification"] = facts["clarification"]["date"]
    talks = facts.get("followup", {}).get("talks")
    if talks:
        dates["followup_record"] = max(t["date"] for t in talks)
    return dates


_yaml = YAML()
_yaml.default_flow_style = False
_yaml.allow_unicode = True
_yaml.width = 4096


def _as_clerks_write(value):
    """Text of several lines as a ``|`` block, as a clerk writes it (a line break anywhere else
    is refused by rcmz check)."""
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    if isinstance(value, dict):
        return {key: _as_clerks_write(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_clerks_write(item) for item in value]
    return value


def _write(folder: Path, facts: dict) -> None:
    for step, data in facts.items():
        with (folder / STEPS[step].file).open("w", encoding="utf-8") as out:
            _yaml.dump(_as_clerks_write(data), out)


def _add_scans(folder: Path, facts: dict, scenario: Scenario, rng: random.Random, page_count) -> Scenario:
    """Scanned signed originals of one or two documents, with their documents' page counts."""
    candidates = ["application", "initiation", "decision", "feedback_letter", "filing_form"]
    keys = tuple(rng.sample(candidates, rng.randint(1, 2)))
    files = {"application": "application", "initiation": "initiation", "decision": "determination",
             "feedback_letter": "feedback", "filing_form": "filing"}
    (folder / "attachments").mkdir()
    for n, key in enumerate(keys):
        pages = page_count(folder, key) + (1 if n == 0 and scenario.scan_mismatch else 0)
        split = n == 0 and scenario.several_scans and pages > 1
        parts = [(f"{key}-1.pdf", pages - 1), (f"{key}-2.png", 1)] if split else [(f"{key}-signed.pdf", pages)]
        entries = []
        for name, count in parts:
            _scan_file(folder / "attachments" / name, count)
            entries.append({"title": f"签章原件扫描件（{name}）", "file": f"attachments/{name}", "original_of": key})
        step = files[key]
        facts[step].setdefault("attachments", []).extend(entries)
        _write(folder, {step: facts[step]})
    return replace(scenario, scans=keys)


def _scan_file(path: Path, pages: int) -> None:
    """A blank scan: a PDF of ``pages`` A4 pages, or a one-page grey PNG."""
    if path.suffix == ".png":
        from PIL import Image

        Image.new("L", (210, 297), 240).save(path)
        return
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    pdf.save(path)
