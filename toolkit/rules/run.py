"""Finding case folders."""

from __future__ import annotations

from pathlib import Path

from toolkit.case.steps import STEPS


def expand_case_folders(paths: list[Path]) -> list[Path]:
    """Case folders named directly, or every case folder inside a folder of cases."""
    folders: list[Path] = []
    for path in paths:
        if path.is_dir() and not (path / STEPS[0].file).exists():
            inner = sorted(p for p in path.iterdir() if p.is_dir() and (p / STEPS[0].file).exists())
            if inner:
                folders.extend(inner)
                continue
        folders.append(path)
    return folders

