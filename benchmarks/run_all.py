"""Run every benchmark in this folder, one after another (`make bench`): each figure beside its
anchor (qpdf, LibreOffice, a plain YAML parse) as a ratio, with the peak RSS of each child.
Figures are printed, never asserted: speed and memory goals are read by a person, not by the
test suite.

``--quick``: the benchmarks that take one are given ``--quick`` (one run each, the smaller
inputs only); the others run as they are.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def takes_quick(script: Path) -> bool:
    """Whether the script knows ``--quick`` (one that does not would take it for an argument)."""
    return "--quick" in script.read_text(encoding="utf-8")


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        started = time.perf_counter()
        extra = ["--quick"] if quick and takes_quick(script) else []
        subprocess.run([sys.executable, str(script), *extra], check=False)
        print(f"   （{script.name} 用时 {time.perf_counter() - started:.0f} s）", flush=True)


if __name__ == "__main__":
    main()
