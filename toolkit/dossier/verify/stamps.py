"""Reading back the text of the toolkit's page-number overlays (their resources are named with
:data:`~toolkit.dossier.vocabulary.STAMP_PREFIX`), through the fonts' ToUnicode maps."""

from __future__ import annotations

import re

import pikepdf
from pikepdf import Name

from toolkit.dossier.vocabulary import STAMP_PREFIX


def _to_unicode_map(font) -> dict[int, str]:
    tu = font.get(Name.ToUnicode)
    if tu is None:
        return {}
    text = tu.read_bytes().decode("latin-1")
    out = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be", "replace")
    return out


def stamp_text(page: pikepdf.Page) -> str | None:
    """Text drawn by the toolkit's stamp on ``page`` (None when the page has no stamp)."""
    resources = page.obj.get(Name.Resources)
    xobjs = resources.get(Name.XObject) if resources is not None else None
    if xobjs is None:
        return None
    texts = []
    found = False
    for key in xobjs.keys():
        if not str(key).startswith("/" + STAMP_PREFIX):
            continue
        found = True
        texts.append(_form_text(xobjs[key], depth=0))
    return "".join(texts) if found else None


def _form_text(form, depth: int) -> str:
    if depth > 3:
        return ""
    res = form.get(Name.Resources, {})
    fonts = res.get(Name.Font, {})
    maps: dict[str, dict[int, str]] = {}
    out = []
    current = None
    for instruction in pikepdf.parse_content_stream(form):
        operands, op = instruction.operands, instruction.operator
        opname = str(op)
        if opname == "Tf":
            current = str(operands[0])
            if current not in maps and current in fonts:
                maps[current] = _to_unicode_map(fonts[current])
        elif opname in ("Tj", "'", '"', "TJ"):
            strings = operands[-1] if opname != "TJ" else [o for o in operands[0]
                                                             if isinstance(o, pikepdf.String)]
            if isinstance(strings, pikepdf.String):
                strings = [strings]
            cmap = maps.get(current or "", {})
            for s in strings:
                out.append("".join(cmap.get(b, "") for b in bytes(s)))
        elif opname == "Do":
            sub = res.get(Name.XObject, {}).get(str(operands[0]))
            if sub is not None and sub.get(Name.Subtype) == Name.Form:
                out.append(_form_text(sub, depth + 1))
    return "".join(out)
