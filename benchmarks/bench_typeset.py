"""Typesetting alone, in process with the fonts loaded: twelve documents — six times an
official decision with every element of GB/T 9704 and a 听证笔录 whose 1,600-character answer
cell runs over several pages.  The unit suite used to assert this under 2 s (about 0.3 s on the
2-core build machine); the figure is printed here instead.  Run by hand:

    .venv/bin/python benchmarks/bench_typeset.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
GOAL = 2.0


def main() -> None:
    from test_render_pdf import hearing_form, official
    from toolkit.render.fonts import default_fontbook
    from toolkit.render.pdf import render_pdf

    fonts = default_fontbook()
    documents = [official(), hearing_form("内容" * 800)] * 6
    for document in documents[:2]:  # load every font face the documents need
        render_pdf(document, fonts)
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        for document in documents:
            render_pdf(document, fonts)
        runs.append(time.perf_counter() - start)
    print(f"{len(documents)} documents typeset, fonts loaded: {statistics.median(runs):.2f} s "
          f"(goal < {GOAL:.0f} s)")


if __name__ == "__main__":
    main()
