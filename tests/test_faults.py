"""Item 3 of issue 11: a signed volume is never overwritten under any interleaving, identical
rebuilds are not signed again, killed runs leave nothing that lasts, and a full disk or a
read-only folder ends in a Chinese message with nothing left behind.

The builds run in processes of their own (tests/fault_driver.py) so they can race, be killed
with SIGKILL, or meet a real full disk: a 2–4 MB tmpfs mounted for the test where the machine
allows it (root), a read-only tmpfs for the read-only folder (root bypasses file modes, not a
read-only mount).  Where mounting is not possible those tests are skipped; the simulated
variants (ENOSPC raised inside the writer) run everywhere.
"""

from __future__ import annotations

import errno
import os
import pickle
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest

from test_dossier_support import PASS_ENV, PASSPHRASE, make_case
from toolkit import atomic
from toolkit.atomic import TMP_PREFIX, OutputError, sweep_stale, work_dir
from toolkit.dossier import build_dossier, verify_dossier
from toolkit.dossier.build import is_signed, manifest_digest

pytest_plugins = ["test_dossier_support"]

TESTS = Path(__file__).resolve().parent
DRIVER = TESTS / "fault_driver.py"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TMP_PREFIX)) if folder.exists() else []


def volumes(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pdf"))


def job(tmp_path: Path, name: str, spec, signer) -> Path:
    path = tmp_path / f"{name}.pickle"
    path.write_bytes(pickle.dumps((spec, signer)))
    return path


def start(job_file: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, PASS_ENV: PASSPHRASE, "PYTHONPATH": str(TESTS.parent)}
    return subprocess.Popen([sys.executable, str(DRIVER), str(job_file), str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(process: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out.strip(), err


# --- two builds at once ---------------------------------------------------------------------


def test_two_builds_over_a_draft_at_once_keep_both_signed_volumes(tmp_path, signer_config):
    """The review's race: both runs see the unsigned draft, both sign; on a slow disk the second
    used to replace the first's signed volume.  Now each gets a name of its own."""
    spec = make_case(tmp_path, items=1)
    out = tmp_path / "out"
    draft = build_dossier(replace(spec, dirty=True), out, None)
    assert not is_signed(draft)
    first = job(tmp_path, "a", replace(spec, notes=("甲次生成。",)), signer_config)
    second = job(tmp_path, "b", replace(spec, notes=("乙次生成。",)), signer_config)
    runs = [start(first, out, "--slow-fsync", "1.5"), start(second, out, "--slow-fsync", "1.5")]
    results = [finish(run) for run in runs]
    assert [code for code, _, _ in results] == [0, 0], results
    paths = {Path(path) for _, path, _ in results}
    assert len(paths) == 2, results
    assert sorted(p.name for p in volumes(out)) == ["RCMZ-2025-001-案卷-v2.pdf", "RCMZ-2025-001-案卷.pdf"]
    assert all(is_signed(p) for p in paths)
    digests = {manifest_digest(p) for p in paths}
    assert len(digests) == 2           # each run's own volume, neither replaced by the other
    assert leftovers(out) == []


def test_two_identical_builds_at_once_sign_once(tmp_path, signer_config):
    spec = make_case(tmp_path, items=1)
    out = tmp_path / "out"
    same = job(tmp_path, "same", spec, signer_config)
    results = [finish(run) for run in [start(same, out, "--slow-fsync", "1"), start(same, out, "--slow-fsync", "1")]]
    assert [code for code, _, _ in results] == [0, 0], results
    assert len({path for _, path, _ in results}) == 1
    assert [p.name for p in volumes(out)] == ["RCMZ-2025-001-案卷.pdf"]
    assert is_signed(volumes(out)[0])
    assert sum("未重新生成和签名" in err for _, _, err in results) == 1
    assert leftovers(out) == []


def test_resign_gives_a_new_version(tmp_path, signer_config):
    spec = make_case(tmp_path, items=1)
    out = tmp_path / "out"
    first = build_dossier(spec, out, signer_config)
    second = build_dossier(spec, out, signer_config, resign=True)
    assert second.name.endswith("-v2.pdf") and is_signed(first) and is_signed(second)
    assert manifest_digest(first) == manifest_digest(second)


# --- kill -9 -----------------------------------------------------------------------------------


def test_killed_builds_leave_nothing_that_lasts(tmp_path, signer_config):
    """SIGKILL at random moments of a signed build, then a normal run: every volume on disk is
    whole and verifies, and no scratch folder or temporary file is left."""
    spec = make_case(tmp_path, items=1, notes=())
    out = tmp_path / "out"
    t0 = time.monotonic()
    code, path, err = finish(start(job(tmp_path, "timing", replace(spec, notes=("计时。",)),
                                       signer_config), tmp_path / "timing"))
    assert code == 0, err
    duration = time.monotonic() - t0
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    delays = sorted(rng.uniform(0.3, duration) for _ in range(4))
    for k, delay in enumerate(delays):
        run = start(job(tmp_path, f"kill{k}", replace(spec, notes=(f"第{k}次。",)), signer_config), out)
        time.sleep(delay)
        run.send_signal(signal.SIGKILL)
        run.communicate()
    code, path, err = finish(start(job(tmp_path, "rerun", spec, signer_config), out))
    assert code == 0, (seed, delays, err)
    assert leftovers(out) == [], (seed, delays)
    for volume in volumes(out):
        report = verify_dossier(volume, [signer_config.p12.parent / "test-ca.pem"])
        assert report.ok, (seed, delays, volume.name, report.text())


def test_only_leftovers_of_dead_runs_are_swept(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    # a live run's scratch folder, its lock held by another process (started first: it sweeps)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from toolkit.atomic import work_dir\n"
        f"with work_dir(Path({str(folder)!r})) as w:\n    print(w.name, flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(TESTS.parent)})
    try:
        live = holder.stdout.readline().strip()
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout.strip()
        host = atomic._HOST
        (folder / f"{TMP_PREFIX}{dead}.{host}-abcd1234").mkdir()          # killed before its lock
        (folder / f"{TMP_PREFIX}{dead}.{host}-file.pdf").write_bytes(b"%PDF half")
        old = folder / f"{TMP_PREFIX}oldstyle"
        old.write_bytes(b"x")
        os.utime(old, (time.time() - 2 * atomic.STALE_AFTER,) * 2)
        young = folder / f"{TMP_PREFIX}young"
        young.write_bytes(b"x")
        other_host = folder / f"{TMP_PREFIX}{dead}.ffffff-abcd"   # made on another machine: age only
        other_host.mkdir()
        removed = {p.name for p in sweep_stale(folder)}
        assert live and live not in removed and (folder / live).is_dir()
        assert removed == {f"{TMP_PREFIX}{dead}.{host}-abcd1234", f"{TMP_PREFIX}{dead}.{host}-file.pdf",
                           f"{TMP_PREFIX}oldstyle"}
        assert young.exists() and other_host.exists()
    finally:
        holder.kill()
        holder.wait()
    # the holder was killed: its folder is stale now, and the next run removes it
    with work_dir(folder) as mine:
        assert not (folder / live).exists() and mine.is_dir()
    assert not mine.exists()


# --- full disk and read-only folders -----------------------------------------------------------


def _mount(target: Path, options: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
                          capture_output=True)
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    """mount(size) → a folder on a tmpfs of that size (unmounted after the test)."""
    mounted = []

    def mount(size: str, readonly: bool = False) -> Path:
        target = tmp_path / f"disk{len(mounted)}"
        if not _mount(target, ("ro," if readonly else "") + f"size={size}"):
            pytest.skip("tmpfs cannot be mounted here (not root): see the simulated variants")
        mounted.append(target)
        return target

    yield mount
    for target in mounted:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


@pytest.mark.parametrize("size", ["64k", "1m", "1500k", "2m"])
def test_full_disk_is_a_message_and_leaves_nothing(tmp_path, small_disk, size):
    """Each size fills up at another step: the item check, the sheets, the PDF/A save of the
    merged volume (qpdf's writing, where qpdf used to abort the process, exit 134) — about 2.2 MB
    are needed in all."""
    spec = make_case(tmp_path / "src", items=3)
    disk = small_disk(size)
    code, path, err = finish(start(job(tmp_path, "full", spec, None), disk / "out"))
    assert code == 1, (path, err)
    assert "磁盘空间不足" in err and "Traceback" not in err, err
    assert volumes(disk / "out") == [] and leftovers(disk / "out") == []


def test_full_disk_while_signing(tmp_path, small_disk, signer_config):
    spec = make_case(tmp_path / "src", items=3)
    unsigned = build_dossier(spec, tmp_path / "probe", None)
    # room for the scratch files and the unsigned volume (about twice its size), not for what
    # signing it in place appends (build.SIGNATURE_ROOM is asked for)
    size = (unsigned.stat().st_size * 2 + 100_000) // 1024
    disk = small_disk(f"{size}k")
    code, path, err = finish(start(job(tmp_path, "sign", spec, signer_config), disk / "out"))
    assert code == 1, (path, err)
    assert "磁盘空间不足" in err and "Traceback" not in err, err
    assert volumes(disk / "out") == [] and leftovers(disk / "out") == []


def test_read_only_folder_is_a_message(tmp_path, small_disk):
    spec = make_case(tmp_path / "src", items=1)
    disk = small_disk("1m", readonly=True)
    for out in (disk, disk / "sub"):
        with pytest.raises(OutputError, match="只读或没有写权限"):
            build_dossier(spec, out, None)
    assert list(disk.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root is not stopped by file modes")
def test_folder_without_write_permission_is_a_message(tmp_path):
    spec = make_case(tmp_path / "src", items=1)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="只读或没有写权限"):
            build_dossier(spec, out, None)
    finally:
        out.chmod(0o755)


def test_full_disk_simulated(tmp_path, monkeypatch):
    """Anywhere (no mount needed): the PDF/A save's writes fail with ENOSPC, as qpdf's would."""
    spec = make_case(tmp_path, items=1)
    out = tmp_path / "out"

    def full(self, data):
        self.error = self.error or OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return len(data)

    monkeypatch.setattr(atomic.GuardedWriter, "write", full)
    with pytest.raises(OutputError, match="磁盘空间不足"):
        build_dossier(spec, out, None)
    assert volumes(out) == [] and leftovers(out) == []


def test_cli_full_disk_and_read_only(tmp_path, small_disk, cases_dir):
    """`rcmz dossier` itself: exit 1, the Chinese message, no traceback, nothing written."""
    case = cases_dir / "2025-002-refused-unit"
    env = {**os.environ, "PYTHONPATH": str(TESTS.parent)}
    for disk, words in ((small_disk("200k"), "磁盘空间不足"), (small_disk("1m", readonly=True), "只读")):
        done = subprocess.run([sys.executable, "-m", "toolkit", "dossier", str(case), "--out", str(disk / "out")],
                              capture_output=True, text=True, env=env, cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        assert words in done.stderr and "Traceback" not in done.stderr, done.stderr
        # no volume and no temporary file; documents rendered before the disk filled up are
        # whole files (written atomically), each of them
        assert not list((disk / "out").glob("*案卷*")) and leftovers(disk / "out") == []
        for document in (disk / "out").glob("*.pdf") if (disk / "out").exists() else ():
            with pikepdf.open(document):
                pass


def test_an_unreadable_latest_volume_is_never_replaced(tmp_path):
    spec = make_case(tmp_path, items=1)
    out = tmp_path / "out"
    first = build_dossier(spec, out, None)
    first.write_bytes(b"not a pdf at all")
    second = build_dossier(spec, out, None)
    assert second.name.endswith("-v2.pdf") and first.read_bytes() == b"not a pdf at all"
    with pikepdf.open(second):
        pass


def test_messages_tell_the_output_folder_from_an_input(tmp_path):
    out = tmp_path / "out"
    full = atomic.output_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), out)
    assert "磁盘空间不足" in full.message and str(out) in full.message
    qpdf = atomic.output_error(OSError("qpdf output: Pl_StdioFile::write: No space left on device"), out)
    assert "磁盘空间不足" in qpdf.message                 # pikepdf's wrapped errors carry no errno
    above = atomic.output_error(OSError(errno.EROFS, "Read-only file system", str(tmp_path)), out / "sub")
    assert "只读或没有写权限" in above.message             # a folder above the output being made
    scan = atomic.output_error(PermissionError(errno.EACCES, "Permission denied", "/cases/a/scan.pdf"), out)
    assert scan.message == "无法读取 /cases/a/scan.pdf：Permission denied"
