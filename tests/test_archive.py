"""rcmz archive: the 归档信息包 of every example case, its XML against the shipped schemas, its
digests (SHA-256, SM3), the DA/T 70 report and `rcmz verify --report` on it later, tampered
packages failing the right items, and the 去技术化 transfer copy."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import CASEFILES, EXAMPLES
from toolkit.archive import check_package
from toolkit.archive.fourcheck import FourReport, recheck
from toolkit.cli import main

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas" / "archive"
XSD_OF = {"说明文件": "说明文件.xsd", "案卷目录": "目录.xsd", "文件目录": "目录.xsd", "电子文件元数据": "元数据.xsd",
          "四性检测报告": "四性检测报告.xsd", "签名核验证据": "元数据.xsd"}


def git(folder, *args):
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=档案员", "-c", "user.email=t@example.invalid", *args],
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """Every example case archived once (2025-001 also with --transfer): case → output lines."""
    work = tmp_path_factory.mktemp("archive")
    cases = work / "casefiles"
    shutil.copytree(CASEFILES, cases)
    git(cases, "init", "-q")
    git(cases, "add", ".")
    git(cases, "commit", "-qm", "cases")
    mp = pytest.MonkeyPatch()
    mp.chdir(work)
    out = {}
    for name in EXAMPLES:
        args = ["archive", str(cases / name)] + (["--transfer"] if name == EXAMPLES[0] else [])
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output + result.stderr
        out[name] = [Path(line) for line in result.stdout.strip().splitlines()]
    yield work, out
    mp.undo()


def package(archived, name=EXAMPLES[0], transfer=False) -> tuple[Path, Path]:
    work, out = archived
    folders = [p for p in out[name] if p.suffix != ".zip"]
    zips = [p for p in out[name] if p.suffix == ".zip"]
    k = 1 if transfer else 0
    return work / folders[k], work / zips[k]


def xsd(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def copy_package(archived, tmp_path, name=EXAMPLES[0]) -> Path:
    folder, _ = package(archived, name)
    target = tmp_path / folder.name
    shutil.copytree(folder, target)
    return target


def roots(archived) -> list[Path]:
    """The test certificate's root, made in the working folder by the first dossier."""
    return [archived[0] / "build" / ".testcert" / "test-ca.pem"]


def results(report: FourReport) -> dict[str, str]:
    return {i.code: i.result for i in report.items}


def failing(report: FourReport) -> set[str]:
    return {i.code for i in report.items if i.result == "不通过"}


# --- the package ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_layout(archived, name):
    folder, zipped = package(archived, name)
    code = folder.name.removeprefix("归档信息包-")
    for part in ("说明文件.xml", "案卷目录.xml", "文件目录.xml", "四性检测报告.xml", "四性检测报告.pdf",
                 f"{code}/{code}.pdf", f"{code}/{code}-0001.pdf", f"{code}/{code}-0001.xml", "其他/元数据.xsd"):
        assert (folder / part).is_file(), part
    assert zipped.is_file() and Path(str(zipped) + ".校验值.txt").is_file()


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_xml_validates_against_its_schema(archived, name):
    folder, _ = package(archived, name)
    documents = sorted(folder.rglob("*.xml"))
    assert len(documents) > 5
    for path in documents:
        doc = etree.parse(str(path))
        schema = xsd(XSD_OF[doc.getroot().tag])
        assert schema.validate(doc), (path, schema.error_log)


def test_schema_rejects_a_wrong_value():
    schema = xsd("元数据.xsd")
    bad = etree.fromstring("<电子文件元数据><聚合层次>件</聚合层次></电子文件元数据>".encode())
    assert not schema.validate(bad)


def test_digests_of_every_listed_file(archived):
    folder, _ = package(archived)
    listing = etree.parse(str(folder / "说明文件.xml")).getroot().find("文件清单")
    entries = listing.findall("文件")
    assert len(entries) >= 10
    for node in entries:
        data = (folder / node.get("路径")).read_bytes()
        digests = {d.get("算法"): d.text for d in node.findall("数字摘要")}
        assert digests["SHA-256"] == hashlib.sha256(data).hexdigest()
        assert digests["SM3"] == hashlib.new("sm3", data).hexdigest()
        assert int(node.get("字节数")) == len(data)
    listed = {n.get("路径") for n in entries}
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk - listed == {"说明文件.xml", "四性检测报告.xml", "四性检测报告.pdf"}


def test_sm3_is_gb_t_32905():
    from toolkit.archive.digests import digests_of_bytes

    assert digests_of_bytes(b"abc")["SM3"] == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_zip_is_deflate_unencrypted_and_its_digest_file_matches(archived):
    folder, zipped = package(archived)
    with zipfile.ZipFile(zipped) as z:
        infos = [i for i in z.infolist() if not i.is_dir()]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED and not i.flag_bits & 1 for i in infos)
        assert {i.filename.split("/", 1)[0] for i in infos} == {folder.name}
        assert z.read(f"{folder.name}/说明文件.xml") == (folder / "说明文件.xml").read_bytes()
    sums = Path(str(zipped) + ".校验值.txt").read_text(encoding="utf-8")
    assert f"SHA-256  {hashlib.sha256(zipped.read_bytes()).hexdigest()}  {zipped.name}" in sums
    assert f"SM3  {hashlib.new('sm3', zipped.read_bytes()).hexdigest()}" in sums


def test_catalogue_and_summary_count_the_items(archived):
    folder, _ = package(archived)
    summary = etree.parse(str(folder / "说明文件.xml")).getroot()
    rows = etree.parse(str(folder / "文件目录.xml")).getroot().findall("文件")
    assert int(summary.findtext("数量/归档文件数量")) == len(rows) >= 5
    assert [int(r.findtext("顺序号")) for r in rows] == list(range(1, len(rows) + 1))
    assert summary.findtext("起始件号") == rows[0].findtext("档号")
    assert "rcmz" in summary.findtext("信息系统/信息系统描述")


def test_rendition_is_pdf_a_and_holds_the_items_pages(archived):
    import pikepdf.pdfa

    folder, _ = package(archived)
    code = folder.name.removeprefix("归档信息包-")
    record = etree.parse(str(folder / code / f"{code}-0001.xml")).getroot()
    pages = int(record.findtext("文件实体/页数"))
    path = folder / code / f"{code}-0001.pdf"
    assert pikepdf.pdfa.validate_written(path, "3b").passed
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == pages


def test_business_actions_from_steps_and_git_history(archived):
    work, _ = archived
    folder, _ = package(archived, "2025-003-hearing-deferral")
    code = folder.name.removeprefix("归档信息包-")
    record = etree.parse(str(folder / code / f"{code}-0001.xml")).getroot()
    actions = record.findall("业务实体/业务行为")
    names = [a.findtext("行为名称") for a in actions]
    assert names == ["申请", "受理", "启动审批", "调查核实", "听证", "审议认定", "反馈", "备案"]
    head = subprocess.run(["git", "-C", str(work / "casefiles"), "rev-parse", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    for action in actions:
        assert action.findtext("行为时间") and "第九条" in action.findtext("行为依据")
        assert action.find("记录").get("提交") == head
        assert action.find("记录").get("记录人") == "档案员"
    assert [a.findtext("行为时间") for a in actions] == sorted(a.findtext("行为时间") for a in actions)


def test_signature_block(archived):
    folder, _ = package(archived)
    code = folder.name.removeprefix("归档信息包-")
    record = etree.parse(str(folder / code / f"{code}-0002.xml")).getroot()
    sig = record.find("电子签名块/电子签名")
    assert "PAdES B-B" in sig.findtext("签名规则")
    assert sig.findtext("签名结果") == "通过（测试证书，不得用于正式归档）"
    assert sig.findtext("签名人") and sig.findtext("签名算法标识")
    assert re.fullmatch(r"[0-9a-f]{64}", sig.findtext("证书/指纹"))
    roles = {n.get("角色") for n in record.iter("机构人员")}
    assert {"立档单位", "立卷人", "检查人", "签名人", "责任者"} <= roles


def test_report_pdf_is_pdf_a_and_lists_the_items(archived):
    import pikepdf.pdfa
    from pypdf import PdfReader

    folder, _ = package(archived)
    path = folder / "四性检测报告.pdf"
    assert pikepdf.pdfa.validate_written(path, "3b").passed
    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    assert "电子档案四性检测报告" in text
    for code in ("GD-1-1", "GD-2-5", "GD-3-3", "GD-4-2"):
        assert code in text


def test_archive_report_at_filing_passes_except_the_virus_scan(archived):
    folder, _ = package(archived)
    report = FourReport.from_xml((folder / "四性检测报告.xml").read_bytes())
    assert report.stage == "归档" and len(report.items) == 26
    assert {i.code for i in report.items if i.result != "通过"} == {"GD-4-1"}
    assert results(report)["GD-4-1"] == "未检测"


# --- later: verify --report -----------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("form", ["folder", "zip"])
def test_round_trip_verify_report(archived, name, form):
    work, _ = archived
    folder, zipped = package(archived, name)
    target = folder if form == "folder" else zipped
    result = CliRunner().invoke(main, ["verify", "--report", str(target)], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    assert "长期保存环节" in result.stdout and "BC-1-1" in result.stdout
    assert "与归档时相比：无变化" in result.stdout
    assert "检测结果：通过" in result.stdout


def test_changed_rendition_fails_fixity_and_properties(archived, tmp_path):
    pkg = copy_package(archived, tmp_path)
    code = pkg.name.removeprefix("归档信息包-")
    target = pkg / code / f"{code}-0002.pdf"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x20
    target.write_bytes(bytes(data))
    report, _, changes = recheck(pkg, roots(archived))
    assert failing(report) >= {"BC-1-1", "BC-1-9"}
    assert failing(report) <= {"BC-1-1", "BC-1-9", "BC-3-2", "BC-3-3"}
    assert f"文件内容改变（SHA-256 不符）：{code}/{code}-0002.pdf" in changes
    assert "BC-1-1 固化信息有效性检测（数字摘要、电子签名、时间戳）：通过 → 不通过" in changes
    memo = next(i.memo for i in report.items if i.code == "BC-1-1")
    assert any(f"{code}-0002.pdf" in m for m in memo)


def test_missing_attachment_fails_completeness_items(archived, tmp_path):
    pkg = copy_package(archived, tmp_path)
    attachment = next(pkg.rglob("*-附件1.*"))
    attachment.unlink()
    report, _, changes = recheck(pkg, roots(archived))
    assert {"BC-1-1", "BC-1-9", "BC-4-2"} <= failing(report)
    assert any("文件缺失" in c and attachment.name in c for c in changes)


def test_stray_file_fails_only_the_carrier_item(archived, tmp_path):
    pkg = copy_package(archived, tmp_path)
    (pkg / "说明.txt").write_text("后加的", encoding="utf-8")
    report = check_package(pkg, roots(archived))
    assert failing(report) == {"GD-4-2"}
    assert any("说明.txt" in m for i in report.items for m in i.memo)


def test_out_of_range_metadata_value_fails_types_and_ranges(archived, tmp_path):
    pkg = copy_package(archived, tmp_path)
    code = pkg.name.removeprefix("归档信息包-")
    record = pkg / code / f"{code}-0001.xml"
    record.write_bytes(record.read_bytes().replace("<保管期限>永久</保管期限>".encode(), "<保管期限>十年</保管期限>".encode(), 1))
    report = check_package(pkg, roots(archived))
    assert {"GD-1-3", "GD-1-4"} <= failing(report)
    assert "GD-1-1" in failing(report)   # the record no longer matches 说明文件's digest
    memo = next(i.memo for i in report.items if i.code == "GD-1-4")
    assert any(f"{code}-0001.xml" in m and "保管期限" in m for m in memo)


def test_missing_process_step_fails_process_item(archived, tmp_path):
    pkg = copy_package(archived, tmp_path)
    code = pkg.name.removeprefix("归档信息包-")
    record = pkg / code / f"{code}-0003.xml"
    doc = etree.parse(str(record))
    business = doc.getroot().find("业务实体")
    for action in business.findall("业务行为"):
        if action.findtext("行为名称") == "反馈":
            business.remove(action)
    doc.write(str(record), xml_declaration=True, encoding="UTF-8")
    report = check_package(pkg, roots(archived))
    assert "GD-2-6" in failing(report)
    memo = next(i.memo for i in report.items if i.code == "GD-2-6")
    assert any(f"{code}-0003.xml" in m and "反馈" in m for m in memo)


def test_tampered_volume_fails_fixity_with_the_signature_failure(archived, tmp_path):
    from test_dossier_support import content_offset, flip_byte

    pkg = copy_package(archived, tmp_path)
    code = pkg.name.removeprefix("归档信息包-")
    volume = pkg / code / f"{code}.pdf"
    flip_byte(volume, content_offset(volume.read_bytes()))
    report = check_package(pkg, roots(archived))
    assert "GD-1-1" in failing(report)
    memo = next(i.memo for i in report.items if i.code == "GD-1-1")
    assert any("签名" in m for m in memo)


def test_unpacking_refuses_entries_outside_the_package(tmp_path):
    from toolkit.errors import RcmzError

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../outside.txt", "x")
    with pytest.raises(RcmzError, match="之外"):
        check_package(evil)


def test_verify_report_on_something_else_is_a_chinese_message(tmp_path):
    result = CliRunner().invoke(main, ["verify", "--report", str(tmp_path)])
    assert result.exit_code == 1 and "不是归档信息包" in result.stderr


# --- the transfer copy -------------------------------------------------------------------------------


def test_transfer_copy_has_no_signature_and_carries_the_evidence(archived):
    import pikepdf.pdfa
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pypdf import PdfReader

    folder, _ = package(archived, transfer=True)
    assert folder.name.endswith("-移交")
    code = folder.name.removeprefix("归档信息包-").removesuffix("-移交")
    copy = folder / code / f"{code}-移交件.pdf"
    assert not (folder / code / f"{code}.pdf").exists()
    with copy.open("rb") as f:
        assert PdfFileReader(f).embedded_signatures == []
    assert pikepdf.pdfa.validate_written(copy, "3b").passed
    with pikepdf.open(copy) as pdf:
        assert "/AcroForm" not in pdf.Root or not any(
            f.get("/FT") == "/Sig" for f in pdf.Root.AcroForm.get("/Fields", []))
        evidence = pdf.attachments["签名核验证据.xml"].get_file().read_bytes()
        assert {str(pdf.Root.AF[i].F) for i in range(len(pdf.Root.AF))} == {"manifest.json", "签名核验证据.xml"}
    doc = etree.fromstring(evidence)
    assert xsd("元数据.xsd").validate(doc)
    proof = doc.find("电子签名块/电子签名/核验证据")
    assert proof.findtext("核验结果") == "通过（测试证书，不得用于正式归档）"
    assert "去技术化" in proof.findtext("签名数据处理")
    last = PdfReader(copy).pages[-1].extract_text()
    flat = re.sub(r"\s", "", last)
    assert "移除签名数据" in flat and re.search(r"\d{4}年\d{1,2}月\d{1,2}日", flat)


def test_transfer_package_metadata_and_report(archived):
    folder, _ = package(archived, transfer=True)
    code = folder.name.removeprefix("归档信息包-").removesuffix("-移交")
    record = etree.parse(str(folder / code / f"{code}-0001.xml")).getroot()
    assert "去技术化" in record.findtext("电子签名块/电子签名/核验证据/签名数据处理")
    summary = etree.parse(str(folder / "说明文件.xml")).getroot()
    assert summary.findtext("信息包类型") == "移交"
    report = FourReport.from_xml((folder / "四性检测报告.xml").read_bytes())
    assert {i.code for i in report.items if i.result != "通过"} == {"GD-4-1"}


def test_transfer_copy_matches_its_case_folder(archived):
    from toolkit.dossier import verify_dossier

    work, _ = archived
    folder, _ = package(archived, transfer=True)
    code = folder.name.removeprefix("归档信息包-").removesuffix("-移交")
    report = verify_dossier(folder / code / f"{code}-移交件.pdf", [], work / "casefiles" / EXAMPLES[0],
                            require_signature=False)
    assert not report.failures, report.text()


# --- refusals ------------------------------------------------------------------------------------


def test_existing_package_is_not_overwritten(archived):
    work, out = archived
    name = EXAMPLES[1]
    volume = next((work / out[name][0]).parent.parent.glob("*-案卷*.pdf"))
    result = CliRunner().invoke(main, ["archive", str(work / "casefiles" / name), "--volume", str(volume)])
    assert result.exit_code == 1 and "不会覆盖" in result.stderr


def test_unsigned_volume_is_not_archived(archived, tmp_path):
    work, out = archived
    name = EXAMPLES[1]
    volume = next((work / out[name][0]).parent.parent.glob("*-案卷*.pdf"))
    unsigned = tmp_path / "unsigned.pdf"
    from toolkit.dossier.verify import first_revision

    unsigned.write_bytes(first_revision(volume.read_bytes()))
    result = CliRunner().invoke(main, ["archive", str(work / "casefiles" / name), "--volume", str(unsigned),
                                       "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "不能归档" in result.stderr and "Traceback" not in result.output
    with pikepdf.open(unsigned):
        pass
