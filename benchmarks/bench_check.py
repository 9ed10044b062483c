"""How fast `rcmz check` is, as a user runs it (whole command, fresh process).

Goals (issue 2): one case under 0.3 s; 500 cases under 5 s.  Run by hand:
    .venv/bin/python benchmarks/bench_check.py
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RCMZ = Path(sys.executable).parent / "rcmz"
EXAMPLES = sorted(p for p in (REPO / "casefiles").iterdir() if (p / "00-case.yaml").exists())


def timed(args: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(RCMZ), *args], check=True, stdout=subprocess.DEVNULL, cwd=REPO)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def generated_cases(count: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="rcmz-bench-")) / "casefiles"
    folder.mkdir()
    shutil.copy(REPO / "casefiles" / "bureau.yaml", folder)
    shutil.copy(REPO / "casefiles" / "holidays.yaml", folder)
    for n in range(count):
        source = EXAMPLES[n % len(EXAMPLES)]
        target = folder / f"2025-{n:04d}"
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("attachments"))
        shutil.copytree(source / "attachments", target / "attachments") if (source / "attachments").exists() else None
        case_file = target / "00-case.yaml"
        case_file.write_text(case_file.read_text(encoding="utf-8").replace(
            f"id: {source.name[:8]}", f"id: 2025-{n:04d}"), encoding="utf-8")
        # the register across the folder wants each copy's own 案卷号 and document numbers
        for step_file in target.glob("0*.yaml"):
            text = re.sub(r"(?m)^(\s*(?:notice_)?seq: )(\d+)",
                          lambda m, k=n // len(EXAMPLES): f"{m.group(1)}{k * 25 + int(m.group(2)) % 25}",
                          step_file.read_text(encoding="utf-8"))
            text = re.sub(r"(?m)^(\s*volume_no: )\d+", rf"\g<1>{n + 1}", text)
            step_file.write_text(text, encoding="utf-8")
    return folder


def main() -> None:
    one = timed(["check", str(EXAMPLES[-1])])
    print(f"rcmz check, one case:   {one:.3f} s (median of 5; goal < 0.3 s)")
    many = generated_cases(500)
    try:
        total = timed(["check", str(many)], runs=3)
        print(f"rcmz check, 500 cases:  {total:.3f} s (median of 3; goal < 5 s)")
    finally:
        shutil.rmtree(many.parent)


if __name__ == "__main__":
    main()
