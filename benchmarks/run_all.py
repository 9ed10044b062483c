"""Run every benchmark in this folder, one after another (`make bench`).  Figures are printed,
never asserted: speed and memory goals are read by a person, not by the test suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in sorted(HERE.glob("bench_*.py")):
    print(f"== {script.name}", flush=True)
    subprocess.run([sys.executable, str(script)], check=False)
