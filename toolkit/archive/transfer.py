"""The transfer copy (去技术化): the volume without its signature data, carrying the frozen
verification evidence.

The 2023 draft of the 2024 《电子档案管理办法》 (Art. 17(2)) and the 2019 《党政机关电子公文处理
工作办法》 keep the seal image and drop the signature data at transfer (ARCHIVE.md §1.1).  The
copy is the volume as it was before signing (the PDF/A-3b revision the signature covered), with

* ``签名核验证据.xml`` — the DA/T 46 电子签名 block with the verification result, embedded as a
  PDF/A-3 associated file (``/AFRelationship /Supplement``) next to ``manifest.json``;
* a note drawn into the 卷内备考表's signature box: verified on which date, by what, and that the
  signature data were removed at transfer.

The manifest and the 备考表's manifest digest are unchanged, so the copy still matches its paper
print and the case folder.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pikepdf.pdfa as pikepdf_pdfa
from pikepdf import Name

from toolkit.dossier import pdfa
from toolkit.dossier.verify import unsigned_revision
from toolkit.errors import RcmzError

EVIDENCE_NAME = "签名核验证据.xml"
NOTE_SIZE = 8


def signature_box(signed: Path) -> tuple[int, list[float]] | None:
    """(page index, rect) of the visible signature of the volume at ``signed``."""
    with pikepdf.open(signed) as pdf:
        for index, page in enumerate(pdf.pages):
            for annot in page.obj.get(Name.Annots, []):
                is_sig = annot.get(Name.FT) == Name.Sig or (
                    Name.Parent in annot and annot.Parent.get(Name.FT) == Name.Sig)
                if annot.get(Name.Subtype) == Name.Widget and is_sig:
                    return index, [float(v) for v in annot.Rect]
    return None


def _wrap(text: str, width: int) -> list[str]:
    lines = []
    for para in text.split("\n"):
        while len(para) > width:
            lines.append(para[:width])
            para = para[width:]
        lines.append(para)
    return lines


def _overlay(page_box, rect: list[float], lines: list[str], book) -> bytes:
    from reportlab.pdfgen import canvas

    x0, y0, x1, y1 = rect
    buf = io.BytesIO()
    font = book.primary("songti")
    c = canvas.Canvas(buf, pagesize=(float(page_box[2]), float(page_box[3])), invariant=1, initialFontName=font)
    c.setFont(font, NOTE_SIZE)
    c.setLineWidth(0.8)
    c.rect(x0, y0, x1 - x0, y1 - y0)
    y = y1 - NOTE_SIZE - 3
    for line in lines:
        if y < y0 + 2:
            break
        c.drawString(x0 + 4, y, line)
        y -= NOTE_SIZE + 3
    c.showPage()
    c.save()
    return buf.getvalue()


def transfer_copy(signed_volume: Path, evidence: bytes, note: str, dst: Path, book) -> Path:
    """Write the 去技术化 copy of ``signed_volume`` to ``dst`` (PDF/A-3b, validated as written)."""
    box = signature_box(signed_volume)
    if box is None:
        raise RcmzError(f"{signed_volume} 没有可见签名：无法制作去技术化的移交件")
    index, rect = box
    width = max(8, int((rect[2] - rect[0] - 8) // NOTE_SIZE))
    # the unsigned revision read from the file, not copied out of it
    with unsigned_revision(signed_volume) as original, pikepdf.open(original) as pdf:
        if original.length == signed_volume.stat().st_size:
            raise RcmzError(f"{signed_volume} 没有签名版本：无法制作去技术化的移交件")
        page = pdf.pages[index]
        overlay = pikepdf.open(io.BytesIO(_overlay(page.mediabox, rect, _wrap(note, width), book)))
        page.add_overlay(overlay.pages[0], pikepdf.Rectangle(*[float(v) for v in page.mediabox]))
        spec = pikepdf.AttachedFileSpec(pdf, evidence, description="电子签名核验证据（DA/T 46 电子签名块，移交时冻结）",
                                        filename=EVIDENCE_NAME, mime_type="application/xml",
                                        relationship=Name.Supplement)
        pdf.attachments[EVIDENCE_NAME] = spec
        fs = pdf.attachments[EVIDENCE_NAME].obj
        if not fs.is_indirect:
            fs = pdf.make_indirect(fs)
        files = list(pdf.Root.get(Name.AF, pikepdf.Array()))
        pdf.Root.AF = pikepdf.Array([*files, fs])
        try:
            pikepdf_pdfa.save(pdf, dst, pdfa.FLAVOUR, repair=True, **pdfa.SAVE_KWARGS)
        except pikepdf_pdfa.PdfaError as exc:
            raise RcmzError(f"移交件不符合 {pdfa.FLAVOUR_NAME}：\n{pdfa.describe(exc.report)}") from None
        overlay.close()
    return dst
