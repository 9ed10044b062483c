"""Generated cases across the whole space, not only the examples' paths.

For each of a bounded sample of seeds (toolkit/testing/cases.py): ``rcmz check`` finds no error
and only the warnings the scenario asks for, every document typesets (PDF and DOCX), and the
invariants hold on the text extracted from each PDF (toolkit/testing/invariants.py).  A few go
on to a signed, verified volume.  The longer run is benchmarks/soak_generated_cases.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from toolkit.documents.model import Document
from toolkit.testing.cases import (
    CATEGORIES,
    ISSUERS,
    METHODS,
    OUTCOMES,
    generate,
    scenario_for,
)
from toolkit.testing.invariants import document_problems, tense_problems
from toolkit.testing.run import commit, exercise, exercise_dossier, make, prepare

TODAY = dt.date(2026, 11, 28)
SEEDS = range(30)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated") / "casefiles"
    return root, prepare(root)


def test_the_sample_walks_every_path():
    scenarios = [scenario_for(seed) for seed in SEEDS]

    def values(attribute):
        return {getattr(s, attribute) for s in scenarios}
    assert values("outcome") == set(OUTCOMES)
    assert values("kind") == {"个人", "单位"} and values("category") >= set(CATEGORIES)
    assert values("upward") == {None, "no_deferral", "before_deferral", "after_deferral"}
    assert values("hearing") == {None, "before_report", "after_report"}
    assert values("deferral") == values("late") == values("lists") == {True, False}
    assert values("rectification") == {None, *ISSUERS} and values("clarification") == {None, *METHODS}
    assert values("followup") == {None, "held", "planned"}
    assert {a for s in scenarios if s.appeal for a in s.appeal} == {"采纳", "部分采纳", "不予采纳"}
    assert values("appeal_after_report") == values("several_scans") == values("scan_mismatch") == {True, False}
    assert values("prefilled_organization") == {True, False}


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_case_checks_renders_and_keeps_the_invariants(world, seed):
    root, context = world
    generated = make(root, seed, context, TODAY)
    # the DOCX of every third case: it costs as much as the rest (the soak run makes all)
    assert exercise(generated, context, TODAY, docx=seed % 3 == 0) == [], generated.scenario


def _first(condition) -> int:
    return next(seed for seed in range(500) if condition(scenario_for(seed)))


@pytest.mark.parametrize("seed", [
    # a follow-up only planned, a document scanned in two files
    _first(lambda s: s.followup == "planned" and s.several_scans and not s.scan_mismatch),
    # a refusal, rectified, with the 请示 before a deferral
    _first(lambda s: s.outcome == "不予容错" and s.rectification and s.upward == "before_deferral"),
], ids=["planned-followup-two-scans", "refused-report-before-deferral"])
def test_generated_case_gives_a_signed_verified_volume(tmp_path, monkeypatch, seed):
    monkeypatch.chdir(tmp_path)  # the test certificate is made under ./build
    root = tmp_path / "casefiles"
    context = prepare(root)
    generated = make(root, seed, context, TODAY)
    commit(root)
    assert exercise_dossier(generated, tmp_path / "out", dt.date.today()) == [], generated.scenario


def test_same_seed_same_case(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    calendar = prepare(one).calendar
    prepare(two)
    first, second = generate(one, 7, calendar, TODAY), generate(two, 7, calendar, TODAY)
    assert first.facts == second.facts


# --- the invariants catch what they are for ----------------------------------------------------


def test_a_date_after_the_document_stated_as_done_is_caught():
    text = "局党委已于2026年2月10日向中共杭州市委组织部请示。暂缓期限至2026年4月30日。请于2026年5月1日前完成。"
    [problem] = tense_problems(text, "2026-02-06")
    assert "2026年2月10日" in problem and "写成了已发生" in problem
    assert tense_problems("局党委将于2026年2月1日报告。", "2026-02-06")


def test_invariants_catch_a_generic_name_and_a_missing_measure(world):
    root, context = world
    seed = _first(lambda s: s.outcome == "减轻处理")
    generated = make(root, seed, context, TODAY)
    decision = Document(key="decision", layout="official", title="", blocks=(), date="2030-01-01")
    found = document_problems(generated, decision, "所在单位党组织：决定对其予以容错，减轻处理。")
    assert any("党组织" in p for p in found)
    assert any("给予" + generated.facts["determination"]["decision"]["measure"] in p for p in found)
