"""A loaded case: its step files with positions, and typed access to the facts."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.case.problems import Problem, Severity, dotted
from toolkit.case.steps import BY_KEY
from toolkit.case.yamlio import LoadedFile


@dataclass
class Case:
    folder: Path
    files: dict[str, LoadedFile] = field(default_factory=dict)   # step key → file
    problems: list[Problem] = field(default_factory=list)         # found while loading
    #: step → its file as messages name it (display_path), worked out once per case
    _shown: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def id(self) -> str:
        return str(self.get("case", "id", default=self.folder.name))

    def has(self, step: str) -> bool:
        return step in self.files

    def get(self, step: str, *path, default: Any = None) -> Any:
        if step not in self.files:
            return default
        value = self.files[step].data
        for part in path:
            if isinstance(value, dict) and isinstance(part, str) and part in value:
                value = value[part]
            elif isinstance(value, list) and isinstance(part, int) and -len(value) <= part < len(value):
                value = value[part]
            else:
                return default
        return value

    def date(self, step: str, *path) -> dt.date | None:
        """A date field, or None when absent or malformed (the schema reports malformed ones)."""
        value = self.get(step, *path)
        if not isinstance(value, str):
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None

    def display(self, step: str) -> str:
        """The step's file as messages name it: :func:`display_path`, once per case (a folder
        of 1,000 cases has thousands of messages, each naming its file)."""
        shown = self._shown.get(step)
        if shown is None:
            shown = self._shown[step] = display_path(self.folder / BY_KEY[step].file)
        return shown

    def problem(self, step: str, path: tuple, rule: str, message: str,
                severity: Severity = "error", *, key: bool = False) -> Problem:
        """A problem located at ``path`` in ``step``'s file (or the file's top when absent)."""
        loaded = self.files.get(step)
        line, column = loaded.where(tuple(path), key=key) if loaded else (1, 1)
        return Problem(self.display(step), line, column, dotted(tuple(path)), rule, message, severity)

    def attachments(self):
        """Every attachment entry of every step: (step, index, entry)."""
        for step, loaded in self.files.items():
            entries = loaded.data.get("attachments") if isinstance(loaded.data, dict) else None
            for index, entry in enumerate(entries if isinstance(entries, list) else []):
                if isinstance(entry, dict):
                    yield step, index, entry


def display_path(path: Path) -> str:
    """A path as the user should see it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(_working_folder()))
    except ValueError:
        return str(path)


_CWD: list[tuple[str, Path]] = []


def _working_folder() -> Path:
    """The working folder, resolved (again only when the process changed it)."""
    here = os.getcwd()
    if not _CWD or _CWD[0][0] != here:
        _CWD[:] = [(here, Path(here).resolve())]
    return _CWD[0][1]
