"""With the case folder: every source file listed in the manifest present and unchanged
(SHA-256), fact files the manifest does not list reported, and the volume's other inputs — the
bureau configuration, the holiday table, override templates, configured fonts — each named when
it changed since the volume was made."""

from __future__ import annotations

from pathlib import Path

from toolkit.dossier.sources import sha256_file
from toolkit.dossier.spec import INPUT_KINDS
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
    check_inputs(report, manifest, case_dir)


def check_inputs(report: VerifyReport, manifest: dict, case_dir: Path) -> None:
    """The inputs of the manifest (relative to the case folder, or absolute) against the files.

    A changed or (within the folder of cases) missing input fails, named: the case folder can no
    longer make this volume — the volume itself is not changed by it.  An absolute input that is
    not on this machine (a system font elsewhere) cannot be checked and is reported as such."""
    inputs = manifest.get("inputs")
    if not inputs:
        return
    changed: list[str] = []
    missing: list[str] = []
    elsewhere: list[str] = []
    for entry in inputs:
        kind, name = entry.get("kind", ""), entry.get("path", "")
        label = f"{INPUT_KINDS.get(kind, kind)} {name}"
        path = Path(name) if Path(name).is_absolute() else case_dir / name
        if not path.is_file():
            (elsewhere if Path(name).is_absolute() else missing).append(label)
        elif sha256_file(path, cache=False) != entry.get("sha256"):
            changed.append(label)
    if changed:
        report.add("来源文件", FAIL, "立卷后被修改（SHA-256 不符）：" + "、".join(changed[:10])
                   + "；案卷本身未被改动，但案件文件夹已不能重新生成与本卷相同的案卷")
    if missing:
        report.add("来源文件", FAIL, "清单中的输入文件已不存在：" + "、".join(missing[:10]))
    if elsewhere:
        report.add("来源文件", WARN, "本机没有这些输入文件，未能核对：" + "、".join(elsewhere[:10]))
    checked = len(inputs) - len(elsewhere)
    if not changed and not missing and checked:
        report.add("来源文件", OK, f"局配置、节假日表、模板、字体等 {checked} 个输入文件与立卷时一致")
