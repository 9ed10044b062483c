"""Writing outputs so that nothing half-written is ever left behind.

Every output is first written to a temporary file in the destination folder (same file system),
flushed to disk, then moved into place with :func:`os.replace` — or, where an existing file must
never be overwritten (a signed dossier), linked into place with :func:`os.link`, which fails if
the name is taken.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from toolkit.errors import RcmzError

TMP_PREFIX = ".rcmz-tmp-"


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def work_dir(out_dir: Path) -> Iterator[Path]:
    """A scratch folder inside ``out_dir`` (so results can be moved atomically); removed after."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=out_dir))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def publish(tmp: Path, final: Path, *, overwrite: bool) -> Path:
    """Move the finished ``tmp`` to ``final`` atomically.

    With ``overwrite=False`` an existing ``final`` is never replaced (:class:`RcmzError`),
    even if another process creates it at the same moment.
    """
    fsync_file(tmp)
    if overwrite:
        os.replace(tmp, final)
    else:
        try:
            os.link(tmp, final)
        except FileExistsError:
            raise RcmzError(f"输出文件已存在，不会覆盖：{final}") from None
        except OSError:  # a file system without hard links: exclusive create, then copy in
            try:
                fd = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL, default_mode())
            except FileExistsError:
                raise RcmzError(f"输出文件已存在，不会覆盖：{final}") from None
            try:
                with os.fdopen(fd, "wb") as dst, open(tmp, "rb") as src:
                    shutil.copyfileobj(src, dst, 1 << 20)
                    dst.flush()
                    os.fsync(dst.fileno())
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(final)
                raise
        os.unlink(tmp)
    _fsync_dir(final.parent)
    return final


def default_mode() -> int:
    """What ``open()`` would give a new file: 0666 less the user's umask (mkstemp's 0600 would
    hide outputs from a shared office folder; a fixed 0644 would ignore a private umask)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_bytes_atomic(path: Path, data: bytes, *, overwrite: bool = True, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder; ``mode`` defaults
    to :func:`default_mode` (a private key passes 0o600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, default_mode() if mode is None else mode)
        return publish(tmp, path, overwrite=overwrite)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_text_atomic(path: Path, text: str) -> Path:
    return write_bytes_atomic(Path(path), text.encode("utf-8"))
