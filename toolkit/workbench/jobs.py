"""Documents, dossiers, verification and statistics in the background, with progress.

Each job is the CLI command itself (``python -m toolkit render|dossier|verify|stats …``) in a
child process: the same pipeline functions as a clerk at the terminal, typesetting memory freed
when it ends, and the server never blocks.  Its output lines are the progress shown.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.workbench import strings as T

#: How many finished jobs are remembered (they are only shown, never needed again).
KEEP = 50


@dataclass
class Job:
    id: str
    kind: str                 # render, dossier, verify, stats
    owner: str                # the case id, or "stats-YEAR"
    argv: list[str]
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    returncode: int | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.finished is None

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def seconds(self) -> str:
        return f"{(self.finished or time.monotonic()) - self.started:.1f}"

    @property
    def title(self) -> str:
        kind = T.JOB_KINDS[self.kind]
        if self.running:
            return T.JOB_RUNNING.format(kind=kind, seconds=self.seconds)
        return (T.JOB_DONE if self.ok else T.JOB_FAILED).format(kind=kind, seconds=self.seconds)

    @property
    def last_line(self) -> str:
        return self.lines[-1] if self.lines else ""


class Jobs:
    def __init__(self, cwd: Path | None = None):
        self.cwd = Path(cwd or os.getcwd())
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self.counter = itertools.count(1)

    def start(self, kind: str, owner: str, args: list[str]) -> Job:
        with self.lock:
            if any(job.running and job.owner == owner for job in self.jobs.values()):
                raise RuntimeError(T.JOB_BUSY)
            job = Job(f"j{next(self.counter)}", kind, owner, [sys.executable, "-m", "toolkit", *args])
            self.jobs[job.id] = job
            finished = [j for j in self.jobs.values() if not j.running]
            for old in finished[:-KEEP]:
                self.jobs.pop(old.id, None)
        threading.Thread(target=self._run, args=(job,), daemon=True, name=f"rcmz-{job.id}").start()
        return job

    def _run(self, job: Job) -> None:
        env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1"}
        try:
            process = subprocess.Popen(job.argv, cwd=self.cwd, env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       encoding="utf-8", errors="replace")
            assert process.stdout is not None
            for line in process.stdout:
                if line.strip():
                    job.lines.append(line.rstrip("\n"))
            job.returncode = process.wait()
        except OSError as error:
            job.lines.append(str(error))
            job.returncode = 1
        job.finished = time.monotonic()

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def latest(self, owner: str) -> list[Job]:
        """The newest job of each kind for ``owner``."""
        newest: dict[str, Job] = {}
        for job in self.jobs.values():
            if job.owner == owner:
                newest[job.kind] = job
        return sorted(newest.values(), key=lambda job: job.started, reverse=True)
