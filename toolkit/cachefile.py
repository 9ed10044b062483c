"""A small JSON cache in the user's cache folder, for answers that cost time to get again.

``rcmz check`` keeps two: what each attachment is (by its content's SHA-256,
``toolkit.attachments``) and the numbers each case file holds (by its size and modification
time, ``toolkit.case.numbering``).  The folder is ``rcmz status``'s (``RCMZ_CACHE_DIR``, else
the platform's cache folder); ``RCMZ_NO_CACHE=1`` turns every cache off.  A cache is read on
first use and written once when the process ends, and only if something was added; one that
cannot be read or written only costs time.  A worker process of a parallel run never writes
them: it hands what it added to its parent (:func:`take_added`, :func:`adopt`), which does.

:func:`write_cache_file` writes any cache file (these, the font records, compiled templates):
atomically, so a reader never sees half a file, but without ``fsync`` — after a power cut a
cache file may be lost or empty, which its reader takes as a miss.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any


def cache_folder() -> Path | None:
    """The cache folder, or None when caching is off."""
    if os.environ.get("RCMZ_NO_CACHE", "") not in ("", "0"):
        return None
    return user_cache_folder()


def user_cache_folder() -> Path:
    """rcmz's folder in the user's cache (``RCMZ_CACHE_DIR``, else the platform's)."""
    if os.environ.get("RCMZ_CACHE_DIR"):
        return Path(os.environ["RCMZ_CACHE_DIR"])
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "rcmz" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rcmz"


class JsonCache:
    """Values (JSON-able) by string key, valid while ``salt()`` gives the same string."""

    def __init__(self, name: str, salt: Callable[[], str]):
        self.name, self._salt = name, salt
        self._memory: dict[str, Any] | None = None
        self._dirty = False
        self._path: list[Path | None] = []   # fixed when first read: written back there
        self._added: dict[str, Any] = {}      # put since the last take_added()
        _OPEN[name] = self
        for found_salt, values in _PENDING.pop(name, []):  # what workers found before it was made
            if found_salt == self._salt():
                for key, value in values.items():
                    self.put(key, value)

    def _file(self) -> Path | None:
        if not self._path:
            folder = cache_folder()
            self._path.append(folder / f"{self.name}.json" if folder is not None else None)
        return self._path[0]

    def _load(self) -> dict[str, Any]:
        if self._memory is None:
            self._memory = {}
            file = self._file()
            try:
                stored = json.loads(file.read_text(encoding="utf-8")) if file and file.is_file() else {}
            except (OSError, ValueError):
                stored = {}
            if isinstance(stored, dict) and stored.get("salt") == self._salt():
                self._memory.update(stored.get("values") or {})
        return self._memory

    def get(self, key: str) -> Any:
        return self._load().get(key)

    def put(self, key: str, value: Any) -> None:
        self._load()[key] = value
        self._added[key] = value
        if not self._dirty and self._file() is not None:
            atexit.register(self.save)
        self._dirty = True

    def save(self) -> None:
        file = self._file()
        if not self._dirty or file is None or self._memory is None:
            return
        write_cache_file(file, json.dumps({"salt": self._salt(), "values": self._memory},
                                          ensure_ascii=False).encode("utf-8"))
        self._dirty = False


#: The caches of this process by name (the last one made of a name).
_OPEN: dict[str, JsonCache] = {}


def take_added() -> dict[str, tuple[str, Any]]:
    """Cache name → (its salt, the values put since the last call): what a worker process
    found, for its parent to :func:`adopt` (a worker's own copy is never written).  The
    caches of other kinds (:func:`keeps_own`) are among them, named ``module:<module>``."""
    out: dict[str, tuple[str, Any]] = {}
    for name, cache in _OPEN.items():
        if cache._added:
            out[name], cache._added = (cache._salt(), cache._added), {}
    for module, take in _OWN.items():
        found = take()
        if found:
            out[f"module:{module}"] = ("", found)
    return out


#: Modules that keep a cache of their own kind → what gives what they found since last asked.
_OWN: dict[str, Callable[[], Any]] = {}


def keeps_own(module: str, take: Callable[[], Any]) -> None:
    """The module ``module`` keeps a cache that is not a :class:`JsonCache` (the font digests)
    and never writes it in a worker: :func:`take_added` hands its parent what ``take()`` gives,
    and :func:`adopt` passes that to the module's own ``adopt``."""
    _OWN[module] = take


#: Cache name → [(salt, values)] that workers found for a cache this process has not made yet:
#: put into it when it is made, else written when the process ends.
_PENDING: dict[str, list[tuple[str, dict[str, Any]]]] = {}


def adopt(added: dict[str, tuple[str, Any]]) -> None:
    """Put what a worker process found (:func:`take_added`) into this process's caches, which
    are written when it ends."""
    for name, (salt, values) in added.items():
        if name.startswith("module:"):
            import importlib

            importlib.import_module(name.removeprefix("module:")).adopt(values)
            continue
        cache = _OPEN.get(name)
        if cache is None:
            if not _PENDING:
                atexit.register(_save_pending)
            _PENDING.setdefault(name, []).append((salt, values))
        elif cache._salt() == salt:  # (else made by other code than this process runs)
            for key, value in values.items():
                cache.put(key, value)


def _save_pending() -> None:
    """Write what workers found for caches this process never made."""
    while _PENDING:
        name, found = next(iter(_PENDING.items()))
        cache = JsonCache(name, partial(str, found[0][0]))  # takes the pending values of its salt
        _PENDING.pop(name, None)
        cache.save()


def write_cache_file(path: Path, data: bytes, folder_mode: int = 0o777) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename; False (nothing left
    behind) when the folder cannot be made or written.  Folders it makes get ``folder_mode``,
    its parents too (``mkdir(parents=True)`` would leave them to the umask: a private cache
    made world-readable)."""
    import tempfile
    from itertools import takewhile

    try:
        missing = list(takewhile(lambda f: not f.is_dir(), (path.parent, *path.parent.parents)))
        for folder in reversed(missing):
            folder.mkdir(mode=folder_mode, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False


def package_stamp(name: str) -> str:
    """Which installation of the package ``name`` is here, told without importing it (an import
    can cost more than the answer a cache keeps): the size and times of its ``__init__`` file,
    which any upgrade or reinstall replaces."""
    from importlib.util import find_spec

    spec = find_spec(name)
    if spec is None or not spec.origin:
        return f"{name}:?"
    stat = os.stat(spec.origin)
    return f"{name}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


def code_salt(*files: str) -> str:
    """rcmz's version and the size and time of the given source files."""
    from toolkit import __version__

    parts = [__version__]
    for file in files:
        stat = Path(file).stat()
        parts.append(f"{Path(file).name}:{stat.st_size}:{stat.st_mtime_ns}")
    return ";".join(parts)
