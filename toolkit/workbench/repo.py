"""Where the workbench may read and write, and the only git it runs.

* A case is one of the folders ``toolkit.case.folders.case_folders`` lists, resolving (realpath)
  directly under the cases folder; a step file is one of ``toolkit.case.steps.BY_FILE`` and not a
  symbolic link; an attachment resolves inside its case folder (``toolkit.case.load``); a built
  file is listed in ``build/<case>/`` and resolves there.  Anything else is :class:`NotFound`.
* git runs with an argument list, never a shell, and only ``add``/``commit --only`` of one path
  plus read-only commands: never push, pull, amend, reset or checkout, never ``--no-verify``.
  One in-process lock and one lock file per repository serialise writes and commits.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from toolkit.case.folders import case_folders
from toolkit.case.steps import BY_FILE
from toolkit.workbench import strings as T

try:  # a lock file between two `rcmz serve` on one repository (POSIX)
    import fcntl
except ImportError:  # pragma: no cover — Windows: the in-process lock only
    fcntl = None  # type: ignore[assignment]


class NotFound(Exception):
    """A path the workbench will not touch: answered 404, whatever the reason."""


class CommitError(Exception):
    """git refused the commit (a hook, a missing identity); the message is git's own output."""


@dataclass(frozen=True)
class Commit:
    short: str
    date: str
    author: str
    subject: str


BUILD_SUFFIXES = (".pdf", ".docx")


class Workspace:
    """The cases folder, the build folder and the git repository holding the cases."""

    def __init__(self, cases_dir: Path, build_dir: Path = Path("build")):
        self.cases_dir = Path(cases_dir)
        self.real = self.cases_dir.resolve()
        self.build_dir = Path(build_dir)
        self.lock = threading.Lock()
        self.git_root = self._git_root()

    # --- confinement ---------------------------------------------------------------------------

    def case_ids(self) -> list[str]:
        return [folder.name for folder in case_folders(self.cases_dir) if folder != self.cases_dir]

    def case_folder(self, case_id: str) -> Path:
        if case_id not in self.case_ids():
            raise NotFound(case_id)
        folder = self.cases_dir / case_id
        if folder.is_symlink() or folder.resolve().parent != self.real:
            raise NotFound(case_id)
        return folder

    def step_file(self, case_id: str, name: str) -> Path:
        if name not in BY_FILE:
            raise NotFound(name)
        path = self.case_folder(case_id) / name
        if path.is_symlink():
            raise NotFound(name)
        return path

    def build_folder(self, case_id: str) -> Path:
        self.case_folder(case_id)
        return self.build_dir / case_id

    def built_files(self, case_id: str) -> list[Path]:
        folder = self.build_folder(case_id)
        if not folder.is_dir() or folder.is_symlink():
            return []
        return sorted(p for p in folder.iterdir()
                      if p.suffix in BUILD_SUFFIXES and p.is_file() and not p.is_symlink())

    def built_file(self, case_id: str, name: str) -> Path:
        folder = self.build_folder(case_id)
        return self._listed(folder, name)

    def stats_file(self, year: int, name: str) -> Path:
        return self._listed(self.build_dir / f"stats-{int(year)}", name)

    def _listed(self, folder: Path, name: str) -> Path:
        if "/" in name or "\\" in name or name.startswith(".") or not folder.is_dir():
            raise NotFound(name)
        if name not in os.listdir(folder):
            raise NotFound(name)
        path = folder / name
        root = folder.resolve()
        if path.is_symlink() or path.resolve().parent != root or path.suffix not in (*BUILD_SUFFIXES, ".csv"):
            raise NotFound(name)
        return path

    def attachment(self, case_id: str, relative: str) -> Path:
        from toolkit.case.load import resolve_attachment
        from toolkit.case.model import Case
        from toolkit.errors import CaseFileError

        folder = self.case_folder(case_id)
        try:
            path = resolve_attachment(Case(folder=folder), relative)
        except CaseFileError:
            raise NotFound(relative) from None
        if not path.is_file():
            raise NotFound(relative)
        return path

    # --- git -----------------------------------------------------------------------------------

    def _git_root(self) -> Path | None:
        try:
            done = subprocess.run(["git", "-C", str(self.real), "rev-parse", "--show-toplevel"],
                                  capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        return Path(done.stdout.strip()).resolve() if done.returncode == 0 and done.stdout.strip() else None

    def git(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        if self.git_root is None:
            raise CommitError(T.NOT_IN_GIT)
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": os.environ.get("LC_ALL", "C.UTF-8")}
        return subprocess.run(["git", "-C", str(self.git_root), "-c", "core.quotepath=off", *args],
                              capture_output=True, encoding="utf-8", errors="replace", timeout=timeout,
                              env=env)

    def relative(self, path: Path) -> str:
        assert self.git_root is not None
        return Path(path).resolve().relative_to(self.git_root).as_posix()

    @contextlib.contextmanager
    def writing(self):
        """The lock for a write and its commit: this process and any other workbench."""
        with self.lock:
            handle = None
            if fcntl is not None and self.git_root is not None:
                git_dir = self.git("rev-parse", "--absolute-git-dir").stdout.strip()
                if git_dir:
                    handle = open(Path(git_dir) / "rcmz-workbench.lock", "a")  # noqa: SIM115
                    fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if handle is not None:
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    handle.close()

    def commit_file(self, path: Path, message: str) -> str:
        """Commit ``path`` alone with ``message`` (hooks run); the new commit's short hash.
        Call inside :meth:`writing`."""
        relative = self.relative(path)
        if self.git("ls-files", "--error-unmatch", "--", relative).returncode != 0:
            added = self.git("add", "--", relative)
            if added.returncode != 0:
                raise CommitError((added.stderr or added.stdout).strip())
        done = self.git("commit", "--only", "-m", message, "--", relative)
        if done.returncode != 0:
            raise CommitError((done.stderr.strip() + "\n" + done.stdout.strip()).strip())
        return self.git("rev-parse", "--short", "HEAD").stdout.strip()

    def uncommitted(self, path: Path) -> bool:
        if self.git_root is None:
            return False
        return bool(self.git("status", "--porcelain", "--untracked-files=all", "--",
                             self.relative(path)).stdout.strip())

    def head_text(self, path: Path) -> str | None:
        """The file as last committed, or None (untracked, or no repository)."""
        if self.git_root is None:
            return None
        done = self.git("show", f"HEAD:{self.relative(path)}")
        return done.stdout if done.returncode == 0 else None

    def changed_in(self, folder: Path) -> list[str]:
        if self.git_root is None:
            return []
        out = self.git("status", "--porcelain", "--untracked-files=all", "--", self.relative(folder)).stdout
        return [line[3:] for line in out.splitlines() if line.strip()]

    def log(self, folder: Path, count: int = 10) -> list[Commit]:
        if self.git_root is None:
            return []
        done = self.git("log", f"-n{count}", "--date=short", "--format=%h%x1f%ad%x1f%an%x1f%s", "--",
                        self.relative(folder))
        if done.returncode != 0:
            return []
        return [Commit(*line.split("\x1f", 3)) for line in done.stdout.splitlines() if line.count("\x1f") == 3]
