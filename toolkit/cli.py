"""The rcmz command line: click wiring only; each command calls one stage function."""

from __future__ import annotations

import click

from toolkit import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rcmz")
def main() -> None:
    """rcmz：容错免责案卷工具。"""
