"""``rcmz fonts``: which face sets each role, from which file, and what it covers.

For every role of :mod:`toolkit.render.fonts` the report names the face that will set it (the
first usable face of its chain: a licensed font when installed or named in ``bureau.yaml``,
otherwise a free stand-in), its file, whether a CFF face is converted yet, and its coverage of
the 6,763 hanzi of GB2312 and — with a case folder — of the characters in that case's YAML
values, naming the characters the face lacks and the fallback face that sets them.  Nothing is
converted: coverage comes from the fonts' cmaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from toolkit.render import fontcache
from toolkit.render.fonts import (
    ROLE_NAMES,
    ROLES,
    FontBook,
    _readable,
    is_standin,
)


@dataclass
class RoleReport:
    role: str
    face: str = ""                      # readable name; "" when the role has no usable face
    file: str = ""
    standin: bool = True
    converted: str = ""                 # for a CFF face: what of it is converted, and where
    gb2312: int = 0                     # hanzi of GB2312 the face has
    gb2312_chain: int = 0               # … the face or one of its fallbacks has
    case_total: int = 0
    case_covered: int = 0
    case_fallbacks: dict[str, str] = field(default_factory=dict)   # character → face, or ""


def _family(book: FontBook, role: str):
    """The first usable face of ``role`` and all faces of its file (the parts of a CFF face)."""
    first = book.first_face(role)
    faces = book.faces(role)
    if first is None:
        return None, [], faces
    return first, [f for f in faces if f.family_key == first.family_key], faces


def _has(faces, code: int) -> bool:
    return any(code in f.cmap for f in faces)


def _conversion_state(first) -> str:
    src = first.source
    if src is None:
        return ""
    done = [p for p in src.parts if fontcache.cached_part(src, p) is not None]
    where = src.part_path(fontcache.cache_dir() / f"v{fontcache.FORMAT}", "core").parent
    if not done:
        return f"CFF 轮廓，尚未转换（首次排版时转换，或运行 make setup）；缓存：{where}"
    return (f"CFF 轮廓，已转换为 TrueType {len(done)}/{len(src.parts)} 部分"
            f"（{'、'.join(done)}；其余在用到时转换）；缓存：{where}")


def role_reports(book: FontBook, chars: list[str] | None = None) -> list[RoleReport]:
    hanzi = [ord(c) for c in sorted(fontcache.gb2312_hanzi())]
    out = []
    for role in ROLES:
        rep = RoleReport(role)
        first, family, chain = _family(book, role)
        if first is None:
            out.append(rep)
            continue
        rep.face = _readable(first.label)
        rep.file = first.path + (f"#{first.index}" if first.index else "")
        rep.standin = is_standin(first.path)
        rep.converted = _conversion_state(first)
        rep.gb2312 = sum(1 for c in hanzi if _has(family, c))
        rep.gb2312_chain = sum(1 for c in hanzi if _has(chain, c))
        if chars is not None:
            rep.case_total = len(chars)
            for ch in chars:
                code = 0x20 if ord(ch) == 0xA0 else ord(ch)
                if _has(family, code):
                    rep.case_covered += 1
                else:
                    other = next((f for f in chain if code in f.cmap), None)
                    rep.case_fallbacks[ch] = _readable(other.label) if other else ""
        out.append(rep)
    return out


def format_report(reports: list[RoleReport], case_dir: Path | None, notes: list[str]) -> list[str]:
    total = len(fontcache.gb2312_hanzi())
    lines = []
    for rep in reports:
        head = f"{ROLE_NAMES[rep.role]}（{rep.role}）："
        if not rep.face:
            lines.append(head + "没有可用的字体")
            continue
        kind = "免费替代字体" if rep.standin else "正式字体"
        lines.append(f"{head}{rep.face}［{kind}］")
        lines.append(f"  文件：{rep.file}")
        if rep.converted:
            lines.append(f"  {rep.converted}")
        chain = f"；连同后备字体 {rep.gb2312_chain}/{total}" if rep.gb2312_chain != rep.gb2312 else ""
        lines.append(f"  GB2312 汉字：{rep.gb2312}/{total}{chain}")
        if case_dir is not None:
            line = f"  本案用字：{rep.case_covered}/{rep.case_total}"
            if rep.case_fallbacks:
                fell = [f"{ch}（{face}）" for ch, face in rep.case_fallbacks.items() if face]
                none = [ch for ch, face in rep.case_fallbacks.items() if not face]
                if fell:
                    line += "；改用后备字体：" + "、".join(fell)
                if none:
                    line += "；所有字体都没有（无法排印）：" + "、".join(none)
            lines.append(line)
    standins = [ROLE_NAMES[r.role] for r in reports if r.face and r.standin]
    if standins:
        lines.append(f"提示：{'、'.join(standins)}用免费替代字体（字形与正式公文字体不同）。正式印发前请安装"
                     "仿宋_GB2312、方正小标宋简体、黑体、楷体_GB2312 等字体，或在 bureau.yaml 的 fonts 一节"
                     "指定；字体来源与许可见 docs/fonts-and-layout.md。")
    for note in notes:
        lines.append(f"注意：{note}")
    return lines
