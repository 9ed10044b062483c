"""One exception family: every failure a user can cause is an RcmzError.

The CLI prints ``str(error)`` in Chinese and exits with ``exit_code``; no traceback reaches the
user.  Problems found while checking a case are not exceptions but ``Problem`` records (see
``toolkit.case.problems``) so that all of them can be reported at once.
"""

from __future__ import annotations

import click


class RcmzError(click.ClickException):
    """A user-facing failure with a Chinese message."""

    exit_code = 1

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None):
        self.file, self.line, self.column = file, line, column
        super().__init__(message)

    @property
    def location(self) -> str:
        if not self.file:
            return ""
        parts = [str(self.file)]
        if self.line:
            parts.append(str(self.line))
            if self.column:
                parts.append(str(self.column))
        return ":".join(parts)

    def format_message(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message

    def show(self, file=None) -> None:  # click calls this; keep the Chinese prefix
        click.echo(f"错误：{self.format_message()}", err=True, file=file)


class CaseFileError(RcmzError):
    """A case file cannot be read at all (encoding, YAML syntax, missing folder)."""


class CalendarDataMissing(RcmzError):
    """A date lies in a year whose State Council holiday arrangement is not known."""


class ConfigError(RcmzError):
    """The bureau configuration is missing or wrong."""


class RenderError(RcmzError):
    """A document cannot be typeset (e.g. a character no configured font has)."""


class DossierError(RcmzError):
    """The volume cannot be bundled, validated as PDF/A or signed."""


class VerifyError(RcmzError):
    """A dossier failed verification."""


class UsageError(RcmzError):
    exit_code = 2
