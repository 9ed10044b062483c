"""The measurements of a GB/T 9704 page (../shared/PAGE-CHECKS.md), on a measured PDF
(:mod:`pagemeasure`): each check returns the problems it finds as readable strings, so a test
asserts ``== []`` and a failure says where.

The same checks run on our PDFs and on LibreOffice's layout of the DOCX (``lo=True``); where
LibreOffice differs by construction the difference is stated at the check.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from pagemeasure import Line, Page, measure
from toolkit.documents.model import Document, LabeledParagraph, Paragraph, Signature, Table
from toolkit.render.linebreak import document_phrases, is_signature_row, shape_rank, word_breaks
from toolkit.text import normalize_typography

LEFT, RIGHT, TOP, BOTTOM = 28.0, 184.0, 37.0, 262.0
CELL = 156 / 28                       # 5.571 mm
PITCH = 225 / 22                      # 10.227 mm
GRID0 = TOP + 7.26                    # baseline of grid line 0 for 16-pt text
PT = 25.4 / 72
NO_START = set("，。、；：？！）》」』”’…—·〕%")
NO_END = set("（《「『“‘〔")
RED = (1.0, 0.0, 0.0)
DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
NUMBER = re.compile(r"^\S+〔\d{4}〕[1-9]\d*号$")
LEADS = ("此致", "特此", "以上报告，请审议。", "妥否，请批示。")
CJK = "\u4e00-\u9fff"


@dataclass
class Rendered:
    name: str
    doc: Document
    pages: list[Page]
    lo: bool = False                  # LibreOffice's layout of the DOCX
    # page number → lines in the block of a page the typesetter tightened to hold its signature
    # (GB/T 9704 7.3.5.5; ``Page.pitch``): 23 to 25
    tight: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, name: str, doc: Document, data: bytes, lo: bool = False,
           tight: dict[int, int] | None = None) -> Rendered:
        return cls(name, doc, measure(data), lo, dict(tight or {}))


def is_red(color) -> bool:
    return color[0] > 0.9 and color[1] < 0.2 and color[2] < 0.2


def content_lines(page: Page) -> list[Line]:
    """The page's lines inside the text block: no page number, no footer, no red head."""
    return [ln for ln in page.lines() if ln.base < BOTTOM + 0.5
            and not all(is_red(g.color) for g in ln.glyphs)]


def folio(page: Page) -> list[Line]:
    return [ln for ln in page.lines() if ln.base > BOTTOM + 0.5]


def body_lines(page: Page) -> list[Line]:
    """16-pt lines outside tables (table text is 四号 or 小四)."""
    return [ln for ln in content_lines(page) if abs(ln.size - 16) < 0.3]


# --------------------------------------------------------------------------------------------
# 1. block and grid


def block_and_grid(r: Rendered) -> list[str]:
    out = []
    for page in r.pages:
        for g in page.glyphs:
            if g.ch.isspace() or g.base > BOTTOM + 0.5 or is_red(g.color):
                continue                          # page number, footer, the red mark
            if g.x0 < LEFT - 0.05 or g.x1 > RIGHT + 0.05:
                out.append(f"p{page.number} {g.ch!r} x {g.x0:.2f}–{g.x1:.2f} outside the block")
            if g.top < TOP - 0.5 and not (r.doc.layout == "letter" and page.number == 1):
                out.append(f"p{page.number} {g.ch!r} top {g.top:.2f} above the block")
            if g.base > BOTTOM + 0.5:
                out.append(f"p{page.number} {g.ch!r} baseline {g.base:.2f} below the block")
        lines = body_lines(page)
        if not lines:
            continue
        n = r.tight.get(page.number, 22)
        if n != 22 and not (22 < n <= 22 + TIGHT and signs(r, page)):
            out.append(f"p{page.number} set on {n} lines without a signature on it")
        bad, ks = off_grid(lines, n, r.lo)
        if n == 22 and bad and any(not off_grid(lines, m, r.lo)[0] for m in range(23, 23 + TIGHT)):
            out.append(f"p{page.number} set closer than the grid, not recorded as tightened")
        out += [f"p{page.number} line {ln.text[:12]!r} off the grid ({k:.2f})" for ln, k in bad]
        rows = {round(k) for k in ks}
        if rows and max(rows) - min(rows) >= n or any(k > n - 0.5 for k in ks):
            out.append(f"p{page.number} uses more than {n} rows")
    return out


#: Lines a page may gain by closer line spacing to hold its signature (7.3.5.5: "当公文排版后所剩
#: 空白处不能容下印章或签发人签名章、成文日期时，可以采取调整行距、字距的措施解决"): at most 25
#: lines in the block, a pitch no closer than 22/25 of the grid's (20/23 below a letter's 发文字号).
TIGHT = 3


def off_grid(lines: list[Line], n: int, lo: bool) -> tuple[list[tuple[Line, float]], list[float]]:
    """The lines not on a grid of ``n`` lines in the block, and every line's row on it.  A page
    tightened for its signature (``n`` > 22) keeps its first line on the grid's row (0, or a
    letter's 发文字号 under its head) and spaces the lines below it evenly down to the last
    row."""
    k0 = (lines[0].base - GRID0) / PITCH
    # LibreOffice sets 16-pt text ≈1 mm lower in an exact line than the PDF's centred em box:
    # its lines keep the pitch at a common offset
    base = k0 - round(k0) if lo else 0.0
    start = round(k0 - base)
    pitch = PITCH * (22 - start) / (n - start)
    ks = [start + (ln.base - GRID0 - (start + base) * PITCH) / pitch for ln in lines]
    return [(ln, k) for ln, k in zip(lines, ks, strict=True) if abs(k - round(k)) > 0.08], ks


def signs(r: Rendered, page: Page) -> bool:
    """Whether ``page`` holds the 成文日期 of one of the document's signatures."""
    dates = {normalize_typography(b.date) for b in r.doc.blocks if isinstance(b, Signature)}
    return any(ln.text in dates for ln in body_lines(page))


# --------------------------------------------------------------------------------------------
# 2. 28 cells


def cells_of(line: Line) -> float:
    return sum(g.advance for g in line.glyphs) / (16 * PT) + (line.x0 - LEFT) / CELL


def twenty_eight(r: Rendered) -> list[str]:
    out = []
    flat = [(page, ln) for page in r.pages for ln in body_lines(page)]
    lines = [x for _, x in flat]
    for k, (page, ln) in enumerate(flat):
        if abs(ln.x1 - RIGHT) > 0.5 or (ln.x0 - LEFT) / CELL > 2.05:
            continue
        n = cells_of(ln)
        # Latin glyphs (2., GB/T) are not half cells; LibreOffice condenses digits a little more
        if (27.0 if r.lo else 27.5) - 0.06 <= n <= 28.5 + 0.06:
            continue
        nxt = lines[k + 1].text[:3] if k + 1 < len(lines) else ""
        # a pushed-out line (推出): the next line starts with the character(s) and the marks
        # that could not start a line
        pushed = bool(nxt) and (any(c in NO_START for c in nxt) or nxt[0] in NO_END
                                or nxt[0].isascii())   # a digit run or bound pair that did not fit
        if (25 - 0.06 <= n < 27.5 and pushed) or (28.5 < n <= 29.06 and ln.text[-1] in NO_START):
            continue
        # a full line of fewer cells: digits are half-width (GB/T 15835) and the free 仿宋's
        # Latin is proportional (its "." 0.28 em), so two such runs on a line ("2." … "3所")
        # can leave it more than half a cell short with no room for the next character; the
        # standard counts characters, and justification spreads the rest to both edges
        if 27.0 - 0.06 <= n < 27.5 and k + 1 < len(lines) \
                and n + lines[k + 1].glyphs[0].advance / (16 * PT) > 28 + 0.06:
            continue
        out.append(f"p{page.number} {ln.text!r}: {n:.2f} cells")
    return out


# --------------------------------------------------------------------------------------------
# 3. 避头尾 and punctuation


def punctuation(r: Rendered, number_split: bool = True) -> list[str]:
    out = []
    for page in r.pages:
        lines = content_lines(page)
        for k, ln in enumerate(lines):
            t = ln.text
            if t[0] in NO_START:
                out.append(f"p{page.number} line starts with {t[0]}: {t[:12]!r}")
            if t[-1] in NO_END:
                out.append(f"p{page.number} line ends with {t[-1]}: {t[-12:]!r}")
            if re.search(rf"[{CJK}][()]|[()][{CJK}]", t):
                out.append(f"p{page.number} half-width bracket in {t!r}")
            if number_split and re.search(r"〔\d{4}〕\d+$", t) and k + 1 < len(lines) \
                    and lines[k + 1].text.startswith("号"):
                out.append(f"p{page.number} document number split: {t[-12:]!r} / 号")
        # an ASCII space glyph between two Chinese characters on one line
        glyphs = sorted(page.glyphs, key=lambda g: (round(g.base, 1), g.x0))
        for a, b, c in zip(glyphs, glyphs[1:], glyphs[2:], strict=False):
            if (b.ch == " " and abs(a.base - c.base) < 0.3 and re.match(f"[{CJK}]", a.ch)
                    and re.match(f"[{CJK}]", c.ch)):
                out.append(f"p{page.number} space between {a.ch} and {c.ch}")
    return out


# --------------------------------------------------------------------------------------------
# 4. head and rules


def head(r: Rendered) -> list[str]:
    doc, out = r.doc, []
    if not doc.issuer or doc.layout not in ("official", "minutes", "letter"):
        return out
    page = r.pages[0]
    mark = [ln for ln in page.lines() if all(is_red(g.color) for g in ln.glyphs)]
    if not mark:
        return ["no red 发文机关标志"]
    top = mark[0].base - 0.88 * mark[0].size * PT
    want = 30.0 if doc.layout == "letter" else 72.0
    if abs(top - want) > 0.5:
        out.append(f"mark's top at {top:.2f} mm, not {want}")
    reds = sorted((x for x in page.rules if is_red(x.color) and x.x1 - x.x0 > 100), key=lambda x: x.y)
    uniq = []
    for x in reds:                         # LibreOffice may draw a border twice
        if not any(abs(x.y - u.y) < 0.05 and abs(x.width - u.width) < 0.05 for u in uniq):
            uniq.append(x)
    number = next((ln for ln in content_lines(page) if doc.number and
                   ln.text.startswith(normalize_typography(doc.number).replace(" ", ""))), None)
    if doc.number and number is None:
        out.append("发文字号 not found on page 1")
    num_glyphs = [g for g in number.glyphs if g.x0 < number.x0 + 0.1 + len(doc.number) * CELL] \
        if number else []
    if number and not NUMBER.match("".join(g.ch for g in number.glyphs[:len(doc.number)])):
        out.append(f"发文字号 {number.text!r} not of the form 机关代字〔年份〕序号号")
    if doc.layout == "letter":
        if len(uniq) != 4:
            return out + [f"letter: {len(uniq)} red rules, not two pairs"]
        for x in uniq:
            if abs(x.x1 - x.x0 - 170) > 0.5 or abs((x.x0 + x.x1) / 2 - 106) > 0.5:
                out.append(f"letter rule {x.x0:.1f}–{x.x1:.1f} not 170 mm centred on 106")
        up, low = uniq[:2], uniq[2:]
        if not up[0].width > up[1].width:
            out.append("letter: upper pair not thick over thin")
        if not low[0].width < low[1].width:
            out.append("letter: lower pair not thin over thick")
        bottom = 297 - (low[1].y + low[1].width / 2)
        if abs(bottom - 20) > 0.5:
            out.append(f"letter: lower pair's bottom edge {bottom:.2f} mm above the edge, not 20")
        if any(ln.text.startswith("—") for ln in folio(page)):
            out.append("letter: page number on page 1")
        if number and abs(number.x1 - RIGHT) > 0.6:
            out.append(f"letter: 发文字号 not flush right ({number.x1:.2f})")
        return out
    if len(uniq) != 1:
        return out + [f"{len(uniq)} red rules under the head, not one"]
    rule = uniq[0]
    if abs(rule.x1 - rule.x0 - 156) > 0.5:
        out.append(f"red rule {rule.x1 - rule.x0:.1f} mm long")
    if number:
        gap = (rule.y - rule.width / 2) - (number.base + 0.12 * 16 * PT)
        if abs(gap - 4) > 1:
            out.append(f"red rule {gap:.2f} mm under the 发文字号, not 4")
        if doc.signer:
            if abs(num_glyphs[0].x0 - (LEFT + CELL)) > 0.5:
                out.append(f"上行文: 发文字号 at {num_glyphs[0].x0:.2f}, not one cell in")
            if abs(number.x1 - (RIGHT - CELL)) > 0.6:
                out.append(f"上行文: 签发人 ends at {number.x1:.2f}, not one cell in")
        elif abs((number.x0 + number.x1) / 2 - 106) > 1:
            out.append(f"发文字号 not centred ({number.x0:.2f}–{number.x1:.2f})")
    return out


# --------------------------------------------------------------------------------------------
# 5. title


def title(r: Rendered) -> list[str]:
    doc, out = r.doc, []
    if not doc.title:
        return out
    page = r.pages[0]
    lines = [ln for ln in content_lines(page) if abs(ln.size - 22) < 0.5]
    if not lines:
        return ["title not found"]
    for ln in lines:
        if abs((ln.x0 + ln.x1) / 2 - 106) > 1:
            out.append(f"title line {ln.text!r} not centred")
    if len(lines) > 1:
        text = normalize_typography(doc.title)
        words = word_breaks(text)
        phrases = document_phrases(doc)
        pos = 0
        for ln in lines[:-1]:
            pos += len(ln.text)
            if pos not in words:
                out.append(f"title breaks inside a word: {text[:pos]!r} / {text[pos:]!r}")
            for p in phrases:
                start = text.find(p)
                while start >= 0:
                    if start < pos < start + len(p):
                        out.append(f"title breaks inside {p!r}")
                    start = text.find(p, start + 1)
        widths = [ln.x1 - ln.x0 for ln in lines]
        if shape_rank(widths) > 1:
            out.append(f"title lines {[ln.text for ln in lines]} neither 梯形 nor 菱形")
    return out


# --------------------------------------------------------------------------------------------
# 6. signature


def prose(ln: Line) -> bool:
    t = ln.text
    return (ln.x0 <= 39.2 and not t.startswith(LEADS) and "签名" not in t and "盖章" not in t)


def signature(r: Rendered, early: bool = False) -> list[str]:
    """The 署名/成文日期 positions and the page they are on; with ``early`` only whether the page
    before ends no more than two rows early (7.3.5.5)."""
    out, late = [], []
    for sig in (b for b in r.doc.blocks if isinstance(b, Signature)):
        date = normalize_typography(sig.date)
        hits = [(page, k) for page in r.pages for k, ln in enumerate(body_lines(page))
                if ln.text == date]
        if not hits:
            out.append(f"成文日期 {date} not found")
            continue
        page, k = hits[-1]
        lines = body_lines(page)
        d = lines[k]
        org_lines = [ln for ln in lines[:k] if sig.org and ln.text in normalize_typography(sig.org)]
        o = org_lines[-1] if org_lines else None
        right = (RIGHT - d.x1) / CELL
        if o is None and sig.org:
            out.append(f"p{page.number}: 署名 not on the page of its date")
            continue
        if o is None:                       # a date without 署名 (a report signed by hand)
            o = d
        elif sig.seal:
            if abs(right - 4) > 0.1 + (0.1 if r.lo else 0):
                out.append(f"p{page.number}: sealed date right {right:.2f} cells, not 4")
            if abs((o.x0 + o.x1) / 2 - (d.x0 + d.x1) / 2) > 0.5 + (0.5 if r.lo else 0):
                out.append(f"p{page.number}: 署名 not centred over the date")
        else:
            org_right = (RIGHT - o.x1) / CELL
            if min(abs(org_right - 2), abs(right - 2)) > 0.15:
                out.append(f"p{page.number}: unsealed 署名 right {org_right:.2f}, date {right:.2f}")
            if abs(org_right - 2) <= 0.15 and abs((d.x0 - o.x0) / CELL - 2) > 0.15:
                out.append(f"p{page.number}: date not two cells right of the 署名")
        above = [ln for ln in lines[:lines.index(o)] if prose(ln)]
        if len(above) < 2 and not (page.number == 1 and len(lines[:lines.index(o)]) < 2):
            out.append(f"p{page.number}: signature with {len(above)} prose line(s) above it")
        if page.number > 1:
            prev = r.pages[page.number - 2]
            rows = body_lines(prev)
            if rows and not any(not is_red(x.color) for x in prev.rules):   # tables end pages as they must
                last = round((rows[-1].base - GRID0) / PITCH)
                if last < 21 - 2:
                    late.append(f"p{page.number - 1} ends {21 - last} rows early")
    return late if early else out


# --------------------------------------------------------------------------------------------
# 7. 版记 and page numbers


def record(r: Rendered, duplex: bool = True) -> list[str]:
    doc, out = r.doc, []
    if doc.record:
        last = r.pages[-1]
        black = sorted((x for x in last.rules if not is_red(x.color) and x.x1 - x.x0 > 150
                        and x.y > 150), key=lambda x: x.y)
        uniq = []
        for x in black:
            if not any(abs(x.y - u.y) < 0.05 for u in uniq):
                uniq.append(x)
        widths = [round(x.width, 2) for x in uniq]
        want = [0.35, 0.25, 0.35] if doc.record.cc and (doc.record.printer or doc.record.date) \
            else [0.35, 0.35]
        if r.lo and len(uniq) == 2 and len(want) == 3:
            want = [0.35, 0.35]              # LibreOffice draws no "between" border in a frame
        if len(uniq) != len(want) or any(abs(a - b) > 0.05 for a, b in zip(widths, want, strict=False)):
            out.append(f"版记 rules {widths}, not {want}")
        if uniq and abs(uniq[-1].y - BOTTOM) > 0.3:
            out.append(f"版记's last rule at {uniq[-1].y:.2f}, not on the block's bottom edge")
        for x in uniq:
            if abs(x.x1 - x.x0 - 156) > 0.5:
                out.append(f"版记 rule {x.x1 - x.x0:.1f} mm long")
        cc = next((ln for ln in last.lines() if ln.text.startswith("抄送")), None)
        if doc.record.cc:
            if cc is None:
                out.append("抄送 not on the last page")
            else:
                if abs(cc.x0 - (LEFT + 14 * PT)) > 0.3:
                    out.append(f"抄送 at {cc.x0:.2f}, not one 四号 character in")
                if not normalize_typography(doc.record.cc).endswith("。"):
                    out.append("抄送 does not end with 。")
        if duplex and len(r.pages) % 2:
            out.append(f"版记 on odd page {len(r.pages)}")
    return out


def page_numbers(r: Rendered, numbered: list[bool] | None = None) -> list[str]:
    out = []
    if r.doc.footer:
        return out
    for page in r.pages:
        labels = [ln for ln in folio(page) if re.fullmatch(r"—\d+—", ln.text)]
        expect = numbered[page.number - 1] if numbered else True
        if r.doc.layout == "letter" and page.number == 1:
            expect = False
        if not expect:
            if labels:
                out.append(f"p{page.number} numbered, should not be")
            continue
        if not labels:
            out.append(f"p{page.number} without a page number")
            continue
        ln = labels[0]
        if ln.text != f"—{page.number}—":
            out.append(f"p{page.number} numbered {ln.text}")
        if abs(ln.size - 14) > 0.3:
            out.append(f"p{page.number} page number {ln.size:.1f} pt")
        dash = ln.base - 0.378 * 14 * PT                  # the dashes' middle
        if abs(dash - (BOTTOM + 7)) > 1:
            out.append(f"p{page.number} page number {dash - BOTTOM:.2f} mm under the block")
        if page.number % 2 and abs(ln.x1 - 179.1) > 1:
            out.append(f"p{page.number} odd page number ends at {ln.x1:.2f}")
        if not page.number % 2 and abs(ln.x0 - 32.9) > 1:
            out.append(f"p{page.number} even page number starts at {ln.x0:.2f}")
    return out


# --------------------------------------------------------------------------------------------
# 8. 纪要


def attendance(r: Rendered) -> list[str]:
    out = []
    for block in r.doc.blocks:
        if not (isinstance(block, LabeledParagraph) and block.label.startswith("出席")):
            continue
        for page in r.pages:
            lines = body_lines(page)
            for k, ln in enumerate(lines):
                if not ln.text.startswith("出席："):
                    continue
                if k and ln.base - lines[k - 1].base < 2 * PITCH - 0.3:
                    out.append(f"p{page.number}: 出席 directly under the text")
                label = ln.glyphs[:3]
                if not all("Hei" in g.font or "黑" in g.font for g in label):
                    out.append(f"p{page.number}: 出席： not in 黑体 ({label[0].font})")
                if any("Hei" in g.font for g in ln.glyphs[3:]):
                    out.append(f"p{page.number}: names after 出席： in 黑体")
    return out


# --------------------------------------------------------------------------------------------
# 9. fonts


ROLE_FACES = {"fangsong": ("Fang", "仿宋"), "heiti": ("Hei", "黑体"), "kaiti": ("Kai", "楷体"),
              "songti": ("Song", "宋体", "SimSun"),
              "xiaobiaosong": ("XiaoBiaoSong", "小标宋", "NotoSerifCJK", "FandolSong-Bold")}


def face(font: str) -> str:
    """A font's face: the parts a CFF face is converted in (-GB2, -U5400) are one face."""
    return re.sub(r"-(GB2|U[0-9A-F]{4})$", "", font)


def _is(font: str, role: str) -> bool:
    return any(k in font for k in ROLE_FACES[role]) and not (role == "songti" and "Bold" in font)


def fonts(r: Rendered, fallback_chars: str = "") -> list[str]:
    """Per element, the glyph's face is its role's; glyphs in another face than their line's
    majority are only the characters the role's face lacks (``fallback_chars``)."""
    doc, out = r.doc, []
    heads = {normalize_typography(b.text) for b in doc.blocks
             if isinstance(b, Paragraph) and b.style == "h1"}
    body = {normalize_typography(b.text) for b in doc.blocks
            if isinstance(b, Paragraph) and b.style == "body"}
    for page in r.pages:
        for ln in page.lines():
            glyphs = [g for g in ln.glyphs if g.ch not in fallback_chars]
            if not glyphs:
                continue
            faces = [face(g.font) for g in glyphs]
            major = max(set(faces), key=faces.count)
            role = None
            if abs(ln.size - 22) < 0.5 or (is_red(ln.glyphs[0].color) and ln.size > 30):
                role = "xiaobiaosong"
            elif ln.text in heads:
                role = "heiti"
            elif any(ln.text in t for t in body) and abs(ln.size - 16) < 0.3 and len(ln.text) > 4:
                role = "fangsong"
            elif re.fullmatch(r"—\d+—", ln.text):
                role = "songti"
            if role and not _is(major, role):
                out.append(f"p{page.number} {ln.text[:10]!r} set in {major}, not a {role} face")
            odd = [g for g in glyphs if face(g.font) != major and g.ch.strip()
                   and not (role is None)]
            if role == "fangsong":
                odd = [g for g in odd if not g.ch.isascii()]
            out += [f"p{page.number} {g.ch} (U+{ord(g.ch):04X}) in {g.font}" for g in odd]
    return out


# --------------------------------------------------------------------------------------------
# 10. forms


def forms(r: Rendered, fits_one_page: bool) -> list[str]:
    doc, out = r.doc, []
    if doc.layout != "form":
        return out
    if fits_one_page and len(r.pages) != 1:
        out.append(f"form that fits one page runs to {len(r.pages)} pages")
    signed = set()
    ordinary = set()
    for block in doc.blocks:
        if isinstance(block, Table):
            for n, row in enumerate(block.rows):
                texts = {normalize_typography(c.text).replace("\n", "") for c in row if c.text}
                (signed if is_signature_row(row) else ordinary).update(
                    t for t in texts if n >= block.header_rows)
    for page in r.pages[1:]:
        texts = "".join(ln.text for ln in content_lines(page))
        if texts and not any(t and t[:6] in texts for t in ordinary) and \
                any(t and t[:4] in texts for t in signed):
            out.append(f"p{page.number} holds only signature rows")
    return out


# --------------------------------------------------------------------------------------------
# 12. fidelity


def line_texts(pages: list[Page]) -> list[tuple[int, str]]:
    return [(p.number, ln.text) for p in pages for ln in content_lines(p)]


def fidelity(pdf: Rendered, lo: Rendered) -> tuple[int, int, list[str]]:
    """(lines of the PDF that LibreOffice breaks the same way on the same page, all lines,
    the differences)."""
    a, b = line_texts(pdf.pages), line_texts(lo.pages)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    same = sum(m.size for m in sm.get_matching_blocks())
    diffs = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "equal":
            diffs += [f"PDF p{p} {t}" for p, t in a[i1:i2]] + [f"LO  p{p} {t}" for p, t in b[j1:j2]]
    return same, len(a), diffs


def overhang(lo: Rendered) -> list[str]:
    return [f"p{p.number} {ln.text[-8:]!r} ends at {ln.x1:.2f}" for p in lo.pages
            for ln in content_lines(p) if ln.x1 > RIGHT + 0.5]


def mark_matches(pdf: Rendered, lo: Rendered) -> list[str]:
    def mark(r):
        return [ln for ln in r.pages[0].lines() if all(is_red(g.color) for g in ln.glyphs)]
    a, b = mark(pdf), mark(lo)
    if not a:
        return []
    if not b:
        return ["no red mark in the DOCX"]
    out = []
    for x, y in zip(a, b, strict=False):
        if abs(x.size - y.size) > 0.5:
            out.append(f"mark {y.size:.1f} pt in the DOCX, {x.size:.1f} pt in the PDF")
        for what, u, v in (("left", x.x0, y.x0), ("right", x.x1, y.x1), ("baseline", x.base, y.base)):
            if abs(u - v) > 1:
                out.append(f"mark's {what} {v:.2f} in the DOCX, {u:.2f} in the PDF")
    return out
