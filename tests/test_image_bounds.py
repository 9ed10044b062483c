"""Item 1 of issue 11, images: pixels bounded from the header before anything decodes them, a
located message at `rcmz check`, and a large PNG filed in bounded memory."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from conftest import edit
from toolkit.attachments import filing_problem
from toolkit.cli import main
from toolkit.dossier.sources import inspect
from toolkit.errors import DossierError
from toolkit.imagesize import MAX_PIXELS, image_pages, pixel_problem

TESTS = Path(__file__).resolve().parent


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path: Path, width: int, height: int, *, rows: bool = True) -> Path:
    """A grey-and-pattern RGB PNG written row by row (never held in memory); ``rows=False``
    writes only the header and a token of image data (the bound refuses it before reading)."""
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(_chunk(b"pHYs", struct.pack(">IIB", 23622, 23622, 1)))   # 600 dpi
        squeeze = zlib.compressobj(6)
        row = b"\x00" + bytes((x * 7) & 0xFF for x in range(width * 3))
        pending = []
        for _ in range(height if rows else 1):
            pending.append(squeeze.compress(row))
            if sum(map(len, pending)) > 1 << 20:
                f.write(_chunk(b"IDAT", b"".join(pending)))
                pending = []
        pending.append(squeeze.flush())
        f.write(_chunk(b"IDAT", b"".join(pending)))
        f.write(_chunk(b"IEND", b""))
    return path


def write_jpeg_header(path: Path, width: int, height: int) -> Path:
    """SOI, an APP0, a start-of-frame naming the size, EOI: enough for a header reader."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    data = (b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
            + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof + b"\xff\xd9")
    path.write_bytes(data)
    return path


def write_tiff_header(path: Path, pages: list[tuple[int, int]], *, big: bool = False) -> Path:
    """A TIFF (or BigTIFF) whose directories give only width and height, one per page."""
    out = bytearray(b"II+\x00\x08\x00\x00\x00" + b"\x10" + bytes(7) if big else b"II*\x00\x08\x00\x00\x00")
    for n, (width, height) in enumerate(pages):
        last = n == len(pages) - 1
        if big:
            ifd = struct.pack("<Q", 2)
            ifd += struct.pack("<HHQQ", 256, 16, 1, width) + struct.pack("<HHQQ", 257, 16, 1, height)
            ifd += struct.pack("<Q", 0 if last else len(out) + len(ifd) + 8)
        else:
            ifd = struct.pack("<H", 2)
            ifd += struct.pack("<HHII", 256, 4, 1, width) + struct.pack("<HHII", 257, 3, 1, height)
            ifd += struct.pack("<I", 0 if last else len(out) + len(ifd) + 4)
        out += ifd
    path.write_bytes(bytes(out))
    return path


# --- reading the size from the header -----------------------------------------------------------


@pytest.mark.parametrize("fmt, kind, save", [("PNG", "png", {}), ("JPEG", "jpeg", {}),
                                             ("JPEG", "jpeg", {"progressive": True}),
                                             ("TIFF", "tiff", {"compression": "group4"})])
def test_header_size_is_the_decoders(tmp_path, fmt, kind, save):
    path = tmp_path / f"x.{kind}"
    mode = "1" if save.get("compression") == "group4" else "RGB"
    image = Image.new(mode, (1234, 567))
    exif = Image.Exif()
    exif[0x010F] = "x" * 3000    # a large APP1 segment before the frame header
    image.save(path, format=fmt, **save, **({"exif": exif} if fmt == "JPEG" else {}))
    assert image_pages(path, kind) == [(1234, 567)]


def test_every_tiff_page_counts(tmp_path):
    frames = [Image.new("1", size, 1) for size in ((800, 600), (1000, 700), (640, 480))]
    path = tmp_path / "fax.tif"
    frames[0].save(path, format="TIFF", save_all=True, append_images=frames[1:], compression="group4")
    assert image_pages(path, "tiff") == [(800, 600), (1000, 700), (640, 480)]
    big = write_tiff_header(tmp_path / "big.tif", [(1000, 1000), (20000, 20000)])
    assert "第2页过大（20000×20000 像素" in pixel_problem(big, "tiff")
    bigtiff = write_tiff_header(tmp_path / "bigtiff.tif", [(30000, 30000)], big=True)
    assert image_pages(bigtiff, "tiff") == [(30000, 30000)]
    assert "过大" in pixel_problem(bigtiff, "tiff")


@pytest.mark.parametrize("make, kind", [
    (lambda p: write_png(p / "huge.png", 20000, 20000, rows=False), "png"),
    (lambda p: write_jpeg_header(p / "huge.jpg", 20000, 20000), "jpeg"),
    (lambda p: write_tiff_header(p / "huge.tif", [(20000, 20000)]), "tiff"),
])
def test_too_many_pixels_refused_before_decoding(tmp_path, make, kind):
    path = make(tmp_path)
    problem = filing_problem(path)
    assert problem is not None and "20000×20000 像素" in problem and "400 百万像素" in problem
    assert f"{MAX_PIXELS // 1_000_000} 百万像素" in problem
    with pytest.raises(DossierError, match="图像过大"):
        inspect(path, "第1件的附件1《扫描件》", tmp_path, "a1")


def test_at_the_limit_is_accepted(tmp_path):
    assert pixel_problem(write_jpeg_header(tmp_path / "ok.jpg", 10000, 15000), "jpeg") is None
    assert pixel_problem(write_jpeg_header(tmp_path / "no.jpg", 10000, 15001), "jpeg") is not None


def test_unreadable_headers_are_left_to_the_decoder(tmp_path):
    (tmp_path / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00")
    (tmp_path / "loop.tif").write_bytes(b"II*\x00\x08\x00\x00\x00" + struct.pack("<H", 0) + struct.pack("<I", 8))
    for name, kind in (("cut.png", "png"), ("cut.jpg", "jpeg"), ("loop.tif", "tiff")):
        assert pixel_problem(tmp_path / name, kind) is None


def test_check_names_the_file_line_and_field(example):
    case = example()
    attachments = case / "attachments"
    write_png(attachments / "huge-scan.png", 20000, 20000, rows=False)
    edit(case / "03-investigation.yaml", {"attachments.1.file": "attachments/huge-scan.png"})
    result = CliRunner().invoke(main, ["check", str(case)])
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if "huge-scan.png" in line)
    text = (case / "03-investigation.yaml").read_text(encoding="utf-8").splitlines()
    number = next(n for n, row in enumerate(text, 1) if "huge-scan.png" in row)
    assert f"03-investigation.yaml:{number}:" in line and "[attachments[1].file]" in line
    assert "图像过大（20000×20000 像素" in line and "Traceback" not in result.output


# --- converting a large PNG in bounded memory ------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory read from /proc (Linux)")
def test_a_12000_pixel_png_is_filed_in_bounded_memory(tmp_path):
    """Formerly 1.3 GB at peak (decoded to check it, decoded again by img2pdf for its EXIF)."""
    path = write_png(tmp_path / "scan.png", 12000, 12000)
    # VmHWM, the peak of this process's own memory: ru_maxrss would carry over the size of the
    # (large) test process it was started from, which Linux keeps across exec
    probe = (
        "import re\nfrom pathlib import Path\nfrom toolkit.dossier.sources import inspect\n"
        f"part = inspect(Path({str(path)!r}), '附件', Path({str(tmp_path)!r}), 'p')\n"
        "peak = re.search(r'VmHWM:\\s+(\\d+) kB', Path('/proc/self/status').read_text()).group(1)\n"
        "print(part.pages, int(peak) // 1024)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=TESTS.parent, check=True)
    pages, peak_mb = map(int, done.stdout.split())
    assert pages == 1
    assert peak_mb < 250, f"peak {peak_mb} MB"
    assert "DecompressionBomb" not in done.stderr
    # the PNG data went in as it was: the page's image is the file's compressed data
    import pikepdf

    with pikepdf.open(tmp_path / "p.pdf") as pdf:
        image = next(iter(pdf.pages[0].get_images().values()))
        assert image.Width == 12000 and image.Filter == pikepdf.Name.FlateDecode
        assert len(image.read_raw_bytes()) > 0.9 * (path.stat().st_size - 200)


def test_damaged_png_data_is_refused_without_decoding(tmp_path):
    path = write_png(tmp_path / "scan.png", 2000, 1500)
    data = bytearray(path.read_bytes())
    start = data.index(b"IDAT") + 4
    data[start + 200] ^= 0xFF          # a flipped byte: inflating or the CRC finds it
    (tmp_path / "crc.png").write_bytes(bytes(data))
    with pytest.raises(DossierError, match="图像已损坏.*(校验和不符|无法解压)"):
        inspect(tmp_path / "crc.png", "附件", tmp_path, "c")
    # image data that stops short of what the header promises (CRCs recomputed: well formed)
    short = io.BytesIO()
    short.write(b"\x89PNG\r\n\x1a\n")
    short.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", 2000, 1500, 8, 2, 0, 0, 0)))
    short.write(_chunk(b"IDAT", zlib.compress(b"\x00" + bytes(6000))))
    short.write(_chunk(b"IEND", b""))
    (tmp_path / "short.png").write_bytes(short.getvalue())
    with pytest.raises(DossierError, match="图像数据不完整"):
        inspect(tmp_path / "short.png", "附件", tmp_path, "s")
