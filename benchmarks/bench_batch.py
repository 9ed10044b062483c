"""`rcmz dossier --all` on one core and on all cores (issue 5: use both cores; report the speed-up).

Run by hand: .venv/bin/python benchmarks/bench_batch.py [COPIES]  (default 8 cases)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def cases(copies: int) -> Path:
    root = Path(tempfile.mkdtemp(prefix="rcmz-batch-"))
    folder = root / "casefiles"
    folder.mkdir()
    for name in ("bureau.yaml", "holidays.yaml"):
        shutil.copy(REPO / "casefiles" / name, folder)
    examples = sorted(p for p in (REPO / "casefiles").iterdir() if (p / "06-filing.yaml").exists())
    for n in range(copies):
        shutil.copytree(examples[n % len(examples)], folder / f"{examples[n % len(examples)].name}-{n}")
    for args in (["init", "-q"], ["add", "."], ["-c", "user.name=b", "-c", "user.email=b@example.invalid",
                                                "commit", "-qm", "cases"]):
        subprocess.run(["git", "-C", str(folder), *args], check=True)
    return root


def main() -> None:
    from functools import partial

    from toolkit import batch
    from toolkit.case.folders import case_folders
    from toolkit.context import context_for
    from toolkit.pipeline import _dossier_job

    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    root = cases(copies)
    os.chdir(root)
    try:
        context_for(root / "casefiles").signing  # noqa: B018 — resolving it makes the test certificate once
        folders = case_folders(root / "casefiles")
        timings = {}
        for workers in (1, os.cpu_count() or 1):
            shutil.rmtree(root / "build" / "out", ignore_errors=True)
            start = time.perf_counter()
            report = batch.run_batch(folders, partial(_dossier_job, out_root=root / "build" / "out",
                                                      force=False), workers=workers, progress=False)
            timings[workers] = time.perf_counter() - start
            assert not report.failed, report.lines()
            print(f"{len(folders)} dossiers, {workers} worker(s): {timings[workers]:.2f} s")
        print(f"speed-up on {os.cpu_count()} cores: {timings[1] / timings[os.cpu_count() or 1]:.2f}×")
    finally:
        os.chdir(REPO)
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
