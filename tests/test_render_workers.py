"""Issue 13: ``rcmz render`` makes a case's documents in forked worker processes
(toolkit/render/outputs.py) — the same bytes as one process, the same reports in the documents'
order, a worker's error raised as it was, a dead worker's documents made by the parent, and no
fork where it is unsafe (other threads) or unwise (already a worker of ``rcmz dossier --all``).

The parallel runs happen in a fresh interpreter (``_run``): the test process has other threads
(the workbench's servers), and with them rcmz rightly refuses to fork at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from toolkit.render import outputs

#: Composes the example's documents and writes them with ``WORKERS`` workers into ``OUT``,
#: counting the forks; prints what the test compares.
SCRIPT = """
import hashlib, json, os, sys
from pathlib import Path
from toolkit.documents.compose import compose_all
from toolkit.pipeline import checked
from toolkit.render import outputs
from toolkit.errors import RcmzError

case, out, workers = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
result, context = checked(case)
documents = compose_all(result.case, context.config)
forks, fork = [], os.fork
def counted():
    forks.append(1)
    return fork()
os.fork = counted
meanwhile, calls, vet_pdf, after = None, [], None, lambda rendered: None
PREPARE
try:
    rendered = outputs.write_documents(documents, context.fonts, out, docx_shell=context.docx_shell,
                                       workers=workers, meanwhile=meanwhile, vet_pdf=vet_pdf)
except RcmzError as error:
    print(json.dumps({"error": str(error), "forks": len(forks),
                      "left": sorted(p.name for p in out.iterdir()) if out.exists() else []}))
    sys.exit(0)
print(json.dumps({
    "forks": len(forks),
    "meanwhile": calls,
    "files": {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
              for r in rendered for p in r.files.values()},
    "reports": [(r.title, sorted(r.fallbacks)) for r in context.fonts.renders],
    "after": after(rendered)}))
"""


def _run(case: Path, out: Path, workers: int, prepare: str = "", cache: Path | None = None) -> dict:
    script = SCRIPT.replace("PREPARE", textwrap.dedent(prepare))
    # a cache folder of its own: a run finding the documents another one made
    # (toolkit.render.kept) would make none of them
    env = {**os.environ, "RCMZ_CACHE_DIR": str(cache or out.with_name(f"{out.name}-cache"))}
    done = subprocess.run([sys.executable, "-c", script, str(case), str(out), str(workers)],
                          capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.splitlines()[-1])


def _titles_kept(cache: Path) -> set[str]:
    """The titles whose word breaks a run kept (toolkit/render/linebreak.py, written at exit)."""
    return set(json.loads((cache / "title-words.json").read_text(encoding="utf-8"))["values"])


def test_workers_make_the_same_files_and_reports_in_order(example, tmp_path):
    case = example("2025-003-hearing-deferral")   # 13 documents, rare names set in fallbacks
    serial = _run(case, tmp_path / "one", 1)
    parallel = _run(case, tmp_path / "two", 2)
    assert serial["forks"] == 0 and parallel["forks"] == 2
    assert len(parallel["files"]) == 26 and parallel["files"] == serial["files"]
    assert parallel["reports"] == serial["reports"]
    assert any(fallbacks for _, fallbacks in parallel["reports"])  # 喆, 㵘 were reported


def test_an_error_in_a_worker_is_raised_and_nothing_is_written(example, tmp_path):
    # a character no font has, put into the last document (a worker's, not the parent's first)
    prepare = """
    from dataclasses import replace
    documents[-1] = replace(documents[-1], title=documents[-1].title + "\\U0010FFFD")
    """
    found = _run(example("2025-003-hearing-deferral"), tmp_path / "out", 2, prepare)
    assert found["forks"] == 2
    assert "U+10FFFD" in found["error"] and "无法排印" in found["error"]
    assert found["left"] == []


def test_a_dead_worker_leaves_its_documents_to_the_parent(example, tmp_path):
    case = example("2025-003-hearing-deferral")
    prepare = """
    parent, make = os.getpid(), outputs._make_in_worker
    def dying(index):
        if os.getpid() != parent:
            os._exit(9)           # killed: out of memory, kill -9
        return make(index)
    outputs._make_in_worker = dying
    """
    survived = _run(case, tmp_path / "out", 2, prepare)
    assert survived["forks"] == 2
    assert survived["files"] == _run(case, tmp_path / "one", 1)["files"]


def test_no_fork_beside_other_threads_or_inside_a_worker():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert outputs._worker_count(2, 10) == 1
    finally:
        stop.set()
        thread.join()
    with ProcessPoolExecutor(1) as pool:          # as rcmz dossier --all runs a case
        assert pool.submit(outputs._worker_count, 2, 10).result() == 1


def test_what_the_workers_found_is_kept_by_the_run(example, tmp_path):
    # a worker never writes rcmz's caches: it hands its finds (here the word breaks of the
    # titles it set) to the parent, which writes them; else every run would find them again
    case = example("2025-003-hearing-deferral")
    long_title = """
    from dataclasses import replace
    documents[-1] = replace(documents[-1], title="关于对杭州市西溪职业技术学校在课程改革试点中先行先试所涉问题不予追责的通知")
    """
    _run(case, tmp_path / "one", 1, long_title, cache=tmp_path / "serial")
    _run(case, tmp_path / "two", 2, long_title, cache=tmp_path / "parallel")
    kept = _titles_kept(tmp_path / "serial")
    assert any("西溪职业技术学校" in title for title in kept)
    assert _titles_kept(tmp_path / "parallel") == kept


def test_the_callers_other_work_is_done_while_the_workers_make_the_documents(example, tmp_path):
    # rcmz dossier imports its bundling and signing code meanwhile (toolkit.pipeline.dossier)
    case = example("2025-003-hearing-deferral")
    prepare = """
    def meanwhile():
        calls.append([os.getpid() == PARENT, len(forks)])
    PARENT = os.getpid()
    """
    parallel = _run(case, tmp_path / "two", 2, prepare)
    serial = _run(case, tmp_path / "one", 1, prepare)
    assert parallel["meanwhile"] == [[True, 2]]     # once, here, with the workers started
    assert serial["meanwhile"] == []                # nothing to overlap: the caller does it
    assert parallel["files"] == serial["files"]


def test_documents_found_kept_are_not_made_again(example, tmp_path):
    # toolkit.render.kept: a second run of the same documents makes none, so forks none
    case, cache = example("2025-003-hearing-deferral"), tmp_path / "cache"
    first = _run(case, tmp_path / "one", 2, cache=cache)
    again = _run(case, tmp_path / "two", 2, cache=cache)
    assert first["forks"] == 2 and again["forks"] == 0
    assert again["files"] == first["files"] and again["reports"] == first["reports"]


def test_the_workers_vet_each_pdf_and_the_parent_keeps_what_they_found(example, tmp_path):
    # rcmz dossier has each document judged as PDF/A where it was made (vet_pdf:
    # toolkit.attachments.assess_content); the verdicts come back with the files, so the build
    # judging the written files finds them all and judges none again
    prepare = """
    from toolkit import attachments
    parent, judge, judged = os.getpid(), attachments._assess_pdf, []
    def counted(path):
        judged.append(os.getpid() == parent)
        return judge(path)
    attachments._assess_pdf = counted
    vet_pdf = attachments.assess_content
    def after(rendered):
        in_workers = len(judged)                       # (the parent's list: its own calls only)
        verdicts = [attachments.assess(r.files["pdf"]).problem for r in rendered]
        return {"parent_before": in_workers, "parent_after": len(judged), "verdicts": verdicts}
    """
    found = _run(example("2025-003-hearing-deferral"), tmp_path / "out", 2, prepare)
    assert found["forks"] == 2
    after = found["after"]
    assert after["parent_before"] == 0 and after["parent_after"] == 0   # all judged, in the workers
    assert len(after["verdicts"]) == 13 and set(after["verdicts"]) == {None}   # and all pass
