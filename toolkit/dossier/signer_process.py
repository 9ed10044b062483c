"""The signer made ready in another process while the volume is bundled.

Signing needs pyHanko (about half a second of imports) and the key; bundling needs neither.  So
:func:`ready_signer` forks a process that imports the signing code and loads the key while this
one draws, merges and validates the volume; the volume is then signed there, in place (it is a
file: nothing but its path crosses over).  The passphrase is read here, before the fork (the
prompt needs this process's terminal).  A key that cannot be used (a wrong passphrase, an
expired certificate) is reported at the next :meth:`ReadySigner.raise_if_failed`, without waiting
for the volume.  Where a fork is not safe (:func:`toolkit.batch.can_fork`: beside the
workbench's threads, inside a worker of ``rcmz dossier --all``), the signer is made here.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

from toolkit.dossier.sign import load_signer, load_signing_code, read_passphrase, sign_pdf
from toolkit.dossier.spec import SignerConfig
from toolkit.errors import DossierError


class ReadySigner:
    """Signs the volume with ``cfg``'s key: in the process made ready by :func:`ready_signer`,
    or here."""

    def __init__(self, cfg: SignerConfig, book, future: Future | None = None,
                 job_fd: int | None = None):
        self.cfg, self.book = cfg, book
        self._future, self._job_fd = future, job_fd
        self._signer = load_signer(cfg) if future is None else None

    def raise_if_failed(self) -> None:
        """Raise what the other process met loading the key, if it has already failed."""
        if self._future is not None and self._future.done() and self._future.exception() is not None:
            self._future.result()

    def sign(self, path: Path, *, page: int, rect: tuple[float, float, float, float], work: Path) -> dict:
        """:func:`toolkit.dossier.sign.sign_pdf` of the file at ``path``."""
        if self._future is None:
            return sign_pdf(path, self._signer, self.cfg, page=page, rect=rect, book=self.book, work=work)
        assert self._job_fd is not None
        with os.fdopen(self._job_fd, "wb") as job:
            self._job_fd = None
            job.write(pickle.dumps((path, page, rect, work)))
        return self._future.result()

    def close(self) -> None:
        """Let the other process end (it reads no volume when this one never sent one)."""
        if self._job_fd is not None:
            os.close(self._job_fd)
            self._job_fd = None


@contextlib.contextmanager
def ready_signer(cfg: SignerConfig, book) -> Iterator[ReadySigner]:
    """A :class:`ReadySigner` for ``cfg`` (``book``: the fonts of the signature's stamp)."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from toolkit.batch import can_fork

    if not cfg.p12.is_file():
        raise DossierError(f"找不到签名证书文件（PKCS#12）：{cfg.p12}")
    if not can_fork():
        yield ReadySigner(cfg, book)
        return
    import multiprocessing

    passphrase = read_passphrase(cfg)
    job_read, job_write = os.pipe()
    _PREPARED[:] = [(cfg, passphrase, book, job_read, job_write)]
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            ready = ReadySigner(cfg, book, pool.submit(_sign_when_sent), job_write)
            os.close(job_read)
            try:
                yield ready
            except BrokenProcessPool:  # the other process died (killed, out of memory)
                raise DossierError("签名进程意外退出，案卷未签名；请重试") from None
            finally:
                ready.close()
    finally:
        _PREPARED.clear()


#: What the forked process finds: the signer's configuration, the passphrase, the stamp's fonts
#: and the pipe the volume's path comes through.
_PREPARED: list[tuple[SignerConfig, bytes, object, int, int]] = []


def _sign_when_sent() -> dict:
    """In the forked process: import the signing code and load the key, then wait for the volume
    (its path, page and rectangle of the stamp, scratch folder) and sign it."""
    cfg, passphrase, book, job_read, job_write = _PREPARED[0]
    os.close(job_write)  # else the pipe would never end here
    load_signing_code()
    signer = load_signer(cfg, passphrase)
    with os.fdopen(job_read, "rb") as job:
        sent = job.read()
    if not sent:
        return {}  # the build stopped before signing
    path, page, rect, work = pickle.loads(sent)  # noqa: S301 — from the process that forked this one
    return sign_pdf(path, signer, cfg, page=page, rect=rect, book=book, work=work)
