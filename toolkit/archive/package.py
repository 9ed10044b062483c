"""``build_package``: a case's signed volume → the 归档信息包, as a folder and a ZIP.

Layout (the 2012 《电子档案移交与接收办法》 structure, DA/T 93-2022 and a receiver that follows
both, ARCHIVE.md §1.3)::

    归档信息包-<档号>/
      说明文件.xml          who, what, how many, the system, every file with SHA-256 and SM3
      案卷目录.xml  文件目录.xml
      <档号>/              one folder per 档号 (the volume's)
        <档号>.pdf                 the signed volume (移交件: <档号>-移交件.pdf, signature removed)
        <档号>-0001.pdf            each 件's PDF/A-3b rendition (its pages of the volume)
        <档号>-0001-附件1.png      the originals of its attachments (scans: -原件)
        <档号>-0001.xml            its DA/T 46 metadata
      其他/                the XML schemas (schemas/archive/*.xsd)
      四性检测报告.xml  四性检测报告.pdf   the DA/T 70 归档 report (made last, not in 说明文件)
    归档信息包-<档号>.zip  and  .zip.校验值.txt (SHA-256 and SM3 of the ZIP and of 说明文件.xml)

Every XML file is validated against its schema before the package is published.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pikepdf.pdfa as pikepdf_pdfa
from pikepdf import Name

from toolkit.archive import metadata as md
from toolkit.archive.business import business_actions
from toolkit.archive.digests import digests_of_file
from toolkit.archive.transfer import transfer_copy
from toolkit.archive.xml import schema_files, to_bytes, validate
from toolkit.atomic import work_dir
from toolkit.case.model import Case
from toolkit.dossier import pdfa
from toolkit.dossier.verify import VerifyReport, unsigned_revision
from toolkit.dossier.verify.volume import label_ranges, plan_from_labels
from toolkit.errors import RcmzError

CHINA_TZ = dt.timezone(dt.timedelta(hours=8))
REPORT_NAME = "四性检测报告"
OTHER = "其他"


@dataclass(frozen=True)
class Package:
    folder: Path
    zip: Path
    digests_file: Path
    code: str
    transfer: bool


def archive_info(case: Case, config) -> dict:
    """档号 parts and the cover fields of the case's volume (as the dossier takes them)."""
    volume = case.get("filing", "volume", default={}) or {}
    archive = config["archive"]
    return {"fonds_no": archive["fonds_no"], "catalogue_no": str(volume.get("catalogue_no", archive["catalogue_no"])),
            "volume_no": str(volume["volume_no"]),
            "retention": volume.get("retention", archive.get("retention", "永久")),
            "classification": volume.get("classification", archive.get("classification", "内部")),
            "unit": config["party_committee"], "compiler": volume.get("compiler", ""),
            "checker": volume.get("checker", "")}


def signature_evidence(report: VerifyReport, volume: md.FileEntry, *, removed: str = "") -> dict:
    """The 电子签名 block's values from the verification of the volume."""
    if not report.signatures:
        return {}
    sig = report.signatures[0]
    cert = sig.get("certificate", {})
    stamps = []
    if sig.get("timestamp"):
        stamps.append({"kind": "签名时间戳", "time": sig["timestamp"], "tsa": "", "not_after": ""})
    stamps += [{"kind": "文档时间戳", "time": t["time"], "tsa": t["tsa"], "not_after": t.get("not_after")}
               for t in report.timestamps]
    long_term = sig.get("level") in ("B-LT", "B-LTA")
    return {
        "rule": f"PAdES {sig.get('level')}（ETSI EN 319 142-1），/SubFilter /ETSI.CAdES.detached",
        "time": sig.get("best_signature_time") or sig.get("timestamp") or sig.get("signing_time") or "",
        "signer": sig["signer"], "result": report.verdict, "certificate": cert,
        "chain": f"签发者：{cert.get('issuer') or ''}；证书 SHA-256 指纹 {cert.get('sha256') or ''}",
        "algorithm": sig.get("algorithm", ""), "level": sig.get("level", ""), "timestamps": stamps,
        "revocation": ("长期验证通过：签名时证书未被吊销（依据 DSS 中的吊销列表）" if long_term and report.ok
                       else "未核对吊销状态（本卷无长期验证信息）" if not long_term else "长期验证未通过"),
        "file": Path(volume.path).name, "digests": volume.digests,
        "verified_at": dt.datetime.now(CHINA_TZ).replace(microsecond=0).isoformat(),
        "verdict": report.verdict, "removed": removed,
    }


def _entry(root: Path, path: Path, role: str, fmt: str, item: int | None = None) -> md.FileEntry:
    return md.FileEntry(path.relative_to(root).as_posix(), role, path.stat().st_size, digests_of_file(path), fmt, item)


def _renditions(signed: Path, items: list[dict], folder: Path, code: str) -> dict[int, Path]:
    """Each 件's pages of the unsigned (PDF/A-3b) volume ``signed`` as a PDF/A-3b file of its own."""
    out = {}
    with unsigned_revision(signed) as revision, pikepdf.open(revision) as volume:
        plan = plan_from_labels(label_ranges(volume), len(volume.pages))
        if plan is None:
            raise RcmzError("案卷的页面标签不是 封面/目录/1…N/备考表 的结构：无法拆出各件")
        for item in items:
            s, t = item["pages"]
            target = folder / f"{code}-{item['seq']:04d}.pdf"
            with pikepdf.new() as piece:
                for n in range(s, t + 1):
                    piece.pages.append(volume.pages[plan.content_index(n)])
                for page in piece.pages:
                    if Name.Annots in page.obj:  # links into the volume lead nowhere here
                        del page.obj[Name.Annots]
                with piece.open_metadata(set_pikepdf_as_editor=False) as meta:
                    meta["dc:title"] = item["title"]
                    meta["dc:creator"] = [item["author"]]
                    meta["dc:identifier"] = f"{code}-{item['seq']:04d}"
                try:
                    pikepdf_pdfa.save(piece, target, pdfa.FLAVOUR, repair=True, **pdfa.SAVE_KWARGS)
                except pikepdf_pdfa.PdfaError as exc:
                    raise RcmzError(f"第{item['seq']}件的 PDF/A 文件无法生成：\n{pdfa.describe(exc.report)}") from None
            out[item["seq"]] = target
    return out


_FORMATS = {".pdf": "PDF", ".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF",
            ".ofd": "OFD"}


def _format(path: Path) -> str:
    return _FORMATS.get(path.suffix.lower(), path.suffix.lstrip(".").upper() or "未知")


def build_package(case: Case, config, volume: Path, report: VerifyReport, out_dir: Path, *, book,
                  trust_roots=(), transfer: bool = False) -> Package:
    """Write the package of ``case`` (see the module docstring); ``report`` is the verification of
    ``volume``.  ``transfer``: the 移交 variant with the 去技术化 copy instead of the signed volume."""
    from toolkit.archive.fourcheck import check_package

    manifest = report.manifest
    if manifest is None:
        raise RcmzError(f"{volume} 中没有可读的清单 manifest.json：无法整理归档信息包")
    info = archive_info(case, config)
    code = manifest["archive_code"]
    name = f"归档信息包-{code}" + ("-移交" if transfer else "")
    final = Path(out_dir) / name
    if final.exists() or final.with_suffix(".zip").exists():
        raise RcmzError(f"{final} 已存在，不会覆盖：请换一个输出文件夹或先移走旧的信息包")
    with work_dir(Path(out_dir)) as work:
        root = work / name
        folder = root / code
        folder.mkdir(parents=True)
        now = dt.datetime.now(CHINA_TZ).replace(microsecond=0)
        volume_digests = digests_of_file(volume)  # read in chunks: the volume may be hundreds of MB
        signed_entry = md.FileEntry(volume.name, "案卷", volume.stat().st_size, volume_digests, pdfa.FLAVOUR_NAME)
        if transfer:
            removed = f"{now:%Y年%-m月%-d日}核验通过后，按移交要求移除签名数据（去技术化），保留核验结果"
            evidence = signature_evidence(report, signed_entry, removed=removed)
            evidence_root = md.el(None, "签名核验证据", 说明=md.STANDARD_NOTE)
            md.signature_block(evidence_root, evidence)
            evidence_xml = to_bytes(evidence_root)
            problems = validate(evidence_xml, "签名核验证据.xml")
            if problems:
                raise RcmzError("签名核验证据不符合其 XML 模式：\n" + "\n".join(problems))
            note = (f"电子签名核验：本卷于{now:%Y年%-m月%-d日}经 rcmz 核验，结论：{report.verdict}；"
                    f"签名人：{evidence['signer']}；级别：PAdES {evidence['level']}。移交时按去技术化要求移除签名数据，"
                    f"核验证据见内嵌文件“签名核验证据.xml”。原签名案卷 SHA-256：{volume_digests['SHA-256']}")
            target = folder / f"{code}-移交件.pdf"
            transfer_copy(volume, evidence_xml, note, target, book)
            volume_entry = _entry(root, target, "移交件", pdfa.FLAVOUR_NAME)
        else:
            target = folder / f"{code}.pdf"
            shutil.copyfile(volume, target)
            volume_entry = _entry(root, target, "案卷", pdfa.FLAVOUR_NAME)
            evidence = signature_evidence(report, volume_entry)
        files = [volume_entry]
        renditions = _renditions(volume, manifest["items"], folder, code)
        pieces = []
        for item in manifest["items"]:
            seq = item["seq"]
            rendition = _entry(root, renditions[seq], "原文", pdfa.FLAVOUR_NAME, seq)
            piece = md.Piece(seq, f"{code}-{seq:04d}", item, rendition)
            files.append(rendition)
            if item.get("scan_original"):
                src = case.folder / item["file"]
                dst = folder / f"{code}-{seq:04d}-原件{src.suffix.lower()}"
                shutil.copyfile(src, dst)
                piece.original = _entry(root, dst, "原件", _format(src), seq)
                files.append(piece.original)
            for k, att in enumerate(item.get("attachments", []), 1):
                src = case.folder / att["file"]
                dst = folder / f"{code}-{seq:04d}-附件{k}{src.suffix.lower()}"
                shutil.copyfile(src, dst)
                entry = _entry(root, dst, "附件", _format(src), seq)
                piece.attachments.append((att, entry))
                files.append(entry)
            pieces.append(piece)
        actions = business_actions(case, str((config.get("measures") or {}).get("title", "")))
        people = [("立档单位", info["unit"]), ("立卷人", info["compiler"]), ("检查人", info["checker"])]
        if evidence.get("signer"):
            people.append(("签名人", evidence["signer"]))
        xml_files: list[tuple[Path, bytes]] = []
        for piece in pieces:
            record = md.piece_record(piece, manifest, info, actions,
                                     people + [("责任者", piece.item["author"])], evidence, volume_entry)
            xml_files.append((folder / f"{piece.code}.xml", to_bytes(record)))
        rows = [{"顺序号": p.seq, "档号": p.code, "责任者": p.item["author"], "题名": p.item["title"],
                 "日期": p.item["date"], "密级": info["classification"], "页数": p.item["pages"][1] - p.item["pages"][0] + 1,
                 "电子档案名称": p.rendition.path, "备注": p.item.get("remark", "")} for p in pieces]
        xml_files.append((root / "文件目录.xml", to_bytes(md.catalogue("文件目录", rows))))
        volume_row = {"顺序号": 1, "档号": code, "责任者": manifest["fonds_name"], "题名": manifest["volume_title"],
                      "日期": manifest["compiled_on"], "密级": info["classification"],
                      "页数": manifest["content_pages"], "电子档案名称": volume_entry.path,
                      "备注": "移交件（签名数据已移除，核验证据内嵌）" if transfer else f"签名级别 PAdES {evidence.get('level', '')}"}
        xml_files.append((root / "案卷目录.xml", to_bytes(md.catalogue("案卷目录", [volume_row]))))
        problems = []
        for path, data in xml_files:
            problems += validate(data, path.relative_to(root).as_posix())
            path.write_bytes(data)
            files.append(_entry(root, path, "元数据" if path.parent == folder else "目录", "XML",
                                int(path.stem[-4:]) if path.parent == folder else None))
        (root / OTHER).mkdir()
        for xsd in schema_files():
            shutil.copyfile(xsd, root / OTHER / xsd.name)
            files.append(_entry(root, root / OTHER / xsd.name, "模式", "XSD"))
        summary = md.description({
            "载体编号": "", "移交单位": info["unit"], "接收单位": "", "年度": manifest["compiled_on"][:4],
            "保管期限": info["retention"], "密级": info["classification"], "案卷数": 1, "件数": len(pieces),
            "起始件号": f"{pieces[0].code}", "截止件号": f"{pieces[-1].code}", "制作时间": now.isoformat(),
            "信息包类型": "移交" if transfer else "归档"}, files)
        summary_bytes = to_bytes(summary)
        problems += validate(summary_bytes, "说明文件.xml")
        if problems:
            raise RcmzError("归档信息包的 XML 不符合其模式（rcmz 的缺陷）：\n" + "\n".join(problems))
        (root / "说明文件.xml").write_bytes(summary_bytes)
        four = check_package(root, trust_roots=trust_roots, stage="归档")
        four.write(root / f"{REPORT_NAME}.xml", root / f"{REPORT_NAME}.pdf", book)
        zip_tmp = work / f"{name}.zip"
        _zip(root, zip_tmp)
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        os.replace(root, final)
        zip_final = final.with_suffix(".zip")
        os.replace(zip_tmp, zip_final)
    sums = digests_of_file(zip_final)
    inner = digests_of_file(final / "说明文件.xml")
    digests_file = zip_final.with_name(zip_final.name + ".校验值.txt")
    digests_file.write_text("".join(f"{alg}  {value}  {zip_final.name}\n" for alg, value in sums.items())
                            + "".join(f"{alg}  {value}  {name}/说明文件.xml\n" for alg, value in inner.items()),
                            encoding="utf-8")
    return Package(final, zip_final, digests_file, code, transfer)


def _zip(root: Path, target: Path) -> None:
    """Deflate (a public algorithm), no encryption, entries in name order, UTF-8 names."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path in sorted(root.rglob("*")):
            arc = (Path(root.name) / path.relative_to(root)).as_posix()
            if path.is_dir():
                z.writestr(zipfile.ZipInfo(arc + "/", (1980, 1, 1, 0, 0, 0)), b"")
            else:
                info = zipfile.ZipInfo(arc, (1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                info.file_size = path.stat().st_size  # zipfile decides on ZIP64 from it
                # copied in chunks: the volume may be hundreds of MB
                with path.open("rb") as source, z.open(info, "w") as entry:
                    shutil.copyfileobj(source, entry, 1 << 20)
