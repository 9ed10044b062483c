"""Where the project's data folders are: the JSON Schemas and the wording templates.

In the repository they sit beside the package (``schemas/``, ``templates/`` at the root), which is
also where an editable install (``make setup``) reads them.  A built wheel carries them inside the
package as ``toolkit/_data/schemas`` and ``toolkit/_data/templates`` (the package-dir mapping in
pyproject.toml), so an installed ``rcmz`` (pip, pipx, the pre-commit hook) needs no checkout.

Every module that needs one of these folders takes it from here; none computes it itself.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent

#: The folder the package came from: the repository in a checkout, site-packages when installed.
#: Only the tests and benchmarks of a checkout use it (for ``casefiles/``); data is found below.
PROJECT_ROOT = _PACKAGE.parent

#: Inside an installed wheel; absent in a checkout (nothing there creates ``toolkit/_data``).
_INSTALLED = _PACKAGE / "_data"
DATA_ROOT = _INSTALLED if (_INSTALLED / "schemas").is_dir() else PROJECT_ROOT

SCHEMAS_DIR = DATA_ROOT / "schemas"
TEMPLATES_DIR = DATA_ROOT / "templates"
#: The default DOCX style shell (built by scripts/make_docx_shell.py in a checkout).
DOCX_SHELL = TEMPLATES_DIR / "docx" / "shell.docx"
