"""rcmz check of many cases in forked workers (pipeline.check_all): the same results, messages
and order as checking them one after another, the same exceptions, and a worker that dies
costs nothing but time."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest
from click.testing import CliRunner

import toolkit.batch
from conftest import CASEFILES, EXAMPLES, edit
from toolkit import pipeline
from toolkit.cli import main
from toolkit.errors import RcmzError

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def many(cases_dir):
    """The examples and 26 copies of them, some broken in one of the ways a user breaks a case."""
    for n in range(26):
        name = EXAMPLES[n % len(EXAMPLES)]
        target = cases_dir / f"2025-{500 + n}"
        shutil.copytree(CASEFILES / name, target)
        case_file = target / "00-case.yaml"
        case_file.write_text(case_file.read_text(encoding="utf-8").replace(f"id: {name[:8]}", f"id: 2025-{500 + n}"),
                             encoding="utf-8")
    (cases_dir / "2025-501" / "02-initiation.yaml").write_text("date: [2025-01-01\n", encoding="utf-8")
    edit(cases_dir / "2025-502" / "01-application.yaml", {"situations": []})
    edit(cases_dir / "2025-503" / "05-feedback.yaml", {"date": "2026-04-30"})
    (cases_dir / "2025-504" / "03-investigation.yml").write_text("x: 1\n", encoding="utf-8")
    (cases_dir / "2025-505" / "00-case.yaml").unlink()
    edit(cases_dir / "2025-508" / "01-application.yaml", {"attachments.0.file": "attachments/none.pdf"})
    edit(cases_dir / "2025-510" / "00-case.yaml", {"id": "2025-511"})
    shutil.copy(CASEFILES / EXAMPLES[0] / "attachments" / "procurement-notice.jpg",
                cases_dir / "2025-512" / "attachments" / "signed.jpg")
    edit(cases_dir / "2025-512" / "01-application.yaml", {"attachments.0.file": "attachments/signed.jpg"})
    return cases_dir


def seen(results):
    return [(r.case.folder, r.case.id, [p.format() for p in r.problems], [t.as_dict() for t in r.limits])
            for r in results]


@pytest.fixture
def forks(monkeypatch):
    """How many times check_all forked its workers."""
    calls = []
    real = toolkit.batch.forked_map

    def counting(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(toolkit.batch, "forked_map", counting)
    return calls


def test_in_workers_as_one_after_another(many, forks):
    serial = seen(pipeline.check_all([many], TODAY, workers=1))
    assert forks == []
    parallel = seen(pipeline.check_all([many], TODAY, workers=2))
    assert forks == [2]
    assert parallel == serial
    assert len(serial) == 30
    messages = "\n".join(m for _, _, problems, _ in serial for m in problems)
    for expected in ("YAML 语法错误", "至少需要 1 项", "未知的案件文件", "缺少案件基本信息文件", "找不到文件",
                     "与案件", "系统生成件3页"):
        assert expected in messages


def test_the_cli_prints_the_same(many, monkeypatch, forks):
    runner = CliRunner()
    monkeypatch.chdir(many.parent)
    parallel = runner.invoke(main, ["check", "casefiles", "--today", "2026-11-28"])
    assert forks
    monkeypatch.setattr(pipeline, "PARALLEL_CHECK", 10**6)
    serial = runner.invoke(main, ["check", "casefiles", "--today", "2026-11-28"])
    assert len(forks) == 1
    assert (parallel.exit_code, parallel.output) == (serial.exit_code, serial.output)
    assert parallel.exit_code == 1


def test_few_cases_are_checked_here(cases_dir, forks):
    pipeline.check_all([cases_dir], TODAY, workers=2)
    assert forks == []


def test_an_error_is_raised_as_one_after_another_raises_it(many, monkeypatch, forks):
    import toolkit.rules.checks as checks

    def broken(case, context):
        if case.folder.name == "2025-507":
            raise RuntimeError("rule broke on 2025-507")
        return []

    monkeypatch.setattr(checks, "RULES", [*checks.RULES, broken])
    for workers in (1, 2):
        with pytest.raises(RuntimeError, match="rule broke on 2025-507"):
            pipeline.check_all([many], TODAY, workers=workers)
    assert forks == [2]


def test_a_user_error_keeps_its_message(many):
    (many / "bureau.yaml").write_text("org: [\n", encoding="utf-8")
    messages = []
    for workers in (1, 2):
        with pytest.raises(RcmzError) as raised:
            pipeline.check_all([many], TODAY, workers=workers)
        messages.append(raised.value.format_message())
    assert messages[0] == messages[1] and "bureau.yaml" in messages[0]


def test_the_cases_of_a_dead_worker_are_checked_here(many, monkeypatch, forks):
    parent = os.getpid()
    real = pipeline.check

    def dying(folder, *args, **kwargs):
        if os.getpid() != parent and folder.name == "2025-520":
            os._exit(9)
        return real(folder, *args, **kwargs)

    serial = seen(pipeline.check_all([many], TODAY, workers=1))
    monkeypatch.setattr(pipeline, "check", dying)
    assert seen(pipeline.check_all([many], TODAY, workers=2)) == serial
    assert forks == [2]
