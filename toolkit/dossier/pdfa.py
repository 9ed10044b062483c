"""PDF/A for the volume, with pikepdf.pdfa (allowlist validator: an approval can be trusted).

Level: PDF/A-3b (ISO 19005-3) — PDF/A-2b plus embedded files of any type, which the manifest
(``manifest.json``) needs; PDF/A-2 allows only PDF/A files as attachments.  Everything else is as
PDF/A-2b: fonts embedded, sRGB output intent, XMP with pdfaid, a file /ID, no encryption.  The
choice (:data:`FLAVOUR`, defined as ``toolkit.attachments.PDFA_FLAVOUR``) is explained in
docs/dossier.md.

Each item and attachment is validated on its own before merging (``toolkit.attachments.assess``,
the answer kept by the file's SHA-256 in the user's cache folder, so an unchanged scan is not
validated again), so a refusal names the file.  The merged volume is then prepared, saved and
validated as written, but without walking again the pages those files brought
(:func:`validate_volume`): what the merge makes or changes is walked — trailer, catalog,
metadata, output intent, outline, page labels, the embedded manifest and originals, the page
tree, each page's dictionary against the page role and what the merge put on the page (the
streams around its content, the form dictionaries of the page-number stamps, the annotations,
the q/Q nesting as drawn) — and every other object of the file goes through the validator's
object checks (limits, filters, embedded files).  The generated sheets and the batches of
stamps are validated on their own first, as the files are (their answers kept by digest), so
their pages are trusted in the volume like the files'.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from functools import partial
from typing import BinaryIO, cast

import pikepdf
import pikepdf.pdfa as pdfa
from pikepdf import Name
from pikepdf.pdfa import _engine
from pikepdf.pdfa._content import MAX_Q_DEPTH
from pikepdf.pdfa._shallow import shallow_json_of
from pikepdf.pdfa._walker import DocumentWalker, _Item
from pikepdf.pdfa._writemodel import WriteModel

from toolkit.atomic import GuardedWriter
from toolkit.attachments import PDFA_FLAVOUR, Nesting, drawn_nesting
from toolkit.dossier.spec import VolumeSpec, parse_partial_date
from toolkit.dossier.vocabulary import STAMP_PREFIX
from toolkit.errors import DossierError
from toolkit.pdfa_schemas import install_for as fast_schema_checks_for

#: The volume's flavour, defined beside the attachments' judgement (which ``rcmz check`` runs
#: without loading this module).
FLAVOUR = PDFA_FLAVOUR
FLAVOUR_NAME = f"PDF/A-{FLAVOUR}"
#: No object streams: pyHanko, signing and verifying, parses a whole object stream again for each
#: object it reads from one — for the page tree of a 1,500-page volume, seconds; the plain
#: objects cost the file a few hundred KB of cross-reference table instead.
SAVE_KWARGS = {"deterministic_id": True, "compress_streams": True,
               "object_stream_mode": pikepdf.ObjectStreamMode.disable}
#: The volume's: its /ID is :func:`file_identifier`, set by :func:`save`.
VOLUME_SAVE_KWARGS = pdfa.resolve_save_kwargs(FLAVOUR, **{**SAVE_KWARGS, "deterministic_id": False,
                                                        "static_id": True})
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))


def strip_empty_transitions(pdf: pikepdf.Pdf) -> None:
    """Remove reportlab's empty ``/Trans`` from pages (validators flag it; it means nothing)."""
    for page in pdf.pages:
        trans = page.obj.get(Name.Trans)
        if trans is not None and isinstance(trans, pikepdf.Dictionary) and len(trans.keys()) == 0:
            del page.obj[Name.Trans]


def describe(report, limit: int = 8) -> str:
    lines = []
    for f in report.findings[:limit]:
        kind = "不符合" if f.kind == "violation" else "无法确认"
        lines.append(f"  - [{kind}] {f.rule}（{f.where}）：{f.message}")
    if len(report.findings) > limit:
        lines.append(f"  - ……另有 {len(report.findings) - limit} 项")
    return "\n".join(lines)


def check_part(pdf: pikepdf.Pdf, where: str) -> None:
    """Raise :class:`DossierError` naming ``where`` when this file would break the volume's PDF/A.

    The same in-memory repairs as for the volume are applied first (output intent, metadata,
    annotation flags …); what remains is content only the author of the file can fix (fonts not
    embedded, CMYK images without a CMYK profile, transparency …).
    """
    strip_empty_transitions(pdf)
    fast_schema_checks_for(pdf)
    try:
        pdfa.prepare(pdf, FLAVOUR)
        report = pdfa.check(pdf, FLAVOUR, **SAVE_KWARGS)
    except (pikepdf.PdfError, ValueError) as exc:
        raise DossierError(f"{where}：无法进行 {FLAVOUR_NAME} 检查（{exc}）") from None
    if not report.passed:
        raise DossierError(
            f"{where}：不符合 {FLAVOUR_NAME}（长期保存格式），不能编入案卷。"
            f"请由原系统导出为 PDF/A，或扫描为灰度/彩色（sRGB）图像后再编入：\n{describe(report)}")


def iso_datetime(date: str) -> str:
    y, m, d = parse_partial_date(date, "日期")
    return dt.datetime(y, m or 1, d or 1, tzinfo=CHINA_TZ).isoformat()


def pdf_date(date: str) -> str:
    y, m, d = parse_partial_date(date, "日期")
    return f"D:{y:04d}{m or 1:02d}{d or 1:02d}000000+08'00'"


def set_metadata(pdf: pikepdf.Pdf, spec: VolumeSpec, manifest_sha256: str) -> None:
    """XMP and DocInfo from the spec only (fixed dates: reproducible)."""
    from toolkit import __version__

    when = iso_datetime(spec.compiled_on)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
        meta["dc:title"] = spec.volume_title
        meta["dc:creator"] = [spec.fonds_name]
        meta["dc:description"] = (f"{spec.fonds_name} 案卷 档号 {spec.archive_code}；"
                                  f"案件编号 {spec.case_id}；{spec.category}")
        meta["dc:identifier"] = spec.archive_code
        meta["dc:source"] = spec.case_id
        meta["pdf:Keywords"] = (f"案件编号:{spec.case_id}; 档号:{spec.archive_code}; "
                                f"manifest-sha256:{manifest_sha256}")
        meta["pdf:Producer"] = f"rcmz {spec.rcmz_version or __version__} (pikepdf {pikepdf.__version__})"
        meta["xmp:CreatorTool"] = f"rcmz {spec.rcmz_version or __version__}"
        meta["xmp:CreateDate"] = when
        meta["xmp:ModifyDate"] = when
        meta["xmp:MetadataDate"] = when


def prepare(pdf: pikepdf.Pdf, spec: VolumeSpec, manifest_sha256: str) -> None:
    strip_empty_transitions(pdf)
    pdfa.prepare(pdf, FLAVOUR)
    set_metadata(pdf, spec, manifest_sha256)  # after prepare, which stamps its own time


def file_identifier(manifest_sha256: str) -> bytes:
    """The volume's file identifier (both halves of its /ID when first written, ISO 32000-1
    14.4): 16 bytes of SHA-256 over the manifest's digest — the facts, the inputs and the
    documents by digest, rcmz's version, the commit, the draft state — and the versions of the
    libraries that write the bytes.  What qpdf's deterministic ID would be derived from too, but
    without its MD5 of the whole file as written: a second pass over a 1,500-page scan (355 MB,
    about a second here)."""
    import reportlab

    seed = "\0".join(("rcmz-volume-id", manifest_sha256, pikepdf.__version__,
                       pikepdf.__libqpdf_version__, reportlab.Version))
    return hashlib.sha256(seed.encode("utf-8")).digest()[:16]


#: The second half of the /ID qpdf writes with ``static_id`` (its first half is the trailer's),
#: replaced in the written trailer by the volume's own (:func:`save`).
_QPDF_STATIC_ID = b"<31415926535897932384626433832795>"


def save(pdf: pikepdf.Pdf, path, identifier: bytes) -> None:
    """Write ``pdf`` to ``path`` with the settings PDF/A needs (validated by :func:`check_volume`)
    and ``identifier`` (:func:`file_identifier`) as both halves of its /ID.

    qpdf keeps the first half of a trailer's /ID and, with ``static_id``, writes a constant for
    the second, which is then overwritten in place with the first (same length, in the trailer
    after the cross-reference table: the file has no object or cross-reference streams).
    The bytes go through :class:`toolkit.atomic.GuardedWriter`: qpdf aborts the whole process
    when a write fails inside it (a full disk), so the write error is kept and raised here, as
    an :class:`OSError`, after qpdf has finished.  ``path`` is a scratch file (removed on error).
    """
    pdf.trailer.ID = pikepdf.Array([pikepdf.String(identifier), pikepdf.String(identifier)])
    with _ScratchWriter(path) as stream:
        pdf.save(cast(BinaryIO, stream), **VOLUME_SAVE_KWARGS)
    with open(path, "r+b") as written:
        tail_at = max(0, written.seek(0, 2) - _TRAILER_TAIL)
        written.seek(tail_at)
        tail = written.read()
        at = tail.rfind(_QPDF_STATIC_ID)
        if at < 0 or at < tail.rfind(b"trailer"):  # qpdf wrote its trailer otherwise: a bug
            raise RuntimeError("the volume's trailer has no static /ID to replace")
        written.seek(tail_at + at)
        written.write(b"<" + identifier.hex().encode("ascii") + b">")


#: How far from the end of the volume its trailer's /ID is looked for (the trailer dictionary,
#: ``startxref`` and ``%%EOF``: a few hundred bytes).
_TRAILER_TAIL = 4096


class _ScratchWriter(GuardedWriter):
    """A :class:`GuardedWriter` that does not ``fsync`` on closing: the unsigned volume is a
    scratch file, signed in place and then published, which syncs it (``atomic.publish``) —
    syncing it before would wait for the disk twice (for a 1,500-page scan, 355 MB) while the
    volume is validated and signed from the page cache anyway.  A write error is kept and
    raised as by the guarded writer."""

    def close(self) -> None:
        self.flush()
        try:
            self._file.close()
        except OSError as error:
            self.error = self.error or error


def open_written(path) -> pikepdf.Pdf:
    """The volume :func:`save` wrote at ``path``, opened for :func:`check_volume`: its objects
    are read from where they are then, so the signature may be appended to the file meanwhile
    (toolkit.dossier.build signs while it checks)."""
    try:
        return pikepdf.open(path, inherit_page_attributes=False)  # as pdfa.validate_written opens
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise DossierError(f"合并后的案卷无法读回（{type(exc).__name__}: {exc}）") from None


def check_volume(path, trusted: Mapping[int, str], *, stamps_validated: bool = False,
                 nesting: Mapping[int, Nesting | None] | None = None,
                 stamp_nesting: Nesting | None = None) -> None:
    """Validate the volume :func:`save` wrote at ``path``, or as :func:`open_written` opened it
    (:func:`validate_volume`); DossierError if it fails.  ``trusted``: the pages whose content comes from files that passed
    the validator on their own, by index, each with the file's description for messages;
    ``stamps_validated``: the stamps drawn on them come from batches that passed it too;
    ``nesting`` and ``stamp_nesting``: how deep those files' pages and the stamps nest (from
    their validation).  Called once the merged document is closed, so that its memory is not
    held meanwhile."""
    report = validate_volume(path, trusted, save_kwargs=VOLUME_SAVE_KWARGS,
                             stamps_validated=stamps_validated, nesting=nesting,
                             stamp_nesting=stamp_nesting)
    if not report.passed:
        raise DossierError(f"合并后的案卷不符合 {FLAVOUR_NAME}：\n{describe(report)}")


# -- the volume as written, without walking again the pages of files already validated -----------
#
# pikepdf's validator walks the object graph from the trailer (pikepdf.pdfa._walker); its engine
# has no parameter for the walker, so for the duration of one validation the engine is given a
# walker that does not visit a trusted page — one of a file validated on its own, whose page
# dictionary, boxes, resources and content qpdf's page copy brought over unchanged — but walks
# in its place what the merge put on it: the streams that wrap the page's own content (q … Q,
# then the stamp), the stamp forms (STAMP_PREFIX), the annotations (the index's links to the
# items are the merge's), and the q/Q nesting of the page as drawn, the one rule of the file's
# content that the wrapping of it can break.  What else the merge changes on a page is the
# structure around it, walked as on any file: its /Parent, a node of the page tree made by
# ``bundle.balance_page_tree``, with the tree's counts.  A stamp form drawn from a batch that
# was validated on its own (``stamps_validated``) is walked as a form dictionary — its keys, its
# box — but its content and resources, the batch page's own, are not walked again (the q/Q
# nesting of the page still counts them).  The trusted page dictionaries and the objects only
# the files' content reaches are left out of the object checks (_VolumeModel).  The catalog,
# the XMP, the output intent, the outline, the page labels, the manifest and the originals are
# walked whole.  The file's own output intent does not matter: ``prepare`` replaces it with
# sRGB before a file is checked, as it does for the volume.  This uses pikepdf.pdfa's private
# modules (pikepdf 10.18): tests/test_dossier_validation.py checks the result against pikepdf's
# own full validation.

_ENGINE_LOCK = threading.Lock()


def validate_volume(source, trusted: Mapping[int, str], save_kwargs=None, *,
                    stamps_validated: bool = False, nesting: Mapping[int, Nesting | None] | None = None,
                    stamp_nesting: Nesting | None = None) -> pdfa.Report:
    """Validate the written volume ``source`` (a path, a stream or the opened file), the pages at the indexes
    ``trusted`` (of files that passed the validator on their own, each index with the file's
    description) without walking them again, and with ``stamps_validated`` the stamp forms drawn
    on those pages without their content and resources; with nothing trusted, the whole file
    (``rcmz verify``).  ``nesting`` (by page index) and ``stamp_nesting``: how deep the pages'
    files and the stamps nest the graphics state, known from their validation — a page whose
    file and stamp leave it within the limit as drawn is not parsed for it."""
    try:
        # page attributes stay where they are inherited from, as pdfa.validate_written does
        written = source if isinstance(source, pikepdf.Pdf) else pikepdf.open(source, inherit_page_attributes=False)
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        report = pdfa.Report(pdfa.Flavour(FLAVOUR), save_kwargs=dict(save_kwargs or {}))
        report.findings.append(pdfa.Finding("pikepdf:internal", str(source), f"{type(exc).__name__}: {exc}",
                                            "unsupported"))
        return report
    with written:
        fast_schema_checks_for(written)
        owners = {i: page for i, page in enumerate(written.pages) if i in trusted}
        pages = {page.obj.objgen: trusted[i] for i, page in owners.items()}
        stamped = {page.obj.objgen: _stamps(page.obj) for page in owners.values()}
        forms = {form.objgen for found in stamped.values() for _, form in found} if stamps_validated else set()
        model = _VolumeModel(_content_objects(owners.values(), stamped) | set(pages) | forms)
        depths = {page.obj.objgen: known for i, page in owners.items()
                  if (known := (nesting or {}).get(i)) is not None}
        trust = _Trust(pages, stamped, forms, depths, stamp_nesting.deepest if stamp_nesting else None)
        with _ENGINE_LOCK, _trusting(written, trust):
            return _engine.run(written, FLAVOUR, model, save_kwargs=save_kwargs)


@dataclass(frozen=True)
class _Trust:
    """What the volume's walker trusts: the pages (by object, with their file's description)
    and the stamps on them, the stamp forms, the pages' nesting and the stamps' deepest (None:
    unknown)."""

    pages: Mapping[tuple[int, int], str]
    stamps: Mapping[tuple[int, int], list[tuple[str, pikepdf.Object]]] = field(default_factory=dict)
    forms: Set[tuple[int, int]] = frozenset()
    nesting: Mapping[tuple[int, int], Nesting] = field(default_factory=dict)
    stamp_depth: int | None = None


#: The trust of the volume being validated, by id() of its Pdf (see _walker_for).
_TRUSTED: dict[int, _Trust] = {}


@contextlib.contextmanager
def _trusting(pdf: pikepdf.Pdf, trust: _Trust) -> Iterator[None]:
    """While validating ``pdf``, the engine makes its walker with :func:`_walker_for`."""
    original = _engine.DocumentWalker
    _TRUSTED[id(pdf)] = trust
    _engine.DocumentWalker = partial(_walker_for, original)  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        _engine.DocumentWalker = original  # type: ignore[misc]
        del _TRUSTED[id(pdf)]


def _walker_for(original, ctx, schemas):
    """The volume's walker for the volume, pikepdf's own for any other file validated meanwhile
    (``rcmz check`` judging an attachment in another thread of the workbench)."""
    found = _TRUSTED.get(id(ctx.pdf))
    if found is None:
        return original(ctx, schemas)
    return _VolumeWalker(ctx, schemas, found)


class _VolumeWalker(DocumentWalker):
    def __init__(self, ctx, schemas, trust: _Trust):
        super().__init__(ctx, schemas)
        self.trust = trust
        self.trusted = trust.pages
        self.trusted_forms = trust.forms
        self.form_depths: dict[tuple[int, int], int] = {}
        self.approved: set[tuple[str, str]] = set()

    def _check(self, role, obj, shallow, where):
        # The role schemas see only an object's shallow JSON, in which other objects are
        # reference strings that the schemas match by one pattern ("N G R"): an object whose
        # JSON, references aside, equals one already approved in this role is approved too.
        # Hundreds of stamps of a scan differ only in their references and lengths.
        key = (role, _REFERENCE.sub("'0 0 R'", repr(shallow)))
        if key in self.approved:
            return True
        found = len(self.ctx.report.findings)
        passed = super()._check(role, obj, shallow, where)
        if passed and len(self.ctx.report.findings) == found:
            self.approved.add(key)
        return passed

    def _children(self, obj, role, depth, where):
        children = super()._children(obj, role, depth, where)
        if role == "FormXObject" and obj.objgen in self.trusted_forms:
            yield from (child for child in children if child.where != f"{where} /Resources")
            return
        if role != "Pages":
            yield from children
            return
        for child in children:
            page = child.obj
            if isinstance(page, pikepdf.Dictionary) and page.is_indirect and page.objgen in self.trusted:
                yield from self._merged_onto(page, child.depth)
            else:
                yield child

    def _merged_onto(self, page: pikepdf.Dictionary, depth: int) -> Iterator[_Item]:
        """What the merge put on the trusted ``page``, walked in place of the page itself: its
        dictionary, to which the merge gave a /Parent, the wrapped /Contents and the stamp's
        resource, checked against the page's role (shallow: not its boxes nor the file's own
        entries below it), then the wrapping, the stamps and the annotations."""
        where = self.ctx.describe(page)
        seen_as = self.ctx.roles.setdefault(page.objgen, "Page")
        if seen_as != "Page":
            self.ctx.deny("pikepdf:role-conflict", f"{where} (Page)", f"object already checked as {seen_as}",
                          "unsupported")
            return
        if not self._check("Page", page, shallow_json_of(page, self.ctx.model), f"{where} (Page)"):
            return
        children = self.schemas.children("Page")
        stamps = self.trust.stamps[page.objgen]
        if stamps:
            spec = children["/Contents"]
            yield from (self._child(stream, spec, depth, f"{where} /Contents") for stream in _wrapping(page, stamps))
            for name, form in stamps:
                yield _Item(form, "FormXObject", depth + 1, f"{where} /Resources /XObject {name}")
            if not self._nesting_holds(page) and _deepest_q(page, self.form_depths) > MAX_Q_DEPTH:
                self.ctx.deny(self.ctx.rule("6.1.12-8", "6.1.13-8"), where,
                              f"{self.trusted[page.objgen]}：图形状态嵌套（q/Q）在加盖页号后超过 {MAX_Q_DEPTH} 层")
        annots = page.get(Name.Annots)
        if annots is not None:
            yield from self._each(annots, children["/Annots"], depth, f"{where} /Annots")

    def _nesting_holds(self, page: pikepdf.Dictionary) -> bool:
        """Whether what is known of the page's file and of the stamps keeps the page as drawn
        within the limit: the file's content one q deeper (the wrapping), the stamp drawn one q
        deeper than the file's content leaves it.  Unknown: the page is parsed."""
        known, stamp = self.trust.nesting.get(page.objgen), self.trust.stamp_depth
        if known is None or stamp is None:
            return False
        return max(known.deepest + 1, known.left_open + 1 + stamp) <= MAX_Q_DEPTH

    def _on_form(self, obj, where, depth):
        if obj.objgen not in self.trusted_forms:  # a trusted stamp's content: its batch's page
            super()._on_form(obj, where, depth)


class _VolumeModel(WriteModel):
    """The written file as it is (the identity model), less the trusted pages' dictionaries, the
    objects that only their own content and resources reach and the trusted stamp forms (their
    data and filters are their batch page's): the validator's object checks (limits, filters,
    embedded files) went over them in their own file."""

    __slots__ = ("_left_out",)

    def __init__(self, left_out: set[tuple[int, int]]):
        super().__init__()
        self._left_out = left_out

    def objects(self, pdf):
        if self._objects is None:
            self._objects = [obj for obj in super().objects(pdf)
                             if not (isinstance(obj, pikepdf.Object) and obj.objgen in self._left_out)]
        return self._objects


def _content_objects(pages: Iterable[pikepdf.Page],
                     stamped: Mapping[tuple[int, int], list]) -> set[tuple[int, int]]:
    """The indirect objects reached from the /Contents and /Resources of ``pages``, what the
    volume drew on them (the stamp forms, ``stamped`` by page, and the content streams around
    the page's own) left out."""
    seen: set[tuple[int, int]] = set()
    pending: list = []
    for page in pages:
        contents = page.obj.get(Name.Contents)
        # the volume's own streams around the page's (_wrapping) stay checked
        own = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        pending += own[1:-1] if _wrapping(page.obj, stamped[page.obj.objgen]) else own
        resources = page.obj.get(Name.Resources)
        if isinstance(resources, pikepdf.Dictionary):
            for category, entries in resources.items():
                if category == "/XObject" and isinstance(entries, pikepdf.Dictionary):
                    pending += [v for k, v in entries.items() if not str(k).startswith("/" + STAMP_PREFIX)]
                else:
                    pending.append(entries)
    while pending:
        obj = pending.pop()
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Stream):
            pending += list(obj.stream_dict.values())
        elif isinstance(obj, pikepdf.Dictionary):
            pending += list(obj.values())
        elif isinstance(obj, pikepdf.Array):
            pending += list(obj)
    return seen


#: A reference string in the repr of shallow JSON (a PDF string is "u:…" or "b:…", a name "/…").
_REFERENCE = re.compile(r"'[0-9]+ [0-9]+ R'")


def _stamps(page: pikepdf.Dictionary) -> list[tuple[str, pikepdf.Object]]:
    """The stamp forms the volume drew on ``page`` (named with STAMP_PREFIX)."""
    resources = page.get(Name.Resources)
    xobjects = resources.get(Name.XObject) if isinstance(resources, pikepdf.Dictionary) else None
    if not isinstance(xobjects, pikepdf.Dictionary):
        return []
    return [(str(key), value) for key, value in xobjects.items()
            if str(key).startswith("/" + STAMP_PREFIX) and isinstance(value, pikepdf.Stream)]


def _wrapping(page: pikepdf.Dictionary, stamps: list) -> list[pikepdf.Object]:
    """The content streams the merge put around a stamped page's own (``bundle._wrap``): "q"
    first, the stamp last; none on a page without a stamp."""
    contents = page.get(Name.Contents)
    if not stamps or not isinstance(contents, pikepdf.Array) or len(contents) < 2:
        return []
    return [contents[0], contents[len(contents) - 1]]


def _deepest_q(page: pikepdf.Dictionary, form_depths: dict) -> int:
    """The deepest q nesting ``page`` reaches as drawn, inside the forms it draws too."""
    return drawn_nesting(pikepdf.Page(page), page.get(Name.Resources), form_depths)[0]
