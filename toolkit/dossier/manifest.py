"""The volume's manifest: what it was built from, with SHA-256 digests.

``manifest.json`` is canonical JSON (sorted keys, UTF-8, two-space indent, final newline) so the
same spec gives the same bytes; its own SHA-256 is printed on the 卷内备考表, which ties a paper
copy to the electronic file.  The manifest is embedded in the PDF as an associated file
(PDF/A-3, ``/AFRelationship /Supplement``); see docs/dossier.md for why PDF/A-3b.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Name

from toolkit.dossier.entries import Entry
from toolkit.dossier.sources import Part, sha256_file
from toolkit.dossier.spec import INPUT_KINDS, VolumeSpec
from toolkit.dossier.vocabulary import MANIFEST_FILENAME
from toolkit.errors import DossierError

FORMAT = "rcmz-dossier-manifest/1"
DESCRIPTION = "案卷电子文件清单：来源文件及卷内文件的 SHA-256、rcmz 版本、git 提交"


def _rel(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
        except ValueError:
            pass
    return path.name


def source_root(spec: VolumeSpec) -> Path | None:
    if spec.source_root is not None:
        return spec.source_root
    if spec.sources:
        return Path(os.path.commonpath([os.path.abspath(p.parent) for p in spec.sources]))
    return None


def build_manifest(spec: VolumeSpec, entries: Sequence[Entry], parts: dict[tuple[int, int], Part],
                   *, content_pages: int, pdfa: str) -> dict[str, Any]:
    """The manifest as a dict; ``parts[(seq, 0)]`` is an item, ``parts[(seq, k)]`` its k-th attachment."""
    root = source_root(spec)
    files: list[dict[str, str | int]] = []
    seen = set()
    for p in spec.sources:
        rel = _rel(p, root)
        if rel in seen:
            continue
        seen.add(rel)
        if not p.is_file():
            raise DossierError(f"来源文件不存在：{p}")
        files.append({"path": rel, "sha256": sha256_file(p), "bytes": p.stat().st_size})
    files.sort(key=lambda f: str(f["path"]))
    items = []
    for e in entries:
        part = parts[(e.seq, 0)]
        atts = []
        for k, (att, s, t) in enumerate(e.attachments, 1):
            ap = parts[(e.seq, k)]
            atts.append({"title": att.title, "file": _rel(ap.source, root), "kind": ap.kind,
                         "sha256": ap.sha256, "bytes": ap.size, "pages": [s, t], **ap.manifest_extra()})
        items.append({
            "seq": e.seq, "title": e.item.title, "number": e.item.number,
            "author": e.item.author, "date": e.item.date,
            "scan_original": e.item.is_scan_original, "remark": e.item.remark,
            "file": _rel(part.source, root), "kind": part.kind, "sha256": part.sha256,
            "bytes": part.size, "pages": [e.start, e.start + e.item_pages - 1],
            "range": [e.start, e.end], "attachments": atts, **part.manifest_extra(),
        })
    return {
        "format": FORMAT,
        "case_id": spec.case_id,
        "archive_code": spec.archive_code,
        "volume_title": spec.volume_title,
        "fonds_name": spec.fonds_name,
        "compiled_on": spec.compiled_on,
        "rcmz_version": spec.rcmz_version,
        "git_commit": spec.git_commit,
        "dirty": bool(spec.dirty),
        "pdfa": pdfa,
        "hash": "sha256",
        "item_count": len(entries),
        "content_pages": content_pages,
        "files": files,
        "inputs": _inputs(spec, root),
        "items": items,
        # the rest of what the cover and the 备考表 print: with it, two volumes with the same
        # manifest were made from the same spec (a rebuild is recognised as such)
        "volume": {"category": spec.category, "retention": spec.retention,
                   "classification": spec.classification, "start_date": spec.start_date,
                   "end_date": spec.end_date, "filing_no": spec.filing_no,
                   "compiler": spec.compiler, "checker": spec.checker, "notes": list(spec.notes)},
        "extra": {k: v for k, v in spec.extra},
    }


def input_path(path: Path, source_root: Path | None, inputs_root: Path | None) -> str:
    """How the manifest names an input: relative to the case folder (``../bureau.yaml``) when
    it lies in the folder of cases, else its absolute path (a system font)."""
    absolute = Path(os.path.abspath(path))
    if source_root is not None and inputs_root is not None and \
            absolute.is_relative_to(os.path.abspath(inputs_root)):
        return Path(os.path.relpath(absolute, os.path.abspath(source_root))).as_posix()
    return absolute.as_posix()


def _inputs(spec: VolumeSpec, root: Path | None) -> list[dict[str, str | int]]:
    """The bureau configuration, holiday table, templates and fonts, with their digests."""
    config = next((p for kind, p in spec.inputs if kind == "config"), None)
    inputs_root = config.parent if config is not None else None
    out: dict[tuple[str, str], dict[str, str | int]] = {}
    for kind, p in spec.inputs:
        name = input_path(p, root, inputs_root)
        if (kind, name) in out:
            continue
        if not p.is_file():
            raise DossierError(f"{INPUT_KINDS[kind]}文件不存在：{p}")
        out[(kind, name)] = {"kind": kind, "path": name, "sha256": sha256_file(p),
                             "bytes": p.stat().st_size}
    return [out[key] for key in sorted(out)]


def dumps(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def embed(pdf: pikepdf.Pdf, data: bytes, mod_date: str) -> None:
    """Attach ``manifest.json`` as a PDF/A-3 associated file of the document."""
    spec = pikepdf.AttachedFileSpec(
        pdf, data, description=DESCRIPTION, filename=MANIFEST_FILENAME,
        mime_type="application/json",
        creation_date=mod_date, mod_date=mod_date, relationship=Name.Supplement)
    pdf.attachments[MANIFEST_FILENAME] = spec
    fs = pdf.attachments[MANIFEST_FILENAME].obj
    if not fs.is_indirect:
        fs = pdf.make_indirect(fs)
    pdf.Root.AF = pikepdf.Array([fs])


def extract(pdf: pikepdf.Pdf) -> bytes | None:
    """The embedded ``manifest.json`` bytes, or None."""
    att = pdf.attachments.get(MANIFEST_FILENAME)
    if att is None:
        return None
    return att.get_file().read_bytes()
