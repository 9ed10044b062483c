"""What every benchmark measures the same way: a command run as a child process, its wall time
and the peak resident memory of that child alone (``os.wait4``'s ``ru_maxrss``, the command
started from a small launcher so that neither an earlier child's peak nor the benchmark's own
is mixed in), and a figure printed beside its anchor as a ratio."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
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


#: Started by :func:`run` to start the command: Linux keeps a process's peak RSS across exec, and
#: a child forked from the benchmark (which may hold hundreds of MB of generated inputs) would
#: report the benchmark's peak as its own.  This small process forks the command, waits for it
#: and writes its wall time, peak RSS (KiB) and exit code to the file descriptor it is given.
_LAUNCHER = """
import os, sys, time
fd = int(sys.argv[1])
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(fd)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
os.write(fd, f"{time.perf_counter() - started} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}".encode())
"""


def run(command: list[str], cwd: Path | None = None, env: dict | None = None, check: bool = True) -> Run:
    """Run ``command`` once; stdout and stderr together in ``output``."""
    figures, report = os.pipe()
    try:
        child = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(report), *map(str, command)],
                                 cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, pass_fds=(report,))
        os.close(report)
        assert child.stdout is not None
        output = child.stdout.read().decode("utf-8", "replace")
        child.wait()
        seconds, peak_kib, returncode = os.read(figures, 256).decode().split()
    finally:
        os.close(figures)
    result = Run(float(seconds), int(peak_kib) / 1024, int(returncode), output)
    if check and result.returncode != 0:
        raise SystemExit(f"失败（退出码 {result.returncode}）：{' '.join(map(str, command))}\n{output}")
    return result


def best(command: list[str], repeat: int = 3, **kwargs) -> Run:
    """The fastest of ``repeat`` runs (the others are the machine's noise), with the highest peak."""
    return fastest([run(command, **kwargs) for _ in range(repeat)])


def fastest(runs: list[Run]) -> Run:
    """The time of the fastest of ``runs`` of one command, with the highest peak of them all."""
    quick = min(runs, key=lambda r: r.seconds)
    return Run(quick.seconds, max(r.peak_mb for r in runs), quick.returncode, quick.output)


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


#: The anchor of `rcmz check` and `rcmz status`: every YAML file under a folder parsed with
#: ruamel's C loader and nothing else (no schema, no rules, no deadlines) in one process.
_PLAIN_PARSE = """
import sys
from pathlib import Path
from ruamel.yaml import YAML
yaml = YAML(typ="safe", pure=False)
files = sorted(p for p in Path(sys.argv[1]).rglob("*.yaml") if ".git" not in p.parts)
for path in files:
    yaml.load(path.read_bytes())
print(len(files), "files")
"""


def plain_yaml_parse(folder: Path) -> list[str]:
    """The command that parses every YAML file under ``folder`` with ruamel's C loader."""
    return [sys.executable, "-c", _PLAIN_PARSE, str(folder)]
