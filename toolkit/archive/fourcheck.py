"""The DA/T 70-2018 四性检测 of a 归档信息包: 真实性, 完整性, 可用性, 安全性, item by item.

Each item is a function over the package as it is on disk; its result is 通过, 不通过 or 未检测
(rcmz cannot scan for viruses), with a memo naming every failing record and file.  Item codes:
``GD-`` for the 归档 stage and ``BC-`` for 长期保存 (`rcmz verify --report`).  The stage
prefixes GD/YJ are seen in implementing code; BC and the numbering of every item below are
rcmz's own reading (ARCHIVE.md §1.4), marked ``编号来源="推断"`` in the report and in
docs/archive.md — the standard's own table was not at hand.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from toolkit.archive.digests import digests_of_file
from toolkit.archive.xml import el, to_bytes, validate
from toolkit.dossier.spec import RETENTIONS
from toolkit.errors import RcmzError

CHINA_TZ = dt.timezone(dt.timedelta(hours=8))
PASS, FAIL, SKIP = "通过", "不通过", "未检测"
PROPERTIES = {"1": "真实性", "2": "完整性", "3": "可用性", "4": "安全性"}
STAGE_PREFIX = {"归档": "GD", "长期保存": "BC"}
CLASSIFICATIONS = ("公开", "内部", "秘密", "机密", "绝密")
#: Files at the package root that 说明文件 does not list (itself and the report made after it).
UNLISTED = {"说明文件.xml", "四性检测报告.xml", "四性检测报告.pdf"}
MAX_LENGTH = {"题名": 500, "责任者": 200, "文件编号": 100}
PROCESS = ("申请", "受理", "启动审批", "调查核实", "审议认定", "反馈", "备案")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
_MAGIC = {"PDF": (b"%PDF-",), "PNG": (b"\x89PNG",), "JPEG": (b"\xff\xd8",), "TIFF": (b"II*\x00", b"MM\x00*"),
          "XML": (b"<?xml",), "XSD": (b"<?xml",)}


@dataclass
class Item:
    code: str
    name: str
    result: str
    memo: list[str] = field(default_factory=list)

    @property
    def prop(self) -> str:
        return PROPERTIES[self.code.split("-")[1]]


@dataclass
class FourReport:
    package: str
    stage: str
    time: str
    items: list[Item]
    files: dict[str, str]         # path → SHA-256 as found
    volume_verdict: str = ""

    @property
    def result(self) -> str:
        return FAIL if any(i.result == FAIL for i in self.items) else PASS

    def by_property(self) -> dict[str, list[Item]]:
        out: dict[str, list[Item]] = {name: [] for name in PROPERTIES.values()}
        for item in self.items:
            out[item.prop].append(item)
        return out

    def property_result(self, items: list[Item]) -> str:
        return FAIL if any(i.result == FAIL for i in items) else PASS

    def to_xml(self) -> bytes:
        root = el(None, "四性检测报告", 依据="DA/T 70-2018（据二手资料，见 docs/archive.md）")
        el(root, "信息包", self.package)
        el(root, "检测环节", f"{self.stage}环节")
        el(root, "检测时间", self.time)
        el(root, "检测结果", self.result)
        el(root, "案卷核验结论", self.volume_verdict)
        for name, items in self.by_property().items():
            prop = el(root, "检测性质", 名称=name, 结果=self.property_result(items))
            for item in items:
                node = el(prop, "检测项", 编号=item.code, 编号来源="推断", 结果=item.result)
                el(node, "名称", item.name)
                for line in item.memo:
                    el(node, "说明", line)
        listing = el(root, "文件摘要")
        for path, sha in sorted(self.files.items()):
            el(listing, "文件", sha, 路径=path, 算法="SHA-256")
        return to_bytes(root)

    @classmethod
    def from_xml(cls, data: bytes) -> FourReport:
        doc = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        items = [Item(n.get("编号"), n.findtext("名称", ""), n.get("结果"), [m.text or "" for m in n.findall("说明")])
                 for n in doc.iter("检测项")]
        files = {f.get("路径"): f.text or "" for f in doc.iter("文件")}
        stage = (doc.findtext("检测环节") or "").removesuffix("环节")
        return cls(doc.findtext("信息包", ""), stage, doc.findtext("检测时间", ""), items, files,
                   doc.findtext("案卷核验结论", ""))

    def text(self) -> str:
        lines = [f"四性检测（DA/T 70，{self.stage}环节）：{self.package}", f"检测时间：{self.time}"]
        for name, items in self.by_property().items():
            lines.append(f"{name}：{self.property_result(items)}")
            for item in items:
                lines.append(f"  [{item.result}] {item.code} {item.name}")
                lines += [f"      {m}" for m in item.memo[:20]]
        lines.append(f"检测结果：{self.result}")
        return "\n".join(lines)

    def changes(self, before: FourReport) -> list[str]:
        """What differs from an earlier report of the same package: item results and files."""
        out = []
        old = {i.code.split("-", 1)[1]: i for i in before.items}
        for item in self.items:
            prev = old.get(item.code.split("-", 1)[1])
            if prev is not None and prev.result != item.result:
                out.append(f"{item.code} {item.name}：{prev.result} → {item.result}")
        for path in sorted(set(before.files) | set(self.files)):
            if path not in self.files:
                out.append(f"文件缺失：{path}")
            elif path not in before.files:
                out.append(f"新增文件：{path}")
            elif before.files[path] != self.files[path]:
                out.append(f"文件内容改变（SHA-256 不符）：{path}")
        return out

    def write(self, xml_path: Path, pdf_path: Path, book) -> None:
        data = self.to_xml()
        problems = validate(data, xml_path.name)
        if problems:
            raise RcmzError("四性检测报告不符合其 XML 模式（rcmz 的缺陷）：\n" + "\n".join(problems))
        xml_path.write_bytes(data)
        from toolkit.archive.report_pdf import write_report_pdf

        write_report_pdf(self, pdf_path, book)


# ------------------------------------------------------------------------------------------------
# the package as found


@dataclass
class Pkg:
    root: Path
    summary: etree._Element | None
    listing: dict[str, dict]
    records: dict[str, etree._Element]       # metadata XML path → document
    xml_problems: dict[str, list[str]]
    trust_roots: tuple
    zip_path: Path | None = None
    _digests: dict[str, dict[str, str]] = field(default_factory=dict)
    _volume_report: object | None = None

    @property
    def files(self) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())

    def digests(self, rel: str) -> dict[str, str]:
        if rel not in self._digests:
            self._digests[rel] = digests_of_file(self.root / rel)
        return self._digests[rel]

    @property
    def volume(self) -> tuple[str, dict] | None:
        for path, entry in self.listing.items():
            if entry["role"] in ("案卷", "移交件"):
                return path, entry
        return None

    @property
    def transfer(self) -> bool:
        return self.volume is not None and self.volume[1]["role"] == "移交件"

    def volume_report(self):
        if self._volume_report is None and self.volume is not None and (self.root / self.volume[0]).is_file():
            from toolkit.dossier.verify import verify_dossier

            self._volume_report = verify_dossier(self.root / self.volume[0], self.trust_roots,
                                                 require_signature=not self.transfer)
        return self._volume_report

    def text_of(self, doc, tag: str) -> str:
        return (doc.findtext(f".//{tag}") or "").strip()


def _parse(path: Path) -> tuple[etree._Element | None, list[str], bytes]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [f"{path.name}：无法读取（{exc.strerror}）"], b""
    problems = validate(data, path.name)
    try:
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True)), problems, data
    except etree.XMLSyntaxError:
        return None, problems, data


def load(root: Path, trust_roots=()) -> Pkg:
    summary, problems, _ = _parse(root / "说明文件.xml")
    xml_problems = {"说明文件.xml": problems}
    listing = {}
    if summary is not None:
        for node in summary.iter("文件"):
            digests = {d.get("算法"): d.text or "" for d in node.findall("数字摘要")}
            listing[node.get("路径")] = {"role": node.get("角色"), "size": int(node.get("字节数") or -1),
                                        "item": node.get("件号"), "digests": digests}
    records = {}
    for rel, entry in listing.items():
        if entry["role"] in ("元数据", "目录") and (root / rel).is_file():
            doc, problems, _ = _parse(root / rel)
            xml_problems[rel] = problems
            if doc is not None and entry["role"] == "元数据":
                records[rel] = doc
            elif doc is not None:
                records[rel] = doc
    return Pkg(root, summary, listing, records, xml_problems, tuple(trust_roots))


def metadata_records(pkg: Pkg) -> dict[str, etree._Element]:
    return {k: v for k, v in pkg.records.items() if v.tag == "电子文件元数据"}


# ------------------------------------------------------------------------------------------------
# the items: (number within its property, name, check)

Check = Callable[[Pkg], tuple[str, list[str]]]


def _verdict(memo: list[str]) -> tuple[str, list[str]]:
    return (FAIL if memo else PASS), memo


def fixity(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    for rel, entry in pkg.listing.items():
        if not (pkg.root / rel).is_file():
            memo.append(f"[{rel}] 说明文件所列文件不存在")
            continue
        found = pkg.digests(rel)
        for algorithm, value in entry["digests"].items():
            if found.get(algorithm) != value:
                memo.append(f"[{rel}] {algorithm} 摘要与说明文件不符")
    report = pkg.volume_report()
    if report is None:
        memo.append("信息包中没有案卷文件")
    else:
        memo += [f"[{pkg.volume[0]}] {f.area}：{f.message}" for f in report.failures]  # type: ignore[index]
        if report.ok and report.test_certificate:
            memo.append(f"[{pkg.volume[0]}] 签名使用测试证书：通过（测试证书，不得用于正式归档）")  # type: ignore[index]
        if pkg.transfer:
            import pikepdf

            with pikepdf.open(pkg.root / pkg.volume[0]) as pdf:  # type: ignore[index]
                if "签名核验证据.xml" not in pdf.attachments:
                    memo.append(f"[{pkg.volume[0]}] 移交件中没有内嵌的签名核验证据")  # type: ignore[index]
    failing = [m for m in memo if "测试证书" not in m]
    return (FAIL if failing else PASS), memo


def lengths(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    for rel, doc in metadata_records(pkg).items():
        for tag, limit in MAX_LENGTH.items():
            value = pkg.text_of(doc, tag)
            if len(value) > limit:
                memo.append(f"[{rel}文件里名为“{tag}”的节点值长度 {len(value)}，超过 {limit}]")
    return _verdict(memo)


def types(pkg: Pkg) -> tuple[str, list[str]]:
    return _verdict([p for problems in pkg.xml_problems.values() for p in problems])


def ranges(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    for rel, doc in metadata_records(pkg).items():
        for tag, domain in (("保管期限", RETENTIONS), ("密级", CLASSIFICATIONS)):
            for node in doc.iter(tag):
                value = (node.text or "").strip()
                if value not in domain:
                    where = node.getparent().tag if node.getparent() is not None else ""
                    memo.append(f"[{rel}文件里{where}中名为“{tag}”的节点值“{value}”不在值域 {'/'.join(domain)} 中]")
    return _verdict(memo)


def plausible(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    made = (pkg.summary.findtext("制作时间") or "")[:10] if pkg.summary is not None else ""
    for rel, doc in metadata_records(pkg).items():
        date = pkg.text_of(doc, "文件实体/日期")
        if made and date > made:
            memo.append(f"[{rel}文件里名为“日期”的节点值 {date} 晚于信息包制作时间 {made}]")
        for node in doc.iter("计算机文件大小"):
            if not (node.text or "").isdigit() or int(node.text or 0) <= 0:
                memo.append(f"[{rel}文件里名为“计算机文件大小”的节点值“{node.text}”不合理]")
        times = [a.findtext("行为时间") or "" for a in doc.iter("业务行为")]
        if times != sorted(times):
            memo.append(f"[{rel}] 业务行为的时间先后与办理顺序不符")
    return _verdict(memo)


def characters(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    for rel, doc in pkg.records.items():
        for node in doc.iter():
            for text in [node.text or "", *node.attrib.values()]:
                if _CONTROL.search(text):
                    memo.append(f"[{rel}文件里名为“{node.tag}”的节点值含控制字符或替换字符]")
                    break
    return _verdict(memo)


def codes(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    for rel, doc in metadata_records(pkg).items():
        code = pkg.text_of(doc, "电子文件号")
        folder = rel.split("/")[0]
        if not re.fullmatch(re.escape(folder) + r"-\d{4}", code):
            memo.append(f"[{rel}文件里的档号“{code}”不是“案卷档号-四位件号”的形式]")
        if Path(rel).stem != code:
            memo.append(f"[{rel}] 文件名与档号“{code}”不一致")
    return _verdict(memo)


def duplicates(pkg: Pkg) -> tuple[str, list[str]]:
    seen: dict[tuple, str] = {}
    memo = []
    for rel, doc in metadata_records(pkg).items():
        for key in (("档号", pkg.text_of(doc, "电子文件号")),
                    ("题名+日期+文件编号", pkg.text_of(doc, "文件实体/题名"), pkg.text_of(doc, "文件实体/日期"),
                     pkg.text_of(doc, "文件实体/文件编号"))):
            if key in seen:
                memo.append(f"[{rel}] 与 {seen[key]} 的{key[0]}重复")
            seen[key] = rel
    return _verdict(memo)


def _entries(doc) -> list[etree._Element]:
    return [n for n in doc.iter("计算机文件", "附件", "所在案卷") if n.find("计算机文件名") is not None]


def properties(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    for rel, doc in metadata_records(pkg).items():
        folder = pkg.root / rel.split("/")[0]
        for node in _entries(doc):
            name = node.findtext("计算机文件名") or ""
            path = folder / name
            if not path.is_file():
                memo.append(f"[{rel}文件里名为“计算机文件名”的节点值“{name}”对应的文件不存在]")
                continue
            if str(path.stat().st_size) != (node.findtext("计算机文件大小") or ""):
                memo.append(f"[{rel}] {name} 的大小与元数据不符")
            found = pkg.digests(path.relative_to(pkg.root).as_posix())
            for d in node.findall("数字摘要"):
                if found.get(d.get("算法") or "") != d.text:
                    memo.append(f"[{rel}] {name} 的 {d.get('算法')} 摘要与元数据不符")
            fmt = (node.findtext("格式信息") or "").split("/")[0].split("-")[0]
            magic = _MAGIC.get("PDF" if fmt == "PDF" else fmt)
            if magic and not _head(path).startswith(magic):
                memo.append(f"[{rel}] {name} 的内容不是元数据所记的格式 {fmt}")
    return _verdict(memo)


def links(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    records = metadata_records(pkg)
    renditions = {rel for rel, e in pkg.listing.items() if e["role"] == "原文"}
    for rel in records:
        if rel.removesuffix(".xml") + ".pdf" not in renditions:
            memo.append(f"[{rel}] 元数据没有对应的电子文件")
    for rel in renditions:
        if rel.removesuffix(".pdf") + ".xml" not in records:
            memo.append(f"[{rel}] 电子文件没有对应的元数据")
    catalogue = pkg.records.get("文件目录.xml")
    if catalogue is not None:
        names = {n.findtext("电子档案名称") for n in catalogue.iter("文件")}
        for rel in renditions - names:
            memo.append(f"[文件目录.xml] 未列出 {rel}")
        for name in names - renditions:
            memo.append(f"[文件目录.xml] 所列“{name}”不在信息包中")
    return _verdict(memo)


def structure(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    for name in ("说明文件.xml", "案卷目录.xml", "文件目录.xml"):
        if not (pkg.root / name).is_file():
            memo.append(f"缺少 {name}")
    if pkg.volume is None:
        memo.append("缺少案卷文件夹或案卷文件")
    if not any((pkg.root / "其他").glob("*.xsd")):
        memo.append("其他/ 中没有 XML 模式文件")
    return _verdict(memo)


def counts(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    if pkg.summary is None:
        return FAIL, ["说明文件.xml 无法读取"]
    declared = int(pkg.summary.findtext("数量/归档文件数量") or -1)
    records = len(metadata_records(pkg))
    catalogue = pkg.records.get("文件目录.xml")
    rows = len(catalogue.findall("文件")) if catalogue is not None else -1
    manifest = pkg.volume_report().manifest if pkg.volume_report() is not None else None
    in_volume = int(manifest["item_count"]) if manifest else -1
    if len({declared, records, rows, in_volume}) != 1:
        memo.append(f"说明文件记 {declared} 件，元数据 {records} 份，文件目录 {rows} 条，案卷清单 {in_volume} 件")
    return _verdict(memo)


def sizes(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    if pkg.summary is None:
        return FAIL, ["说明文件.xml 无法读取"]
    declared = int(pkg.summary.findtext("数量/总字节数") or -1)
    listed = sum(e["size"] for e in pkg.listing.values())
    found = sum((pkg.root / rel).stat().st_size for rel in pkg.listing if (pkg.root / rel).is_file())
    if not declared == listed == found:
        memo.append(f"说明文件记总字节数 {declared}，文件清单合计 {listed}，实有 {found}")
    if int(pkg.summary.findtext("数量/计算机文件数") or -1) != len(pkg.listing):
        memo.append("说明文件所记计算机文件数与文件清单不符")
    return _verdict(memo)


def elements(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    for rel, doc in metadata_records(pkg).items():
        for tag in ("来源", "档号", "文件实体", "业务实体", "机构人员实体", "电子签名块"):
            if doc.find(tag) is None:
                memo.append(f"[{rel}文件里缺少名为“{tag}”的元数据项]")
    return _verdict(memo)


def required(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    for rel, doc in metadata_records(pkg).items():
        for tag in ("文件实体/题名", "文件实体/责任者", "文件实体/日期", "文件实体/保管期限", "文件实体/密级",
                    "文件实体/计算机文件/计算机文件名", "电子文件号"):
            if not pkg.text_of(doc, tag):
                memo.append(f"[{rel}文件里名为“{tag.split('/')[-1]}”的节点值为空]")
    return _verdict(memo)


def numbering(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    records = metadata_records(pkg)
    numbers = sorted(int(pkg.text_of(doc, "档号/件号") or 0) for doc in records.values())
    if numbers != list(range(1, len(numbers) + 1)):
        memo.append(f"件号不连续：{numbers}")
    pages = sorted(tuple(int(x) for x in (pkg.text_of(doc, "档号/页号") + "-").split("-")[:2] if x)
                   for doc in records.values())
    expect = 1
    for span in pages:
        if span[0] != expect:
            memo.append(f"页号不连续：应从第{expect}页起，实为第{span[0]}页")
        expect = span[-1] + 1
    report = pkg.volume_report()
    if report is not None:
        memo += [f.message for f in report.failures if f.area == "完整性"]
    return _verdict(memo)


def process(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    for rel, doc in metadata_records(pkg).items():
        names = [a.findtext("行为名称") for a in doc.iter("业务行为")]
        missing = [n for n in PROCESS if n not in names]
        if missing:
            memo.append(f"[{rel}] 缺少业务行为：{'、'.join(missing)}")
        for action in doc.iter("业务行为"):
            if not (action.findtext("行为时间") and action.findtext("行为依据")):
                memo.append(f"[{rel}] 业务行为“{action.findtext('行为名称')}”缺少时间或依据")
    return _verdict(memo)


def attachments(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    report = pkg.volume_report()
    manifest = report.manifest if report is not None else None
    if not manifest:
        return FAIL, ["案卷清单不可读，无法核对附件"]
    records = metadata_records(pkg)
    folder = pkg.volume[0].split("/")[0] if pkg.volume else ""
    for item in manifest["items"]:
        rel = f"{folder}/{folder}-{item['seq']:04d}.xml"
        doc = records.get(rel)
        if doc is None:
            memo.append(f"[第{item['seq']}件] 没有元数据")
            continue
        have = len(doc.findall("文件实体/附件"))
        if have != len(item.get("attachments", [])):
            memo.append(f"[{rel}] 记附件 {have} 份，案卷中为 {len(item.get('attachments', []))} 份")
    return _verdict(memo)


def readable(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    for rel, problems in pkg.xml_problems.items():
        if any("无法解析" in p or "无法读取" in p for p in problems):
            memo.append(f"[{rel}] 无法读取")
        elif not (pkg.root / rel).read_bytes().startswith(b'<?xml version=\'1.0\' encoding=\'UTF-8\'?>'):
            memo.append(f"[{rel}] 未声明 UTF-8 编码")
    return _verdict(memo)


def opens(pkg: Pkg) -> tuple[str, list[str]]:
    import pikepdf
    from PIL import Image

    memo = []
    for rel in pkg.listing:
        path = pkg.root / rel
        if not path.is_file():
            continue
        try:
            if path.suffix == ".pdf":
                with pikepdf.open(path) as pdf:
                    if len(pdf.pages) == 0:
                        memo.append(f"[{rel}] 没有页面")
            elif path.suffix in (".png", ".jpg", ".jpeg", ".tif", ".tiff"):
                with Image.open(path) as img:
                    img.verify()
        except (pikepdf.PdfError, OSError, ValueError) as exc:
            memo.append(f"[{rel}] 无法打开：{exc}")
    return _verdict(memo)


def formats(pkg: Pkg) -> tuple[str, list[str]]:
    import pikepdf.pdfa as pikepdf_pdfa

    from toolkit import pdfa_schemas
    from toolkit.dossier import pdfa

    pdfa_schemas.install()  # the volumes of a package: scans and all, large files

    memo = []
    for rel, entry in pkg.listing.items():
        path = pkg.root / rel
        if entry["role"] == "原文" and path.is_file():
            result = pikepdf_pdfa.validate_written(path, pdfa.FLAVOUR)
            if not result.passed:
                memo.append(f"[{rel}] 不符合 {pdfa.FLAVOUR_NAME}")
        if entry["role"] in ("附件", "原件") and path.suffix.lower() not in (".pdf", ".png", ".jpg", ".jpeg", ".tif",
                                                                          ".tiff", ".ofd"):
            memo.append(f"[{rel}] 不是归档格式（PDF、OFD、JPEG、PNG、TIFF）")
    report = pkg.volume_report()
    if report is not None:
        memo += [f"[{pkg.volume[0]}] {f.message}" for f in report.failures if f.area == "PDF/A"]  # type: ignore[index]
    return _verdict(memo)


def environment(pkg: Pkg) -> tuple[str, list[str]]:
    if pkg.summary is None or not (pkg.summary.findtext("信息系统/信息系统描述") or "").strip():
        return FAIL, ["说明文件未记录形成和处理电子文件的软硬件环境（信息系统描述）"]
    return PASS, []


def no_encryption(pkg: Pkg) -> tuple[str, list[str]]:
    import pikepdf

    memo = []
    for rel in pkg.listing:
        path = pkg.root / rel
        if path.suffix == ".pdf" and path.is_file():
            try:
                with pikepdf.open(path) as pdf:
                    if pdf.is_encrypted:
                        memo.append(f"[{rel}] 已加密")
            except pikepdf.PasswordError:
                memo.append(f"[{rel}] 已加密（需要口令）")
            except pikepdf.PdfError:
                pass  # reported by the readability item
    if pkg.zip_path is not None:
        with zipfile.ZipFile(pkg.zip_path) as z:
            for info in z.infolist():
                if info.flag_bits & 0x1:
                    memo.append(f"[{info.filename}] ZIP 条目已加密")
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    memo.append(f"[{info.filename}] ZIP 条目使用了非公开或非常用的压缩算法（{info.compress_type}）")
    return _verdict(memo)


def virus(pkg: Pkg) -> tuple[str, list[str]]:
    return SKIP, ["rcmz 不含病毒检测引擎：请用本单位的杀毒软件检测后记录"]


def stray(pkg: Pkg) -> tuple[str, list[str]]:
    memo = []
    listed = set(pkg.listing)
    for rel in pkg.files:
        if rel not in listed and rel not in UNLISTED:
            memo.append(f"[{rel}] 说明文件未列出的文件")
    for rel in listed - set(pkg.files):
        memo.append(f"[{rel}] 说明文件所列文件缺失")
    return _verdict(memo)


def provenance(pkg: Pkg) -> tuple[str, list[str]]:
    report = pkg.volume_report()
    manifest = report.manifest if report is not None else None
    if not manifest:
        return FAIL, ["案卷清单不可读"]
    memo = []
    if manifest.get("dirty"):
        memo.append("案卷由有未提交修改的案件材料生成（草稿）")
    if not manifest.get("git_commit"):
        memo.append("案卷清单未记录案件材料的 git 提交")
    return _verdict(memo)


#: (property, number, name, check) — the order of the report.
ITEMS: tuple[tuple[str, int, str, Check], ...] = (
    ("1", 1, "固化信息有效性检测（数字摘要、电子签名、时间戳）", fixity),
    ("1", 2, "元数据项数据长度检测", lengths),
    ("1", 3, "元数据项数据类型和格式检测", types),
    ("1", 4, "设定值域的元数据项值域符合度检测", ranges),
    ("1", 5, "元数据项数据值合理性检测", plausible),
    ("1", 6, "元数据项数据包含特殊字符检测", characters),
    ("1", 7, "档号规范性检测", codes),
    ("1", 8, "元数据项数据重复性检测", duplicates),
    ("1", 9, "电子文件内容真实性检测（电子属性与元数据一致）", properties),
    ("1", 10, "元数据与内容关联真实性检测", links),
    ("1", 11, "归档信息包结构规范性检测", structure),
    ("2", 1, "总件数相符性检测", counts),
    ("2", 2, "总字节数相符性检测", sizes),
    ("2", 3, "元数据项完整性检测", elements),
    ("2", 4, "元数据必填著录项检测", required),
    ("2", 5, "连续编号检测（件号、页号）", numbering),
    ("2", 6, "过程信息完整性检测（业务行为）", process),
    ("2", 7, "附件数据完整性检测", attachments),
    ("3", 1, "元数据可读性检测", readable),
    ("3", 2, "电子文件内容可读性检测", opens),
    ("3", 3, "电子文件格式符合归档要求检测", formats),
    ("3", 4, "软硬件环境记录检测", environment),
    ("3", 5, "非公开压缩算法与加密检测", no_encryption),
    ("4", 1, "病毒检测", virus),
    ("4", 2, "信息包无多余或缺失文件检测", stray),
    ("4", 3, "归档过程安全性检测（材料已提交、来源可追溯）", provenance),
)


def check_package(path: Path, trust_roots=(), stage: str = "归档") -> FourReport:
    """Run every item over the package folder (or its ZIP) at ``path``."""
    path = Path(path)
    if path.is_file() and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory(prefix=".rcmz-tmp-pkg-") as tmp:
            with zipfile.ZipFile(path) as z:
                for info in z.infolist():
                    target = (Path(tmp) / info.filename).resolve()
                    if not target.is_relative_to(Path(tmp).resolve()):
                        raise RcmzError(f"{path} 中的条目“{info.filename}”指向信息包之外，拒绝解压")
                z.extractall(tmp)
            roots = [p for p in Path(tmp).iterdir() if p.is_dir()]
            if len(roots) != 1:
                raise RcmzError(f"{path} 应只有一个根文件夹（归档信息包-档号）")
            pkg = load(roots[0], trust_roots)
            pkg.zip_path = path
            return _run(pkg, stage)
    if not (path / "说明文件.xml").is_file():
        raise RcmzError(f"{path} 不是归档信息包：找不到 说明文件.xml")
    return _run(load(path, trust_roots), stage)


def _run(pkg: Pkg, stage: str) -> FourReport:
    prefix = STAGE_PREFIX[stage]
    items = []
    for prop, number, name, check in ITEMS:
        try:
            result, memo = check(pkg)
        except (OSError, ValueError, KeyError, etree.Error) as exc:
            result, memo = FAIL, [f"检测无法完成：{exc}"]
        items.append(Item(f"{prefix}-{prop}-{number}", name, result, memo))
    files = {rel: pkg.digests(rel)["SHA-256"] for rel in pkg.files if rel not in UNLISTED}
    report = pkg.volume_report()
    return FourReport(pkg.root.name, stage, dt.datetime.now(CHINA_TZ).replace(microsecond=0).isoformat(), items,
                      files, report.verdict if report is not None else "")


def recheck(path: Path, trust_roots=()) -> tuple[FourReport, FourReport | None, list[str]]:
    """长期保存 stage: the items again, the 归档 report found in the package, and what changed."""
    report = check_package(path, trust_roots, stage="长期保存")
    before = None
    data = _stored_report(Path(path))
    if data is not None:
        try:
            before = FourReport.from_xml(data)
        except etree.XMLSyntaxError:
            before = None
    changes = report.changes(before) if before is not None else ["信息包中没有可读的归档环节四性检测报告，无从比较"]
    return report, before, changes


def _head(path: Path, size: int = 8) -> bytes:
    """The first bytes of a file (the volume may be hundreds of MB: not read whole for them)."""
    with path.open("rb") as stream:
        return stream.read(size)


def _stored_report(path: Path) -> bytes | None:
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.count("/") == 1 and n.endswith("/四性检测报告.xml")]
            return z.read(names[0]) if names else None
    stored = path / "四性检测报告.xml"
    return stored.read_bytes() if stored.is_file() else None
