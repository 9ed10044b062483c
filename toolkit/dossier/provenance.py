"""Where a volume's inputs come from in git: the commit it is built from, and whether it is clean.

A volume is signed as clean only when every input that lives in the case repository — the step
files (their link targets too), the attachments, ``bureau.yaml``, the holiday table, the
bureau's override templates — is tracked by git and unchanged since the last commit.  An
ignored, untracked, modified or linked-out input makes it a draft, and each reason is named.
Inputs outside the repository (system fonts) cannot be committed; they are recorded by digest
in the manifest instead.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

GIT_TIMEOUT = 30


@dataclass(frozen=True)
class Provenance:
    commit: str | None                # the last commit touching the case folder
    dirty: bool
    reasons: tuple[str, ...] = field(default=())   # why it is a draft, one line per input


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, timeout=GIT_TIMEOUT)


def provenance(case_folder: Path, inputs: list[Path]) -> Provenance:
    """The provenance of a volume of ``case_folder`` made from ``inputs``."""
    try:
        top = _git(case_folder, "rev-parse", "--show-toplevel")
        commit = _git(case_folder, "log", "-1", "--format=%H", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return Provenance(None, True, ("找不到 git：案件材料无法追溯到提交",))
    if top.returncode != 0 or commit.returncode != 0 or not commit.stdout.strip():
        return Provenance(None, True, ("案件文件夹不在 git 仓库中或尚未提交",))
    root = Path(top.stdout.decode().strip()).resolve()
    reasons: list[str] = []
    inside: list[Path] = []
    for path in inputs:
        resolved = path.resolve()
        within = resolved.is_relative_to(root)
        if path.is_symlink() and not within:
            reasons.append(f"{path} 是指向仓库以外的符号链接")
        elif within:
            inside.append(resolved)
            if path.is_symlink():
                inside.append(path.absolute())  # the link itself must be committed too
    reasons.extend(_uncommitted(root, inside))
    return Provenance(commit.stdout.decode().strip(), bool(reasons), tuple(reasons))


_STATES = {"??": "未纳入 git（untracked）", "!!": "被 .gitignore 忽略"}


def _uncommitted(root: Path, paths: list[Path]) -> list[str]:
    """One line per path git does not have as committed."""
    if not paths:
        return []
    relative = [str(p.relative_to(root)) for p in paths]
    status = _git(root, "status", "--porcelain=v1", "-z", "--ignored=matching",
                  "--untracked-files=all", "--", *relative)
    tracked = _git(root, "ls-files", "-z", "--", *relative)
    states: dict[str, str] = {}
    for entry in filter(None, status.stdout.decode("utf-8", "replace").split("\0")):
        states[entry[3:]] = _STATES.get(entry[:2], "有未提交的修改")
    known = set(filter(None, tracked.stdout.decode("utf-8", "replace").split("\0")))
    for name in relative:
        if name not in known:
            states.setdefault(name, "未纳入 git（untracked）")
    return [f"{name} {state}" for name, state in sorted(states.items())]
