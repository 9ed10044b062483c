"""The case's git history: when each step file was first committed, by whom, in which commit.

It is the "程序规范" evidence of the 业务行为 metadata: the fact files appear step by step, so
the first commit of a step's file records when the step was written down.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

GIT_TIMEOUT = 30


@dataclass(frozen=True)
class Commit:
    sha: str
    time: str      # ISO 8601 with offset
    author: str


def first_commits(case_folder: Path, files: list[str]) -> dict[str, Commit]:
    """File name → its first commit (files never committed, or no git: absent)."""
    out: dict[str, Commit] = {}
    for name in files:
        try:
            run = subprocess.run(["git", "-C", str(case_folder), "log", "--diff-filter=A", "--follow",
                                  "--format=%H%x09%aI%x09%an", "--", name],
                                 capture_output=True, timeout=GIT_TIMEOUT, text=True)
        except (OSError, subprocess.SubprocessError):
            return out
        lines = [line for line in run.stdout.splitlines() if line.strip()] if run.returncode == 0 else []
        if lines:
            sha, time, author = (lines[-1].split("\t") + ["", ""])[:3]
            out[name] = Commit(sha, time, author)
    return out
