"""Chinese text conventions shared by every stage: dates, numerals, document numbers, widths.

Dates and document numbers follow GB/T 9704-2012 (Arabic numerals without leading zeros,
``〔2025〕3号``); numerals in article citations are Chinese (第六条第（四）项).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _date_parts(value: dt.date | str) -> tuple[int, int | None, int | None]:
    """(year, month, day) of a date or an ISO string (``2025-03-12``, ``2025-03`` or ``2025``).

    ValueError for anything else, including days that do not exist.
    """
    if isinstance(value, dt.date):
        return value.year, value.month, value.day
    found = _ISO_DATE.fullmatch(str(value).strip())
    if found is None:
        raise ValueError(f"not an ISO date: {value!r}")
    year_text, month_text, day_text = found.groups()
    year = int(year_text)
    month = int(month_text) if month_text else None
    day = int(day_text) if day_text else None
    dt.date(year, month or 1, day or 1)  # raises for 2025-13 or 2021-02-30
    return year, month, day


def cn_date(value: dt.date | str) -> str:
    """``2025年3月12日``; an ISO string without its day gives ``2025年3月``, a bare year ``2025年``."""
    year, month, day = _date_parts(value)
    return f"{year}年" + (f"{month}月" if month else "") + (f"{day}日" if day else "")


def cn_month(value: dt.date | str) -> str:
    """``2025年3月`` (a birth month, a volume's 起止年月); ``2025年`` when only the year is known."""
    year, month, _ = _date_parts(value)
    return f"{year}年" + (f"{month}月" if month else "")


CN_NUMERALS = "零一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (enough for article and item numbers, 0–99)."""
    if n <= 10:
        return CN_NUMERALS[n]
    if n < 20:
        return "十" + CN_NUMERALS[n - 10]
    tens, ones = divmod(n, 10)
    return CN_NUMERALS[tens] + "十" + (CN_NUMERALS[ones] if ones else "")


def layer_number(n: int, depth: int) -> str:
    """The 层次序号 of GB/T 9704 7.3.3 for item ``n`` at ``depth``: 一、 / （一） / 1. / （1）.

    A list under a first-level heading (一、) is at depth 2, under a （一） at depth 3."""
    if depth == 1:
        return f"{cn_number(n)}、"
    if depth == 2:
        return f"（{cn_number(n)}）"
    if depth == 3:
        return f"{n}."
    if depth == 4:
        return f"（{n}）"
    raise ValueError(f"GB/T 9704 has four levels of 层次序号, not {depth}")


def doc_number(prefix: str, date: dt.date | str, seq: int) -> str:
    """杭教党容〔2025〕3号: 六角括号, no 第, no leading zeros (GB/T 9704 7.2.4)."""
    year, _, _ = _date_parts(date)
    return f"{prefix}〔{year}〕{int(seq)}号"


def display_width(text: str, *, ambiguous_wide: bool = False) -> int:
    """Columns ``text`` takes when CJK characters take two and Latin ones one.

    East Asian "ambiguous" characters (“ ” ① …) take one column on a terminal but a full em in
    a Chinese font: ``ambiguous_wide`` counts them as two.
    """
    wide = "WFA" if ambiguous_wide else "WF"
    return sum(2 if unicodedata.east_asian_width(ch) in wide else 1 for ch in text)


# --- typography: what GB/T 9704 text must not carry ------------------------------------------
# CJK ideographs, full-width forms and CJK punctuation: the characters a Chinese line is made of.
_CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f"
#: A half-width bracket that touches Chinese text: ``实施办法(试行)``, ``第(四)项``.
HALF_BRACKET = re.compile(rf"(?<=[{_CJK}])[()]|[()](?=[{_CJK}])")
#: ASCII spaces between two Chinese characters (a folded YAML line, a typing slip): ``局组织处 沈某``;
#: also after a list number before Chinese text: ``1. 在…``.
CJK_SPACE = re.compile(rf"(?<=[{_CJK}])[ ]+(?=[{_CJK}])")
_NUMBER_SPACE = re.compile(rf"((?:^|(?<=[{_CJK}]))\d{{1,2}}[.．])[ ]+(?=[{_CJK}])", re.M)


def typography_slips(text: str) -> list[str]:
    """What :func:`normalize_typography` would change in ``text``, in words (for rcmz check)."""
    out = []
    if HALF_BRACKET.search(text):
        out.append("半角括号")
    if CJK_SPACE.search(text) or _NUMBER_SPACE.search(text):
        out.append("汉字之间的半角空格")
    return out


def normalize_typography(text: str) -> str:
    """Chinese text as a 公文 prints it: half-width brackets touching Chinese text full-width
    (``(试行)`` → ``（试行）``, a pair together), ASCII spaces between Chinese characters
    removed (``局组织处 沈某`` → ``局组织处沈某``, ``1. 在`` → ``1.在``).  Latin text keeps its
    own brackets and spaces (``GB/T 9704 (2012)``)."""
    if "(" in text or ")" in text:
        text = _brackets(text)
    if " " in text:
        text = _NUMBER_SPACE.sub(r"\1", CJK_SPACE.sub("", text))
    return text


def _brackets(text: str) -> str:
    chars = list(text)
    opened: list[int] = []
    for m in re.finditer(r"[()]", text):
        k = m.start()
        if chars[k] == "(":
            opened.append(k)
            continue
        start = opened.pop() if opened else None
        inner = text[start + 1:k] if start is not None else ""
        touches = HALF_BRACKET.match(text, k) is not None or (
            start is not None and (HALF_BRACKET.match(text, start) is not None
                                   or re.search(f"[{_CJK}]", inner) is not None))
        if touches:
            chars[k] = "）"
            if start is not None:
                chars[start] = "（"
    for k in opened:                            # an opening bracket never closed
        if HALF_BRACKET.match(text, k):
            chars[k] = "（"
    return "".join(chars)


_PHRASE = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9０-９·〔〕（）]{2,16}")
_PHRASE_SPLIT = re.compile(r"[\s、/]+")
_SENTENCE = re.compile(r"[，。；：！？,.;:!?…“”]")


def phrases_of(*values) -> tuple[str, ...]:
    """The names a line must not split, from the case's facts and the bureau's configuration:
    every short value without sentence punctuation (a person's name, a unit, an organisation,
    a post, a place), split at spaces and 、, of 2–16 characters.  Longest first, no repeats."""
    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif isinstance(value, str) and len(value) <= 40 and not _SENTENCE.search(value):
            for part in (normalize_typography(x) for x in _PHRASE_SPLIT.split(value.strip())):
                if _PHRASE.fullmatch(part) and not part.isascii():
                    found.add(part)

    for value in values:
        walk(value)
    return tuple(sorted(found, key=lambda p: (-len(p), p)))
