"""What reading a font file gives, kept across runs, so that a run does not parse the same fonts
again.

Two kinds of record, each keyed by the SHA-256 of the font file's bytes and the face's index:

* ``source`` – a CFF face's coverage, advance widths and vertical metrics
  (:class:`toolkit.render.fontcache.Source`), which fontTools takes about 0.5 s to read from
  Noto Serif CJK;
* ``face`` – what reportlab's ``TTFontFile`` parses from a TrueType file (cmap, widths, glyph
  offsets, names; :func:`toolkit.render.fonts._ttfont`), 0.02–0.13 s per file.

A file's digest is found again without rereading the file while its device, inode, size,
modification and change times are all unchanged, as git trusts its index: writing to a file
changes its change time (``st_ctime``), which no user process can set back.  As with git's
"racy" files, a digest is not kept for a file changed less than :data:`SETTLED_NS` ago (a second
write within the same tick of the file system's clock could leave the times as they were).  The
digests are one record (``digests``) rewritten when a run met a new file version.

A record is ``MAGIC``, the SHA-256 of its body and the body, a ``marshal`` of (salt, payload);
the salt names this format, the kind and the version of the library whose parse it holds.
Whatever is wrong with a record — missing, truncated, a flipped byte, another format or library
version, a folder that cannot be written — it is ignored and the font is parsed again: a cache
costs time when it fails, never a wrong glyph.  ``marshal`` (plain data only), unlike pickle,
cannot run code when a record is read.

Records live in the font cache folder (:func:`toolkit.render.fontcache.cache_dir`), under
``v<FORMAT>/metrics-<this module's FORMAT>/``.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import marshal
import mmap
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from toolkit.cachefile import keeps_own, write_cache_file

log = logging.getLogger("rcmz.render.fontmetrics")  # rcmz's own notices reach the terminal (toolkit/logs.py)

#: Bump when a record's payload changes shape: older records are then ignored.
FORMAT = 2  # 2: a reportlab face's tables as arrays (fonts._packed)
MAGIC = b"rcmz-font-metrics\n"
_SUM = 32  # bytes of SHA-256

#: How long ago a file must have last changed for its digest to be kept by its stat signature.
SETTLED_NS = 2_000_000_000

_LOCK = threading.Lock()
#: absolute path → (stat signature, digest); None until the record is read
_DIGESTS: dict[str, tuple[tuple[int, ...], str]] | None = None
_DIRTY = False


def folder() -> Path:
    """Where the records are (not created here)."""
    from toolkit.render.fontcache import FORMAT as CACHE_FORMAT
    from toolkit.render.fontcache import cache_dir

    # a folder per format: installs of two versions of rcmz sharing a cache keep their own
    # records instead of each replacing the other's at every run
    return cache_dir() / f"v{CACHE_FORMAT}" / f"metrics-{FORMAT}"


def _salt(kind: str, library: str) -> tuple:
    return (FORMAT, kind, library, sys.version_info[:2], marshal.version)


def _read(path: Path, kind: str, library: str) -> Any:
    """The payload of the record at ``path``; None when it is missing or unusable."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC)
    body = blob[head + _SUM:]
    if blob[:head] != MAGIC or hashlib.sha256(body).digest() != blob[head:head + _SUM]:
        if blob:
            log.debug("font metrics record %s is damaged: ignored", path)
        return None
    try:
        salt, payload = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return None
    return payload if salt == _salt(kind, library) else None


def _write(path: Path, kind: str, library: str, payload: Any) -> None:
    """Write a record atomically; a folder that cannot be written only costs the next run time."""
    try:
        body = marshal.dumps((_salt(kind, library), payload))
    except ValueError as exc:  # something marshal cannot hold: no record, parsed each run
        log.debug("font metrics of %s not kept: %s", path.name, exc)
        return
    if not write_cache_file(path, MAGIC + hashlib.sha256(body).digest() + body, folder_mode=0o700):
        log.debug("font metrics record %s not written", path)


def load(kind: str, key: str, library: str) -> Any:
    """The payload kept for ``key`` (``<digest>-<face>``) and ``kind``, or None."""
    return _read(folder() / f"{key}.{kind}", kind, library)


def store(kind: str, key: str, library: str, payload: Any) -> None:
    _write(folder() / f"{key}.{kind}", kind, library, payload)


# --------------------------------------------------------------------------------------------
# digests


def signature(st: os.stat_result) -> tuple[int, ...]:
    """What changes whenever a file's bytes may have changed."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _digests() -> dict[str, tuple[tuple[int, ...], str]]:
    global _DIGESTS
    if _DIGESTS is None:
        stored = _read(folder() / "digests", "digests", "")
        _DIGESTS = {}
        if isinstance(stored, dict):
            for path, entry in stored.items():
                if (isinstance(path, str) and isinstance(entry, tuple) and len(entry) == 2
                        and isinstance(entry[0], tuple) and isinstance(entry[1], str)):
                    _DIGESTS[path] = entry
    return _DIGESTS


def digest(path: str, st: os.stat_result | None = None, data: bytes | mmap.mmap | None = None) -> str:
    """SHA-256 (hex) of the file ``path``, whose ``os.stat`` is ``st`` and whose bytes, if the
    caller has read them, are ``data``; hashed only when this version of the file is new."""
    path = os.path.abspath(path)
    if st is None:
        st = os.stat(path)
    sig = signature(st)
    with _LOCK:
        known = _digests().get(path)
        if known is not None and known[0] == sig:
            return known[1]
    if data is not None:
        value = hashlib.sha256(data).hexdigest()
    else:
        h = hashlib.sha256()
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                h.update(block)
        value = h.hexdigest()
    if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < SETTLED_NS:
        return value  # racy: hashed again next time
    _keep({path: (sig, value)})
    return value


def _keep(entries: dict[str, tuple[tuple[int, ...], str]]) -> None:
    global _DIRTY
    with _LOCK:
        if not _DIRTY:
            atexit.register(save_digests)
        _DIRTY = True
        _digests().update(entries)
        _ADDED.update(entries)


#: The digests found since the last :func:`take_added`.
_ADDED: dict[str, tuple[tuple[int, ...], str]] = {}


def take_added() -> dict[str, tuple[tuple[int, ...], str]]:
    """The digests this process found since the last call: what a worker process, which never
    writes the record, hands its parent to :func:`adopt`."""
    with _LOCK:
        out = dict(_ADDED)
        _ADDED.clear()
    return out


def adopt(added: dict[str, tuple[tuple[int, ...], str]]) -> None:
    """Keep the digests a worker process found (:func:`take_added`), as if found here."""
    if added:
        _keep(added)


keeps_own(__name__, take_added)


def save_digests() -> None:
    """Write the digests met by this run (at exit, once)."""
    global _DIRTY
    with _LOCK:
        if not _DIRTY or _DIGESTS is None:
            return
        _DIRTY = False
        entries = dict(_DIGESTS)
    # keep what other runs added meanwhile, for files this run did not see
    stored = _read(folder() / "digests", "digests", "")
    if isinstance(stored, dict):
        entries = {**{p: e for p, e in stored.items() if isinstance(p, str)}, **entries}
    _write(folder() / "digests", "digests", "", entries)

