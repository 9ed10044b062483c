"""The pipeline: load → check → compose → render → dossier, chained in one place.

Each stage is a module that takes the previous stage's result and knows nothing of the others
(docs/architecture.md); this module is the only one that calls them in order.  The CLI, the
batch runner and the benchmarks all go through these functions, so a case becomes documents and
a volume the same way whoever asks.

Settings come from one :class:`~toolkit.context.RunContext` per folder of cases, resolved once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.case.folders import case_folders, expand_case_folders
from toolkit.case.load import load_case
from toolkit.case.steps import BY_KEY as STEPS_BY_KEY
from toolkit.config import BureauConfig
from toolkit.context import RunContext, context_for
from toolkit.documents.registry import BY_KEY as KINDS_BY_KEY
from toolkit.errors import DossierError, RcmzError, UsageError
from toolkit.render.outputs import FORMATS
from toolkit.rules import register
from toolkit.rules.checks import CheckResult, check_case

if TYPE_CHECKING:
    from toolkit.archive import Package
    from toolkit.batch import BatchReport
    from toolkit.dossier.sign import Renewal
    from toolkit.dossier.verify import VerifyReport
    from toolkit.pagecount import PageCounts
    from toolkit.render.outputs import RenderedDocument

#: How many of a case's errors a refusal lists before it only counts the rest.
LISTED_ERRORS = 20

#: Asks the user for the passphrase of a signing key (the CLI's hidden prompt), or None.
PassphrasePrompt = Callable[[Path], "str | None"]


# --- check -------------------------------------------------------------------------------------


def check(folder: Path, today: dt.date | None = None, overrides: dict[str, str] | None = None,
          *, counts: PageCounts | None = None) -> CheckResult:
    """rcmz check of one case folder: load, schemas, rules, time limits and numbering series,
    then what its volume would hold (the documents and their scanned originals); ``overrides``
    (step file name → text) checks candidate files in place of those on disk (the workbench).
    ``counts``: the page counts of a run that checks many cases (saved by that run); without it
    the counts are read and saved for this case alone."""
    from toolkit.documents.filing import filing_problems, scans_of

    today = today or dt.date.today()
    context = context_for(folder)
    case = load_case(folder, deep=True, overrides=overrides)
    result = check_case(case, context.calendar, today, coverage=context.coverage)
    more = register.case_problems(case, _config_in(context)) + filing_problems(case, today)
    if scans_of(case) and not result.errors and context.config_path is not None \
            and not any(problem.severity == "error" for problem in more):
        more += _scan_pages(case, context, today, counts)
    return result.adding(more)


def _scan_pages(case, context: RunContext, today: dt.date, counts: PageCounts | None = None) -> list:
    """Warnings for scans whose pages differ from the documents they replace (the counts are
    cached: toolkit/pagecount.py)."""
    from toolkit.documents.filing import page_problems, scans_of, volume_kinds
    from toolkit.pagecount import PageCounts

    own = counts is None
    counts = counts if counts is not None else PageCounts()
    scanned = [kind for kind in volume_kinds(case, today) if kind.key in scans_of(case)]
    problems = page_problems(case, counts.documents(case, scanned, context), counts.scan)
    if own:
        counts.save()
    return problems


#: Below this many cases one process is faster than forking workers (a case takes some 10 ms).
PARALLEL_CHECK = 24


def check_all(paths: list[Path], today: dt.date | None = None, workers: int | None = None) -> list[CheckResult]:
    """rcmz check of case folders, or of every case inside a folder of cases, and the register
    across them (ids, 档号, document numbers: toolkit/rules/register.py).

    Many cases are checked in parallel, in ``workers`` processes (default: one per core) forked
    from this one; the results, and so every message and its order, are those of checking them
    one after another here: a case whose check raises is checked again here, which raises it
    as a serial run would, and the cases of a worker that died are checked here."""
    from toolkit.batch import can_fork, usable_cores
    from toolkit.pagecount import PageCounts

    folders = expand_case_folders(paths)
    today = today or dt.date.today()
    counts = PageCounts()
    workers = usable_cores() if workers is None else workers
    forked = workers > 1 and len(folders) >= PARALLEL_CHECK and can_fork()
    if forked:
        results = _check_forked(folders, today, counts, workers)
    else:
        results = [check(folder, today, counts=counts) for folder in folders]
    counts.save()
    return register.with_register(results, _config_or_none, remember=not forked)


#: What the workers of a parallel check share with the run that forked them.
_FORKED: dict = {}


def _check_forked(folders: list[Path], today: dt.date, counts: PageCounts, workers: int) -> list[CheckResult]:
    from concurrent.futures.process import BrokenProcessPool

    from toolkit import cachefile
    from toolkit.batch import forked_map
    from toolkit.case.schema import prepare_fast_validators

    # made once here rather than once in every worker
    prepare_fast_validators()
    for folder in dict.fromkeys(folder.parent for folder in folders):
        try:
            context_for(folder).coverage  # noqa: B018 — a cached property, read to fill it
        except RcmzError:
            pass  # the check of each case says so
    _FORKED.update(today=today, counts=counts)
    results: list[CheckResult] = []
    try:
        for folder, outcome in zip(folders, forked_map(_check_in_worker, folders, workers,
                                                       chunksize=max(1, len(folders) // (workers * 8))),
                                   strict=True):
            result, pages, caches = outcome
            counts.adopt(pages)
            cachefile.adopt(caches)
            results.append(result if result is not None else _check_here(folder, today, counts))
    except BrokenProcessPool:
        results += [_check_here(folder, today, counts) for folder in folders[len(results):]]
    finally:
        _FORKED.clear()
    return results


def _check_here(folder: Path, today: dt.date, counts: PageCounts) -> CheckResult:
    """A case of a parallel check checked in this process (and its numbers kept, as a worker
    keeps those of its cases)."""
    from toolkit.case.numbering import remember_numbers

    result = check(folder, today, counts=counts)
    remember_numbers(result.case)
    return result


def _check_in_worker(folder: Path) -> tuple[CheckResult | None, dict, dict]:
    """(the result, or None when the check raised; the page counts and cache entries it found,
    the numbers of the case among them)."""
    from toolkit import cachefile
    from toolkit.case.numbering import remember_numbers

    counts = _FORKED["counts"]
    try:
        result = check(folder, _FORKED["today"], counts=counts)
        remember_numbers(result.case)
    except Exception:  # noqa: BLE001 — checked again by the parent, which raises it in its turn
        result = None
    return result, counts.take_added(), cachefile.take_added()


def _config_or_none(case) -> BureauConfig | None:
    return _config_in(context_for(case.folder))


def _config_in(context: RunContext) -> BureauConfig | None:
    try:
        return context.config
    except RcmzError:  # no bureau.yaml: nothing to number with (rendering says so)
        return None


def checked(folder: Path, today: dt.date | None = None) -> tuple[CheckResult, RunContext]:
    """The checked case and its context, refusing a case whose facts have errors: documents are
    only made from facts that pass ``rcmz check``."""
    result = check(folder, today)
    if result.errors:
        listing = "\n".join(p.format() for p in result.errors[:LISTED_ERRORS])
        more = len(result.errors) - LISTED_ERRORS
        raise RcmzError(f"案件有 {len(result.errors)} 个错误，未生成文书；请先修正（rcmz check）：\n"
                        f"{listing}" + (f"\n……另有 {more} 个错误" if more > 0 else ""))
    return result, context_for(folder)


# --- render ------------------------------------------------------------------------------------


def default_out_dir(folder: Path) -> Path:
    return Path("build") / folder.resolve().name


@dataclass(frozen=True)
class RenderRun:
    out_dir: Path
    documents: list[RenderedDocument]


def render(folder: Path, out_dir: Path | None = None, formats=FORMATS, only: str | None = None,
           today: dt.date | None = None) -> RenderRun:
    """rcmz render: check, compose and write every document of the case."""
    from toolkit.documents.compose import compose_all
    from toolkit.render.outputs import write_documents

    if only is not None and only not in KINDS_BY_KEY:
        raise UsageError(f"未知的文书“{only}”，可用："
                         + "、".join(f"{k}（{v.title}）" for k, v in KINDS_BY_KEY.items()))
    result, context = checked(folder, today)
    documents = compose_all(result.case, context.config, only)
    if not documents:
        raise RcmzError("本案目前没有可生成的文书"
                        + (f"（{KINDS_BY_KEY[only].title}所需的事实尚未记录）" if only else ""))
    out_dir = Path(out_dir) if out_dir else default_out_dir(folder)
    fonts = context.fonts if "pdf" in formats else None
    duplex = not context.config.get("single_sided", False)
    return RenderRun(out_dir, write_documents(documents, fonts, out_dir, formats, context.docx_shell,
                                              duplex=duplex))


# --- dossier -----------------------------------------------------------------------------------


def dossier(folder: Path, out_dir: Path | None = None, *, force: bool = False,
            ask_passphrase: PassphrasePrompt | None = None, resign: bool = False) -> Path:
    """rcmz dossier: check → compose → render → bundle → PDF/A → sign.  Returns the volume (the
    latest signed one, untouched, when nothing changed since it was made, unless ``resign``)."""
    from toolkit.documents.compose import compose_all
    from toolkit.documents.filing import volume_kinds
    from toolkit.render.outputs import write_documents

    today = dt.date.today()
    result, context = checked(folder, today)
    if not result.case.has("filing"):
        raise DossierError("尚无备案步骤的记录（06-filing.yaml）：立卷人、检查人、案卷号等须先填写"
                           "（rcmz step 生成该文件）", file=str(folder))
    out_dir = Path(out_dir) if out_dir else default_out_dir(folder)
    from toolkit.attachments import assess_content
    from toolkit.dossier.provenance import provenance
    from toolkit.dossier.signer_process import start_signer
    from toolkit.dossier.spec import volume_stem

    origin = provenance(result.case.folder, volume_inputs(result.case, context))
    for reason in origin.reasons:
        logging.getLogger("rcmz.dossier").warning("未提交到 git 的材料：%s", reason)
    signer = replace(context.signing.signer, ask_passphrase=ask_passphrase)
    # the key loaded in another process while the documents are made, when the volume will be
    # signed whatever its manifest turns out to be (the signer's imports are the longest path)
    with start_signer(out_dir, volume_stem(result.case.id), signer, dirty=origin.dirty, force=force,
                      resign=resign, fonts=context.fonts) as ready:
        # the volume is an electronic record: no blank pages for two-sided printing in it
        documents = compose_all(result.case, context.config, kinds=volume_kinds(result.case, today))
        rendered = write_documents(documents, context.fonts, out_dir, ("pdf",), duplex=False,
                                   meanwhile=partial(_load_bundling, signing=ready is None),
                                   vet_pdf=assess_content)
        from toolkit.dossier.build import build_dossier
        from toolkit.dossier.from_case import volume_spec

        spec = volume_spec(result.case, context.config, [(r.document, r.files["pdf"]) for r in rendered],
                           result.limits, commit=origin.commit, dirty=origin.dirty, filed_on=today)
        spec = replace(spec, inputs=tuple(config_inputs(context)))
        return build_dossier(spec, out_dir, signer, force=force, fonts=context.fonts, resign=resign,
                             ready=ready)


def _load_bundling(signing: bool) -> None:
    """Import the bundling and validating code (pikepdf) and, when this process will sign
    (``signing``: no signer was made ready in another), the signing code (pyHanko): about a
    second, while the documents are rendered in other processes (when none is rendered, a
    volume found unchanged needs little of it)."""
    import toolkit.dossier.build
    import toolkit.dossier.from_case  # noqa: F401

    if signing:
        from toolkit.dossier.sign import load_signing_code

        load_signing_code()


def volume_inputs(case, context: RunContext) -> list[Path]:
    """Every file the volume is made from: the case's step files and attachments, the bureau
    configuration, the holiday table and the bureau's override templates (for provenance:
    fonts are recorded in the manifest by digest, not committed)."""
    from toolkit.case.load import resolve_attachment

    inputs = [case.folder / STEPS_BY_KEY[step].file for step in case.files]
    inputs += [resolve_attachment(case, entry["file"]) for _, _, entry in case.attachments()]
    inputs += [path for kind, path in config_inputs(context) if kind != "font"]
    return inputs


def config_inputs(context: RunContext) -> list[tuple[str, Path]]:
    """The inputs of every volume of this bureau, as ``(kind, path)`` for the manifest: the
    configuration, the holiday table, the override templates and the fonts it names."""
    inputs = [("config", context.config.path)]
    if context.calendar.table_path is not None:
        inputs.append(("calendar", context.calendar.table_path))
    for folder in context.template_dirs:
        if folder.is_dir():
            inputs += [("template", p) for p in sorted(folder.rglob("*")) if p.is_file()]
    for files in (context.config.get("fonts") or {}).values():
        for entry in [files] if isinstance(files, str) else files or ():
            name = re.sub(r"#\d+$", "", str(entry))  # "collection.ttc#2": face 2 of the file
            path = Path(os.path.expanduser(name))
            path = path if path.is_absolute() else context.config.path.parent / path
            if path.is_file() and ("font", path) not in inputs:
                inputs.append(("font", path))
    return inputs


def _dossier_job(folder: Path, out_root: Path | None, force: bool, resign: bool = False) -> Path:
    # top level so worker processes can unpickle it; each worker resolves its own context
    return dossier(folder, out_root / folder.name if out_root else None, force=force, resign=resign)


def dossier_all(cases_dir: Path, out_root: Path | None = None, *, force: bool = False,
                resign: bool = False) -> BatchReport:
    """rcmz dossier --all: every case with a filing step, in parallel; failures reported, not raised."""
    from toolkit.batch import run_batch

    cases = [f for f in case_folders(cases_dir) if f != cases_dir]
    if not cases:
        raise DossierError("这里没有案件文件夹", file=str(cases_dir))
    # Only cases that reached filing (Art. 9(6)) are arranged into a volume; the rest are not
    # failures, they are still under way.
    folders = [f for f in cases if (f / STEPS_BY_KEY["filing"].file).exists()]
    for skipped in sorted(set(cases) - set(folders)):
        logging.getLogger("rcmz.dossier").warning("跳过尚未备案的案件：%s", skipped)
    # The test certificate is made once here, not by two workers at the same moment.
    context_for(cases_dir).signing  # noqa: B018 — resolving it creates the certificate
    return run_batch(folders, partial(_dossier_job, out_root=out_root, force=force, resign=resign))


# --- fonts -------------------------------------------------------------------------------------


def fonts_report(case_dir: Path | None) -> list[str]:
    """rcmz fonts: per role the face, its file and its coverage of GB2312 and (with a case
    folder) of the characters of the case's facts."""
    from toolkit.render.fonts_report import format_report, role_reports
    from toolkit.rules.values import strings

    start = case_dir if case_dir is not None else Path.cwd() / "casefiles"
    book = context_for(start if start.exists() else Path.cwd()).fonts
    chars: list[str] | None = None
    notes: list[str] = []
    if case_dir is not None:
        case = load_case(case_dir)
        seen: dict[str, None] = {}
        for loaded in case.files.values():
            for _, text in strings(loaded.data):
                seen.update((ch, None) for ch in text if not ch.isspace())
        chars = list(seen)
        notes = [p.format() for p in case.problems if p.severity == "error"]
    return format_report(role_reports(book, chars), case_dir, notes + book.notes)


# --- verify ------------------------------------------------------------------------------------


def verify(volume: Path, case_dir: Path | None = None, trust_roots: tuple[Path, ...] = ()) -> VerifyReport:
    """rcmz verify: the volume's signature, PDF/A, index and page numbers, and (with ``case_dir``)
    its manifest against the case folder.  Trust roots default to the bureau's."""
    from toolkit.dossier.verify import verify_dossier

    roots = list(trust_roots) or list(context_for(case_dir or Path.cwd()).trust_roots)
    return verify_dossier(volume, roots, case_dir)


# --- renew -------------------------------------------------------------------------------------


def _bureau_folder(case_dir: Path | None) -> Path:
    """The folder whose bureau.yaml governs a command given no case folder: ./casefiles."""
    if case_dir is not None:
        return case_dir
    return Path.cwd() / "casefiles" if (Path.cwd() / "casefiles").exists() else Path.cwd()


def renew(volume: Path, case_dir: Path | None = None) -> Renewal:
    """rcmz renew: a further document timestamp on a signed volume (PAdES B-LTA), with the TSA of
    the governing bureau.yaml (``signing.tsa``)."""
    from toolkit.dossier.sign import renew as renew_volume
    from toolkit.errors import ConfigError

    context = context_for(_bureau_folder(case_dir))
    if context.tsa is None:
        raise ConfigError("局配置中没有时间戳服务（signing.tsa）：续展需要时间戳服务，字段见 docs/case-files.md")
    return renew_volume(volume, context.tsa, context.trust_roots)


# --- archive -----------------------------------------------------------------------------------


def archive(folder: Path, out_dir: Path | None = None, *, volume: Path | None = None, transfer: bool = False,
            ask_passphrase: PassphrasePrompt | None = None) -> list[Package]:
    """rcmz archive: the case's signed volume (built now unless ``volume`` is given), verified,
    into a 归档信息包 (folder and ZIP) with its DA/T 70 report; with ``transfer`` also the 移交
    package holding the 去技术化 copy."""
    from toolkit.archive import build_package

    result, context = checked(folder)
    out_dir = Path(out_dir) if out_dir else default_out_dir(folder)
    if volume is None:
        volume = dossier(folder, out_dir, ask_passphrase=ask_passphrase)
    report = verify(volume, folder, tuple(context.trust_roots))
    if not report.ok:
        listing = "\n".join(f"  {f.area}：{f.message}" for f in report.failures[:LISTED_ERRORS])
        raise DossierError(f"案卷核验不通过，不能归档：\n{listing}", file=str(volume))
    if not report.signatures:
        raise DossierError("案卷没有电子签名（草稿？）：只有签名的案卷才能归档", file=str(volume))
    kinds = (False, True) if transfer else (False,)
    return [build_package(result.case, context.config, volume, report, out_dir / "归档信息包", book=context.fonts,
                          trust_roots=tuple(context.trust_roots), transfer=kind) for kind in kinds]


def verify_package(package: Path, case_dir: Path | None = None):
    """rcmz verify --report: the DA/T 70 items again on a package (长期保存 stage), with what
    changed since the 归档 report it carries.  Returns (report, changes)."""
    from toolkit.archive import recheck

    roots = tuple(context_for(_bureau_folder(case_dir)).trust_roots)
    report, _, changes = recheck(package, roots)
    return report, changes
