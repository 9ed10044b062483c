"""What every benchmark measures the same way: a command run as a child process, its wall time
and the peak resident memory of that child alone (``os.wait4``'s ``ru_maxrss``, so one child's
peak is not mixed with an earlier one's), and a figure printed beside its anchor as a ratio."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    output: str


def run(command: list[str], cwd: Path | None = None, env: dict | None = None, check: bool = True) -> Run:
    """Run ``command`` once; stdout and stderr together in ``output``."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    assert child.stdout is not None
    output = child.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    result = Run(seconds, usage.ru_maxrss / 1024, child.returncode, output)
    if check and result.returncode != 0:
        raise SystemExit(f"失败（退出码 {result.returncode}）：{' '.join(map(str, command))}\n{output}")
    return result


def best(command: list[str], repeat: int = 3, **kwargs) -> Run:
    """The fastest of ``repeat`` runs (the others are the machine's noise), with the highest peak."""
    runs = [run(command, **kwargs) for _ in range(repeat)]
    fastest = min(runs, key=lambda r: r.seconds)
    return Run(fastest.seconds, max(r.peak_mb for r in runs), fastest.returncode, fastest.output)


def median_seconds(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def rcmz(*args: str) -> list[str]:
    """The CLI as a user runs it (the console script of this environment)."""
    return [str(BIN / "rcmz"), *args]


def line(name: str, figure: Run, anchor_name: str, anchor: Run, goal: str) -> str:
    """``name  1.23 s  (88 MB)   anchor  0.45 s  (30 MB)   ratio 2.7×   goal …``."""
    ratio = figure.seconds / anchor.seconds if anchor.seconds else float("inf")
    return (f"{name:<34} {figure.seconds:7.2f} s ({figure.peak_mb:5.0f} MB)   "
            f"{anchor_name:<30} {anchor.seconds:7.2f} s ({anchor.peak_mb:5.0f} MB)   "
            f"{ratio:5.2f}×   目标 {goal}")


def figure(name: str, value: Run, goal: str) -> str:
    """A figure without an anchor (a memory goal, an absolute time)."""
    return f"{name:<34} {value.seconds:7.2f} s ({value.peak_mb:5.0f} MB)   目标 {goal}"
