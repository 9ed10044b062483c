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
