"""Merging the volume with pikepdf (qpdf): pages, stamps, links, bookmarks, page labels.

qpdf copies page objects lazily and streams image data from the source files when writing, so
memory stays low for large scans (pypdf would hold the whole output in memory).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from toolkit.attachments import Nesting
from toolkit.dossier.entries import Entry
from toolkit.dossier.sheets.index import Link
from toolkit.dossier.sheets.stamps import Stamp, batch_file
from toolkit.dossier.sources import Part, check_drawn
from toolkit.dossier.vocabulary import (
    BOOKMARK_COVER,
    BOOKMARK_INDEX,
    BOOKMARK_NOTES,
    STAMP_PREFIX,
    Plan,
    attachment_bookmark_title,
    item_bookmark_title,
    label_ranges,
)

#: Overlays drawn per reportlab document (it keeps a whole document in memory until saved).
STAMP_BATCH = 200


def page_labels(plan: Plan) -> Array:
    """The catalog's /PageLabels numbers for :func:`vocabulary.label_ranges`."""
    nums: list = []
    for r in label_ranges(plan):
        entries: dict = {"P": String(r.prefix)} if r.prefix else {}
        if r.numbered:
            entries.update(S=Name.D, St=1)
        nums += [r.start, Dictionary(**entries)]
    return Array(nums)


#: Kids per node of the volume's page tree.  qpdf's merge makes one node of every page; pyHanko,
#: signing, finds the page of the signature (on the last sheet) by reading every kid of each
#: node on its way — in a flat tree every page of the volume, in this one a few dozen objects.
PAGE_TREE_FANOUT = 32


def balance_page_tree(pdf: pikepdf.Pdf, fanout: int = PAGE_TREE_FANOUT) -> None:
    """Group the pages of a flat page tree into nodes of at most ``fanout`` kids (as many
    levels as that takes); the pages' order stays, no page attribute is inherited from the new
    nodes.  A tree that is not flat is left as it is."""
    root = pdf.Root.Pages
    kids = list(root.Kids)
    if len(kids) <= fanout or any(kid.get(Name.Type) != Name.Page for kid in kids):
        return
    level: list[tuple[pikepdf.Object, int]] = [(kid, 1) for kid in kids]
    while len(level) > fanout:
        grouped: list[tuple[pikepdf.Object, int]] = []
        for k in range(0, len(level), fanout):
            group = level[k:k + fanout]
            count = sum(n for _, n in group)
            parent = pdf.make_indirect(Dictionary(Type=Name.Pages, Kids=Array([kid for kid, _ in group]),
                                                  Count=count))
            for kid, _ in group:
                kid.Parent = parent
            grouped.append((parent, count))
        level = grouped
    for node, _ in level:
        node.Parent = root
    root.Kids = Array([node for node, _ in level])


def visual_size(page: pikepdf.Page) -> tuple[tuple[float, float, float, float], int, float, float]:
    """(crop box, rotation, visual width, visual height) of a page."""
    box = [float(v) for v in page.cropbox]
    x0, y0, x1, y1 = min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])
    rot = int(page.obj.get(Name.Rotate, 0)) % 360
    w, h = x1 - x0, y1 - y0
    if rot in (90, 270):
        w, h = h, w
    return (x0, y0, x1, y1), rot, w, h


def placement(box: tuple[float, float, float, float], rot: int) -> tuple[float, ...]:
    """Matrix mapping visual coordinates (origin lower left as displayed) to user space."""
    x0, y0, x1, y1 = box
    if rot == 90:
        return (0, 1, -1, 0, x1, y0)
    if rot == 180:
        return (-1, 0, 0, -1, x1, y1)
    if rot == 270:
        return (0, -1, 1, 0, x0, y1)
    return (1, 0, 0, 1, x0, y0)


def _free_name(page: pikepdf.Page) -> Name:
    """A resource name for the stamp not used on the page (deterministic, unlike a random one)."""
    used = set()
    res = page.obj.get(Name.Resources)
    if res is not None and Name.XObject in res:
        used = {str(k) for k in res.XObject.keys()}
    k = 0
    while f"/{STAMP_PREFIX}{k or ''}" in used:
        k += 1
    return Name(f"/{STAMP_PREFIX}{k or ''}")


def _wrap(page: pikepdf.Page, opening: pikepdf.Stream, closing: pikepdf.Stream) -> None:
    """``opening``, the page's own content streams, then ``closing``, as the page's /Contents."""
    contents = page.obj.get(Name.Contents)
    own = list(contents) if isinstance(contents, Array) else [] if contents is None else [contents]
    page.obj.Contents = Array([opening, *own, closing])


def _num(v: float) -> str:
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return s if s not in ("-0", "") else "0"


def assemble(out: Path, *, front: Path, back: Path, parts: Sequence[Part],
             entries: Sequence[Entry], links: Sequence[Link], plan: Plan, draft: bool, book,
             work: Path, finish) -> Nesting | None:
    """Merge everything into a new PDF and call ``finish(pdf)`` (PDF/A, manifest, save) on it;
    return how deep the stamps drawn nest the graphics state (None: not known).

    The pages are merged by qpdf's own page-selection job, which copies the page objects and
    leaves the (possibly huge) image data in the source files until the volume is written;
    copying pages through pikepdf's ``Pdf.pages`` would read every stream into memory.  The job
    makes the merged document in memory (``Job.create_pdf``), never written on its own: the
    volume is written once, by ``finish``, with only small objects added here.
    """
    args = ["qpdf", "--empty", "--no-original-object-ids", "--pages", str(front)]
    for part in parts:
        args.append(str(part.pdf_path))
    # qpdf's job syntax wants an output file; create_pdf writes nothing there
    args += [str(back), "--", str(work / "merged.pdf")]
    job = pikepdf.Job(args)
    with contextlib.ExitStack() as stack:
        # the job owns the source files the pages' streams are read from: alive until saved
        pdf = stack.enter_context(job.create_pdf())
        if Name.ID in pdf.trailer:  # a new file gets a new /ID, its own (pdfa.save)
            del pdf.trailer[Name.ID]
        if Name.AcroForm in pdf.Root:  # form fields (old signatures) of the items are not ours
            del pdf.Root[Name.AcroForm]
        pages = list(pdf.pages)  # pikepdf looks a page up by index along the page list each time
        if len(pages) != plan.total:  # the plan and the files disagree: a bug, not user error
            raise RuntimeError(f"page count {len(pages)} != planned {plan.total}")

        # stamps: page numbers on content pages, 草稿 on every page of a draft
        targets: list[tuple[int, Stamp, tuple]] = []
        for i, page in enumerate(pages):
            is_content = plan.front_pages <= i < plan.back_start
            if not (is_content or draft):
                continue
            box, rot, w, h = visual_size(page)
            number = str(i - plan.front_pages + 1) if is_content else None
            targets.append((i, Stamp(round(w, 3), round(h, 3), number, draft), placement(box, rot)))
        # drawn in batches (STAMP_BATCH), each kept and validated on its own (its forms are
        # then trusted in the volume as the files' pages are); a page's own content is wrapped
        # in q … Q by streams shared by every page drawn alike (one "q", one closing per stamp
        # position): three objects fewer per page to write, validate and sign
        opening = pdf.make_stream(b"q\n")
        closings: dict[bytes, pikepdf.Stream] = {}
        stamp_depths: list[Nesting | None] = []
        for b0 in range(0, len(targets), STAMP_BATCH):
            batch = targets[b0:b0 + STAMP_BATCH]
            stamps_path = batch_file([t[1] for t in batch], book, work, f"stamps-{b0 // STAMP_BATCH}.pdf")
            stamp_depths.append(check_drawn(stamps_path, "页号图层"))
            shared = None
            with pikepdf.open(stamps_path) as stamps:
                for (i, _, matrix), spage in zip(batch, stamps.pages, strict=True):
                    page = pages[i]
                    formx = pdf.copy_foreign(spage.as_form_xobject())
                    # the stamps of a batch have the same resources (one font): one indirect
                    # dictionary, written and validated once, not once per page
                    if shared is None:
                        shared = pdf.make_indirect(formx.Resources)
                    if formx.Resources.unparse() == shared.unparse():
                        formx.Resources = shared
                    name = page.add_resource(formx, Name.XObject, _free_name(page),
                                             replace_existing=False)
                    cm = " ".join(_num(v) for v in matrix)
                    closing = f"Q\nq {cm} cm {name} Do Q\n".encode("ascii")
                    if closing not in closings:
                        closings[closing] = pdf.make_stream(closing)
                    _wrap(page, opening, closings[closing])

        # index rows → their first page
        by_seq = {e.seq: e for e in entries}
        for link in links:
            target = pages[plan.content_index(by_seq[link.seq].start)]
            annot = pdf.make_indirect(Dictionary(
                Type=Name.Annot, Subtype=Name.Link, Rect=Array(list(link.rect)),
                Border=Array([0, 0, 0]), F=4, Dest=Array([target.obj, Name.Fit]),
                Contents=String(f"转到第{link.seq}件（第{by_seq[link.seq].start}页）")))
            page = pages[link.page]
            if Name.Annots not in page.obj:
                page.obj.Annots = Array()
            page.obj.Annots.append(annot)

        # bookmarks
        with pdf.open_outline() as outline:
            outline.root.append(pikepdf.OutlineItem(BOOKMARK_COVER, 0))
            outline.root.append(pikepdf.OutlineItem(BOOKMARK_INDEX, plan.cover_pages))
            for e in entries:
                node = pikepdf.OutlineItem(item_bookmark_title(e.seq, e.item.title),
                                           plan.content_index(e.start))
                for k, (att, s, _) in enumerate(e.attachments, 1):
                    node.children.append(pikepdf.OutlineItem(attachment_bookmark_title(k, att.title),
                                                             plan.content_index(s)))
                outline.root.append(node)
            outline.root.append(pikepdf.OutlineItem(BOOKMARK_NOTES, plan.back_start))

        balance_page_tree(pdf)
        pdf.Root.PageLabels = Dictionary(Nums=page_labels(plan))
        pdf.Root.PageMode = Name.UseOutlines
        pdf.Root.Lang = String("zh-CN")
        pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
        finish(pdf)
    known = [depth for depth in stamp_depths if depth is not None]
    if len(known) < len(stamp_depths):
        return None
    return Nesting(max((d.deepest for d in known), default=0), max((d.left_open for d in known), default=0))
