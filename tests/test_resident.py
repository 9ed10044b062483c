"""Issue 13: the resident process of ``rcmz render`` (toolkit/resident.py).

The first ``rcmz render`` runs by itself and leaves a resident process behind; the next one is
handed to it.  What a user sees must not differ: the same files (byte for byte), the same
output and messages, the same exit status, the caller's folder and environment — only the time.
Each test has a socket folder of its own (``XDG_RUNTIME_DIR``) and ends the processes it started.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from toolkit import resident

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def sockets():
    """A socket folder of this test (short: a socket's path holds at most 108 bytes); the
    resident processes started in it are ended after."""
    folder = Path(tempfile.mkdtemp(prefix="rcmz-"))
    yield folder
    for log in (folder / "rcmz").glob("*.log"):
        for pid in re.findall(r"started pid (\d+)", log.read_text(encoding="utf-8")):
            try:
                os.kill(int(pid), signal.SIGTERM)
            except ProcessLookupError:
                pass
    shutil.rmtree(folder, ignore_errors=True)


#: The console script, as a user runs it (``python -m toolkit`` searches the working folder
#: first, so one run from elsewhere is another resident process's, rightly).
SCRIPT = Path(sys.executable).with_name("rcmz")


def rcmz(args: list, sockets: Path, cwd: Path = REPO, **env) -> subprocess.CompletedProcess:
    """``rcmz …`` with the resident process switched on, in ``sockets``."""
    environment = {**os.environ, "RCMZ_RESIDENT": "1", "XDG_RUNTIME_DIR": str(sockets),
                   "RCMZ_RESIDENT_IDLE": "60", **env}
    command = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "toolkit"]
    return subprocess.run([*command, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env=environment, timeout=300)


def log_of(sockets: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in (sockets / "rcmz").glob("*.log"))


def served(sockets: Path) -> list[int]:
    """The exit status of every command a resident process ran, in order."""
    return [int(code) for code in re.findall(r"pid \d+ exit (-?\d+)", log_of(sockets))]


def wait_until(condition, seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def listening(sockets: Path) -> bool:
    return any((sockets / "rcmz").glob("*.sock"))


def started(case: Path, sockets: Path, out: Path) -> subprocess.CompletedProcess:
    """A first render, which runs by itself and leaves a resident process listening."""
    first = rcmz(["render", case, "--out", out], sockets)
    assert first.returncode == 0, first.stderr
    wait_until(lambda: listening(sockets))
    assert served(sockets) == []
    return first


def test_a_second_render_is_made_by_the_resident_process_with_the_same_files_and_words(
        example, tmp_path, sockets):
    case = example("2025-003-hearing-deferral")
    alone = rcmz(["render", case, "--out", tmp_path / "alone"], sockets, RCMZ_RESIDENT="0")
    assert alone.returncode == 0, alone.stderr
    assert not (sockets / "rcmz").exists()                  # switched off: nothing started
    started(case, sockets, tmp_path / "first")
    # a cache folder of its own: nothing kept, every document typeset by the resident process
    # (and the caller's environment is the one it works in)
    second = rcmz(["render", case, "--out", tmp_path / "second"], sockets,
                  RCMZ_CACHE_DIR=str(tmp_path / "cache-2"))
    assert served(sockets) == [0]
    assert second.returncode == 0, second.stderr
    assert second.stdout.replace(str(tmp_path / "second"), str(tmp_path / "alone")) == alone.stdout
    assert second.stderr == alone.stderr                    # the fonts' notices, word for word
    names = sorted(p.name for p in (tmp_path / "alone").iterdir())
    assert names and sorted(p.name for p in (tmp_path / "second").iterdir()) == names
    for name in names:
        assert (tmp_path / "second" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes()
    kept = list((tmp_path / "cache-2").glob("documents-*/*"))
    assert len(kept) == len(names) // 2                     # one entry per document


def test_a_refused_case_is_refused_alike_with_its_exit_status(example, tmp_path, sockets):
    good = example("2025-003-hearing-deferral")
    started(good, sockets, tmp_path / "first")
    broken = example("2025-001-exempt-individual")
    application = broken / "01-application.yaml"
    application.write_text(application.read_text(encoding="utf-8").replace(
        "date: 2025-02-06", "date: 二月六日", 1), encoding="utf-8")
    alone = rcmz(["render", broken, "--out", tmp_path / "x"], sockets, RCMZ_RESIDENT="0")
    handed = rcmz(["render", broken, "--out", tmp_path / "x"], sockets)
    assert served(sockets) == [alone.returncode]
    assert alone.returncode != 0 and handed.returncode == alone.returncode
    assert "未生成文书" in handed.stderr and handed.stderr == alone.stderr
    assert handed.stdout == alone.stdout
    assert not (tmp_path / "x").exists()


@pytest.mark.skipif(not SCRIPT.is_file(), reason="rcmz is not installed in this environment")
def test_paths_are_the_callers_own(example, tmp_path, sockets):
    case = example("2025-003-hearing-deferral")
    started(case, sockets, tmp_path / "first")
    handed = rcmz(["render", case.name, "--out", "relative-out", "--only", "decision"], sockets,
                  cwd=case.parent)
    assert handed.returncode == 0, handed.stderr
    assert served(sockets) == [0]
    assert sorted(p.suffix for p in (case.parent / "relative-out").iterdir()) == [".docx", ".pdf"]


def test_the_output_is_written_as_the_callers_streams_would_write_it(example, tmp_path, sockets):
    case = example("2025-003-hearing-deferral")
    started(case, sockets, tmp_path / "first")
    command = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "toolkit"]

    def output(**env) -> bytes:  # bytes: in the caller's encoding, not UTF-8
        environment = {**os.environ, "RCMZ_RESIDENT": "1", "XDG_RUNTIME_DIR": str(sockets),
                       "PYTHONIOENCODING": "gb18030", **env}
        done = subprocess.run([*command, "render", str(case), "--out", str(tmp_path / "out")],
                              env=environment, capture_output=True, timeout=300)
        assert done.returncode == 0
        return done.stdout + done.stderr

    alone = output(RCMZ_RESIDENT="0")
    assert output() == alone and served(sockets) == [0]
    assert "已生成".encode("gb18030") in alone


def test_a_signal_to_the_command_ends_what_the_resident_process_runs_for_it(
        example, tmp_path, sockets):
    case = example("2025-003-hearing-deferral")
    started(case, sockets, tmp_path / "first")
    environment = {**os.environ, "RCMZ_RESIDENT": "1", "XDG_RUNTIME_DIR": str(sockets),
                   "RCMZ_CACHE_DIR": str(tmp_path / "cache-2")}  # nothing kept: it takes a while
    command = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "toolkit"]
    caller = subprocess.Popen([*command, "render", str(case), "--out", str(tmp_path / "x")],
                              env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_until(lambda: "command in pid" in log_of(sockets), 60)
    time.sleep(0.05)
    caller.send_signal(signal.SIGTERM)
    assert caller.wait(60) == -signal.SIGTERM               # as a command run by itself ends
    [pid] = re.findall(r"command in pid (\d+)", log_of(sockets))

    def gone() -> bool:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        return False

    wait_until(gone, 60)
    assert "exit 0" not in log_of(sockets)                  # it did not run on to the end


def test_a_resident_process_ends_when_idle(example, tmp_path, sockets):
    case = example("2025-003-hearing-deferral")
    first = rcmz(["render", case, "--out", tmp_path / "first", "--only", "decision"], sockets,
                 RCMZ_RESIDENT_IDLE="1")
    assert first.returncode == 0, first.stderr
    wait_until(lambda: "ended" in log_of(sockets))
    assert not listening(sockets)


def test_a_socket_nobody_listens_at_leaves_the_command_to_run_itself(tmp_path):
    address = tmp_path / "dead.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(address))
    listener.close()                                         # the file stays, nobody listens
    assert resident._hand_over(str(address), ["render", "x"]) is None


def test_sockets_only_in_a_folder_of_the_users_own(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert resident.run_dir() == str(tmp_path / "rcmz")
    assert (tmp_path / "rcmz").stat().st_mode & 0o777 == 0o700
    (tmp_path / "rcmz").chmod(0o755)                          # others may look in: not used
    assert resident.run_dir() is None


def test_only_render_is_handed_over_and_never_when_switched_off(monkeypatch):
    monkeypatch.setenv("RCMZ_RESIDENT", "1")
    assert resident._servable(["render", "casefiles/x"])
    assert not resident._servable(["dossier", "casefiles/x"])  # asks for a passphrase
    assert not resident._servable(["-v", "render", "casefiles/x"])
    assert not resident._servable([])
    for off in ("0", "off", "No", "false"):
        monkeypatch.setenv("RCMZ_RESIDENT", off)
        assert not resident._servable(["render", "casefiles/x"])


def test_the_address_changes_with_the_package_and_its_data(tmp_path, monkeypatch):
    from toolkit import paths

    schemas = tmp_path / "schemas"
    shutil.copytree(paths.SCHEMAS_DIR, schemas)
    monkeypatch.setattr(paths, "SCHEMAS_DIR", schemas)
    before = resident.code_digest()
    assert resident.code_digest() == before
    schema = schemas / "case.schema.json"
    os.utime(schema, ns=(schema.stat().st_atime_ns, schema.stat().st_mtime_ns + 1_000_000))
    assert resident.code_digest() != before


def test_every_cache_of_a_command_but_the_code_only_ones_starts_empty(monkeypatch):
    import toolkit.documents.compose  # noqa: F401 — the modules of the listed caches
    import toolkit.render.docx  # noqa: F401
    import toolkit.rules.checks  # noqa: F401
    from toolkit.render import fonts, forms

    monkeypatch.setattr(fonts, "_FACES", {})
    forms.count_lines("样张", 100.0, 16.0, ())
    resident._fresh_state(resident._Loaded({}))
    assert forms.count_lines.cache_info().currsize == 0       # font sizes of one case's cells
    names = {f"{v.__module__}.{v.__qualname__}" for m in list(sys.modules.values())
             if getattr(m, "__name__", "").startswith("toolkit")
             for v in vars(m).values() if callable(getattr(v, "cache_clear", None))}
    assert resident.CODE_ONLY_CACHES <= names               # no name in the list is stale


def test_the_files_of_processes_that_ended_long_ago_are_removed(tmp_path):
    import fcntl

    def files(name: str, days: float) -> list[Path]:
        made = [tmp_path / f"{name}.sock{end}" for end in ("", ".lock", ".log")]
        for path in made:
            path.write_text("")
            os.utime(path, (time.time() - days * 86400,) * 2)
        return made

    ended, recent, running = files("render-a", 2), files("render-b", 0.5), files("render-c", 2)
    with open(running[1], "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)                    # its process is still there
        resident._remove_ended(str(tmp_path / "render-mine.sock"))
    assert not any(p.exists() for p in ended)
    assert all(p.exists() for p in recent + running)


def test_what_the_resident_process_loads_is_only_what_every_command_may_share():
    # A child starts with what _load left: modules, compiled schemas and templates, font faces
    # checked against their files.  Any other state it filled (a case cache read from the first
    # caller's cache folder, a bureau's configuration) would reach every later command.
    import toolkit.cachefile

    def containers() -> dict[tuple[str, str], int]:
        return {(name, key): len(value) for name, module in list(sys.modules.items())
                if name.startswith("toolkit") for key, value in vars(module).items()
                if isinstance(value, (dict, list, set)) and not key.startswith("__")}

    resident._import_command_modules()
    from toolkit.render import fontmetrics, fonts

    fonts._FACES.clear()
    fontmetrics._DIGESTS = None
    before = containers()
    read = {name: (cache._memory is not None, cache._dirty) for name, cache in toolkit.cachefile._OPEN.items()}
    resident._load()
    changed = {key for key, size in containers().items() if before.get(key, 0) != size}
    assert changed <= {("toolkit.case.yamlio", "_TABLES"), ("toolkit.case.yamlio", "_TAGS"),
                       ("toolkit.case.schema", "_FAST"), ("toolkit.render.fontmetrics", "_DIGESTS"),
                       ("toolkit.render.fonts", "_FACES")}, changed
    assert ("toolkit.render.fonts", "_FACES") in changed
    # no case cache read or written (an earlier test of this process may have read one)
    assert {name: (cache._memory is not None, cache._dirty)
            for name, cache in toolkit.cachefile._OPEN.items()} == read
