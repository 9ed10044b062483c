"""Jinja templates compiled once: within a run, and across runs through the user's cache.

``rcmz render`` composes every document from its wording template
(:mod:`toolkit.documents.compose`) and fills the parts of the DOCX style shell with docxtpl
(:mod:`toolkit.render.docx`), which compiles every part of the shell again for each document
through ``Environment.from_string``: 157 compilations for the 13 documents of a case, the
largest cost of composing after fonts.

* :class:`CompiledOnce` makes ``from_string`` compile each distinct source once per process;
* :func:`bytecode_cache` keeps what was compiled in the user's cache folder
  (``templates/<salt>/``), so a later run loads it instead of compiling.  The folder is named by
  everything the compiled code depends on besides the source: Jinja's version and the module
  that configures the environment (a sandboxed environment compiles every attribute access and
  call through its checks, so code compiled by another environment must never be loaded by it).
  Each file carries the SHA-256 of its content: a damaged file is compiled again, never run.
  ``RCMZ_NO_CACHE=1`` turns the folder off.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket

from toolkit.cachefile import code_salt, write_cache_file

_SUM = 32  # bytes of SHA-256


class DiskBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates as files of one folder; a file that cannot be read or written only
    means compiling (Jinja's own file cache lets a damaged file's unpickling error through)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _file(self, bucket: Bucket) -> Path:
        return self.folder / f"{bucket.key}.bin"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            blob = self._file(bucket).read_bytes()
        except OSError:
            return
        body = blob[_SUM:]
        if hashlib.sha256(body).digest() != blob[:_SUM]:
            return
        try:
            bucket.bytecode_from_string(body)
        except Exception:  # noqa: BLE001 — whatever unpickling raises: compile instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        body = bucket.bytecode_to_string()
        write_cache_file(self._file(bucket), hashlib.sha256(body).digest() + body, folder_mode=0o700)


def bytecode_cache(module_file: str, folder: Path | None) -> DiskBytecodeCache | None:
    """The compiled-template cache in the cache folder ``folder`` (:func:`toolkit.cachefile.
    cache_folder`, which an environment made with it is kept by) for the environment configured
    in ``module_file``; None when caching is off (no folder)."""
    if folder is None:
        return None
    salt = f"{jinja2.__version__};{code_salt(module_file)}"
    return DiskBytecodeCache(folder / "templates" / hashlib.sha256(salt.encode()).hexdigest()[:20])


class CompiledOnce(jinja2.Environment):
    """An environment whose ``from_string`` compiles each distinct source once per process (and,
    with a bytecode cache, once across runs)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._compiled: dict[str, Any] = {}

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 — Jinja's name
        if not isinstance(source, str):  # a parsed template (jinja2.nodes.Template): as Jinja does
            return super().from_string(source, globals, template_class)
        code = self._compiled.get(source)
        if code is None:
            code = self._compiled[source] = self._code(source)
        cls = template_class or self.template_class
        return cls.from_code(self, code, self.make_globals(globals), None)

    def _code(self, source: str):
        bcc = self.bytecode_cache
        if bcc is None:
            return self.compile(source)
        # from_string has no name: the source's digest keeps each one in its own bucket
        bucket = bcc.get_bucket(self, hashlib.sha256(source.encode()).hexdigest(), None, source)
        if bucket.code is None:
            bucket.code = self.compile(source)
            bcc.set_bucket(bucket)
        return bucket.code
