"""Measuring a rendered page from its PDF: every glyph and every rule, in millimetres from the
paper's top-left corner, read from the content streams (pikepdf) — independent of the
typesetter's own arithmetic, and the same for our PDFs and for LibreOffice's conversion of a
DOCX.

The interpreter follows the graphics state (``q``/``Q``/``cm``), the text state (``Tf``,
``Tc``, ``Tw``, ``Tz``, ``TL``, ``Ts``), positioning (``Tm``, ``Td``, ``TD``, ``T*``) and showing
(``Tj``, ``TJ``, ``'``, ``"``) for simple and Type0 (Identity-H) fonts, with the fonts' widths
and ToUnicode maps; paths (``m``, ``l``, ``re``) stroked or filled become :class:`Rule`\\ s.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pikepdf

MM = 72 / 25.4
PAGE_H_PT = 297 * MM


@dataclass
class Glyph:
    ch: str
    x0: float           # mm from the paper's left edge
    x1: float
    base: float         # baseline, mm from the paper's top edge
    size: float         # pt (vertical scale of the text matrix × font size)
    font: str           # BaseFont without the subset tag
    color: tuple        # fill colour (r, g, b), 0–1
    advance: float      # mm, the glyph's own advance (no Tc)

    @property
    def top(self) -> float:
        """Top of the ideographic em box (0.88 em above the baseline), mm from the top."""
        return self.base - 0.88 * self.size / MM


@dataclass
class Rule:
    x0: float           # mm from the left
    x1: float
    y: float            # centre line, mm from the top
    width: float        # thickness, mm
    color: tuple


@dataclass
class Line:
    base: float
    glyphs: list[Glyph]

    @property
    def text(self) -> str:
        return "".join(g.ch for g in self.glyphs)

    @property
    def x0(self) -> float:
        return self.glyphs[0].x0

    @property
    def x1(self) -> float:
        return self.glyphs[-1].x1

    @property
    def size(self) -> float:
        sizes = [g.size for g in self.glyphs]
        return max(set(sizes), key=sizes.count)


@dataclass
class Page:
    number: int                         # 1-based
    glyphs: list[Glyph] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    def lines(self, tol: float = 0.5) -> list[Line]:
        """Glyphs grouped by baseline (within ``tol`` mm), top to bottom, each left to right.
        Glyphs of different sizes on one baseline stay together (the 签发人 line)."""
        out: list[Line] = []
        for g in sorted(self.glyphs, key=lambda g: (g.base, g.x0)):
            if g.ch.isspace():
                continue
            if out and abs(out[-1].base - g.base) <= tol:
                out[-1].glyphs.append(g)
            else:
                out.append(Line(g.base, [g]))
        for line in out:
            line.glyphs.sort(key=lambda g: g.x0)
        return out


# --------------------------------------------------------------------------------------------
# fonts


def _cmap_unicode(font) -> dict[int, str]:
    out: dict[int, str] = {}
    if "/ToUnicode" not in font:
        return out
    data = font.ToUnicode.read_bytes().decode("latin-1")

    def text(hexstr: str) -> str:
        raw = bytes.fromhex(hexstr)
        try:
            return raw.decode("utf-16-be")
        except UnicodeDecodeError:
            return "?"

    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[int(src, 16)] = text(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, rest in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]*>)",
                                       block):
            a, b = int(lo, 16), int(hi, 16)
            if rest.startswith("["):
                for k, dst in enumerate(re.findall(r"<([0-9A-Fa-f]*)>", rest)):
                    out[a + k] = text(dst)
            else:
                start = bytes.fromhex(rest[1:-1])
                base = int.from_bytes(start, "big")
                for code in range(a, b + 1):
                    value = base + code - a
                    out[code] = text(value.to_bytes(len(start), "big").hex())
    return out


@dataclass
class _Font:
    name: str
    two_byte: bool
    widths: dict[int, float]
    default: float
    uni: dict[int, str]

    def codes(self, data: bytes) -> list[int]:
        if self.two_byte:
            return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)


def _font(obj) -> _Font:
    base = str(obj.get("/BaseFont", "?")).lstrip("/")
    base = re.sub(r"^[A-Z]{6}\+", "", base)
    uni = _cmap_unicode(obj)
    if str(obj.get("/Subtype")) == "/Type0":
        desc = obj.DescendantFonts[0]
        widths: dict[int, float] = {}
        w = list(desc.get("/W", []))
        i = 0
        while i < len(w):
            first = int(w[i])
            if isinstance(w[i + 1], pikepdf.Array):
                for k, v in enumerate(w[i + 1]):
                    widths[first + k] = float(v)
                i += 2
            else:
                last, v = int(w[i + 1]), float(w[i + 2])
                for c in range(first, last + 1):
                    widths[c] = v
                i += 3
        return _Font(base, True, widths, float(desc.get("/DW", 1000)), uni)
    first = int(obj.get("/FirstChar", 0))
    widths = {first + k: float(v) for k, v in enumerate(obj.get("/Widths", []))}
    return _Font(base, False, widths, 0.0, uni)


# --------------------------------------------------------------------------------------------
# the interpreter


def _mul(m, n):
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _apply(m, x, y):
    return x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5]


def _rgb(ops) -> tuple:
    vals = [float(v) for v in ops if isinstance(v, (int, float, pikepdf.Object)) and
            not isinstance(v, pikepdf.Name)]
    if len(vals) == 1:
        return (vals[0],) * 3
    if len(vals) == 3:
        return tuple(vals)
    if len(vals) == 4:                       # CMYK
        c, m, y, k = vals
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return (0.0, 0.0, 0.0)


def _walk(page: Page, content, resources, ctm, fonts_cache: dict) -> None:
    fonts = resources.get("/Font", {}) if resources is not None else {}
    xobjects = resources.get("/XObject", {}) if resources is not None else {}
    stack = []
    gs = {"ctm": ctm, "fill": (0.0, 0.0, 0.0), "stroke": (0.0, 0.0, 0.0), "lw": 1.0}
    tm = lm = (1, 0, 0, 1, 0, 0)
    font: _Font | None = None
    size = tc = tw = 0.0
    th, tl, rise = 1.0, 0.0, 0.0
    path: list[tuple] = []        # ("m"/"l", x, y) or ("re", x, y, w, h) in user space
    for operands, op in pikepdf.parse_content_stream(content):
        op = str(op)
        if op == "q":
            stack.append(dict(gs))
        elif op == "Q":
            if stack:
                gs = stack.pop()
        elif op == "cm":
            gs["ctm"] = _mul(tuple(float(v) for v in operands), gs["ctm"])
        elif op in ("rg", "sc", "scn") and operands:
            gs["fill"] = _rgb(operands)
        elif op in ("RG", "SC", "SCN") and operands:
            gs["stroke"] = _rgb(operands)
        elif op == "g":
            gs["fill"] = _rgb(operands)
        elif op == "G":
            gs["stroke"] = _rgb(operands)
        elif op == "k":
            gs["fill"] = _rgb(operands)
        elif op == "K":
            gs["stroke"] = _rgb(operands)
        elif op == "w":
            gs["lw"] = float(operands[0])
        elif op == "BT":
            tm = lm = (1, 0, 0, 1, 0, 0)
        elif op == "Tf":
            key = str(operands[0])
            obj = fonts.get(key)
            if obj is not None:
                ident = obj.objgen
                if ident not in fonts_cache:
                    fonts_cache[ident] = _font(obj)
                font = fonts_cache[ident]
            size = float(operands[1])
        elif op == "Tc":
            tc = float(operands[0])
        elif op == "Tw":
            tw = float(operands[0])
        elif op == "Tz":
            th = float(operands[0]) / 100
        elif op == "TL":
            tl = float(operands[0])
        elif op == "Ts":
            rise = float(operands[0])
        elif op == "Tm":
            tm = lm = tuple(float(v) for v in operands)
        elif op in ("Td", "TD"):
            tx, ty = float(operands[0]), float(operands[1])
            if op == "TD":
                tl = -ty
            lm = _mul((1, 0, 0, 1, tx, ty), lm)
            tm = lm
        elif op == "T*":
            lm = _mul((1, 0, 0, 1, 0, -tl), lm)
            tm = lm
        elif op in ("Tj", "TJ", "'", '"'):
            if op == "'":
                lm = _mul((1, 0, 0, 1, 0, -tl), lm)
                tm = lm
            if op == '"':
                tw, tc = float(operands[0]), float(operands[1])
                lm = _mul((1, 0, 0, 1, 0, -tl), lm)
                tm = lm
            items = list(operands[0]) if op == "TJ" else [operands[-1]]
            for item in items:
                if not isinstance(item, pikepdf.String):
                    tm = _mul((1, 0, 0, 1, -float(item) / 1000 * size * th, 0), tm)
                    continue
                if font is None:
                    continue
                for code in font.codes(bytes(item)):
                    w0 = font.widths.get(code, font.default) / 1000
                    m = _mul(tm, gs["ctm"])
                    x, y = _apply(m, 0, rise)
                    xe, _ = _apply(m, w0 * size * th, rise)
                    eff = size * (abs(m[3]) if m[3] else abs(m[1]))
                    ch = font.uni.get(code, "?")
                    page.glyphs.append(Glyph(ch, x / MM, xe / MM, (PAGE_H_PT - y) / MM, eff,
                                             font.name, gs["fill"], (xe - x) / MM))
                    adv = (w0 * size + tc + (tw if (code == 32 and not font.two_byte) else 0)) * th
                    tm = _mul((1, 0, 0, 1, adv, 0), tm)
        elif op == "m":
            path.append(("m",) + _apply(gs["ctm"], float(operands[0]), float(operands[1])))
        elif op == "l":
            path.append(("l",) + _apply(gs["ctm"], float(operands[0]), float(operands[1])))
        elif op == "re":
            x, y, w, h = (float(v) for v in operands)
            (x0, y0), (x1, y1) = _apply(gs["ctm"], x, y), _apply(gs["ctm"], x + w, y + h)
            path.append(("re", x0, y0, x1, y1))
        elif op in ("S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"):
            if op in ("S", "s", "B", "B*", "b", "b*"):
                scale = (abs(gs["ctm"][3]) + abs(gs["ctm"][0])) / 2
                _stroke(page, path, gs["lw"] * scale, gs["stroke"])
            if op in ("f", "F", "f*", "B", "B*", "b", "b*"):
                _fill(page, path, gs["fill"])
            path = []
        elif op == "Do":
            xo = xobjects.get(str(operands[0]))
            if xo is not None and str(xo.get("/Subtype")) == "/Form":
                matrix = tuple(float(v) for v in xo.get("/Matrix", [1, 0, 0, 1, 0, 0]))
                _walk(page, xo, xo.get("/Resources", resources), _mul(matrix, gs["ctm"]),
                      fonts_cache)


def _stroke(page: Page, path: list[tuple], width: float, color: tuple) -> None:
    last = None
    for item in path:
        if item[0] == "m":
            last = item[1:]
        elif item[0] == "l" and last is not None:
            (x0, y0), (x1, y1) = last, item[1:]
            if abs(y0 - y1) < 0.01:             # horizontal
                page.rules.append(Rule(min(x0, x1) / MM, max(x0, x1) / MM,
                                       (PAGE_H_PT - y0) / MM, width / MM, color))
            last = item[1:]
        elif item[0] == "re":
            _, x0, y0, x1, y1 = item
            for y in (y0, y1):
                page.rules.append(Rule(min(x0, x1) / MM, max(x0, x1) / MM,
                                       (PAGE_H_PT - y) / MM, width / MM, color))


def _fill(page: Page, path: list[tuple], color: tuple) -> None:
    """A filled thin rectangle (LibreOffice draws borders so) is a rule of its height."""
    pts = [p[1:] for p in path if p[0] in ("m", "l")]
    rects = [p[1:] for p in path if p[0] == "re"]
    if len(pts) >= 4:
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        rects.append((min(xs), min(ys), max(xs), max(ys)))
    for x0, y0, x1, y1 in rects:
        w, h = abs(x1 - x0), abs(y1 - y0)
        if h < 4 and w > 10:
            page.rules.append(Rule(min(x0, x1) / MM, max(x0, x1) / MM,
                                   (PAGE_H_PT - (y0 + y1) / 2) / MM, h / MM, color))


def measure(data: bytes) -> list[Page]:
    """Every page of the PDF ``data``, measured."""
    pdf = pikepdf.open(io.BytesIO(data))
    try:
        out = []
        cache: dict = {}
        for n, p in enumerate(pdf.pages, start=1):
            page = Page(n)
            box = [float(v) for v in p.obj.get("/MediaBox", [0, 0, 595.28, 841.89])]
            global PAGE_H_PT
            PAGE_H_PT = box[3]
            _walk(page, p, p.obj.get("/Resources"), (1, 0, 0, 1, 0, 0), cache)
            out.append(page)
        return out
    finally:
        pdf.close()
