"""The form's live check says exactly what `rcmz check --json` says about the same file: the
candidate is checked in memory (toolkit.case.load overrides), and the same text written to disk
and checked by the CLI gives the same problems, message for message."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from starlette.datastructures import FormData

from toolkit.case.problems import Problem
from toolkit.cli import main
from workbench_support import (
    TODAY,
    edit_url,
    opened_form,
    post_form,
    set_field,
    workbench,
)


def drop(fields, prefix):
    return [(n, v) for n, v in fields if not (n.startswith(prefix) or (n == prefix.split("[")[0] + "[]"
                                                                         and v == prefix.split("[")[1].rstrip("]")))]


def uncheck(fields, name, value):
    return [(n, v) for n, v in fields if not (n == name and v == value)]


MUTATIONS = [
    ("2025-001-exempt-individual", "01-application.yaml", lambda f: set_field(f, "received_by", "")),
    ("2025-001-exempt-individual", "01-application.yaml", lambda f: set_field(f, "requested_outcome", "完全免责")),
    ("2025-001-exempt-individual", "01-application.yaml", lambda f: set_field(f, "date", "2025-02-30")),
    ("2025-001-exempt-individual", "01-application.yaml", lambda f: set_field(f, "date", "2025-03-30")),
    ("2025-001-exempt-individual", "01-application.yaml",
     lambda f: set_field(f, "conditions[o2].reason", "")),
    ("2025-001-exempt-individual", "01-application.yaml",
     lambda f: drop(drop(f, "situations[o0]"), "situations[o1]")),
    ("2025-001-exempt-individual", "04-determination.yaml", lambda f: set_field(f, "decision.seq", "三")),
    ("2025-001-exempt-individual", "04-determination.yaml",
     lambda f: set_field(f, "decision.outcome", "不予容错")),
    ("2025-001-exempt-individual", "04-determination.yaml",
     lambda f: uncheck(f, "decision.situations", "1")),
    ("2025-002-refused-unit", "03-investigation.yaml", lambda f: set_field(f, "team[o0].name", "")),
    ("2025-003-hearing-deferral", "04-determination.yaml",
     lambda f: set_field(f, "deferral.until", "2026-09-30")),
    ("2025-003-hearing-deferral", "00-case.yaml", lambda f: set_field(f, "applicant.kind", "")),
]


@pytest.mark.parametrize("case,name,mutate", MUTATIONS)
def test_the_form_check_equals_rcmz_check_json_message_for_message(tmp_path, monkeypatch, case, name, mutate):
    client, bench, cases = workbench(tmp_path, monkeypatch)
    fields = mutate(opened_form(client, case, name))
    answer = post_form(client, edit_url(case, name) + "/check", fields)
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    candidate = bench._candidate(case, name, FormData(fields))
    (cases / case / name).write_text(candidate["merged"].text, encoding="utf-8")
    run = CliRunner().invoke(main, ["check", "--json", "--today", TODAY.isoformat(), f"casefiles/{case}"])
    problems = [Problem(**p) for p in json.loads(run.output)["cases"][0]["problems"]]
    assert sorted(shown["lines"] + shown["others"]) == sorted(p.format() for p in problems)
    assert shown["changed"]
    mine = [p for p in problems if p.file.endswith(name)]
    placed = [m["text"] for messages in shown["fields"].values() for m in messages]
    assert all(any(p.message in text for text in placed) for p in mine if p.field)


def test_an_unchanged_form_is_checked_clean_and_unchanged(tmp_path, monkeypatch):
    client, _, _ = workbench(tmp_path, monkeypatch)
    for name in ("00-case.yaml", "01-application.yaml", "03-investigation.yaml", "04-determination.yaml"):
        answer = post_form(client, edit_url("2025-003-hearing-deferral", name) + "/check",
                           opened_form(client, "2025-003-hearing-deferral", name)).json()
        assert answer["changed"] is False and answer["errors"] == 0, (name, answer["lines"])
