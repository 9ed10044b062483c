"""How fast `rcmz status` is on 1,000 cases, as a user runs it (whole command, fresh process).

Goal (issue 5): under 2 s on the 2-core build machine.  Two sets of 1,000 cases:

* generated: small step files at every stage (tests/docket_fixtures.generate_many);
* examples: copies of the three example cases (full-size files, hearing records, attachments).

Each is timed cold (an empty cache folder: every case is read, in parallel worker processes) and
warm (the cache of the previous run: only fingerprints are taken), beside its anchor: the same
YAML files parsed with ruamel's C loader and nothing else, in one process
(measure.plain_yaml_parse; issue 13: cold with two workers about 0.7× of it, to stay no slower),
timed in the same rounds, between them.
Run by hand:

    .venv/bin/python benchmarks/bench_status.py [COUNT] [--quick]     (--quick: one run of each)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Run, line, plain_yaml_parse, rcmz, run  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
GOAL = 2.0
sys.path.insert(0, str(REPO / "tests"))


def rounds(args: list[str], folder: Path, env: dict, repeat: int, cache: Path) -> tuple[Run, Run, Run]:
    """(cold, warm, anchor): the fastest of ``repeat`` rounds of a run with an empty cache
    folder, the run after it (its snapshots cached) and, between them, the plain parse of the
    same files: a figure and its anchor meet the same load of the machine."""
    found: dict[str, list[Run]] = {"cold": [], "warm": [], "anchor": []}
    for _ in range(repeat):
        shutil.rmtree(cache, ignore_errors=True)
        found["cold"].append(run(args, cwd=REPO, env=env))
        found["anchor"].append(run(plain_yaml_parse(folder), cwd=REPO))
        found["warm"].append(run(args, cwd=REPO, env=env))
    def best_of(name: str) -> Run:
        fastest = min(found[name], key=lambda r: r.seconds)
        return Run(fastest.seconds, max(r.peak_mb for r in found[name]), 0, fastest.output)

    return best_of("cold"), best_of("warm"), best_of("anchor")


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
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    count = int(numbers[0]) if numbers else 1000
    repeat = 1 if "--quick" in sys.argv else 3
    root = Path(tempfile.mkdtemp(prefix="rcmz-bench-status-"))
    cache = root / "cache"
    env = {"RCMZ_CACHE_DIR": str(cache), "RCMZ_NO_CACHE": ""}
    print(f"rcmz status, {count} cases, {os.cpu_count()} CPUs (goal < {GOAL:.0f} s)")
    try:
        for make in (generated, examples):
            folder = make(root, count)
            for name in ("bureau.yaml", "holidays.yaml"):
                shutil.copy(REPO / "casefiles" / name, folder / name)
            args = rcmz("status", str(folder), "--today", "2025-11-20")
            cold, warm, parsed = rounds(args, folder, env, repeat, cache)
            print(line(f"status {make.__name__} 冷（无缓存）", cold, "ruamel C 解析同样的 YAML",
                       parsed, f"≤ 0.7× 解析，< {GOAL:.0f} s"))
            print(line(f"status {make.__name__} 热（有缓存）", warm, "ruamel C 解析同样的 YAML",
                       parsed, f"< {GOAL:.0f} s"))
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
