"""How many pixels a scan has, read from its header before anything decodes it.

A 438 KB PNG can hold 20000 × 20000 pixels: decoding it to check or convert it takes gigabytes.
:func:`pixel_problem` reads the dimensions from the file's own header — PNG's IHDR, a JPEG's
start-of-frame segment, every page (IFD) of a TIFF or BigTIFF — with nothing but ``struct``
(``rcmz check`` loads no image library), and refuses an image above :data:`MAX_PIXELS`.
``toolkit.attachments.filing_problem`` asks it, so ``rcmz check`` reports the file at its line
and the dossier never opens it.

The limit, 150 megapixels, is above what a scan of an A4 page at 1200 dpi has (9921 × 14031,
139 megapixels) and of an A3 page at 600 dpi (7016 × 9921, 70 megapixels): no archive scan needs
more, and a larger image would be shrunk to the A4 page anyway.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

#: Largest image (width × height, per page) a volume accepts.
MAX_PIXELS = 150_000_000

#: JPEG start-of-frame markers (C4 DHT, C8 JPG and CC DAC are not frames).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
#: Markers without a length field.
_STANDALONE = {0x01, *range(0xD0, 0xD9)}
#: TIFF pages read at most (a damaged file could chain its directories in a loop).
_MAX_PAGES = 10_000


def image_pages(path: Path, kind: str) -> list[tuple[int, int]] | None:
    """(width, height) of each page of the image at ``path`` of ``kind`` (``png``, ``jpeg``,
    ``tiff``); None when the header cannot be read (the decoder then reports the damage)."""
    try:
        with open(path, "rb") as stream:
            if kind == "png":
                return _png(stream)
            if kind == "jpeg":
                return _jpeg(stream)
            if kind == "tiff":
                return _tiff(stream)
    except (OSError, struct.error, ValueError):
        return None
    return None


def pixel_problem(path: Path, kind: str) -> str | None:
    """Why the image at ``path`` is too large to file, in Chinese (None: it is not, or it is not
    an image, or its header says nothing)."""
    pages = image_pages(path, kind) if kind in ("png", "jpeg", "tiff") else None
    for number, (width, height) in enumerate(pages or (), 1):
        if width * height > MAX_PIXELS:
            page = f"第{number}页" if len(pages or ()) > 1 else ""
            return (f"图像{page}过大（{width}×{height} 像素，约 {width * height / 1e6:.0f} 百万像素），"
                    f"超过归档图像的上限 {MAX_PIXELS // 1_000_000} 百万像素（A4 幅面 1200 dpi 约 139 百万像素）："
                    "请以 300—600 dpi 重新扫描，或缩小后再归档")
    return None


def _png(stream) -> list[tuple[int, int]] | None:
    head = stream.read(24)
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return [(width, height)]


def _jpeg(stream) -> list[tuple[int, int]] | None:
    if stream.read(2) != b"\xff\xd8":
        return None
    while True:
        byte = stream.read(1)
        if not byte:
            return None
        if byte != b"\xff":
            continue  # not at a marker (entropy-coded data or padding): look on
        marker = stream.read(1)
        while marker == b"\xff":  # fill bytes
            marker = stream.read(1)
        if not marker:
            return None
        code = marker[0]
        if code in _STANDALONE or code == 0x00:
            continue
        if code in (0xD9, 0xDA):  # end of image, start of scan: no frame header before it
            return None
        (length,) = struct.unpack(">H", stream.read(2))
        if code in _SOF:
            _, height, width = struct.unpack(">BHH", stream.read(5))
            return [(width, height)] if height else None  # 0: height given later (DNL)
        stream.seek(length - 2, 1)


def _tiff(stream) -> list[tuple[int, int]] | None:
    head = stream.read(16)
    order = {b"II": "<", b"MM": ">"}.get(head[:2])
    if order is None:
        return None
    (magic,) = struct.unpack(order + "H", head[2:4])
    big = magic == 43
    if big:
        (offset,) = struct.unpack(order + "Q", head[8:16])
        count_fmt, entry_size, next_fmt = "Q", 20, "Q"
    elif magic == 42:
        (offset,) = struct.unpack(order + "I", head[4:8])
        count_fmt, entry_size, next_fmt = "H", 12, "I"
    else:
        return None
    pages: list[tuple[int, int]] = []
    seen: set[int] = set()
    while offset and offset not in seen and len(pages) < _MAX_PAGES:
        seen.add(offset)
        stream.seek(offset)
        size = struct.calcsize(count_fmt)
        (count,) = struct.unpack(order + count_fmt, stream.read(size))
        if count > 4096:
            return pages or None
        data = stream.read(count * entry_size)
        width = height = 0
        for k in range(count):
            entry = data[k * entry_size:(k + 1) * entry_size]
            if len(entry) < entry_size:
                break
            tag, kind = struct.unpack(order + "HH", entry[:4])
            if tag in (256, 257):
                value = _tiff_value(entry, kind, order, big)
                if tag == 256:
                    width = value
                else:
                    height = value
        if width and height:
            pages.append((width, height))
        (offset,) = struct.unpack(order + next_fmt, stream.read(struct.calcsize(next_fmt)))
    return pages or None


def _tiff_value(entry: bytes, kind: int, order: str, big: bool) -> int:
    """The first value of an ImageWidth/ImageLength entry (SHORT, LONG or LONG8, held inline)."""
    value = entry[12:20] if big else entry[8:12]
    if kind == 3:    # SHORT
        return struct.unpack(order + "H", value[:2])[0]
    if kind == 4:    # LONG
        return struct.unpack(order + "I", value[:4])[0]
    if kind == 16:   # LONG8 (BigTIFF)
        return struct.unpack(order + "Q", value[:8])[0]
    return 0


#: How much of a PNG is read or inflated at a time.
_CHUNK = 1 << 20


@dataclass(frozen=True)
class PngScan:
    damage: str | None   # why the file cannot be read, or None
    interlaced: bool = False
    exif: bool = False   # has an eXIf chunk (an orientation may be in it)


#: PNG colour type → samples per pixel.
_PNG_SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def scan_png(path: Path) -> PngScan:
    """Read a PNG through once in bounded memory: every chunk's CRC, the image data inflated
    piece by piece to the size its header promises.  A non-interlaced PNG checked here need not
    be decoded whole (a 12000 × 12000 scan is 432 MB of pixels): rcmz check and the dossier ask
    this, and img2pdf then embeds the compressed data as it is."""
    inflate = zlib.decompressobj()
    inflated = 0
    exif = False
    header = None
    with open(path, "rb") as stream:
        if stream.read(8) != b"\x89PNG\r\n\x1a\n":
            return PngScan("不是 PNG 文件")
        while True:
            head = stream.read(8)
            if len(head) < 8:
                return PngScan("文件不完整，缺少结束块 IEND")
            length, kind = struct.unpack(">I4s", head)
            crc = zlib.crc32(kind)
            left = length
            while left:
                piece = stream.read(min(left, _CHUNK))
                if not piece:
                    return PngScan(f"{kind.decode('latin-1')} 块不完整")
                left -= len(piece)
                crc = zlib.crc32(piece, crc)
                if kind == b"IHDR" and header is None:
                    header = piece[:13]
                elif kind == b"IDAT":
                    try:
                        while piece:
                            inflated += len(inflate.decompress(piece, _CHUNK))
                            piece = inflate.unconsumed_tail
                    except zlib.error as exc:
                        return PngScan(f"图像数据无法解压：{exc}")
            stored = stream.read(4)
            if len(stored) < 4 or struct.unpack(">I", stored)[0] != crc & 0xFFFFFFFF:
                return PngScan(f"{kind.decode('latin-1')} 块校验和不符")
            exif = exif or kind == b"eXIf"
            if kind == b"IEND":
                break
    if header is None or len(header) < 13:
        return PngScan("缺少文件头 IHDR")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if interlace:
        return PngScan(None, True, exif)  # Adam7 passes: left to the decoder
    row = (width * depth * _PNG_SAMPLES.get(colour, 4) + 7) // 8 + 1
    if not inflate.eof or inflated < height * row:
        return PngScan("图像数据不完整")
    return PngScan(None, False, exif)
