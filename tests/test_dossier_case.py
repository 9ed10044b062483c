"""The dossier of a real case folder, as `rcmz dossier` and `rcmz verify` build and check it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import edit
from test_dossier_support import content_offset
from toolkit.cli import main


def git(folder, *args):
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


@pytest.fixture
def repo(cases_dir, monkeypatch):
    """The example cases committed to a git repository; the working folder beside it."""
    git(cases_dir, "init", "-q")
    git(cases_dir, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "add", ".")
    git(cases_dir, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "cases")
    monkeypatch.chdir(cases_dir.parent)
    return cases_dir


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result


def outline_titles(path):
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        def walk(items, depth=0):
            for item in items:
                yield depth, item.title
                yield from walk(item.children, depth + 1)
        return list(walk(outline.root))


def text_of(path):
    """All text of the PDF with line breaks and wrap indents (full-width spaces) removed."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(path).pages))


def test_committed_case_gives_a_signed_verified_dossier(repo):
    case = repo / "2025-001-exempt-individual"
    result = run("dossier", case)
    assert result.exit_code == 0, result.output
    dossier = repo.parent / result.output.strip().splitlines()[-1]
    assert dossier.name == "2025-001-案卷.pdf"
    titles = outline_titles(dossier)
    documents = [t for depth, t in titles if depth == 0]
    # procedural order: application … decision, feedback, filing, follow-up
    order = ["容错免责申请书", "调查核实报告", "认定决定", "反馈告知书", "备案表", "回访谈话记录"]
    positions = [next(i for i, t in enumerate(documents) if word in t) for word in order]
    assert positions == sorted(positions)
    # attachments nested under their step's document
    nested = [t for depth, t in titles if depth == 1]
    assert any("询问笔录" in t for t in nested) and any("重新采购结果公告" in t for t in nested)
    text = text_of(dossier)
    assert "签章原件扫描件" in text  # the signed application replaces the generated one
    assert "《容错免责申请书》以签章原件扫描件归档" in text
    verified = run("verify", dossier, "--case", case)
    assert verified.exit_code == 0, verified.output
    assert "结论：通过" in verified.output


def _signature_offsets(data: bytes) -> dict[str, tuple[int, str]]:
    """Offsets of one byte in each part of the signed file, with what verify must say: page
    content before the signature (first signed byte range), the signature value inside
    /Contents (outside the digest, protected by the signature itself), the signing time after
    /Contents (second signed byte range)."""
    from asn1crypto import cms

    a, b, c, d = map(int, re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]",
                                    data).groups())
    assert a == 0 and c + d == len(data)            # the signature covers the whole file
    der = bytes.fromhex(data[b + 1:c - 1].decode("ascii"))    # between < and >, zero-padded
    signer = cms.ContentInfo.load(der, strict=False)["content"]["signer_infos"][0]
    value = signer["signature"].native
    stream = content_offset(data)
    signing_time = data.index(b"/M (D", c) + len(b"/M (D") + 4      # a digit of the year
    assert stream < b and c <= signing_time
    changed, invalid = "所保护的内容已被改动", "的签名值无效"
    return {"page content (signed range before /Contents)": (stream, changed),
            "signature value in /Contents":
                (b + 1 + 2 * (der.index(value) + len(value) // 2), invalid),
            "signing time (signed range after /Contents)": (signing_time, changed)}


def test_tampered_dossier_fails_verification(repo):
    """One changed byte anywhere that matters — page content, the signature value, the signed
    dictionary after it — and `rcmz verify` fails on the signature."""
    case = repo / "2025-002-refused-unit"
    dossier = repo.parent / run("dossier", case).output.strip().splitlines()[-1]
    original = dossier.read_bytes()
    assert "结论：通过" in run("verify", dossier).output
    for where, (offset, message) in _signature_offsets(original).items():
        data = bytearray(original)
        # "0" for anything else, "1" for a "0": a hex digit stays a hex digit (/Contents stays a
        # well-formed string), the year's digit a digit; the file parses, only the signature tells
        data[offset] = ord("1" if data[offset] == ord("0") else "0")
        tampered = dossier.with_name("tampered.pdf")
        tampered.write_bytes(bytes(data))
        result = run("verify", tampered)
        assert result.exit_code == 1, where
        assert "[不通过] 签名" in result.output and message in result.output, (where, result.output)


def test_changed_facts_fail_manifest_check(repo):
    case = repo / "2025-002-refused-unit"
    dossier = repo.parent / run("dossier", case).output.strip().splitlines()[-1]
    edit(case / "06-filing.yaml", {"phone": "0571-99999999"})
    result = run("verify", dossier, "--case", case)
    assert result.exit_code == 1
    assert "06-filing.yaml" in result.output


def test_uncommitted_case_is_an_unsigned_draft(repo):
    case = repo / "2025-003-hearing-deferral"
    edit(case / "06-filing.yaml", {"contact": "王某"})
    dossier = repo.parent / run("dossier", case).output.strip().splitlines()[-1]
    assert "草稿" in text_of(dossier)
    # one draft notice on the 备考表, in one wording
    assert text_of(dossier).count("为草稿") == 1 and "为草稿，不得归档" in text_of(dossier)
    assert PdfReader(dossier).get_fields() in (None, {}) or not any(
        f.get("/FT") == "/Sig" and f.get("/V") for f in PdfReader(dossier).get_fields().values())


def test_late_acceptance_is_noted_on_the_notes_sheet(repo):
    case = repo / "2025-001-exempt-individual"
    edit(case / "01-application.yaml", {"date": "2025-02-08",
                                        "late_acceptance": {"accepted_by": "局组织处处长何晓岚",
                                                            "reason": "申请人春节期间在外地"}})
    edit(case / "02-initiation.yaml", {"date": "2025-02-10"})
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", "late")
    dossier = repo.parent / run("dossier", case).output.strip().splitlines()[-1]
    text = text_of(dossier)
    assert "经局组织处处长何晓岚决定受理" in text and "申请人春节期间在外地" in text


def test_signed_dossier_is_never_overwritten(repo):
    case = repo / "2025-002-refused-unit"
    first = run("dossier", case).output.strip().splitlines()[-1]
    again = run("dossier", case)
    assert again.exit_code == 0 and again.output.strip().splitlines()[-1] == first
    assert "未重新生成和签名" in again.output and "--resign" in again.output
    second = run("dossier", case, "--resign").output.strip().splitlines()[-1]
    assert first != second and "v2" in second


def test_case_with_errors_builds_nothing(repo):
    case = repo / "2025-002-refused-unit"
    edit(case / "05-feedback.yaml", {"date": "2025-11-20"})
    result = run("dossier", case)
    assert result.exit_code == 1
    assert "反馈逾期" in result.output
    assert not (repo.parent / "build" / "2025-002-refused-unit").exists()


def test_all_cases_in_parallel_one_broken(repo):
    edit(repo / "2025-002-refused-unit" / "06-filing.yaml", {"date": "2025-11-01"})
    result = run("dossier", "--all", repo)
    assert result.exit_code == 1
    assert "失败：" in result.output and "2025-002-refused-unit" in result.output
    assert "共 4 个案件：成功 3 个，失败 1 个。" in result.output
    built = sorted((repo.parent / "build").glob("*/*-案卷.pdf"))
    assert [p.parent.name for p in built] == ["2025-001-exempt-individual", "2025-003-hearing-deferral",
                                              "2025-004-lighter-report-first"]


def test_the_volume_holds_what_happened(repo):
    """2025-004: the follow-up talk is only planned — not bound, not in the cover's time range;
    the signed feedback letter came back in two scans, bound together in the order listed."""
    case = repo / "2025-004-lighter-report-first"
    result = run("dossier", case)
    assert result.exit_code == 0, result.output
    dossier = repo.parent / result.output.strip().splitlines()[-1]
    titles = outline_titles(dossier)
    documents = [t for depth, t in titles if depth == 0]
    assert not any("回访谈话记录" in t for t in documents)
    feedback = next(i for i, (depth, t) in enumerate(titles) if depth == 0 and "反馈告知书" in t)
    assert titles[feedback + 1] == (1, "附件1\u3000送达回执（签收原件）")
    text = text_of(dossier)
    assert "自2026年1月至2026年3月" in text
    assert "《容错免责认定结果反馈告知书》以签章原件扫描件归档，代替系统生成件。" in text
    assert run("verify", dossier, "--case", case).exit_code == 0


def test_documents_formed_after_compilation_are_noted(repo):
    case = repo / "2025-003-hearing-deferral"
    dossier = repo.parent / run("dossier", case).output.strip().splitlines()[-1]
    text = text_of(dossier)
    assert "《澄清正名情况记录》形成于2026年4月15日，晚于立卷时间2026年4月9日，补充归档。" in text
    assert "《容错免责回访谈话记录》形成于2026年6月18日，晚于立卷时间2026年4月9日，补充归档。" in text
    assert "自2026年1月至2026年6月" in text



def test_the_bureaus_inputs_are_in_the_manifest_and_verify_names_a_changed_one(repo):
    """bureau.yaml, the holiday table, override templates and configured fonts are recorded with
    their SHA-256; after the volume is made, `rcmz verify --case` names whichever changed."""
    import json
    import shutil

    from toolkit.paths import TEMPLATES_DIR
    from toolkit.render.fonts import default_role_files

    (repo / "bureau-templates").mkdir()
    shutil.copy(TEMPLATES_DIR / "decision.xml.j2", repo / "bureau-templates" / "decision.xml.j2")
    (repo / "fonts").mkdir()
    songti = default_role_files()["songti"][0].rsplit("#", 1)[0]   # the face songti has anyway
    shutil.copy(songti, repo / "fonts" / f"song{Path(songti).suffix}")
    config = repo / "bureau.yaml"
    config.write_text(config.read_text(encoding="utf-8")
                      + f"templates: bureau-templates\nfonts:\n  songti: [fonts/song{Path(songti).suffix}]\n",
                      encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "bureau")
    case = repo / "2025-002-refused-unit"
    result = run("dossier", case)
    assert result.exit_code == 0, result.output
    dossier = repo.parent / result.output.strip().splitlines()[-1]
    with pikepdf.open(dossier) as pdf:
        manifest = json.loads(pdf.attachments["manifest.json"].get_file().read_bytes())
    inputs = {(entry["kind"], entry["path"]) for entry in manifest["inputs"]}
    assert inputs == {("config", "../bureau.yaml"), ("calendar", "../holidays.yaml"),
                      ("template", "../bureau-templates/decision.xml.j2"),
                      ("font", f"../fonts/song{Path(songti).suffix}")}
    assert all(len(entry["sha256"]) == 64 for entry in manifest["inputs"])
    assert "结论：通过" in run("verify", dossier, "--case", case).output

    for path, name in ((repo / "holidays.yaml", "节假日表 ../holidays.yaml"),
                       (repo / "bureau-templates" / "decision.xml.j2", "措辞模板 ../bureau-templates/decision.xml.j2"),
                       (repo / "fonts" / f"song{Path(songti).suffix}", "字体 ../fonts/song"),
                       (config, "局配置 ../bureau.yaml")):
        before = path.read_bytes()
        path.write_bytes(before + b"\n# changed\n")
        verified = run("verify", dossier, "--case", case)
        assert verified.exit_code == 1, verified.output
        assert name in verified.output and "立卷后被修改" in verified.output, verified.output
        path.write_bytes(before)
    (repo / "holidays.yaml").unlink()
    verified = run("verify", dossier, "--case", case)
    assert "清单中的输入文件已不存在：节假日表 ../holidays.yaml" in verified.output
