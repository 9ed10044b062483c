"""What ``verify_dossier`` found: one :class:`Finding` per check, with a Chinese explanation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import VerifyError

OK, FAIL, WARN = "ok", "fail", "warn"
_MARK = {OK: "通过", FAIL: "不通过", WARN: "提示"}


@dataclass
class Finding:
    area: str          # 签名 / 完整性 / 页号 / 书签 / PDF/A / 清单 …
    status: str        # ok | fail | warn
    message: str


@dataclass
class VerifyReport:
    path: Path
    findings: list[Finding] = field(default_factory=list)
    signatures: list[dict] = field(default_factory=list)
    manifest: dict | None = None

    def add(self, area: str, status: str, message: str) -> None:
        self.findings.append(Finding(area, status, message))

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.status == FAIL]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.status == WARN]

    @property
    def ok(self) -> bool:
        return not self.failures

    def text(self) -> str:
        head = f"案卷核验：{self.path}"
        verdict = "结论：通过" if self.ok else f"结论：不通过（{len(self.failures)} 项问题）"
        lines = [head]
        lines += [f"  [{_MARK[f.status]}] {f.area}：{f.message}" for f in self.findings]
        lines.append(verdict)
        return "\n".join(lines)

    def raise_for_failures(self) -> None:
        if not self.ok:
            raise VerifyError(self.text())

