"""toolkit.batch: parallel jobs, one broken case does not stop the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from docket_fixtures import crashing_job, rcmz_error_job, toy_job
from toolkit.batch import BatchReport, run_batch


def folders(root: Path, *names: str) -> list[Path]:
    out = []
    for name in names:
        (root / name).mkdir(parents=True)
        out.append(root / name)
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_one_broken_case_does_not_stop_the_others(tmp_path, workers, capsys):
    cases = folders(tmp_path, "2025-001", "2025-002-broken", "2025-003", "2025-004")
    report = run_batch(cases, toy_job, workers=workers)
    assert [r.folder for r in report.results] == cases           # in the order given
    assert [r.folder.name for r in report.built] == ["2025-001", "2025-003", "2025-004"]
    assert all(r.output == r.folder / "built.txt" and r.output.exists() for r in report.built)
    [failed] = report.failed
    assert failed.folder.name == "2025-002-broken"
    assert failed.error.startswith("内部错误（ValueError: cannot build 2025-002-broken）")
    assert "Traceback" in failed.detail
    assert not (failed.folder / "built.txt").exists()
    assert report.exit_code == 1
    assert report.summary() == "共 4 个案件：成功 3 个，失败 1 个。"
    assert report.lines()[0] == f"失败：{failed.folder}：{failed.error}"
    assert capsys.readouterr().out == ""                           # progress goes to stderr


def test_jobs_run_in_worker_processes(tmp_path):
    import os

    cases = folders(tmp_path, *(f"2025-{n:03d}" for n in range(6)))
    report = run_batch(cases, toy_job, workers=2, progress=False)
    pids = {r.output.read_text().split()[-1] for r in report.built}
    assert str(os.getpid()) not in pids and len(report.built) == 6


def test_rcmz_errors_keep_their_chinese_message(tmp_path):
    [case] = folders(tmp_path, "2025-001")
    report = run_batch([case], rcmz_error_job, workers=2, progress=False)
    assert report.failed[0].error == f"{case / '00-case.yaml'}:3: YAML 语法错误：缩进不一致"
    assert report.failed[0].detail is None


def test_a_dying_worker_fails_only_its_case(tmp_path):
    cases = folders(tmp_path, "2025-001", "2025-002-crash", "2025-003", "2025-004", "2025-005")
    report = run_batch(cases, crashing_job, workers=2, progress=False)
    assert [r.folder.name for r in report.failed] == ["2025-002-crash"]
    assert "进程意外退出" in report.failed[0].error
    assert len(report.built) == 4


def test_all_built(tmp_path):
    report = run_batch(folders(tmp_path, "a", "b"), toy_job, workers=2, progress=False)
    assert report.exit_code == 0 and report.failed == []
    assert report.summary() == "共 2 个案件：成功 2 个，失败 0 个。"
    assert run_batch([], toy_job).exit_code == 0 and BatchReport().summary().startswith("共 0 个")


def test_job_must_be_picklable(tmp_path):
    with pytest.raises(TypeError, match="top-level"):
        run_batch(folders(tmp_path, "a"), lambda folder: folder, workers=2)
