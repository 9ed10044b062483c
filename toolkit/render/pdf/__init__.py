"""Typeset a :class:`toolkit.documents.model.Document` as a GB/T 9704-2012 PDF.

Our own grid layout on reportlab's canvas (see docs/fonts-and-layout.md): A4, a text block of
156 × 225 mm at 28 mm from the left and 37 mm from the top (:mod:`toolkit.render.geometry`),
22 lines of 28 characters exactly; lines broken by :mod:`toolkit.render.linebreak` (GB/T 15834
practice, push-in before push-out) and justified, nothing leaves the text block; text through
:meth:`FontBook.runs` (per-character font fallback, one ``Tj`` per run); the same document and
fonts give byte-identical PDFs.

The modules, in the order a document passes through them:

* :mod:`.grid` — the page and its line grid in PDF coordinates;
* :mod:`.cursor` — the page stack and the cursor down the grid, page breaks that carry lines
  along (:mod:`.pagination` decides how many);
* :mod:`.setter` — measuring and breaking text into lines of font runs;
* :mod:`.head` (版头), :mod:`.title` (标题), :mod:`.body` (paragraphs), :mod:`.tables`,
  :mod:`.signature` (署名, 成文日期), :mod:`.record` (版记) — each part of the document;
* :mod:`.ops` — what a laid-out page holds; :mod:`.draw` — page numbers, footers, the file.
"""

from __future__ import annotations

from toolkit.documents.model import Document
from toolkit.errors import RenderError
from toolkit.render.fonts import FontBook, default_fontbook
from toolkit.render.forms import plan_form
from toolkit.render.linebreak import document_phrases
from toolkit.render.pdf.body import set_blocks
from toolkit.render.pdf.cursor import Cursor
from toolkit.render.pdf.draw import write_pdf
from toolkit.render.pdf.head import letter_head, official_head
from toolkit.render.pdf.ops import Page
from toolkit.render.pdf.pagination import (
    TIGHT,
    Tightened,
    plain,
    relief,
    relieved,
    starved,
    tighten,
    tightened,
)
from toolkit.render.pdf.record import set_record
from toolkit.render.pdf.setter import LineSetter
from toolkit.render.pdf.title import set_title

__all__ = ["Tightened", "record_pages", "render_pdf", "tightened", "typeset", "write_pdf"]


def typeset(doc: Document, fonts: FontBook, duplex: bool = True) -> list[Page]:
    """Lay ``doc`` out on pages: 版头 by layout, 标题, the blocks, 版记 (on an even page when
    printed on both sides, ``duplex``).

    GB/T 9704 7.3.5.5, where the space left cannot hold the signature and date: when it lacks
    at most :data:`pagination.TIGHT` rows, the lines of that page are set closer so that it
    holds them (:func:`pagination.tighten`; not on a first page with a 版头, which 7.2 fixes in
    millimetres, nor on a page with a table); otherwise lines go along with the signature to
    the next page, and when that leaves the page before it more than two rows short, the page
    before that one ends a row or two early, if that fills the short page
    (:func:`pagination.relief`)."""
    cur = _lay_out(doc, fonts, duplex)
    head = doc.layout in ("official", "minutes") and bool(doc.issuer)
    for page, lack in cur.lacking:
        if lack > TIGHT or (page == 0 and head):
            continue
        alt = _lay_out(doc, fonts, duplex, cur.short, {**cur.tight, page: lack})
        if page in [p for p, _ in alt.signed] and len(alt.pages) <= len(cur.pages) \
                and plain(alt.pages[page]) and page not in [p for p, _ in alt.lacking]:
            cur = alt
    for page in starved(cur.pages, cur.signed):
        for short in relief(page):
            alt = _lay_out(doc, fonts, duplex, {**cur.short, **short}, cur.tight)
            if relieved(alt, cur, page):
                cur = alt
                break
    for page, extra in sorted(cur.tight.items()):
        tighten(cur.pages[page], extra)
    return cur.pages


def _lay_out(doc: Document, fonts: FontBook, duplex: bool, short: dict[int, int] | None = None,
             tight: dict[int, int] | None = None) -> Cursor:
    phrases = document_phrases(doc)
    cur, setter = Cursor(short, tight), LineSetter(fonts, phrases)
    layout = doc.layout
    if layout in ("official", "minutes") and doc.issuer:
        official_head(cur, setter, doc)
    elif layout == "letter" and doc.issuer:
        letter_head(cur, setter, doc)
    elif layout not in ("official", "minutes", "letter", "form"):
        raise RenderError(f"未知的版式：{layout}")
    set_title(cur, setter, doc.title)
    if doc.title and doc.blocks:
        cur.skip(1)
    set_blocks(cur, setter, doc.blocks, plan_form(doc, phrases))
    if doc.record:
        set_record(cur, setter, doc.record, duplex)
    # a trailing empty page (e.g. after a final page break) is dropped
    while len(cur.pages) > 1 and not cur.pages[-1].ops:
        cur.pages.pop()
    return cur


def render_pdf(doc: Document, fonts: FontBook | None = None, *, duplex: bool = True) -> bytes:
    """Typeset ``doc``; the same document and fonts give byte-identical PDFs.  ``duplex``:
    printed on both sides (the 版记 on an even page); ``bureau.yaml`` ``single_sided: true``
    turns it off."""
    fonts = fonts or default_fontbook()
    return write_pdf(doc, typeset(doc, fonts, duplex), fonts)


def record_pages(pages: list[Page]) -> int:
    """How many page breaks the DOCX puts before its 版记 to start it on the page the PDF does:
    one for each page it moved on from the text's last page (to a page of its own when it did
    not fit, and on to an even page for two-sided printing), less one when the text fills that
    page (the DOCX's page then ends there by itself)."""
    return pages[-1].record_breaks if pages else 0
