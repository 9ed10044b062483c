"""The pre-commit hook (``.pre-commit-hooks.yaml`` → ``rcmz precommit FILES...``).

pre-commit passes the files a commit touches; ``rcmz check`` wants case folders.  A touched file
belongs to its case folder (``toolkit.case.folders.case_folder_of``: a removed file still maps by
its path).  ``bureau.yaml`` and the holiday table change every case's deadlines, so touching them
checks every case folder beside them.  Other files (README, scripts) map to no case.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.case.folders import case_folder_of, case_folders
from toolkit.config import CONFIG_NAME

SHARED_FILES = (CONFIG_NAME, "holidays.yaml")


def case_folders_for(files) -> list[Path]:
    """The case folders the touched ``files`` belong to, each once, in sorted order."""
    folders: set[Path] = set()
    for name in files:
        path = Path(name)
        if path.name in SHARED_FILES:
            folders.update(case_folders(path.parent))
            continue
        folder = case_folder_of(path)
        if folder is not None and folder.is_dir():
            folders.add(folder)
    return sorted(folders)
