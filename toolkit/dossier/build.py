"""``build_dossier``: a :class:`VolumeSpec` → one signed, indexed PDF/A archive volume.

Order of work (each step can refuse with :class:`DossierError` before anything is written):

1. check the spec; when signing, unlock the key in another process while this one goes on
   (:mod:`toolkit.dossier.signer_process`; a wrong passphrase is said as soon as that process
   has met it, looked at after the sheets and after the merge) — from the start when there is
   no signed volume this one could be the same as, else after step 3's comparison;
2. check every item and attachment (type, encryption, damage) and convert images;
3. number the content pages, write the manifest (a volume the same as the latest signed one
   ends here), draw cover / index / notes sheet;
4. merge with pikepdf, stamp page numbers (and 草稿), add links, bookmarks, page labels,
   embed the manifest, save as PDF/A and validate what the merge made and put on the pages
   (while step 5 signs: the check reads the file as it was opened, the signature is appended),
   but not again the pages of the files, each validated on its own in step 2 (by
   ``toolkit.attachments.assess``, whose answer is kept by content digest: an unchanged scan is
   not validated again), nor those of the sheets and the content of the stamp batches,
   validated on their own the same way — when the volume
   fails, every item and attachment is checked on its own so the message names the file at
   fault;
5. sign (incremental update) unless the case has uncommitted changes and ``force`` is not given;
6. move the result into place atomically; a signed volume is never overwritten — the next
   build gets ``<case>-案卷-v2.pdf`` and so on.

The name is chosen and the file published under the output folder's lock
(:func:`toolkit.atomic.exclusive`), looking again at what is on disk: two builds started at the
same moment cannot both take the same name, and a signed volume cannot be replaced by one that
decided, before it was signed, that the name held an unsigned draft.

A rebuild whose manifest is the same as that of the latest signed volume (same facts, inputs,
documents, rcmz version, commit and draft state: the manifest digest is compared) is not signed
again — the build says so and returns that volume — unless ``resign`` is given.  It is looked for
once the manifest is known (before the slow merge) and again under the lock.

Scratch work happens in a ``.rcmz-tmp-*`` folder inside the output folder; leftovers of killed
runs are removed by the next build (:func:`toolkit.atomic.sweep_stale`).  A full disk or a folder
that cannot be written is a Chinese :class:`~toolkit.atomic.OutputError`; the scratch folder is
removed and nothing is left at the destination.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import time
from pathlib import Path

import pikepdf

from toolkit.atomic import default_mode, exclusive, fsync_file, output_error, publish, work_dir
from toolkit.attachments import PDFA_FLAVOUR, Nesting
from toolkit.dossier import manifest as mf
from toolkit.dossier import renditions
from toolkit.dossier.bundle import assemble
from toolkit.dossier.entries import plan_entries
from toolkit.dossier.sheets import render_front
from toolkit.dossier.sheets.notes import render_back
from toolkit.dossier.signer_process import ReadySigner, ready_signer, start_signer
from toolkit.dossier.sources import Part, check_drawn, inspect, open_checked
from toolkit.dossier.spec import SignerConfig, VolumeSpec, validate_spec, volume_versions
from toolkit.dossier.vocabulary import Plan
from toolkit.errors import DossierError

log = logging.getLogger("rcmz.dossier")


def _peak() -> float:
    """Peak resident memory of this process so far, in MB (for the debug log)."""
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except (ImportError, OSError):  # not on every platform
        return 0.0


# ------------------------------------------------------------------------------------------------
# output names


def is_signed(path: Path) -> bool:
    """True when ``path`` carries a signature field with a value — or cannot be read at all
    (when in doubt, a file is treated as signed and never overwritten).  Remembered while the
    file's size and modification time stay the same: a build asks of each version up to three
    times (whether to start the signer, whether the volume is unchanged, which name is free)."""
    try:
        st = path.stat()
    except OSError:
        return True
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if key not in _SIGNED:
        _SIGNED[key] = _has_signature(path)
    return _SIGNED[key]


_SIGNED: dict[tuple[str, int, int], bool] = {}


def _has_signature(path: Path) -> bool:
    try:
        with pikepdf.open(path) as pdf:
            form = pdf.Root.get("/AcroForm")
            if form is None:
                return False
            for field in form.get("/Fields", []):
                if field.get("/FT") == "/Sig" and field.get("/V") is not None:
                    return True
            return False
    except (pikepdf.PdfError, OSError):  # unreadable (also: encrypted): do not touch it
        return True


def manifest_digest(path: Path) -> str | None:
    """SHA-256 of the manifest embedded in the volume at ``path`` (None: none, or unreadable)."""
    try:
        with pikepdf.open(path) as pdf:
            raw = mf.extract(pdf)
    except (pikepdf.PdfError, OSError, ValueError):
        return None
    return mf.digest(raw) if raw is not None else None


def identical_signed(out_dir: Path, stem: str, digest: str) -> Path | None:
    """The latest signed volume of ``stem`` in ``out_dir`` when its manifest digest is
    ``digest`` (the same facts, inputs and documents), else None."""
    for _, path in reversed(volume_versions(out_dir, stem)):
        if is_signed(path):
            return path if manifest_digest(path) == digest else None
    return None


def output_path(out_dir: Path, stem: str) -> tuple[Path, bool]:
    """(where to write, may it replace an existing file)."""
    versions = volume_versions(out_dir, stem)
    if not versions:
        return out_dir / f"{stem}.pdf", False
    n, latest = versions[-1]
    if not is_signed(latest):
        return latest, True
    return out_dir / f"{stem}-v{n + 1}.pdf", False


# ------------------------------------------------------------------------------------------------


def _default_book():
    from toolkit.render.fonts import default_fontbook

    return default_fontbook()


def build_dossier(spec: VolumeSpec, out_dir: Path, signer: SignerConfig | None, *,
                  force: bool = False, fonts=None, resign: bool = False,
                  ready: ReadySigner | None = None) -> Path:
    """Build the volume of ``spec`` in ``out_dir`` and return the path written.

    ``signer`` None: not signed.  A spec with ``dirty=True`` (uncommitted changes in the case) is
    watermarked 草稿 on every page and is not signed unless ``force``.  ``fonts`` is a
    :class:`toolkit.render.fonts.FontBook` (default: the discovered fonts).  When the latest
    signed volume has the same manifest, that volume is returned and nothing is built or signed
    again, unless ``resign``.  ``ready``: the signer made ready for this build before its
    documents were made (:func:`~toolkit.dossier.signer_process.start_signer`), else the build
    makes its own.
    """
    out_dir = Path(out_dir)
    try:
        return _build(spec, out_dir, signer, force=force, fonts=fonts, resign=resign, ready=ready)
    except OSError as error:  # the disk filled up, the folder is read-only …
        raise output_error(error, out_dir) from None


def _same_as_signed(out_dir: Path, stem: str, digest: str) -> Path | None:
    same = identical_signed(out_dir, stem, digest)
    if same is not None:
        log.warning("案卷内容与已签名的 %s 相同（清单 SHA-256 %s…），未重新生成和签名；"
                    "如确需重新签名请加 --resign", same.name, digest[:16])
    return same


def _build(spec: VolumeSpec, out_dir: Path, signer: SignerConfig | None, *, force: bool, fonts,
           resign: bool, ready: ReadySigner | None) -> Path:
    t0 = time.perf_counter()
    validate_spec(spec)
    book = fonts or _default_book()
    sign = signer is not None and (not spec.dirty or force)
    if signer is not None and not sign:
        log.warning("案件材料有未提交的修改：案卷按草稿生成，不签名（如确需签名请加 --force）")
    signing = signer if sign else None

    with work_dir(out_dir) as work, contextlib.ExitStack() as later:
        # The signer is made ready in another process while this one bundles
        # (toolkit.dossier.signer_process): from the start when this build will sign (no signed
        # volume it could be the same as), else once the manifest says it is not the same.
        signer_ready = ready if signing is not None else None
        if signer_ready is None:
            signer_ready = later.enter_context(start_signer(
                out_dir, spec.file_stem, signing, dirty=spec.dirty, force=force, resign=resign, fonts=book))
        # 2. every file, checked on its own
        parts: dict[tuple[int, int], Part] = {}
        ordered: list[Part] = []
        for n, item in enumerate(spec.items, 1):
            label = f"第{n}件《{item.title}》"
            part = inspect(item.pdf, label, work, f"item{n}")
            parts[(n, 0)] = part
            ordered.append(part)
            for k, att in enumerate(item.attachments, 1):
                alabel = f"{label}的附件{k}《{att.title}》"
                apart = inspect(att.path, alabel, work, f"item{n}-att{k}")
                parts[(n, k)] = apart
                ordered.append(apart)
        log.debug("inputs checked: %.2f s, peak %.0f MB", time.perf_counter() - t0, _peak())
        spec = renditions.with_notes(spec, ordered)  # 备考表: which files were converted, how

        # 3. numbering, manifest, generated sheets
        entries = plan_entries(
            spec.items, [parts[(n, 0)].pages for n in range(1, len(spec.items) + 1)],
            [[parts[(n, k)].pages for k in range(1, len(item.attachments) + 1)]
             for n, item in enumerate(spec.items, 1)])
        content_pages = sum(p.pages for p in ordered)
        manifest = mf.build_manifest(spec, entries, parts, content_pages=content_pages,
                                     pdfa=PDFA_FLAVOUR)
        manifest_bytes = mf.dumps(manifest)
        manifest_sha = mf.digest(manifest_bytes)
        if not resign and (same := _same_as_signed(out_dir, spec.file_stem, manifest_sha)):
            return same
        # Only now: a volume found unchanged needs neither the key (pyHanko) nor the PDF/A code
        # (pikepdf's validator), about a second of imports.
        from toolkit.dossier import pdfa

        if signing is not None and signer_ready is None:
            signer_ready = later.enter_context(ready_signer(signing, book))
        front = work / "front.pdf"
        back = work / "back.pdf"
        cover_pages, index_pages, links = render_front(front, spec, entries, book,
                                                       content_pages=content_pages)
        back_info = render_back(back, spec, entries, book, content_pages=content_pages,
                                manifest_sha256=manifest_sha)
        plan = Plan(cover_pages, index_pages, content_pages, back_info.pages)
        # the sheets, validated on their own like the files (their answer kept by digest: the
        # same case on the same day draws the same bytes)
        front_nesting = check_drawn(front, "案卷封面和卷内文件目录")
        back_nesting = check_drawn(back, "卷内备考表")
        log.debug("sheets drawn: %.2f s, peak %.0f MB", time.perf_counter() - t0, _peak())
        if signer_ready is not None:
            signer_ready.raise_if_failed()  # a wrong passphrase: said without merging first

        # 4. merge, navigation, PDF/A
        unsigned = work / "volume.pdf"
        # every page comes from a file that passed the validator on its own: the sheets (just
        # now) and every item and attachment (step 2); each with how deep that file nests
        owners: dict[int, str] = {i: "案卷封面和卷内文件目录" for i in range(plan.front_pages)}
        nesting: dict[int, Nesting | None] = dict.fromkeys(owners, front_nesting)
        for part in ordered:
            for _ in range(part.pages):
                nesting[len(owners)] = part.nesting
                owners[len(owners)] = f"{part.label}（{part.source}）"
        for i in range(plan.back_start, plan.back_start + plan.back_pages):
            owners[i], nesting[i] = "卷内备考表", back_nesting

        def finish(pdf: pikepdf.Pdf) -> None:
            mf.embed(pdf, manifest_bytes, pdfa.pdf_date(spec.compiled_on))
            renditions.embed_originals(pdf, ordered, pdfa.pdf_date(spec.compiled_on))
            pdfa.prepare(pdf, spec, manifest_sha)
            pdfa.save(pdf, unsigned, pdfa.file_identifier(manifest_sha))

        stamp_nesting = assemble(unsigned, front=front, back=back, parts=ordered, entries=entries,
                                 links=links, plan=plan, draft=spec.dirty, book=book, work=work,
                                 finish=finish)
        # 5. validate and sign at once: the check reads the volume as it is now opened, the
        # signature is appended to the file (a failed check publishes nothing)
        written = pdfa.open_written(unsigned)
        later.callback(written.close)  # (check_volume closes it; this, when it is not reached)
        result = unsigned
        if signer_ready is not None:
            signer_ready.raise_if_failed()
            _room_for(result, SIGNATURE_ROOM)
            signer_ready.send(result, page=plan.back_start + back_info.signature_page,
                              rect=back_info.signature_rect, work=work)
        try:
            # the stamps too come from batches validated on their own (bundle.assemble)
            pdfa.check_volume(written, owners, stamps_validated=True, nesting=nesting,
                              stamp_nesting=stamp_nesting)
        except DossierError:
            # name the culprit: check the items and attachments one by one
            for part in ordered:
                _check_pdfa(part)
            raise
        log.debug("merged and validated: %.2f s, peak %.0f MB", time.perf_counter() - t0, _peak())
        if signer_ready is not None:
            # the merged volume goes to disk while the other process signs it: publishing then
            # waits only for the signature's few kilobytes (of a 300-page scan, 0.06 s fewer)
            fsync_file(result)
            signer_ready.signed()
            log.debug("signed: %.2f s, peak %.0f MB", time.perf_counter() - t0, _peak())

        # 6. into place: the name chosen under the folder's lock, from what is on disk now
        os.chmod(result, default_mode())
        with exclusive(out_dir):
            if not resign and (same := _same_as_signed(out_dir, spec.file_stem, manifest_sha)):
                return same  # another build published this very volume meanwhile
            final, may_replace = output_path(out_dir, spec.file_stem)
            publish(result, final, overwrite=may_replace)
    log.info("案卷已生成：%s（%d 页，%.1f 秒）", final, plan.total, time.perf_counter() - t0)
    return final


#: Bytes a signature adds to the volume (CMS container, stamp font, appearance), with margin.
SIGNATURE_ROOM = 512 * 1024


def _room_for(path: Path, need: int) -> None:
    """Raise ENOSPC before writing ``need`` bytes at ``path`` on a disk without them (the
    signer would only say that writing failed)."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return
    if free < need:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path.parent))


def _check_pdfa(part: Part) -> None:
    from toolkit.dossier import pdfa

    where = f"{part.label}（{part.source}）"
    pdf = open_checked(part.pdf_path, where)
    try:
        pdfa.check_part(pdf, where)
    finally:
        pdf.close()
