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
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.case.folders import case_folders, expand_case_folders
from toolkit.case.load import load_case
from toolkit.case.steps import BY_KEY as STEPS_BY_KEY
from toolkit.context import RunContext, context_for
from toolkit.documents.registry import BY_KEY as KINDS_BY_KEY
from toolkit.errors import DossierError, RcmzError, UsageError
from toolkit.render.outputs import FORMATS
from toolkit.rules.checks import CheckResult, check_case

if TYPE_CHECKING:
    from toolkit.batch import BatchReport
    from toolkit.dossier.verify import VerifyReport
    from toolkit.render.outputs import RenderedDocument

#: How many of a case's errors a refusal lists before it only counts the rest.
LISTED_ERRORS = 20

#: Asks the user for the passphrase of a signing key (the CLI's hidden prompt), or None.
PassphrasePrompt = Callable[[Path], "str | None"]


# --- check -------------------------------------------------------------------------------------


def check(folder: Path, today: dt.date | None = None) -> CheckResult:
    """rcmz check of one case folder: load, schemas, rules and time limits."""
    return check_case(load_case(folder), context_for(folder).calendar, today or dt.date.today())


def check_all(paths: list[Path], today: dt.date | None = None) -> list[CheckResult]:
    """rcmz check of case folders, or of every case inside a folder of cases."""
    return [check(folder, today) for folder in expand_case_folders(paths)]


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
            ask_passphrase: PassphrasePrompt | None = None) -> Path:
    """rcmz dossier: check → compose → render → bundle → PDF/A → sign.  Returns the volume."""
    from toolkit.documents.compose import compose_all
    from toolkit.dossier.build import build_dossier
    from toolkit.dossier.from_case import volume_spec
    from toolkit.dossier.provenance import provenance
    from toolkit.render.outputs import write_documents

    result, context = checked(folder)
    if not result.case.has("filing"):
        raise DossierError("尚无备案步骤的记录（06-filing.yaml）：立卷人、检查人、案卷号等须先填写"
                           "（rcmz step 生成该文件）", file=str(folder))
    out_dir = Path(out_dir) if out_dir else default_out_dir(folder)
    # the volume is an electronic record: no blank pages for two-sided printing in it
    rendered = write_documents(compose_all(result.case, context.config), context.fonts, out_dir, ("pdf",),
                               duplex=False)
    origin = provenance(result.case.folder, volume_inputs(result.case, context))
    for reason in origin.reasons:
        logging.getLogger("rcmz.dossier").warning("未提交到 git 的材料：%s", reason)
    spec = volume_spec(result.case, context.config, [(r.document, r.files["pdf"]) for r in rendered],
                       result.limits, commit=origin.commit, dirty=origin.dirty)
    signer = replace(context.signing.signer, ask_passphrase=ask_passphrase)
    return build_dossier(spec, out_dir, signer, force=force, fonts=context.fonts)


def volume_inputs(case, context: RunContext) -> list[Path]:
    """Every file the volume is made from: the case's step files and attachments, the bureau
    configuration, the holiday table and the bureau's override templates."""
    from toolkit.case.load import resolve_attachment

    inputs = [case.folder / STEPS_BY_KEY[step].file for step in case.files]
    inputs += [resolve_attachment(case, entry["file"]) for _, _, entry in case.attachments()]
    inputs.append(context.config.path)
    if context.calendar.table_path is not None:
        inputs.append(context.calendar.table_path)
    for folder in context.template_dirs:
        if folder.is_dir():
            inputs += sorted(p for p in folder.rglob("*") if p.is_file())
    return inputs


def _dossier_job(folder: Path, out_root: Path | None, force: bool) -> Path:
    # top level so worker processes can unpickle it; each worker resolves its own context
    return dossier(folder, out_root / folder.name if out_root else None, force=force)


def dossier_all(cases_dir: Path, out_root: Path | None = None, *, force: bool = False) -> BatchReport:
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
    return run_batch(folders, partial(_dossier_job, out_root=out_root, force=force))


# --- fonts -------------------------------------------------------------------------------------


def fonts_report(case_dir: Path | None) -> list[str]:
    """rcmz fonts: per role the face, its file and its coverage of GB2312 and (with a case
    folder) of the characters of the case's facts."""
    from toolkit.render.fonts_report import format_report, role_reports

    start = case_dir if case_dir is not None else Path.cwd() / "casefiles"
    book = context_for(start if start.exists() else Path.cwd()).fonts
    chars: list[str] | None = None
    notes: list[str] = []
    if case_dir is not None:
        case = load_case(case_dir)
        seen: dict[str, None] = {}
        for loaded in case.files.values():
            for text in _strings(loaded.data):
                seen.update((ch, None) for ch in text if not ch.isspace())
        chars = list(seen)
        notes = [p.format() for p in case.problems if p.severity == "error"]
    return format_report(role_reports(book, chars), case_dir, notes + book.notes)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --- verify ------------------------------------------------------------------------------------


def verify(volume: Path, case_dir: Path | None = None, trust_roots: tuple[Path, ...] = ()) -> VerifyReport:
    """rcmz verify: the volume's signature, PDF/A, index and page numbers, and (with ``case_dir``)
    its manifest against the case folder.  Trust roots default to the bureau's."""
    from toolkit.dossier.verify import verify_dossier

    roots = list(trust_roots) or list(context_for(case_dir or Path.cwd()).trust_roots)
    return verify_dossier(volume, roots, case_dir)
