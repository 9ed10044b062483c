"""The 件 of a volume numbered through: each item and its attachments with their 页号 (content
pages 1…N, continuous through items and attachments)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from toolkit.dossier.spec import SCAN_ORIGINAL_REMARK, Attachment, Item
from toolkit.dossier.vocabulary import page_ref


@dataclass(frozen=True)
class Entry:
    """One 件 of the volume with its place in the page numbering (content pages 1..N)."""

    seq: int
    item: Item
    start: int
    end: int                                   # last page including attachments
    item_pages: int
    attachments: tuple[tuple[Attachment, int, int], ...] = ()  # (attachment, start, end)

    def remark(self) -> str:
        parts = []
        if self.item.is_scan_original:
            parts.append(SCAN_ORIGINAL_REMARK)
        if self.attachments:
            parts.append(f"含附件{len(self.attachments)}份")
        if self.item.remark.strip():
            parts.append(self.item.remark.strip())
        return "；".join(parts)

    def page_ref(self, last: bool) -> str:
        """页号 as printed in the index (:func:`vocabulary.page_ref`)."""
        return page_ref(self.start, self.end, last)


def plan_entries(items: Sequence[Item], item_pages: Sequence[int],
                 attachment_pages: Sequence[Sequence[int]]) -> list[Entry]:
    """Number the content pages continuously through items and their attachments."""
    out, page = [], 1
    for n, (item, ip, aps) in enumerate(zip(items, item_pages, attachment_pages, strict=True), 1):
        start = page
        page += ip
        atts = []
        for att, ap in zip(item.attachments, aps, strict=True):
            atts.append((att, page, page + ap - 1))
            page += ap
        out.append(Entry(n, item, start, page - 1, ip, tuple(atts)))
    return out
