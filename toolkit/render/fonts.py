"""Font roles of GB/T 9704 and the files that play them, with per-character fallback.

The standard names five faces; a document asks for a *role* and a :class:`FontBook` maps it to
an ordered list of font files.  Text is cut into runs: each character goes to the first file of
the role's list whose cmap has it; when none has it, :class:`toolkit.errors.RenderError` names
the character — a PDF never shows a tofu box.

Defaults (see docs/fonts-and-layout.md):

* the offices' licensed fonts where installed (Windows ``simfang.ttf`` … , 方正小标宋, macOS
  ``Songti.ttc`` / 华文仿宋 …), found by file name in the usual font folders;
* otherwise free stand-ins from Debian packages: 仿宋 → AR PL UMing (no free FangSong with GB2312
  coverage exists), 小标宋 and 黑体 → WenQuanYi Zen Hei, 楷体 → AR PL UKai, 宋体 → AR PL UMing;
* every role ends with LXGW WenKai, the widest free coverage (𠮷 U+20BB7, 㵘 U+3D58).

Fonts are loaded lazily, once per process.  reportlab refuses CFF-outline fonts (Noto CJK):
such a file is skipped with a note (:attr:`FontBook.notes`) rather than crashing.

reportlab writes an invalid ToUnicode entry for characters outside the BMP (an odd-length hex
string); :class:`_TTFont` rewrites the subset's ToUnicode CMap with UTF-16 surrogate pairs, so
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
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont, TTFError

from toolkit.errors import ConfigError, RenderError

log = logging.getLogger(__name__)

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

#: Free stand-ins (Debian: fonts-arphic-uming, fonts-arphic-ukai, fonts-wqy-zenhei).
FREE_FILES: dict[str, tuple[str, ...]] = {
    "fangsong": ("uming.ttc#0",),
    "xiaobiaosong": ("wqy-zenhei.ttc#0",),
    "heiti": ("wqy-zenhei.ttc#0",),
    "kaiti": ("ukai.ttc#0",),
    "songti": ("uming.ttc#0",),
}

#: The last per-character fallback of every role (Debian: fonts-lxgw-wenkai).
LAST_RESORT: tuple[str, ...] = ("LXGWWenKai-Regular.ttf",)


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
        chain = _find(OFFICIAL_FILES[role]) + _find(FREE_FILES[role])
        if role == "fangsong":
            # No free FangSong: after UMing (a Song/Ming face, closest in weight) the Kai face.
            chain += _find(LAST_RESORT)
        result[role] = _dedupe(chain + last)
    return result


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
        return "%04X" % code
    code -= 0x10000
    return "%04X%04X" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))


def to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ``makeToUnicodeCMap`` with UTF-16 (surrogate pairs) destination strings."""
    return "\n".join([
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        "<< /Registry (%s)" % fontname,
        "/Ordering (%s)" % fontname,
        "/Supplement 0",
        ">> def",
        "/CMapName /%s def" % fontname,
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<00> <%02X>" % (len(subset) - 1),
        "endcodespacerange",
        "%d beginbfchar" % len(subset),
        *("<%02X> <%s>" % (i, _utf16_hex(v)) for i, v in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ])


class _TTFont(TTFont):
    """TTFont whose subsets carry a valid ToUnicode CMap for non-BMP characters."""

    def addObjects(self, doc):
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


class _Face:
    """One font file (or collection face) as loaded for reportlab."""

    def __init__(self, path: str, index: int):
        self.path, self.index = path, index
        stem = re.sub(r"[^A-Za-z0-9]+", "", Path(path).stem) or "font"
        digest = hashlib.sha1(f"{os.path.abspath(path)}#{index}".encode()).hexdigest()[:6]
        self.name = f"rcmz-{stem}-{index}-{digest}"
        self.label = f"{Path(path).name}#{index}" if index or path.lower().endswith(".ttc") \
            else Path(path).name
        self.font: TTFont | None = None
        self.cmap: Mapping[int, int] = {}
        self.problem = ""
        self.ascent, self.descent = 880.0, -120.0
        self._load()

    def _load(self) -> None:
        if not os.path.isfile(self.path):
            self.problem = f"字体文件不存在：{self.path}"
            return
        try:
            font = _TTFont(self.name, self.path, subfontIndex=self.index)
        except TTFError as exc:
            if "postscript" in str(exc).lower() or "cff" in str(exc).lower():
                self.problem = (f"{self.label} 为 CFF（PostScript）轮廓字体（如 Noto CJK），"
                                "reportlab 无法嵌入，已跳过")
            else:
                self.problem = f"{self.label} 无法载入（{exc}），已跳过"
            return
        except (OSError, ValueError, IndexError, KeyError, AssertionError) as exc:
            self.problem = f"{self.label} 无法载入（{exc}），已跳过"
            return
        pdfmetrics.registerFont(font)
        self.font = font
        self.cmap = font.face.charToGlyph
        self.ascent = float(font.face.ascent)
        self.descent = float(font.face.descent)

    @property
    def usable(self) -> bool:
        return self.font is not None

    def width(self, code: int) -> float:
        """Advance width in 1/1000 em."""
        return float(self.font.face.getCharWidth(code))


_FACES: dict[tuple[str, int], _Face] = {}
_LOCK = threading.RLock()


def _face(path: str, index: int) -> _Face:
    key = (os.path.abspath(path), index)
    with _LOCK:
        face = _FACES.get(key)
        if face is None:
            face = _FACES[key] = _Face(path, index)
            if face.problem:
                log.warning(face.problem)
        return face


# --------------------------------------------------------------------------------------------


class FontBook:
    """Role → ordered font files, with per-character fallback and width measurement.

    ``role_files`` maps a role (see :data:`ROLES`) to a list of files (``"x.ttc#1"`` selects a
    face of a collection).  Roles not given use the discovered defaults; a given list is
    followed by the role's defaults so that a licensed font without 𠮷 still falls back to
    LXGW WenKai (``fallback=False`` turns that off).
    """

    def __init__(self, role_files: Mapping[str, Iterable[str | Path]] | None = None, *,
                 fallback: bool = True):
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
        # Faces load one by one, as far down a role's chain as a character needs: a fallback
        # such as LXGW WenKai (about 30 MB in memory) loads only when text needs it.
        self._loaded: dict[str, list[_Face]] = {role: [] for role in ROLES}
        self._usable: dict[str, list[_Face]] = {role: [] for role in ROLES}
        self._pick: dict[tuple[str, str], int] = {}
        self._widths: dict[tuple[str, str], float] = {}

    # -- faces ---------------------------------------------------------------------------
    def files(self, role: str) -> list[str]:
        """The configured chain of ``role`` (``path#index`` entries), usable or not."""
        return list(self._chains[self._role(role)])

    def _role(self, role: str) -> str:
        if role not in self._chains:
            raise RenderError(f"未知的字体角色：{role}")
        return role

    def _load_next(self, role: str) -> bool:
        """Load the next face of ``role``'s chain; False when the chain is exhausted."""
        loaded = self._loaded[self._role(role)]
        chain = self._chains[role]
        if len(loaded) >= len(chain):
            return False
        face = _face(*_split_entry(chain[len(loaded)]))
        loaded.append(face)
        if face.usable:
            self._usable[role].append(face)
        return True

    def _load(self, role: str) -> list[_Face]:
        """Every face of ``role``'s chain, usable or not."""
        while self._load_next(role):
            pass
        return self._loaded[role]

    def _first_usable(self, role: str) -> _Face:
        while not self._usable[self._role(role)] and self._load_next(role):
            pass
        if not self._usable[role]:
            raise RenderError(self._none_message(role))
        return self._usable[role][0]

    def faces(self, role: str) -> list[_Face]:
        """All usable faces of ``role`` (loads the whole chain)."""
        self._load(role)
        return list(self._usable[role])

    @property
    def notes(self) -> list[str]:
        """Problems met so far (skipped CFF fonts, unreadable files)."""
        out = []
        for faces in self._loaded.values():
            for f in faces:
                if f.problem and f.problem not in out:
                    out.append(f.problem)
        return out

    def primary(self, role: str) -> str:
        """reportlab name of the first usable font of ``role``."""
        return self._first_usable(role).name

    def face_of(self, fontname: str) -> _Face:
        for face in _FACES.values():
            if face.name == fontname:
                return face
        raise KeyError(fontname)

    def describe(self) -> dict[str, list[str]]:
        """Role → readable list of files with their state, for diagnostics."""
        out = {}
        for role in ROLES:
            rows = []
            for f in self._load(role):
                rows.append(f"{f.path}#{f.index}" + (f"（{f.problem}）" if f.problem else ""))
            out[role] = rows
        return out

    def _none_message(self, role: str) -> str:
        return (f"没有可用的「{ROLE_NAMES.get(role, role)}」字体。请安装 fonts-arphic-uming、"
                "fonts-arphic-ukai、fonts-wqy-zenhei、fonts-lxgw-wenkai（scripts/ensure-fonts.sh），"
                "或在 bureau.yaml 的 fonts 一节指定字体文件。")

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
                if code in usable[i].cmap:
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
        tried = "、".join(f.label for f in self.faces(role)) or "（无可用字体）"
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
        """Split ``text`` into ``(reportlab font name, substring)`` runs for ``role``."""
        self._first_usable(role)
        faces = self._usable[role]  # grows in place as _index loads fallbacks
        out: list[tuple[str, str]] = []
        cur, start = -2, 0
        for i, ch in enumerate(text):
            k = self._index(ch, role)
            if k < 0:
                raise self._missing_error(ch, role, field)
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
    are resolved against ``base`` (the configuration file's folder) when given.
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
