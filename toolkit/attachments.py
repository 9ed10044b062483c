"""Which files can be filed in a volume, judged from their bytes: one sniffer for every stage.

Loading a case (``toolkit.case.load``) and bundling a volume (``toolkit.dossier.sources``) ask the
same question of a scan or a PDF — is it what its name says, whole, and unencrypted? — and must
give the same answer, or ``rcmz check`` would pass a file that ``rcmz dossier`` then refuses.
Both ask :func:`filing_problem`.  It reads only a file's first and last few KiB, so checking
hundreds of cases stays fast; the bundle then opens each file (pikepdf, Pillow) and finds the
damage that only a full read shows.

What counts, following the readers the bundle uses (qpdf, Pillow):

* a PDF header may stand anywhere in the first 1024 bytes (as PDF readers accept; the bundle
  copies the pages into a new file, so the volume's own header is at byte 0);
* TIFF includes BigTIFF;
* a PDF ends with ``%%EOF``, a JPEG with its EOI marker, a PNG with ``IEND`` (a cut-off copy);
* a PDF is encrypted when its trailer has ``/Encrypt`` — looked for at the end of the file and
  at the cross-reference section the last ``startxref`` points to (a cross-reference stream's
  dictionary, or the first-page trailer of a linearized file, near its start).

:func:`assess` is the whole answer, given at ``rcmz check`` and acted on by ``rcmz dossier``: it
opens the file (pikepdf, Pillow) as the bundle does and finds the damage only a full read
shows, then says whether a valid file is ready for the volume's PDF/A or what the dossier will
convert to make an archival rendition of it (``toolkit.dossier.renditions``):

* ``xref``: a PDF whose cross-reference offsets are all shifted by the same number of bytes
  (bytes inserted or removed before its objects), the objects themselves whole → qpdf rebuilds
  the table.  Any other damage (a table overwritten, objects cut off) is an error;
* ``forms``: a PDF with interactive form fields (PDF/A-3 forbids /AcroForm) → pikepdf fixes
  the filled-in values into the page (flattening);
* ``fonts``: fonts that are not embedded (typically the 14 standard fonts) → Ghostscript embeds
  them (URW's metric-compatible faces for the standard fonts);
* ``cmyk``: CMYK colour in a PDF (the volume's output intent is sRGB) → Ghostscript converts it,
  colour-managed; a CMYK JPEG or TIFF → Pillow's ImageCms (littleCMS) converts it to sRGB, from
  its embedded ICC profile or Ghostscript's default CMYK profile;
* ``orientation``: a JPEG whose EXIF orientation is a mirror image (2, 4, 5, 7) → Pillow turns the
  pixels the right way round (orientations 3, 6 and 8 are plain rotations that img2pdf applies to
  the page without touching the pixels).

Anything else that keeps a file out of PDF/A is an error naming what the validator found.

With a PDF's answer comes how deep its pages nest the graphics state (:class:`Nesting`), kept
with it: the volume wraps each page's content in one more ``q … Q`` and draws the page number
after it, and its check (``toolkit.dossier.pdfa``) needs only these two numbers, not the pages
read again, to know the limit still holds.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from toolkit.cachefile import JsonCache
from toolkit.imagesize import pixel_problem, scan_png

#: The extensions a volume accepts, each with the kind of content it must hold.
KIND_BY_EXTENSION = {
    ".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".png": "png",
    ".tif": "tiff", ".tiff": "tiff",
}
FILED_KINDS = "PDF、JPEG、PNG 或 TIFF"

#: Names for messages, also of kinds that are recognised only to say what a mislabelled file is.
KIND_NAMES = {"pdf": "PDF 文档", "jpeg": "JPEG 图像", "png": "PNG 图像", "tiff": "TIFF 图像",
              "gif": "GIF 图像", "bmp": "BMP 图像", "zip": "ZIP 压缩包（或 DOCX/XLSX 等 Office 文档）",
              "ole": "旧版 Office 文档（DOC/XLS）", "webp": "WebP 图像", "text": "纯文本"}

HEAD_BYTES = 2048
TAIL_BYTES = 2048
TRAILER_BYTES = 8192   # a cross-reference section's start, with the trailer of a short one

# The bytes a complete file of each kind ends with (TIFF has no such marker).
_END_MARKERS = {"pdf": b"%%EOF", "jpeg": b"\xff\xd9", "png": b"IEND"}
_STARTXREF = re.compile(rb"startxref\s+(\d+)")


def sniff(head: bytes) -> str | None:
    """The kind of content from the first bytes of a file (None if not recognised)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    try:
        head[:512].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text" if head.strip() else None


def filing_problem(path: Path) -> str | None:
    """Why the file at ``path`` cannot be filed, in Chinese, to follow its name and a colon
    (``附件“scan.pdf”：PDF 已加密…``); None when nothing in its first and last bytes objects."""
    path = Path(path)
    if not path.exists():
        return "找不到文件"
    if not path.is_file():
        return "不是文件"
    expected = KIND_BY_EXTENSION.get(path.suffix.lower())
    if expected is None:
        return f"不支持的文件类型“{path.suffix or '（无扩展名）'}”，只能归档 {FILED_KINDS}"
    try:
        with path.open("rb") as stream:
            head = stream.read(HEAD_BYTES)
            size = stream.seek(0, 2)
            stream.seek(max(0, size - TAIL_BYTES))
            tail = stream.read()
            trailer = _trailer_section(stream, tail, size) if expected == "pdf" else b""
    except OSError as error:
        return f"无法读取（{error.strerror or error}）"
    if not head:
        return "文件是空的（0 字节）"
    actual = sniff(head)
    if actual is None:
        return f"内容不是可识别的{KIND_NAMES[expected]}，文件可能已损坏"
    if actual != expected:
        return (f"扩展名为“{path.suffix}”，内容却是{KIND_NAMES[actual]}（文件名与内容不符），"
                "请改正扩展名或换用正确的文件")
    if expected in _END_MARKERS and _END_MARKERS[expected] not in tail:
        return "文件不完整（结尾缺失，可能复制或扫描中断），请重新获取"
    if expected == "pdf" and (b"/Encrypt" in tail or b"/Encrypt" in trailer):
        return "PDF 已加密，归档文件不得加密，请提供未加密的文件"
    return pixel_problem(path, expected)  # toolkit.imagesize: pixels bounded before decoding


def _trailer_section(stream, tail: bytes, size: int) -> bytes:
    """The start of the cross-reference section the last ``startxref`` names (b"" if none)."""
    found = list(_STARTXREF.finditer(tail))
    if not found:
        return b""
    offset = int(found[-1].group(1))
    if offset >= size:
        return b""
    stream.seek(offset)
    return stream.read(TRAILER_BYTES)


# -- the whole answer: can it be filed, and what will the dossier convert --------------------------

#: The PDF/A flavour of the volume, the one definition (toolkit.dossier.pdfa.FLAVOUR, whose module
#: explains the choice, is this).
PDFA_FLAVOUR = "3b"

#: What each conversion does, in words for ``rcmz check`` and the 备考表, and the tool that does it.
HOW = {
    "xref": ("由 qpdf 重建交叉引用表", "qpdf"),
    "forms": ("由 pikepdf 将表单域的填写内容固定为页面内容（拼合表单）", "pikepdf"),
    "fonts": ("由 Ghostscript 嵌入字体", "Ghostscript"),
    "cmyk": ("由 Ghostscript 经色彩管理转换为 RGB", "Ghostscript"),
    "cmyk-image": ("由 Pillow（ImageCms）经色彩管理转换为 sRGB", "Pillow"),
    "orientation": ("由 Pillow 按 EXIF 方向翻转像素", "Pillow"),
}

MIRRORED_ORIENTATIONS = {2: "左右镜像", 4: "上下镜像", 5: "沿主对角线翻转", 7: "沿副对角线翻转"}


@dataclass(frozen=True)
class Conversion:
    """One change the dossier makes to an attachment to file it as PDF/A."""

    key: str      # xref | forms | fonts | cmyk | cmyk-image | orientation
    what: str     # what is wrong, in Chinese: 字体未嵌入（Helvetica、Times-Roman）
    detail: int = 0  # xref: the shift in bytes; orientation: the EXIF value

    @property
    def how(self) -> str:
        return HOW[self.key][0]

    @property
    def tool(self) -> str:
        return HOW[self.key][1]

    @property
    def text(self) -> str:
        return f"{self.what}，{self.how}"


@dataclass(frozen=True)
class Nesting:
    """How deep a PDF's pages nest the graphics state (q … Q, the forms they draw included):
    the deepest any page reaches, and the deepest any page is left at its end (a page may leave
    a q unclosed)."""

    deepest: int
    left_open: int


@dataclass(frozen=True)
class Assessment:
    """Whether a file can be filed (``problem`` None) and what must be converted first; of a PDF
    whose pages could be read, their :class:`Nesting`."""

    kind: str | None
    problem: str | None = None
    conversions: tuple[Conversion, ...] = ()
    nesting: Nesting | None = None

    @property
    def text(self) -> str:
        """The conversions in one line: 字体未嵌入（Helvetica），由 Ghostscript 嵌入字体；…"""
        return "；".join(c.text for c in self.conversions)


def assess(path: Path) -> Assessment:
    """The whole answer for one file (see the module docstring).

    Answers are kept by the file's content (SHA-256) — in memory, and between runs in the user's
    cache folder (``rcmz status`` keeps its snapshots there too; ``RCMZ_NO_CACHE=1`` turns it
    off) — so ``rcmz check`` opens a scan once, not at every run.
    """
    path = Path(path)
    problem = filing_problem(path)
    kind = KIND_BY_EXTENSION.get(path.suffix.lower())
    if problem is not None:
        return Assessment(kind, problem)
    assert kind is not None  # filing_problem objects to every extension KIND_BY_EXTENSION lacks
    key = f"{kind}:{content_digest(path)}"
    cached = _kept_answer(_CACHE.get(key), kind)
    if cached is not None:
        return cached
    answer = _assess_pdf(path) if kind == "pdf" else _assess_image(path, kind)
    nesting = [answer.nesting.deepest, answer.nesting.left_open] if answer.nesting else None
    _CACHE.put(key, [answer.kind, answer.problem, [[c.key, c.what, c.detail] for c in answer.conversions],
                     nesting])
    return answer


def assess_content(data: bytes, suffix: str = ".pdf") -> Assessment:
    """:func:`assess` of a file before it is written: the bytes ``data`` it will hold, with its
    extension ``suffix``.  The answer is kept by content digest like any file's, so the file
    written later is not judged again: ``rcmz dossier`` has each document judged in the process
    that made it, beside the others (toolkit.render.outputs)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rcmz-assess-") as folder:
        path = Path(folder) / f"content{suffix}"
        path.write_bytes(data)
        return assess(path)


def _kept_answer(value, kind: str | None) -> Assessment | None:
    """The answer kept in the cache, or None when there is none or the entry is not one that
    this code writes (a damaged cache only costs the time of judging the file again)."""
    try:
        stored_kind, problem, conversions, nesting = value
        if stored_kind != kind or not (problem is None or isinstance(problem, str)):
            return None
        kept = tuple(Conversion(key, what, detail) for key, what, detail in conversions)
        depths = None if nesting is None else Nesting(*nesting)
    except (TypeError, ValueError):
        return None
    if any(c.key not in HOW or not isinstance(c.what, str) or not isinstance(c.detail, int) for c in kept):
        return None
    if depths is not None and not all(type(d) is int and d >= 0 for d in (depths.deepest, depths.left_open)):
        return None
    return Assessment(kind, problem, kept, depths)


_DIGESTS: dict[tuple[str, int, int], str] = {}


def content_digest(path: Path) -> str:
    """SHA-256 of the file at ``path``, remembered while its size and modification time stay
    the same (a scan is read once per run, though ``assess`` and the volume's manifest both
    need its digest)."""
    import hashlib

    st = path.stat()
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
        _DIGESTS[key] = digest.hexdigest()
    return _DIGESTS[key]


def _salt() -> str:
    """What else an answer depends on: rcmz, this module, and the readers (not imported: a run
    that finds everything in the cache never loads them)."""
    from toolkit.cachefile import code_salt, package_stamp

    return f"{code_salt(__file__)}:{package_stamp('pikepdf')}:{package_stamp('PIL')}"


_CACHE = JsonCache("attachments", _salt)


def _short(exc: object, limit: int = 160) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _assess_pdf(path: Path) -> Assessment:
    import pikepdf

    damaged = "请从原系统重新导出或重新扫描"
    try:
        pdf = pikepdf.open(path, suppress_warnings=True)
    except pikepdf.PasswordError:
        return Assessment("pdf", "PDF 已加密（需要密码才能打开），归档文件不得加密，请提供未加密的文件")
    except pikepdf.PdfError as exc:
        return Assessment("pdf", f"PDF 已损坏，无法读取（{_short(exc)}）")
    conversions: list[Conversion] = []
    with pdf:
        if pdf.is_encrypted:
            return Assessment("pdf", "PDF 已加密（设有权限口令），归档文件不得加密，请提供未加密的文件")
        warnings = pdf.get_warnings()
        if warnings:
            shift = xref_shift(path)
            if shift is None:
                return Assessment("pdf", f"PDF 已损坏（{_short(warnings[0])}）。{damaged}")
            conversions.append(Conversion("xref", f"交叉引用表的偏移量整体错位 {shift:+d} 字节（对象完整）",
                                          shift))
        try:
            if len(pdf.pages) == 0:
                return Assessment("pdf", "PDF 没有任何页面")
            for number, page in enumerate(pdf.pages, 1):
                box = page.obj.get("/MediaBox")
                if box is None or len(box) != 4:
                    return Assessment("pdf", f"第{number}页没有有效的页面尺寸（MediaBox）")
                contents = page.obj.get("/Contents")
                if contents is not None:
                    for stream in (list(contents) if isinstance(contents, pikepdf.Array) else [contents]):
                        stream.read_bytes()
        except (pikepdf.PdfError, pikepdf.DataDecodingError, ValueError, TypeError) as exc:
            return Assessment("pdf", f"PDF 已损坏，页面内容无法读取（{_short(exc)}）")
        warnings = pdf.get_warnings()
        if warnings and not conversions:
            return Assessment("pdf", f"PDF 已损坏（{_short(warnings[0])}）。{damaged}")
        found, other = _pdfa_findings(pdf)
        nesting = _pages_nesting(pdf)
    if other:
        listing = "；".join(other[:5]) + (f"；……另有 {len(other) - 5} 项" if len(other) > 5 else "")
        return Assessment("pdf", f"不符合 {'PDF/A-' + PDFA_FLAVOUR}（长期保存格式），且无法自动转换：{listing}。"
                                 "请由原系统导出为 PDF/A，或扫描为灰度/彩色（sRGB）图像后再编入")
    return Assessment("pdf", None, tuple(conversions) + tuple(found), nesting)


def _pages_nesting(pdf) -> Nesting | None:
    """The :class:`Nesting` of every page of ``pdf`` (None: a page's content cannot be parsed —
    the volume then reads its pages)."""
    import pikepdf

    deepest = left_open = 0
    form_depths: dict = {}
    try:
        for page in pdf.pages:
            reached, left = drawn_nesting(page, page.obj.get("/Resources"), form_depths)
            deepest, left_open = max(deepest, reached), max(left_open, left)
    except (pikepdf.PdfError, ValueError, TypeError):
        return None
    return Nesting(deepest, left_open)


def drawn_nesting(owner, resources, form_depths: dict, open_forms: set | None = None) -> tuple[int, int]:
    """(deepest, left open) q nesting of the content of ``owner`` (a page or a form) as drawn,
    inside the forms it draws too (each form's own depth once, in ``form_depths`` by object);
    only the q, Q and Do operators are parsed."""
    import pikepdf

    open_forms = set() if open_forms is None else open_forms
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    depth = deepest = 0
    for instruction in pikepdf.parse_content_stream(owner, "q Q Do"):
        op, operands = str(instruction.operator), instruction.operands
        if op == "q":
            depth += 1
            deepest = max(deepest, depth)
        elif op == "Q":
            depth = max(0, depth - 1)
        elif isinstance(xobjects, pikepdf.Dictionary):
            form = xobjects.get(str(operands[0]))
            if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == pikepdf.Name.Form:
                deepest = max(deepest, depth + _form_nesting(form, form_depths, open_forms))
    return deepest, depth


def _form_nesting(form, form_depths: dict, open_forms: set) -> int:
    """A form's own deepest nesting, relative to where it is drawn (once per form; a form
    drawing itself counts 0 — the validator refuses it)."""
    key = form.objgen
    if key not in form_depths:
        if key in open_forms:
            return 0
        open_forms.add(key)
        form_depths[key] = drawn_nesting(form, form.get("/Resources"), form_depths, open_forms)[0]
        open_forms.discard(key)
    return form_depths[key]


def _pdfa_findings(pdf) -> tuple[list[Conversion], list[str]]:
    """The conversions the PDF/A validator's findings call for, and the findings no conversion
    answers (as Chinese lines)."""
    import pikepdf
    import pikepdf.pdfa as pdfa

    from toolkit import pdfa_schemas

    pdfa_schemas.install_for(pdf)
    for page in pdf.pages:  # reportlab's empty /Trans means nothing (toolkit.dossier.pdfa)
        trans = page.obj.get("/Trans")
        if isinstance(trans, pikepdf.Dictionary) and len(trans.keys()) == 0:
            del page.obj["/Trans"]
    try:
        pdfa.prepare(pdf, PDFA_FLAVOUR)
        report = pdfa.check(pdf, PDFA_FLAVOUR)
    except (pikepdf.PdfError, ValueError) as exc:
        return [], [f"无法进行 PDF/A 检查（{_short(exc)}）"]
    keys: dict[str, Conversion] = {}
    other = []
    for finding in report.findings:
        message = finding.message
        if "/AcroForm" in message or "/AcroForm" in str(finding.where):
            keys.setdefault("forms", Conversion("forms", f"含可填写的表单域（{_field_count(pdf)} 个）"))
        elif "font" in message.lower() and "embed" in message.lower():
            keys.setdefault("fonts", Conversion("fonts", f"字体未嵌入（{_unembedded_fonts(pdf)}）"))
        elif "DeviceCMYK" in message:
            keys.setdefault("cmyk", Conversion("cmyk", "使用 CMYK 颜色（案卷的输出意图为 sRGB）"))
        else:
            other.append(f"{message}（{finding.where}）")
    if "forms" in keys and "fonts" not in keys and _unembedded_fonts(pdf, default=""):
        # the fields' appearances use fonts of the form; flattened they are on the page
        keys["fonts"] = Conversion("fonts", f"表单所用字体未嵌入（{_unembedded_fonts(pdf)}）")
    order = ("forms", "fonts", "cmyk")
    return [keys[k] for k in order if k in keys], other


def _field_count(pdf) -> int:
    form = pdf.Root.get("/AcroForm")
    fields = form.get("/Fields") if form is not None else None
    return len(fields) if fields is not None else 0


def _unembedded_fonts(pdf, default: str = "见 PDF/A 检查") -> str:
    import pikepdf

    names = []
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font":
            continue
        if obj.get("/Subtype") in ("/Type3", "/Type0"):
            continue
        descriptor = obj.get("/FontDescriptor")
        if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            names.append(str(obj.get("/BaseFont", "/?"))[1:])
    return "、".join(sorted(set(names))) or default


_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])\s")


def xref_shift(path: Path) -> int | None:
    """By how many bytes every in-use offset of the last cross-reference table is off, when all
    are off by the same amount and each then points at its object; None otherwise (a damaged
    table, a cross-reference stream, or offsets off by different amounts)."""
    data = Path(path).read_bytes()
    found = list(_STARTXREF.finditer(data))
    if not found:
        return None
    claimed = int(found[-1].group(1))
    actual = data.rfind(b"xref", 0, found[-1].start())
    while actual > 0 and data[actual - 1:actual] not in (b"\n", b"\r"):
        actual = data.rfind(b"xref", 0, actual)
    if actual <= 0 or actual == claimed:
        return None
    shift = actual - claimed
    position = actual + 4
    checked = 0
    while True:
        header = re.compile(rb"\s*(\d+) (\d+)\s").match(data, position)
        if header is None:
            break
        first, count = int(header.group(1)), int(header.group(2))
        position = header.end()
        for number in range(first, first + count):
            entry = _XREF_ENTRY.match(data, position)
            if entry is None:
                return None
            position = entry.end() + (1 if data[entry.end():entry.end() + 1] in (b"\n", b"\r") else 0)
            if entry.group(3) == b"n":
                offset = int(entry.group(1)) + shift
                if not re.compile(rb"%d\s+%d\s+obj" % (number, int(entry.group(2)))).match(data, offset):
                    return None
                checked += 1
    if checked == 0 or not re.compile(rb"\s*trailer").match(data, position):
        return None
    return shift


def _assess_image(path: Path, kind: str) -> Assessment:
    from PIL import Image, UnidentifiedImageError

    png = scan_png(path) if kind == "png" else None
    if png is not None and png.damage is not None:
        return Assessment(kind, f"图像已损坏，无法读取（{png.damage}）")
    try:
        with warnings.catch_warnings():
            # the pixels were bounded from the header already (toolkit.imagesize)
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
        with image:
            frames = getattr(image, "n_frames", 1)
            mode = image.mode
            orientation = image.getexif().get(0x0112, 1) if kind == "jpeg" else 1
            if kind == "jpeg":
                image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
            # decoding finds a truncated or damaged image; a PNG read through by scan_png in
            # bounded memory (non-interlaced) need not be decoded whole
            for k in range(frames if png is None or png.interlaced else 0):
                image.seek(k)
                image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        return Assessment(kind, f"图像已损坏，无法读取（{_short(exc)}）")
    conversions = []
    if orientation in MIRRORED_ORIENTATIONS:
        conversions.append(Conversion("orientation",
                                      f"EXIF 方向为 {orientation}（{MIRRORED_ORIENTATIONS[orientation]}），"
                                      "图像无法原样编入页面", orientation))
    if mode == "CMYK":
        conversions.append(Conversion("cmyk-image", "CMYK 图像（案卷的输出意图为 sRGB）"))
    return Assessment(kind, None, tuple(conversions))
