"""Benchmark of ``rcmz render`` (issue 13): the whole command against LibreOffice converting the
same DOCX files (run by hand: ``.venv/bin/python benchmarks/bench_render.py``).

For an example case and for a generated one (toolkit/testing, so the figure is not the examples'
only), ``rcmz render <case> --out X`` — every document as PDF and DOCX — is run through the CLI
once to warm up, then ``--repeat`` times in turn with one batched ``soffice --headless
--convert-to pdf --outdir Y a.docx b.docx …`` of the DOCX files it wrote (taken in turns, so that
a change in the machine's load falls on both alike); the best of each is printed with the child's
own peak memory (benchmarks/measure.py).  Goal: rcmz at least 5× faster (ratio ≤ 0.20).

rcmz is timed three times in each turn: *unchanged* — the case as the warm-up left it, every
document found among the kept documents (toolkit/render/kept.py), as a clerk's second render of a
case finds those whose facts did not change; *all remade* — the kept documents removed first, as
if every document's content had changed: each one typeset and written again; and all remade
*by itself* (``RCMZ_RESIDENT=0``), without the resident process the warm-up left
(toolkit/resident.py), as a first render after a while, or with it switched off.  A command the
resident process ran is shown with the peak memory of the process that ran it (its log says),
not only of the small one the user started.

Both run as a clerk's second run would: the converted fonts of the user's font cache (converting
them is a one-time ``make setup`` step), every other cache of rcmz (font metrics, compiled
templates, attachments) and the resident process's socket in folders of this run, filled by the
warm-up (the resident process is ended at the end); the toolkit's modules
byte-compiled, as pip leaves an installed wheel (a shell with PYTHONDONTWRITEBYTECODE would
otherwise compile them on every run); LibreOffice with a profile of its own, made by its
warm-up.  Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import re
import shutil
import signal
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from measure import ROOT, Run, best, fastest, line, rcmz, run

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


def compare(name: str, case: Path, work: Path, env: dict, soffice: str | None, repeat: int,
            log: ResidentLog) -> None:
    out = work / f"out-{case.name}"
    command = rcmz("render", str(case), "--out", str(out))
    run(command, cwd=ROOT, env=env)                      # warm-up: fills this run's caches
    log.wait_listening()                                  # and starts the resident process
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
    alone = {**env, "RCMZ_RESIDENT": "0"}
    # taken in turns, so that a change in the machine's load falls on both alike
    unchanged, remade, remade_alone, anchor_runs = [], [], [], []
    for _ in range(repeat):
        unchanged.append(log.peak(run(command, cwd=ROOT, env=env)))
        shutil.rmtree(kept)          # as if every document's content had changed
        remade.append(log.peak(run(command, cwd=ROOT, env=env)))
        shutil.rmtree(kept)
        remade_alone.append(run(command, cwd=ROOT, env=alone))
        anchor_runs.append(run(convert))
    anchor = fastest(anchor_runs), f"LibreOffice 一次转换 {len(docx)} 个 DOCX"
    print(line(f"{label}，未改动", fastest(unchanged), anchor[1], anchor[0], GOAL))
    print(line(f"{label}，全部重排", fastest(remade), anchor[1], anchor[0], GOAL))
    print(line(f"{label}，全部重排（不用常驻进程）", fastest(remade_alone), anchor[1], anchor[0], GOAL))


class ResidentLog:
    """What the resident process of this run logged: the peak memory of each command it ran."""

    def __init__(self, env: dict):
        self.folder = Path(env["XDG_RUNTIME_DIR"]) / "rcmz"
        self.seen = 0

    def text(self) -> str:
        return "".join(p.read_text(encoding="utf-8") for p in self.folder.glob("*.log"))

    def peak(self, figure: Run) -> Run:
        """``figure`` with the peak memory of the command the resident process ran for it, if
        it ran one since the last call."""
        peaks = re.findall(r"exit -?\d+ peak (\d+) MB", self.text())
        served, self.seen = len(peaks) > self.seen, len(peaks)
        return replace(figure, peak_mb=max(figure.peak_mb, float(peaks[-1]))) if served else figure

    def wait_listening(self, seconds: float = 60) -> None:
        import time

        end = time.monotonic() + seconds
        while not any(self.folder.glob("*.sock")) and time.monotonic() < end:
            time.sleep(0.1)

    def end(self) -> None:
        for pid in re.findall(r"started pid (\d+)", self.text()):
            try:
                os.kill(int(pid), signal.SIGTERM)
            except ProcessLookupError:
                pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each command (default 3)")
    args = parser.parse_args()

    from toolkit.render.fontcache import cache_dir

    compileall.compile_dir(str(ROOT / "toolkit"), quiet=1)
    work = Path(tempfile.mkdtemp(prefix="rcmz-bench-render-"))
    env = {"RCMZ_CACHE_DIR": str(work / "cache"), "RCMZ_FONT_CACHE": str(cache_dir()),
           "XDG_RUNTIME_DIR": str(work / "run"), "RCMZ_RESIDENT": "1"}
    (work / "run").mkdir(mode=0o700)
    log = ResidentLog(env)
    os.environ.update(env)  # generating the case here fills this run's caches, not the user's
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    try:
        compare("示例案件 2025-003", EXAMPLE, work, env, soffice, args.repeat, log)
        case = generated_case(work / "casefiles")
        compare(f"生成的案件 {case.name}", case, work, env, soffice, args.repeat, log)
    finally:
        log.end()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
