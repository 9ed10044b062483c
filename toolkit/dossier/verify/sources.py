"""With the case folder: every source file listed in the manifest present and unchanged
(SHA-256), and fact files the manifest does not list reported."""

from __future__ import annotations

from pathlib import Path

from toolkit.dossier.sources import sha256_file
from toolkit.dossier.verify.report import FAIL, OK, WARN, VerifyReport


def check_sources(report: VerifyReport, manifest: dict, case_dir: Path) -> None:
    if not case_dir.is_dir():
        report.add("来源文件", FAIL, f"案件文件夹不存在：{case_dir}")
        return
    changed, missing = [], []
    listed = set()
    for f in manifest.get("files", []):
        rel = f["path"]
        listed.add(rel)
        p = case_dir / rel
        if not p.is_file():
            missing.append(rel)
        elif sha256_file(p, cache=False) != f["sha256"]:
            changed.append(rel)
    if missing:
        report.add("来源文件", FAIL, "清单中的来源文件在案件文件夹中不存在：" + "、".join(missing[:10]))
    if changed:
        report.add("来源文件", FAIL, "来源文件在立卷后被修改（SHA-256 不符）：" + "、".join(changed[:10]))
    if not missing and not changed:
        report.add("来源文件", OK, f"清单所列 {len(listed)} 个来源文件与案件文件夹中的文件一致")
    unlisted = []
    for p in sorted(case_dir.rglob("*")):
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(case_dir).parts):
            rel = p.relative_to(case_dir).as_posix()
            if rel not in listed and p.suffix.lower() in (".yaml", ".yml"):
                unlisted.append(rel)
    if unlisted:
        report.add("来源文件", WARN, "案件文件夹中有清单未列出的事实文件（立卷后新增？）："
                   + "、".join(unlisted[:10]))

