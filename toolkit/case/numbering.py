"""Document numbers (发文字号): which series each document kind is numbered in, in one place.

It lives with the case model because every stage reads it and the case stage comes first
(docs/architecture.md): the register check (``toolkit.rules.register``), the templates'
``number("decision")`` (``toolkit.documents.numbers``), ``rcmz numbers`` and the skeletons of
``rcmz new`` / ``rcmz step`` (``toolkit.case.scaffold``).

A registry (文书登记) numbers each issuing organ's documents in series by format: the Party
Committee's 文件 (杭教党容〔2026〕5号), its 函 (letters to the applicant: 杭教党容函〔2026〕2号) and
its 纪要; the organization department's and the discipline group's own 文件 when they issue under
their own masthead (a 整改通知书, Art. 11).  Numbers run from 1 each year within a series.

:data:`NUMBERED` says, for every document kind that carries a number, where its date and its
sequence number are written in the case files and which organ and format it is issued in.  The
register check (``toolkit.rules.register``), the templates (``number("decision")``),
``rcmz numbers`` and the skeletons of ``rcmz new`` / ``rcmz step`` all read it.

The 代字 of each series come from ``bureau.yaml``: ``numbering.<organ>.<format>`` (see
schemas/bureau.schema.json), or, for the Party Committee, the older ``doc_prefix``,
``letter_prefix`` (default: doc_prefix + 函) and ``minutes_prefix`` (default: 党委会纪要).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.text import doc_number

if TYPE_CHECKING:
    from toolkit.case.model import Case
    from toolkit.config import BureauConfig

#: Issuing organs, as keyed in bureau.yaml ``numbering`` (the same keys name them at the top).
ORGANS = {"party_committee": "局党委", "organization_department": "局组织处",
          "discipline_group": "驻局纪检监察组", "bureau": "本局"}
#: Formats of GB/T 9704: 文件 (the masthead of an organ's documents), 信函, 纪要.
FORMATS = {"document": "文件", "letter": "函", "minutes": "纪要"}

#: rectification.issued_by → the organ whose series the 整改通知书 is numbered in.
RECTIFICATION_ORGANS = {"驻局纪检监察组": "discipline_group", "局组织处": "organization_department",
                        "其他具有问责职能的部门": "bureau"}

#: An example 代字 for a message telling what to add to bureau.yaml.
EXAMPLE_PREFIX = {"organization_department": "杭教组", "discipline_group": "杭教纪",
                  "bureau": "杭教", "party_committee": "杭教党容"}


@dataclass(frozen=True)
class Numbered:
    """A document kind that carries a number, and where its number's parts are written."""

    kind: str                     # the document kind (toolkit.documents.registry)
    title: str                    # its name there (a test keeps the two alike)
    step: str                     # the step file
    date: tuple[str, ...]         # path of its date in that file
    seq: tuple[str, ...]          # path of its sequence number
    format: str                   # document / letter / minutes
    organ: Callable[[Case], str | None] = lambda case: "party_committee"
    applies: Callable[[Case], bool] = lambda case: True   # e.g. a clarification by 通报 only

    def organ_of(self, case: Case) -> str | None:
        return self.organ(case)


def _rectification_organ(case: Case) -> str | None:
    issued_by = case.get("rectification", "issued_by")
    return RECTIFICATION_ORGANS.get(issued_by) if isinstance(issued_by, str) else None


#: Every numbered document kind, in the order a case usually issues them.
NUMBERED: tuple[Numbered, ...] = (
    Numbered("hearing_notice", "听证会通知书", "investigation", ("hearing", "notice_date"), ("hearing", "notice_seq"),
             "letter"),
    Numbered("deferral_notice", "暂缓认定通知", "determination", ("deferral", "date"), ("deferral", "seq"), "letter"),
    Numbered("upward_report", "请示（向上级报告）", "determination", ("upward_report", "date"), ("upward_report", "seq"),
             "document"),
    Numbered("minutes", "党委会议纪要（摘录）", "determination", ("meeting", "date"), ("meeting", "seq"), "minutes"),
    Numbered("decision", "容错免责认定决定书", "determination", ("decision", "date"), ("decision", "seq"), "document"),
    Numbered("feedback_letter", "认定结果反馈告知书", "feedback", ("date",), ("seq",), "letter"),
    Numbered("rectification_notice", "整改通知书", "rectification", ("date",), ("seq",), "document",
             organ=_rectification_organ),
    Numbered("clarification", "澄清正名通报", "clarification", ("date",), ("seq",), "document",
             applies=lambda case: case.get("clarification", "method") == "通报"),
)
BY_KIND = {numbered.kind: numbered for numbered in NUMBERED}


@dataclass(frozen=True)
class Series:
    """One number series: an organ's documents of one format, under one 代字."""

    organ: str      # key of ORGANS
    format: str     # key of FORMATS
    prefix: str     # 代字

    @property
    def name(self) -> str:
        """局党委 函, 局组织处 文件."""
        return f"{ORGANS[self.organ]} {FORMATS[self.format]}"

    def number(self, year: int, seq: int) -> str:
        return doc_number(self.prefix, str(year), seq)


def series_of(config: BureauConfig | dict) -> dict[tuple[str, str], Series]:
    """Every series the configuration declares, by (organ, format)."""
    data = config if isinstance(config, dict) else config.data
    declared: dict[tuple[str, str], Series] = {}
    for organ, formats in (data.get("numbering") or {}).items():
        for fmt, prefix in (formats or {}).items():
            declared[(organ, fmt)] = Series(organ, fmt, prefix)
    party = declared.get(("party_committee", "document"))
    doc_prefix = data.get("doc_prefix") or (party.prefix if party else None)
    if doc_prefix:
        declared.setdefault(("party_committee", "document"), Series("party_committee", "document", doc_prefix))
        declared.setdefault(("party_committee", "letter"),
                            Series("party_committee", "letter", data.get("letter_prefix") or doc_prefix + "函"))
    declared.setdefault(("party_committee", "minutes"),
                        Series("party_committee", "minutes", data.get("minutes_prefix") or "党委会纪要"))
    return declared


def legacy_prefixes(config: BureauConfig | dict) -> dict[str, str]:
    """``doc_prefix``, ``letter_prefix`` and ``minutes_prefix`` as the Party Committee's series
    give them, for templates (a bureau's own overrides) that still read them."""
    series = series_of(config)
    out = {}
    for key, fmt in (("doc_prefix", "document"), ("letter_prefix", "letter"), ("minutes_prefix", "minutes")):
        if ("party_committee", fmt) in series:
            out[key] = series[("party_committee", fmt)].prefix
    return out


def missing_series_message(organ: str, fmt: str, config_file: str) -> str:
    """What to add to bureau.yaml for a series a document needs (Chinese, with the lines)."""
    example = EXAMPLE_PREFIX.get(organ, "××")
    return (f"局配置 {config_file} 没有{ORGANS[organ]}{FORMATS[fmt]}的发文机关代字，无法编发文字号。"
            f"请在 {config_file} 中加入（代字按本机关文书登记的实际写法）：\n"
            f"numbering:\n  {organ}:\n    {fmt}: {example}")


@dataclass(frozen=True)
class Entry:
    """A number a case uses: which document, in which series, which year and sequence number."""

    numbered: Numbered
    organ: str | None
    date: dt.date
    seq: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.organ, self.numbered.format) if self.organ else ("", "")


def entries(case: Case) -> Iterator[Entry]:
    """The numbers ``case`` uses (documents whose date and sequence number are both written)."""
    for numbered in NUMBERED:
        if not case.has(numbered.step) or not numbered.applies(case):
            continue
        date = case.date(numbered.step, *numbered.date)
        seq = case.get(numbered.step, *numbered.seq)
        if date is None or not isinstance(seq, int) or isinstance(seq, bool):
            continue
        yield Entry(numbered, numbered.organ_of(case), date, seq)


@dataclass
class SeriesState:
    """One series as the cases use it in one year: the numbers taken and the next free one."""

    series: Series
    year: int
    used: list[int]

    @property
    def next(self) -> int:
        return max(self.used, default=0) + 1

    @property
    def next_number(self) -> str:
        return self.series.number(self.year, self.next)


def register_state(cases: Iterable[Case], config: BureauConfig | dict, year: int
                   ) -> tuple[list[SeriesState], str, int]:
    """Every declared series with the numbers ``cases`` use in ``year``, and the next 档号 and
    案卷号 in the configuration's default 目录号 (the largest used plus one)."""
    data = config if isinstance(config, dict) else config.data
    states = {key: SeriesState(series, year, []) for key, series in series_of(data).items()}
    archive = data["archive"]
    volumes = []
    for case in cases:
        for entry in entries(case):
            if entry.date.year == year and entry.key in states:
                states[entry.key].used.append(entry.seq)
        volume_no = case.get("filing", "volume", "volume_no")
        catalogue = case.get("filing", "volume", "catalogue_no", default=archive["catalogue_no"])
        if isinstance(volume_no, int) and str(catalogue) == str(archive["catalogue_no"]):
            volumes.append(volume_no)
    for state in states.values():
        state.used.sort()
    order = {key: i for i, key in enumerate((o, f) for o in ORGANS for f in FORMATS)}
    listed = sorted(states.values(), key=lambda s: order[(s.series.organ, s.series.format)])
    volume_no = max(volumes, default=0) + 1
    return listed, f"{archive['fonds_no']}-{archive['catalogue_no']}-{volume_no}", volume_no


#: Where ids, 档号 and document numbers (and what decides their series) are written, by step.
_NUMBER_FIELDS: dict[str, list[tuple[str, ...]]] = {"case": [("id",)],
                                                    "filing": [("volume", "volume_no"), ("volume", "catalogue_no")],
                                                    "rectification": [("issued_by",)],
                                                    "clarification": [("method",)]}
for _numbered in NUMBERED:
    _NUMBER_FIELDS.setdefault(_numbered.step, []).extend([_numbered.date, _numbered.seq])


def _salt() -> str:
    from toolkit.cachefile import code_salt

    return code_salt(__file__)


_READ = None  # the JsonCache of the numbers read from each step file, made on first use


def numbers_only(folder: Path) -> Case:
    """A case beside the checked ones, read only as far as the register needs: the values of
    :data:`_NUMBER_FIELDS` with their positions, not checked against the schemas (a wrong value
    is simply not a number: :func:`entries` takes integers and dates only).  What a file holds is
    kept in the cache by its size and modification time, so checking one case in a folder of
    hundreds reads only the files that changed.  A file that cannot be read is left out;
    checking that case says why."""
    global _READ
    from toolkit.cachefile import JsonCache
    from toolkit.case.model import Case
    from toolkit.case.steps import BY_KEY
    from toolkit.case.yamlio import LoadedFile, load_yaml
    from toolkit.errors import RcmzError

    if _READ is None:
        _READ = JsonCache("numbers", _salt)
    case = Case(folder=folder)
    for key, fields in _NUMBER_FIELDS.items():
        path = folder / BY_KEY[key].file
        try:
            stat = path.stat()
        except OSError:
            continue
        cache_key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
        stored = _READ.get(cache_key)
        if stored is None:
            try:
                loaded = load_yaml(path)
            except RcmzError:
                continue
            stored = _pruned(loaded, fields)
            _READ.put(cache_key, stored)
        data, positions = stored
        if data is not None:
            case.files[key] = LoadedFile(path, data, {tuple(p): (line, column) for p, line, column in positions})
    return case


def remember_numbers(case: Case) -> None:
    """Keep what ``case``'s (already loaded) files hold for :func:`numbers_only`: after
    ``rcmz check casefiles``, checking one case reads none of the others."""
    global _READ
    from toolkit.cachefile import JsonCache

    if _READ is None:
        _READ = JsonCache("numbers", _salt)
    for key, fields in _NUMBER_FIELDS.items():
        loaded = case.files.get(key)
        if loaded is None:
            continue
        try:
            stat = loaded.path.stat()
        except OSError:
            continue
        cache_key = f"{loaded.path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
        if _READ.get(cache_key) is None:
            _READ.put(cache_key, _pruned(loaded, fields))


def _pruned(loaded, fields: list[tuple[str, ...]]) -> list:
    """[data with only ``fields``, [[path, line, column], …]] (data None when not a mapping)."""
    if not isinstance(loaded.data, dict):
        return [None, []]
    data: dict = {}
    positions = [[[], *loaded.where(())]]
    for field in fields:
        value, found = loaded.data, True
        for part in field:
            if isinstance(value, dict) and part in value:
                value = value[part]
            else:
                found = False
                break
        if not found or isinstance(value, (dict, list)):
            continue
        target = data
        for part in field[:-1]:
            target = target.setdefault(part, {})
        target[field[-1]] = value
        positions.append([list(field), *loaded.where(field)])
    return [data, positions]
