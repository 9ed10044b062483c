"""The render stage: every document of a case composed, typeset and written as PDF and DOCX.

A case with errors produces nothing: documents are only made from facts that pass
``rcmz check``.  All files are made in memory first and then written atomically, so a failure
(a character no font has, a missing value) leaves no half-written output behind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from toolkit.atomic import write_bytes_atomic
from toolkit.config import BureauConfig, load_config
from toolkit.documents.compose import compose_all
from toolkit.documents.model import Document
from toolkit.documents.registry import BY_KEY
from toolkit.errors import RcmzError, UsageError
from toolkit.rules.checks import CheckResult
from toolkit.rules.run import check_folder

FORMATS = ("pdf", "docx")


@dataclass(frozen=True)
class RenderedDocument:
    document: Document
    files: dict[str, Path]        # format → written file


def output_name(document: Document) -> str:
    """decision-容错免责认定决定书: stable for scripts, readable for clerks."""
    return f"{document.key}-{BY_KEY[document.key].title}"


def default_out_dir(case_dir: Path) -> Path:
    return Path("build") / case_dir.resolve().name


def checked_case(case_dir: Path, today: dt.date | None = None) -> tuple[CheckResult, BureauConfig]:
    """The checked case and its bureau configuration, refusing a case whose facts have errors."""
    result = check_folder(case_dir, today or dt.date.today())
    if result.errors:
        listing = "\n".join(p.format() for p in result.errors[:20])
        more = f"\n……另有 {len(result.errors) - 20} 个错误" if len(result.errors) > 20 else ""
        raise RcmzError(f"案件有 {len(result.errors)} 个错误，未生成文书；请先修正（rcmz check）：\n"
                        f"{listing}{more}")
    return result, load_config(case_dir)


def write_documents(documents: list[Document], config: BureauConfig, out_dir: Path,
                    formats=FORMATS) -> list[RenderedDocument]:
    """Typeset every document in memory first, then write each file atomically."""
    from toolkit.render.docx import render_docx  # lazy: rcmz check must not pay for these
    from toolkit.render.fonts import fontbook_from_config
    from toolkit.render.pdf import render_pdf

    fonts = fontbook_from_config(config.get("fonts"), base=config.path.parent) if "pdf" in formats else None
    rendered = []
    for document in documents:
        outputs = {}
        if "pdf" in formats:
            outputs["pdf"] = render_pdf(document, fonts)
        if "docx" in formats:
            outputs["docx"] = render_docx(document)
        rendered.append((document, outputs))
    results = []
    for document, outputs in rendered:
        files = {}
        for fmt, data in outputs.items():
            files[fmt] = out_dir / f"{output_name(document)}.{fmt}"
            write_bytes_atomic(files[fmt], data)
        results.append(RenderedDocument(document, files))
    return results


def render_case(case_dir: Path, out_dir: Path | None = None, formats=FORMATS, only: str | None = None,
                today: dt.date | None = None) -> tuple[Path, list[RenderedDocument]]:
    """rcmz render: check, compose and write every document of the case."""
    if only is not None and only not in BY_KEY:
        raise UsageError(f"未知的文书“{only}”，可用：" + "、".join(f"{k}（{v.title}）" for k, v in BY_KEY.items()))
    result, config = checked_case(case_dir, today)
    documents = compose_all(result.case, config, only)
    if not documents:
        raise RcmzError("本案目前没有可生成的文书" + (f"（{BY_KEY[only].title}所需的事实尚未记录）" if only else ""))
    out_dir = Path(out_dir) if out_dir else default_out_dir(case_dir)
    return out_dir, write_documents(documents, config, out_dir, formats)
