"""Issue 13: the volume's signer is made ready in a forked process while the volume is bundled
(toolkit/dossier/signer_process.py) — the volume signed there verifies, a wrong passphrase is an
error and publishes nothing, a signing process that dies is a message, and one whose build is
killed ends too (tests/test_faults.py kills builds).

The runs happen in a fresh interpreter: the test process has other threads (the workbench's
servers), beside which rcmz signs in its own process (as every other dossier test does).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from click.testing import CliRunner

from test_dossier_case import repo  # noqa: F401 — the committed example cases
from toolkit.cli import main
from toolkit.context import TEST_CERT_PASSPHRASE_ENV

#: ``rcmz dossier CASE --out OUT`` counting the forks (the documents made in this process, so
#: that the only fork is the signer's); prints the exit code, the output and the forks.
SCRIPT = """
import json, os, sys
from click.testing import CliRunner
from toolkit.cli import main
from toolkit.context import TEST_CERT_PASSPHRASE_ENV
forks, fork = [], os.fork
def counted():
    forks.append(1)
    return fork()
os.fork = counted
PREPARE
result = CliRunner().invoke(main, ["dossier", sys.argv[1], "--out", sys.argv[2]])
print(json.dumps({"code": result.exit_code, "output": result.output, "forks": len(forks)}))
"""


def _dossier(case, out, env=None, prepare: str = "") -> dict:
    script = SCRIPT.replace("PREPARE", textwrap.dedent(prepare))
    done = subprocess.run([sys.executable, "-c", script, str(case), str(out)], capture_output=True,
                          text=True, check=True, env={**os.environ, "RCMZ_WORKERS": "1", **(env or {})})
    return json.loads(done.stdout.splitlines()[-1])


def test_the_volume_is_signed_in_the_forked_process_and_verifies(repo, tmp_path):  # noqa: F811
    case = repo / "2025-001-exempt-individual"
    built = _dossier(case, tmp_path / "out")
    assert built["code"] == 0, built["output"]
    assert built["forks"] == 1
    volume = tmp_path / "out" / "2025-001-案卷.pdf"
    verified = CliRunner().invoke(main, ["verify", str(volume), "--case", str(case)])
    assert verified.exit_code == 0, verified.output
    assert "结论：通过" in verified.output


def test_a_wrong_passphrase_is_an_error_and_nothing_is_published(repo, tmp_path):  # noqa: F811
    case = repo / "2025-001-exempt-individual"
    assert _dossier(case, tmp_path / "first")["code"] == 0   # makes the test certificate
    built = _dossier(case, tmp_path / "out", env={TEST_CERT_PASSPHRASE_ENV: "wrong"})
    assert built["code"] == 1 and built["forks"] == 1
    assert "口令错误" in built["output"]
    assert not list((tmp_path / "out").glob("*案卷*.pdf"))


def test_a_signing_process_that_dies_is_a_message(repo, tmp_path):  # noqa: F811
    prepare = """
    from toolkit.dossier import signer_process
    def dying(*args):
        os._exit(9)           # killed: out of memory, kill -9
    signer_process._sign_when_sent = dying
    """
    built = _dossier(repo / "2025-001-exempt-individual", tmp_path / "out", prepare=prepare)
    assert built["code"] == 1
    assert "签名进程意外退出" in built["output"]
    assert not list((tmp_path / "out").glob("*案卷*.pdf"))


def test_the_signing_process_of_a_killed_build_ends(repo, tmp_path):  # noqa: F811
    # the build held at bundling, its signer forked and loading the key; then kill -9 the build
    forked = tmp_path / "forked"
    prepare = f"""
    import time
    from toolkit.dossier import build
    def held(*args, **kwargs):
        time.sleep(60)
    build.assemble = held
    def noted():
        pid = fork()
        if pid:
            open({str(forked)!r}, "a").write(f"{{pid}}\\n")
        return pid
    os.fork = noted
    """
    script = SCRIPT.replace("PREPARE", textwrap.dedent(prepare))
    build = subprocess.Popen([sys.executable, "-c", script, str(repo / "2025-001-exempt-individual"),
                              str(tmp_path / "out")], env={**os.environ, "RCMZ_WORKERS": "1"},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (forked.exists() and forked.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.1)
    signer = int(forked.read_text().split()[0])
    build.send_signal(signal.SIGKILL)
    build.wait()
    while _alive(signer) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(signer)


def _alive(pid: int) -> bool:
    """The process runs (a zombie nobody has reaped yet has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_volume_is_checked_while_it_is_signed(repo, tmp_path):  # noqa: F811
    # the check waits, before validating, until the signature has been appended to the file it
    # opened: it passes on what it opened, and the volume is signed and verifies
    seen = tmp_path / "seen"
    prepare = f"""
    import time
    from pathlib import Path
    from toolkit.dossier import pdfa
    check = pdfa.check_volume
    def waiting(written, *args, **kwargs):
        path = Path(written.filename)
        size, deadline = path.stat().st_size, time.monotonic() + 30
        while path.stat().st_size == size and time.monotonic() < deadline:
            time.sleep(0.05)
        Path({str(seen)!r}).write_text(str(path.stat().st_size - size))
        return check(written, *args, **kwargs)
    pdfa.check_volume = waiting
    """
    case = repo / "2025-001-exempt-individual"
    built = _dossier(case, tmp_path / "out", prepare=prepare)
    assert built["code"] == 0, built["output"]
    assert int(seen.read_text()) > 0          # signed while the check had the file open
    volume = tmp_path / "out" / "2025-001-案卷.pdf"
    verified = CliRunner().invoke(main, ["verify", str(volume), "--case", str(case)])
    assert verified.exit_code == 0, verified.output


def test_the_signer_is_forked_before_the_documents_are_made_and_later_forks_hold_no_pipe(
        repo, tmp_path):  # noqa: F811
    # a volume that will be signed whatever its manifest says (none signed there yet): the key is
    # loaded while the documents are made; a process forked after that (a render worker) closes
    # its copies of the signer's pipes, so the signer sees the end of its job pipe when the
    # build ends
    seen = tmp_path / "seen.json"
    prepare = f"""
    from toolkit.dossier import signer_process
    from toolkit.render import outputs
    write = outputs.write_documents
    def noted(*args, **kwargs):
        held = sorted(signer_process._HELD)
        read, write_end = os.pipe()
        pid = fork()
        if pid == 0:
            still = [fd for fd in held if _open(fd)]
            os.write(write_end, json.dumps(still).encode())
            os._exit(0)
        os.close(write_end)
        inherited = json.loads(os.read(read, 1000))
        os.waitpid(pid, 0)
        open({str(seen)!r}, "w").write(json.dumps({{"forks": len(forks), "held": held,
                                                    "inherited": inherited}}))
        return write(*args, **kwargs)
    def _open(fd):
        try:
            os.fstat(fd)
            return True
        except OSError:
            return False
    outputs.write_documents = noted
    """
    case = repo / "2025-001-exempt-individual"
    built = _dossier(case, tmp_path / "out", prepare=prepare)
    assert built["code"] == 0, built["output"]
    noted = json.loads(seen.read_text())
    assert noted["forks"] == 1 and len(noted["held"]) == 2    # the signer, forked already
    assert noted["inherited"] == []
    assert built["forks"] == 1                                  # and no other


def test_no_signer_is_forked_for_a_volume_found_unchanged(repo, tmp_path):  # noqa: F811
    case = repo / "2025-001-exempt-individual"
    assert _dossier(case, tmp_path / "out")["code"] == 0
    again = _dossier(case, tmp_path / "out", env={TEST_CERT_PASSPHRASE_ENV: "wrong"})
    assert again["code"] == 0, again["output"]
    assert again["forks"] == 0                   # no key asked for: the volume is the same
    assert "未重新生成和签名" in again["output"]


def test_the_volume_goes_to_disk_while_it_is_signed(repo, tmp_path):  # noqa: F811
    # the build flushes the merged volume while the other process signs it, before it waits
    # for the signature: publishing then has only the signature's bytes to make durable
    seen = tmp_path / "seen.json"
    prepare = f"""
    from toolkit.dossier import build, signer_process
    order, flush, signed = [], build.fsync_file, signer_process.ReadySigner.signed
    def flushed(path):
        order.append(["fsync", os.path.basename(path), path.stat().st_size])
        return flush(path)
    def waited(self):
        order.append(["signed", os.path.basename(self._sent[0])])
        stamp = signed(self)
        open({str(seen)!r}, "w").write(json.dumps(order))
        return stamp
    build.fsync_file = flushed
    signer_process.ReadySigner.signed = waited
    """
    built = _dossier(repo / "2025-001-exempt-individual", tmp_path / "out", prepare=prepare)
    assert built["code"] == 0, built["output"]
    (flush, name, size), (wait, signing) = json.loads(seen.read_text())
    assert (flush, wait) == ("fsync", "signed") and name == signing   # the same file, first
    assert size > 0
