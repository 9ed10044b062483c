"""The signer made ready in another process while the volume is bundled.

Signing needs pyHanko (about half a second of imports) and the key; bundling needs neither.  So
:func:`ready_signer` forks a process that imports the signing code and loads the key while this
one draws, merges and validates the volume; the volume is then signed there, in place (it is a
file: nothing but its path crosses over).  The passphrase is read here, before the fork (the
prompt needs this process's terminal).  A key that cannot be used (a wrong passphrase, an
expired certificate) is reported at the next :meth:`ReadySigner.raise_if_failed`, without waiting
for the volume.  Where a fork is not safe (:func:`toolkit.batch.can_fork`: beside the
workbench's threads, inside a worker of ``rcmz dossier --all``), the signer is made here.

The forked process is a bare ``os.fork`` with two pipes, and it signs one volume at most: the
volume's path comes through one pipe, its answer (the stamp, or the error met) goes back through
the other.  Only this process holds the first pipe's writing end — a process forked from it
later (a render worker) closes its copy at once — so when this process ends (``kill -9`` too)
the forked one reads the end of it and exits: it never outlives its build.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
from collections.abc import Iterator
from pathlib import Path

from toolkit.dossier.sign import load_signer, load_signing_code, read_passphrase, sign_pdf
from toolkit.dossier.spec import SignerConfig, volume_versions
from toolkit.errors import DossierError

#: This process's ends of the pipes of its forked signers: not for processes it forks later.
_HELD: set[int] = set()


def _close_held() -> None:
    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_held)


class ReadySigner:
    """Signs the volume with ``cfg``'s key: in the forked process ``pid`` (``job``: the pipe
    the volume's path goes into, ``answer``: the one its answer comes from), or here."""

    def __init__(self, cfg: SignerConfig, book, pid: int | None = None, job: int | None = None,
                 answer: int | None = None):
        self.cfg, self.book = cfg, book
        self._pid, self._job, self._answer = pid, job, answer
        self._sent: tuple[Path, int, tuple[float, float, float, float], Path] | None = None
        self._signer = load_signer(cfg) if pid is None else None

    def raise_if_failed(self) -> None:
        """Raise what the forked process met loading the key, if it has answered already."""
        if self._answer is not None and select.select([self._answer], [], [], 0)[0]:
            self._take_answer()

    def send(self, path: Path, *, page: int, rect: tuple[float, float, float, float], work: Path) -> None:
        """Sign the file at ``path`` (:func:`toolkit.dossier.sign.sign_pdf`): in the forked
        process from now on — this one may go on reading the file as it opened it before, the
        signature is appended to it — or here, at :meth:`signed`."""
        self._sent = (path, page, rect, work)
        if self._pid is not None:
            assert self._job is not None
            with contextlib.suppress(BrokenPipeError):  # it has answered already (an error)
                os.write(self._job, pickle.dumps(self._sent))
            self._close_job()

    def signed(self) -> dict:
        """What the stamp of the file :meth:`send` gave says, once it is signed."""
        assert self._sent is not None, "send() first"
        if self._pid is None:
            path, page, rect, work = self._sent
            return sign_pdf(path, self._signer, self.cfg, page=page, rect=rect, book=self.book, work=work)
        return self._take_answer()

    def _take_answer(self) -> dict:
        assert self._answer is not None
        _HELD.discard(self._answer)
        with os.fdopen(self._answer, "rb") as answer:
            self._answer = None
            data = answer.read()
        self._reap()
        if not data:  # it died (killed, out of memory)
            raise DossierError("签名进程意外退出，案卷未签名；请重试")
        failed, value = pickle.loads(data)  # noqa: S301 — from the process this one forked
        if failed:
            raise value
        return value

    def _close_job(self) -> None:
        if self._job is not None:
            _HELD.discard(self._job)
            os.close(self._job)
            self._job = None

    def _reap(self) -> None:
        if self._pid is not None:
            os.waitpid(self._pid, 0)
            self._pid = None

    def close(self) -> None:
        """End the forked process if it is still there (the build stopped before signing)."""
        self._close_job()
        if self._answer is not None:
            _HELD.discard(self._answer)
            os.close(self._answer)
            self._answer = None
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, 9)  # it has written nothing the build keeps
            self._reap()


def start_signer(out_dir: Path, stem: str, signer: SignerConfig | None, *, dirty: bool,
                 force: bool, resign: bool, fonts) -> contextlib.AbstractContextManager[ReadySigner | None]:
    """The signer made ready from now on (:func:`ready_signer`) when the build of the volume
    ``stem`` in ``out_dir`` will sign it whatever its manifest says: ``signer`` given, the case
    committed (or ``force``), and no signed volume there it could be the same as (or
    ``resign``).  Otherwise None: a build that may find its volume unchanged asks for no key
    before it knows.  ``fonts``: the fonts of the signature's stamp.  Leaving the context ends
    that process."""
    if signer is None or (dirty and not force):
        return contextlib.nullcontext(None)
    if not resign and (versions := volume_versions(out_dir, stem)):
        from toolkit.dossier.build import is_signed  # pikepdf: only when there is a volume to open

        if any(is_signed(path) for _, path in versions):
            return contextlib.nullcontext(None)
    return ready_signer(signer, fonts)


@contextlib.contextmanager
def ready_signer(cfg: SignerConfig, book) -> Iterator[ReadySigner]:
    """A :class:`ReadySigner` for ``cfg`` (``book``: the fonts of the signature's stamp)."""
    from toolkit.batch import can_fork

    if not cfg.p12.is_file():
        raise DossierError(f"找不到签名证书文件（PKCS#12）：{cfg.p12}")
    if not can_fork():
        yield ReadySigner(cfg, book)
        return
    passphrase = read_passphrase(cfg)
    job_read, job_write = os.pipe()
    answer_read, answer_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(job_write)
        os.close(answer_read)
        _sign_when_sent(cfg, passphrase, book, job_read, answer_write)
    os.close(job_read)
    os.close(answer_write)
    _HELD.update((job_write, answer_read))
    ready = ReadySigner(cfg, book, pid, job_write, answer_read)
    try:
        yield ready
    finally:
        ready.close()


def _sign_when_sent(cfg: SignerConfig, passphrase: bytes, book, job: int, answer: int) -> None:
    """In the forked process: import the signing code and load the key, then wait for the volume
    (its path, the page and rectangle of the stamp, the scratch folder), sign it, answer, end."""
    code = 0
    reply: tuple[bool, object]
    try:
        try:
            load_signing_code()
            signer = load_signer(cfg, passphrase)
            with os.fdopen(job, "rb") as stream:
                sent = stream.read()
            if not sent:
                return  # the build stopped before signing, or ended
            path, page, rect, work = pickle.loads(sent)  # noqa: S301 — from the process that forked this one
            reply = (False, sign_pdf(path, signer, cfg, page=page, rect=rect, book=book, work=work))
        except Exception as error:  # noqa: BLE001 — every failure goes back to the build
            reply = (True, error)
        try:
            data = pickle.dumps(reply)
        except Exception:  # noqa: BLE001 — an error that cannot be pickled: its words
            data = pickle.dumps((True, DossierError(f"签名失败：{reply[1]}")))
        with contextlib.suppress(BrokenPipeError), os.fdopen(answer, "wb") as stream:
            stream.write(data)
    except BaseException:  # noqa: BLE001 — never back into the build's own code
        code = 1
    finally:
        os._exit(code)
