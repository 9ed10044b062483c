"""Writing outputs so that nothing half-written is ever left behind.

Every output is first written to a temporary file in the destination folder (same file system),
flushed to disk, then moved into place with :func:`os.replace` — or, where an existing file must
never be overwritten (a signed dossier), linked into place with :func:`os.link`, which fails if
the name is taken.

What a run leaves when it is killed (``kill -9``, a power cut) is recognisable and removed by the
next run that writes into the same folder (:func:`sweep_stale`): temporary files and scratch
folders are named ``.rcmz-tmp-<pid>-…``, and a scratch folder holds a lock (``flock``) for as long
as its run is alive.  A full disk or a folder that cannot be written ends in a Chinese
:class:`OutputError` naming the folder, never in a traceback, and what was begun is removed.

Choosing an output name and publishing under it can be serialised between processes with
:func:`exclusive` (a lock on the output folder itself), so that two runs started at the same
moment cannot both decide that the same name is theirs.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from toolkit.errors import RcmzError

TMP_PREFIX = ".rcmz-tmp-"
#: Inside a scratch folder: held locked by the run that owns the folder.
OWNER_LOCK = ".owner"
#: Leftovers whose owner cannot be told (no lock, no process id) are removed after this long.
STALE_AFTER = 30 * 60
#: How long :func:`exclusive` waits for another run to finish publishing.
LOCK_TIMEOUT = 120.0

#: Temporary names carry the process id and this machine (folders on a share are seen by many).
_HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]
_PID_NAME = re.compile(re.escape(TMP_PREFIX) + r"(\d+)\.([0-9a-f]{6})-")

#: errno values that mean "this folder cannot take the output" rather than a defect.
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}
_NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}


class OutputError(RcmzError):
    """An output cannot be written: the disk is full, the folder is read-only or not ours."""


def output_error(error: OSError, where: Path) -> OutputError:
    """The Chinese message for ``error`` met while writing into the folder ``where``."""
    code = error.errno
    if code is None:  # pikepdf wraps qpdf's system errors: the reason is only in the text
        text = str(error)
        if "No space left" in text or "Disk quota" in text:
            code = errno.ENOSPC
        elif "Read-only file system" in text or "Permission denied" in text:
            code = errno.EACCES
    name = error.filename if isinstance(error.filename, str) else None
    if name and not _inside(Path(name), where) and not _inside(where, Path(name)) and code not in _NO_SPACE:
        # neither the output folder, nor inside it, nor a folder above it being made: an input
        # that cannot be read (a scan whose permissions changed …)
        return OutputError(f"无法读取 {name}：{error.strerror or error}")
    if code in _NO_SPACE:
        return OutputError(f"磁盘空间不足，无法写入 {where}：本次未生成任何文件，已写的临时文件已删除；"
                           "请腾出空间或改用其他输出文件夹（--out）后重试")
    if code in _NOT_WRITABLE:
        return OutputError(f"无法写入 {name or where}：文件夹只读或没有写权限；"
                           "请改用可写的输出文件夹（--out）")
    reason = error.strerror or str(error)
    return OutputError(f"无法写入 {name or where}：{reason}")


def _inside(path: Path, folder: Path) -> bool:
    try:
        return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(folder))
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def writing_into(folder: Path) -> Iterator[None]:
    """Turn an :class:`OSError` of writing into ``folder`` into an :class:`OutputError`."""
    try:
        yield
    except OutputError:
        raise
    except OSError as error:
        raise output_error(error, folder) from None


# ------------------------------------------------------------------------------------------------
# fsync


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


def sync_files(folder: Path, files: list[Path]) -> None:
    """Make the data of ``files``, all inside ``folder``, durable: with one ``syncfs(2)`` of the
    file system holding ``folder`` where Linux has it, else one ``fsync`` per file."""
    if not _syncfs(folder):
        for file in files:
            fsync_file(file)


def _syncfs(folder: Path) -> bool:
    """``syncfs(2)`` through the C library (Python has no binding); False where there is none."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        return call(fd) == 0
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------------------------
# locks and leftovers


def _flock(fd: int, *, block: bool) -> bool | None:
    """Take an exclusive ``flock`` on the open file or folder ``fd``: True when taken, False when
    another holds it (only without ``block``), None when there are no such locks here (Windows,
    some network shares)."""
    try:
        import fcntl
    except ImportError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    except OSError as error:
        if error.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL, errno.EBADF):
            return None
        raise
    return True


@contextlib.contextmanager
def exclusive(folder: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the output lock of ``folder``: an exclusive ``flock`` on the folder itself (no lock
    file is left behind).

    Between processes of this machine, and on file systems that pass locks on, only one holder at
    a time: what it finds on disk stays true until it lets go.  Where folders cannot be locked,
    publication still never overwrites a signed volume (:func:`publish` links, which fails if
    the name is taken), only the choice of name is no longer serialised.
    """
    with writing_into(folder):
        folder.mkdir(parents=True, exist_ok=True)
    try:
        fd: int | None = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder
        fd = None
    try:
        deadline = time.monotonic() + timeout
        while fd is not None and _flock(fd, block=False) is False:
            if time.monotonic() > deadline:
                raise OutputError(f"另一个 rcmz 正在向 {folder} 写入案卷，等待 {timeout:.0f} 秒仍未结束；"
                                  "请稍后重试")
            time.sleep(0.05)
        yield
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but another user's
        return True
    return True


def _owner_gone(folder: Path) -> bool | None:
    """Whether the run that made the scratch ``folder`` has ended (its lock is free); None when
    that cannot be told (no lock file yet, or no locks on this file system)."""
    try:
        stream = open(folder / OWNER_LOCK, "rb")  # noqa: SIM115 — closed below (unlocks)
    except OSError:
        return None
    with stream:
        return _flock(stream.fileno(), block=False)


def _stale(path: Path, now: float) -> bool:
    """Whether the leftover ``path`` (a ``.rcmz-tmp-*`` file or folder) belongs to no live run:
    its owner lock is free; or it was made on this machine by a process that is gone; or, when
    neither can be told, it is older than :data:`STALE_AFTER`."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(info.st_mode):
        gone = _owner_gone(path)
        if gone is not None:
            return gone
    match = _PID_NAME.match(path.name)
    if match and match.group(2) == _HOST and not _alive(int(match.group(1))):
        return True
    return now - info.st_mtime > STALE_AFTER


def sweep_stale(folder: Path) -> list[Path]:
    """Remove the temporary files and scratch folders that killed runs left in ``folder``;
    returns what was removed.  Those of live runs (their lock held, their process alive) stay."""
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(TMP_PREFIX):
            continue
        path = Path(entry.path)
        if not _stale(path, now):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            continue  # read-only: nothing this run can do about it
        removed.append(path)
    return removed


_SWEPT: set[str] = set()


def _sweep_once(folder: Path) -> None:
    key = os.path.abspath(folder)
    if key not in _SWEPT:
        _SWEPT.add(key)
        sweep_stale(folder)


def _tmp_prefix() -> str:
    return f"{TMP_PREFIX}{os.getpid()}.{_HOST}-"


# ------------------------------------------------------------------------------------------------
# scratch folders and publication


@contextlib.contextmanager
def work_dir(out_dir: Path) -> Iterator[Path]:
    """A scratch folder inside ``out_dir`` (so results can be moved atomically); removed after.

    Leftovers of killed runs in ``out_dir`` are removed first.  The folder is named with this
    process's id and holds a lock for as long as it exists, by which the next run knows it is
    not a leftover.
    """
    with writing_into(out_dir):
        out_dir.mkdir(parents=True, exist_ok=True)
        sweep_stale(out_dir)
        _SWEPT.add(os.path.abspath(out_dir))
        path = Path(tempfile.mkdtemp(prefix=_tmp_prefix(), dir=out_dir))
    owner = None
    try:
        with writing_into(out_dir):
            owner = open(path / OWNER_LOCK, "wb")  # noqa: SIM115 — closed below
            _flock(owner.fileno(), block=True)
        yield path
    finally:
        if owner is not None:
            owner.close()
        shutil.rmtree(path, ignore_errors=True)


#: errno values of os.link that mean "this file system has no hard links" (not "name taken").
_NO_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}


def publish(tmp: Path, final: Path, *, overwrite: bool) -> Path:
    """Move the finished ``tmp`` to ``final`` atomically.

    With ``overwrite=False`` an existing ``final`` is never replaced (:class:`RcmzError`),
    even if another process creates it at the same moment.  A full disk or a read-only folder is
    an :class:`OutputError`, and nothing is left at ``final``.
    """
    with writing_into(final.parent):
        fsync_file(tmp)
        if overwrite:
            os.replace(tmp, final)
        else:
            _link(tmp, final)
            os.unlink(tmp)
        _fsync_dir(final.parent)
    return final


def publish_all(work: Path, data: dict[Path, bytes]) -> list[Path]:
    """Write each ``final path → bytes`` of ``data`` (one output folder) through the scratch
    folder ``work`` (:func:`work_dir` of that folder) and move them all into place.

    Every file is written before any is published, made durable with one sync
    (:func:`sync_files`), then renamed into place, and the folder's entries synced once: one or
    two syncs for a case's documents instead of three per file.  Killed at any moment, the run
    leaves each output whole (the old one or the new one) and its scratch folder, which the next
    run removes.  The files follow the user's umask, as ``open()`` would make them."""
    if not data:
        return []
    folder = next(iter(data)).parent
    staged = []
    with writing_into(folder):
        for final, content in data.items():
            tmp = work / final.name
            with open(tmp, "xb") as stream:
                stream.write(content)
            staged.append((tmp, final))
        sync_files(work, [tmp for tmp, _ in staged])
        for tmp, final in staged:
            os.replace(tmp, final)
        _fsync_dir(folder)
    return [final for _, final in staged]


def _link(tmp: Path, final: Path) -> None:
    try:
        os.link(tmp, final)
        return
    except FileExistsError:
        raise RcmzError(f"输出文件已存在，不会覆盖：{final}") from None
    except OSError as error:
        if error.errno not in _NO_LINKS:
            raise
    # a file system without hard links: exclusive create, then copy in
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


def default_mode() -> int:
    """What ``open()`` would give a new file: 0666 less the user's umask (mkstemp's 0600 would
    hide outputs from a shared office folder; a fixed 0644 would ignore a private umask)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_bytes_atomic(path: Path, data: bytes, *, overwrite: bool = True, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder; ``mode`` defaults
    to :func:`default_mode` (a private key passes 0o600).  :class:`OutputError` when the folder
    is full or cannot be written; the temporary file is removed then too."""
    path = Path(path)
    with writing_into(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        _sweep_once(path.parent)
        fd, name = tempfile.mkstemp(prefix=_tmp_prefix(), dir=path.parent)
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


class GuardedWriter:
    """A binary file whose ``write`` never raises: the first :class:`OSError` is kept and raised
    by :meth:`check` (or on leaving the ``with`` block) once the writer is done.

    For libraries that abort the process when a write fails deep inside native code: qpdf,
    saving through pikepdf onto a full disk, throws a C++ exception out of a destructor
    (``terminate called after throwing an instance of 'QPDFSystemError'``, exit 134).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._file = open(self.path, "wb")  # noqa: SIM115 — closed by close()
        self.error: OSError | None = None

    def write(self, data) -> int:
        size = len(data)
        if self.error is None:
            try:
                self._file.write(data)
            except OSError as error:
                self.error = error
        return size

    def flush(self) -> None:
        if self.error is None:
            try:
                self._file.flush()
            except OSError as error:
                self.error = error

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def close(self) -> None:
        try:
            self.flush()
            if self.error is None:
                os.fsync(self._file.fileno())
        except OSError as error:
            self.error = self.error or error
        finally:
            try:
                self._file.close()
            except OSError as error:
                self.error = self.error or error

    def check(self) -> None:
        """Raise what went wrong (the file is then removed)."""
        if self.error is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            raise self.error

    def __enter__(self) -> GuardedWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
        if exc[0] is None:
            self.check()
