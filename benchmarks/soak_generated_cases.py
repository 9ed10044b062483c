"""Soak run: many generated cases through check, every document (PDF and DOCX) and the invariants
on the rendered text; every Nth also through the signed dossier and its verification.

Run by hand (not a test; the test suite runs a bounded sample, tests/test_generated_cases.py):
    .venv/bin/python benchmarks/soak_generated_cases.py --count 300 --dossier-every 25
Prints each failing case with what was wrong, then how many cases it tried and how many passed,
and the coverage of the scenario dimensions.  Exits 1 when any case failed.  Cases are written
under a temporary folder (``--keep`` keeps it and prints where).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from toolkit.testing.run import commit, exercise, exercise_dossier, make, prepare

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="how many cases (default 200)")
    parser.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--dossier-every", type=int, default=25, metavar="N",
                        help="build and verify the volume of every Nth case (0: none; default 25)")
    parser.add_argument("--keep", action="store_true", help="keep the generated cases")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rcmz-soak-"))
    os.chdir(work)  # the test signing certificate is made under ./build
    os.environ.setdefault("RCMZ_CACHE_DIR", str(work / "cache"))  # not the user's page-count cache
    root = work / "casefiles"
    context = prepare(root)
    today = dt.date.today()
    started = time.perf_counter()
    failed, volumes, coverage = 0, 0, Counter()
    for seed in range(args.start, args.start + args.count):
        generated = make(root, seed, context, today)
        scenario = generated.scenario
        coverage.update([f"申请人 {scenario.kind}/{scenario.category}", f"结果 {scenario.outcome}",
                         f"申诉 {'有' if scenario.appeal is not None else '无'}", f"听证 {scenario.hearing}",
                         f"请示 {scenario.upward}", f"暂缓 {scenario.deferral}", f"逾期受理 {scenario.late}",
                         f"整改 {scenario.rectification}", f"澄清 {scenario.clarification}",
                         f"回访 {scenario.followup}", f"扫描件 {len(scenario.scans)}",
                         f"列表 {scenario.lists}", f"补充归档 {bool(scenario.filed_late)}"])
        try:
            problems = exercise(generated, context, today)
            if not problems and args.dossier_every and seed % args.dossier_every == 0:
                commit(root)
                problems = exercise_dossier(generated, work / "build" / generated.folder.name, today)
                volumes += 1
        except Exception as error:  # noqa: BLE001 — a crash is a finding of the soak, counted and shown
            problems = [f"异常：{type(error).__name__}: {error}"]
        if problems:
            failed += 1
            print(f"[失败] seed {seed}（{generated.folder.name}）：{scenario}")
            for problem in problems:
                print(f"    {problem}")
            sys.stdout.flush()
    elapsed = time.perf_counter() - started
    print(f"\n试了 {args.count} 个案件（seed {args.start}–{args.start + args.count - 1}），"
          f"通过 {args.count - failed} 个，失败 {failed} 个；其中 {volumes} 个生成并核验了签名案卷；"
          f"用时 {elapsed:.0f} 秒。")
    print("覆盖：" + "；".join(f"{key} ×{n}" for key, n in sorted(coverage.items())))
    if args.keep:
        print(f"案件保留在 {root}")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
