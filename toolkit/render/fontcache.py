"""CFF-outlined OpenType fonts (Fandol, Noto CJK) made usable for reportlab.

reportlab embeds TrueType (``glyf``) outlines only.  A CFF font is therefore converted with
fontTools (cubic → quadratic curves, ``cu2qu``, at most 1/1000 em off) into TrueType files kept
in a cache folder, keyed by the SHA-256 of the source file.  A CJK face has 10,000 – 65,000
glyphs and the conversion costs a few milliseconds per glyph, so a source face is converted in
**parts**, each only when a character of it is first drawn:

* ``core`` – the symbols of GB2312 (rows 1–9), its level-1 hanzi (3,755, rows 16–55), ASCII,
  Latin-1 and the punctuation and symbol blocks a document uses;
* ``gb2`` – the level-2 hanzi of GB2312 (3,008, rows 56–87);
* ``uXXXX`` – everything else the font has, by blocks of 1,024 code points (``u5400`` holds
  喆 U+5586): a rare character costs the conversion of its block only, not of the 14,000 other
  CJK ideographs of Noto CJK.

What a part contains, the advance widths and the vertical metrics are read from the source
without converting anything (:class:`Source`), so coverage, fallback decisions and line layout
cost nothing; only drawing needs the converted file (:func:`part_file`).

Cache folder: ``$RCMZ_FONT_CACHE``, else ``$RCMZ_CACHE_DIR/fonts``, else
``%LOCALAPPDATA%\\rcmz\\cache\\fonts`` (Windows) or ``$XDG_CACHE_HOME/rcmz/fonts``
(``~/.cache/rcmz/fonts``), created with mode 0700.  Files are written atomically; when the folder
cannot be written (read-only home), conversions go to a temporary folder for this process, with a
warning.  ``python -m toolkit.render.fontcache`` converts the parts a document needs ahead of time
(``make setup`` does), in parallel.

Fetched fonts (``scripts/fetch-fonts.sh``) live in ``$RCMZ_FONT_HOME``, else
``$XDG_DATA_HOME/rcmz/fonts`` (``~/.local/share/rcmz/fonts``; Windows ``%LOCALAPPDATA%\\rcmz\\fonts``).
"""

from __future__ import annotations

import atexit
import copy
import logging
import os
import re
import shutil
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from toolkit.render import fontmetrics

log = logging.getLogger("rcmz.render.fontcache")  # rcmz's own notices reach the terminal (toolkit/logs.py)

#: Bump when the conversion changes: old files are then ignored (and may be deleted).
FORMAT = 1

#: The parts every converted face is tried in first (then its ``uXXXX`` blocks, in order).
PARTS: tuple[str, ...] = ("core", "gb2")

#: Non-hanzi blocks a Chinese document uses, converted with the level-1 hanzi.
CORE_BLOCKS: tuple[tuple[int, int], ...] = (
    (0x0020, 0x024F),   # ASCII, Latin-1, Latin Extended-A/B
    (0x02B0, 0x02FF),   # spacing modifiers (ˇ ˉ)
    (0x0370, 0x04FF),   # Greek, Cyrillic (GB2312 rows 6–7)
    (0x2000, 0x2BFF),   # punctuation, super/subscripts, letterlike, number forms, arrows,
                        # maths, technical, enclosed alphanumerics (①), box drawing, shapes
    (0x3000, 0x303F),   # CJK symbols and punctuation
    (0x3200, 0x33FF),   # enclosed CJK (㈠), CJK compatibility (㎡)
    (0xFE30, 0xFE4F),   # CJK compatibility forms
    (0xFF00, 0xFFEF),   # half-width and full-width forms
)


# --------------------------------------------------------------------------------------------
# GB2312


def _gb2312_rows(first: int, last: int) -> list[str]:
    """The characters of GB2312 rows ``first``–``last`` (row r is lead byte 0xA0 + r)."""
    out = []
    for row in range(first, last + 1):
        for cell in range(1, 95):
            try:
                out.append(bytes([0xA0 + row, 0xA0 + cell]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


@lru_cache(maxsize=1)
def gb2312_hanzi() -> frozenset[str]:
    """The 6,763 hanzi of GB2312 (rows 16–87), from Python's ``gb2312`` codec."""
    return frozenset(_gb2312_rows(16, 87))


@lru_cache(maxsize=1)
def _gb2312_level1() -> frozenset[int]:
    return frozenset(ord(c) for c in _gb2312_rows(16, 55))


@lru_cache(maxsize=1)
def _gb2312_level2() -> frozenset[int]:
    return frozenset(ord(c) for c in _gb2312_rows(56, 87))


@lru_cache(maxsize=1)
def _gb2312_symbols() -> frozenset[int]:
    return frozenset(ord(c) for c in _gb2312_rows(1, 9))


def part_of(code: int) -> str:
    """Which part of a converted font holds the character ``code``."""
    if code in _gb2312_level1() or code in _gb2312_symbols():
        return "core"
    if code in _gb2312_level2():
        return "gb2"
    if not 0x3400 <= code <= 0x9FFF and any(lo <= code <= hi for lo, hi in CORE_BLOCKS):
        return "core"
    return f"u{code & ~0x3FF:04X}"


def part_order(parts: Iterable[str]) -> list[str]:
    """``core``, ``gb2``, then the blocks by code point."""
    return sorted(parts, key=lambda p: (PARTS.index(p), 0) if p in PARTS else (9, int(p[1:], 16)))


# --------------------------------------------------------------------------------------------
# folders


def file_signatures(chains: Mapping[str, Iterable[str]], roles: Iterable[str]) -> list[str]:
    """What tells the font files of ``roles`` in ``chains`` (role → ``path`` or ``path#index``
    entries, as configured) apart, with each file's size and modification time: part of the key
    of what is made from them and kept (page counts, stamp batches, stamp fonts)."""
    out = []
    for role in roles:
        for entry in chains.get(role, ()):
            file = re.sub(r"#\d+$", "", str(entry))  # "collection.ttc#2": face 2 of the file
            try:
                stat = os.stat(file)
                out.append(f"{role}:{os.path.abspath(file)}:{entry}:{stat.st_size}:{stat.st_mtime_ns}")
            except OSError:
                out.append(f"{role}:{entry}:-")
    return out


def cache_dir() -> Path:
    """Where converted fonts are kept (not created here)."""
    if os.environ.get("RCMZ_FONT_CACHE"):
        return Path(os.environ["RCMZ_FONT_CACHE"])
    if os.environ.get("RCMZ_CACHE_DIR"):
        return Path(os.environ["RCMZ_CACHE_DIR"]) / "fonts"
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "rcmz" / "cache" / "fonts"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rcmz" / "fonts"


def font_home() -> Path:
    """Where ``scripts/fetch-fonts.sh`` puts fetched fonts (``fandol/`` inside)."""
    if os.environ.get("RCMZ_FONT_HOME"):
        return Path(os.environ["RCMZ_FONT_HOME"])
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "rcmz" / "fonts"
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "rcmz" / "fonts"


_TEMP: dict[str, Path] = {}
_LOCK = threading.RLock()


def _writable_dir() -> Path:
    """The cache folder, created 0700; a temporary folder (with a warning) when it cannot be."""
    root = cache_dir()
    target = root / f"v{FORMAT}"
    try:
        for folder in (root, target):
            if not folder.is_dir():
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.chmod(folder, 0o700)
        probe = tempfile.NamedTemporaryFile(dir=target, prefix=".probe-", delete=True)
        probe.close()
        return target
    except OSError as exc:
        with _LOCK:
            key = str(target)
            if key not in _TEMP:
                _TEMP[key] = Path(tempfile.mkdtemp(prefix="rcmz-fonts-"))
                # reportlab holds a loaded font in memory: the folder can go when the process does
                atexit.register(shutil.rmtree, _TEMP[key], True)
                log.warning("字体缓存文件夹 %s 无法写入（%s），转换后的字体暂存于 %s，"
                            "本次运行结束后不保留（可设 RCMZ_FONT_CACHE 指定可写的文件夹）",
                            target, exc.strerror or exc, _TEMP[key])
            return _TEMP[key]


# --------------------------------------------------------------------------------------------
# sources


def is_cff(path: str, index: int = 0) -> bool:
    """Whether face ``index`` of the font file ``path`` has CFF (PostScript) outlines."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(12)
            if head[:4] == b"ttcf":
                count = struct.unpack(">L", head[8:12])[0]
                if index >= count:
                    return False
                stream.seek(12 + 4 * index)
                offset = struct.unpack(">L", stream.read(4))[0]
                stream.seek(offset)
                head = stream.read(4)
            return head[:4] == b"OTTO"
    except (OSError, struct.error):
        return False


def file_digest(path: str) -> str:
    """SHA-256 of a file (hex), hashed again only when the file changes
    (:func:`toolkit.render.fontmetrics.digest`)."""
    return fontmetrics.digest(path)


@dataclass
class Source:
    """A CFF face as reportlab would see it after conversion, read without converting it.

    Widths and vertical metrics are in 1/1000 em, computed as reportlab computes them from the
    converted file (advance widths from ``hmtx``, ascent and descent from ``OS/2``'s typographic
    values), so a layout measured before the conversion is the layout drawn after it.
    """

    path: str
    index: int
    digest: str
    psname: str
    family: str
    style: str
    widths: dict[int, float]
    default_width: float
    ascent: float
    descent: float
    parts: dict[str, frozenset[int]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        name = Path(self.path).name
        return f"{name}#{self.index}" if self.path.lower().endswith((".ttc", ".otc")) else name

    @property
    def cmap(self) -> dict[int, float]:
        return self.widths

    def part_psname(self, part: str) -> str:
        return self.psname if part == "core" else f"{self.psname}-{part.upper()}"

    def part_path(self, directory: Path, part: str) -> Path:
        return directory / self.digest / f"{self.index}-{part}.ttf"


def source(path: str, index: int = 0) -> Source:
    """What converting face ``index`` of the CFF font ``path`` will give (read once per file
    version, and kept across runs: :mod:`toolkit.render.fontmetrics`)."""
    return _source(os.path.abspath(path), index, fontmetrics.signature(os.stat(path)))


@lru_cache(maxsize=32)
def _source(path: str, index: int, signature: tuple[int, ...]) -> Source:
    digest = fontmetrics.digest(path)
    key, library = f"{digest}-{index}", _source_library()
    kept = fontmetrics.load("source", key, library)
    if kept is not None:
        try:
            return _source_from(kept, path, index, digest)
        except (KeyError, TypeError, ValueError):
            pass  # not what this version writes: read the font again
    src = _read_source(path, index, digest)
    fontmetrics.store("source", key, library, {
        "psname": src.psname, "family": src.family, "style": src.style, "widths": src.widths,
        "default_width": src.default_width, "ascent": src.ascent, "descent": src.descent,
        "parts": src.parts})
    return src


@lru_cache(maxsize=1)
def _source_library() -> str:
    """What a kept :class:`Source` depends on besides the font: how characters are split into
    parts, and the installed fontTools."""
    from toolkit.cachefile import package_stamp

    return repr((PARTS, CORE_BLOCKS, package_stamp("fontTools")))


def _source_from(kept: dict, path: str, index: int, digest: str) -> Source:
    """A :class:`Source` from its kept record, its types checked (a record is data, never trusted
    to be of the right shape)."""
    widths, parts = kept["widths"], kept["parts"]
    if not (isinstance(widths, dict) and isinstance(parts, dict)
            and all(isinstance(p, str) and isinstance(codes, frozenset) for p, codes in parts.items())):
        raise TypeError("malformed source record")
    numbers = [kept[k] for k in ("default_width", "ascent", "descent")]
    names = [kept[k] for k in ("psname", "family", "style")]
    if not all(isinstance(n, (int, float)) for n in numbers) or not all(isinstance(n, str) for n in names):
        raise TypeError("malformed source record")
    return Source(path=path, index=index, digest=digest, psname=names[0], family=names[1],
                  style=names[2], widths=widths, default_width=float(numbers[0]),
                  ascent=float(numbers[1]), descent=float(numbers[2]), parts=parts)


def _read_source(path: str, index: int, digest: str) -> Source:
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        upem = font["head"].unitsPerEm
        scale = 1000.0 / upem
        cmap = font.getBestCmap() or {}
        hmtx = font["hmtx"].metrics
        order = font.getGlyphOrder()
        widths = {code: hmtx[name][0] * scale for code, name in cmap.items() if name in hmtx}
        if 0x20 in widths:          # reportlab maps NBSP to the space (and back)
            widths[0xA0] = widths[0x20]
        elif 0xA0 in widths:
            widths[0x20] = widths[0xA0]
        os2 = font["OS/2"] if "OS/2" in font else None
        if os2 is not None:
            ascent, descent = os2.sTypoAscender * scale, os2.sTypoDescender * scale
        else:
            ascent, descent = font["head"].yMax * scale, font["head"].yMin * scale
        name = font["name"]
        psname = (name.getDebugName(6) or Path(path).stem).replace(" ", "")
        parts: dict[str, set[int]] = {}
        for code in cmap:
            parts.setdefault(part_of(code), set()).add(code)
        return Source(path=path, index=index, digest=digest, psname=psname,
                      family=name.getDebugName(1) or psname, style=name.getDebugName(2) or "",
                      widths=widths, default_width=hmtx[order[0]][0] * scale,
                      ascent=ascent, descent=descent,
                      parts={p: frozenset(parts[p]) for p in part_order(parts)})
    finally:
        font.close()


# --------------------------------------------------------------------------------------------
# conversion


def convert(src: Source, part: str, dest: Path) -> Path:
    """Write part ``part`` of ``src`` as a TrueType font at ``dest`` (atomically)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(src.path, fontNumber=src.index, lazy=True)
    try:
        cmap = font.getBestCmap()
        codes = sorted(src.parts.get(part, ()))
        order = font.getGlyphOrder()
        wanted = {cmap[c] for c in codes if c in cmap}
        names = [order[0]] + [g for g in order[1:] if g in wanted]
        glyphset = font.getGlyphSet()
        glyphs = {}
        for name in names:
            pen = TTGlyphPen(None)
            glyphset[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyphs[name] = pen.glyph()
        hmtx = font["hmtx"].metrics
        head = font["head"]
        fb = FontBuilder(head.unitsPerEm, isTTF=True)
        fb.setupGlyphOrder(names)
        fb.setupCharacterMap({c: cmap[c] for c in codes if c in cmap})
        fb.setupGlyf(glyphs)
        glyf = fb.font["glyf"]
        fb.setupHorizontalMetrics({n: (hmtx[n][0], getattr(glyf[n], "xMin", 0)) for n in names})
        hhea = font["hhea"]
        fb.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
        fb.setupPost(keepGlyphNames=False, italicAngle=font["post"].italicAngle,
                     underlinePosition=font["post"].underlinePosition,
                     underlineThickness=font["post"].underlineThickness,
                     isFixedPitch=font["post"].isFixedPitch)
        fb.setupMaxp()
        # head, OS/2 and name as the source has them (dates too: the same source gives the same
        # bytes, so PDFs stay reproducible), with this part's PostScript name
        new_head = fb.font["head"]
        for attr in ("fontRevision", "created", "modified", "macStyle", "flags", "lowestRecPPEM",
                     "fontDirectionHint"):
            setattr(new_head, attr, getattr(head, attr))
        fb.font["OS/2"] = copy.deepcopy(font["OS/2"])
        names_table = newTable("name")
        names_table.names = []
        psname = src.part_psname(part)
        for rec in font["name"].names:
            if rec.platformID != 3:
                continue
            text = rec.toUnicode()
            if rec.nameID == 6:
                text = psname
            elif rec.nameID == 3:
                text = f"{text};rcmz-{part}"
            names_table.setName(text, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        names_table.setName(psname, 6, 3, 1, 0x409)
        names_table.setName(
            f"Modified by rcmz: CFF outlines converted to TrueType outlines (fontTools cu2qu, "
            f"max error 1/1000 em), characters of part '{part}' only; source "
            f"{Path(src.path).name} face {src.index}, SHA-256 {src.digest}.", 10, 3, 1, 0x409)
        fb.font["name"] = names_table
        fb.font.recalcBBoxes = True
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
        os.close(fd)
        try:
            fb.font.save(tmp, reorderTables=False)
            os.chmod(tmp, 0o600)
            os.replace(tmp, dest)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return dest
    finally:
        font.close()


class _FileLock:
    """An advisory lock (POSIX ``flock``) so that parallel workers convert a part once."""

    def __init__(self, path: Path):
        self.path, self.stream = path, None

    def __enter__(self):
        try:
            import fcntl

            self.stream = open(self.path, "a+b")
            fcntl.flock(self.stream.fileno(), fcntl.LOCK_EX)
        except (ImportError, OSError):
            if self.stream is not None:
                self.stream.close()
            self.stream = None
        return self

    def __exit__(self, *exc):
        if self.stream is not None:
            self.stream.close()     # releases the lock


def cached_part(src: Source, part: str) -> Path | None:
    """The converted file of ``part`` if the cache already has it."""
    for directory in (cache_dir() / f"v{FORMAT}", *_TEMP.values()):
        path = src.part_path(directory, part)
        if path.is_file():
            return path
    return None


def part_file(src: Source, part: str) -> Path:
    """The converted TrueType file of ``part`` of ``src``, converting it now if needed."""
    found = cached_part(src, part)
    if found is not None:
        return found
    directory = _writable_dir()
    dest = src.part_path(directory, part)
    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _LOCK, _FileLock(dest.parent / f".{dest.name}.lock"):
        if dest.is_file():      # another process converted it meanwhile
            return dest
        t0 = time.perf_counter()
        count = len(src.parts.get(part, ()))
        if count >= 1000:
            log.warning("首次使用 %s：正在把其中 %d 个字形转换为 TrueType 并缓存（只需一次，约需 %d 秒；"
                        "make setup 可预先转换）", src.label, count, max(1, round(count / 400)))
        convert(src, part, dest)
        log.info("已把 %s 的 %s 部分（%d 字）转换为 TrueType：%.1f 秒", src.label, part,
                 count, time.perf_counter() - t0)
    return dest


def discard(path: Path) -> None:
    """Remove a converted file that turned out unreadable (it is converted again next time)."""
    try:
        path.unlink()
    except OSError:
        pass


# --------------------------------------------------------------------------------------------
# converting ahead of time


def _convert_job(args: tuple[str, int, str]) -> tuple[str, str, float]:
    path, index, part = args
    t0 = time.perf_counter()
    part_file(source(path, index), part)
    return f"{Path(path).name}#{index}", part, time.perf_counter() - t0


def prepare(jobs: Iterable[tuple[str, int, str]], workers: int | None = None,
            echo=None) -> float:
    """Convert the given (path, index, part) in parallel processes; returns the seconds taken."""
    todo = [j for j in jobs if cached_part(source(j[0], j[1]), j[2]) is None]
    t0 = time.perf_counter()
    if not todo:
        return 0.0
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    results: Iterator[tuple[str, str, float]]
    if workers == 1:
        results = map(_convert_job, todo)
    else:
        import concurrent.futures as cf
        import multiprocessing

        pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        results = pool.map(_convert_job, todo)
    try:
        for label, part, seconds in results:
            if echo:
                echo(f"  {label} {part}：{seconds:.1f} 秒")
    finally:
        if workers > 1:
            pool.shutdown()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """``python -m toolkit.render.fontcache``: convert what documents need, ahead of time."""
    from toolkit.render.fonts import prepare_jobs

    jobs = prepare_jobs()
    if not jobs:
        print("没有需要转换的 CFF 字体（未找到 Fandol 字体，或已装有正式字体）。")
        return 0
    print(f"正在把 {len(jobs)} 个字体部分转换为 TrueType（缓存：{cache_dir()}）……", flush=True)
    seconds = prepare(jobs, echo=lambda line: print(line, flush=True))
    print(f"完成，用时 {seconds:.1f} 秒。" if seconds else "已在缓存中，无需转换。")
    return 0


if __name__ == "__main__":  # run the functions of the imported module, not of this __main__ copy
    from toolkit.render.fontcache import main as _main

    sys.exit(_main())
