"""Attachments of every kind a school sends, made on the spot for the tests.

Valid files that are not ready for PDF/A (converted by the dossier into an archival rendition):
unembedded standard fonts, CMYK JPEG and TIFF, a PDF with a filled form field, JPEGs with a
mirrored EXIF orientation (2, 4, 5, 7), a PDF whose xref offsets are all shifted.  Files that
cannot be filed: encrypted, truncated, garbage, empty.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
from PIL import Image, ImageDraw


def _drawing(size=(360, 240), mode="RGB") -> Image.Image:
    """An asymmetric picture (a mirror image or a rotation shows) with colour areas."""
    image = Image.new("RGB", size, (250, 250, 245))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((10, 10, w // 3, h // 3), fill=(200, 30, 30))
    draw.rectangle((w // 2, h // 2, w - 20, h - 15), fill=(30, 90, 200))
    draw.polygon([(w - 60, 12), (w - 12, 12), (w - 12, 70)], fill=(20, 150, 60))
    draw.line((0, h - 1, w // 2, h // 2), fill=(0, 0, 0), width=5)
    return image.convert(mode) if mode != "RGB" else image


def standard_fonts_pdf(path: Path) -> Path:
    """Text in Helvetica and Times-Roman, the fonts not embedded (as reportlab and many office
    exports write the 14 standard fonts)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for page in range(2):
        c.setFont("Helvetica", 18)
        c.drawString(72, 760, f"Refund summary, page {page + 1}")
        c.setFont("Times-Roman", 12)
        for i in range(20):
            c.drawString(72, 720 - 18 * i, f"Row {i + 1}: parents' materials fee refunded in full.")
        c.rect(72, 200, 200, 80, fill=0)
        c.showPage()
    c.save()
    return path


def cmyk_jpeg(path: Path) -> Path:
    _drawing(mode="CMYK").save(path, format="JPEG", quality=95)
    return path


def cmyk_tiff(path: Path) -> Path:
    _drawing(mode="CMYK").save(path, format="TIFF", compression="tiff_lzw")
    return path


def form_pdf(path: Path) -> Path:
    """A PDF/A-2b with a filled text field and a checked box (an e-mailed form)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = _a_ttf()
    pdfmetrics.registerFont(TTFont("SampleSans", str(font)))
    raw = path.with_suffix(".raw.pdf")
    c = canvas.Canvas(str(raw), pagesize=A4, invariant=1, initialFontName="SampleSans")
    c.setFont("SampleSans", 14)
    c.drawString(72, 760, "Application form")
    c.drawString(72, 700, "Name:")
    c.acroForm.textfield(name="name", value="Ouyang Zhe", x=140, y=690, width=200, height=24,
                         fontName="Helvetica", fontSize=12, borderWidth=1)
    c.drawString(72, 640, "Agreed:")
    c.acroForm.checkbox(name="agree", checked=True, x=140, y=632, size=20)
    c.showPage()
    c.save()
    import pikepdf.pdfa as pdfa

    with pikepdf.open(raw) as pdf:
        pdfa.prepare(pdf, "2b")
        pdf.save(path)
    raw.unlink()
    return path


def _a_ttf() -> Path:
    for candidate in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                      "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf",
                      "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"):
        if Path(candidate).is_file():
            return Path(candidate)
    import reportlab

    return Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"


def exif_jpeg(path: Path, orientation: int) -> Path:
    """A photo whose pixels are stored mirrored/rotated, EXIF Orientation saying how to show it."""
    shown = _drawing()
    stored = {1: shown, 2: shown.transpose(Image.FLIP_LEFT_RIGHT),
              3: shown.transpose(Image.ROTATE_180), 4: shown.transpose(Image.FLIP_TOP_BOTTOM),
              5: shown.transpose(Image.TRANSPOSE), 6: shown.transpose(Image.ROTATE_90),
              7: shown.transpose(Image.TRANSVERSE), 8: shown.transpose(Image.ROTATE_270)}[orientation]
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(path, format="JPEG", quality=95, exif=exif.tobytes())
    return path


def shown_image(orientation: int) -> Image.Image:
    """How ``exif_jpeg(…, orientation)`` must look once shown the right way up."""
    return _drawing()


def shifted_xref_pdf(path: Path) -> Path:
    """A whole, valid PDF with 37 bytes inserted after its header: every xref offset is off."""
    pdf = pikepdf.new()
    for _ in range(2):
        pdf.add_blank_page(page_size=(595, 842))
    for page in pdf.pages:
        page.contents_add(pdf.make_stream(b"0 0 1 rg 100 100 300 400 re f 1 0 0 rg 50 600 80 80 re f"))
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, compress_streams=False)
    data = out.getvalue()
    header_end = data.index(b"\n", data.index(b"%PDF-")) + 1
    path.write_bytes(data[:header_end] + b"%" + b"x" * 35 + b"\n" + data[header_end:])
    return path


def encrypted_pdf(path: Path) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(path, encryption=pikepdf.Encryption(owner="o", user="u", R=6))
    return path


def truncated_pdf(path: Path) -> Path:
    standard_fonts_pdf(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def garbage_pdf(path: Path) -> Path:
    import random

    rng = random.Random(7)
    path.write_bytes(bytes(rng.randrange(256) for _ in range(5000)))
    return path


def empty_pdf(path: Path) -> Path:
    path.write_bytes(b"")
    return path
