"""Building many cases at once (``rcmz dossier --all``): a job per case folder, in parallel.

``run_batch(folders, job)`` runs ``job(folder) -> output path`` for every folder in worker
processes (``concurrent.futures.ProcessPoolExecutor``), shows a progress bar on stderr, and
never lets one broken case stop the others: each job's exception is caught in the worker and
recorded — an :class:`~toolkit.errors.RcmzError` by its ``format_message()`` (file:line: 中文),
anything else as an internal error (a defect of rcmz) with its traceback in ``detail``.  A worker that dies outright (killed, out of memory) marks
its case failed as well.

``job`` must be picklable: a top-level function of an importable module (not a lambda or a
closure), and it should build its own heavy objects (fonts, templates) inside the worker.
With ``workers=1`` the jobs run one after another in this process (simplest to debug).
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class BatchResult:
    folder: Path
    output: Path | None = None
    error: str | None = None      # the Chinese message shown to the user
    detail: str | None = None     # traceback of an unexpected exception, for --verbose/logs

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BatchReport:
    results: list[BatchResult] = field(default_factory=list)   # in the order of ``folders``

    @property
    def built(self) -> list[BatchResult]:
        return [r for r in self.results if r.ok]

    @property
    def failed(self) -> list[BatchResult]:
        return [r for r in self.results if not r.ok]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def summary(self) -> str:
        return f"共 {len(self.results)} 个案件：成功 {len(self.built)} 个，失败 {len(self.failed)} 个。"

    def lines(self) -> list[str]:
        """One line per failure, then the summary."""
        out = [f"失败：{r.folder}：{r.error}" for r in self.failed]
        out.append(self.summary())
        return out


def describe(error: BaseException) -> str:
    from toolkit.errors import RcmzError

    if isinstance(error, RcmzError):
        return error.format_message()
    text = str(error)
    what = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return f"内部错误（{what}）：这是 rcmz 的缺陷，请用 rcmz -v 重新运行并把输出报告给维护者"


def _run_one(job: Callable[[Path], Path], folder: Path) -> BatchResult:
    """Run one job and turn any exception into a result (runs inside the worker)."""
    try:
        output = job(folder)
    except Exception as error:  # noqa: BLE001 — one case's failure is recorded, not raised
        from toolkit.errors import RcmzError

        detail = None if isinstance(error, RcmzError) else traceback.format_exc()
        return BatchResult(folder, None, describe(error), detail)
    return BatchResult(folder, Path(output) if output is not None else None)


def _in_pool(job, folders: list[Path], indices, workers: int, done) -> list[int]:
    """Run the jobs of ``indices`` in one pool; return the indices lost to a dead worker."""
    crashed = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_run_one, job, folders[index]): index for index in indices}
        for future in as_completed(futures):
            index = futures[future]
            try:
                done(index, future.result())
            except BrokenProcessPool:
                crashed.append(index)
            except Exception as error:  # noqa: BLE001 — e.g. a result that cannot be pickled
                done(index, BatchResult(folders[index], None, describe(error)))
    return sorted(crashed)


def run_batch(folders, job: Callable[[Path], Path], workers: int | None = os.cpu_count(),
              progress: bool = True, label: str = "生成案卷") -> BatchReport:
    """Run ``job`` on every folder; see the module docstring."""
    import click

    folders = [Path(folder) for folder in folders]
    try:
        pickle.dumps(job)
    except Exception as error:  # a programming error, not a case's: say so at once
        raise TypeError(f"run_batch needs a top-level (picklable) job function, got {job!r}: "
                        f"{error}") from error
    results: dict[int, BatchResult] = {}
    workers = max(1, min(workers or 1, len(folders) or 1))
    bar = click.progressbar(length=len(folders), label=label, file=sys.stderr,
                            show_pos=True, item_show_func=lambda name: name or "") \
        if progress and folders else None

    def done(index: int, result: BatchResult) -> None:
        results[index] = result
        if bar is not None:
            bar.update(1, result.folder.name)

    try:
        if bar is not None:
            bar.__enter__()
        if workers == 1:
            for index, folder in enumerate(folders):
                done(index, _run_one(job, folder))
        else:
            crashed = _in_pool(job, folders, range(len(folders)), workers, done)
            # A worker that died takes the pool and every case still in it down; run those
            # again one per fresh process, so that only the case that kills its process fails.
            for index in crashed:
                again = _in_pool(job, folders, [index], 1, done)
                if again:
                    done(index, BatchResult(folders[index], None,
                                            "生成进程意外退出（可能内存不足或被终止），本案件未完成"))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    return BatchReport([results[i] for i in range(len(folders))])


# --- in order, in forked workers (rcmz check of many cases) ----------------------------------


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether :func:`forked_map` may be used here: the system forks (not macOS, where a forked
    child may crash in system libraries), no other thread runs (a child would inherit the locks
    it holds) and this process is not itself a worker (``rcmz dossier --all`` uses the cores
    already)."""
    import multiprocessing
    import threading

    return ("fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
            and threading.active_count() == 1 and multiprocessing.parent_process() is None)


def forked_map(function: Callable, items: list, workers: int, chunksize: int = 1,
               meanwhile: Callable[[], object] | None = None):
    """``function(item)`` of every item, yielded in the order of ``items``, computed in
    ``workers`` processes forked from this one: they start with everything it has loaded
    (modules, compiled schemas, the run's context) and need nothing pickled but the items and
    the results, so ``function`` may be any function of a module.  ``function`` should catch
    what it can meet itself: an exception it raises is raised here when its item's turn comes;
    a worker that dies raises ``BrokenProcessPool`` (the items not yielded yet did not run
    here).  ``meanwhile()`` runs here once the items are handed out, before the first result is
    waited for.  Only where :func:`can_fork`."""
    import gc
    import multiprocessing

    # The workers share this process's memory until they write to it, and a collection there
    # would write to every object it walks (font tables, parsed cases): what is here now is left
    # out of their collections.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            try:
                results = pool.map(function, items, chunksize=max(1, chunksize))
                if meanwhile is not None:
                    meanwhile()
                yield from results
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        gc.unfreeze()
