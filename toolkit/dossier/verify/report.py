"""What ``verify_dossier`` found: one :class:`Finding` per check, with a Chinese explanation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import VerifyError

OK, FAIL, WARN = "ok", "fail", "warn"
#: The verdict of a volume that passes every check but is signed with a test certificate.
TEST_PASS = "通过（测试证书，不得用于正式归档）"
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
    timestamps: list[dict] = field(default_factory=list)   # document timestamps
    manifest: dict | None = None
    test_certificate: bool = False   # signed with a test certificate: a pass is not a real one

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

    @property
    def verdict(self) -> str:
        """通过 / 通过（测试证书，不得用于正式归档） / 不通过（N 项问题）."""
        if not self.ok:
            return f"不通过（{len(self.failures)} 项问题）"
        return TEST_PASS if self.test_certificate else "通过"

    @property
    def level(self) -> str | None:
        """The PAdES level of the volume's (first) signature, None when unsigned."""
        return self.signatures[0].get("level") if self.signatures else None

    def text(self) -> str:
        head = f"案卷核验：{self.path}"
        verdict = f"结论：{self.verdict}"
        lines = [head]
        lines += [f"  [{_MARK[f.status]}] {f.area}：{f.message}" for f in self.findings]
        lines.append(verdict)
        return "\n".join(lines)

    def raise_for_failures(self) -> None:
        if not self.ok:
            raise VerifyError(self.text())

