"""Writing a case's documents: each ``Document`` typeset as PDF and DOCX and written to a folder.

All files are made in memory first, so a failure (a character no font has) writes nothing; then
they are written together through a scratch folder and published by renames
(:func:`toolkit.atomic.publish_all`), so no output is ever left half-written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.atomic import publish_all, work_dir
from toolkit.documents.model import Document
from toolkit.documents.registry import BY_KEY

if TYPE_CHECKING:
    from toolkit.render.fonts import FontBook

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
                    duplex: bool = True) -> list[RenderedDocument]:
    """Typeset every document in memory first, then write all files (:func:`publish_all`).

    ``fonts`` is needed for PDF only; ``docx_shell`` is a bureau's own DOCX style shell;
    ``duplex``: printed on both sides (the 版记 on an even page)."""
    from toolkit.render.docx import (
        render_docx,  # lazy: rcmz check must not pay for these
    )
    from toolkit.render.pdf import record_pages, tightened, typeset, write_pdf

    rendered = []
    for document in documents:
        outputs = {}
        moved, tight = 0, []
        if "pdf" in formats:
            assert fonts is not None, "PDF output needs a FontBook"
            pages = typeset(document, fonts, duplex)
            outputs["pdf"] = write_pdf(document, pages, fonts)
            moved, tight = record_pages(pages), tightened(pages)
        if "docx" in formats:
            outputs["docx"] = render_docx(document, docx_shell, record_pages=moved, tight=tight)
        rendered.append((document, outputs))
    results, data = [], {}
    for document, outputs in rendered:
        files = {fmt: out_dir / f"{output_name(document)}.{fmt}" for fmt in outputs}
        data.update({files[fmt]: content for fmt, content in outputs.items()})
        results.append(RenderedDocument(document, files))
    with work_dir(out_dir) as work:
        publish_all(work, data)
    return results
