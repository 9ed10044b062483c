"""The dossier stage through the CLI (`rcmz dossier`, `rcmz verify`), signed with the test
certificate and PDF/A validated, each figure beside qpdf merging the same scan.

Cases: the example 2025-001 as it is (``base``), and with one scanned attachment of 300 and of
1,500 A4 pages (grey JPEG pages at 300 dpi, about 200 KB each), in a git repository of their own
under benchmarks/out/ (so the volume is clean and signed, as a user's would be).  The inputs are
generated once and reused.

* marginal cost of the scan = ``rcmz dossier`` of the case with it − without it, against
  ``qpdf --empty --pages scan.pdf -- out.pdf``.  Goals: ≤ 2× qpdf for 300 pages, ≤ 3× for 1,500.
  *cold*: the scan's answer taken out of rcmz's cache (it is validated for the first time, the
  rest found as usual); *warm*: the cache of the previous run (the unchanged scan is not
  validated again);
* peak RSS of each child (building, signing, verifying a 1,500-page volume: goal ≤ 200 MB);
* `make dossier` of the example, as a user runs it from the checkout (make, its setup check,
  then ``rcmz dossier``): into an empty folder (the volume built and signed), and again into
  the same folder (the volume found unchanged).  Goal: ≤ 1.5 s once set up.

Run by hand: ``.venv/bin/python benchmarks/bench_dossier.py [--quick]`` (``--quick``: no
1,500-page case, one run each).  Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import ROOT, Run, best, fastest, figure, line, rcmz, run  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "dossier"
REPO = OUT / "repo"            # the benchmark's own git repository of cases
EXAMPLE = ROOT / "casefiles" / "2025-001-exempt-individual"
STEP_WITH_ATTACHMENTS = "03-investigation.yaml"
JPEG_PAGES = 300


def scan_pages() -> list[Path]:
    """300 grey A4 scans at 300 dpi with scanner grain and lines of "text", JPEG q50 (≈ 200 KB)."""
    from PIL import Image, ImageDraw

    folder = OUT / "jpeg"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(JPEG_PAGES):
        p = folder / f"page-{i:04d}.jpg"
        if not p.exists():
            paper = Image.new("L", (2480, 3508), 218)
            grain = Image.effect_noise((2480, 3508), 30)  # scanner noise
            img = Image.blend(paper, grain, 0.08)
            d = ImageDraw.Draw(img)
            for row in range(40):  # lines of "text"
                y = 300 + row * 75
                d.rectangle((250, y, 250 + (i * 37 + row * 101) % 1900 + 100, y + 28), fill=40)
            img.save(p, format="JPEG", quality=50, dpi=(300, 300))
        paths.append(p)
    return paths


def scan_pdf(pages: int) -> Path:
    """A ``pages``-page scan (the 300 JPEG pages over and over), written straight to the file."""
    import img2pdf

    p = OUT / f"scan-{pages}.pdf"
    if not p.exists():
        jpegs = scan_pages()
        tmp = p.with_suffix(".tmp")
        with tmp.open("wb") as f:
            img2pdf.convert([str(jpegs[i % len(jpegs)]) for i in range(pages)], nodate=True, outputstream=f)
        tmp.replace(p)
    return p


def case_with(name: str, scan: Path | None) -> Path:
    """A copy of the example in its own folder of cases (with bureau.yaml and the holiday
    table), with ``scan`` as one more attachment of the investigation step."""
    folder = REPO / name / "casefiles"
    case = folder / EXAMPLE.name
    if case.exists():
        return case
    folder.mkdir(parents=True)
    for config in ("bureau.yaml", "holidays.yaml"):
        shutil.copy(ROOT / "casefiles" / config, folder / config)
    shutil.copytree(EXAMPLE, case)
    if scan is not None:
        target = case / "attachments" / scan.name
        try:
            os.link(scan, target)  # same bytes, no second copy on disk
        except OSError:
            shutil.copy(scan, target)
        step = case / STEP_WITH_ATTACHMENTS
        step.write_text(step.read_text(encoding="utf-8")
                        + f"  - title: 扫描件（{scan.stem}）\n    file: attachments/{scan.name}\n", encoding="utf-8")
    return case


def repository(names: dict[str, Path | None]) -> dict[str, Path]:
    """The benchmark's cases, committed (a clean case is signed, a dirty one would be a draft)."""
    REPO.mkdir(parents=True, exist_ok=True)
    cases = {name: case_with(name, scan) for name, scan in names.items()}
    if not (REPO / ".git").exists():
        subprocess.run(["git", "-C", str(REPO), "init", "-q"], check=True)
        (REPO / ".gitignore").write_text("build/\nout/\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(REPO), "add", "-A"], check=True)
    if subprocess.run(["git", "-C", str(REPO), "diff", "--cached", "--quiet"]).returncode:
        subprocess.run(["git", "-C", str(REPO), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid",
                        "commit", "-qm", "benchmark cases"], check=True)
    return cases


def environment() -> dict[str, str]:
    """rcmz's cache in benchmarks/out (emptied for the cold runs); the converted fonts where
    they are (converting them again is not what is measured here)."""
    from toolkit.render import fontcache

    return {"RCMZ_CACHE_DIR": str(OUT / "cache"), "RCMZ_FONT_CACHE": str(fontcache.cache_dir()),
            "RCMZ_NO_CACHE": ""}


def forget(scan: Path) -> None:
    """Take the scan's PDF/A answer out of rcmz's cache (toolkit.attachments keeps it by the
    file's SHA-256): the next run validates it as a scan it has never seen, everything else
    (the example's documents, the stamp font) found as usual."""
    import hashlib
    import json

    digest = hashlib.sha256()
    with scan.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    kept = OUT / "cache" / "attachments.json"
    stored = json.loads(kept.read_text(encoding="utf-8"))
    stored["values"].pop(f"pdf:{digest.hexdigest()}", None)
    kept.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")


def dossier(case: Path, env: dict, *, cold: Path | None = None, repeat: int) -> tuple[Run, Path]:
    """``rcmz dossier`` of ``case`` into a fresh folder (best of ``repeat``) and the volume;
    ``cold``: a scan to validate afresh at each run."""
    out = REPO / "out" / case.parent.parent.name

    def once() -> Run:
        if cold is not None:
            forget(cold)
        shutil.rmtree(out, ignore_errors=True)
        return run(rcmz("dossier", str(case), "--out", str(out)), cwd=REPO, env=env)

    runs = [once() for _ in range(repeat)]
    fastest = min(runs, key=lambda r: r.seconds)
    volume = Path(fastest.output.strip().splitlines()[-1])
    return Run(fastest.seconds, max(r.peak_mb for r in runs), 0, fastest.output), volume


def verify(volume: Path, case: Path, env: dict) -> Run:
    result = run(rcmz("verify", str(volume), "--case", str(case)), cwd=REPO, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"核验不通过：{volume}\n{result.output}")
    return result


def marginal(with_scan: Run, without: Run) -> Run:
    return Run(with_scan.seconds - without.seconds, with_scan.peak_mb, 0, "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="no 1,500-page case, one run each")
    args = ap.parse_args()
    repeat = 1 if args.quick else 3
    sizes = (300,) if args.quick else (300, 1500)
    scans = {n: scan_pdf(n) for n in sizes}
    cases = repository({"base": None, **{f"scan{n}": scans[n] for n in sizes}})
    env = environment()
    for name in ("RCMZ_P12_PASSPHRASE",):
        env.pop(name, None)  # the test certificate's passphrase is rcmz's own default

    # one run first, so that the baseline is the warm run the label says (a single cold run of
    # the base once measured slower than the case with the scan: a negative marginal cost)
    dossier(cases["base"], env, repeat=1)
    base, _ = dossier(cases["base"], env, repeat=repeat)
    print(figure("rcmz dossier 示例案件（已缓存）", base, "≤ 1.5 s"))
    made = REPO / "out" / "make"
    make = ["make", "-s", "-C", str(ROOT), "dossier", f"CASE={cases['base']}", f"OUT={made}"]

    def built() -> Run:
        shutil.rmtree(made, ignore_errors=True)
        return run(make, env=env)

    print(figure("make dossier 示例案件（新建案卷）", fastest([built() for _ in range(repeat)]), "≤ 1.5 s"))
    print(figure("make dossier 示例案件（案卷未变）", best(make, repeat, env=env), "≤ 1.5 s"))
    for n in sizes:
        qpdf = best(["qpdf", "--empty", "--pages", str(scans[n]), "--", str(OUT / f"qpdf-{n}.pdf")],
                    repeat=repeat)
        goal = "≤ 2×" if n <= 300 else "≤ 3×"
        cold, _ = dossier(cases[f"scan{n}"], env, cold=scans[n], repeat=1)
        print(line(f"+{n} 页扫描件 边际（首次，未缓存）", marginal(cold, base), f"qpdf 合并 {n} 页", qpdf, goal))
        warm, volume = dossier(cases[f"scan{n}"], env, repeat=repeat if n <= 300 else 1)
        print(line(f"+{n} 页扫描件 边际（已缓存）", marginal(warm, base), f"qpdf 合并 {n} 页", qpdf, goal))
        print(figure(f"rcmz dossier {n} 页案卷（签名）", warm, "峰值 ≤ 200 MB"))
        checked = verify(volume, cases[f"scan{n}"], env)
        print(figure(f"rcmz verify {n} 页案卷", checked, "峰值 ≤ 200 MB"))


if __name__ == "__main__":
    main()
