"""Page counts for ``rcmz check``: a scanned signed original against the document it replaces.

Typesetting a document costs about a second (fonts, reportlab) and counting a scan's pages
needs a PDF reader, while ``rcmz check`` of one case should take a fraction of that.  So both
counts are kept in the user's cache (``pages.json`` beside the status cache; ``RCMZ_NO_CACHE=1``
bypasses it): a generated document's count is keyed by everything it is made from — the case's
step files, the bureau's configuration, the wording templates, the typesetting code and the
toolkit's version — and a scan's by its path, size and modification time.  Only what changed is
typeset or read again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from toolkit import __version__
from toolkit.case.model import Case
from toolkit.context import RunContext
from toolkit.documents.registry import DocumentKind

#: How many counts the cache keeps (the most recent).
CACHE_SIZE = 4000


class PageCounts:
    def __init__(self, context: RunContext):
        self.context = context
        self.enabled = os.environ.get("RCMZ_NO_CACHE", "") in ("", "0")
        self.known = self._load() if self.enabled else {}
        self.changed = False

    @property
    def store(self) -> Path:
        from toolkit.docket.cache import cache_dir

        return cache_dir() / "pages.json"

    def _load(self) -> dict:
        try:
            return json.loads(self.store.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def documents(self, case: Case, kinds: list[DocumentKind]) -> dict[str, int]:
        """Pages of the typeset documents of ``kinds`` in ``case``."""
        inputs = self._inputs(case)
        keys = {kind.key: hashlib.sha256(f"{inputs}\n{kind.key}".encode()).hexdigest() for kind in kinds}
        missing = [kind for kind in kinds if keys[kind.key] not in self.known]
        if missing:
            from toolkit.documents.compose import compose_all
            from toolkit.render.pdf import typeset

            # laid out, not drawn: the PDF has a page for each page of the layout, and drawing
            # (fonts embedded, streams compressed) is half the cost of a render
            for document in compose_all(case, self.context.config, kinds=missing):
                self.known[keys[document.key]] = len(typeset(document, self.context.fonts))
            self.changed = True
        return {key: self.known[digest] for key, digest in keys.items()}

    def scan(self, path: Path) -> int:
        """Pages of a scan: a PDF's pages, an image's frames (a multi-page TIFF)."""
        stat = path.stat()
        key = f"scan:{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
        if key not in self.known:
            if path.suffix.lower() == ".pdf":
                from pypdf import PdfReader

                self.known[key] = len(PdfReader(path).pages)
            else:
                from PIL import Image

                with Image.open(path) as image:
                    self.known[key] = getattr(image, "n_frames", 1)
            self.changed = True
        return self.known[key]

    def save(self) -> None:
        if not (self.enabled and self.changed):
            return
        from toolkit.atomic import write_text_atomic

        kept = dict(list(self.known.items())[-CACHE_SIZE:])
        try:
            self.store.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.store, json.dumps(kept))
        except OSError:
            pass  # an unwritable cache only costs time

    def _inputs(self, case: Case) -> str:
        """A digest of everything a document of ``case`` is made from."""
        from toolkit import render
        from toolkit.paths import TEMPLATES_DIR

        digest = hashlib.sha256(__version__.encode())
        files = [Path(case.files[step].path) for step in sorted(case.files)]
        files += [self.context.config.path]
        for folder in (*self.context.config.template_dirs, TEMPLATES_DIR, Path(render.__file__).parent):
            files += sorted(p for p in Path(folder).glob("*") if p.suffix in (".j2", ".py"))
        for path in files:
            digest.update(str(path.name).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()
