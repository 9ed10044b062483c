"""A stamp of a folder tree from its files' names, sizes and modification times: what changes
when a file is added, removed or written, got without reading any file.  Only ``os`` is
imported: the ``rcmz`` command computes one at every start (toolkit/resident.py)."""

from __future__ import annotations

import os


def add_tree(digest, folder: str, skip: frozenset[str] = frozenset()) -> None:
    """Add every file under ``folder`` to ``digest`` — its path from there, size and modification
    time, in a fixed order — but those in a folder named in ``skip``: a stamp that changes when a
    file is added, removed or written (a case folder's snapshot, the resident process's code)."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in skip)
        below = dirpath[len(folder):].lstrip(os.sep)  # os.walk's paths all begin with folder
        for name in sorted(filenames):
            try:
                stat = os.stat(os.path.join(dirpath, name))
            except OSError:
                continue
            digest.update(f"{os.path.join(below, name)}\0{stat.st_size}\0{stat.st_mtime_ns}\n"
                          .encode("utf-8", "surrogateescape"))
