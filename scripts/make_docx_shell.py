#!/usr/bin/env python3
"""Write ``templates/docx/shell.docx`` from :mod:`toolkit.render.docx_shell`.

Run ``.venv/bin/python scripts/make_docx_shell.py [OUT]`` after changing the shell's modules and
commit both.
"""

from __future__ import annotations

import sys
from pathlib import Path

from toolkit.render.docx import DEFAULT_SHELL
from toolkit.render.docx_shell.package import build


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_SHELL
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build())
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
