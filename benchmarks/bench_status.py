"""How fast `rcmz status` is on 1,000 cases, as a user runs it (whole command, fresh process).

Goal (issue 5): under 2 s on the 2-core build machine.  Two sets of 1,000 cases:

* generated: small step files at every stage (tests/docket_fixtures.generate_many);
* examples: copies of the three example cases (full-size files, hearing records, attachments).

Each is timed cold (empty snapshot cache: every case is read, in parallel worker processes) and
warm (the cache of the previous run: only fingerprints are taken).  Run by hand:

    .venv/bin/python benchmarks/bench_status.py [COUNT]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RCMZ = Path(sys.executable).parent / "rcmz"
GOAL = 2.0
sys.path.insert(0, str(REPO / "tests"))


def timed(args: list[str], env: dict, runs: int, fresh_cache: Path | None = None) -> float:
    times = []
    for _ in range(runs):
        if fresh_cache is not None:
            shutil.rmtree(fresh_cache, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run([str(RCMZ), *args], check=True, stdout=subprocess.DEVNULL, cwd=REPO, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def generated(root: Path, count: int) -> Path:
    from docket_fixtures import generate_many

    folder = root / "generated"
    folder.mkdir()
    generate_many(folder, count)
    return folder


def examples(root: Path, count: int) -> Path:
    folder = root / "examples"
    folder.mkdir()
    sources = sorted(p for p in (REPO / "casefiles").iterdir() if (p / "00-case.yaml").exists())
    for n in range(count):
        source = sources[n % len(sources)]
        target = folder / f"2025-{n:04d}"
        shutil.copytree(source, target)
        case_file = target / "00-case.yaml"
        case_file.write_text(case_file.read_text(encoding="utf-8").replace(
            f"id: {source.name[:8]}", f"id: 2025-{n:04d}"), encoding="utf-8")
    return folder


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    root = Path(tempfile.mkdtemp(prefix="rcmz-bench-status-"))
    cache = root / "cache"
    env = {**os.environ, "RCMZ_CACHE_DIR": str(cache)}
    env.pop("RCMZ_NO_CACHE", None)
    print(f"rcmz status, {count} cases, {os.cpu_count()} CPUs (goal < {GOAL:.0f} s)")
    try:
        for make in (generated, examples):
            folder = make(root, count)
            for name in ("bureau.yaml", "holidays.yaml"):
                shutil.copy(REPO / "casefiles" / name, folder / name)
            args = ["status", str(folder), "--today", "2025-11-20"]
            cold = timed(args, env, runs=3, fresh_cache=cache)
            warm = timed(args, env, runs=5)
            mark = lambda t: "ok" if t < GOAL else "SLOW"  # noqa: E731
            print(f"  {make.__name__:9}  cold {cold:.2f} s ({mark(cold)})   "
                  f"warm {warm:.2f} s ({mark(warm)})   median of 3 / 5")
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
