"""How fast `rcmz check` is, as a user runs it (whole command, fresh process), beside its anchor:
the same YAML files parsed with ruamel's C loader and nothing else (measure.plain_yaml_parse).

Goals (issue 2): one case under 0.3 s; 500 cases under 5 s; 1,000 cases no slower than about
1.6× the plain parse (issue 13).  Each figure is timed

* cold: a first run, with an empty cache folder (``RCMZ_CACHE_DIR``: no page counts, no
  attachment answers, no compiled templates; the fonts converted by ``make setup`` stay where
  they are, ``RCMZ_FONT_CACHE``) — every document a scan replaces is laid out;
* warm: the run after, with the cache that run left;

and the anchor is timed in the same rounds, between them: a figure and its anchor meet the same
load of the machine.  Run by hand:
    .venv/bin/python benchmarks/bench_check.py [--quick]     (--quick: one round)
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Run, line, plain_yaml_parse, rcmz, run  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (REPO / "casefiles").iterdir() if (p / "00-case.yaml").exists())


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
        copy = n // len(EXAMPLES)
        for step_file in target.glob("0*.yaml"):
            text = re.sub(r"(?m)^(\s*(?:notice_)?seq: )(\d+)",
                          lambda m, k=copy: f"{m.group(1)}{k * 25 + int(m.group(2)) % 25}",
                          step_file.read_text(encoding="utf-8"))
            text = re.sub(r"(?m)^(\s*volume_no: )\d+", rf"\g<1>{n + 1}", text)
            step_file.write_text(text, encoding="utf-8")
    return folder


def user_font_cache() -> str:
    """Where this user's converted fonts are (``make setup`` put them there): a benchmark with
    a cache folder of its own keeps using them rather than converting them again (40 s)."""
    if os.environ.get("RCMZ_FONT_CACHE"):
        return os.environ["RCMZ_FONT_CACHE"]
    sys.path.insert(0, str(REPO))
    from toolkit.render.fontcache import cache_dir

    return str(cache_dir())


def rounds(command: list[str], folder: Path, repeat: int) -> tuple[Run, Run, Run]:
    """(cold, warm, anchor): the fastest of ``repeat`` rounds of a first run with an empty
    cache, the run after it, and the plain parse of the same files."""
    cache = Path(tempfile.mkdtemp(prefix="rcmz-bench-cache-"))
    env = {"RCMZ_CACHE_DIR": str(cache), "RCMZ_FONT_CACHE": user_font_cache(), "RCMZ_NO_CACHE": ""}
    found: dict[str, list[Run]] = {"cold": [], "warm": [], "anchor": []}
    try:
        for _ in range(repeat):
            shutil.rmtree(cache, ignore_errors=True)
            found["cold"].append(run(command, cwd=REPO, env=env, check=False))
            found["anchor"].append(run(plain_yaml_parse(folder), cwd=REPO))
            found["warm"].append(run(command, cwd=REPO, env=env, check=False))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    for runs in found.values():
        if runs[0].returncode not in (0, 1):  # 1: the cases have errors, which is not a failure here
            raise SystemExit(f"失败（退出码 {runs[0].returncode}）：{' '.join(command)}\n{runs[0].output}")
    fastest = {name: min(runs, key=lambda r: r.seconds) for name, runs in found.items()}
    peaks = {name: max(r.peak_mb for r in runs) for name, runs in found.items()}
    cold, warm, anchor = (Run(fastest[n].seconds, peaks[n], fastest[n].returncode, fastest[n].output)
                          for n in ("cold", "warm", "anchor"))
    assert cold.output == warm.output, "a warm cache changed what rcmz check says"
    return cold, warm, anchor


def main() -> None:
    repeat = 1 if "--quick" in sys.argv else 3
    anchor_name = "ruamel C 解析同样的 YAML"
    cold, warm, anchor = rounds(rcmz("check", str(EXAMPLES[-1])), EXAMPLES[-1], repeat)
    print(line("rcmz check 一个案件（首次）", cold, anchor_name, anchor, "< 0.3 s"))
    print(line("rcmz check 一个案件（再次）", warm, anchor_name, anchor, "< 0.3 s"))
    for count, goal in ((500, "< 5 s"), (1000, "≤ 1.6× 解析")):
        many = generated_cases(count)
        try:
            cold, warm, anchor = rounds(rcmz("check", str(many)), many, repeat)
            print(line(f"rcmz check {count} 个案件（首次）", cold, anchor_name, anchor, goal))
            print(line(f"rcmz check {count} 个案件（再次）", warm, anchor_name, anchor, goal))
        finally:
            shutil.rmtree(many.parent)


if __name__ == "__main__":
    main()
