"""Overlays for the merged volume: the 页号 on content pages and the 草稿 watermark of a draft,
drawn on a separate document whose pages are laid over the volume's.

The overlays are drawn in batches (:func:`batch_file`), each kept in the user's cache folder
(``stamps/``), named by what it is drawn from — the stamps, the code that draws them, reportlab
and the font files — and by the SHA-256 of its bytes: an unchanged volume draws nothing again
(a 1,500-page scan: 8 batches, about half a second of reportlab), and a kept batch whose bytes
no longer match its name is drawn again.  Like any file of the volume, a batch is validated as
PDF/A on its own, its answer kept by its digest (``toolkit.attachments.assess``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas

from toolkit.dossier.sheets.pen import PAGE_H, PAGE_W, Pen
from toolkit.dossier.vocabulary import DRAFT_MARK

#: Page-number stamp: 五号 (10.5 pt) 宋体, baseline this far below the top edge, this far from the
#: outer edge — inside the 20 mm top margin of the volume, above the 37 mm 天头 of GB/T 9704
#: documents, so it covers neither their text nor their own page numbers.
STAMP_SIZE = 10.5
STAMP_FROM_TOP = 11 * mm
STAMP_FROM_EDGE = 12 * mm


@dataclass(frozen=True)
class Stamp:
    width: float            # visual page size (after /Rotate)
    height: float
    number: str | None      # the volume 页号, None for no number
    draft: bool = False


def render_stamps(path: Path, stamps: Sequence[Stamp], book) -> None:
    c = rl_canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1,
                         initialFontName=book.primary("songti"), pageCompression=1)
    pen = Pen(c, book)
    for s in stamps:
        c.setPageSize((s.width, s.height))
        if s.draft:
            draw_draft_mark(c, pen, s.width, s.height)
        if s.number is not None:
            odd = int(s.number) % 2 == 1
            y = s.height - STAMP_FROM_TOP
            w = pen.width(s.number, "songti", STAMP_SIZE)
            x = s.width - STAMP_FROM_EDGE - w if odd else STAMP_FROM_EDGE  # front: right; back: left
            # a white ground keeps the number legible on dark scans; it only covers the margin
            pad = 1.2 * mm
            c.setFillColorRGB(1, 1, 1)
            c.rect(x - pad, y - STAMP_SIZE * 0.3 - pad, w + 2 * pad, STAMP_SIZE * 1.1 + 2 * pad,
                   stroke=0, fill=1)
            c.setFillColorRGB(0, 0, 0)
            pen.draw(x, y, s.number, "songti", STAMP_SIZE)
        c.showPage()
    c.save()


def draw_draft_mark(c, pen: Pen, w: float, h: float) -> None:
    """A large outlined 草稿 across the page (outline only: the content stays readable)."""
    size = min(w, h) * 0.3
    c.saveState()
    c.translate(w / 2, h / 2)
    c.rotate(35)
    c.setStrokeColorRGB(0.85, 0.2, 0.2)
    c.setLineWidth(max(1.0, size / 90))
    t = c.beginText(0, 0)
    t.setTextRenderMode(1)
    tw = pen.width(DRAFT_MARK, "heiti", size)
    t.setTextOrigin(-tw / 2, -size * 0.35)
    for font, chunk in pen.book.runs(DRAFT_MARK, "heiti"):
        t.setFont(font, size)
        t.textOut(chunk)
    c.drawText(t)
    c.restoreState()


#: Kept batches not used for this long are removed when a new one is kept.
KEPT_FOR = 60 * 24 * 3600


def batch_file(stamps: Sequence[Stamp], book, work: Path, name: str) -> Path:
    """The overlays of ``stamps`` as a PDF, one page per stamp: the kept batch when there is one
    whose bytes are still what its name says, else drawn into ``work / name`` (and kept)."""
    from toolkit.cachefile import cache_folder

    folder = cache_folder()
    key = _batch_key(stamps, book) if folder is not None else ""
    if folder is not None:
        for kept in sorted((folder / "stamps").glob(f"{key}-*.pdf")):
            if _sha256(kept) == kept.stem.rpartition("-")[2]:
                with contextlib.suppress(OSError):
                    os.utime(kept)  # in use: not pruned
                return kept
            with contextlib.suppress(OSError):  # damaged or altered: drawn again
                kept.unlink()
    out = work / name
    render_stamps(out, stamps, book)
    if folder is not None:
        _keep(out, folder / "stamps", f"{key}-{_sha256(out)}.pdf")
    return out


def _keep(made: Path, folder: Path, name: str) -> None:
    from toolkit.cachefile import write_cache_file

    if write_cache_file(folder / name, made.read_bytes()):
        cutoff = time.time() - KEPT_FOR
        for old in folder.glob("*.pdf"):
            with contextlib.suppress(OSError):
                if old.stat().st_mtime < cutoff:
                    old.unlink()


def _batch_key(stamps: Sequence[Stamp], book) -> str:
    """What a batch is drawn from: the stamps, this module and the pen, reportlab, and the
    font files of the roles the stamps are written in."""
    from toolkit.cachefile import code_salt, package_stamp
    from toolkit.dossier.sheets import pen

    made_from = [code_salt(__file__, pen.__file__), package_stamp("reportlab"), book.primary("songti")]
    made_from += book.file_signatures(("songti", "heiti") if any(s.draft for s in stamps) else ("songti",))
    made_from += [repr((s.width, s.height, s.number, s.draft)) for s in stamps]
    return hashlib.sha256("\0".join(made_from).encode("utf-8")).hexdigest()[:40]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()  # a batch is tens of KB
