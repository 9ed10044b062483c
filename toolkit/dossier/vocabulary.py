"""The conventions a volume is written in, shared by what builds it and by ``verify_dossier``.

Where the parts sit (:class:`Plan`), what the reader's page labels say, the bookmark titles, how
the index prints a 页号, the name of the stamp resources and of the embedded manifest, the marks
of drafts and test certificates.  Building and verifying both read them here, so a change to a
convention is a change in one place and neither side depends on the other.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Resource names of the overlays that stamp the 页号 (and 草稿) on content pages.
STAMP_PREFIX = "RcmzStamp"
#: The watermark of a draft, also drawn by the page-number overlay of a draft.
DRAFT_MARK = "草稿"
#: The embedded file listing the sources and items with their SHA-256.
MANIFEST_FILENAME = "manifest.json"
#: In the subject of certificates made by ``create_test_certificate``; on the stamp and 备考表.
TEST_MARK = "测试证书 TEST CERTIFICATE — 不得用于正式归档"

#: Top-level bookmark titles around the items (the items' own are "序号　题名").
BOOKMARK_COVER = "案卷封面"
BOOKMARK_INDEX = "卷内文件目录"
BOOKMARK_NOTES = "卷内备考表"

#: Page-label prefixes of the generated sheets (content pages are labelled 1…N).
LABEL_COVER = "封面"
LABEL_INDEX = "目录"
LABEL_NOTES = "备考表"


@dataclass(frozen=True)
class Plan:
    """Where everything sits in the merged file (0-based page indexes)."""

    cover_pages: int
    index_pages: int
    content_pages: int
    back_pages: int

    @property
    def front_pages(self) -> int:
        return self.cover_pages + self.index_pages

    @property
    def total(self) -> int:
        return self.front_pages + self.content_pages + self.back_pages

    def content_index(self, page_no: int) -> int:
        """0-based index of content page ``page_no`` (1-based 页号)."""
        return self.front_pages + page_no - 1

    @property
    def back_start(self) -> int:
        return self.front_pages + self.content_pages


@dataclass(frozen=True)
class LabelRange:
    """One range of the page labels: from page ``start``, ``prefix`` and, when ``numbered``,
    a decimal number counting from 1 (``目录1``, ``目录2`` …; content pages: no prefix)."""

    start: int
    prefix: str
    numbered: bool


def label_ranges(plan: Plan) -> list[LabelRange]:
    """封面, 目录 (目录1 … when longer than a page), 1…N, 备考表 (备考表1 … likewise)."""
    return [LabelRange(0, LABEL_COVER, False),
            LabelRange(plan.cover_pages, LABEL_INDEX, plan.index_pages != 1),
            LabelRange(plan.front_pages, "", True),
            LabelRange(plan.back_start, LABEL_NOTES, plan.back_pages != 1)]


def expected_label(plan: Plan, index: int) -> str:
    """The page label a viewer shows for page ``index``."""
    ranges = label_ranges(plan)
    current = ranges[0]
    for r in ranges:
        if r.start <= index:
            current = r
    return current.prefix + (str(index - current.start + 1) if current.numbered else "")


def item_bookmark_title(seq: int, title: str) -> str:
    return f"{seq}　{title}"


def attachment_bookmark_title(k: int, title: str) -> str:
    return f"附件{k}　{title}"


def page_ref(start: int, end: int, last: bool) -> str:
    """The 页号 an index row prints: the start page; for the last row the range ``start-end``."""
    if last and end != start:
        return f"{start}-{end}"
    return str(start)
