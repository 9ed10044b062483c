"""``verify_dossier``: check a built volume offline (DA/T 70 真实性 / 完整性 / 可用性 / 安全性).

Everything is checked and collected into a :class:`VerifyReport` with a Chinese explanation for
each finding; nothing is fetched from the network (trust roots are given, revocation is not
looked up).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pikepdf import Name

from toolkit.dossier import manifest as mf
from toolkit.dossier import pdfa
from toolkit.dossier.vocabulary import (
    BOOKMARK_COVER, BOOKMARK_INDEX, BOOKMARK_NOTES, LABEL_COVER, LABEL_NOTES,
    STAMP_PREFIX, Plan, attachment_bookmark_title, expected_label,
)
from toolkit.dossier.sources import sha256_file
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


# ------------------------------------------------------------------------------------------------


def first_revision(data: bytes) -> bytes:
    """The file as it was before any incremental update (the unsigned PDF/A volume)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    if reader.xrefs.total_revisions <= 1:
        return data
    end = reader.xrefs.get_xref_container_info(0).end_location
    eof = data.find(b"%%EOF", end)
    if eof < 0:
        return data
    eof += 5
    while eof < len(data) and data[eof:eof + 1] in (b"\r", b"\n"):
        eof += 1
    return data[:eof]


def _load_roots(trust_roots: Iterable) -> list:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.keys import load_certs_from_pemder

    out = []
    for root in trust_roots or ():
        if isinstance(root, asn1_x509.Certificate):
            out.append(root)
            continue
        path = Path(root)
        try:
            out.extend(load_certs_from_pemder([str(path)]))
        except Exception as exc:  # noqa: BLE001
            raise VerifyError(f"无法读取信任根证书 {path}：{exc}") from None
    return out


def _check_signatures(report: VerifyReport, data: bytes, roots: list, require: bool) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from toolkit.dossier.sign import TEST_MARK, is_test_certificate, subject_text

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001
        report.add("签名", FAIL, f"文件结构损坏，无法读取签名（{exc}）")
        return
    if not sigs:
        report.add("签名", FAIL if require else WARN, "本卷没有电子签名")
        return
    vc = ValidationContext(trust_roots=roots, allow_fetching=False)
    for sig in sigs:
        name = sig.field_name
        try:
            status = validate_pdf_signature(sig, vc)
        except (SignatureValidationError, ValueError, KeyError) as exc:
            report.add("签名", FAIL, f"签名“{name}”无法核验：{exc}")
            continue
        except Exception as exc:  # noqa: BLE001
            report.add("签名", FAIL, f"签名“{name}”无法核验（文件可能已损坏）：{exc}")
            continue
        cert = status.signing_cert
        who = subject_text(cert) if cert is not None else "（未知）"
        info = {"field": name, "signer": who, "intact": status.intact, "valid": status.valid,
                "trusted": status.trusted, "coverage": str(status.coverage),
                "signing_time": status.signer_reported_dt.isoformat()
                if status.signer_reported_dt else None}
        report.signatures.append(info)
        if not status.intact:
            report.add("签名", FAIL, f"签名“{name}”所保护的内容已被改动（摘要不符）：文件在签名后被修改或损坏")
        elif not status.valid:
            report.add("签名", FAIL, f"签名“{name}”的签名值无效")
        else:
            report.add("签名", OK, f"签名“{name}”完好有效（签名人：{who}）")
        if status.intact and status.valid:
            if not status.trusted:
                report.add("签名", FAIL, f"签名证书不能追溯到所配置的信任根（签名人：{who}）")
            else:
                report.add("签名", OK, "签名证书可追溯到所配置的信任根")
        cov = getattr(status.coverage, "name", str(status.coverage))
        if cov == "ENTIRE_FILE":
            report.add("签名", OK, "签名覆盖整个文件")
        else:
            level = getattr(status.modification_level, "name", "")
            report.add("签名", FAIL, "签名未覆盖整个文件：签名之后文件又被追加修改"
                       + (f"（修改级别 {level}）" if level else ""))
        if cert is not None and is_test_certificate(cert):
            report.add("签名", WARN, f"签名使用{TEST_MARK}")


# ------------------------------------------------------------------------------------------------
# structure


def _labels(pdf: pikepdf.Pdf) -> list[tuple[int, dict]]:
    pl = pdf.Root.get(Name.PageLabels)
    if pl is None or Name.Nums not in pl:
        return []
    nums = list(pl.Nums)
    return [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums) - 1, 2)]


def _label_text(ranges: list[tuple[int, dict]], index: int) -> str | None:
    cur = None
    for start, d in ranges:
        if start <= index:
            cur = (start, d)
    if cur is None:
        return None
    start, d = cur
    prefix = str(d.get(Name.P, ""))
    style = d.get(Name.S)
    if style is None:
        return prefix
    n = int(d.get(Name.St, 1)) + index - start
    return prefix + str(n)


def _plan_from_labels(ranges: list[tuple[int, dict]], total: int) -> Plan | None:
    """Recover where cover, index, content and notes sheet are from the page labels."""
    try:
        (c0, cd), (i0, _), (f0, fd), (b0, bd) = ranges
    except ValueError:
        return None
    if (c0, i0) != (0, 1) or str(cd.get(Name.P, "")) != LABEL_COVER:
        return None
    if Name.P in fd or fd.get(Name.S) != Name.D or str(bd.get(Name.P, "")) != LABEL_NOTES:
        return None
    return Plan(1, f0 - 1, b0 - f0, total - b0)


def _dest_index(pdf: pikepdf.Pdf, dest, page_ids: dict) -> int | None:
    if isinstance(dest, pikepdf.Array) and len(dest) > 0:
        target = dest[0]
        if isinstance(target, pikepdf.Dictionary):
            return page_ids.get(target.objgen)
        if isinstance(target, int):
            return int(target)
    return None


def _outline_target(item, pdf, page_ids) -> int | None:
    dest = item.destination
    if dest is None and item.action is not None:
        dest = item.action.get(Name.D)
    if isinstance(dest, int):
        return dest
    return _dest_index(pdf, dest, page_ids)


def _to_unicode_map(font) -> dict[int, str]:
    tu = font.get(Name.ToUnicode)
    if tu is None:
        return {}
    text = tu.read_bytes().decode("latin-1")
    out = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be", "replace")
    return out


def stamp_text(page: pikepdf.Page) -> str | None:
    """Text drawn by the toolkit's stamp on ``page`` (None when the page has no stamp)."""
    xobjs = page.obj.get(Name.Resources, {}).get(Name.XObject, {})
    texts = []
    found = False
    for key in xobjs.keys():
        if not str(key).startswith("/" + STAMP_PREFIX):
            continue
        found = True
        texts.append(_form_text(xobjs[key], depth=0))
    return "".join(texts) if found else None


def _form_text(form, depth: int) -> str:
    if depth > 3:
        return ""
    res = form.get(Name.Resources, {})
    fonts = res.get(Name.Font, {})
    maps: dict[str, dict[int, str]] = {}
    out = []
    current = None
    for operands, op in pikepdf.parse_content_stream(form):
        opname = str(op)
        if opname == "Tf":
            current = str(operands[0])
            if current not in maps and current in fonts:
                maps[current] = _to_unicode_map(fonts[current])
        elif opname in ("Tj", "'", '"', "TJ"):
            strings = operands[-1] if opname != "TJ" else [o for o in operands[0]
                                                             if isinstance(o, pikepdf.String)]
            if isinstance(strings, pikepdf.String):
                strings = [strings]
            cmap = maps.get(current, {})
            for s in strings:
                out.append("".join(cmap.get(b, "") for b in bytes(s)))
        elif opname == "Do":
            sub = res.get(Name.XObject, {}).get(str(operands[0]))
            if sub is not None and sub.get(Name.Subtype) == Name.Form:
                out.append(_form_text(sub, depth + 1))
    return "".join(out)


def _extract_text(data: bytes, indexes: Sequence[int]) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [reader.pages[i].extract_text() or "" for i in indexes]


def _check_structure(report: VerifyReport, data: bytes, case_dir: Path | None) -> None:
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        report.add("可用性", FAIL, "文件已加密，归档文件不得加密")
        return
    except pikepdf.PdfError as exc:
        report.add("可用性", FAIL, f"文件已损坏，无法打开（{exc}）")
        return
    with pdf:
        if pdf.is_encrypted:
            report.add("可用性", FAIL, "文件已加密，归档文件不得加密")
        total = len(pdf.pages)
        raw = mf.extract(pdf)
        if raw is None:
            report.add("清单", FAIL, "案卷中没有内嵌的电子文件清单 manifest.json")
            return
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            report.add("清单", FAIL, f"内嵌的 manifest.json 无法解析：{exc}")
            return
        report.manifest = manifest
        digest = mf.digest(raw)
        report.add("清单", OK, f"内嵌清单 manifest.json 可读（SHA-256 {digest}）")

        ranges = _labels(pdf)
        plan = _plan_from_labels(ranges, total)
        if plan is None:
            report.add("页号", FAIL, "页面标签（PageLabels）缺失或不是 封面/目录/1…N/备考表 的结构")
            return
        items = manifest.get("items", [])
        content = int(manifest.get("content_pages", -1))
        if plan.content_pages != content:
            report.add("完整性", FAIL, f"卷内文件应有 {content} 页，文件中实为 {plan.content_pages} 页")
            return
        # numbering without gaps
        expect = 1
        gaps = []
        for it in items:
            s, t = it["range"]
            if s != expect:
                gaps.append(f"第{it['seq']}件应从第{expect}页开始，清单记为第{s}页")
            expect = t + 1
        if expect - 1 != content:
            gaps.append(f"各件页数合计 {expect - 1} 页，与卷内 {content} 页不符")
        if gaps:
            report.add("完整性", FAIL, "页号不连续：" + "；".join(gaps))
        else:
            report.add("完整性", OK, f"共 {len(items)} 件、{content} 页，页号 1—{content} 连续无缺")

        # page labels
        wrong = [i for i in range(total) if _label_text(ranges, i) != expected_label(plan, i)]
        if wrong:
            i = wrong[0]
            report.add("页号", FAIL, f"页面标签与页号不符：第{i + 1}个页面标为“{_label_text(ranges, i)}”，"
                       f"应为“{expected_label(plan, i)}”（共 {len(wrong)} 处）")
        else:
            report.add("页号", OK, "阅读器页码标签与印制页号一致（封面/目录/1…N/备考表）")

        # stamped numbers on every content page
        bad = []
        for n in range(1, content + 1):
            page = pdf.pages[plan.content_index(n)]
            text = stamp_text(page)
            if text is None or re.sub(r"\s|草稿", "", text) != str(n):
                bad.append(n)
        if bad:
            report.add("页号", FAIL, f"卷内文件页上加盖的页号缺失或不符：第{'、'.join(map(str, bad[:10]))}页"
                       + (f"等 {len(bad)} 页" if len(bad) > 10 else ""))
        else:
            report.add("页号", OK, f"第1—{content}页均加盖了正确的页号")

        page_ids = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
        # bookmarks
        problems = []
        with pdf.open_outline() as outline:
            top = list(outline.root)
            titles = [str(o.title) for o in top]
            if len(top) != len(items) + 3 or titles[0] != BOOKMARK_COVER or \
                    titles[1] != BOOKMARK_INDEX or titles[-1] != BOOKMARK_NOTES:
                problems.append(f"书签应为 封面、目录、{len(items)} 件文件、备考表，实有 {len(top)} 个")
            else:
                if _outline_target(top[0], pdf, page_ids) != 0:
                    problems.append("“案卷封面”书签未指向封面")
                if _outline_target(top[1], pdf, page_ids) != plan.cover_pages:
                    problems.append("“卷内文件目录”书签未指向目录")
                if _outline_target(top[-1], pdf, page_ids) != plan.back_start:
                    problems.append("“卷内备考表”书签未指向备考表")
                for it, node in zip(items, top[2:-1]):
                    start = it["range"][0]
                    got = _outline_target(node, pdf, page_ids)
                    if got != plan.content_index(start):
                        problems.append(f"第{it['seq']}件的书签指向第{_page_no(plan, got)}页，应为第{start}页")
                    kids = list(node.children)
                    if len(kids) != len(it.get("attachments", [])):
                        problems.append(f"第{it['seq']}件应有 {len(it.get('attachments', []))} 个附件书签，"
                                        f"实有 {len(kids)} 个")
                        continue
                    for k, (att, kid) in enumerate(zip(it.get("attachments", []), kids), 1):
                        got = _outline_target(kid, pdf, page_ids)
                        if got != plan.content_index(att["pages"][0]):
                            problems.append(f"第{it['seq']}件附件{k}的书签指向第{_page_no(plan, got)}页，"
                                            f"应为第{att['pages'][0]}页")
                        if str(kid.title) != attachment_bookmark_title(k, att["title"]):
                            problems.append(f"第{it['seq']}件附件{k}的书签题名不符")
        if problems:
            report.add("书签", FAIL, "；".join(problems))
        else:
            report.add("书签", OK, "每件文件及其附件均有书签并指向其首页")

        # index links
        links = []
        for i in range(plan.cover_pages, plan.front_pages):
            for annot in pdf.pages[i].obj.get(Name.Annots, []):
                if annot.get(Name.Subtype) == Name.Link:
                    dest = annot.get(Name.Dest)
                    if dest is None and Name.A in annot:
                        dest = annot.A.get(Name.D)
                    links.append(_dest_index(pdf, dest, page_ids))
        want = [plan.content_index(it["range"][0]) for it in items]
        if links != want:
            report.add("目录", FAIL, "目录中的链接与各件首页不符"
                       f"（应有 {len(want)} 个，实有 {len(links)} 个）")
        else:
            report.add("目录", OK, "目录每一条目均链接到该件首页")

        # printed 页号 in the index
        texts = _extract_text(data, range(plan.cover_pages, plan.front_pages))
        joined = "\n".join(texts)
        missing = []
        pos = 0
        for k, it in enumerate(items):
            s, t = it["range"]
            ref = f"{s}-{t}" if k == len(items) - 1 and s != t else str(s)
            m = re.compile(r"(?<![\d-])" + re.escape(ref) + r"(?![\d-])").search(joined, pos)
            if m is None:
                missing.append(f"第{it['seq']}件（{ref}）")
            else:
                pos = m.end()
        if missing:
            report.add("目录", FAIL, "目录中印制的页号与实际页面不符或缺失：" + "、".join(missing[:10]))
        else:
            report.add("目录", OK, "目录中印制的页号与实际页面一致")

        # the digest printed on the notes sheet
        back_text = "".join(_extract_text(data, range(plan.back_start, total)))
        if digest in re.sub(r"\s", "", back_text):
            report.add("清单", OK, "备考表上印制的清单摘要与内嵌清单一致")
        else:
            report.add("清单", FAIL, "备考表上印制的清单摘要与内嵌的 manifest.json 不一致")

        if case_dir is not None:
            _check_sources(report, manifest, Path(case_dir))


def _page_no(plan: Plan, index: int | None) -> str:
    if index is None:
        return "（无）"
    return str(index - plan.front_pages + 1)


def _check_sources(report: VerifyReport, manifest: dict, case_dir: Path) -> None:
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


def _check_pdfa(report: VerifyReport, data: bytes) -> None:
    try:
        original = first_revision(data)
    except Exception as exc:  # noqa: BLE001
        report.add("PDF/A", FAIL, f"无法取出签名前的版本进行检查（{exc}）")
        return
    result = pdfa.validate_bytes(io.BytesIO(original))
    if result.passed:
        what = "签名前的案卷" if len(original) != len(data) else "案卷"
        report.add("PDF/A", OK, f"{what}符合 {pdfa.FLAVOUR_NAME}")
    else:
        report.add("PDF/A", FAIL, f"不符合 {pdfa.FLAVOUR_NAME}：\n{pdfa.describe(result)}")


def verify_dossier(path: Path, trust_roots: Iterable = (), case_dir: Path | None = None, *,
                   require_signature: bool = True) -> VerifyReport:
    """Check ``path`` offline and return a report (never raises for a bad file).

    ``trust_roots``: CA certificates (paths to PEM/DER files or asn1crypto certificates) the
    signature must chain to.  ``case_dir``: when given, every source file listed in the manifest
    is hashed and compared.  ``require_signature=False`` accepts an unsigned volume (a draft).
    """
    path = Path(path)
    report = VerifyReport(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.add("可用性", FAIL, f"无法读取文件：{exc}")
        return report
    roots = _load_roots(trust_roots)
    _check_signatures(report, data, roots, require_signature)
    _check_pdfa(report, data)
    _check_structure(report, data, case_dir)
    return report
