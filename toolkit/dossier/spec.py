"""What the dossier stage is given: a volume as plain data, decoupled from the case model.

The case loader turns a case folder into a :class:`VolumeSpec`; everything in the volume (cover,
index, notes sheet, navigation, manifest) is derived from it and nothing else, so the same spec
gives the same bytes (before signing).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from toolkit import __version__
from toolkit.errors import DossierError

#: The note printed in the index's 备注 for an item that is the scan of a signed/sealed original.
SCAN_ORIGINAL_REMARK = "签章原件扫描件"

#: The default environment variable holding the PKCS#12 passphrase.
DEFAULT_PASSPHRASE_ENV = "RCMZ_P12_PASSPHRASE"

#: What the files of ``VolumeSpec.inputs`` are, with the names messages give them.
INPUT_KINDS = {"config": "局配置", "calendar": "节假日表", "template": "措辞模板", "font": "字体"}

#: Retention periods of DA/T 22 (the cover prints the value as given).
RETENTIONS = ("永久", "定期30年", "定期10年", "长期", "短期")


@dataclass(frozen=True)
class Attachment:
    """A file filed after its item (PDF, JPEG, PNG or TIFF); nested under it in the bookmarks."""

    title: str
    path: Path

    def __post_init__(self):
        object.__setattr__(self, "path", Path(self.path))


@dataclass(frozen=True)
class Item:
    """One entry (件) of the 卷内文件目录.

    ``pdf`` is the generated document or the scan of the signed original
    (``is_scan_original=True``, the index's 备注 then says so).  ``date`` is ISO ``YYYY-MM-DD``
    (``YYYY-MM`` or ``YYYY`` when the day is not known).
    """

    title: str
    number: str           # 文号 ("" when the document has none)
    author: str           # 责任者
    date: str             # ISO date
    pdf: Path
    is_scan_original: bool = False
    remark: str = ""
    attachments: tuple[Attachment, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "pdf", Path(self.pdf))
        object.__setattr__(self, "attachments", tuple(self.attachments))


@dataclass(frozen=True)
class VolumeSpec:
    """One archive volume (案卷) in the sense of GB/T 9705-2008.

    Cover fields: ``fonds_name`` 全宗名称, ``category`` 类目名称, ``volume_title`` 案卷题名,
    ``start_date``/``end_date`` 起止年月 (ISO, day optional), ``retention`` 保管期限,
    ``classification`` 密级, 档号 = ``fonds_no``-``catalogue_no``-``volume_no``;
    ``filing_no`` 归档号 (optional, left blank for handwriting when empty).

    Notes sheet (卷内备考表): ``notes`` (本卷情况说明 lines), ``compiler`` 立卷人, ``checker``
    检查人, ``compiled_on`` 立卷时间 (ISO date; also the date written into the PDF metadata).

    Manifest: ``sources`` lists every source file (YAML facts, attachments …), recorded with
    their SHA-256 relative to ``source_root``; ``inputs`` the other files the volume was made
    from, as ``(kind, path)`` with a kind of :data:`INPUT_KINDS` (the bureau configuration, the
    holiday table, override templates, fonts named in the configuration), recorded with their
    SHA-256 relative to ``source_root`` when they lie in the folder of the configuration (the
    folder of cases), else by absolute path; ``git_commit``/``dirty`` describe the case
    repository (a dirty build is a draft: watermarked 草稿 and not signed unless forced).
    """

    case_id: str
    volume_title: str
    fonds_name: str
    fonds_no: str
    catalogue_no: str
    volume_no: str
    category: str
    retention: str
    classification: str
    start_date: str
    end_date: str
    items: tuple[Item, ...]
    compiler: str
    checker: str
    compiled_on: str
    notes: tuple[str, ...] = ()
    sources: tuple[Path, ...] = ()
    source_root: Path | None = None
    inputs: tuple[tuple[str, Path], ...] = ()
    git_commit: str | None = None
    dirty: bool = False
    rcmz_version: str = __version__
    filing_no: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())  # free (key, value) pairs for the manifest

    def __post_init__(self):
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "sources", tuple(Path(p) for p in self.sources))
        if self.source_root is not None:
            object.__setattr__(self, "source_root", Path(self.source_root))
        object.__setattr__(self, "inputs", tuple((str(k), Path(p)) for k, p in self.inputs))
        object.__setattr__(self, "extra", tuple(tuple(kv) for kv in self.extra))

    @property
    def archive_code(self) -> str:
        """档号 = 全宗号-目录号-案卷号."""
        return f"{self.fonds_no}-{self.catalogue_no}-{self.volume_no}"

    @property
    def file_stem(self) -> str:
        return volume_stem(self.case_id)


def volume_stem(case_id: str) -> str:
    """Base of the output file name of a case's volume: ``<case_id>-案卷``."""
    return f"{safe_filename(case_id)}-案卷"


def volume_versions(out_dir: Path, stem: str) -> list[tuple[int, Path]]:
    """The volumes ``stem`` in ``out_dir`` (``<stem>.pdf``, ``<stem>-v2.pdf`` …), by version."""
    found = []
    pat = re.compile(re.escape(stem) + r"(?:-v(\d+))?\.pdf")
    if out_dir.is_dir():
        for p in out_dir.iterdir():
            m = pat.fullmatch(p.name)
            if m and p.is_file():
                found.append((int(m.group(1) or 1), p))
    return sorted(found)


@dataclass(frozen=True)
class SignerConfig:
    """Where the signing key comes from.

    The passphrase is read from the environment variable ``passphrase_env`` or, when that is not
    set, from ``ask_passphrase(p12)`` — the CLI's hidden prompt when a terminal is attached (it
    returns None without one).  It is never read from a file.
    """

    p12: Path
    passphrase_env: str = DEFAULT_PASSPHRASE_ENV
    ask_passphrase: Callable[[Path], str | None] | None = None
    reason: str = "案卷整理归档"
    location: str = ""
    contact: str = ""
    field_name: str = "RcmzArchiveSignature"
    font_role: str = "songti"

    def __post_init__(self):
        object.__setattr__(self, "p12", Path(self.p12))


# ---------------------------------------------------------------------------------------------
# validation and small helpers

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_partial_date(text: str, what: str) -> tuple[int, int | None, int | None]:
    """``"2025-03-12"`` → (2025, 3, 12); ``"2025-03"`` → (2025, 3, None); errors name ``what``."""
    m = _DATE_RE.match(str(text or "").strip())
    if not m:
        raise DossierError(f"{what}“{text}”不是日期（应为 YYYY-MM-DD、YYYY-MM 或 YYYY）")
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    try:
        if d is not None:
            dt.date(y, int(mo), int(d))
        elif mo is not None and not 1 <= int(mo) <= 12:
            raise ValueError
    except ValueError:
        raise DossierError(f"{what}“{text}”不是有效的日期") from None
    return y, (int(mo) if mo else None), (int(d) if d else None)


def compact_date(text: str) -> str:
    """ISO date → the 8-digit form of archive indexes (``20250312``; ``202503`` / ``2025``)."""
    y, m, d = parse_partial_date(text, "日期")
    return f"{y:04d}" + (f"{m:02d}" if m else "") + (f"{d:02d}" if d else "")


def safe_filename(text: str) -> str:
    """A file-name-safe form of ``text`` (keeps CJK; replaces path separators and controls)."""
    out = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", str(text)).strip(" .")
    if not out:
        raise DossierError(f"案件编号“{text}”不能用作文件名")
    return out


def validate_spec(spec: VolumeSpec) -> None:
    """Raise :class:`DossierError` for the first thing in ``spec`` the volume cannot be built from."""
    required = {
        "case_id": "案件编号", "volume_title": "案卷题名", "fonds_name": "全宗名称",
        "fonds_no": "全宗号", "catalogue_no": "目录号", "volume_no": "案卷号",
        "category": "类目名称", "retention": "保管期限", "classification": "密级",
        "compiler": "立卷人", "checker": "检查人",
    }
    for attr, label in required.items():
        if not str(getattr(spec, attr) or "").strip():
            raise DossierError(f"案卷信息缺少{label}（{attr}）")
    parse_partial_date(spec.start_date, "起始日期")
    parse_partial_date(spec.end_date, "截止日期")
    y, m, d = parse_partial_date(spec.compiled_on, "立卷时间")
    if d is None:
        raise DossierError(f"立卷时间“{spec.compiled_on}”应为完整日期 YYYY-MM-DD")
    if _date_key(spec.start_date) > _date_key(spec.end_date):
        raise DossierError(f"起始日期 {spec.start_date} 晚于截止日期 {spec.end_date}")
    if not spec.items:
        raise DossierError("案卷中没有任何文件（items 为空）")
    for n, item in enumerate(spec.items, 1):
        if not str(item.title or "").strip():
            raise DossierError(f"第{n}件文件缺少题名")
        parse_partial_date(item.date, f"第{n}件《{item.title}》的日期")
        for k, att in enumerate(item.attachments, 1):
            if not str(att.title or "").strip():
                raise DossierError(f"第{n}件《{item.title}》的第{k}个附件缺少题名")
    for note in spec.notes:
        if "\n" in note:
            raise DossierError("本卷情况说明的每一行应单独给出（不应含换行符）")
    safe_filename(spec.case_id)
    for kind, _ in spec.inputs:
        if kind not in INPUT_KINDS:
            raise DossierError(f"未知的输入文件类别“{kind}”（可用：{'、'.join(INPUT_KINDS)}）")
    for p in spec.sources:
        if spec.source_root is not None:
            try:
                Path(os.path.abspath(p)).relative_to(os.path.abspath(spec.source_root))
            except ValueError:
                raise DossierError(f"来源文件不在案件文件夹 {spec.source_root} 内：{p}") from None


def _date_key(text: str) -> tuple[int, int, int]:
    y, m, d = parse_partial_date(text, "日期")
    return y, m or 0, d or 0
