"""Item 7 of issue 11: what rcmz keeps of personal data is private, and a signing key that git
would commit is refused."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import CASEFILES
from toolkit.context import KEY_IN_GIT, context_for
from toolkit.docket import cache
from toolkit.docket.status import collect
from toolkit.errors import DossierError


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.invalid",
                    *args], check=True, capture_output=True)


def test_status_cache_is_private_whatever_the_umask(cases_dir, tmp_path):
    root = tmp_path / "cache"
    (root / "status").mkdir(parents=True, mode=0o755)
    os.chmod(root, 0o755)
    os.chmod(root / "status", 0o755)      # made by an older rcmz, readable by everyone
    old = os.umask(0o022)
    try:
        collect(cases_dir, dt.date(2025, 11, 20))
    finally:
        os.umask(old)
    files = list((root / "status").glob("*.json"))
    assert files, "the status cache was not written"
    assert '"applicant"' in files[0].read_text(encoding="utf-8")   # names, birth months …
    assert files[0].stat().st_mode & 0o777 == 0o600
    assert (root / "status").stat().st_mode & 0o777 == 0o700
    assert root.stat().st_mode & 0o777 == 0o700


def test_a_new_cache_folder_is_made_private(cases_dir, tmp_path):
    old = os.umask(0o002)
    try:
        store = cache.Store(cases_dir)
        store.save([])
    finally:
        os.umask(old)
    assert store.path.stat().st_mode & 0o777 == 0o600
    assert store.path.parent.stat().st_mode & 0o777 == 0o700
    assert cache.cache_dir().stat().st_mode & 0o777 == 0o700


@pytest.fixture
def bureau_repo(tmp_path):
    """A case repository whose bureau.yaml names a PKCS#12 file in secrets/."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(CASEFILES / "holidays.yaml", repo / "holidays.yaml")
    text = (CASEFILES / "bureau.yaml").read_text(encoding="utf-8")
    text += "signing:\n  p12: secrets/org.p12\n  trust_roots: [secrets/ca.pem]\n"
    (repo / "bureau.yaml").write_text(text, encoding="utf-8")
    (repo / "secrets").mkdir()
    (repo / "secrets" / "org.p12").write_bytes(b"\x30\x82 not really a key")
    git(repo, "init", "-q")
    return repo


def test_a_tracked_signing_key_is_refused(bureau_repo):
    git(bureau_repo, "add", ".")
    git(bureau_repo, "commit", "-qm", "oops: the key")
    with pytest.raises(DossierError) as refused:
        context_for(bureau_repo).signing  # noqa: B018 — resolving it checks the key
    assert KEY_IN_GIT in refused.value.message
    assert "org.p12" in refused.value.message and "已被 git 跟踪" in refused.value.message


def test_a_key_git_would_pick_up_is_refused_an_ignored_one_used(bureau_repo):
    with pytest.raises(DossierError, match="私钥不得进入 git"):
        context_for(bureau_repo).signing  # noqa: B018
    (bureau_repo / ".gitignore").write_text("secrets/\n", encoding="utf-8")
    # a new version of bureau.yaml gives a new context (contexts are cached per version)
    (bureau_repo / "bureau.yaml").write_text((bureau_repo / "bureau.yaml").read_text(encoding="utf-8")
                                             + "# ignored now\n", encoding="utf-8")
    signing = context_for(bureau_repo).signing
    assert signing.signer.p12.name == "org.p12" and not signing.test_certificate


def test_the_test_certificate_folder_gets_the_same_words(tmp_path):
    from toolkit.dossier.sign import create_test_certificate

    git(tmp_path, "init", "-q")
    with pytest.raises(DossierError) as refused:
        create_test_certificate(tmp_path / "certs", "某单位", passphrase="x")
    assert KEY_IN_GIT in refused.value.message
