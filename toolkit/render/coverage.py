"""Which characters the configured fonts can print, known without loading a PDF library.

``rcmz check`` must say, before anything renders, that 𪚥 or an emoji in a case file cannot be
printed — naming the file, line and field — and it must stay fast: it loads neither reportlab
nor a font.  What each face covers is kept in the font cache folder as a bitmap of its cmap (one
bit per code point, zlib-compressed, a few KiB), keyed by the file's path, face, size and
modification time; a face is read with fontTools (its cmap only) the first time, then never
again while the file is unchanged.

The role chains are those :class:`toolkit.render.fonts.FontBook` sets text with (the faces
``bureau.yaml`` names, then the discovered ones), so "no face of the role has it" here means
the renderer would refuse the character too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import zlib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from toolkit.render import fontcache

log = logging.getLogger("rcmz.render.coverage")  # rcmz's own notices reach the terminal (toolkit/logs.py)

_PLANES = 0x110000
#: Bump when the bitmap format changes.
FORMAT = 1


class Bitmap:
    """A set of code points, one bit each."""

    __slots__ = ("bits",)

    def __init__(self, bits: bytes):
        self.bits = bits

    @classmethod
    def of(cls, codes) -> Bitmap:
        bits = bytearray(_PLANES // 8)
        for code in codes:
            if 0 <= code < _PLANES:
                bits[code >> 3] |= 1 << (code & 7)
        return cls(bytes(bits))

    def __contains__(self, code: int) -> bool:
        return 0 <= code < _PLANES and bool(self.bits[code >> 3] & (1 << (code & 7)))


def _cache_file(path: str, index: int, size: int, mtime: int) -> Path:
    key = hashlib.sha1(f"{path}#{index}#{size}#{mtime}".encode("utf-8", "surrogateescape")).hexdigest()
    return fontcache.cache_dir() / f"v{fontcache.FORMAT}" / "coverage" / f"{key}-{FORMAT}.bin"


@lru_cache(maxsize=64)
def _face(path: str, index: int, size: int, mtime: int) -> Bitmap | None:
    cached = _cache_file(path, index, size, mtime)
    try:
        return Bitmap(zlib.decompress(cached.read_bytes()))
    except (OSError, zlib.error):
        pass
    try:
        from fontTools.ttLib import TTFont

        font = TTFont(path, fontNumber=index, lazy=True)
        try:
            codes = set((font.getBestCmap() or {}).keys())
        finally:
            font.close()
    except Exception as exc:  # noqa: BLE001 — an unreadable font covers nothing (render skips it too)
        log.debug("font %s#%d unreadable for coverage: %s", path, index, exc)
        return None
    bitmap = Bitmap.of(codes)
    try:
        from toolkit.atomic import write_bytes_atomic

        folder = cached.parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_bytes_atomic(cached, zlib.compress(bitmap.bits, 6), mode=0o600)
    except Exception as exc:  # noqa: BLE001 — a read-only cache only costs speed
        log.debug("coverage cache not written: %s", exc)
    return bitmap


def face_coverage(entry: str) -> Bitmap | None:
    """The code points face ``entry`` (``path#index``) has; None when it cannot be read."""
    path, _, index = entry.rpartition("#")
    if not path or not index.isdigit():
        path, index = entry, "0"
    try:
        info = os.stat(path)
    except OSError:
        return None
    return _face(os.path.abspath(path), int(index), info.st_size, info.st_mtime_ns)


class Coverage:
    """Per role, whether some face of its chain has a character (faces read as far down the
    chain as a character needs, as FontBook loads them)."""

    def __init__(self, chains: Mapping[str, list[str]]):
        self.chains = {role: list(files) for role, files in chains.items()}
        self._faces: dict[str, list[Bitmap]] = {role: [] for role in self.chains}
        self._read: dict[str, int] = {role: 0 for role in self.chains}
        self._missing: dict[str, tuple[str, ...]] = {}

    def _has(self, role: str, code: int) -> bool | None:
        """True/False; None when the role has no readable face at all (nothing to judge by)."""
        faces = self._faces[role]
        for face in faces:
            if code in face:
                return True
        chain = self.chains[role]
        while self._read[role] < len(chain):
            more = face_coverage(chain[self._read[role]])
            self._read[role] += 1
            if more is not None:
                faces.append(more)
                if code in more:
                    return True
        return False if faces else None

    def missing_roles(self, ch: str) -> tuple[str, ...]:
        """The roles none of whose faces has ``ch`` (roles without any readable face are left
        out: that is a missing font, reported by the renderer, not a missing character)."""
        found = self._missing.get(ch)
        if found is None:
            code = 0x20 if ch == "\u00a0" else ord(ch)  # as FontBook: NBSP is set as a space
            found = self._missing[ch] = tuple(role for role in self.chains if self._has(role, code) is False)
        return found


def coverage_for(fonts: Mapping | None, base: Path | None) -> Coverage | None:
    """The coverage of the fonts ``bureau.yaml`` configures (``fonts:``, paths relative to
    ``base``), or of the discovered fonts; None when the configuration cannot be used (the
    renderer reports why)."""
    from toolkit.errors import RcmzError
    from toolkit.render.fonts import ROLES, fontbook_from_config

    try:
        book = fontbook_from_config(fonts, base=base if fonts else None)
    except RcmzError:
        return None
    return Coverage({role: book.files(role) for role in ROLES})
