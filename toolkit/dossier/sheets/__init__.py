"""The sheets the toolkit draws itself around the documents of a volume (GB/T 9705-2008).

* :mod:`.pen` — the sheets' page and margins, and the pen that writes FontBook text;
* :mod:`.cover` — 案卷封面; :mod:`.index` — 卷内文件目录; :mod:`.notes` — 卷内备考表;
* :mod:`.stamps` — the 页号 and 草稿 overlays for the merged volume.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from toolkit.dossier.entries import Entry
from toolkit.dossier.sheets.cover import draw_cover
from toolkit.dossier.sheets.index import Link, draw_index_page, layout_index
from toolkit.dossier.sheets.pen import Pen, canvas
from toolkit.dossier.spec import VolumeSpec


def render_front(path: Path, spec: VolumeSpec, entries: Sequence[Entry], book, *,
                 content_pages: int) -> tuple[int, int, list[Link]]:
    """Cover and index into ``path``; returns (cover pages, index pages, links)."""
    c = canvas(path, book, spec.volume_title)
    pen = Pen(c, book)
    draw_cover(c, pen, spec, len(entries), content_pages)
    c.showPage()
    layout = layout_index(pen, entries)
    links: list[Link] = []
    for k, rows in enumerate(layout.pages, 1):
        links += draw_index_page(c, pen, spec, rows, k, len(layout.pages), k)
        c.showPage()
    c.save()
    return 1, len(layout.pages), links
