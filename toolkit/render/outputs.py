"""Writing a case's documents: each ``Document`` typeset as PDF and DOCX and written to a folder.

All files are made in memory first, so a failure (a character no font has) writes nothing; then
they are written together through a scratch folder and published by renames
(:func:`toolkit.atomic.publish_all`), so no output is ever left half-written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.atomic import publish_all, work_dir
from toolkit.documents.model import Document
from toolkit.documents.registry import BY_KEY

if TYPE_CHECKING:
    from toolkit.render.fonts import FontBook, RenderRecord

FORMATS = ("pdf", "docx")


@dataclass(frozen=True)
class RenderedDocument:
    document: Document
    files: dict[str, Path]        # format → written file


def output_name(document: Document) -> str:
    """decision-容错免责认定决定书: stable for scripts, readable for clerks."""
    return f"{document.key}-{BY_KEY[document.key].title}"


def write_documents(documents: list[Document], fonts: FontBook | None, out_dir: Path,
                    formats=FORMATS, docx_shell: Path | None = None, *,
                    duplex: bool = True, workers: int | None = None,
                    meanwhile: Callable[[], object] | None = None,
                    vet_pdf: Callable[[bytes], object] | None = None) -> list[RenderedDocument]:
    """Typeset every document in memory first, then write all files (:func:`publish_all`).

    ``fonts`` is needed for PDF only; ``docx_shell`` is a bureau's own DOCX style shell;
    ``duplex``: printed on both sides (the 版记 on an even page).  A document made before from
    the same content, code and fonts is taken from the kept documents (:mod:`toolkit.render.kept`);
    the others are made in ``workers`` processes (default: one per core, see
    :func:`_worker_count`).  ``meanwhile`` is other work of the caller that can overlap theirs:
    done in this process while they make the documents, and not at all without workers (when
    every document was found, or one process makes them), so the caller does what it needs of it
    itself.  ``vet_pdf`` is called in a worker with each PDF it made, for what it puts into
    rcmz's caches (handed to this process like the workers' other finds): the dossier's PDF/A
    verdict of each document, got beside the others instead of one after another later."""
    from toolkit.render.kept import KeptDocuments

    formats = tuple(formats)
    kept = KeptDocuments.open(fonts, formats, docx_shell, duplex)
    keys: list[str] = []
    found: dict[int, tuple[dict[str, bytes], list[RenderRecord]]] = {}
    if kept is not None:
        keys = [kept.key(document) for document in documents]
        found = {i: hit for i, key in enumerate(keys) if (hit := kept.find(key))}
    missing = [i for i in range(len(documents)) if i not in found]
    job = _Job([documents[i] for i in missing], fonts, formats, docx_shell, duplex, vet_pdf)
    made = dict(zip(missing, _make_all(job, _worker_count(workers, len(missing)), meanwhile),
                    strict=True))
    results, data = [], {}
    for index, document in enumerate(documents):
        outputs, records = found.get(index) or made[index]
        for record in records:  # reported here, in the documents' order
            assert fonts is not None
            fonts.report(record)
        files = {fmt: out_dir / f"{output_name(document)}.{fmt}" for fmt in outputs}
        data.update({files[fmt]: content for fmt, content in outputs.items()})
        results.append(RenderedDocument(document, files))
    with work_dir(out_dir) as work:
        publish_all(work, data)
    if kept is not None:
        for index in missing:
            kept.keep(keys[index], made[index])
        kept.trim()
    return results


def _make_all(job: _Job, count: int, meanwhile: Callable[[], object] | None
              ) -> list[tuple[dict[str, bytes], list[RenderRecord]]]:
    """The files and font records of every document of ``job``, in its order: in ``count``
    worker processes, or here."""
    if count > 1:
        return _in_workers(job, count, meanwhile)
    made = _make_here(job, range(len(job.documents)))
    return [made[i] for i in range(len(job.documents))]


def _make_here(job: _Job, indices) -> dict[int, tuple[dict[str, bytes], list[RenderRecord]]]:
    """``job.make`` of the documents ``indices`` in this process, each PDF's font records
    returned with its files (reported in the documents' order, and kept with them)."""
    if job.fonts is None:
        return {i: job.make(i) for i in indices}
    job.fonts.deferred = []
    try:
        return {i: job.make(i) for i in indices}
    finally:
        job.fonts.deferred = None


@dataclass(frozen=True)
class _Job:
    """What making one document needs; inherited by forked workers, never pickled."""

    documents: list[Document]
    fonts: FontBook | None
    formats: tuple[str, ...]
    docx_shell: Path | None
    duplex: bool
    vet_pdf: Callable[[bytes], object] | None = None   # in a worker only (_make_in_worker)

    def make(self, index: int) -> tuple[dict[str, bytes], list[RenderRecord]]:
        """The files of document ``index`` (format → content), and the records of its PDF still
        to be reported (in a worker, :func:`_start_worker`)."""
        from toolkit.render.docx import render_docx  # lazy: rcmz check must not pay for these
        from toolkit.render.pdf import record_pages, tightened, typeset, write_pdf

        document, outputs = self.documents[index], {}
        moved, tight = 0, []
        if "pdf" in self.formats:
            assert self.fonts is not None, "PDF output needs a FontBook"
            pages = typeset(document, self.fonts, self.duplex)
            outputs["pdf"] = write_pdf(document, pages, self.fonts)
            moved, tight = record_pages(pages), tightened(pages)
        if "docx" in self.formats:
            outputs["docx"] = render_docx(document, self.docx_shell, record_pages=moved, tight=tight)
        records = []
        if self.fonts is not None and self.fonts.deferred:
            records, self.fonts.deferred[:] = list(self.fonts.deferred), []
        return outputs, records


def _worker_count(asked: int | None, documents: int) -> int:
    """``asked``, else ``RCMZ_WORKERS``, else the cores this process may use; never more than
    there are documents, and one where forking is not safe or not wise (:func:`can_fork`)."""
    from toolkit.batch import can_fork, usable_cores

    if asked is None:
        setting = os.environ.get("RCMZ_WORKERS", "")
        asked = int(setting) if setting.isdigit() else usable_cores()
    return max(1, min(asked, documents)) if can_fork() else 1


#: What a worker makes of a document: its files, the records of its PDF still to be reported,
#: and what it added to rcmz's caches (toolkit.cachefile.take_added), for the parent to keep.
_Made = tuple[dict[str, bytes], list["RenderRecord"], dict]

#: The job of the current :func:`_in_workers` call, as the forked workers see it.
_CURRENT: list[_Job] = []


def _make_in_worker(index: int) -> _Made:
    from toolkit import cachefile

    job = _CURRENT[0]
    if job.fonts is not None and job.fonts.deferred is None:
        job.fonts.deferred = []  # the parent reports this worker's PDFs (this is its copy)
    outputs, records = job.make(index)
    if job.vet_pdf is not None and "pdf" in outputs:
        job.vet_pdf(outputs["pdf"])
    return outputs, records, cachefile.take_added()


def _in_workers(job: _Job, count: int, meanwhile: Callable[[], object] | None
                ) -> list[tuple[dict[str, bytes], list[RenderRecord]]]:
    """``job.make`` of every document in ``count`` forked processes
    (:func:`toolkit.batch.forked_map`), in the documents' order, while this process does
    ``meanwhile``.

    The workers are forked before anything of typesetting is loaded: each loads the fonts, the
    templates and the DOCX shell itself, at the same time as the others (measured on two
    cores, the whole ``rcmz render`` of an example's 13 documents: 0.72 s, against 0.82 s when
    this process made the longest one first for the workers to inherit what it had loaded,
    the other core waiting meanwhile).
    The documents are handed out longest first, so that no worker is left with a long one at
    the end.  What a worker added to the caches (title word breaks, font digests) is kept
    here, which writes them.  An error in a worker (a character no font has) is raised here as
    it was raised there; a worker that dies (killed, out of memory) leaves the documents not
    yet made to this process."""
    from concurrent.futures.process import BrokenProcessPool

    from toolkit import cachefile
    from toolkit.batch import forked_map

    order = sorted(range(len(job.documents)), key=lambda i: -_weight(job.documents[i]))
    made: dict[int, tuple[dict[str, bytes], list[RenderRecord]]] = {}
    _CURRENT[:] = [job]
    try:
        for index, (outputs, records, found) in zip(
                order, forked_map(_make_in_worker, order, min(count, len(order)), meanwhile=meanwhile),
                strict=True):
            made[index] = outputs, records
            cachefile.adopt(found)
    except BrokenProcessPool:
        made.update(_make_here(job, [i for i in order if i not in made]))
    finally:
        _CURRENT.clear()
    return [made[i] for i in range(len(job.documents))]


def _weight(document: Document) -> int:
    """A cheap guess at how long ``document`` takes to make: the characters of its facts."""
    return len(repr(document))
