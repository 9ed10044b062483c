"""Documents made before, kept by what they are made from: an unchanged document is not
typeset again.

A clerk renders a case many times while writing it, and ``rcmz dossier`` renders its documents
once more; from one run to the next most documents of a case are unchanged.  Each document's
files are kept in the user's cache folder (``documents-<FORMAT>/``, :func:`~toolkit.cachefile.
cache_folder`; ``RCMZ_NO_CACHE=1`` turns it off), keyed by the SHA-256 of everything they are
made from:

* the composed document itself (its ``repr``: every word, number and date set on its pages);
* the formats asked (a DOCX made beside its PDF follows the PDF's page breaks), two-sided
  printing, and the DOCX style shell's content;
* the font files of every role (path, size, modification time: what the fonts' own kept
  records are told apart by) and the typesetting code with the libraries it writes with
  (:func:`toolkit.render.code_digest`).

The font records of the PDF (its fallback characters) are kept with it and reported again, so
a run that finds a document says what a run that typesets it says.

An entry is one file: a JSON header line (each file's format, size and SHA-256, and the font
records), then the files' bytes.  An entry that does not match its header (cut short, changed)
is a miss and is removed.  The folder is kept under :data:`KEPT_BYTES`, the entries used least
recently removed first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.documents.model import Document

if TYPE_CHECKING:
    from toolkit.render.fonts import FontBook, RenderRecord

FORMAT = 1
#: The most the folder holds: a case's documents as PDF and DOCX take about 2.5 MB.
KEPT_BYTES = 256 * 1024 * 1024

#: What a document's entry holds: format → file content, and its PDF's font records.
Made = tuple[dict[str, bytes], list["RenderRecord"]]


class KeptDocuments:
    """The kept documents of one render: what is found, and what is made to be kept."""

    def __init__(self, folder: Path, fonts: FontBook | None, formats: tuple[str, ...],
                 docx_shell: Path | None, duplex: bool):
        from toolkit.render import code_digest
        from toolkit.render.fonts import ROLES

        self.folder = folder
        common = hashlib.sha256(f"{FORMAT}\n{code_digest()}\n{sorted(formats)}\nduplex={duplex}".encode())
        if "docx" in formats:
            from toolkit.paths import DOCX_SHELL

            common.update(hashlib.sha256(Path(docx_shell or DOCX_SHELL).read_bytes()).digest())
        if fonts is not None:  # (official: whether the PDF's record warns of stand-in faces)
            common.update(f"official={fonts.official}\n".encode())
            common.update("\n".join(fonts.file_signatures(ROLES)).encode())
        self._common = common
        self.added = 0

    @classmethod
    def open(cls, fonts: FontBook | None, formats: tuple[str, ...], docx_shell: Path | None,
             duplex: bool) -> KeptDocuments | None:
        """The kept documents for this render, or None when caching is off."""
        from toolkit.cachefile import cache_folder

        folder = cache_folder()
        return None if folder is None else cls(folder / f"documents-{FORMAT}", fonts, formats,
                                                docx_shell, duplex)

    def key(self, document: Document) -> str:
        digest = self._common.copy()
        digest.update(repr(document).encode())
        return digest.hexdigest()

    def find(self, key: str) -> Made | None:
        """The files and font records kept under ``key``, or None."""
        path = self.folder / key
        try:
            data = path.read_bytes()
        except OSError:
            return None
        found = _parsed(data)
        if found is None:
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: the last to be removed
        return found

    def keep(self, key: str, made: Made) -> None:
        from toolkit.cachefile import write_cache_file

        outputs, records = made
        header = {"files": [[fmt, len(content), hashlib.sha256(content).hexdigest()]
                            for fmt, content in outputs.items()],
                  "records": [_record_json(record) for record in records]}
        line = json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n"
        if write_cache_file(self.folder / key, line + b"".join(outputs.values()), 0o700):
            self.added += 1

    def trim(self) -> None:
        """Remove the entries used least recently while the folder holds more than
        :data:`KEPT_BYTES`."""
        if not self.added:
            return
        try:
            entries = [(stat.st_mtime_ns, stat.st_size, e.path) for e in os.scandir(self.folder)
                       if e.is_file() and not e.name.startswith(".") and (stat := e.stat())]
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= KEPT_BYTES:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
            total -= size


def _parsed(data: bytes) -> Made | None:
    """An entry's files and records, or None when it does not match its header."""
    from toolkit.render.fonts import RenderRecord

    end = data.find(b"\n")
    try:
        header = json.loads(data[:end])
        outputs, at = {}, end + 1
        for fmt, size, sha in header["files"]:
            content = data[at:at + size]
            if len(content) != size or hashlib.sha256(content).hexdigest() != sha:
                return None
            outputs[fmt], at = content, at + size
        if at != len(data):
            return None
        records = [RenderRecord(r["title"], set(r["roles"]),
                                {ch: (role, face) for ch, (role, face) in r["fallbacks"].items()},
                                dict(r["primaries"]), [(role, face) for role, face in r["standins"]])
                   for r in header["records"]]
    except (ValueError, KeyError, TypeError):
        return None
    return outputs, records


def _record_json(record: RenderRecord) -> dict:
    return {"title": record.title, "roles": sorted(record.roles),
            "fallbacks": {ch: list(pair) for ch, pair in record.fallbacks.items()},
            "primaries": record.primaries, "standins": [list(pair) for pair in record.standins]}
