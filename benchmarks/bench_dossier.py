"""Benchmark of the dossier stage (run by hand: ``.venv/bin/python benchmarks/bench_dossier.py``).

1. A volume with a 300-page scanned attachment (A4 JPEG pages, 2480×3508 px, about 200 KB each)
   bundled by ``build_dossier`` against ``qpdf --empty --pages … --`` merging the same files in
   the same run.  Goal: at most 2× qpdf.
2. Peak memory (ru_maxrss of a child process) while building a 1,500-page volume.
   Goal: under 200 MB.

Inputs are generated once into benchmarks/out/ (git-ignored) and reused.  Prints figures; not a
test.  ``--pages N`` and ``--big N`` change the sizes; ``--sign`` adds a signature (needs
``RCMZ_P12_PASSPHRASE``; a test certificate is made under benchmarks/out/).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "dossier"
sys.path.insert(0, str(ROOT))


def scan_pages(n: int) -> list[Path]:
    """n grey A4 scans at 300 dpi with scanner grain and lines of "text", JPEG q50 (≈ 200 KB)."""
    from PIL import Image, ImageDraw

    folder = OUT / "jpeg"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / f"page-{i:04d}.jpg"
        if not p.exists():
            paper = Image.new("L", (2480, 3508), 218)
            grain = Image.effect_noise((2480, 3508), 30)  # scanner noise
            img = Image.blend(paper, grain, 0.08)
            d = ImageDraw.Draw(img)
            for line in range(40):  # lines of "text"
                y = 300 + line * 75
                d.rectangle((250, y, 250 + (i * 37 + line * 101) % 1900 + 100, y + 28), fill=40)
            img.save(p, format="JPEG", quality=50, dpi=(300, 300))
        paths.append(p)
    return paths


def scan_pdf(n: int) -> Path:
    import img2pdf

    p = OUT / f"scan-{n}.pdf"
    if not p.exists():
        pages = scan_pages(n)
        p.write_bytes(img2pdf.convert([str(x) for x in pages], nodate=True))
    return p


def scan_copies(count: int) -> list[Path]:
    """``count`` distinct files with the 300-page scan (qpdf would share pages of one file)."""
    import shutil

    src = scan_pdf(300)
    out = []
    for k in range(count):
        p = OUT / f"scan-300-copy{k}.pdf"
        if not p.exists():
            shutil.copy(src, p)
        out.append(p)
    return out


def items(folder: Path, count: int) -> list[Path]:
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from toolkit.render.fonts import default_fontbook

    book = default_fontbook()
    font = book.primary("fangsong")
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(count):
        p = folder / f"item-{k}.pdf"
        if not p.exists():
            c = canvas.Canvas(str(p), pagesize=(210 * mm, 297 * mm), invariant=1, initialFontName=font)
            for i in range(3):
                c.setFont(font, 16)
                c.drawString(28 * mm, 250 * mm, f"第{k + 1}件　正文第{i + 1}页")
                c.showPage()
            c.save()
        out.append(p)
    return out


def spec_for(scans: list[Path], docs: list[Path], name: str):
    from toolkit.dossier import Attachment, Item, VolumeSpec

    its = []
    for k, doc in enumerate(docs):
        atts = (Attachment(f"扫描件{k + 1}", scans[k]),) if k < len(scans) else ()
        its.append(Item(f"第{k + 1}件材料", f"测〔2025〕{k + 1}号", "调查核实组", "2025-05-01", doc,
                        attachments=atts))
    facts = OUT / "facts.yaml"
    facts.write_text("case: bench\n", encoding="utf-8")
    return VolumeSpec(
        case_id=name, volume_title="性能测试案卷", fonds_name="某某局", fonds_no="Z1",
        catalogue_no="1", volume_no="1", category="容错免责", retention="永久",
        classification="内部", start_date="2025-01-01", end_date="2025-12-31", items=tuple(its),
        compiler="甲", checker="乙", compiled_on="2025-12-31", sources=(facts, *scans),
        source_root=OUT)


def signer():
    from toolkit.dossier import SignerConfig, create_test_certificate

    os.environ.setdefault("RCMZ_P12_PASSPHRASE", "bench")
    folder = OUT / "cert"
    if not (folder / "test-signer.p12").exists():
        create_test_certificate(folder, "某某局")
    return SignerConfig(folder / "test-signer.p12")


def bench_speed(pages: int, sign: bool) -> None:
    from toolkit.dossier import build_dossier

    scan = scan_pdf(pages)
    docs = items(OUT / "items", 3)
    spec = spec_for([scan], docs, "speed")
    out = OUT / "speed"
    out.mkdir(exist_ok=True)
    for p in out.glob("*.pdf"):
        p.unlink()
    build_dossier(spec, out, None)  # warm-up: fonts, imports
    for p in out.glob("*.pdf"):
        p.unlink()

    t = time.perf_counter()
    subprocess.run(["qpdf", "--empty", "--pages", *map(str, docs[:1]), str(scan),
                    *map(str, docs[1:]), "--", str(OUT / "qpdf-merge.pdf")], check=True)
    t_qpdf = time.perf_counter() - t

    t = time.perf_counter()
    path = build_dossier(spec, out, signer() if sign else None)
    t_ours = time.perf_counter() - t
    size = path.stat().st_size / 1e6
    print(f"[速度] {pages} 页扫描附件 + 3 件文件（扫描件 {scan.stat().st_size / 1e6:.1f} MB）")
    print(f"  qpdf --empty --pages 合并：{t_qpdf:.2f} s")
    print(f"  build_dossier{'（含签名）' if sign else ''}：{t_ours:.2f} s，输出 {size:.1f} MB，"
          f"为 qpdf 的 {t_ours / t_qpdf:.1f} 倍（目标 ≤ 2 倍）")


def child_memory(big: int, sign: bool) -> None:
    """Run in a child process: build a ``big``-page volume, print JSON with the figures."""
    from toolkit.dossier import build_dossier

    per = 300
    scans = scan_copies(max(1, big // per))
    docs = items(OUT / "items", len(scans))
    spec = spec_for(scans, docs, "memory")
    out = OUT / "memory"
    out.mkdir(exist_ok=True)
    for p in out.glob("*.pdf"):
        p.unlink()
    t = time.perf_counter()
    path = build_dossier(spec, out, signer() if sign else None)
    elapsed = time.perf_counter() - t
    import pikepdf

    with pikepdf.open(path) as pdf:
        n = len(pdf.pages)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"pages": n, "seconds": elapsed, "peak_mb": rss,
                      "size_mb": path.stat().st_size / 1e6}))


def bench_memory(big: int, sign: bool) -> None:
    scan_copies(max(1, big // 300))  # generate outside the measured child
    items(OUT / "items", max(1, big // 300))
    cmd = [sys.executable, __file__, "--child", str(big)] + (["--sign"] if sign else [])
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    figures = json.loads(res.stdout.strip().splitlines()[-1])
    base = subprocess.run([sys.executable, "-c", "import resource, toolkit.dossier.build; "
                           "import toolkit.render.fonts as f; b = f.default_fontbook(); "
                           "[b.primary(r) for r in ('songti', 'heiti', 'fangsong', 'xiaobiaosong')]; "
                           "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"],
                          check=True, capture_output=True, text=True, cwd=ROOT)
    print(f"[内存] {figures['pages']} 页案卷：峰值 {figures['peak_mb']:.0f} MB（目标 < 200 MB；"
          f"仅导入与载入字体即 {float(base.stdout.strip()):.0f} MB），"
          f"用时 {figures['seconds']:.1f} s，输出 {figures['size_mb']:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--big", type=int, default=1500)
    ap.add_argument("--sign", action="store_true")
    ap.add_argument("--child", type=int)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.child:
        child_memory(args.child, args.sign)
        return
    bench_speed(args.pages, args.sign)
    bench_memory(args.big, args.sign)


if __name__ == "__main__":
    main()
