"""From a checked case to the volume spec: which files go into the dossier, in which order.

The volume files every generated document in procedural order (by date, ties broken by the
registry's order); where the case provides the scanned signed original of a document
(``original_of`` in an attachment entry) the scan takes the document's place and the index's
备注 says so.  Every other attachment is filed after the main document of its step.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from toolkit.case.load import resolve_attachment
from toolkit.case.model import Case
from toolkit.case.steps import BY_KEY as STEPS_BY_KEY
from toolkit.config import BureauConfig
from toolkit.documents.registry import BY_KEY as KINDS_BY_KEY
from toolkit.dossier.spec import Attachment, Item, SignerConfig, VolumeSpec
from toolkit.errors import DossierError
from toolkit.render.outputs import RenderedDocument
from toolkit.rules.deadlines import TimeLimit
from toolkit.text import cn_date

#: The document a step's attachments are filed under (the first of these the case has).
_MAIN_DOCUMENT = {
    "case": ("application",), "application": ("application",), "initiation": ("initiation",),
    "investigation": ("investigation_report",), "determination": ("decision",),
    "feedback": ("feedback_letter",), "filing": ("filing_form",), "result_use": ("decision",),
    "rectification": ("rectification_notice",), "clarification": ("clarification",),
    "followup": ("followup_record",),
}

#: Where the key of the automatically made test certificate lives: ignored by git.
TEST_CERT_DIR = Path("build/.testcert")
TEST_CERT_PASSPHRASE_ENV = "RCMZ_TEST_CERT_PASSPHRASE"
#: A throwaway certificate marked as a test certificate protects nothing; its passphrase is fixed.
TEST_CERT_PASSPHRASE = "rcmz-test-certificate"


def git_state(folder: Path) -> tuple[str | None, bool]:
    """(last commit touching the case folder, whether the folder has uncommitted changes).

    A folder outside git cannot be traced to a commit: it counts as uncommitted.
    """
    def git(*args):
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True,
                              timeout=30)
    try:
        commit = git("log", "-1", "--format=%H", "--", ".")
        status = git("status", "--porcelain", "--untracked-files=all", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return None, True
    if commit.returncode != 0 or not commit.stdout.strip():
        return None, True
    return commit.stdout.strip(), bool(status.stdout.strip())


def _notes(case: Case, limits: list[TimeLimit], replaced: list[str]) -> list[str]:
    """The case's lines for the 备考表 (the draft notice is the volume's, from ``spec.dirty``)."""
    notes = []
    for limit in limits:
        if limit.status == "late_accepted":
            late = case.get("application", "late_acceptance")
            notes.append(f"申请于{cn_date(limit.done)}提出，超过{limit.length}的申请期限"
                         f"（应于{cn_date(limit.due)}前），经{late['accepted_by']}决定受理，"
                         f"理由：{late['reason']}。")
        elif limit.status == "deferred":
            notes.append(f"核实认定经暂缓，于{cn_date(limit.done)}作出决定。")
    for title in replaced:
        notes.append(f"《{title}》以签章原件扫描件归档，代替系统生成件。")
    notes.extend(case.get("filing", "volume", "notes", default=[]))
    return notes


def volume_spec(case: Case, config: BureauConfig, rendered: list[RenderedDocument],
                limits: list[TimeLimit]) -> VolumeSpec:
    commit, dirty = git_state(case.folder)
    originals = {entry["original_of"]: (step, entry) for step, _, entry in case.attachments()
                 if entry.get("original_of")}
    present = {r.document.key for r in rendered}
    filed_under: dict[str, list[Attachment]] = {key: [] for key in present}
    for step, _, entry in case.attachments():
        if entry.get("original_of"):
            continue
        main = next((key for key in _MAIN_DOCUMENT[step] if key in present), rendered[0].document.key)
        filed_under[main].append(Attachment(entry["title"], resolve_attachment(case, entry["file"])))

    items, replaced = [], []
    for result in rendered:
        document = result.document
        title = document.title or KINDS_BY_KEY[document.key].title
        scan = originals.get(document.key)
        if scan:
            replaced.append(title)
        items.append(Item(
            title=title, number=document.number, author=document.author, date=document.date,
            pdf=resolve_attachment(case, scan[1]["file"]) if scan else result.files["pdf"],
            is_scan_original=bool(scan), attachments=tuple(filed_under[document.key])))

    volume = case.get("filing", "volume")
    archive = config["archive"]
    dates = sorted(item.date for item in items)
    sources = sorted({case.folder / STEPS_BY_KEY[step].file for step in case.files}
                     | {resolve_attachment(case, entry["file"]) for _, _, entry in case.attachments()})
    applicant = case.get("case", "applicant")
    who = applicant["name"] + ("同志" if applicant["kind"] == "个人" else "")
    return VolumeSpec(
        case_id=case.id,
        volume_title=f"{config['party_committee']}关于{who}容错免责申请核实认定的材料",
        fonds_name=archive["fonds_name"], fonds_no=archive["fonds_no"],
        catalogue_no=str(volume.get("catalogue_no", archive["catalogue_no"])),
        volume_no=str(volume["volume_no"]), category=archive["category"],
        retention=volume.get("retention", archive.get("retention", "永久")),
        classification=volume.get("classification", archive.get("classification", "内部")),
        start_date=dates[0], end_date=dates[-1], items=tuple(items),
        compiler=volume["compiler"], checker=volume["checker"], compiled_on=volume["compiled_on"],
        notes=tuple(_notes(case, limits, replaced)), sources=tuple(sources),
        source_root=case.folder, git_commit=commit, dirty=dirty)


def signer_config(config: BureauConfig) -> tuple[SignerConfig, list[Path]]:
    """The signer and trust roots from bureau.yaml, or a throwaway test certificate."""
    signing = config.get("signing") or {}
    if "p12" in signing:
        roots = [config.relative(p) for p in signing.get("trust_roots", [])]
        return SignerConfig(p12=config.relative(signing["p12"]),
                            passphrase_env=signing.get("passphrase_env", "RCMZ_P12_PASSPHRASE")), roots
    from toolkit.dossier.sign import create_test_certificate

    os.environ.setdefault(TEST_CERT_PASSPHRASE_ENV, TEST_CERT_PASSPHRASE)
    p12, ca = TEST_CERT_DIR / "test-signer.p12", TEST_CERT_DIR / "test-ca.pem"
    if not p12.exists() or not ca.exists():
        p12, ca = create_test_certificate(TEST_CERT_DIR, config["party_committee"],
                                          passphrase_env=TEST_CERT_PASSPHRASE_ENV)
    return SignerConfig(p12=p12, passphrase_env=TEST_CERT_PASSPHRASE_ENV, prompt=False), [ca]


def build_case_dossier(case_dir: Path, out_dir: Path | None = None, *, force: bool = False) -> Path:
    """rcmz dossier: check → compose → render → bundle → PDF/A → sign.  Returns the dossier's path."""
    from toolkit.documents.compose import compose_all
    from toolkit.dossier.build import build_dossier
    from toolkit.render.fonts import fontbook_from_config
    from toolkit.render.outputs import checked_case, default_out_dir, write_documents

    result, config = checked_case(case_dir)
    if not result.case.has("filing"):
        raise DossierError("尚无备案步骤的记录（06-filing.yaml）：立卷人、检查人、案卷号等须先填写"
                           "（rcmz step 生成该文件）", file=str(case_dir))
    out_dir = Path(out_dir) if out_dir else default_out_dir(case_dir)
    rendered = write_documents(compose_all(result.case, config), config, out_dir, ("pdf",))
    spec = volume_spec(result.case, config, rendered, result.limits)
    fonts = fontbook_from_config(config.get("fonts"), base=config.path.parent)
    return build_dossier(spec, out_dir, signer_config(config)[0], force=force, fonts=fonts)


def default_trust_roots(start: Path) -> list[Path]:
    """The trust roots of the bureau configuration above ``start``, else the test root."""
    from toolkit.config import find_config, load_config

    if find_config(start) is not None:
        config = load_config(start)
        if "p12" in (config.get("signing") or {}):
            return [config.relative(p) for p in config["signing"].get("trust_roots", [])]
    test_root = TEST_CERT_DIR / "test-ca.pem"
    return [test_root] if test_root.exists() else []


def _dossier_job(folder: Path, out_root: Path | None, force: bool) -> Path:
    # top level so worker processes can unpickle it; each worker loads its own fonts
    return build_case_dossier(folder, out_root / folder.name if out_root else None, force=force)


def build_all_dossiers(cases_dir: Path, out_root: Path | None = None, *, force: bool = False):
    """rcmz dossier --all: every case with a filing step, in parallel; failures reported, not raised."""
    import logging
    from functools import partial

    from toolkit.case.folders import case_folders
    from toolkit.docket.batch import run_batch

    cases = [f for f in case_folders(cases_dir) if f != cases_dir]
    if not cases:
        raise DossierError("这里没有案件文件夹", file=str(cases_dir))
    # Only cases that reached filing (Art. 9(6)) are arranged into a volume; the rest are not
    # failures, they are still under way.
    folders = [f for f in cases if (f / STEPS_BY_KEY["filing"].file).exists()]
    for skipped in sorted(set(cases) - set(folders)):
        logging.getLogger("rcmz.dossier").warning("跳过尚未备案的案件：%s", skipped)
    # The test certificate is made once here, not by two workers at the same moment.
    from toolkit.config import load_config

    signer_config(load_config(cases_dir))
    return run_batch(folders, partial(_dossier_job, out_root=out_root, force=force))
