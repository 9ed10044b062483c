"""完整性 and navigation of an opened volume, one function per family of checks: 页号 without
gaps, page labels, stamped page numbers, bookmarks, index links, the 页号 printed in the index,
the manifest digest printed on the 备考表."""

from __future__ import annotations

import re

from pikepdf import Name

from toolkit.dossier.verify.report import FAIL, OK, VerifyReport
from toolkit.dossier.verify.stamps import stamp_text
from toolkit.dossier.verify.volume import Volume, dest_index, label_text, outline_target

#: The header of the index column that prints each 件's 页号 (toolkit/dossier/sheets/index.py).
INDEX_PAGE_COLUMN = "页号"
from toolkit.dossier.vocabulary import (
    BOOKMARK_COVER,
    BOOKMARK_INDEX,
    BOOKMARK_NOTES,
    DRAFT_MARK,
    attachment_bookmark_title,
    expected_label,
    page_ref,
)


def check_numbering(report: VerifyReport, vol: Volume) -> None:
    """The items' 页号 ranges follow each other from 1 to the last content page."""
    content = vol.plan.content_pages
    expect = 1
    gaps = []
    for it in vol.items:
        s, t = it["range"]
        if s != expect:
            gaps.append(f"第{it['seq']}件应从第{expect}页开始，清单记为第{s}页")
        expect = t + 1
    if expect - 1 != content:
        gaps.append(f"各件页数合计 {expect - 1} 页，与卷内 {content} 页不符")
    if gaps:
        report.add("完整性", FAIL, "页号不连续：" + "；".join(gaps))
    else:
        report.add("完整性", OK, f"共 {len(vol.items)} 件、{content} 页，页号 1—{content} 连续无缺")


def check_labels(report: VerifyReport, vol: Volume) -> None:
    """Every page's label is the one the volume's conventions give it."""
    total = len(vol.pdf.pages)
    wrong = [i for i in range(total) if label_text(vol.ranges, i) != expected_label(vol.plan, i)]
    if wrong:
        i = wrong[0]
        report.add("页号", FAIL, f"页面标签与页号不符：第{i + 1}个页面标为“{label_text(vol.ranges, i)}”，"
                   f"应为“{expected_label(vol.plan, i)}”（共 {len(wrong)} 处）")
    else:
        report.add("页号", OK, "阅读器页码标签与印制页号一致（封面/目录/1…N/备考表）")


def check_stamps(report: VerifyReport, vol: Volume) -> None:
    """Every content page carries the stamp of its own 页号 (a draft's also says 草稿)."""
    content = vol.plan.content_pages
    bad = []
    pages = list(vol.pdf.pages)  # pikepdf looks a page up by index along the page list each time
    for n in range(1, content + 1):
        text = stamp_text(pages[vol.plan.content_index(n)])
        if text is None or re.sub(rf"\s|{DRAFT_MARK}", "", text) != str(n):
            bad.append(n)
    if bad:
        report.add("页号", FAIL, f"卷内文件页上加盖的页号缺失或不符：第{'、'.join(map(str, bad[:10]))}页"
                   + (f"等 {len(bad)} 页" if len(bad) > 10 else ""))
    else:
        report.add("页号", OK, f"第1—{content}页均加盖了正确的页号")


def check_bookmarks(report: VerifyReport, vol: Volume) -> None:
    """封面, 目录, one bookmark per item (its attachments nested), 备考表 — each at its page."""
    plan, items, page_ids = vol.plan, vol.items, vol.page_ids
    problems = []
    with vol.pdf.open_outline() as outline:
        top = list(outline.root)
        titles = [str(o.title) for o in top]
        if len(top) != len(items) + 3 or titles[0] != BOOKMARK_COVER or \
                titles[1] != BOOKMARK_INDEX or titles[-1] != BOOKMARK_NOTES:
            problems.append(f"书签应为 封面、目录、{len(items)} 件文件、备考表，实有 {len(top)} 个")
        else:
            if outline_target(top[0], page_ids) != 0:
                problems.append("“案卷封面”书签未指向封面")
            if outline_target(top[1], page_ids) != plan.cover_pages:
                problems.append("“卷内文件目录”书签未指向目录")
            if outline_target(top[-1], page_ids) != plan.back_start:
                problems.append("“卷内备考表”书签未指向备考表")
            for it, node in zip(items, top[2:-1], strict=True):
                problems += _item_bookmark_problems(vol, it, node, page_ids)
    if problems:
        report.add("书签", FAIL, "；".join(problems))
    else:
        report.add("书签", OK, "每件文件及其附件均有书签并指向其首页")


def _item_bookmark_problems(vol: Volume, it: dict, node, page_ids: dict) -> list[str]:
    plan = vol.plan
    problems = []
    start = it["range"][0]
    got = outline_target(node, page_ids)
    if got != plan.content_index(start):
        problems.append(f"第{it['seq']}件的书签指向第{vol.page_no(got)}页，应为第{start}页")
    kids = list(node.children)
    attachments = it.get("attachments", [])
    if len(kids) != len(attachments):
        problems.append(f"第{it['seq']}件应有 {len(attachments)} 个附件书签，实有 {len(kids)} 个")
        return problems
    for k, (att, kid) in enumerate(zip(attachments, kids, strict=True), 1):
        got = outline_target(kid, page_ids)
        if got != plan.content_index(att["pages"][0]):
            problems.append(f"第{it['seq']}件附件{k}的书签指向第{vol.page_no(got)}页，"
                            f"应为第{att['pages'][0]}页")
        if str(kid.title) != attachment_bookmark_title(k, att["title"]):
            problems.append(f"第{it['seq']}件附件{k}的书签题名不符")
    return problems


def check_index_links(report: VerifyReport, vol: Volume) -> None:
    """The index has one link per item, in order, to the item's first page."""
    plan, page_ids = vol.plan, vol.page_ids
    links = []
    for i in range(plan.cover_pages, plan.front_pages):
        for annot in vol.pdf.pages[i].obj.get(Name.Annots, []):
            if annot.get(Name.Subtype) == Name.Link:
                dest = annot.get(Name.Dest)
                if dest is None and Name.A in annot:
                    dest = annot.A.get(Name.D)
                links.append(dest_index(dest, page_ids))
    want = [plan.content_index(it["range"][0]) for it in vol.items]
    if links != want:
        report.add("目录", FAIL, "目录中的链接与各件首页不符"
                   f"（应有 {len(want)} 个，实有 {len(links)} 个）")
    else:
        report.add("目录", OK, "目录每一条目均链接到该件首页")


def check_index_pages(report: VerifyReport, vol: Volume) -> None:
    """The 页号 printed in the index, row by row (the last row as a range), read from the
    index's layout: the 页号 cell of each row, its wrapped lines joined.  Where the layout
    cannot be read, the page text is searched in order instead, a line break allowed after
    the range's hyphen."""
    plan, items = vol.plan, vol.items
    refs = [page_ref(it["range"][0], it["range"][1], last=k == len(items) - 1) for k, it in enumerate(items)]
    cells = vol.index_cells(INDEX_PAGE_COLUMN)
    missing = []
    if cells is not None and len(cells) == len(items):
        for it, ref, cell in zip(items, refs, cells, strict=True):
            if cell != ref:
                missing.append(f"第{it['seq']}件（应为 {ref}，印有 {cell or '（空）'}）")
    else:
        joined = "\n".join(vol.text(range(plan.cover_pages, plan.front_pages)))
        pos = 0
        for it, ref in zip(items, refs, strict=True):
            pattern = re.escape(ref).replace(r"\-", r"-\s*")
            m = re.compile(r"(?<![\d-])" + pattern + r"(?![\d-])").search(joined, pos)
            if m is None:
                missing.append(f"第{it['seq']}件（{ref}）")
            else:
                pos = m.end()
    if missing:
        report.add("目录", FAIL, "目录中印制的页号与实际页面不符或缺失：" + "、".join(missing[:10]))
    else:
        report.add("目录", OK, "目录中印制的页号与实际页面一致")


def check_notes_digest(report: VerifyReport, vol: Volume) -> None:
    """The 备考表 prints the SHA-256 of the embedded manifest."""
    back_text = "".join(vol.text(range(vol.plan.back_start, len(vol.pdf.pages))))
    if vol.digest in re.sub(r"\s", "", back_text):
        report.add("清单", OK, "备考表上印制的清单摘要与内嵌清单一致")
    else:
        report.add("清单", FAIL, "备考表上印制的清单摘要与内嵌的 manifest.json 不一致")


#: In the order their findings are reported.
VOLUME_CHECKS = (check_numbering, check_labels, check_stamps, check_bookmarks, check_index_links,
                 check_index_pages, check_notes_digest)
