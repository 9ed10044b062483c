"""A problem found in a case: where it is, which rule it breaks, how serious it is."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

#: error: must be fixed; warning: worth a look; info: what rcmz will do itself (not counted)
Severity = Literal["error", "warning", "info"]

LEVELS = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: int
    field: str          # dotted path of the field, e.g. situations[0].facts
    rule: str           # the article or check, e.g. 第九条第（一）项 or 格式
    message: str        # Chinese, says what is wrong and what to do
    severity: Severity = "error"

    def format(self) -> str:
        level = LEVELS[self.severity]
        field = f" [{self.field}]" if self.field else ""
        return f"{self.file}:{self.line}:{self.column}: {level}{field}（{self.rule}）{self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


def dotted(path: tuple) -> str:
    """('situations', 0, 'facts') → situations[0].facts"""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
