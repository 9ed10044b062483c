"""Item 6 of issue 11 (the index): verify reads the 页号 printed in the index from the index's
own layout, so a genuine volume whose last 件's range wraps in its narrow column (``149-`` over
``150``) verifies, and a wrong 页号 is still found."""

from __future__ import annotations

from dataclasses import replace

import pikepdf
import pytest

from test_dossier_support import make_case, make_item_pdf, page_texts
from toolkit.dossier import Item, build_dossier, verify_dossier
from toolkit.dossier.entries import Entry

INDEX_OK = "目录中印制的页号与实际页面一致"


@pytest.fixture(scope="module")
def long_volume(tmp_path_factory):
    """150 content pages: 100 + 48 + a last 件 of 2 pages, printed as 149-150."""
    root = tmp_path_factory.mktemp("long")
    spec = make_case(root, items=1)
    first = make_item_pdf(root / "a.pdf", 100, "调查材料汇编（一）")
    second = make_item_pdf(root / "b.pdf", 48, "调查材料汇编（二）")
    last = make_item_pdf(root / "c.pdf", 2, "备案表")
    items = (replace(spec.items[0], pdf=first),
             Item("张三同志容错免责事项调查材料汇编", "", "调查核实组", "2025-05-20", second),
             Item("关于张三同志容错免责情况的备案表", "", "某某局", "2025-07-01", last))
    spec = replace(spec, items=items, sources=spec.sources[:2])
    return spec, build_dossier(spec, root / "out", None)


def test_a_150_page_volume_whose_last_range_wraps_verifies(long_volume):
    _, path = long_volume
    index = page_texts(path)[1]
    assert "149-\n150" in index or "149- 150" in index      # the range wraps in its column
    report = verify_dossier(path, (), require_signature=False)
    assert report.ok, report.text()
    assert INDEX_OK in report.text()


def test_without_the_row_links_the_text_is_searched_across_the_wrap(long_volume, tmp_path):
    _, path = long_volume
    copy = tmp_path / "no-links.pdf"
    with pikepdf.open(path) as pdf:
        del pdf.pages[1].obj["/Annots"]
        pdf.save(copy)
    report = verify_dossier(copy, (), require_signature=False)
    assert INDEX_OK in report.text()          # the links' own check fails, the 页号 are found
    assert "目录中的链接与各件首页不符" in report.text()


def test_a_wrong_page_number_in_the_index_is_found(tmp_path, monkeypatch):
    spec = make_case(tmp_path, items=3)
    real = Entry.page_ref

    def off_by_one(self, last):
        return str(self.start + 1) if self.seq == 2 else real(self, last)

    monkeypatch.setattr(Entry, "page_ref", off_by_one)
    path = build_dossier(spec, tmp_path / "out", None)
    monkeypatch.undo()
    report = verify_dossier(path, (), require_signature=False)
    assert not report.ok
    assert "目录中印制的页号与实际页面不符或缺失：第2件（应为 4，印有 5）" in report.text(), report.text()
