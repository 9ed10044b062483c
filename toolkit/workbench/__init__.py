"""``rcmz serve``: the local web workbench (docs/workbench.md).

A Starlette app on 127.0.0.1 that shows the docket (``toolkit.docket.status``), turns the JSON
Schemas into Chinese forms (:mod:`.forms`), checks a candidate file in memory with the same
pipeline as ``rcmz check`` (:mod:`.app`), merges the form into the YAML without disturbing what
it did not change (:mod:`.merge`) and commits each saved file alone (:mod:`.repo`).  Every string a
clerk reads is in :mod:`.strings`; the security controls are in :mod:`.security`.
"""

from __future__ import annotations


def serve(*args, **kwargs):
    """Start the workbench (see :func:`toolkit.workbench.server.serve`)."""
    from toolkit.workbench.server import serve as _serve

    return _serve(*args, **kwargs)
