"""Case snapshots for the office view (status, calendar, stats), kept between runs.

A snapshot is what the office view needs from a case folder: the data of a few step files and
whether ``rcmz check`` would find errors.  Loading a case costs about 3.5 ms of CPU (YAML
composing and JSON-Schema validation, in ``toolkit.case``), so a status of 1,000 cases would take
several seconds.  Snapshots are therefore loaded in parallel worker processes when there are many,
and kept in the user's cache folder, one JSON file per folder of cases, reused while nothing in the
case folder changed: the fingerprint covers every file's name, size and modification time
(attachments included, since a bad attachment makes a case "broken"), the toolkit version and the
schemas and loading code.  The calendar and the bureau configuration are not cached: limits are
recomputed on every run.  ``--no-cache`` (or RCMZ_NO_CACHE=1) bypasses it.

The snapshots hold personal data (applicants' names, birth months, political status): the cache
file is written 0600 in folders made (or narrowed to) 0700, whatever the user's umask.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.cachefile import user_cache_folder
from toolkit.case.folders import current_step
from toolkit.case.steps import BY_KEY
from toolkit.errors import RcmzError
from toolkit.treestamp import add_tree

#: Below this many cases one process is faster than starting workers.
PARALLEL_THRESHOLD = 150

#: The steps whose facts the rows use (03-investigation, usually the largest file, is not one).
SNAPSHOT_STEPS = ("case", "application", "initiation", "determination", "feedback", "filing",
                  "rectification", "followup")

CACHE_FORMAT = 1


@dataclass
class Snapshot:
    """What a row needs from a case folder: picklable (workers) and JSON-able (the cache)."""

    folder: str
    fingerprint: str
    step_key: str | None
    broken: bool = False
    error: str | None = None             # the case could not be loaded at all
    data: dict = field(default_factory=dict)  # step key → the file's data, for SNAPSHOT_STEPS

    def as_dict(self) -> dict:
        return {"folder": self.folder, "fingerprint": self.fingerprint, "step_key": self.step_key,
                "broken": self.broken, "error": self.error, "data": self.data}


def snapshot(folder: Path, fingerprint_: str | None = "") -> Snapshot:
    """Load one case (YAML, schemas, attachments) and keep what the rows need; ``fingerprint_``
    None: take the folder's :func:`fingerprint` first.

    Whatever a user can get wrong in a case folder is an ``RcmzError`` or a problem of the
    loaded case; it makes a broken snapshot, never an exception.
    """
    from toolkit.case.load import load_case

    folder = Path(folder)
    if fingerprint_ is None:
        fingerprint_ = fingerprint(folder)
    shot = Snapshot(str(folder), fingerprint_, current_step(folder))
    try:
        case = load_case(folder)
    except RcmzError as error:
        shot.broken, shot.error = True, error.format_message()
        return shot
    shot.broken = any(problem.severity == "error" for problem in case.problems)
    shot.data = {key: case.files[key].data for key in SNAPSHOT_STEPS if key in case.files}
    return shot


def case_of(shot: Snapshot):
    """A ``Case`` rebuilt from a snapshot (positions are not kept: rows need no messages)."""
    from toolkit.case.model import Case
    from toolkit.case.yamlio import LoadedFile

    folder = Path(shot.folder)
    return Case(folder=folder, files={key: LoadedFile(folder / BY_KEY[key].file, data)
                                      for key, data in shot.data.items()})


def load_snapshots(folders: list[Path], workers: int | None = None,
                   store: Store | None = None) -> list[Snapshot]:
    """Snapshots of ``folders``: from ``store`` when a folder is unchanged, else loaded now —
    in parallel worker processes when there are many."""
    # a folder the cache has no entry for is read whatever its fingerprint: that is taken where
    # it is read (by a worker, when there are many)
    prints = [fingerprint(folder) if store is not None and store.has(folder) else None for folder in folders]
    shots: list[Snapshot | None] = [store.get(f, p) if store is not None and p is not None else None
                                    for f, p in zip(folders, prints, strict=True)]
    todo = [i for i, shot in enumerate(shots) if shot is None]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers > 1 and len(todo) >= PARALLEL_THRESHOLD:
        from toolkit.case.schema import prepare_fast_validators

        prepare_fast_validators()  # compiled once, before the workers fork
        chunk = max(1, len(todo) // (workers * 4))
        with ProcessPoolExecutor(max_workers=min(workers, 8)) as pool:
            loaded = list(pool.map(snapshot, [folders[i] for i in todo],
                                   [prints[i] for i in todo], chunksize=chunk))
    else:
        loaded = [snapshot(folders[i], prints[i]) for i in todo]
    for i, shot in zip(todo, loaded, strict=True):
        shots[i] = shot
    if store is not None and todo:
        store.save([shot for shot in shots if shot is not None and shot.error is None])
    return [shot for shot in shots if shot is not None]


def cache_dir() -> Path:
    return user_cache_folder()


_SALT: list[str] = []


def _salt() -> str:
    """What else a snapshot depends on: the toolkit version, the schemas, the loading code
    (``toolkit/case/``, the attachment sniffer and this module)."""
    if not _SALT:
        from toolkit import __version__
        from toolkit.paths import SCHEMAS_DIR

        parts = [f"format={CACHE_FORMAT}", f"version={__version__}"]
        here = Path(__file__).resolve()
        toolkit_dir = here.parent.parent
        code = [*(toolkit_dir / "case").glob("*.py"), toolkit_dir / "attachments.py", here]
        for path in sorted([*SCHEMAS_DIR.glob("*.json"), *code]):
            stat = path.stat()
            parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
        _SALT.append("\n".join(parts))
    return _SALT[0]


def fingerprint(folder: Path) -> str:
    """A digest of every file under ``folder`` (name, size, modification time) and the salt."""
    digest = hashlib.sha1(_salt().encode())
    add_tree(digest, str(folder))
    return digest.hexdigest()


class Store:
    """The cached snapshots of one folder of cases, keyed by case folder name."""

    def __init__(self, root: Path):
        resolved = str(Path(root).resolve())
        self.root = resolved
        self.path = cache_dir() / "status" / (hashlib.sha1(resolved.encode()).hexdigest()[:20] + ".json")
        self.entries: dict[str, dict] = {}
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if stored.get("root") == resolved and stored.get("format") == CACHE_FORMAT:
                self.entries = stored["cases"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.entries = {}  # no cache yet, or one written by hand or by another version

    @staticmethod
    def _key(folder: Path) -> str:
        return Path(folder).name

    def has(self, folder: Path) -> bool:
        return isinstance(self.entries.get(self._key(folder)), dict)

    def get(self, folder: Path, fingerprint_: str) -> Snapshot | None:
        entry = self.entries.get(self._key(folder))
        if not isinstance(entry, dict) or entry.get("fingerprint") != fingerprint_:
            return None
        try:
            return Snapshot(str(folder), fingerprint_, entry["step_key"], bool(entry["broken"]),
                            None, dict(entry["data"]))
        except (KeyError, TypeError, ValueError):
            return None

    def save(self, shots: list[Snapshot]) -> None:
        """Write the snapshots: they hold applicants' names, birth months and political status,
        so the file is 0600 in folders that are 0700 (whatever the umask)."""
        from toolkit.atomic import write_bytes_atomic

        cases = {self._key(Path(shot.folder)): shot.as_dict() for shot in shots}
        text = json.dumps({"format": CACHE_FORMAT, "root": self.root, "cases": cases},
                          ensure_ascii=False)
        try:
            private_dir(self.path.parent)
            write_bytes_atomic(self.path, text.encode("utf-8"), mode=0o600)
        except (OSError, RcmzError):
            pass  # a read-only home folder only costs speed


def private_dir(folder: Path) -> Path:
    """``folder`` and the cache folders above it up to :func:`cache_dir`, created 0700 (or
    narrowed to 0700 when they are the user's): only the user can list or read what is cached."""
    root = cache_dir()
    chain = [folder, *folder.parents]
    mine = chain[: chain.index(root) + 1] if root in chain else [folder]
    for path in reversed(mine):
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
        if os.name != "nt" and info.st_mode & 0o077 and info.st_uid == os.getuid():
            os.chmod(path, 0o700)
    return folder
