"""What reaches the terminal from logging: rcmz's own Chinese notices by default, third-party
detail (pyHanko, certvalidator, img2pdf, pikepdf, fontTools …) only with ``-v``."""

from __future__ import annotations

import logging

OWN_LOGGER = "rcmz"


class _OwnRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.name == OWN_LOGGER or record.name.startswith(OWN_LOGGER + ".")


def configure(verbose: bool) -> None:
    """Stages report noteworthy events (a draft dossier left unsigned …) as warnings of the
    ``rcmz.*`` loggers; they are printed as ``提示：…``."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "rcmz", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.rcmz = True  # type: ignore[attr-defined]
    if verbose:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.setLevel(logging.INFO)
    else:
        handler.setFormatter(logging.Formatter("提示：%(message)s"))
        handler.addFilter(_OwnRecords())
        root.setLevel(logging.WARNING)
    root.addHandler(handler)
