"""rcmz installed as a tool, the way a bureau uses it: a wheel in a virtual environment of its
own, run from a case repository that holds only ``casefiles/`` — no checkout of rcmz in reach.

The wheel is built as pip and pipx build it (non-editable, with build isolation) from a copy of
the working tree, so what is tested is what the working tree would ship.

Two depths, chosen by ``RCMZ_INSTALL_CHECK``:

- unset (the unit suite): the wheel is installed with ``--no-deps`` into a fresh venv without
  pip, whose dependencies come from this project's venv through one ``.pth`` line.  The checkout
  itself is not on that venv's path (the editable install's hook is a ``.pth`` file of the
  project's venv, and ``.pth`` files in a folder added by a ``.pth`` line are not read), so the
  code, the schemas and the templates can only come from the wheel; a test checks that.  The
  pre-commit hook is run as pre-commit runs it: the staged files that match the hook's ``files``
  pattern, passed to its ``entry``, with the venv's ``bin`` first on PATH.
- ``full`` (``make install-check``, ``.ci/run``): a fresh venv with pip, the wheel installed with
  its dependencies resolved from the package index as ``pip install``/``pipx`` do, then
  ``pip check``; and the hook run by pre-commit itself (``pre-commit try-repo``), which
  pip-installs the rcmz repository into an environment of its own.

Deselect with ``-m "not install"`` on a machine that cannot build a wheel (no package index for
the build backend).
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path

import pypdf
import pytest
from ruamel.yaml import YAML

pytestmark = pytest.mark.install

REPO = Path(__file__).resolve().parent.parent
FULL = os.environ.get("RCMZ_INSTALL_CHECK") == "full"
CASE = "2025-002-refused-unit"
BIN = "Scripts" if os.name == "nt" else "bin"
GIT_IDENTITY = ["-c", "user.name=测试", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus anything that would put other code on the path or point git at
    another repository (as when the suite itself runs inside a git hook)."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")
           and not key.startswith("GIT_")}
    env["PYTHONNOUSERSITE"] = "1"
    env.update(extra)
    return env


def run(args, cwd: Path, env: dict[str, str] | None = None, check: bool = True,
        timeout: float = 900) -> subprocess.CompletedProcess:
    done = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env or clean_env(), capture_output=True,
                          text=True, timeout=timeout)
    if check:
        assert done.returncode == 0, f"{args} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return run(["git", *GIT_IDENTITY, *args], cwd=repo)


def source_files() -> list[str]:
    """The files a commit of the working tree would hold: tracked, or new and not ignored."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: which files belong to the source is unknown")
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode()
    return sorted(name for name in listed.split("\0") if name and (REPO / name).is_file())


def make_case_repository(folder: Path, extra: dict[str, str] | None = None) -> Path:
    """A bureau's own repository: casefiles/ with its configuration and one case, in git."""
    cases = folder / "casefiles"
    cases.mkdir(parents=True)
    for name in ("bureau.yaml", "holidays.yaml"):
        shutil.copy(REPO / "casefiles" / name, cases / name)
    shutil.copytree(REPO / "casefiles" / CASE, cases / CASE)
    (folder / ".gitignore").write_text("build/\n", encoding="utf-8")  # outputs and the test certificate
    (folder / "README.md").write_text("# 本局容错免责案件\n", encoding="utf-8")
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    git(folder, "init", "-q")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "案件仓库")
    assert not folder.resolve().is_relative_to(REPO)
    return folder


def load_yaml(path: Path):
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


# -- building and installing ------------------------------------------------------------------

@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("install")
    assert not folder.resolve().is_relative_to(REPO)
    return folder


@pytest.fixture(scope="module")
def source(work: Path) -> Path:
    """A copy of the working tree, in git (pre-commit installs hooks from a git repository).

    Built from a copy so that building writes nothing into the checkout (setuptools puts
    build/lib and *.egg-info beside the sources).
    """
    src = work / "rcmz"
    for name in source_files():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, src / name)
    git(src, "init", "-q")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "rcmz working tree")
    return src


@pytest.fixture(scope="module")
def wheel(source: Path, work: Path) -> Path:
    out = work / "wheelhouse"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, source], cwd=work)
    [built] = out.glob("rcmz-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, work: Path) -> Path:
    """A fresh virtual environment with the wheel installed (not editable)."""
    env = work / "venv"
    python = env / BIN / "python"
    if FULL:
        run([sys.executable, "-m", "venv", env], cwd=work)
        run([python, "-m", "pip", "install", "-q", wheel], cwd=work, timeout=1800)
        run([python, "-m", "pip", "check"], cwd=work)
    else:
        run([sys.executable, "-m", "venv", "--without-pip", env], cwd=work)
        run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel],
            cwd=work)
        site = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=work)
        ours = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
        Path(site.stdout.strip(), "rcmz_test_dependencies.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    return env


@pytest.fixture(scope="module")
def case_repository(work: Path) -> Path:
    return make_case_repository(work / "bureau-cases")


def test_the_wheel_holds_every_module_and_the_data_folders(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = archive.read(entry_points).decode()
    files = source_files()
    modules = [name for name in files if name.startswith("toolkit/") and name.endswith(".py")]
    data = [name for name in files if name.startswith(("schemas/", "templates/"))]
    assert len(modules) > 20 and any(name.endswith(".schema.json") for name in data)
    missing = [name for name in modules if name not in names]
    assert not missing, f"not in the wheel (list new subpackages in pyproject's [tool.setuptools] packages): {missing}"
    missing = [name for name in data if f"toolkit/_data/{name}" not in names]
    assert not missing, f"data files not in the wheel: {missing}"
    assert "toolkit/_data/templates/docx/shell.docx" in names
    assert not [name for name in names if name.startswith(("tests/", "casefiles/", "schemas/", "templates/"))]
    assert re.search(r"^rcmz = toolkit\.resident:main$", scripts, re.MULTILINE)


def test_the_installed_rcmz_is_the_wheel_not_the_checkout(venv, case_repository):
    probe = ("import os, sys, toolkit, toolkit.paths as p\n"
             "print(toolkit.__file__); print(p.SCHEMAS_DIR); print(p.TEMPLATES_DIR); print(p.DOCX_SHELL)\n"
             "print([e for e in sys.path if os.path.isdir(os.path.join(e, 'toolkit'))])\n"
             "print([type(f).__module__ for f in sys.meta_path])\n")
    lines = run([venv / BIN / "python", "-c", probe], cwd=case_repository).stdout.splitlines()
    for line in lines[:4]:
        assert Path(line).resolve().is_relative_to(venv.resolve()), line
        assert Path(line).exists(), line
    assert len(ast.literal_eval(lines[4])) == 1  # only the venv's site-packages holds a toolkit
    assert "__editable__" not in lines[5]


def test_check_render_dossier_verify_from_a_case_repository(venv, case_repository):
    rcmz, case = venv / BIN / "rcmz", f"casefiles/{CASE}"
    out = case_repository / "build" / CASE

    checked = run([rcmz, "check", case], cwd=case_repository)
    assert "检查了 1 个案件：0 个错误" in checked.stdout

    run([rcmz, "render", case], cwd=case_repository)
    pdfs, docxs = sorted(out.glob("*.pdf")), sorted(out.glob("*.docx"))
    assert len(pdfs) >= 5 and len(docxs) == len(pdfs)
    for path in docxs:
        with zipfile.ZipFile(path) as archive:
            assert "word/document.xml" in archive.namelist()
    [decision] = [path for path in pdfs if path.name.startswith("decision-")]
    text = "".join(page.extract_text() for page in pypdf.PdfReader(decision).pages).replace("\n", "")
    bureau = load_yaml(case_repository / "casefiles" / "bureau.yaml")
    facts = load_yaml(case_repository / case / "00-case.yaml")
    assert bureau["party_committee"] in text and facts["applicant"]["name"] in text
    assert f"{bureau['doc_prefix']}〔" in text

    run([rcmz, "dossier", case], cwd=case_repository)
    [volume] = out.glob("*案卷*.pdf")
    assert volume.read_bytes()[:5] == b"%PDF-" and len(pypdf.PdfReader(volume).pages) > len(pdfs)

    verified = run([rcmz, "verify", volume, "--case", case], cwd=case_repository)
    assert "[通过] PDF/A" in verified.stdout and "[通过] 来源文件" in verified.stdout
    assert verified.stdout.rstrip().endswith("结论：通过（测试证书，不得用于正式归档）")  # a test-certificate pass is not a real pass
    assert "Traceback" not in checked.stderr + verified.stderr


def test_the_installed_rcmz_hands_a_second_render_to_its_resident_process(venv, case_repository):
    # the wheel's own search path and data folders, as a bureau runs it (tests/test_resident.py
    # tries the rest in the checkout)
    rcmz, case = venv / BIN / "rcmz", f"casefiles/{CASE}"
    sockets = Path(tempfile.mkdtemp(prefix="rcmz-"))  # short: a socket's path holds 108 bytes
    env = clean_env(RCMZ_RESIDENT="1", XDG_RUNTIME_DIR=str(sockets), RCMZ_RESIDENT_IDLE="60")
    log = sockets / "rcmz"
    try:
        run([rcmz, "render", case, "--out", "build/alone", "--only", "decision"], cwd=case_repository, env=env)
        deadline = time.monotonic() + 120
        while not list(log.glob("*.sock")):
            assert time.monotonic() < deadline, "no resident process started"
            time.sleep(0.1)
        run([rcmz, "render", case, "--out", "build/handed", "--only", "decision"], cwd=case_repository,
            env={**env, "RCMZ_CACHE_DIR": str(sockets / "cache")})
        [text] = [p.read_text(encoding="utf-8") for p in log.glob("*.log")]
        assert re.search(r"pid \d+ exit 0 ", text), text
        for made in (case_repository / "build" / "alone").iterdir():
            assert (case_repository / "build" / "handed" / made.name).read_bytes() == made.read_bytes()
    finally:
        for text in (p.read_text(encoding="utf-8") for p in log.glob("*.log")):
            for pid in re.findall(r"started pid (\d+)", text):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGTERM)
        shutil.rmtree(sockets, ignore_errors=True)


def test_a_user_error_is_a_chinese_message(venv, tmp_path):
    done = run([venv / BIN / "rcmz", "check", "casefiles/none"], cwd=tmp_path, check=False)
    assert done.returncode == 1
    assert "案件文件夹不存在" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


# -- the pre-commit hook from a separate case repository --------------------------------------

HOOKS = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
[HOOK] = [hook for hook in HOOKS if hook["id"] == "rcmz-check"]


@pytest.fixture(scope="module")
def pre_commit_home(work: Path) -> Path:
    """pre-commit's store (the hook's environment), shared by this module's tests."""
    return work / "pre-commit-home"


@pytest.fixture
def repository(tmp_path, source, pre_commit_home) -> Path:
    """A case repository whose .pre-commit-config.yaml uses the hook, as the README says; in the
    full check, pre-commit is installed as its git hook."""
    revision = git(source, "rev-parse", "HEAD").stdout.strip()
    config = (f"repos:\n  - repo: {source}\n    rev: {revision}\n    hooks:\n"
              f"      - id: {HOOK['id']}\n        verbose: true\n")
    repo = make_case_repository(tmp_path / "bureau-cases", {".pre-commit-config.yaml": config})
    if FULL:
        run([sys.executable, "-m", "pre_commit", "install"], cwd=repo,
            env=clean_env(PRE_COMMIT_HOME=str(pre_commit_home)))
    return repo


def staged(repo: Path) -> list[str]:
    """What a commit passes to pre-commit: the staged files, deletions left out."""
    names = run(["git", "diff", "--cached", "--name-only", "--diff-filter=ACMRTUXB", "-z"], cwd=repo).stdout
    return [name for name in names.split("\0") if name]


def run_hook_as_pre_commit_does(repo: Path, venv: Path) -> tuple[int, str] | None:
    """The hook on what is staged: (exit code, output), or None when pre-commit skips it."""
    include, exclude = re.compile(HOOK["files"]), re.compile(HOOK.get("exclude", "^$"))
    files = [name for name in staged(repo)
             if include.search(name) and not exclude.search(name) and (repo / name).is_file()]
    pass_filenames = HOOK.get("pass_filenames", True)
    if pass_filenames and not files:
        return None
    env = clean_env(PATH=f"{venv / BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    command = [*shlex.split(HOOK["entry"]), *HOOK.get("args", []), *(files if pass_filenames else [])]
    found = shutil.which(command[0], path=env["PATH"])
    assert found and Path(found).resolve().is_relative_to(venv.resolve()), found
    done = run(command, cwd=repo, env=env, check=False)
    return done.returncode, done.stdout + done.stderr


def commit(repo: Path, venv: Path, home: Path) -> tuple[bool, bool, str]:
    """Commit what is staged, the hook in front: (committed, whether the hook ran, output)."""
    before = git(repo, "rev-parse", "HEAD").stdout
    message = ["commit", "-q", "-m", "修改案件"]
    if FULL:  # pre-commit's own git hook: it installs the rcmz repository in its environment
        done = run(["git", *GIT_IDENTITY, *message], cwd=repo, env=clean_env(PRE_COMMIT_HOME=str(home)),
                   check=False, timeout=1800)
        output = done.stdout + done.stderr
        ran = "(no files to check)" not in output
    else:
        result = run_hook_as_pre_commit_does(repo, venv)
        ran, output = result is not None, result[1] if result else ""
        if result is None or result[0] == 0:
            git(repo, *message)
    committed = git(repo, "rev-parse", "HEAD").stdout != before
    return committed, ran, output


def test_the_hook_is_an_installed_python_hook():
    """The declaration the reproduction above relies on (and pre-commit reads)."""
    assert HOOK["language"] == "python"
    assert shlex.split(HOOK["entry"]) == ["rcmz", "precommit"]
    assert re.compile(HOOK["files"]).search(f"casefiles/{CASE}/00-case.yaml")
    assert not re.compile(HOOK["files"]).search("README.md")


def test_the_hook_passes_a_good_commit(repository, venv, pre_commit_home):
    case_file = repository / "casefiles" / CASE / "00-case.yaml"
    case_file.write_text(case_file.read_text(encoding="utf-8") + "# 补充：经办人已核对\n", encoding="utf-8")
    readme = repository / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n说明。\n", encoding="utf-8")
    git(repository, "add", "-A")
    committed, ran, output = commit(repository, venv, pre_commit_home)
    assert committed and ran, output
    assert "检查了 1 个案件：0 个错误" in output
    assert "Traceback" not in output


def test_the_hook_refuses_a_case_with_an_error(repository, venv, pre_commit_home):
    filing = repository / "casefiles" / CASE / "06-filing.yaml"
    text = filing.read_text(encoding="utf-8")
    assert "  checker:" in text
    filing.write_text(text.replace("  checker:", "  chekcer:"), encoding="utf-8")
    git(repository, "add", "-A")
    committed, ran, output = commit(repository, venv, pre_commit_home)
    assert ran and not committed, output
    assert "06-filing.yaml" in output
    assert "未知字段“chekcer”，是否想写“checker”？" in output
    assert re.search(r"检查了 1 个案件：[1-9]\d* 个错误", output)
    assert "Traceback" not in output


def test_the_hook_leaves_files_outside_casefiles_alone(repository, venv, pre_commit_home):
    readme = repository / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n说明。\n", encoding="utf-8")
    git(repository, "add", "-A")
    committed, ran, output = commit(repository, venv, pre_commit_home)
    assert committed and not ran, output
