"""Chinese line breaking (GB/T 15834 practice) for the PDF typesetter.

Rules:

* no line starts with a closing mark (:data:`CANNOT_START`: ``，。、；：？！）》」』”’…—·〕%`` …),
  no line ends with an opening mark (:data:`CANNOT_END`: ``（《「『“‘〔`` …);
* runs of Latin letters and digits stay together (``2025``, ``GB/T``, ``9704-2012``); a run
  that does not fit the rest of a line may break after a ``-`` or ``/`` inside it
  (``0571-`` / ``87000001``) when moving it whole would leave more than
  :data:`SPLIT_SLACK` ems empty; a run wider than the whole line is cut (after ``-``/``/``
  where possible);
* justification is capped: when a justified line would need more than ``max_stretch`` em of
  extra space per gap (or, with ``justify_slack``, when it is more than that many ems short of
  full — table cells), it is set ragged with the normal spacing instead of being spread;
* nothing pokes out of the text block.  When a closing mark would start the next line, the
  breaker uses **push-out** (推出): the character before the mark moves down with it and the
  shorter line is justified — what Word, WPS and LibreOffice do with ``overflowPunct`` off, so
  the DOCX breaks as the PDF.  **Push-in** (挤进, ``push_in=True``): the line keeps the mark and
  its characters are set a little tighter — allowed when the overflow is at most half an em per
  full-width punctuation mark on the line, the blank half that such marks carry;
* ``keep`` ranges (names, numbers, dates of the case: :func:`phrase_ranges`) are not broken
  inside when they fit on a line; ``breaks`` (a title's word boundaries) limits the places a
  line may end to those positions, where any is possible.

The breaker works on per-character advance widths supplied by the caller, so it knows nothing
about fonts; :class:`Line` reports the character spacing (PDF ``Tc``) the line needs.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from toolkit.cachefile import JsonCache, code_salt, package_stamp
from toolkit.documents.model import Document, Record, Signature
from toolkit.text import normalize_typography

#: Marks that must not begin a line (closing, pausing and connecting marks).
CANNOT_START = frozenset(
    "，。、；：？！）》」』”’…—·〕〉】｝］〗〙〛%‰℃°"
    "号"                        # 〔2025〕3 / 号 never splits a document number (the DOCX's list too)
    "～―－・‥"
    ",.;:?!)]}"
)
#: Marks that must not end a line (opening marks).
CANNOT_END = frozenset("（《「『“‘〔〈【｛［〖〘〚([{")
#: Full-width marks whose glyph carries half an em of blank that push-in may take up.
SQUEEZABLE = frozenset("，。、；：？！）》」』”’（《「『“‘〔〕〈〉【】")

_WORD = re.compile(
    r"[A-Za-z0-9\u00C0-\u024F\uFF10-\uFF19]+"
    r"(?:[./\-_:@+&'#][A-Za-z0-9\u00C0-\u024F]+)*%?"
)
_EPS = 1e-6
#: Characters after which a long Latin/digit run may break.
RUN_BREAK_AFTER = frozenset("-/")
#: A run that does not fit is broken after ``-``/``/`` only when moving it whole to the next line
#: would leave more than this many ems of the line empty.
SPLIT_SLACK = 2.0
#: Default cap of the justification stretch, in ems per gap beyond the normal spacing.
MAX_STRETCH = 0.25


@dataclass(frozen=True)
class Line:
    start: int          # index of the first character in the paragraph text
    end: int            # index after the last character
    text: str
    natural: float      # sum of the characters' advance widths
    indent: float       # left indent of this line
    available: float    # width from the indent to the right edge of the text block
    char_space: float   # extra space after each character (PDF Tc) to set the line with
    last: bool          # last line of the paragraph

    @property
    def extent(self) -> float:
        """Width the line occupies when set with :attr:`char_space`."""
        n = len(self.text)
        return self.natural + (n - 1) * self.char_space if n else 0.0


def _units(text: str) -> list[tuple[int, int]]:
    """Unbreakable character ranges before punctuation binding: Latin words, single chars."""
    out = []
    i, n = 0, len(text)
    while i < n:
        m = _WORD.match(text, i)
        if m and m.end() > i:
            out.append((i, m.end()))
            i = m.end()
        else:
            out.append((i, i + 1))
            i += 1
    return out


def atoms(text: str, keep: Sequence[tuple[int, int]] = (),
          breaks: frozenset[int] | None = None) -> list[tuple[int, int]]:
    """Ranges that a line break may not split: opening marks bind forward, closing backward;
    no break inside a ``keep`` range nor, with ``breaks``, anywhere but at those positions."""
    out = _atoms(text)
    if not keep and breaks is None:
        return out
    inside: set[int] = set()
    for a, b in keep:
        inside.update(range(a + 1, b))
    merged: list[tuple[int, int]] = []
    for a, b in out:
        if merged and (a in inside or (breaks is not None and a not in breaks)):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def document_phrases(doc: Document) -> tuple[str, ...]:
    """What a line of ``doc`` never splits: the case's names (``Document.phrases``), the
    issuer's names, the 发文字号, the 署名 and 签发人 (document numbers and dates are found by
    :func:`phrase_ranges` itself).  PDF and DOCX take the same."""
    found = list(doc.phrases)
    found += (doc.issuer or "").splitlines() + [doc.number] + (doc.signer or "").splitlines()
    found += [b.org for b in doc.blocks if isinstance(b, Signature)]
    if isinstance(doc.record, Record):
        found.append(doc.record.printer)
    found = [normalize_typography(p.strip()) for p in found]
    return tuple(sorted({p for p in found if len(p) >= 2}, key=lambda p: (-len(p), p)))


def is_attendance(label: str) -> bool:
    """The attendance lines of a 纪要 (``出席：``, ``请假：``, ``列席：``, GB/T 9704 10.3)."""
    return label.strip().rstrip("：:") in ("出席", "请假", "列席")


#: What a form row that is signed carries in one of its cells.
SIGNATURE_MARKS = ("签名", "签章", "签收", "盖章")


def is_signature_row(row) -> bool:
    """A table row where someone signs: a caption or slot with 签名/签章/签收/盖章."""
    return any(any(mark in cell.text for mark in SIGNATURE_MARKS) for cell in row)


def phrase_ranges(text: str, phrases: Sequence[str]) -> list[tuple[int, int]]:
    """Where the ``phrases`` (and every document number and date) occur in ``text``."""
    out = [m.span() for m in _UNBREAKABLE.finditer(text)]
    for phrase in phrases:
        if len(phrase) < 2:
            continue
        start = text.find(phrase)
        while start >= 0:
            out.append((start, start + len(phrase)))
            start = text.find(phrase, start + 1)
    return out


#: Never split: a document number (杭教党容〔2025〕3号, its 〔2025〕3号 at least), a date
#: (2025年3月1日, 2025年3月), a time (9时30分).
_UNBREAKABLE = re.compile(r"[\u4e00-\u9fff]{0,8}〔\d{4}〕\d+号|\d{4}年\d{1,2}月(?:\d{1,2}日)?"
                          r"|\d{1,2}时(?:\d{1,2}分)?")


def _atoms(text: str) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    bind_next = False
    for a, b in _units(text):
        ch = text[a]
        if out and (bind_next or (b - a == 1 and ch in CANNOT_START)):
            if not bind_next and len(out) > 1 and text[out[-1][0]:out[-1][1]].isspace():
                # a space before a closing mark must not become a break: "甲 ，"
                space = out.pop()
                out[-1][1] = space[1]
            out[-1][1] = b
        else:
            out.append([a, b])
        bind_next = b - a == 1 and ch in CANNOT_END
    return [(a, b) for a, b in out]


def _closing_tail(text: str, a: int, b: int) -> int:
    """Start of the trailing run of closing marks in text[a:b] (b if none)."""
    k = b
    while k > a + 1 and text[k - 1] in CANNOT_START:
        k -= 1
    return k


def _run_breaks(text: str, a: int, b: int) -> list[int]:
    """Positions inside the atom text[a:b] just after a ``-`` or ``/`` of a Latin/digit run."""
    out = []
    for p in range(a + 1, b):
        if (text[p - 1] in RUN_BREAK_AFTER and text[p].isalnum()
                and any(c.isalnum() for c in text[a:p - 1])):
            out.append(p)
    return out


def break_lines(text: str, widths: Sequence[float], width: float, *, first_indent: float = 0.0,
                indent: float = 0.0, tracking: float = 0.0, em: float = 16.0,
                justify: bool = True, max_stretch: float | None = MAX_STRETCH,
                justify_slack: float | None = None, keep: Sequence[tuple[int, int]] = (),
                breaks: frozenset[int] | None = None, push_in: bool = False) -> list[Line]:
    """Break ``text`` into lines no wider than ``width`` (the text block's width).

    ``widths[i]`` is the advance width of ``text[i]``; ``tracking`` is the spacing added after
    each character on lines that are not justified (the grid correction, may be negative);
    ``first_indent`` / ``indent`` are the left indents of the first / following lines;
    ``em`` is the font size, for the push-in allowance.  With ``justify`` every line but the
    last is stretched or squeezed to the full width (Chinese body text); otherwise lines are set
    with ``tracking`` (squeezed further only when push-in needs it).  A line that justification
    would spread by more than ``max_stretch`` em per gap, or (``justify_slack``, for table
    cells) that is more than that many ems short of the width, is set ragged with ``tracking``.
    """
    if len(widths) != len(text):
        raise ValueError("widths must give one width per character")
    n = len(text)
    prefix = [0.0] * (n + 1)
    for i, w in enumerate(widths):
        prefix[i + 1] = prefix[i] + w
    squeezable = [0.0] * (n + 1)
    for i, ch in enumerate(text):
        squeezable[i + 1] = squeezable[i] + (min(widths[i], em) / 2 if ch in SQUEEZABLE else 0.0)

    def extent(a: int, b: int) -> float:
        return prefix[b] - prefix[a] + (b - a - 1) * tracking if b > a else 0.0

    items = atoms(text, keep, breaks)
    lines: list[tuple[int, int, float, float]] = []   # (start, end, indent, available)
    k = 0
    while k < len(items):
        # skip spaces at the start of a continuation line
        while lines and k < len(items) and text[items[k][0]:items[k][1]].isspace():
            k += 1
        if k >= len(items):
            break
        ind = first_indent if not lines else indent
        avail = max(width - ind, em)
        start = items[k][0]
        end = start
        while k < len(items):
            a, b = items[k]
            if extent(start, b) <= avail + _EPS:
                end = b
                k += 1
                continue
            fitting = [p for p in _run_breaks(text, a, b) if extent(start, p) <= avail + _EPS]
            if end == start:
                # the atom alone is wider than the line: cut it after a - or / if possible,
                # else anywhere but never before a closing mark
                if fitting:
                    end = fitting[-1]
                else:
                    cut = a + 1
                    while cut < b and extent(start, cut + 1) <= avail + _EPS:
                        cut += 1
                    best = cut
                    while best > a + 1 and (text[best] in CANNOT_START
                                            or text[best - 1] in CANNOT_END):
                        best -= 1
                    end = best if best > a else cut
                items[k] = (end, b)
                break
            # push-in: only trailing closing marks overflow, by no more than their blank halves
            tail = _closing_tail(text, a, b)
            if push_in and tail < b and extent(start, tail) <= avail + _EPS:
                over = extent(start, b) - avail
                if over <= squeezable[b] - squeezable[start] + _EPS:
                    end = b
                    k += 1
                    break
            # a long Latin/digit run: break after its - or / rather than leave a gaping line
            if fitting and avail - extent(start, end) > SPLIT_SLACK * em + _EPS:
                end = fitting[-1]
                items[k] = (end, b)
            break
        # trailing spaces do not count
        while end > start and text[end - 1].isspace():
            end -= 1
        lines.append((start, end, ind, avail))
        if end == start:  # only spaces; avoid an endless loop
            k += 1

    out = []
    for i, (a, b, ind, avail) in enumerate(lines):
        last = i == len(lines) - 1
        count = b - a
        natural = prefix[b] - prefix[a]
        if count > 1:
            fit = (avail - natural) / (count - 1)
            cs = min(tracking, fit)
            if justify and not last and fit > tracking:
                # spread to the full width, unless that would leave visible gaps
                stretch_ok = max_stretch is None or fit - tracking <= max_stretch * em + _EPS
                slack = avail - (natural + (count - 1) * tracking)
                slack_ok = justify_slack is None or slack <= justify_slack * em + _EPS
                if stretch_ok and slack_ok:
                    cs = fit
        else:
            cs = tracking
        out.append(Line(a, b, text[a:b], natural, ind, avail, cs, last))
    return out


#: Sentence-final marks: a line ending with one of them closes, it does not lead in.
SENTENCE_END = frozenset("。！？；…!?;")
HEADING_STYLES = ("h1", "h2", "h3", "h4")


def is_lead_in(text: str) -> bool:
    """A short line that leads into the next one and must not end a page: ``此致``, ``敬礼``,
    ``此致敬礼`` (at most four characters, no digit, no sentence-final mark)."""
    t = text.strip()
    return (0 < len(t) <= 4 and t[-1] not in SENTENCE_END
            and not any(c.isdigit() for c in t))


#: The closing formulas that stand between the text and the 署名.
CLOSINGS = ("以上报告，请审议。", "妥否，请批示。", "以上请示妥否，请批示。", "请予审议。")


def is_closing(text: str) -> bool:
    """A closing formula before the 署名 (``特此通知。``, ``妥否，请批示。``): it never begins a
    page without two lines of the text above it (GB/T 9704 7.3.5.5: the signature page holds
    text, not a formula and a signature)."""
    t = text.strip()
    return t in CLOSINGS or (t.startswith("特此") and len(t) <= 8)


def is_intro(text: str) -> bool:
    """A one-line paragraph that introduces what follows: ``调查组成员（签名）：``."""
    t = text.strip()
    return 0 < len(t) <= 28 and t[-1] in "：:"


def keeps_with_next(style: str, text: str, following) -> bool:
    """Whether a paragraph of ``style`` must stay on the page of what follows it.

    Headings (h1–h4) and the 主送机关 keep with the text or table after them; a short lead-in
    line (:func:`is_lead_in`, ``此致``) or a one-line introduction ending with a colon
    (:func:`is_intro`) with the paragraph after it; a flush-left line (the
    机关 after 此致) or a right-aligned line with a right-aligned line after it (a 署名 made of
    ``right`` paragraphs and its date).  ``following`` is the next content block (any object
    with ``style`` and ``text`` counts as a paragraph; ``rows`` as a table)."""
    if following is None:
        return False
    is_para = hasattr(following, "style") and hasattr(following, "text")
    is_label = hasattr(following, "label") and hasattr(following, "text")
    is_table = hasattr(following, "rows")
    if style in HEADING_STYLES or style == "addressee":
        return is_para or is_label or is_table
    if not is_para:
        return False
    if style in ("body", "plain") and (is_lead_in(text) or is_intro(text)):
        return True
    if style in ("plain", "right") and following.style == "right":
        return True
    return False


# --- titles ------------------------------------------------------------------------------
# A title that wraps breaks between words (GB/T 9704 7.3.1 词意完整: jieba's segmentation, and
# never inside a name or number of the case) into a 梯形 or 菱形: the fewest lines; among the
# word breaks that give them, lines that differ by at most EVEN characters, in a 正梯形 (each
# line no longer than the next) or 菱形 (lines grow to the longest and shrink after it) before
# a 倒梯形; when no break is that even, the most even one (``关于对杭州市西溪职业技术学校`` /
# ``责令纠错的通知``).  The DOCX title carries the same breaks (``w:br``).

#: Titles longer than this many lines are only balanced, not searched exhaustively.
MAX_SEARCH_LINES = 4
#: Lines of a title "even" when they differ by at most this many characters.
EVEN = 4


def _words_salt() -> str:
    return f"{code_salt(__file__)};{package_stamp('jieba')}"


#: A title's word breaks, kept across runs: loading jieba's dictionary costs about a second, and
#: a case's titles are the same each time it is rendered.
_WORDS = JsonCache("title-words", _words_salt)


@lru_cache(maxsize=256)
def word_breaks(text: str) -> frozenset[int]:
    """Positions between two words of ``text`` (jieba, loaded when a title is new)."""
    kept = _WORDS.get(text)
    if isinstance(kept, list) and all(isinstance(b, int) for b in kept):
        return frozenset(kept)
    import jieba

    jieba.setLogLevel(logging.WARNING)
    out, pos = set(), 0
    for word in jieba.cut(text, HMM=False):
        pos += len(word)
        out.add(pos)
    _WORDS.put(text, sorted(out))
    return frozenset(out)


def title_breaks(text: str, phrases: tuple[str, ...]) -> list[int]:
    """Where a title may break: between words, outside every phrase of the case, never before a
    closing mark or after an opening one."""
    words = word_breaks(text)
    inside: set[int] = set()
    for a, b in phrase_ranges(text, phrases):
        inside.update(range(a + 1, b))
    return [b for _, b in atoms(text)[:-1]
            if b in words and b not in inside
            and text[b] not in CANNOT_START and text[b - 1] not in CANNOT_END]


def shape_rank(widths: list[float]) -> int:
    """0: 正梯形 or 菱形; 1: 倒梯形 (each line no shorter than the next); 2: neither."""
    if shape_ok(widths):
        return 0
    return 1 if all(widths[k] + _EPS >= widths[k + 1] for k in range(len(widths) - 1)) else 2


def shape_ok(widths: list[float]) -> bool:
    """正梯形 (each line no longer than the next) or 菱形 (up to the longest, then down)."""
    if len(widths) == 2:
        return widths[0] <= widths[1] + _EPS
    top = max(k for k, w in enumerate(widths) if w >= max(widths) - _EPS)
    rising = all(widths[k] <= widths[k + 1] + _EPS for k in range(top))
    falling = all(widths[k] + _EPS >= widths[k + 1] for k in range(top, len(widths) - 1))
    return rising and falling and (top == len(widths) - 1 or 0 < top)


def title_cuts(widths: list[float], breaks: list[int], width: float, em: float) -> list[int] | None:
    """The break positions (as indices into the text) for the fewest lines that fit, in a
    梯形/菱形 shape if any exists, else the most even; None when no word break makes it fit."""
    total = len(widths)
    prefix = [0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    for n in range(2, MAX_SEARCH_LINES + 1):
        best, best_key = None, None
        for cut in itertools.combinations(breaks, n - 1):
            edges = [0, *cut, total]
            lens = [prefix[edges[k + 1]] - prefix[edges[k]] for k in range(n)]
            if max(lens) > width + _EPS:
                continue
            spread = max(lens) - min(lens)
            uneven = spread > EVEN * em + _EPS
            key = (uneven, spread if uneven else 0.0, shape_rank(lens), spread)
            if best_key is None or key < best_key:
                best, best_key = list(cut), key
        if best is not None:
            return best
    return None
