"""Font roles of GB/T 9704 and the files that play them, with per-character fallback.

The standard names five faces; a document asks for a *role* and a :class:`FontBook` maps it to
an ordered list of font files.  Text is cut into runs: each character goes to the first file of
the role's list whose cmap has it; when none has it, :class:`toolkit.errors.RenderError` names
the character — a PDF never shows a tofu box.

Defaults (see docs/fonts-and-layout.md):

* the offices' licensed fonts where installed (Windows ``simfang.ttf`` … , 方正小标宋, macOS
  ``Songti.ttc`` / 华文仿宋 …), found by file name in the usual font folders;
* otherwise free faces: 仿宋 → FandolFang, 黑体 → FandolHei, 楷体 → FandolKai, 宋体 →
  FandolSong, 小标宋 → Noto Serif CJK SC Bold (``fonts-noto-cjk``) or else FandolSong Bold —
  the Fandol faces fetched by ``scripts/fetch-fonts.sh`` (from Debian's texlive-lang-chinese,
  without installing TeX) — then the older stand-ins AR PL UMing / UKai, WenQuanYi Zen Hei;
* every role ends with LXGW WenKai, the widest free coverage (𠮷 U+20BB7, 㵘 U+3D58).

Fandol and Noto CJK have CFF outlines, which reportlab cannot embed: they are converted to
TrueType in parts, each when a character of it is first drawn, and cached
(:mod:`toolkit.render.fontcache`); coverage and widths are read from the source without
converting.  A file that cannot be loaded or converted is skipped with a note
(:attr:`FontBook.notes`) rather than crashing.

Every PDF set with a FontBook is reported when reportlab writes it (:attr:`FontBook.renders`):
characters that fell back from a role's first face to another are logged as a warning per
document, and a FontBook made for a bureau's documents (:func:`fontbook_from_config` with
``base``) warns once when official documents are set in free stand-ins instead of the licensed
faces.

reportlab writes an invalid ToUnicode entry for characters outside the BMP (an odd-length hex
string); the TTFont of :func:`_ttfont_class` rewrites the subset's ToUnicode CMap with UTF-16 surrogate pairs, so
text extraction returns 𠮷.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.errors import ConfigError, RenderError
from toolkit.render import fontcache, fontmetrics

if TYPE_CHECKING:  # reportlab loads when a face is first drawn: `rcmz check` finds the files only
    from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger("rcmz.render.fonts")  # rcmz's own notices reach the terminal (toolkit/logs.py)

ROLES: tuple[str, ...] = ("fangsong", "xiaobiaosong", "heiti", "kaiti", "songti")
ROLE_NAMES: dict[str, str] = {
    "fangsong": "仿宋", "xiaobiaosong": "小标宋", "heiti": "黑体", "kaiti": "楷体", "songti": "宋体",
}

#: Licensed files offices have, by role, in order of preference (matched case-insensitively by
#: file name; "name#i" picks face i of a collection).
OFFICIAL_FILES: dict[str, tuple[str, ...]] = {
    "fangsong": ("仿宋_GB2312.ttf", "FangSong_GB2312.ttf", "FS_GB2312.ttf", "simfang.ttf",
                 "STFANGSO.TTF", "STFangsong.ttf", "华文仿宋.ttf", "Fangsong.ttf"),
    "xiaobiaosong": ("方正小标宋简体.ttf", "方正小标宋_GBK.ttf", "FZXBSJW.TTF", "FZXBSK.TTF",
                     "FZXiaoBiaoSong-B05S.ttf", "FZXiaoBiaoSong-B05.ttf", "FZXBSJW--GB1-0.ttf",
                     "FZXiaoBiaoSong-B05S-Regular.ttf"),
    "heiti": ("simhei.ttf", "黑体.ttf", "STHeiti Medium.ttc#0", "STHeiti Light.ttc#0",
              "STHEITI.TTF", "华文黑体.ttf"),
    "kaiti": ("楷体_GB2312.ttf", "KaiTi_GB2312.ttf", "simkai.ttf", "STKAITI.TTF", "华文楷体.ttf",
              "Kaiti.ttc#0"),
    "songti": ("simsun.ttc#0", "SimSun.ttf", "STSONG.TTF", "华文宋体.ttf", "Songti.ttc#0"),
}

#: Free faces by role, in order (see docs/fonts-and-layout.md for the choice): Fandol (fetched by
#: scripts/fetch-fonts.sh from Debian's texlive-lang-chinese), Noto Serif CJK SC Bold for the
#: mark and titles where fonts-noto-cjk is installed, then the older TrueType stand-ins
#: (fonts-arphic-uming, fonts-arphic-ukai, fonts-wqy-zenhei).  Never a sans for 小标宋.
FREE_FILES: dict[str, tuple[str, ...]] = {
    "fangsong": ("FandolFang-Regular.otf", "uming.ttc#0"),
    "xiaobiaosong": ("NotoSerifCJK-Bold.ttc#2", "NotoSerifCJKsc-Bold.otf", "NotoSerifSC-Bold.otf",
                     "FandolSong-Bold.otf", "uming.ttc#0"),
    "heiti": ("FandolHei-Regular.otf", "wqy-zenhei.ttc#0"),
    "kaiti": ("FandolKai-Regular.otf", "ukai.ttc#0"),
    "songti": ("FandolSong-Regular.otf", "uming.ttc#0"),
}

#: The last per-character fallback of every role (Debian: fonts-lxgw-wenkai).
LAST_RESORT: tuple[str, ...] = ("LXGWWenKai-Regular.ttf",)

#: The Fandol files that scripts/fetch-fonts.sh extracts.
FANDOL_FILES: tuple[str, ...] = ("FandolFang-Regular.otf", "FandolSong-Regular.otf",
                                 "FandolSong-Bold.otf", "FandolHei-Regular.otf",
                                 "FandolHei-Bold.otf", "FandolKai-Regular.otf")

#: Where TeX Live keeps Fandol when it is installed.
TEXLIVE_FANDOL: tuple[str, ...] = (
    "/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol",
    "/usr/share/texmf/fonts/opentype/public/fandol",
    "/usr/local/texlive/texmf-dist/fonts/opentype/public/fandol",
)


def _standin_names() -> frozenset[str]:
    names = {_split_entry(n)[0].lower() for files in FREE_FILES.values() for n in files}
    names |= {n.lower() for n in LAST_RESORT + FANDOL_FILES}
    return frozenset(names)


def font_dirs() -> list[Path]:
    """The folders searched for fonts, in order."""
    home = Path.home()
    dirs = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".fonts",
            home / ".local/share/fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts"),
            home / "Library/Fonts"]
    windir = os.environ.get("WINDIR") or os.environ.get("SystemRoot")
    if windir:
        dirs.append(Path(windir) / "Fonts")
    dirs.append(Path("C:/Windows/Fonts"))
    local = os.environ.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "Microsoft/Windows/Fonts")
    # fonts fetched by scripts/fetch-fonts.sh, and Fandol where TeX Live is installed
    dirs.append(fontcache.font_home())
    dirs.extend(Path(d) for d in TEXLIVE_FANDOL)
    return dirs


@lru_cache(maxsize=1)
def _installed() -> dict[str, str]:
    """Lower-cased file name → first path found, over all font folders (walked once)."""
    found: dict[str, str] = {}
    for base in font_dirs():
        if not base.is_dir():
            continue
        for root, dirnames, files in os.walk(base):
            dirnames.sort()
            for name in sorted(files):
                if name.lower().endswith((".ttf", ".ttc", ".otf")):
                    found.setdefault(name.lower(), os.path.join(root, name))
    return found


def _split_entry(entry: str | Path) -> tuple[str, int]:
    """``"path.ttc#2"`` → ``("path.ttc", 2)``."""
    text = str(entry)
    m = re.fullmatch(r"(.*)#(\d+)", text)
    if m:
        return m.group(1), int(m.group(2))
    return text, 0


def _find(names: Iterable[str]) -> list[str]:
    out = []
    inst = _installed()
    for name in names:
        file, index = _split_entry(name)
        path = inst.get(file.lower())
        if path:
            out.append(f"{path}#{index}")
    return out


def default_role_files() -> dict[str, list[str]]:
    """Discovered files per role: licensed fonts first, then free stand-ins, then LXGW WenKai."""
    result = {}
    last = _find(LAST_RESORT)
    for role in ROLES:
        result[role] = _dedupe(_find(OFFICIAL_FILES[role]) + _find(FREE_FILES[role]) + last)
    return result


def is_standin(path: str) -> bool:
    """Whether ``path`` is one of the free faces (not a licensed font an office would use)."""
    return Path(_split_entry(path)[0]).name.lower() in _standin_names()


def prepare_jobs() -> list[tuple[str, int, str]]:
    """(file, face, part) of the CFF faces the default roles start with, for converting ahead.

    The ``core`` part of each role's first face (GB2312 level 1, symbols, ASCII) and the level-2
    hanzi of the body face: what the example documents draw.
    """
    jobs = []
    for role, chain in default_role_files().items():
        path, index = _split_entry(chain[0]) if chain else ("", 0)
        if not path or not fontcache.is_cff(path, index):
            continue
        parts = ("core", "gb2") if role == "fangsong" else ("core",)
        for part in parts:
            if (path, index, part) not in jobs:
                jobs.append((path, index, part))
    return jobs


def _dedupe(items: Iterable[str]) -> list[str]:
    seen, out = set(), []
    for item in items:
        path, index = _split_entry(item)
        key = (os.path.normcase(os.path.abspath(path)), index)
        if key not in seen:
            seen.add(key)
            out.append(f"{path}#{index}")
    return out


# --------------------------------------------------------------------------------------------
# reportlab TTFont with a correct ToUnicode CMap for characters outside the BMP


def _utf16_hex(code: int) -> str:
    if code <= 0xFFFF:
        return f"{code:04X}"
    code -= 0x10000
    return f"{0xD800 + (code >> 10):04X}{0xDC00 + (code & 0x3FF):04X}"


def to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ``makeToUnicodeCMap`` with UTF-16 (surrogate pairs) destination strings."""
    return "\n".join([
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{_utf16_hex(v)}>" for i, v in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ])


def _deflate_with_zlib_ng() -> None:
    """reportlab's FlateDecode filter compresses with zlib-ng instead of the system zlib: at the
    same level 6 its output is within 0.1 % of zlib's size in half the time.  The font subsets
    are most of every PDF's bytes, and compressing them was a fifth of typesetting a case's
    documents (149 → 69 ms for the 2025-003 example's 3.6 MB of streams).  Every stream
    reportlab writes compresses through its one filter object, whatever document it is in."""
    from reportlab.pdfbase import pdfdoc

    try:
        from zlib_ng import zlib_ng
    except ImportError:  # an environment installed without it: reportlab's own zlib, as slow as before
        return

    def encode(data: bytes | str) -> bytes:
        return zlib_ng.compress(data.encode("utf8") if isinstance(data, str) else data, 6)

    pdfdoc.PDFZCompress.encode = encode


@lru_cache(maxsize=1)
def _ttfont_class() -> type:
    """reportlab's TTFont whose subsets carry a valid ToUnicode CMap for non-BMP characters
    (defined on first use, so that importing this module does not load reportlab)."""
    from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

    _deflate_with_zlib_ng()

    class _TTFont(TTFont):
        """Writing a PDF also closes the record of what its text used (:func:`_finish_render`)."""

        def addObjects(self, doc):
            _finish_render(doc)
            state = self.state.get(doc)
            fixes = []
            if state is not None:
                for n, subset in enumerate(state.subsets):
                    if any(code > 0xFFFF for code in subset):
                        base = (b"".join((SUBSETN(n), b"+", self.face.name, self.face.subfontNameX))
                                ).decode("pdfdoc")
                        fixes.append((base, list(subset)))
            super().addObjects(doc)
            for base, subset in fixes:
                stream = doc.idToObject.get("toUnicodeCMap:" + base)
                if stream is not None:
                    stream.content = to_unicode_cmap(base, subset)

        @classmethod
        def of_face(cls, name: str, face) -> _TTFont:
            """The font of an already parsed ``face``: what ``TTFont.__init__`` sets besides
            parsing the file (tests/test_fonts.py compares the two on every reportlab)."""
            from fnmatch import fnmatch
            from weakref import WeakKeyDictionary

            from reportlab import rl_config
            from reportlab.pdfbase.ttfonts import TTEncoding

            font = cls.__new__(cls)
            font.fontName = name
            font.face = face
            font.encoding = TTEncoding()
            font.state = WeakKeyDictionary()
            font._asciiReadable = rl_config.ttfAsciiReadable
            font.shapable = not any(fnmatch(name, glob) for glob in rl_config.unShapedFontGlob)
            return font

    return _TTFont


@lru_cache(maxsize=1)
def _ttface_class() -> type:
    """reportlab's TrueType face, whose glyph table is not copied whole for every subset: its
    ``makeSubset`` asks for the ``glyf`` table only to slice glyphs out of it, and a copy of a
    CJK face's table is tens of MB, for each of the some 90 subsets a case's documents embed."""
    from reportlab.pdfbase.ttfonts import TTFontFace

    class _TTFontFace(TTFontFace):
        def get_table(self, tag):
            if tag != "glyf":
                return super().get_table(tag)
            pos, length = self.get_table_pos(tag)
            return _GlyphTable(memoryview(self._ttf_data)[pos:pos + length])

    return _TTFontFace


class _GlyphTable:
    """A table of a font file read by slices, each one bytes, as slicing the copied table gave."""

    __slots__ = ("view",)

    def __init__(self, view: memoryview):
        self.view = view

    def __getitem__(self, index: slice) -> bytes:
        return self.view[index].tobytes()

    def __len__(self) -> int:
        return len(self.view)


#: What a kept reportlab face does not hold: the file's bytes and name (this run's), and the
#: scaling function (code, rebuilt from unitsPerEm as reportlab builds it).
_FACE_OWN = ("_ttf_data", "filename", "_pdfScale")
#: Dropped from a kept face: glyph → characters, which only reportlab's HarfBuzz shaping reads
#: (rcmz sets no shaped text) and which is the largest of its tables.
_FACE_UNUSED = ("glyphToChar",)


def _ttfont(name: str, path: str, index: int) -> TTFont:
    """reportlab's TTFont (with :func:`_ttfont_class`'s ToUnicode fix) of face ``index`` of the
    TrueType file ``path``.  What reportlab parses from the file is kept across runs, keyed by
    the file's digest (:mod:`toolkit.render.fontmetrics`); a record that is missing or unusable
    means parsing the file as before.  A kept face reads the file through a map of it: only the
    pages of the glyphs a PDF embeds are read, not the tens of MB of a CJK face."""
    import io
    import mmap

    from reportlab import Version

    with open(path, "rb") as stream:
        st = os.fstat(stream.fileno())
        data: bytes | mmap.mmap = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) \
            if st.st_size else b""
    key, library = f"{fontmetrics.digest(path, st, data)}-{index}", f"reportlab {Version}"
    face = _kept_face(fontmetrics.load("face", key, library), data, path)
    if face is None:
        source = io.BytesIO(data)
        source.name = path      # reportlab names the face's file (and its PDF objects) by it
        face = _ttface_class()(source, subfontIndex=index)
        state = {k: v for k, v in vars(face).items() if k not in _FACE_OWN + _FACE_UNUSED}
        names = {k: v.ustr for k, v in state.items() if hasattr(v, "ustr")}
        fontmetrics.store("face", key, library, {
            "size": len(data), "names": names,
            "state": _packed({k: v for k, v in state.items() if k not in names})})
    cls: Any = _ttfont_class()  # defined at run time: mypy knows it as a type only
    return cls.of_face(name, face)


def _packed(state: dict) -> dict:
    """``state`` with its per-character and per-glyph tables as arrays of machine numbers: a
    record of a few byte strings is read in a fraction of a millisecond, one of dicts and
    lists with 40,000 entries each (a CJK face) in tens of milliseconds."""
    out = dict(state)
    for table in ("charToGlyph", "charWidths"):
        codes = sorted(state[table])
        out[table] = (_numbers(codes), _numbers([state[table][c] for c in codes]))
    out["hmetrics"] = _numbers([n for pair in state["hmetrics"] for n in pair])
    out["glyphPos"] = _numbers(state["glyphPos"])
    return out


def _numbers(values: list) -> tuple[str, bytes]:
    """Numbers as an array's type code and bytes: 64-bit integers when all are ``int``, else
    doubles (both give back exactly the numbers they were made of)."""
    from array import array

    code = "q" if all(type(v) is int for v in values) else "d"
    return code, array(code, values).tobytes()


def _unpacked(state: dict) -> dict:
    """The tables of a :func:`_packed` state, as reportlab reads them."""
    from array import array

    def numbers(packed: tuple[str, bytes]) -> array:
        code, data = packed
        if code not in ("q", "d"):
            raise ValueError(code)
        return array(code, data)

    out = dict(state)
    for table in ("charToGlyph", "charWidths"):
        codes, values = state[table]
        out[table] = dict(zip(numbers(codes), numbers(values), strict=True))
    out["hmetrics"] = _Pairs(numbers(state["hmetrics"]))
    out["glyphPos"] = numbers(state["glyphPos"])
    out.update({name: {} for name in _FACE_UNUSED})
    return out


class _Pairs:
    """reportlab's ``hmetrics`` — (advance, left side bearing) by glyph — over a flat array."""

    __slots__ = ("flat",)

    def __init__(self, flat):
        self.flat = flat

    def __getitem__(self, glyph: int) -> tuple[int, int]:
        if not 0 <= glyph < len(self):
            raise IndexError(glyph)
        return self.flat[2 * glyph], self.flat[2 * glyph + 1]

    def __len__(self) -> int:
        return len(self.flat) // 2


def _kept_face(kept, data, path: str):
    """The reportlab face restored from a kept record, or None when the record does not fit
    this file (another size, a glyph table past its end, attributes missing)."""
    from reportlab.pdfbase.ttfonts import TTFNameBytes

    try:
        packed, names = kept["state"], kept["names"]
        if kept["size"] != len(data) or not isinstance(packed, dict) or not isinstance(names, dict):
            return None
        state = _unpacked(packed)
        tables = state["table"].values()
        if any(t["offset"] + t["length"] > len(data) for t in tables):
            return None
        if len(state["glyphPos"]) != state["numGlyphs"] + 1 \
                or len(state["hmetrics"]) > state["numGlyphs"] + 1:
            return None
        units = state["unitsPerEm"]
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    cls: Any = _ttface_class()
    face = cls.__new__(cls)
    vars(face).update(state)
    vars(face).update({k: TTFNameBytes(v.encode("utf-8")) for k, v in names.items()})
    face._ttf_data, face.filename = data, path
    face._pdfScale = (lambda x: x) if units == 1000 else (lambda x, m=1000 / units: x * m)
    return face


class _Face:
    """One font file (or collection face, or part of a converted CFF face) for reportlab.

    A TrueType file is loaded at once.  A part of a CFF face (``source`` and ``part`` given)
    knows its characters, widths and metrics from the source; its converted file is loaded by
    :meth:`materialize` when a character of it is first used.
    """

    def __init__(self, path: str, index: int, source: fontcache.Source | None = None,
                 part: str = ""):
        self.path, self.index, self.part, self.source = path, index, part, source
        stem = re.sub(r"[^A-Za-z0-9]+", "", Path(path).stem) or "font"
        digest = hashlib.sha1(f"{os.path.abspath(path)}#{index}".encode()).hexdigest()[:6]
        self.name = f"rcmz-{stem}-{index}-{digest}" + (f"-{part}" if part else "")
        self.label = f"{Path(path).name}#{index}" if index or path.lower().endswith(".ttc") \
            else Path(path).name
        self.family_key = (os.path.abspath(path), index)
        self.font: TTFont | None = None
        self.cmap: Mapping[int, int] | frozenset[int] = {}
        self.problem = ""
        self.ascent, self.descent = 880.0, -120.0
        self.file = path            # the file reportlab reads (the converted one for a part)
        if source is not None:
            self.cmap = source.parts.get(part, frozenset())
            self.ascent, self.descent = source.ascent, source.descent
        else:
            self._load()

    def _load(self) -> None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFError

        if not os.path.isfile(self.path):
            self.problem = f"字体文件不存在：{self.path}"
            return
        try:
            font = _ttfont(self.name, self.file, 0 if self.part else self.index)
        except TTFError as exc:
            if "postscript" in str(exc).lower() or "cff" in str(exc).lower():
                self.problem = (f"{self.label} 为 CFF（PostScript）轮廓字体，"
                                "reportlab 无法直接嵌入，已跳过")
            else:
                self.problem = f"{self.label} 无法载入（{exc}），已跳过"
            return
        except (OSError, ValueError, IndexError, KeyError, AssertionError) as exc:
            self.problem = f"{self.label} 无法载入（{exc}），已跳过"
            return
        pdfmetrics.registerFont(font)
        self.font = font
        if self.source is None:
            self.cmap = font.face.charToGlyph
            self.ascent = float(font.face.ascent)
            self.descent = float(font.face.descent)

    def materialize(self) -> bool:
        """Make the face drawable (convert and load a CFF part); False if that failed."""
        if self.font is not None:
            return True
        if self.source is None or self.problem:
            return False
        for attempt in (1, 2):
            try:
                self.file = str(fontcache.part_file(self.source, self.part))
            except Exception as exc:  # noqa: BLE001 — any failure of fontTools: skip the face
                self.problem = f"{self.label} 转换为 TrueType 失败（{type(exc).__name__}: {exc}），已跳过"
                break
            self._load()
            if self.font is not None:
                return True
            if attempt == 1:            # a damaged cache file: convert it again, once
                fontcache.discard(Path(self.file))
                self.problem = ""
        self.cmap = frozenset()
        log.warning(self.problem)
        return False

    @property
    def usable(self) -> bool:
        return self.font is not None or (self.source is not None and not self.problem)

    def width(self, code: int) -> float:
        """Advance width in 1/1000 em."""
        if self.source is not None:
            return self.source.widths.get(code, self.source.default_width)
        assert self.font is not None, "a face is usable only with a font or a source"
        return float(self.font.face.getCharWidth(code))


_FACES: dict[tuple[str, int], list[_Face]] = {}
_LOCK = threading.RLock()


def _faces(path: str, index: int) -> list[_Face]:
    """The faces of one chain entry: one TrueType face, or the parts of a CFF face."""
    key = (os.path.abspath(path), index)
    with _LOCK:
        faces = _FACES.get(key)
        if faces is None:
            faces = _FACES[key] = _make_faces(path, index)
            for face in faces:
                if face.problem:
                    log.warning(face.problem)
        return faces


def _make_faces(path: str, index: int) -> list[_Face]:
    if os.path.isfile(path) and fontcache.is_cff(path, index):
        try:
            src = fontcache.source(path, index)
        except Exception as exc:  # noqa: BLE001 — an unreadable font is skipped, not fatal
            face = _Face(path, index, None, "")
            face.problem = f"{face.label} 无法读取（{type(exc).__name__}: {exc}），已跳过"
            face.font, face.cmap = None, {}
            return [face]
        return [_Face(path, index, src, part) for part in src.parts]
    return [_Face(path, index)]


def _face(path: str, index: int) -> _Face:
    """The (first) face of a chain entry."""
    return _faces(path, index)[0]


# --------------------------------------------------------------------------------------------
# what each PDF used: fallbacks per document, stand-in faces


@dataclass
class RenderRecord:
    """What one PDF set with a FontBook used (see :attr:`FontBook.renders`)."""

    title: str
    roles: set[str] = field(default_factory=set)
    #: character → (role, face it fell back to), for characters the role's first face lacks
    fallbacks: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: role → readable name of the face that set it, for the roles with fallbacks; and (role,
    #: face) of the roles set in a free stand-in.  Filled when the PDF is finished, so that a
    #: kept PDF (toolkit.render.kept) is reported without loading its fonts.
    primaries: dict[str, str] = field(default_factory=dict)
    standins: list[tuple[str, str]] = field(default_factory=list)

    def fallback_line(self) -> str:
        by_role: dict[str, list[str]] = {}
        for ch, (role, label) in self.fallbacks.items():
            by_role.setdefault(role, []).append(f"{ch}（{_readable(label)}）")
        parts = [f"{ROLE_NAMES[r]}字体 {self.primaries[r]} 缺 {len(v)} 字，改用后备字体："
                 + "、".join(v) for r, v in by_role.items()]
        return f"《{self.title}》：" + "；".join(parts)


_PENDING = threading.local()


def _pending() -> dict[int, tuple[FontBook, RenderRecord]]:
    if not hasattr(_PENDING, "books"):
        _PENDING.books = {}
    return _PENDING.books


def _finish_render(doc) -> None:
    """reportlab is writing the PDF ``doc``: hand each FontBook the record of its text."""
    if getattr(doc, "_rcmz_fonts_reported", False):
        return
    doc._rcmz_fonts_reported = True
    pending = _pending()
    if not pending:
        return
    title = str(getattr(getattr(doc, "info", None), "title", "") or "").strip() or "（无标题）"
    items = list(pending.values())
    pending.clear()
    for book, record in items:
        record.title = title
        book._finished(record)


def _readable(label: str) -> str:
    """``FandolFang-Regular.otf`` → ``FandolFang Regular``; ``uming.ttc#0`` → ``uming``."""
    name = Path(_split_entry(label)[0]).stem
    return READABLE.get(name.lower(), name.replace("-", " "))


#: Display names of the free faces (file stem, lower case → name).
READABLE: dict[str, str] = {
    "uming": "AR PL UMing", "ukai": "AR PL UKai", "wqy-zenhei": "WenQuanYi Zen Hei",
    "lxgwwenkai-regular": "LXGW WenKai", "notoserifcjk-bold": "Noto Serif CJK SC Bold",
    "notoserifcjksc-bold": "Noto Serif CJK SC Bold", "notoserifsc-bold": "Noto Serif SC Bold",
}


# --------------------------------------------------------------------------------------------


class FontBook:
    """Role → ordered font files, with per-character fallback and width measurement.

    ``role_files`` maps a role (see :data:`ROLES`) to a list of files (``"x.ttc#1"`` selects a
    face of a collection).  Roles not given use the discovered defaults; a given list is
    followed by the role's defaults so that a licensed font without 𠮷 still falls back to
    LXGW WenKai (``fallback=False`` turns that off).  ``official``: the book sets a bureau's
    documents, and warns once when they are set in free stand-ins (see :meth:`standins`).
    """

    def __init__(self, role_files: Mapping[str, Iterable[str | Path]] | None = None, *,
                 fallback: bool = True, official: bool = False):
        defaults = default_role_files()
        chains: dict[str, list[str]] = {}
        given = dict(role_files or {})
        unknown = sorted(set(given) - set(ROLES))
        if unknown:
            raise ConfigError(f"字体配置中有未知的字体角色：{'、'.join(unknown)}"
                              f"（可用：{'、'.join(f'{r}（{ROLE_NAMES[r]}）' for r in ROLES)}）")
        for role in ROLES:
            files = given.get(role)
            if files is None:
                chains[role] = list(defaults[role])
                continue
            if isinstance(files, (str, Path)):
                files = [files]
            own = []
            for entry in files:
                path, index = _split_entry(entry)
                path = os.path.expanduser(path)
                if not os.path.isfile(path):
                    raise ConfigError(f"字体配置「{role}（{ROLE_NAMES[role]}）」中的字体文件不存在：{path}")
                own.append(f"{path}#{index}")
            chains[role] = _dedupe(own + (defaults[role] if fallback else []))
        self._chains = chains
        self.official = official
        #: one record per PDF written with this book (the last 1,000)
        self.renders: list[RenderRecord] = []
        self._warned_standins = False
        #: in a render worker: the records of its PDFs, reported by the parent (:meth:`report`)
        self.deferred: list[RenderRecord] | None = None
        # Faces load one by one, as far down a role's chain as a character needs: a fallback
        # such as LXGW WenKai (about 30 MB in memory) loads only when text needs it.  A CFF
        # entry gives several faces (its parts), each converted only when drawn.
        self._entries: dict[str, int] = {role: 0 for role in ROLES}
        self._loaded: dict[str, list[_Face]] = {role: [] for role in ROLES}
        self._usable: dict[str, list[_Face]] = {role: [] for role in ROLES}
        self._pick: dict[tuple[str, str], int] = {}
        self._widths: dict[tuple[str, str], float] = {}

    # -- faces ---------------------------------------------------------------------------
    def files(self, role: str) -> list[str]:
        """The configured chain of ``role`` (``path#index`` entries), usable or not."""
        return list(self._chains[self._role(role)])

    def file_signatures(self, roles: Iterable[str]) -> list[str]:
        """The font files of ``roles`` as keys of what is made from them tell them apart
        (:func:`toolkit.render.fontcache.file_signatures`)."""
        roles = list(roles)
        return fontcache.file_signatures({role: self.files(role) for role in roles}, roles)

    def _role(self, role: str) -> str:
        if role not in self._chains:
            raise RenderError(f"未知的字体角色：{role}")
        return role

    def _load_next(self, role: str) -> bool:
        """Load the next entry of ``role``'s chain; False when the chain is exhausted."""
        chain = self._chains[self._role(role)]
        n = self._entries[role]
        if n >= len(chain):
            return False
        self._entries[role] = n + 1
        for face in _faces(*_split_entry(chain[n])):
            self._loaded[role].append(face)
            if face.usable:
                self._usable[role].append(face)
        return True

    def _load(self, role: str) -> list[_Face]:
        """Every face of ``role``'s chain, usable or not."""
        while self._load_next(role):
            pass
        return self._loaded[role]

    def _first_usable(self, role: str) -> _Face:
        i = 0
        usable = self._usable[self._role(role)]
        while i < len(usable) or self._load_next(role):
            if i < len(usable):
                if usable[i].materialize():
                    return usable[i]
                i += 1
        raise RenderError(self._none_message(role))

    def faces(self, role: str) -> list[_Face]:
        """All usable faces of ``role`` (loads the whole chain; converts nothing)."""
        self._load(role)
        return [f for f in self._usable[role] if f.usable]

    @property
    def notes(self) -> list[str]:
        """Problems met so far (skipped or unconvertible fonts, unreadable files)."""
        out = []
        for faces in self._loaded.values():
            for f in faces:
                if f.problem and f.problem not in out:
                    out.append(f.problem)
        return out

    def primary(self, role: str) -> str:
        """reportlab name of the first usable font of ``role``."""
        return self._first_usable(role).name

    def primary_face(self, role: str) -> _Face:
        """The face that sets ``role`` (the first usable one)."""
        return self._first_usable(role)

    def primary_label(self, role: str) -> str:
        """Readable name of the face that sets ``role`` (``FandolFang Regular``)."""
        return _readable(self._first_usable(role).label)

    def face_of(self, fontname: str) -> _Face:
        for faces in _FACES.values():
            for face in faces:
                if face.name == fontname:
                    return face
        raise KeyError(fontname)

    def describe(self) -> dict[str, list[str]]:
        """Role → readable list of files with their state, for diagnostics."""
        out = {}
        for role in ROLES:
            rows = []
            for f in self._load(role):
                row = f"{f.path}#{f.index}" + (f"（{f.part}）" if f.part else "")
                rows.append(row + (f"（{f.problem}）" if f.problem else ""))
            out[role] = rows
        return out

    def _none_message(self, role: str) -> str:
        return (f"没有可用的「{ROLE_NAMES.get(role, role)}」字体。请运行 make setup（取得 Fandol 字体，"
                "并安装 fonts-arphic-uming、fonts-arphic-ukai、fonts-wqy-zenhei、fonts-lxgw-wenkai），"
                "或在 bureau.yaml 的 fonts 一节指定字体文件（rcmz fonts 查看各角色所用字体）。")

    # -- stand-ins and the record of each PDF ----------------------------------------------
    def first_face(self, role: str) -> _Face | None:
        """The face that will set ``role``, found without converting anything (None: no face)."""
        usable = self._usable[self._role(role)]
        while True:
            for face in usable:
                if face.usable:
                    return face
            if not self._load_next(role):
                return None

    def standins(self, roles: Iterable[str] = ROLES) -> list[tuple[str, str]]:
        """(role, face) of the given roles that are set in a free stand-in, not a licensed face."""
        out = []
        for role in roles:
            face = self.first_face(role)
            if face is not None and is_standin(face.path):
                out.append((role, _readable(face.label)))
        return out

    def _recording(self) -> RenderRecord:
        pending = _pending()
        item = pending.get(id(self))
        if item is None:
            item = pending[id(self)] = (self, RenderRecord(""))
        return item[1]

    def _finished(self, record: RenderRecord) -> None:
        record.primaries = {role: self.primary_label(role) for _, (role, _) in record.fallbacks.items()}
        if self.official and record.roles:
            record.standins = self.standins()
        if self.deferred is not None:
            self.deferred.append(record)
        else:
            self.report(record)

    def report(self, record: RenderRecord) -> None:
        """Keep the record of a PDF written and warn of its fallbacks and stand-in faces."""
        self.renders.append(record)
        del self.renders[:-1000]
        if record.fallbacks:
            log.warning(record.fallback_line())
        if record.standins and not self._warned_standins:
            self._warned_standins = True
            log.warning(
                "公文未用正式字体排印，而用免费替代字体：%s。正式印发前请安装仿宋_GB2312、"
                "方正小标宋简体、黑体、楷体_GB2312 等字体，或在 bureau.yaml 的 fonts 一节指定"
                "（rcmz fonts 查看各角色所用字体）",
                "，".join(f"{ROLE_NAMES[r]}→{label}" for r, label in record.standins))

    # -- coverage --------------------------------------------------------------------------
    def _index(self, ch: str, role: str) -> int:
        """Position (among usable faces) of the first face having ``ch``; -1 if none."""
        key = (role, ch)
        try:
            return self._pick[key]
        except KeyError:
            pass
        code = ord(ch)
        if code == 0xA0:  # reportlab maps NBSP to space
            code = 0x20
        found, i = -1, 0
        usable = self._usable[self._role(role)]
        while i < len(usable) or self._load_next(role):
            if i < len(usable):
                if code in usable[i].cmap and usable[i].materialize():
                    found = i
                    break
                i += 1
        self._pick[key] = found
        return found

    def missing(self, text: str, role: str) -> list[str]:
        """Characters of ``text`` that no font of ``role`` has (in order, without repeats)."""
        out = []
        for ch in dict.fromkeys(text):
            if self._index(ch, role) < 0:
                out.append(ch)
        return out

    def _missing_error(self, ch: str, role: str, field: str) -> RenderError:
        _pending().pop(id(self), None)      # this PDF will not be written
        tried = "、".join(dict.fromkeys(f.label for f in self.faces(role))) or "（无可用字体）"
        where = f"「{field}」中的" if field else "文本中的"
        return RenderError(
            f"{where}字符“{ch}”（U+{ord(ch):04X}）无法排印：「{ROLE_NAMES.get(role, role)}」"
            f"角色的字体均不含此字（已尝试：{tried}）。请在 bureau.yaml 的 fonts 一节加入含此字的字体，"
            "或改用常用字。")

    def check(self, text: str, role: str, field: str = "") -> None:
        """Raise :class:`RenderError` for the first character no font of ``role`` has."""
        for ch in self.missing(text, role):
            raise self._missing_error(ch, role, field)

    def runs(self, text: str, role: str, field: str = "") -> list[tuple[str, str]]:
        """Split ``text`` into ``(reportlab font name, substring)`` runs for ``role``.

        The characters set in another face than the role's first are recorded for the report
        of the PDF being drawn (:attr:`renders`).
        """
        first = self._first_usable(role)
        faces = self._usable[role]  # grows in place as _index loads fallbacks
        record = self._recording()
        record.roles.add(role)
        out: list[tuple[str, str]] = []
        cur, start = -2, 0
        for i, ch in enumerate(text):
            k = self._index(ch, role)
            if k < 0:
                raise self._missing_error(ch, role, field)
            if faces[k].family_key != first.family_key and ch not in record.fallbacks \
                    and not ch.isspace():
                record.fallbacks[ch] = (role, faces[k].label)
            if k != cur:
                if i > start:
                    out.append((faces[cur].name, text[start:i]))
                cur, start = k, i
        if len(text) > start:
            out.append((faces[cur].name, text[start:]))
        return out

    # -- metrics ---------------------------------------------------------------------------
    def char_width(self, ch: str, role: str, size: float, field: str = "") -> float:
        """Advance width of one character in points (cached per role)."""
        key = (role, ch)
        w = self._widths.get(key)
        if w is None:
            k = self._index(ch, role)
            if k < 0:
                raise self._missing_error(ch, role, field)
            code = ord(ch)
            w = self._usable[role][k].width(0x20 if code == 0xA0 else code)
            self._widths[key] = w
        return w * size / 1000.0

    def width(self, text: str, role: str, size: float, field: str = "") -> float:
        """Width of ``text`` in points at ``size``, summed over its runs."""
        return sum(self.char_width(ch, role, size, field) for ch in text)

    def metrics(self, role: str) -> tuple[float, float]:
        """(ascent, descent) of the primary face of ``role`` in 1/1000 em."""
        face = self._first_usable(role)
        return face.ascent, face.descent


# --------------------------------------------------------------------------------------------

_BOOKS: dict[tuple, FontBook] = {}


def _freeze(mapping: Mapping | None) -> tuple:
    if not mapping:
        return ()
    items = []
    for role, files in mapping.items():
        if isinstance(files, (str, Path)):
            files = [files]
        items.append((str(role), tuple(str(f) for f in files or ())))
    return tuple(sorted(items))


def fontbook_from_config(cfg: Mapping | None = None, base: str | Path | None = None) -> FontBook:
    """A cached :class:`FontBook` for the ``fonts:`` mapping of the bureau configuration.

    ``cfg`` is either that mapping (role → list of paths) or the whole configuration with a
    ``fonts`` key; ``None`` or an empty mapping gives the discovered defaults.  Relative paths
    are resolved against ``base`` (the configuration file's folder) when given.  A book asked
    for with ``base`` sets a bureau's documents (the render stage and the dossier ask so): it
    warns once when they are set in free stand-ins (:attr:`FontBook.official`).
    """
    if cfg and "fonts" in cfg and not set(cfg) <= set(ROLES):
        cfg = cfg.get("fonts") or {}
    if cfg is not None and not isinstance(cfg, Mapping):
        raise ConfigError("bureau.yaml 的 fonts 一节应为“角色: [字体文件, …]”的映射")
    if cfg and base is not None:
        resolved = {}
        for role, files in cfg.items():
            if isinstance(files, (str, Path)):
                files = [files]
            out = []
            for entry in files or ():
                path, index = _split_entry(entry)
                path = os.path.expanduser(path)
                if not os.path.isabs(path):
                    path = os.path.join(str(base), path)
                out.append(f"{path}#{index}")
            resolved[role] = out
        cfg = resolved
    key = _freeze(cfg)
    with _LOCK:
        book = _BOOKS.get(key)
        if book is None:
            book = _BOOKS[key] = FontBook(dict(cfg or {}))
        if base is not None:
            book.official = True
        return book


def default_fontbook() -> FontBook:
    """The FontBook of the discovered defaults (cached)."""
    return fontbook_from_config(None)


if __name__ == "__main__":  # python -m toolkit.render.fonts : show what would be used
    book = default_fontbook()
    for role, rows in book.describe().items():
        print(f"{role}（{ROLE_NAMES[role]}）")
        for row in rows:
            print("   ", row)
    sys.exit(0)
