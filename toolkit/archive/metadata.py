"""The package's XML: 说明文件, 案卷目录, 文件目录 and one DA/T 46 metadata record per 件.

Element names: the 2012 《电子档案移交与接收办法》 目录 fields and the DA/T 46-2009 element set
as ARCHIVE.md reproduces them; docs/archive.md says element by element which source each name
comes from and which are uncertain.  The XML has no namespace (none is known for these files)
and is UTF-8 (one of the three encodings the 2012 rules allow).
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

from toolkit import __version__
from toolkit.archive.business import Action
from toolkit.archive.xml import el

STANDARD_NOTE = "元素取自 DA/T 46-2009 的二手资料与实现代码，未经标准原文核对，见 docs/archive.md"
SYSTEM_NAME = "rcmz 容错免责案卷工具"


@dataclass
class FileEntry:
    """One file of the package, relative to the package root, with its digests."""

    path: str
    role: str            # 案卷 / 原文 / 附件 / 原件 / 元数据 / 目录 / 模式 / 移交件
    size: int
    digests: dict[str, str]
    format: str = ""
    item: int | None = None   # 件号 it belongs to


@dataclass
class Piece:
    """One 件 as the package files it."""

    seq: int
    code: str                 # 件的档号
    item: dict                # the manifest's item
    rendition: FileEntry
    attachments: list[tuple[dict, FileEntry]] = field(default_factory=list)
    original: FileEntry | None = None


def system_description() -> str:
    return (f"{SYSTEM_NAME} {__version__}；Python {platform.python_version()}；{platform.system()} "
            f"{platform.release()}；{sys.platform}")


def _digests(parent, entry: FileEntry) -> None:
    for algorithm, value in entry.digests.items():
        el(parent, "数字摘要", value, 算法=algorithm)


def _file(parent, entry: FileEntry, tag: str = "计算机文件"):
    node = el(parent, tag, 角色=entry.role)
    el(node, "计算机文件名", Path(entry.path).name)
    el(node, "计算机文件大小", entry.size, 单位="字节")
    el(node, "格式信息", entry.format or "未知")
    _digests(node, entry)
    return node


def _archive_code(parent, manifest: dict, archive: dict, seq: int | None, pages: str | None) -> None:
    code = el(parent, "档号")
    el(code, "全宗号", archive["fonds_no"])
    el(code, "目录号", archive["catalogue_no"])
    el(code, "年度", manifest["compiled_on"][:4])
    el(code, "保管期限", archive["retention"])
    el(code, "案卷号", archive["volume_no"])
    if seq is not None:
        el(code, "件号", f"{seq:04d}")
    if pages is not None:
        el(code, "页号", pages)


def piece_record(piece: Piece, manifest: dict, archive: dict, actions: list[Action], people: list[tuple[str, str]],
                 signature: dict, volume: FileEntry):
    """The DA/T 46 record of one 件 (root 电子文件元数据)."""
    item = piece.item
    root = el(None, "电子文件元数据", 说明=STANDARD_NOTE)
    el(root, "聚合层次", "件")
    source = el(root, "来源")
    el(source, "全宗名称", manifest["fonds_name"])
    el(source, "立档单位名称", archive["unit"])
    el(root, "电子文件号", piece.code)
    s, t = item["pages"]                # the item's own pages
    first, last = item.get("range", item["pages"])   # with its attachments: its 页号 in the volume
    _archive_code(root, manifest, archive, piece.seq, f"{first}-{last}" if last != first else str(first))
    entity = el(root, "文件实体")
    el(entity, "题名", item["title"])
    el(entity, "文件编号", item.get("number", ""))
    el(entity, "责任者", item["author"])
    el(entity, "日期", item["date"])
    el(entity, "保管期限", archive["retention"])
    el(entity, "密级", archive["classification"])
    el(entity, "页数", t - s + 1)
    el(entity, "文档创建程序", f"{SYSTEM_NAME} {manifest.get('rcmz_version', __version__)}")
    if item.get("remark") or item.get("scan_original"):
        el(entity, "附注", "；".join(x for x in (item.get("remark"), "签章原件扫描件" if item.get("scan_original")
                                                else "") if x))
    _file(entity, piece.rendition)
    if piece.original is not None:
        _file(entity, piece.original)
    for k, (att, entry) in enumerate(piece.attachments, 1):
        node = _file(entity, entry, "附件")
        node.set("顺序号", str(k))
        el(node, "题名", att["title"])
    _file(entity, volume, "所在案卷").set("说明", f"本件（含附件）为该案卷第{first}—{last}页")
    business = el(root, "业务实体")
    el(business, "业务状态", "已备案归档")
    for n, action in enumerate(actions, 1):
        node = el(business, "业务行为", 序号=n)
        el(node, "行为名称", action.name)
        el(node, "行为时间", action.time)
        el(node, "行为依据", action.basis)
        el(node, "行为描述", action.description)
        if action.commit is not None:
            el(node, "记录", 提交=action.commit.sha, 时间=action.commit.time, 记录人=action.commit.author,
               文件=action.step)
    persons = el(root, "机构人员实体")
    for role, name in people:
        node = el(persons, "机构人员", 角色=role)
        el(node, "名称", name)
    signature_block(root, signature)
    return root


def signature_block(parent, signature: dict):
    """DA/T 46 电子签名 (签名规则, 签名时间, 签名人, 签名结果, 证书, 证书引证, 签名算法标识) plus the
    frozen verification evidence (timestamps, revocation data, verification time and result)."""
    block = el(parent, "电子签名块")
    if not signature.get("signer"):
        el(block, "说明", "本件所在案卷未签名")
        return block
    node = el(block, "电子签名", 签名标识="修改0-签名1")
    el(node, "签名规则", signature["rule"])
    el(node, "签名时间", signature["time"])
    el(node, "签名人", signature["signer"])
    el(node, "签名结果", signature["result"])
    cert = el(node, "证书")
    for key, tag in (("subject", "主体"), ("issuer", "颁发者"), ("serial", "序列号"), ("not_after", "有效期至"),
                     ("sha256", "指纹")):
        el(cert, tag, signature["certificate"].get(key) or "")
    el(node, "证书引证", signature.get("chain", ""))
    el(node, "签名算法标识", signature["algorithm"])
    evidence = el(node, "核验证据")
    el(evidence, "签名级别", signature["level"])
    for ts in signature.get("timestamps", []):
        el(evidence, "时间戳", ts["time"], 类型=ts["kind"], 时间戳服务=ts["tsa"], 证书有效期至=ts.get("not_after") or "")
    el(evidence, "吊销状态", signature["revocation"])
    el(evidence, "被签名文件", signature["file"])
    for algorithm, value in signature["digests"].items():
        el(evidence, "数字摘要", value, 算法=algorithm)
    el(evidence, "核验时间", signature["verified_at"])
    el(evidence, "核验结果", signature["verdict"])
    el(evidence, "核验程序", system_description())
    if signature.get("removed"):
        el(evidence, "签名数据处理", signature["removed"])
    return block


def catalogue(tag: str, rows: list[dict]):
    """案卷目录 / 文件目录 with the 2012 目录 fields (plus 页数)."""
    root = el(None, tag)
    row_tag = "案卷" if tag == "案卷目录" else "文件"
    for row in rows:
        node = el(root, row_tag)
        for key in ("顺序号", "档号", "责任者", "题名", "日期", "密级", "页数", "电子档案名称", "备注"):
            el(node, key, row.get(key, ""))
    return root


def description(info: dict, files: list[FileEntry]):
    """说明文件: who transfers what, the system that made it, and every file with its digests."""
    root = el(None, "说明文件")
    for key in ("载体编号", "移交单位", "接收单位", "年度", "保管期限", "密级"):
        el(root, key, info.get(key, ""))
    count = el(root, "数量")
    el(count, "案卷数", info["案卷数"])
    el(count, "归档文件数量", info["件数"])
    el(count, "计算机文件数", len(files))
    el(count, "总字节数", sum(f.size for f in files))
    el(root, "起始件号", info["起始件号"])
    el(root, "截止件号", info["截止件号"])
    system = el(root, "信息系统")
    el(system, "信息系统名称", SYSTEM_NAME)
    el(system, "信息系统描述", system_description())
    el(root, "制作时间", info["制作时间"])
    el(root, "编码", "UTF-8")
    el(root, "组织方式", "年度—案卷（档号）—件")
    el(root, "信息包类型", info.get("信息包类型", "归档"))
    listing = el(root, "文件清单")
    for entry in files:
        node = el(listing, "文件", 路径=entry.path, 角色=entry.role, 字节数=entry.size,
                  件号=f"{entry.item:04d}" if entry.item else None)
        _digests(node, entry)
    return root
