"""Rendering every document of an example case, PDF and DOCX (issue 3).

Reports the whole `rcmz render` command's time, the in-process time once fonts are loaded
(goal: under 1 s for all documents of a case), and — where LibreOffice is installed — the time
`libreoffice --headless --convert-to pdf` takes for the same DOCX files, and the ratio
(goal: rcmz at least 10× faster).  Run by hand: .venv/bin/python benchmarks/bench_render.py
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RCMZ = Path(sys.executable).parent / "rcmz"
CASE = REPO / "casefiles" / "2025-003-hearing-deferral"
sys.path.insert(0, str(REPO))


def main() -> None:
    from toolkit.documents.compose import compose_all
    from toolkit.pipeline import checked
    from toolkit.render.docx import render_docx
    from toolkit.render.pdf import render_pdf

    out = Path(tempfile.mkdtemp(prefix="rcmz-render-"))
    try:
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([str(RCMZ), "render", str(CASE), "--out", str(out / "cli")], check=True,
                           stdout=subprocess.DEVNULL, cwd=REPO)
            runs.append(time.perf_counter() - start)
        print(f"rcmz render (whole command, PDF+DOCX): {statistics.median(runs):.2f} s")

        result, context = checked(CASE)
        documents = compose_all(result.case, context.config)
        fonts = context.fonts
        for document in documents:  # load every font face the documents need
            render_pdf(document, fonts)
        start = time.perf_counter()
        for document in documents:
            render_pdf(document, fonts)
            render_docx(document)
        ours = time.perf_counter() - start
        print(f"{len(documents)} documents, PDF+DOCX in process, fonts loaded: {ours:.2f} s (goal < 1 s)")

        soffice = shutil.which("libreoffice") or shutil.which("soffice")
        if not soffice:
            print("LibreOffice not installed: no conversion comparison (apt-get install libreoffice-writer-nogui)")
            return
        docx_files = sorted((out / "cli").glob("*.docx"))
        start = time.perf_counter()
        for path in docx_files:  # one conversion per file, as a clerk would
            subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(out / "lo"),
                            str(path)], check=True, capture_output=True)
        libre = time.perf_counter() - start
        start = time.perf_counter()
        for document in documents:
            render_pdf(document, fonts)
        pdf_only = time.perf_counter() - start
        print(f"LibreOffice DOCX→PDF, {len(docx_files)} files: {libre:.2f} s; rcmz PDF of the same documents: "
              f"{pdf_only:.2f} s; ratio {libre / pdf_only:.0f}× (goal ≥ 10×)")
    finally:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
