"""Which folders are case folders: one answer for check, status, stats, dossier and the hook.

A case folder is a folder holding at least one step file (``00-case.yaml`` … ``10-followup.yaml``).
A folder whose ``00-case.yaml`` is missing still is one: ``rcmz check`` then says the file is
missing and ``rcmz status`` lists the case as broken, instead of the case silently disappearing
from both.  Hidden folders (``.git``, ``.cache``) are never cases.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from toolkit.case.steps import BY_FILE, STEPS


def is_case_folder(folder: Path) -> bool:
    return folder.is_dir() and any((folder / name).is_file() for name in BY_FILE)


def case_folders(root: Path) -> list[Path]:
    """``root`` itself when it is a case folder, else the case folders directly inside it."""
    root = Path(root)
    if is_case_folder(root):
        return [root]
    if not root.is_dir():
        return []
    return [child for child in sorted(root.iterdir())
            if not child.name.startswith(".") and is_case_folder(child)]


def expand_case_folders(paths: Iterable[Path]) -> list[Path]:
    """The case folders the user named: each path's :func:`case_folders`, or the path itself
    when it holds none, so that checking it says what is missing there."""
    folders: list[Path] = []
    for path in paths:
        folders.extend(case_folders(path) or [Path(path)])
    return folders


def case_folder_of(path: Path) -> Path | None:
    """The case folder a file belongs to (which may no longer exist), or None.

    A step file belongs to the folder it is in; any other file to the nearest folder above it
    that is a case folder.
    """
    path = Path(path)
    if path.name in BY_FILE:
        return path.parent
    start = path if path.is_dir() else path.parent
    for folder in [start, *start.parents]:
        if str(folder) in (".", "", "/") or folder == folder.parent:
            break
        if is_case_folder(folder):
            return folder
    return None


def current_step(folder: Path) -> str | None:
    """The key of the last step whose file is present (in the order of ``STEPS``)."""
    try:
        names = set(os.listdir(folder))
    except OSError:
        return None
    present = [step.key for step in STEPS if step.file in names and (folder / step.file).exists()]
    return present[-1] if present else None
