"""Typesetting: a composed :class:`~toolkit.documents.model.Document` → PDF (reportlab) and DOCX
(docxtpl)."""

from __future__ import annotations

from functools import cache

#: The libraries whose output the files are: an upgrade may change a byte of them.
LIBRARIES = ("reportlab", "docx", "docxtpl", "lxml", "jinja2", "markupsafe", "fontTools", "jieba",
             "uharfbuzz")


@cache
def code_digest() -> str:
    """A digest of what turns a composed document into its files: the toolkit's version, every
    source file of ``toolkit/render/``, the model it reads and the helpers it calls, and the
    installations of the libraries it writes with.  What is made from a composed document and
    kept (its files, its page count) is keyed with it, so that changed code or an upgraded
    library makes it again.  Read once per process, which runs the code it has loaded."""
    import hashlib
    from pathlib import Path

    from toolkit import __version__
    from toolkit.cachefile import package_stamp

    here = Path(__file__).parent
    toolkit = here.parent
    files = sorted(here.rglob("*.py"))
    files += [toolkit / "text.py", toolkit / "jinjacache.py", toolkit / "documents" / "model.py"]
    digest = hashlib.sha256(__version__.encode())
    for path in files:
        digest.update(f"\n{path.relative_to(toolkit)}\n".encode())
        digest.update(path.read_bytes())
    for name in LIBRARIES:
        digest.update(f"\n{package_stamp(name)}".encode())
    return digest.hexdigest()
