"""Benchmark of ``rcmz render`` (issue 13): the whole command against LibreOffice converting the
same DOCX files (run by hand: ``.venv/bin/python benchmarks/bench_render.py``).

For an example case and for a generated one (toolkit/testing, so the figure is not the examples'
only), ``rcmz render <case> --out X`` — every document as PDF and DOCX — is run through the CLI
once to warm up, then ``--repeat`` times in turn with one batched ``soffice --headless
--convert-to pdf --outdir Y a.docx b.docx …`` of the DOCX files it wrote (taken in turns, so that
a change in the machine's load falls on both alike); the best of each is printed with the child's
own peak memory (benchmarks/measure.py).  Goal: rcmz at least 5× faster (ratio ≤ 0.20).

rcmz is timed twice in each turn: *unchanged* — the case as the warm-up left it, every document
found among the kept documents (toolkit/render/kept.py), as a clerk's second render of a case
finds those whose facts did not change; and *all remade* — the kept documents removed first, as
if every document's content had changed: each one typeset and written again.

Both run as a clerk's second run would: the converted fonts of the user's font cache (converting
them is a one-time ``make setup`` step), every other cache of rcmz (font metrics, compiled
templates, attachments) in a folder of this run, filled by the warm-up; the toolkit's modules
byte-compiled, as pip leaves an installed wheel (a shell with PYTHONDONTWRITEBYTECODE would
otherwise compile them on every run); LibreOffice with a profile of its own, made by its
warm-up.  Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import shutil
import sys
import tempfile
from pathlib import Path

from measure import ROOT, best, fastest, line, rcmz, run

sys.path.insert(0, str(ROOT))

from toolkit.render.kept import FORMAT as KEPT_FORMAT  # noqa: E402

EXAMPLE = ROOT / "casefiles" / "2025-003-hearing-deferral"
GOAL = "≤ 0.20×（快 5 倍以上）"


def generated_case(root: Path) -> Path:
    """The generated case with the most documents among the first seeds (no scans)."""
    from toolkit.case.load import load_case
    from toolkit.documents.compose import compose_all
    from toolkit.testing.cases import generate
    from toolkit.testing.run import prepare

    context = prepare(root)
    today = dt.date.today()
    best_folder, most = None, -1
    for seed in range(8):
        folder = generate(root, seed, context.calendar, today).folder
        count = len(compose_all(load_case(folder), context.config))
        if count > most:
            if best_folder is not None:
                shutil.rmtree(best_folder)
            best_folder, most = folder, count
        else:
            shutil.rmtree(folder)
    assert best_folder is not None
    return best_folder


def compare(name: str, case: Path, work: Path, env: dict, soffice: str | None, repeat: int) -> None:
    out = work / f"out-{case.name}"
    command = rcmz("render", str(case), "--out", str(out))
    run(command, cwd=ROOT, env=env)                      # warm-up: fills this run's caches
    docx = sorted(str(p) for p in out.glob("*.docx"))
    label = f"rcmz render {name}（{len(docx)} 份，PDF+DOCX）"
    if soffice is None:
        ours = best(command, repeat, cwd=ROOT, env=env)
        print(f"{label}，未改动 {ours.seconds:7.2f} s ({ours.peak_mb:5.0f} MB)   未安装 LibreOffice，无对照"
              "（apt-get install libreoffice-writer-nogui）")
        return
    profile = (work / "lo-profile").as_uri()
    convert = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
               "--outdir", str(work / f"lo-{case.name}"), *docx]
    run(convert)                                          # warm-up: makes the profile
    kept = Path(env["RCMZ_CACHE_DIR"]) / f"documents-{KEPT_FORMAT}"
    # taken in turns, so that a change in the machine's load falls on both alike
    unchanged, remade, anchor_runs = [], [], []
    for _ in range(repeat):
        unchanged.append(run(command, cwd=ROOT, env=env))
        shutil.rmtree(kept)          # as if every document's content had changed
        remade.append(run(command, cwd=ROOT, env=env))
        anchor_runs.append(run(convert))
    anchor = fastest(anchor_runs), f"LibreOffice 一次转换 {len(docx)} 个 DOCX"
    print(line(f"{label}，未改动", fastest(unchanged), anchor[1], anchor[0], GOAL))
    print(line(f"{label}，全部重排", fastest(remade), anchor[1], anchor[0], GOAL))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each command (default 3)")
    args = parser.parse_args()

    from toolkit.render.fontcache import cache_dir

    compileall.compile_dir(str(ROOT / "toolkit"), quiet=1)
    work = Path(tempfile.mkdtemp(prefix="rcmz-bench-render-"))
    env = {"RCMZ_CACHE_DIR": str(work / "cache"), "RCMZ_FONT_CACHE": str(cache_dir())}
    os.environ.update(env)  # generating the case here fills this run's caches, not the user's
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    try:
        compare("示例案件 2025-003", EXAMPLE, work, env, soffice, args.repeat)
        case = generated_case(work / "casefiles")
        compare(f"生成的案件 {case.name}", case, work, env, soffice, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
