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
"""

from __future__ import annotations

import re
from pathlib import Path

from toolkit.imagesize import pixel_problem

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
