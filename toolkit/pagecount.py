"""Page counts for ``rcmz check``: a scanned signed original against the document it replaces.

Typesetting a document costs tens of milliseconds (fonts, line breaking, pagination) and
counting a scan's pages needs a PDF reader, while ``rcmz check`` of one case should take a
fraction of that.  So the counts are kept in the user's cache (``pages.json`` beside the status
cache; ``RCMZ_NO_CACHE=1`` bypasses it), read once per run and written once at its end
(:meth:`PageCounts.save`; a worker of a parallel check hands what it found to its parent,
:meth:`PageCounts.take_added` / :meth:`PageCounts.adopt`):

* a generated document's count by everything it is made from — the case's step files, the
  bureau's configuration, the wording templates, the typesetting code (``toolkit/render/``,
  all of it), the fonts and the toolkit's version — so an unchanged case is not even composed;
* when that misses, by the composed document itself with the typesetting code and the fonts:
  two cases whose documents come out the same (an applicant's letter without a number, a copy
  of a case) are laid out once;
* a scan's by its content (SHA-256): the copies of one file are read once.

Only what changed is typeset or read again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from functools import cache
from pathlib import Path

from toolkit.case.model import Case
from toolkit.context import RunContext
from toolkit.documents.registry import DocumentKind

#: How many counts the cache keeps (those used most recently).
CACHE_SIZE = 8000


class PageCounts:
    """The counts of one run: the cache read when it starts, written (if anything was added)
    by :meth:`save` when it ends."""

    def __init__(self) -> None:
        self.enabled = os.environ.get("RCMZ_NO_CACHE", "") in ("", "0")
        self.known: dict[str, int] = self._load() if self.enabled else {}
        self.used: set[str] = set()
        self.added: dict[str, int] = {}

    @property
    def store(self) -> Path:
        from toolkit.docket.cache import cache_dir

        return cache_dir() / "pages.json"

    def _load(self) -> dict:
        try:
            stored = json.loads(self.store.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return stored if isinstance(stored, dict) else {}

    def _get(self, key: str) -> int | None:
        found = self.known.get(key)
        if isinstance(found, int):
            self.used.add(key)
            return found
        return None

    def _put(self, key: str, pages: int) -> None:
        self.known[key] = self.added[key] = pages
        self.used.add(key)

    def documents(self, case: Case, kinds: list[DocumentKind], context: RunContext) -> dict[str, int]:
        """Pages of the typeset documents of ``kinds`` in ``case``."""
        inputs = _inputs(case, context)
        keys = {kind.key: hashlib.sha256(f"{inputs}\n{kind.key}".encode()).hexdigest() for kind in kinds}
        found = {key: pages for key, digest in keys.items() if (pages := self._get(digest)) is not None}
        missing = [kind for kind in kinds if kind.key not in found]
        if missing:
            from toolkit.documents.compose import compose_all

            for document in compose_all(case, context.config, kinds=missing):
                found[document.key] = self._laid_out(document, context)
                self._put(keys[document.key], found[document.key])
        return {key: found[key] for key in keys}

    def _laid_out(self, document, context: RunContext) -> int:
        """The pages of a composed document: from the cache when the same document was laid
        out before with the same code and fonts, else laid out now."""
        # (meta is what the dossier index reads; nothing of it is set on a page)
        content = repr(dataclasses.replace(document, meta={}))
        key = "doc:" + hashlib.sha256(f"{_code()}\n{_fonts(context)}\n{content}".encode()).hexdigest()
        pages = self._get(key)
        if pages is None:
            from toolkit.render.pdf import typeset

            # laid out, not drawn: the PDF has a page for each page of the layout, and drawing
            # (fonts embedded, streams compressed) is half the cost of a render
            pages = len(typeset(document, context.fonts))
            self._put(key, pages)
        return pages

    def scan(self, path: Path) -> int:
        """Pages of a scan: a PDF's pages, an image's frames (a multi-page TIFF); kept by the
        file's content (``rcmz check`` has its digest already: it judged the file)."""
        from toolkit.attachments import content_digest

        key = f"scan:{content_digest(path)}"
        pages = self._get(key)
        if pages is None:
            if path.suffix.lower() == ".pdf":
                import pikepdf  # loaded already: the check has just judged the file with it

                with pikepdf.open(path) as pdf:
                    pages = len(pdf.pages)
            else:
                from PIL import Image

                with Image.open(path) as image:
                    pages = getattr(image, "n_frames", 1)
            self._put(key, pages)
        return pages

    def take_added(self) -> dict[str, int]:
        """The counts found since the last call (a worker process sends them to its parent)."""
        added, self.added = self.added, {}
        return added

    def adopt(self, counts: dict[str, int]) -> None:
        """Counts a worker process found, to be saved with this run's."""
        for key, pages in counts.items():
            self._put(key, pages)

    def save(self) -> None:
        """Write the cache when this run added to it: the counts it used last, so that the
        :data:`CACHE_SIZE` kept are the most recently used."""
        if not (self.enabled and self.added):
            return
        from toolkit.atomic import write_text_atomic

        ordered = [key for key in self.known if key not in self.used] + [key for key in self.known if key in self.used]
        kept = {key: self.known[key] for key in ordered[-CACHE_SIZE:]}
        try:
            self.store.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.store, json.dumps(kept))
        except OSError:
            pass  # an unwritable cache only costs time
        self.added = {}


def _inputs(case: Case, context: RunContext) -> str:
    """A digest of everything a document of ``case`` is made from."""
    digest = hashlib.sha256(f"{_code()}\n{_fonts(context)}".encode())
    files = [Path(case.files[step].path) for step in sorted(case.files)]
    files += [context.config.path]
    for folder in context.config.template_dirs:  # the bureau's own wording, read every time
        files += sorted(p for p in Path(folder).glob("*") if p.suffix in (".j2", ".py"))
    for path in files:
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def _code() -> str:
    """A digest of the typesetting code (:func:`toolkit.render.code_digest`) and the wording
    templates: read once per process, which runs the code it has loaded."""
    from toolkit.paths import TEMPLATES_DIR
    from toolkit.render import code_digest

    digest = hashlib.sha256(code_digest().encode())
    for path in sorted(p for p in Path(TEMPLATES_DIR).glob("*") if p.suffix in (".j2", ".py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _fonts(context: RunContext) -> str:
    """The font files each role is set with (path, size, modification time): their metrics
    make the lines."""
    from toolkit.render.fontcache import file_signatures

    coverage = context.coverage
    return "" if coverage is None else "\n".join(file_signatures(coverage.chains, sorted(coverage.chains)))
