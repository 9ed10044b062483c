"""The ``rcmz`` command's entry point, and the resident process that makes ``rcmz render`` fast.

A whole ``rcmz render`` spends most of its time before the first document is typeset: the
interpreter starts, the checking, typesetting and DOCX code is imported, the fonts' tables are
read (0.35 of 0.5 s for an example's 13 documents on two cores).  So the first ``rcmz render``
runs here as any command does and, when it is done, starts a *resident process* in the
background that loads all of that once and then waits.  The next ``rcmz render`` — the clerk's
second, after changing a fact — hands itself to that process: it forks a child that already has
everything loaded, and the child runs the very same command (:func:`toolkit.cli.main`) with this
process's arguments, working folder, environment, umask and terminal (its standard input,
output and error are passed over the socket), and sends back the exit status.  What the command
prints, writes and exits with is the same either way; only the time differs.

Why it can be trusted:

* **Never stale.**  The socket's name is a digest of what the command's behaviour depends on
  besides its input: the interpreter and its search path, the size and time of every file of
  the package and its data folders (``schemas/``, ``templates/``) and of the folders packages
  are installed in.  An edited or upgraded rcmz is another name, so it gets a process of its
  own; an old one ends after :data:`IDLE_SECONDS` without work.  Each command starts from the
  state the process had once loaded — modules, compiled schemas and templates, fonts — and
  nothing of an earlier command: every cache in memory emptied but those that depend on the
  package alone (:data:`CODE_ONLY_CACHES`; the others are read again from disk, where they are
  checked), and a font file that changed since it was loaded read again.
* **Only its user.**  The socket lies in a folder of the user's own (``$XDG_RUNTIME_DIR/rcmz``,
  else ``~/.cache/rcmz/run``) that only they may open, and a connection from another user is
  refused (``SO_PEERCRED``).
* **Only what can be handed over.**  ``rcmz render`` alone: it asks nothing at a terminal (the
  dossier's passphrase prompt needs one) and writes its files all at once or not at all, so a
  command whose resident process vanished before it began is simply run here.
* **Off when wanted.**  ``RCMZ_RESIDENT=0`` runs every command here and starts nothing (the
  test suite sets it; tests/test_resident.py tries the resident process on its own).
  Where the system cannot fork (Windows, macOS), commands always run here.
"""

from __future__ import annotations

import os
import signal
import sys

#: Commands a resident process may run (see the module's docstring).
SERVED = ("render",)
#: A resident process without a command for this long ends (a clerk's session of editing).
IDLE_SECONDS = 600
#: ``RCMZ_RESIDENT=0`` (or ``off``, ``no``, ``false``) turns the resident process off.
SWITCH = "RCMZ_RESIDENT"
#: Seconds a resident process waits without a command, when not :data:`IDLE_SECONDS` (tests).
IDLE_SWITCH = "RCMZ_RESIDENT_IDLE"
_OFF = ("0", "off", "no", "false")
_REQUEST_LIMIT = 1 << 20      # bytes of one request: argv, folder, environment


def main() -> None:
    """``rcmz``: hand the command to the resident process when it can take it, else run it here
    (and start a resident process for the next one)."""
    args = sys.argv[1:]
    address = _address() if _servable(args) else None
    if address is not None:
        code = _hand_over(address, args)
        if code is not None:
            raise SystemExit(code)
    from toolkit.cli import main as run

    try:
        run()
    finally:
        if address is not None:
            _start_server(address)


def _servable(args: list[str]) -> bool:
    return (bool(args) and args[0] in SERVED and os.environ.get(SWITCH, "").lower() not in _OFF
            and hasattr(os, "fork") and hasattr(os, "setpgid") and sys.platform != "darwin")


# --- where the resident process listens --------------------------------------------------------


def run_dir() -> str | None:
    """The user's folder of sockets, created 0700; None when it is not safely the user's own
    (another owner, open to others), and then nothing is served."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and os.path.isdir(base):
        folder = os.path.join(base, "rcmz")
    else:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(cache, "rcmz", "run")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    import stat

    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        return None
    return folder


def code_digest() -> str:
    """What a command's behaviour depends on besides its input (the module's docstring)."""
    import hashlib

    from toolkit.paths import SCHEMAS_DIR, TEMPLATES_DIR
    from toolkit.treestamp import add_tree

    digest = hashlib.sha256(repr((sys.executable, sys.version, sys.path, tuple(sys.flags),
                                  os.geteuid())).encode())
    package = os.path.dirname(os.path.abspath(__file__))
    for root in dict.fromkeys((package, str(SCHEMAS_DIR), str(TEMPLATES_DIR))):
        digest.update(f"{root}\n".encode("utf-8", "surrogateescape"))
        add_tree(digest, root, skip=frozenset({"__pycache__"}))
    for entry in sys.path:  # a package installed, upgraded or removed changes its folder
        try:
            digest.update(f"{entry}\0{os.stat(entry or '.').st_mtime_ns}\n".encode())
        except OSError:
            pass
    return digest.hexdigest()[:24]


def _address() -> str | None:
    folder = run_dir()
    if folder is None:
        return None
    address = os.path.join(folder, f"render-{code_digest()}.sock")
    return address if len(address.encode()) < 100 else None  # sun_path holds 108 bytes


# --- the command's side --------------------------------------------------------------------


def _hand_over(address: str, args: list[str]) -> int | None:
    """The exit status of ``args`` run by the resident process at ``address``; None when there
    is none, or it ended before it began the command (the caller then runs it here)."""
    import json
    import socket

    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(address)
    except OSError:
        connection.close()
        return None
    streams = [sys.stdin, sys.stdout, sys.stderr]
    # a signal this process ignores (a background job's Ctrl-C) is ignored by the command too
    ignored = [s for s in _FORWARDED if signal.getsignal(s) is signal.SIG_IGN]
    try:
        cwd = os.getcwd()
    except OSError:  # the working folder was removed: the command says so itself, run here
        connection.close()
        return None
    request = json.dumps({
        "argv": [sys.argv[0], *args], "cwd": cwd, "env": dict(os.environ),
        "umask": _umask(), "ignored": [int(s) for s in ignored],
        "streams": [[getattr(s, name, None) for name in _STREAM_SETTINGS] for s in streams],
    }).encode()
    reply = connection.makefile("rb")
    try:
        for stream in streams:
            if stream is not None:
                stream.flush()
        socket.send_fds(connection, [len(request).to_bytes(4, "big")], [0, 1, 2])
        connection.sendall(request)
        started = reply.readline().split()
    except OSError:
        started = []
    if len(started) != 2 or started[0] != b"started":
        connection.close()
        return None
    group = int(started[1])
    forwarded: list[int] = []

    def forward(signum, frame):  # Ctrl-C reaches the command as it would reach it here
        forwarded.append(signum)
        try:
            os.killpg(group, signum)
        except OSError:
            pass

    for signum in _FORWARDED:
        if signum not in ignored:
            signal.signal(signum, forward)
    line = reply.readline()  # a forwarded signal's handler returns, and the read goes on
    connection.close()
    words = line.split()
    if len(words) == 2 and words[0] == b"exit" and words[1].lstrip(b"-").isdigit():
        return int(words[1])
    if forwarded:  # the signal ended the command: it ends this process as it would have
        signal.signal(forwarded[-1], signal.SIG_DFL)
        os.kill(os.getpid(), forwarded[-1])
    print("内部错误：rcmz 的常驻进程未完成本次命令就已结束；请设 RCMZ_RESIDENT=0 重新运行，"
          "并把情况报告给维护者。", file=sys.stderr)
    return 70  # EX_SOFTWARE


#: The signals a terminal or a supervisor sends a command, passed on to it (its process group).
_FORWARDED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")
                   if hasattr(signal, name))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _start_server(address: str) -> None:
    """A resident process for ``address``, in the background and detached from this terminal
    (it reads and writes nothing of it); nothing when one cannot be started."""
    import subprocess

    # the interpreter's flags and search path of this process, on which the address depends
    code = (f"import sys; sys.path[:] = {sys.path!r}; from toolkit.resident import serve; "
            f"serve({address!r}, float({os.environ.get(IDLE_SWITCH, IDLE_SECONDS)!r}))")
    try:
        flags = subprocess._args_from_interpreter_flags()  # type: ignore[attr-defined]  # what multiprocessing uses
        subprocess.Popen([sys.executable, *flags, "-c", code],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    except OSError:
        pass


# --- the resident process ------------------------------------------------------------------


def serve(address: str, idle: float = IDLE_SECONDS) -> None:
    """Listen at ``address`` until ``idle`` seconds pass without a command: load what every
    command needs, then fork a child for each connection (:func:`_run_request`)."""
    import fcntl
    import gc
    import socket

    lock = open(address + ".lock", "w")  # noqa: SIM115 — held for the process's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another resident process for this code is starting or running
    _remove_ended(address)
    loaded = _load()  # before listening: meanwhile commands run by themselves, not waiting
    gc.collect()
    gc.freeze()  # the children share what is loaded; their collections leave it alone
    try:
        os.unlink(address)  # left by one that was killed
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)
    try:
        listener.bind(address)
    finally:
        os.umask(old_mask)
    listener.listen(16)
    listener.settimeout(idle)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system
    mine = os.stat(address).st_ino
    log = _Log(address)
    log.write(f"started pid {os.getpid()}")
    try:
        while True:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                break
            if _moved(address, mine):
                connection.close()
                break
            if not _same_user(connection):
                log.write("refused a connection of another user")
                connection.close()
                continue
            pid = os.fork()
            if pid == 0:
                listener.close()
                _run_request(connection, loaded, log)  # never returns
            connection.close()
            log.write(f"command in pid {pid}")
    finally:
        if not _moved(address, mine):
            os.unlink(address)
        log.write("ended")


def _moved(address: str, inode: int) -> bool:
    """Whether ``address`` is no longer this process's socket (removed, or taken by another)."""
    try:
        return os.stat(address).st_ino != inode
    except OSError:
        return True


def _same_user(connection) -> bool:
    import socket
    import struct

    try:
        credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                            struct.calcsize("3i"))
    except OSError:
        return False
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return uid == os.geteuid()


class _Log:
    """One line per event beside the socket (``…sock.log``, about the last 200): what a user or
    a test can look at to see what the process did."""

    KEPT_LINES = 200

    def __init__(self, address: str):
        self.path = address + ".log"

    def write(self, line: str) -> None:
        import time

        try:
            with open(self.path, "a+", encoding="utf-8") as out:
                out.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}\n")
                if out.tell() > 100 * self.KEPT_LINES:
                    out.seek(0)
                    kept = out.readlines()[-self.KEPT_LINES:]
                    out.seek(0)
                    out.truncate()
                    out.writelines(kept)
        except OSError:
            pass


def _remove_ended(address: str, older_than: float = 86400) -> None:
    """The files of resident processes of other versions that ended over a day ago: their lock
    is free (an old log stays a day, for whoever looks into what happened)."""
    import fcntl
    import glob
    import time

    mine = address + ".lock"
    for lock in glob.glob(os.path.join(os.path.dirname(address), "render-*.sock.lock")):
        if lock == mine:
            continue
        try:
            if time.time() - os.stat(lock).st_mtime < older_than:
                continue
            with open(lock, "a") as held:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: that process ended
                for path in (lock[:-5], lock[:-5] + ".log", lock):
                    if os.path.lexists(path):
                        os.unlink(path)
        except OSError:
            continue


class _Loaded:
    """What :func:`_load` leaves for every command: the signatures of the font files whose
    faces it read (by path: a child reads a changed file again), and the ``functools`` caches
    of rcmz a command must start without (:func:`_fresh_state`)."""

    def __init__(self, fonts: dict[str, tuple[int, ...]]):
        self.fonts = fonts
        # the modules loaded now are the only ones whose caches can hold anything at a fork
        self.caches = [value for name, module in list(sys.modules.items())
                       if name == "toolkit" or name.startswith("toolkit.")
                       for value in vars(module).values()
                       if callable(getattr(value, "cache_clear", None))
                       and f"{value.__module__}.{value.__qualname__}" not in CODE_ONLY_CACHES]


def _import_command_modules() -> None:
    """What ``rcmz render`` imports, loaded once for every child."""
    import concurrent.futures.process  # noqa: F401 — the render's workers (toolkit.batch)

    import toolkit.batch  # noqa: F401
    import toolkit.cli  # noqa: F401
    import toolkit.documents.compose  # noqa: F401
    import toolkit.documents.filing  # noqa: F401
    import toolkit.logs  # noqa: F401
    import toolkit.pipeline  # noqa: F401
    import toolkit.render.coverage  # noqa: F401
    import toolkit.render.docx  # noqa: F401
    import toolkit.render.kept  # noqa: F401
    import toolkit.render.pdf  # noqa: F401


def _load() -> _Loaded:
    """Import what ``rcmz render`` imports, compile the schemas and the templates and read the
    faces of the default fonts."""
    from pathlib import Path

    from toolkit.case.schema import prepare_fast_validators
    from toolkit.case.yamlio import parse_text
    from toolkit.render import fontcache, fontmetrics
    from toolkit.render.fonts import _faces, _split_entry, default_role_files

    _import_command_modules()
    prepare_fast_validators()  # the package's own schemas: part of the address
    _compile_templates()
    # the YAML 1.2 tag table, worked out once per process (toolkit.case.yamlio._TABLES)
    parse_text("date: 2025-01-01\nitems: [1, 2.5, true, null]\n", Path("样张.yaml"))
    signatures = {}
    for chain in default_role_files().values():
        for entry in chain:
            path, index = _split_entry(entry)
            try:
                signatures[os.path.abspath(path)] = fontmetrics.signature(os.stat(path))
                faces = _faces(path, index)
            except OSError:
                continue
            for face in faces:  # each part of a CFF face its command would load, if converted
                if face.source is None or fontcache.cached_part(face.source, face.part):
                    face.materialize()
    return _Loaded(signatures)


def _compile_templates() -> None:
    """The package's wording templates and the default DOCX shell's parts, compiled into the
    environments a command of the same cache folder uses (a DOCX of one paragraph fills every
    part of the shell)."""
    from toolkit.documents.compose import environment
    from toolkit.documents.model import Document, Paragraph
    from toolkit.render.docx import render_docx

    wording = environment(())
    for name in wording.list_templates(extensions=["j2"]):
        wording.get_template(name)
    render_docx(Document(key="decision", layout="official", title="样张", blocks=(Paragraph("样张"),)))


#: The caches a command starts with as this process left them, as right for every command as
#: for the first: each depends only on the package's own files (part of the address) and on its
#: arguments' values, or checks what it holds against the file at every use.  Every other
#: ``functools`` cache of rcmz is emptied for each command (:func:`_fresh_state`).
CODE_ONLY_CACHES = frozenset({
    "toolkit.documents.compose._environment",   # Jinja checks each template's file (auto_reload)
    "toolkit.render.docx._environment",         # compiled shell parts, by their source
    "toolkit.case.schema._schema_file",         # a schema of the package, by its name
    "toolkit.case.schema.schema_of",            # the same, its $refs inlined
    "toolkit.rules.checks._points_fields_of",   # the fields of a schema that hold points
    "toolkit.render.docx._patched_xml",         # docxtpl's clean-up of a given text
    "toolkit.render.docx._rpr_rank",            # a constant table
    "toolkit.render.fonts._ttfont_class",       # classes defined on first use
    "toolkit.render.fonts._ttface_class",
})


def _run_request(connection, loaded: _Loaded, log: _Log) -> None:
    """In a forked child: become the command's process (its standard streams, folder,
    environment, umask, arguments), run it, send its exit status, end."""
    import traceback

    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the command waits for its own workers
        os.setpgid(0, 0)  # a group of its own, which the caller's Ctrl-C is forwarded to
        request = _receive(connection)
        if request is not None:
            _become(request)
            _fresh_state(loaded)
    except BaseException:  # noqa: BLE001 — not begun: the caller runs the command itself
        log.write("could not take a command:\n" + traceback.format_exc())
        os._exit(0)
    if request is None:
        os._exit(0)
    code = 70
    try:
        connection.sendall(f"started {os.getpid()}\n".encode())
        code = _run_command()
    except BaseException:  # noqa: BLE001 — the caller must hear how it ended
        log.write(f"pid {os.getpid()}:\n" + traceback.format_exc())
    try:
        connection.sendall(f"exit {code}\n".encode())
    except OSError:
        pass
    log.write(f"pid {os.getpid()} exit {code} peak {_peak_mb()} MB")
    os._exit(0)


def _peak_mb() -> int:
    """The most memory this command's process and its workers held (``ru_maxrss``, which for a
    forked child counts the pages it shares with this process too)."""
    import resource

    return max(resource.getrusage(who).ru_maxrss
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) // 1024


def _receive(connection) -> dict | None:
    import json
    import socket

    header, fds, _flags, _address = socket.recv_fds(connection, 4, 3)
    while 0 < len(header) < 4:
        header += connection.recv(4 - len(header))
    size = int.from_bytes(header, "big") if len(header) == 4 else _REQUEST_LIMIT + 1
    if len(fds) != 3 or size > _REQUEST_LIMIT:
        for fd in fds:
            os.close(fd)
        return None
    body = b""
    while len(body) < size:
        more = connection.recv(min(size - len(body), _REQUEST_LIMIT))
        if not more:
            return None
        body += more
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    return json.loads(body)


#: What the caller's standard streams are made with, that the command's are made with too
#: (line buffering at a terminal, ``python -u``'s writing through, the locale's encoding).
_STREAM_SETTINGS = ("encoding", "errors", "line_buffering", "write_through")


def _become(request: dict) -> None:
    """This process as the caller's: environment, time zone, folder, umask, arguments, signals
    ignored, and standard streams made as the caller's are."""
    import io
    import time

    for signum in _FORWARDED:  # as the interpreter starts with them, or ignored as the caller's
        default = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
        signal.signal(signum, signal.SIG_IGN if int(signum) in request["ignored"] else default)
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    os.chdir(request["cwd"])
    os.umask(request["umask"])
    sys.argv = list(request["argv"])
    for fd, (name, (encoding, errors, line_buffering, write_through)) in enumerate(
            zip(("stdin", "stdout", "stderr"), request["streams"], strict=True)):
        raw = io.FileIO(fd, "r" if fd == 0 else "w", closefd=False)
        stream = io.TextIOWrapper(io.BufferedReader(raw) if fd == 0 else io.BufferedWriter(raw),
                                  encoding=encoding or "utf-8", errors=errors or "strict",
                                  line_buffering=bool(line_buffering),
                                  write_through=bool(write_through))
        # the streams made at this process's start stay referenced: collected, they would
        # close the descriptors that are now the caller's
        _REPLACED.append(getattr(sys, name))
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


_REPLACED: list = []


def _fresh_state(loaded: _Loaded) -> None:
    """Nothing of the resident process's own use left in the caches a command fills: every
    ``functools`` cache of rcmz emptied but :data:`CODE_ONLY_CACHES`, and the faces of a font
    file that changed dropped."""
    from toolkit.render import fontmetrics
    from toolkit.render.fonts import _FACES

    for cache in loaded.caches:
        cache.cache_clear()
    for path, index in list(_FACES):
        try:
            same = loaded.fonts.get(path) == fontmetrics.signature(os.stat(path))
        except OSError:
            same = False
        if not same:
            del _FACES[path, index]


def _run_command() -> int:
    """:func:`toolkit.cli.main` as the interpreter runs it: its exit status, the traceback of
    what escaped it printed, the exit handlers run, the streams flushed."""
    import atexit

    from toolkit.cli import main as run

    code = 0
    try:
        run()
    except SystemExit as exit_:
        code = _exit_status(exit_.code)
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # noqa: BLE001 — as the interpreter would: traceback, status 1
        import traceback

        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    return code


def _exit_status(value) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    print(value, file=sys.stderr)  # sys.exit("message"), as the interpreter prints it
    return 1
