"""The measures' wording that documents quote and rules cite (seed/容错免责实施办法.txt).

Item numbers are 1-based, as in the text: ``SITUATIONS[4]`` is 第六条第（四）项.
"""

from __future__ import annotations

from toolkit.text import cn_number


def cite(article: int, item: int | None = None) -> str:
    """第六条第（四）项 — the form used in decisions (FORMS.md)."""
    return f"第{cn_number(article)}条" + (f"第（{cn_number(item)}）项" if item else "")


SITUATIONS = {
    1: "在落实上级决策部署，尤其是推动重点工作、重要决策、重大项目中，攻坚克难、主动解决难题或因保障进度需要出现失误或错误的",
    2: "为推动教育事业改革发展，大胆探索、先行先试出现失误或错误的",
    3: "在推进教育体制机制改革、方式方法创新过程中，因缺乏经验出现失误或错误的",
    4: "在无法律法规明令禁止、无政策限制的探索性试验中未达到预期效果，或因政策界限不明确、政策调整影响出现失误或错误的",
    5: "因法律法规修改、国家政策调整、上级决策部署变化或自然灾害等不可预见或不可抗力因素，导致工作未达到预期效果或造成负面影响和损失的",
    6: "在处置突发应急事件或执行其他急难险重任务中，主动揽责涉险、破解难题、采取果断措施及时处置，出现失误、错误或造成负面影响的",
    7: "在服务企业、服务群众、服务基层工作中，因着眼于创新方法、提高效能、方便群众出现失误或错误的",
    8: "在化解矛盾纠纷、解决历史遗留问题等工作中，因勇于破除障碍、触及固有利益而造成失误或引发信访问题的",
    9: "根据中央、省、市和上级部门有关精神进行先行先试改革，因无先例遵循而出现失误或偏差的",
    10: "符合容错免责条件的其他情形",
}

CONDITIONS = {
    1: "符合党章、党内法规和法律、法规精神",
    2: "符合中央和省委省政府、市委市政府决策部署精神",
    3: "有利于推进教育事业改革和创新发展",
    4: "严格遵守廉洁自律各项要求",
    5: "按照相关程序进行民主决策、组织和实施的",
    6: "主动纠偏纠错，有效阻止错误继续发生，消除不良影响，或努力挽回损失",
}

EXCLUSIONS = {
    1: "落实全面从严治党主体责任不到位，管理宽松软，造成严重损失和恶劣影响",
    2: "借改革创新之名搞“政绩工程”、“形象工程”，徇私舞弊、贪污受贿、假公济私以及严重侵害群众利益",
    3: "我行我素、独断专行，未按规定程序决策",
    4: "引发重特大安全责任事故，或因处置不力发生重大安全责任事故",
    5: "引发较大群体性事件并造成严重损失和恶劣影响",
    6: "经组织提醒或问责后，仍重复出现失误",
    7: "有关规定明确不能予以容错免责的其他情形",
}

RESULT_USES = {
    1: "在学校（单位）年度党建等考核中免予扣分",
    2: "在干部个人评优评先、表彰奖励中不受影响",
    3: "在干部个人提拔任用、职级职称晋升、岗位聘用、职称评定中不受影响",
    4: "在任职试用期满、年度考核、任期考核等干部考核中不作负面评价",
    5: "党代表、人大代表、政协委员和后备干部的推荐资格免受影响",
    6: "其他不受影响的事项",
}

#: Outcomes of Art. 2; the first three grant 容错 (the person is exempted in some measure).
GRANTED_OUTCOMES = ("免予问责", "减轻处理", "从轻处理")
REFUSED_OUTCOME = "不予容错"
#: Art. 10 applies to "经认定予以免责的": only a case exempted from accountability altogether.
EXEMPT_OUTCOME = "免予问责"
#: The two outcomes under which a measure is still taken, lighter than it would otherwise be;
#: the decision states that measure (``decision.measure``).
MITIGATED_OUTCOMES = ("减轻处理", "从轻处理")

#: Art. 2's words for the three granted outcomes, quoted where a decision grants one of them.
OUTCOMES_CLAUSE = "依纪依法对其从轻、减轻处理或免予问责"
#: Art. 10's opening words, quoted where the uses of the result are listed.
RESULT_USE_CLAUSE = "经认定予以免责的，可以在以下方面运用容错结果"

#: Art. 15: who the measures apply to by reference (参照执行); every other category of
#: schemas/case.schema.json applies them directly (Art. 3).
BY_REFERENCE_CATEGORIES = ("其他党员干部", "非中共党员")


def scope_of(category: str) -> str:
    """第十五条: 按本办法执行 or 参照执行."""
    return "参照执行" if category in BY_REFERENCE_CATEGORIES else "按本办法执行"


#: How the name of a party organization ends (Art. 9(6) 学校（单位）党组织): 中共××学校委员会,
#: ××学校党委, ××党总支, ××总支部委员会, ××党支部, ××联合支部委员会, ××党组.
PARTY_ORGANIZATION_ENDINGS = ("委员会", "党委", "党总支", "党支部", "党组", "总支部", "支部")


def is_party_organization(name: object) -> bool:
    """Whether ``name`` is the full name of one party organization (not the generic 党组织)."""
    return (isinstance(name, str) and name.endswith(PARTY_ORGANIZATION_ENDINGS)
            and "党组织" not in name and len(name) > 4)


def party_organization(applicant: dict, application: dict | None) -> str | None:
    """The full name of the applicant's (unit's) party organization, which files the volume with
    the organization department (Art. 9(6)) and is addressed by the decision: the case's
    ``applicant.party_organization``, else the organization that signed the unit's opinion on an
    individual's application (``unit_opinion.by``) when that is one."""
    if applicant.get("party_organization"):
        return applicant["party_organization"]
    signed_by = ((application or {}).get("unit_opinion") or {}).get("by")
    return signed_by if is_party_organization(signed_by) else None
