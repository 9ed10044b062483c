"""The wording templates, checked on the composed content model.

For every example case and every document kind the case calls for, the composed ``Document``
must carry the passages built from the facts (names, dates as 2025年1月3日, numbers with 〔〕,
the measures' text quoted exactly); values from YAML must come out literally whatever they
contain; every optional field may be missing; and a bureau's own template folder replaces the
wording of one document.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from toolkit.case.load import load_case
from toolkit.case.steps import BY_KEY as STEPS
from toolkit.config import load_config
from toolkit.documents.compose import compose, compose_all
from toolkit.documents.model import (
    LabeledParagraph,
    PageBreak,
    Paragraph,
    Signature,
    Table,
)
from toolkit.documents.registry import BY_KEY, KINDS
from toolkit.paths import PROJECT_ROOT, SCHEMAS_DIR, TEMPLATES_DIR
from toolkit.rules.articles import (
    CONDITIONS,
    EXCLUSIONS,
    OUTCOMES_CLAUSE,
    RESULT_USE_CLAUSE,
    RESULT_USES,
    SITUATIONS,
)
from toolkit.text import cn_date, doc_number

CASEFILES = PROJECT_ROOT / "casefiles"
EXAMPLES = sorted(p for p in CASEFILES.iterdir() if p.is_dir() and (p / "00-case.yaml").exists())
SEED = Path("/work/shared/seed/容错免责实施办法.txt")
MEASURES = "《关于党员干部改革创新容错免责的实施办法（试行）》"

#: Passages of the measures that templates quote besides Art. 6, 7, 8 and 10 (articles.py).
QUOTED = {
    "9(3)": "调查应允许申请学校（单位）或个人据实申诉，充分听取当事人的申诉意见，必要时可召开听证会",
    "9(4)": "对情况比较复杂或社会影响较大，一时难以认定的，须向上级纪检监察机关或组织人事部门报告后，再作出决定",
    "9-deferral": "对一时难以定论的，可以暂缓作出决定，暂缓时间不超过3个月",
    "9(5)": "必要时可对认定结果在一定范围内通报说明",
    "11(1)": "对出现的问题事项，采取诫勉函询、责令纠错等方式，推动问题整改",
    "11(2)": ("对整改不力导致不良影响继续蔓延的，根据情节轻重，采取批评教育、诫勉等组织处理措施，"
              "直至党纪政务处分；对拒不整改的，按照有关规定从重问责"),
    "13(1)": ("对查无实据或轻微违纪不需追究纪律责任的问题，可以通过与相关人员谈话、召开会议或通报等"
              "适当方式，及时澄清事实，消除负面影响"),
    "13(2)": "对诬告陷害、恶意炒作、造谣中伤、干扰改革创新或无理上访、甚至缠访闹访的，坚决依法依规查处",
}
ALL_QUOTABLE = ([*SITUATIONS.values(), *CONDITIONS.values(), *EXCLUSIONS.values(),
                 *RESULT_USES.values(), *QUOTED.values(), OUTCOMES_CLAUSE, RESULT_USE_CLAUSE])


def _compose_case(folder: Path):
    case = load_case(folder)
    config = load_config(folder)
    return case, config, {doc.key: doc for doc in compose_all(case, config)}


@pytest.fixture(scope="module")
def composed():
    return {folder.name: _compose_case(folder) for folder in EXAMPLES}


def _facts(case):
    return {step: loaded.data for step, loaded in case.files.items()}


# --- every kind, every example ----------------------------------------------------------------


def test_every_kind_has_a_template():
    for kind in KINDS:
        assert (TEMPLATES_DIR / kind.template).is_file(), kind.template


def test_examples_cover_every_kind(composed):
    seen = {key for _, _, docs in composed.values() for key in docs}
    assert seen == set(BY_KEY)


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_each_applicable_kind_composes(folder, composed):
    case, _, docs = composed[folder.name]
    assert set(docs) == {kind.key for kind in KINDS if kind.applies(case)}


def _all_docs(composed):
    for name, (_, _, docs) in composed.items():
        for doc in docs.values():
            yield name, doc


def test_author_date_and_layout_on_every_document(composed):
    for name, doc in _all_docs(composed):
        where = f"{name}/{doc.key}"
        assert doc.author, where
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.date), where
        assert doc.layout in ("official", "letter", "minutes", "form"), where
        assert doc.title, where
        if doc.layout in ("letter", "minutes") or (doc.layout == "official" and doc.issuer):
            assert doc.issuer, where


def test_no_template_artefacts(composed):
    for name, doc in _all_docs(composed):
        text = doc.text()
        for bad in ("{{", "}}", "{%", "%}", "None", "Undefined", "&amp;", "&lt;", "&#", "  ", "\t",
                    "。。", "。”。", "，。", "”。”"):
            assert bad not in text, f"{name}/{doc.key}: {bad!r}"
        # dates in running text are 2025年1月3日, never ISO or with leading zeros
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), f"{name}/{doc.key}"
        assert not re.search(r"年0\d月|月0\d日", text), f"{name}/{doc.key}"


def test_document_numbers_use_hexagonal_brackets(composed):
    pattern = re.compile(r"^[^\d〔〕]+〔\d{4}〕[1-9]\d*号$")
    numbered = 0
    for name, doc in _all_docs(composed):
        if doc.number:
            numbered += 1
            assert pattern.match(doc.number), f"{name}/{doc.key}: {doc.number}"
            assert doc.number.split("〔")[1][:4] == doc.date[:4], f"{name}/{doc.key}"
        for number in re.findall(r"[^\s，。（）“”]*〔\d+〕\d+号", doc.text()):
            assert re.search(r"〔\d{4}〕[1-9]\d*号$", number), f"{name}/{doc.key}: {number}"
            assert "[" not in number and "(" not in number
    assert numbered >= 10


def test_article_citations_are_in_the_standard_form(composed):
    for name, doc in _all_docs(composed):
        text = doc.text()
        assert not re.search(r"第[一二三四五六七八九十]+条第\(", text), f"{name}/{doc.key}"
        assert not re.search(r"第\d+条", text), f"{name}/{doc.key}"
        for item in re.findall(r"第（([^）]*)）项", text):
            assert re.fullmatch(r"[一二三四五六七八九十]+", item), f"{name}/{doc.key}: {item}"


def test_quotations_of_the_measures_are_exact(composed):
    """A quotation right after a citation of the measures is one of the measures' passages."""
    cited_quote = re.compile(r"(?:条|项)(?:[:：]?)“([^”]+)”")
    for name, doc in _all_docs(composed):
        for quote in cited_quote.findall(doc.text()):
            quote = quote.rstrip("。")
            assert quote in ALL_QUOTABLE, f"{name}/{doc.key}: “{quote}”"


@pytest.mark.skipif(not SEED.exists(), reason="the measures' seed text is not available here")
def test_quoted_passages_are_in_the_measures():
    # the published text mixes half- and full-width punctuation; articles.py quotes it full-width
    seed = re.sub(r"\s+", "", SEED.read_text(encoding="utf-8")).translate(str.maketrans("(),;:", "（），；："))
    for passage in ALL_QUOTABLE:
        assert passage in seed, passage


# --- the passages each kind must carry ----------------------------------------------------------


def _points(value) -> list[str]:
    """The passages a text-or-list fact (schemas: points) puts into a document: each item
    without its trailing punctuation (the document numbers it and ends it with 。)."""
    return [value] if isinstance(value, str) else [item.rstrip("。；") for item in value]


def _verdict(d: dict) -> str:
    if d["outcome"] == "不予容错":
        return "不予容错"
    return "予以容错，" + d["outcome"] + (f"，给予{d['measure']}" if "measure" in d else "")


def _expect(key: str, case, config) -> list[str]:
    """Passages the document of ``key`` must contain, built from the facts."""
    f = _facts(case)
    bureau = config.data
    applicant = f["case"]["applicant"]
    individual = applicant["kind"] == "个人"
    name = applicant["name"]
    # the series by issuing organ and format, as bureau.yaml declares them (numbering)
    numbering = bureau.get("numbering", {})
    letter = numbering.get("party_committee", {}).get("letter") \
        or bureau.get("letter_prefix", bureau["doc_prefix"] + "函")
    minutes = numbering.get("party_committee", {}).get("minutes") \
        or bureau.get("minutes_prefix", "党委会纪要")
    party = applicant.get("party_organization") or f["application"].get("unit_opinion", {}).get("by")
    out = [name]
    if key == "application":
        a = f["application"]
        out += [cn_date(a["date"]), a["requested_outcome"], "此致", bureau["party_committee"],
                f["case"]["matter"]["summary"], cn_date(f["case"]["matter"]["accountability_started"])]
        out += [f"“{SITUATIONS[s['item']]}”" for s in a["situations"]]
        out += [f"“{CONDITIONS[k]}”" for k in range(1, 7)]
        out += [c["reason"] for c in a["conditions"]]
        out += _points(a["statement"]) if "statement" in a else []
        out += ["申请人（签名）", f"{party}（盖章）"] if individual else ["申请单位（盖章）：" + name, "负责人（签名）"]
        if "unit_opinion" in a:
            out += [a["unit_opinion"]["text"]]
    elif key == "initiation":
        i = f["initiation"]
        out += [i["approval_opinion"], i["department_opinion"]["text"],
                "承办部门意见", "主要负责人", cn_date(f["application"]["date"])]
        out += [o["text"] for o in i.get("leader_opinions", [])]
        out += ["分管领导意见"] if i.get("leader_opinions") else []
    elif key == "hearing_notice":
        h = f["investigation"]["hearing"]
        out += [doc_number(letter, h["notice_date"], h["notice_seq"]),  # a letter: the 函 series
                cn_date(h["date"]), h["place"], h["presiding"]["name"], h["recorder"]["name"],
                "回避", "一至二人", "本通知书一式二份", h["phone"], h["contact"]["name"],
                cn_date(h["notice_date"]), QUOTED["9(3)"]]
        out += [p["name"] for p in h["panel"]]
        out += ["不公开举行"] if h.get("public") is False else []
    elif key == "hearing_record":
        h = f["investigation"]["hearing"]
        start_h, start_m = h["start"].split(":")
        end_h, end_m = h["end"].split(":")
        out += [f"{cn_date(h['date'])}{int(start_h)}时{start_m}分至{int(end_h)}时{end_m}分", "案由",
                h["place"], h["presiding"]["name"], h["recorder"]["name"], h["presiding_opinion"]]
        out += [p["name"] for p in h["panel"] + h.get("representatives", []) + f["investigation"]["team"]]
        out += [p["text"] for p in h["proceedings"]]
    elif key == "investigation_report":
        inv = f["investigation"]
        out += [cn_date(inv["report_date"]), bureau["party_committee_short"] + "：", "以上报告，请审议。"]
        out += _points(inv["facts_found"])
        out += [f"{p['name']}（{p['post']}）" for p in inv["team"]]
        out += [f"“{SITUATIONS[s['item']]}”" for s in inv["situations_found"]]
        out += [f"“{CONDITIONS[k]}”" for k in range(1, 7)]
        out += [f"“{EXCLUSIONS[e['item']]}”" for e in inv["exclusions_found"]]
        out += [] if inv["exclusions_found"] else ["未发现"]
        if "appeal" in inv:
            out += [cn_date(inv["appeal"]["date"])]
            out += [r["objection"].rstrip("。").replace("“", "‘").replace("”", "’")
                    for r in inv["appeal"].get("responses", [])]
            out += ["采纳情况：" + r["adoption"] for r in inv["appeal"].get("responses", [])]
        if "hearing" in inv:
            out += ["听证情况", inv["hearing"]["presiding_opinion"]]
        outcome = inv["preliminary_opinion"]["outcome"]
        out += ["不予容错" if outcome == "不予容错" else "予以容错，" + outcome]
    elif key == "deferral_notice":
        df = f["determination"]["deferral"]
        out += [doc_number(letter, df["date"], df["seq"]), cn_date(df["until"]), cn_date(df["date"]),
                QUOTED["9-deferral"], df["reason"].rstrip("。")]
    elif key == "upward_report":
        up = f["determination"]["upward_report"]
        out += [doc_number(bureau["doc_prefix"], up["date"], up["seq"]), up["to"] + "：",
                "现就有关问题请示如下。", "妥否，请批示。", QUOTED["9(4)"], up["question"], "联系人：", "联系电话：",
                "局党委的初步意见", "初步意见为对" + name + ("同志" if individual else "") + _verdict(up["proposal"])]
        out += _points(up["proposal"]["reasoning"]) + _points(f["investigation"]["facts_found"])
        out += up.get("cc", [])
    elif key == "minutes":
        m = f["determination"]["meeting"]
        out += [doc_number(minutes, m["date"], m["seq"]), m["name"],
                cn_date(m["date"]), "会议决定：对" + name + ("同志" if individual else "")
                + _verdict(f["determination"]["decision"])]
        out += m["discussion"].splitlines()
        out += m["attendees"] + m.get("absent", []) + m.get("observers", [])
    elif key == "decision":
        d = f["determination"]["decision"]
        out += [doc_number(bureau["doc_prefix"], d["date"], d["seq"]), cn_date(d["date"]), _verdict(d),
                party + ("，" + name + "同志：" if individual else "：")]
        out += _points(d["reasoning"]) + _points(f["investigation"]["facts_found"])
        out += ["问责程序依照有关规定继续进行"] if d["outcome"] == "不予容错" else []
    elif key == "feedback_letter":
        fb = f["feedback"]
        d = f["determination"]["decision"]
        out += [doc_number(letter, fb["date"], fb["seq"]), cn_date(fb["date"]), _verdict(d),
                doc_number(bureau["doc_prefix"], d["date"], d["seq"]), fb["method"]]
        out += _points(fb["explanation"])
        if d["outcome"] == "免予问责":
            out += [RESULT_USES[k] for k in d.get("result_use", [])]
        else:
            out += [f"“{EXCLUSIONS[k]}”" for k in d.get("exclusions", [])]
        if "announcement" in fb:
            out += [fb["announcement"]["scope"], QUOTED["9(5)"]]
    elif key == "filing_form":
        fl = f["filing"]
        out += [bureau["discipline_group"], cn_date(fl["date"]), fl["contact"], fl["phone"],
                cn_date(f["application"]["date"]), cn_date(f["initiation"]["date"]),
                cn_date(f["investigation"]["report_date"]), cn_date(f["determination"]["decision"]["date"]),
                cn_date(f["feedback"]["date"]),
                f"{bureau['archive']['fonds_no']}-{bureau['archive']['catalogue_no']}-{fl['volume']['volume_no']}",
                _verdict(f["determination"]["decision"]), f"由{party}、"]
    elif key == "rectification_notice":
        r = f["rectification"]
        organ = {"驻局纪检监察组": "discipline_group", "局组织处": "organization_department",
                 "其他具有问责职能的部门": "bureau"}[r["issued_by"]]   # the issuer's own series
        out += [doc_number(numbering[organ]["document"], r["date"], r["seq"]), cn_date(r["deadline"]),
                QUOTED["11(1)"], QUOTED["11(2)"]]
        out += _points(r["problems"]) + _points(r["requirements"])
        out += r["measures"]
    elif key == "clarification":
        c = f["clarification"]
        out += [cn_date(c["date"]), c["scope"], c["facts"], c["method"], QUOTED["13(1)"]]
    elif key == "followup_record":
        for talk in f["followup"]["talks"]:
            out += [cn_date(talk["date"]), talk["place"], talk["content"], talk["recorder"]["name"],
                    "■" + talk["assessment"]]
            out += [p["name"] for p in talk["talkers"]]
        if "next_planned" in f["followup"]:
            out += [cn_date(f["followup"]["next_planned"])]
    return out


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_documents_carry_the_facts(folder, composed):
    case, config, docs = composed[folder.name]
    for key, doc in docs.items():
        text = re.sub(r"\s+", "", doc.text())
        for passage in _expect(key, case, config):
            passage = re.sub(r"\s+", "", str(passage))
            assert passage in text, f"{folder.name}/{key}: {passage!r} missing"


def test_layouts_and_numbers(composed):
    docs = {(name, key): doc for name, (_, _, d) in composed.items() for key, doc in d.items()}
    one, two, three, four = (e.name for e in EXAMPLES)
    assert docs[(three, "hearing_notice")].layout == "letter"
    assert docs[(three, "hearing_notice")].number == "杭教党容函〔2026〕1号"   # a letter: 函 series
    assert docs[(three, "deferral_notice")].number == "杭教党容函〔2026〕2号"
    assert docs[(three, "upward_report")].number == "杭教党容〔2026〕4号"
    assert docs[(three, "upward_report")].issuer == "中共杭州市教育局委员会文件"
    assert docs[(one, "minutes")].layout == "minutes"
    assert docs[(one, "minutes")].issuer == "中共杭州市教育局委员会会议纪要"
    assert docs[(one, "minutes")].number == "党委会纪要〔2025〕6号"
    assert docs[(one, "feedback_letter")].number == "杭教党容函〔2025〕3号"
    assert docs[(two, "rectification_notice")].number == "杭教组〔2025〕5号"   # 局组织处's own series
    assert docs[(two, "rectification_notice")].issuer == "杭州市教育局组织处"
    assert docs[(four, "upward_report")].number == "杭教党容〔2026〕2号"
    assert docs[(four, "upward_report")].record.cc == "中共杭州市委组织部。"
    assert docs[(one, "investigation_report")].layout == "official"
    assert not docs[(one, "investigation_report")].issuer       # a report, not an issued document
    for key in ("application", "initiation", "hearing_record", "filing_form", "followup_record"):
        assert docs[(one if key != "hearing_record" else three, key)].layout == "form"
    # the clarification in the example was made at a meeting: a record, not a 通报
    assert docs[(three, "clarification")].layout == "form"


def test_hearing_record_footer_on_every_page(composed):
    doc = composed[EXAMPLES[2].name][2]["hearing_record"]
    assert "{page}" in doc.footer and "{pages}" in doc.footer
    assert "被听证人签名" in doc.footer and "主持人签名" in doc.footer


def test_upward_report_ends_with_the_request_and_contact_note(composed):
    doc = composed[EXAMPLES[2].name][2]["upward_report"]
    paragraphs = [b for b in doc.blocks if isinstance(b, Paragraph)]
    signature = [i for i, b in enumerate(doc.blocks) if isinstance(b, Signature)]
    assert signature
    before = [b for b in doc.blocks[:signature[0]] if isinstance(b, Paragraph)]
    assert before[-1].text == "妥否，请批示。"
    assert paragraphs[-1].style == "note"
    assert paragraphs[-1].text == "（联系人：沈佳怡，联系电话：0571-87000001）"
    assert doc.record and doc.record.printer == "中共杭州市教育局委员会办公室"


def test_minutes_attendance(composed):
    doc = composed[EXAMPLES[0].name][2]["minutes"]
    labels = {b.label: b.text for b in doc.blocks if isinstance(b, LabeledParagraph)}
    assert labels == {"出席：": "林志刚、吴建华、赵丽萍、钱国栋、孙雅琴", "请假：": "李文博（公务出差）",
                      "列席：": "何晓岚（局组织处）、驻局纪检监察组郑伟"}
    assert not any(isinstance(b, Signature) for b in doc.blocks)     # 纪要不署名、不盖章


def test_application_lists_all_six_conditions(composed):
    doc = composed[EXAMPLES[1].name][2]["application"]
    rows = [row for b in doc.blocks if isinstance(b, Table) for row in b.rows]
    condition_rows = [row for row in rows if len(row) == 3 and row[1].text.strip("“”") in CONDITIONS.values()]
    assert len(condition_rows) == 6
    # a unit applies: no party-organization opinion of the person's unit
    assert "所在单位" not in doc.text()


def test_followup_talks_are_separated_by_page_breaks(tmp_path):
    folder = _copy_case(EXAMPLES[0], tmp_path)
    data = _load(folder, "followup")
    second = copy.deepcopy(data["talks"][0])
    second["date"] = "2025-12-10"
    second["assessment"] = "一般"
    second["content"] = "第二次谈话的内容。"
    data["talks"].append(second)
    _dump(folder, "followup", data)
    case = load_case(folder)
    doc = compose(case, load_config(folder), BY_KEY["followup_record"])
    assert sum(isinstance(b, PageBreak) for b in doc.blocks) == 1
    assert sum(isinstance(b, Table) for b in doc.blocks) == 2
    assert "■一般" in doc.text() and "第二次回访" in doc.text()
    assert doc.date == "2025-12-10"


def test_clarification_by_notice_is_an_official_tongbao(tmp_path):
    folder = _copy_case(EXAMPLES[2], tmp_path)
    c = _load(folder, "clarification")
    c["method"] = "通报"
    c["false_accusation"] = "对散布不实信息的人员，已移交有关部门依规处理。"
    _dump(folder, "clarification", c)
    doc = compose(load_case(folder), load_config(folder), BY_KEY["clarification"])
    assert doc.layout == "official"
    assert doc.number == "杭教党容〔2026〕2号"
    assert doc.title == "关于为欧阳喆同志澄清正名的通报"
    text = doc.text()
    assert "杭州市拱宸桥小学党支部：" in text
    assert f"第十三条第（一）项“{QUOTED['13(1)']}”" in text
    assert f"第十三条第（二）项“{QUOTED['13(2)']}”" in text
    assert "对散布不实信息的人员，已移交有关部门依规处理。" in text
    assert "请在杭州市拱宸桥小学全体教职工及家长委员会范围内传达。" in text
    assert any(isinstance(b, Signature) and b.seal for b in doc.blocks)


def test_rectification_by_the_discipline_group_with_letter_inquiry(tmp_path):
    folder = _copy_case(EXAMPLES[1], tmp_path)
    c = _load(folder, "case")
    c["applicant"] = {"kind": "个人", "name": "郭振华", "unit": "杭州市西溪职业技术学校",
                      "position": "党总支书记", "category": "局管干部",
                      "party_organization": "中共杭州市西溪职业技术学校总支部委员会"}
    _dump(folder, "case", c)
    r = _load(folder, "rectification")
    r["issued_by"] = "驻局纪检监察组"
    r["measures"] = ["诫勉函询", "责令纠错"]
    _dump(folder, "rectification", r)
    doc = compose(load_case(folder), load_config(folder), BY_KEY["rectification_notice"])
    assert doc.issuer == doc.author == "市纪委市监委驻市教育局纪检监察组"
    assert doc.title == "关于对郭振华同志诫勉函询、责令纠错的通知"
    text = doc.text()
    assert "郭振华同志：" in text
    assert "和对函询问题的说明" in text and "由本人签名后" in text
    assert doc.record.cc == "局组织处，中共杭州市西溪职业技术学校总支部委员会。"


def test_unit_applicant_in_the_hearing_case(tmp_path):
    folder = _copy_case(EXAMPLES[2], tmp_path)
    c = _load(folder, "case")
    c["applicant"] = {"kind": "单位", "name": "杭州市拱宸桥小学", "category": "直属学校（单位）",
                      "responsible_person": {"name": "欧阳喆", "post": "副校长"}}
    _dump(folder, "case", c)
    a = _load(folder, "application")
    del a["unit_opinion"]
    _dump(folder, "application", a)
    case = load_case(folder)
    docs = {doc.key: doc for doc in compose_all(case, load_config(folder))}
    assert docs["hearing_notice"].text().count("你单位") >= 3
    assert "加盖你单位公章" in docs["hearing_notice"].text()
    assert "杭州市拱宸桥小学：" in docs["hearing_notice"].text()
    assert "申请单位" in docs["hearing_record"].text()
    assert "负责人欧阳喆（副校长）" in docs["hearing_record"].text()
    assert "申请单位（盖章）：杭州市拱宸桥小学" in docs["application"].text()
    assert "杭州市拱宸桥小学：" in docs["feedback_letter"].text()
    assert "同志" not in docs["deferral_notice"].text()


# --- values are data ----------------------------------------------------------------------------

_yaml = YAML()
_yaml.preserve_quotes = True
_yaml.width = 4096


def _copy_case(example: Path, tmp_path: Path, bureau_extra: str = "") -> Path:
    root = tmp_path / "casefiles"
    root.mkdir(exist_ok=True)
    shutil.copy(CASEFILES / "holidays.yaml", root / "holidays.yaml")
    (root / "bureau.yaml").write_text((CASEFILES / "bureau.yaml").read_text(encoding="utf-8")
                                      + bureau_extra, encoding="utf-8")
    folder = root / example.name
    shutil.copytree(example, folder)
    return folder


def _load(folder: Path, step: str):
    return _yaml.load((folder / STEPS[step].file).read_text(encoding="utf-8"))


def _dump(folder: Path, step: str, data) -> None:
    with (folder / STEPS[step].file).open("w", encoding="utf-8") as out:
        _yaml.dump(data, out)


HOSTILE = "<>&\"'"
JINJA = "{{ 7*7 }}"
RAW = "{% raw %}"
UNIT40 = "杭州市某某区某某街道某某社区某某学校某某教育集团某某分校某某党支部第一第二联合委"
RARE = "𠮷㵘堃喆"
LONG = ("经查，" + "该校在推进改革中出现的问题已经核实清楚，相关材料齐全，事实认定无误。" * 160)[:5000]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = _copy_case(EXAMPLES[2], tmp_path_factory.mktemp("hostile"))
    c = _load(folder, "case")
    c["applicant"]["name"] = "欧阳" + HOSTILE
    c["applicant"]["unit"] = UNIT40
    c["applicant"]["position"] = "副校长" + RARE
    c["matter"]["summary"] = "收费" + JINJA + "争议"
    c["matter"]["description"] = "试点" + RAW + "中的" + JINJA + "问题" + HOSTILE
    _dump(folder, "case", c)
    inv = _load(folder, "investigation")
    inv["facts_found"] = LONG
    inv["hearing"]["place"] = "局机关" + RARE + "会议室"
    inv["hearing"]["proceedings"][0]["text"] = "宣布纪律" + JINJA + RAW + HOSTILE
    inv["appeal"]["responses"][0]["objection"] = "异议" + HOSTILE + "。"
    _dump(folder, "investigation", inv)
    a = _load(folder, "application")
    a["statement"] = "理由" + RAW + JINJA + "{# 注释 #}" + "</p><p>"
    a["situations"][0]["facts"] = "事实" + HOSTILE
    _dump(folder, "application", a)
    d = _load(folder, "determination")
    d["meeting"]["attendees"][0] = "林" + RARE
    d["deferral"]["reason"] = "理由]]>" + HOSTILE
    _dump(folder, "determination", d)
    fb = _load(folder, "feedback")
    fb["explanation"] = "解释" + JINJA
    _dump(folder, "feedback", fb)
    cl = _load(folder, "clarification")
    cl["facts"] = "澄清" + HOSTILE + RAW
    _dump(folder, "clarification", cl)
    case = load_case(folder)
    return case, {doc.key: doc for doc in compose_all(case, load_config(folder))}


def test_hostile_values_come_out_literally(hostile):
    case, docs = hostile
    assert set(docs) == {kind.key for kind in KINDS if kind.applies(case)}
    everything = "\n".join(doc.text() + doc.title for doc in docs.values())
    assert "49" not in everything.replace("1949", "")
    for escaped in ("&amp;", "&lt;", "&gt;", "&#34;", "&#39;", "&quot;"):
        assert escaped not in everything
    name = "欧阳" + HOSTILE
    for key, doc in docs.items():
        assert name in doc.text() + doc.title, key
    assert JINJA in docs["application"].text()
    assert RAW in docs["application"].text()
    assert "{# 注释 #}</p><p>" in docs["application"].text()
    assert "试点" + RAW + "中的" + JINJA + "问题" + HOSTILE in docs["application"].text()
    assert "收费" + JINJA + "争议" in docs["decision"].text()
    assert "收费" + JINJA + "争议" in docs["feedback_letter"].text()
    assert UNIT40 in docs["application"].text()
    assert UNIT40 + "副校长" + RARE in docs["upward_report"].text()
    assert "局机关" + RARE + "会议室" in docs["hearing_notice"].text()
    assert "局机关" + RARE + "会议室" in docs["hearing_record"].text()
    assert "宣布纪律" + JINJA + RAW + HOSTILE in docs["hearing_record"].text()
    assert "异议" + HOSTILE in docs["investigation_report"].text()
    assert "林" + RARE in docs["minutes"].text()
    assert "理由]]>" + HOSTILE in docs["deferral_notice"].text()
    assert "解释" + JINJA in docs["feedback_letter"].text()
    assert "澄清" + HOSTILE + RAW in docs["clarification"].text()
    # the 5,000-character finding comes out whole, as one paragraph, in the report and decision
    for key in ("investigation_report", "decision", "upward_report"):
        assert any(isinstance(b, Paragraph) and b.text == LONG for b in docs[key].blocks), key


def test_hostile_values_cannot_change_structure(hostile):
    case, docs = hostile
    application = docs["application"]
    tables = [b for b in application.blocks if isinstance(b, Table)]
    reference = {doc.key: doc for doc in compose_all(load_case(EXAMPLES[2]), load_config(EXAMPLES[2]))}
    assert len(tables) == len([b for b in reference["application"].blocks if isinstance(b, Table)])
    for key, doc in docs.items():
        assert [type(b) for b in doc.blocks] == [type(b) for b in reference[key].blocks], key


# --- empty optional fields ----------------------------------------------------------------------


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS_DIR / name).read_text(encoding="utf-8"))


def _resolve(node: dict, current: str) -> tuple[dict, str]:
    while "$ref" in node:
        ref = node["$ref"]
        file, _, pointer = ref.partition("#")
        file = file or current
        target = _schema(file)
        for part in [p for p in pointer.split("/") if p]:
            target = target[part]
        extra = {k: v for k, v in node.items() if k != "$ref"}
        node, current = {**target, **extra}, file
    return node, current


def _strip(value, node: dict, current: str, keep_objects: bool):
    """Remove every optional key; with ``keep_objects`` optional sub-objects stay (stripped)."""
    node, current = _resolve(node, current)
    if isinstance(value, dict) and "properties" in node:
        required = set(node.get("required", []))
        for key in list(value):
            sub, sub_file = _resolve(node["properties"].get(key, {}), current)
            if key not in required and not (keep_objects and sub.get("type") == "object"):
                del value[key]
            else:
                value[key] = _strip(value[key], sub, sub_file, keep_objects)
    elif isinstance(value, list) and "items" in node:
        return [_strip(v, node["items"], current, keep_objects) for v in value]
    return value


def _strip_case(folder: Path, keep_objects: bool) -> None:
    for step in STEPS.values():
        path = folder / step.file
        if path.exists():
            data = _yaml.load(path.read_text(encoding="utf-8"))
            _strip(data, _schema(step.schema), step.schema, keep_objects)
            _dump(folder, step.key, data)


@pytest.mark.parametrize("keep_objects", [True, False], ids=["optional-fields", "optional-everything"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_optional_fields_may_be_missing(example, keep_objects, tmp_path):
    folder = _copy_case(example, tmp_path)
    _strip_case(folder, keep_objects)
    case = load_case(folder)
    assert not [p for p in case.problems if p.rule in ("格式", "YAML")]
    config = load_config(folder)
    for kind in KINDS:
        if kind.applies(case):
            doc = compose(case, config, kind)
            assert doc.author and doc.date, kind.key
            text = doc.text()
            assert "None" not in text and "{{" not in text, kind.key
    if keep_objects and example == EXAMPLES[2]:
        assert {k.key for k in KINDS if k.applies(case)} >= {"hearing_notice", "hearing_record",
                                                              "deferral_notice", "upward_report"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_decision_with_optional_fields_missing(example, tmp_path):
    folder = _copy_case(example, tmp_path)
    _strip_case(folder, keep_objects=True)  # decision kept, its optional fields gone
    case = load_case(folder)
    assert case.get("determination", "decision", "situations") is None
    text = compose(case, load_config(folder), BY_KEY["decision"]).text()
    assert "认定结果" in text and "None" not in text


# --- the smallest cases the schemas accept -------------------------------------------------------


def test_generated_minimal_cases_compose(tmp_path):
    """Cases written with only required fields, at every stage and in every variant."""
    from docket_fixtures import generate_many, write_case

    root = tmp_path / "casefiles"
    root.mkdir()
    shutil.copy(CASEFILES / "bureau.yaml", root / "bureau.yaml")
    shutil.copy(CASEFILES / "holidays.yaml", root / "holidays.yaml")
    folders = generate_many(root, 24)
    folders.append(write_case(root, "2025-0901", started="2025-03-03", applied="2025-03-20",
                              initiated="2025-03-21", reported="2025-04-01", deferred="2025-04-07",
                              decided="2025-05-06", fed_back="2025-05-07", filed="2025-05-12",
                              outcome="不予容错", exclusions=(3, 5), kind="单位", late_acceptance=True,
                              rectification_deadline="2025-06-30", rectification_done="2025-06-20",
                              talks=(), next_talk="2025-11-01"))
    folders.append(write_case(root, "2025-0902", started="2025-03-03", applied="2025-03-07",
                              initiated="2025-03-10", reported="2025-03-20", decided="2025-03-28",
                              fed_back="2025-03-31", claimed=(2, 9, 10), confirmed=(9,),
                              talks=("2025-06-01", "2025-09-01")))
    seen = set()
    for folder in folders:
        case = load_case(folder)
        assert not case.problems or all(p.severity != "error" or p.rule not in ("schema", "YAML")
                                        for p in case.problems), folder.name
        for doc in compose_all(case, load_config(folder)):
            seen.add(doc.key)
            text = doc.text()
            assert doc.author and re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.date), (folder.name, doc.key)
            assert "None" not in text and "{{" not in text, (folder.name, doc.key)
    assert seen >= {"application", "initiation", "investigation_report", "deferral_notice", "minutes",
                    "decision", "feedback_letter", "filing_form", "rectification_notice",
                    "followup_record"}


# --- a bureau's own wording ---------------------------------------------------------------------


def test_bureau_template_folder_overrides_one_document(tmp_path):
    folder = _copy_case(EXAMPLES[0], tmp_path, "\ntemplates: bureau-templates\n")
    overrides = tmp_path / "casefiles" / "bureau-templates"
    overrides.mkdir()
    (overrides / "feedback_letter.xml.j2").write_text(
        '<document layout="letter" title="本局反馈告知书" issuer="{{ bureau.party_committee }}" '
        'author="{{ bureau.party_committee }}" date="{{ facts.feedback.date }}">\n'
        '  <p style="addressee">{{ applicant_name }}：</p>\n'
        '  <p>本局自定的措辞，{{ facts.feedback.date | cn_date }}。</p>\n'
        '</document>\n', encoding="utf-8")
    case = load_case(folder)
    config = load_config(folder)
    docs = {doc.key: doc for doc in compose_all(case, config)}
    assert docs["feedback_letter"].title == "本局反馈告知书"
    assert "本局自定的措辞，2025年3月7日。" in docs["feedback_letter"].text()
    reference = {doc.key: doc for doc in compose_all(load_case(EXAMPLES[0]), load_config(EXAMPLES[0]))}
    for key in docs:
        if key != "feedback_letter":
            assert docs[key] == reference[key], key


@pytest.mark.parametrize("markup, what", [
    ('<document layout="memo" title="t" author="a" date="2025-03-07"><p>x</p></document>', "版式「memo」"),
    ('<document layout="letter" title="t" author="a" date="2025-03-07"><p style="shout">x</p></document>',
     "段落样式「shout」"),
    ('<document layout="form" title="t" author="a" date="2025-03-07">'
     '<table widths="1"><tr><td align="centre">x</td></tr></table></document>', "对齐方式「centre」"),
])
def test_a_bureau_template_with_an_unknown_style_is_an_error(tmp_path, markup, what):
    """Named with its template; an unknown cell alignment was once set flush left without a word."""
    from toolkit.errors import RenderError

    folder = _copy_case(EXAMPLES[0], tmp_path, "\ntemplates: bureau-templates\n")
    overrides = tmp_path / "casefiles" / "bureau-templates"
    overrides.mkdir()
    (overrides / "feedback_letter.xml.j2").write_text(markup, encoding="utf-8")
    with pytest.raises(RenderError) as raised:
        compose(load_case(folder), load_config(folder), BY_KEY["feedback_letter"])
    assert "feedback_letter.xml.j2" in raised.value.message and what in raised.value.message


# --- every path: outcomes, tense, names, lists ------------------------------------------------


def test_each_outcome_states_its_conclusion_and_what_follows(composed):
    texts = {name: {key: doc.text() for key, doc in docs.items()} for name, (_, _, docs) in composed.items()}
    one, two, three, four = (e.name for e in EXAMPLES)
    assert "决定对周明远同志予以容错，免予问责。" in texts[one]["decision"]
    assert f"第十条“{RESULT_USE_CLAUSE}”" in texts[one]["decision"]
    assert "决定对杭州市西溪职业技术学校不予容错。局党委于2025年9月26日启动的问责程序依照有关规定继续进行。" \
        in texts[two]["decision"]
    assert "决定对欧阳喆同志予以容错，减轻处理，给予批评教育。" in texts[three]["decision"]
    assert "决定对司马晗同志予以容错，从轻处理，给予诫勉。" in texts[four]["decision"]
    for name in (two, three, four):  # Art. 10 is for those exempted (经认定予以免责的)
        for key in ("decision", "feedback_letter", "minutes", "filing_form"):
            assert RESULT_USE_CLAUSE not in texts[name][key], (name, key)
            assert not any(use in texts[name][key] for use in RESULT_USES.values()), (name, key)
    assert "不适用（第十条适用于经认定予以免责的）" in texts[four]["filing_form"]
    for name in (one, two, three, four):
        assert texts[name]["decision"].count("可以向局党委书面提出。") == 1
        assert "党组织" not in "".join(texts[name].values())


def test_the_objection_period_comes_from_the_bureau(tmp_path):
    folder = _copy_case(EXAMPLES[0], tmp_path, "\nobjection_period: {length: 15, unit: 日}\n")
    docs = {doc.key: doc for doc in compose_all(load_case(folder), load_config(folder))}
    assert "周明远同志如对认定结果有异议，可以自收到本决定之日起15日内向局党委书面提出。" in docs["decision"].text()
    assert "你如对认定结果有异议，可以自收到本告知书之日起15日内向局党委书面提出。" in docs["feedback_letter"].text()


def test_the_deferral_notice_follows_the_dates_of_the_report(composed):
    before = composed[EXAMPLES[3].name][2]["deferral_notice"].text()   # 请示 2026-02-06, 暂缓 02-09
    assert "局党委已于2026年2月6日就有关问题向中共杭州市纪律检查委员会请示" in before
    assert "将向" not in before and "待中共杭州市纪律检查委员会答复后" in before
    after = composed[EXAMPLES[2].name][2]["deferral_notice"].text()    # 暂缓 2026-02-06, 请示 02-10
    assert "暂缓期间，局党委将向中共杭州市委组织部请示，待上级答复后" in after
    assert "已于2026年2月10日" not in after


def test_the_upward_report_asks(composed):
    doc = composed[EXAMPLES[3].name][2]["upward_report"]
    text = doc.text()
    assert "现就有关问题请示如下。" in text and "现将有关情况报告如下" not in text
    assert "初步意见为对司马晗同志予以容错，从轻处理，给予诫勉。理由如下：" in text
    assert "拟对司马晗同志予以容错、从轻处理，给予诫勉，是否妥当。\n妥否，请批示。" in text
    # the facts once, numbered under their （一） sub-heading
    assert text.count("平台切换方案经2025年10月局长办公会研究通过") == 1
    assert "（一）查明的事实\n1.平台切换方案" in text
    assert [b.style for b in doc.blocks if isinstance(b, Paragraph) and b.text.startswith("（一）查明")] == ["h2"]


def test_lists_are_numbered_for_their_depth(composed):
    decision = composed[EXAMPLES[0].name][2]["decision"].text()
    assert "一、基本事实\n（一）统一配送方案经2024年7月学校党委会研究通过，并经教代会审议。\n（二）磋商" in decision
    application = composed[EXAMPLES[3].name][2]["application"].text()
    assert "事实与理由\n一、平台切换是市教育局年度重点改革任务" in application


def test_signature_slots_stay_blank(composed):
    docs = composed[EXAMPLES[2].name][2]
    initiation = docs["initiation"].text()
    assert "林志刚" not in initiation and "何晓岚" not in initiation and "吴建华" not in initiation
    assert initiation.count("签名：") == 3
    rows = {row[0].text: row[1].text for b in docs["feedback_letter"].blocks if isinstance(b, Table)
            for row in b.rows if len(row) == 2}
    assert rows["签收人（签名）"] == rows["送达人（签名）"] == ""
    assert rows["签收日期"] == rows["送达日期"] == "年　　月　　日"
    assert "申请人（签名）：" in docs["application"].text()
    assert "申请人（签名）：欧阳喆" not in docs["application"].text()


def test_a_planned_talk_has_a_blank_form_only_on_request(tmp_path):
    folder = EXAMPLES[3]
    case, config = load_case(folder), load_config(folder)
    assert "followup_record" not in {doc.key for doc in compose_all(case, config)}
    [blank] = compose_all(case, config, only="followup_record")
    assert blank.date == "2026-12-16" and "2026年12月16日（计划）" in blank.text()


def test_nested_quotation_marks_become_single(composed):
    report = composed[EXAMPLES[3].name][2]["investigation_report"].text()
    assert "关于“‘测试不充分’的表述过重”的意见" in report


def test_a_misspelt_fact_path_in_tense_is_an_error(tmp_path):
    from toolkit.errors import RenderError

    folder = _copy_case(EXAMPLES[0], tmp_path, "\ntemplates: bureau-templates\n")
    overrides = tmp_path / "casefiles" / "bureau-templates"
    overrides.mkdir()
    (overrides / "decision.xml.j2").write_text(
        '<document layout="official" title="t" author="a" date="{{ doc_date }}">\n'
        '{% if tense("determination.upward_reprot.date") == "done" %}<p>x</p>{% endif %}\n'
        '</document>\n', encoding="utf-8")
    with pytest.raises(RenderError) as raised:
        compose(load_case(folder), load_config(folder), BY_KEY["decision"])
    assert "upward_reprot" in raised.value.message and raised.value.line == 2
