"""The house rules of docs/architecture.md, read off the source: data flows one way, each stage
imports only what comes before it, and only the pipeline chains the stages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TOOLKIT = Path(__file__).resolve().parent.parent / "toolkit"


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("toolkit")}


def package_imports(package: str) -> dict[str, set[str]]:
    return {str(path.relative_to(TOOLKIT.parent)): imports_of(path)
            for path in sorted((TOOLKIT / package).rglob("*.py"))}


#: stage → what it must not import (a later stage, a sibling's machinery, the pipeline or the CLI)
FORBIDDEN = {
    "case": ("toolkit.rules", "toolkit.documents", "toolkit.render", "toolkit.dossier",
             "toolkit.docket", "toolkit.pipeline", "toolkit.cli", "toolkit.context"),
    "rules": ("toolkit.documents", "toolkit.render", "toolkit.dossier", "toolkit.docket",
              "toolkit.pipeline", "toolkit.cli", "toolkit.context"),
    "documents": ("toolkit.render", "toolkit.dossier", "toolkit.docket", "toolkit.pipeline",
                  "toolkit.cli", "toolkit.rules.checks", "toolkit.rules.run"),
    "render": ("toolkit.rules", "toolkit.dossier", "toolkit.docket", "toolkit.pipeline",
               "toolkit.cli", "toolkit.config", "toolkit.context", "toolkit.case"),
    "dossier": ("toolkit.render.outputs", "toolkit.docket", "toolkit.pipeline", "toolkit.cli",
                "toolkit.context", "toolkit.rules.checks", "toolkit.rules.run"),
    "archive": ("toolkit.render.outputs", "toolkit.docket", "toolkit.pipeline", "toolkit.cli",
                "toolkit.context", "toolkit.rules.checks", "toolkit.rules.run", "toolkit.dossier.build"),
}


@pytest.mark.parametrize("stage", sorted(FORBIDDEN))
def test_a_stage_does_not_reach_into_a_later_or_sibling_stage(stage):
    offences = {module: sorted(name for name in names
                               if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[stage]))
                for module, names in package_imports(stage).items()}
    assert not {m: o for m, o in offences.items() if o}


def test_verify_does_not_depend_on_bundling_or_building():
    """verify and bundle share their vocabulary from one module, not from each other."""
    used = set().union(*package_imports("dossier/verify").values())
    assert {name for name in used if name.startswith(("toolkit.dossier.bundle", "toolkit.dossier.build"))} == set()


def test_the_cli_only_wires_commands_to_the_pipeline_and_the_office_view():
    allowed = ("toolkit.pipeline", "toolkit.docket", "toolkit.errors", "toolkit.logs", "toolkit.context",
               "toolkit.case.scaffold", "toolkit.case.yamlio", "toolkit.calendar", "toolkit.dossier.sign",
               "toolkit.__version__", "toolkit.workbench", "toolkit")
    used = imports_of(TOOLKIT / "cli.py")
    assert {name for name in used if not name.startswith(allowed)} == set()
