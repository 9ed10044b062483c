"""Drawing laid-out pages with reportlab: page numbers and footers, fonts per run, and a file
that is byte-reproducible and ready for PDF/A (embedded 仿宋 as the initial font, no empty
``/Trans``, fixed timestamps)."""

from __future__ import annotations

import io
from datetime import date as _date

from reportlab.lib.utils import TimeStamp
from reportlab.pdfgen import canvas as rl_canvas

from toolkit.documents.model import Document
from toolkit.render import geometry as G
from toolkit.render.fonts import FontBook
from toolkit.render.pdf.grid import (
    BLACK,
    BLOCK_BOTTOM,
    BLOCK_LEFT,
    BLOCK_RIGHT,
    BLOCK_W,
    BODY,
    MM,
    PAGE_H,
    PAGE_W,
    SMALL,
)
from toolkit.render.pdf.ops import Page, Rule, Text
from toolkit.render.pdf.setter import clean
from toolkit.text import CJK_SPACE

PAGE_NUMBER_DROP = G.PAGE_NUMBER_DROP_MM * MM   # the em dashes of — N — below the block
DASH_HEIGHT = 0.378             # em-dash centre above the baseline (AR PL UMing, SimSun ≈ same)


def _timestamp(iso: str) -> TimeStamp:
    ts = TimeStamp(invariant=1)
    try:
        d = _date.fromisoformat(iso[:10])
    except (TypeError, ValueError):
        return ts
    ts.YMDhms = (d.year, d.month, d.day, 0, 0, 0)
    ts.dhh, ts.dmm, ts.tzname = 8, 0, "+08"
    return ts


def _folio(page: Page, number: int, total: int, footer: str, fonts: FontBook) -> list[Text]:
    """The page number ``— N —`` (odd pages right, even pages left, one 四号 character in) and
    the footer line, both on the line 7 mm below the block."""
    out = []
    base = BLOCK_BOTTOM - PAGE_NUMBER_DROP - DASH_HEIGHT * SMALL
    if page.number and "{page}" not in footer:
        label = f"— {number} —"
        w = fonts.width(label, "songti", SMALL, "页码")
        indent = G.PAGE_NUMBER_INDENT_PT
        x = BLOCK_RIGHT - indent - w if number % 2 else BLOCK_LEFT + indent
        out.append(Text(x, base, SMALL, [("songti", label)], 0.0, field="页码"))
    if footer:
        line = footer.replace("{pages}", str(total)).replace("{page}", str(number))
        w = fonts.width(line, "fangsong", SMALL, "页脚")
        out.append(Text(BLOCK_LEFT + (BLOCK_W - w) / 2, base, SMALL, [("fangsong", line)], 0.0,
                        field="页脚"))
    return out


def _draw(c, pages: list[Page], doc: Document, fonts: FontBook) -> None:
    total = len(pages)
    # template text (第1页 共2页): its spaces between Chinese characters become full-width
    footer = CJK_SPACE.sub("\u3000", clean(doc.footer, typography=False))
    runs, width = fonts.runs, fonts.width
    for number, page in enumerate(pages, start=1):
        rules = [op for op in page.ops if not isinstance(op, Text)]
        for op in rules:
            if isinstance(op, Rule):
                c.setStrokeColorRGB(*op.color)
                c.setLineWidth(op.width)
                c.line(op.x1, op.y1, op.x2, op.y2)
            else:
                c.setStrokeColorRGB(*BLACK)
                c.setLineWidth(op.width)
                c.rect(op.x, op.y, op.w, op.h, stroke=1, fill=0)
        texts = [op for op in page.ops if isinstance(op, Text)]
        texts += _folio(page, number, total, footer, fonts)
        t = c.beginText()
        color = None
        hscale = 100.0
        for op in texts:
            if op.color != color:
                t.setFillColorRGB(*op.color)
                color = op.color
            if op.hscale != hscale:
                t.setHorizScale(op.hscale)
                hscale = op.hscale
            t.setCharSpace(op.cs)
            x = op.x
            for role, seg in op.segs:
                for font, s in runs(seg, role, op.field):
                    t.setTextOrigin(x, op.y)
                    t.setFont(font, op.size)
                    t.textOut(s)
                    x += (width(s, role, op.size) + len(s) * op.cs) * hscale / 100.0
        c.drawText(t)
        c.showPage()


def write_pdf(doc: Document, pages: list[Page], fonts: FontBook) -> bytes:
    """The PDF of laid-out ``pages``, with the document's metadata."""
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1,
                         initialFontName=fonts.primary("fangsong"), initialFontSize=BODY,
                         lang="zh-CN")
    c._doc._timeStamp = _timestamp(doc.date)
    add_page = c._doc.addPage

    def _add_page(page):          # reportlab writes an empty /Trans on every page
        trans = getattr(page, "Trans", None)
        if trans is not None and not getattr(trans, "dict", None):
            page.Trans = None
        add_page(page)

    c._doc.addPage = _add_page
    c.setTitle(clean(doc.title) or clean(doc.issuer) or doc.key)
    c.setAuthor(clean(doc.author) or clean(doc.issuer) or "rcmz")
    c.setSubject(clean(doc.number) or doc.key)
    c.setKeywords(doc.key)
    c.setCreator("rcmz")
    _draw(c, pages, doc, fonts)
    c.save()
    return buf.getvalue()
