"""The pre-commit hook (``.pre-commit-hooks.yaml`` → ``rcmz precommit FILES...``).

pre-commit passes the files a commit touches; ``rcmz check`` wants case folders.  A touched file
belongs to the nearest folder above it that holds ``00-case.yaml`` — or, for a step file such as
``02-initiation.yaml``, to the folder it is in even when ``00-case.yaml`` is missing (the check
then says so).  ``bureau.yaml`` and the holiday table change every case's deadlines, so touching
them checks every case folder beside them.  Other files (README, scripts) map to no case.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.case.steps import BY_FILE, STEPS
from toolkit.config import CONFIG_NAME

CASE_FILE = STEPS[0].file
SHARED_FILES = (CONFIG_NAME, "holidays.yaml")


def case_folder_of(path: Path) -> Path | None:
    """The case folder ``path`` belongs to, or None."""
    path = Path(path)
    if path.name in BY_FILE:
        return path.parent
    start = path if path.is_dir() else path.parent
    for folder in [start, *start.parents]:
        if folder == Path(".") or str(folder) in ("", "/") or folder == folder.parent:
            break
        if (folder / CASE_FILE).is_file():
            return folder
    return None


def case_folders_for(files) -> list[Path]:
    """The case folders the touched ``files`` belong to, each once, in sorted order."""
    from toolkit.rules.run import expand_case_folders

    folders: set[Path] = set()
    for name in files:
        path = Path(name)
        if path.name in SHARED_FILES and not (path.parent / CASE_FILE).exists():
            inner = [f for f in expand_case_folders([path.parent]) if (f / CASE_FILE).exists()]
            folders.update(inner)
            continue
        folder = case_folder_of(path)
        if folder is not None and folder.is_dir():
            folders.add(folder)
    return sorted(folders)
