"""One register across the cases folder: case ids, 档号 and document numbers are unique.

A registry (文书登记) gives each number once: within a series (an organ's 文件, 函 or 纪要, see
``toolkit.case.numbering``) and a year, no two documents share a number, and numbers follow
the order of the documents' dates.  An archive gives each volume one 档号 (全宗号-目录号-案卷号,
GB/T 9705), and the bureau gives each case one id.  None of this can be seen from one case
folder alone, so ``pipeline.check_all`` runs :func:`register_problems` over the cases it checked
*and* the other case folders beside them under the same ``bureau.yaml`` (read, not checked):
checking one case still finds the number another case already uses.

Each problem is reported at the place in the checked case's file and names the other case's
file and line.  A case whose files are broken only lacks what cannot be read; the register of
the others goes on.  :func:`case_problems` is the part that needs no other case: a document
numbered in a series ``bureau.yaml`` does not declare.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from toolkit.case.model import Case, display_path
from toolkit.case.numbering import (
    FORMATS,
    ORGANS,
    Entry,
    entries,
    missing_series_message,
    numbers_only,
    remember_numbers,
    series_of,
)
from toolkit.case.problems import Problem, Severity
from toolkit.config import BureauConfig
from toolkit.text import cn_date

RULE = "登记"          # the register: ids, 档号, 发文字号 (GB/T 9704 7.2.4, GB/T 9705)


@dataclass(frozen=True)
class Use:
    """One case's use of an id, a 档号 or a number, at a place in its files."""

    case: Case
    step: str
    path: tuple
    text: str            # what is used: 杭教党容〔2026〕5号, J013-RC-3, 2025-001
    what: str            # whose it is: 认定决定书

    def problem(self, message: str, severity: Severity = "error") -> Problem:
        return self.case.problem(self.step, self.path, RULE, message, severity)

    @property
    def where(self) -> str:
        located = self.case.problem(self.step, self.path, RULE, "")
        return f"{located.file}:{located.line}"


def case_problems(case: Case, config: BureauConfig | None) -> list[Problem]:
    """Documents of ``case`` numbered in a series the configuration does not declare."""
    if config is None:
        return []
    declared = series_of(config)
    out = []
    for entry in entries(case):
        if entry.organ is None or entry.key in declared:
            continue
        numbered = entry.numbered
        out.append(case.problem(numbered.step, numbered.seq, RULE,
                                f"{numbered.title}由{ORGANS[entry.organ]}以"
                                f"{FORMATS[numbered.format]}形式制发，"
                                + missing_series_message(entry.organ, numbered.format,
                                                         display_path(config.path))))
    return out


def register_problems(checked: list[Case], others: Iterable[Case],
                      config_of) -> dict[Path, list[Problem]]:
    """Problems of the register, by the folder of the checked case they belong to.

    ``others`` are the cases beside them (not checked); ``config_of(case)`` is the bureau
    configuration governing a case (None when there is none: its numbers cannot be compared).
    """
    cases = [*checked, *others]
    mine = {case.folder for case in checked}
    ids: dict[str, list[Use]] = defaultdict(list)
    volumes: dict[str, list[Use]] = defaultdict(list)
    numbers: dict[tuple[str, int], list[NumberUse]] = defaultdict(list)
    for case in cases:
        config = config_of(case)
        if case.has("case") and isinstance(case.get("case", "id"), str):
            ids[case.id].append(Use(case, "case", ("id",), case.id, "案件编号"))
        if config is None:
            continue
        volume_no = case.get("filing", "volume", "volume_no")
        if isinstance(volume_no, int):
            archive = config["archive"]
            catalogue = case.get("filing", "volume", "catalogue_no", default=archive["catalogue_no"])
            code = f"{archive['fonds_no']}-{catalogue}-{volume_no}"
            volumes[code].append(Use(case, "filing", ("volume", "volume_no"), code, "案卷档号"))
        declared = series_of(config)
        for entry in entries(case):
            series = declared.get(entry.key)
            if series is None:
                continue  # case_problems says what to add
            numbers[(series.prefix, entry.date.year)].append(_use(case, entry, series))
    found: dict[Path, list[Problem]] = defaultdict(list)

    def report(use: Use, message: str, severity: Severity = "error") -> None:
        if use.case.folder in mine:
            found[use.case.folder].append(use.problem(message, severity))

    for group, rule in ((ids, "案件编号在本局内须唯一，请改用未用过的编号（rcmz numbers 列出已用的编号）"),
                        (volumes, "一个档号只能给一个案卷，请改用下一个空号（rcmz numbers 列出下一个案卷号）")):
        for same in group.values():
            for use in same:
                for other in same:
                    if other is not use:
                        report(use, f"{use.what}“{use.text}”与{_whose(other)}重复（{other.where}）：{rule}")
    for series_uses in numbers.values():
        by_number: dict[int, list[NumberUse]] = defaultdict(list)
        for number_use in series_uses:
            by_number[number_use.seq].append(number_use)
        for seq_uses in by_number.values():
            for use in seq_uses:
                for other in seq_uses:
                    if other is not use:
                        report(use, f"发文字号{use.text}已用于{_whose(other)}的{other.what}"
                                    f"（{other.where}）：同一代字同一年度的文号只能用一次，"
                                    f"请改用下一个空号（rcmz numbers）")
        latest: NumberUse | None = None  # the latest-dated document among the smaller numbers
        for seq in sorted(by_number):
            for use in by_number[seq]:
                if latest is not None and latest.seq < seq and use.date < latest.date:
                    report(use, f"发文字号{use.text}（{cn_date(use.date)}）比同一序列中较早编号的"
                                f"{latest.text}（{cn_date(latest.date)}，{_whose(latest)}的{latest.what}，"
                                f"{latest.where}）日期还早：文号应按成文日期的先后编排，请核对顺序号",
                           "warning")
            for use in by_number[seq]:
                if latest is None or use.date > latest.date:
                    latest = use
    return found


@dataclass(frozen=True)
class NumberUse(Use):
    date: dt.date        # the document's date
    seq: int


def _use(case: Case, entry: Entry, series) -> NumberUse:
    numbered = entry.numbered
    return NumberUse(case, numbered.step, numbered.seq, series.number(entry.date.year, entry.seq),
                     numbered.title, entry.date, entry.seq)


def _whose(use: Use) -> str:
    return f"案件 {use.case.id}（{use.case.folder.name}）"


def with_register(results: list, config_of, *, remember: bool = True) -> list:
    """``results`` (CheckResults of ``pipeline.check_all``) with the register's problems added.

    The other case folders beside the checked ones are read (not checked) so that a number used
    by a case not named on the command line still counts.  ``remember``: keep the numbers of
    the checked cases for the next run (``numbering.remember_numbers``; False when that is done
    where they were checked).
    """
    from toolkit.case.folders import case_folders

    checked = [result.case for result in results]
    for case in checked if remember else ():
        remember_numbers(case)
    seen = {case.folder.resolve() for case in checked}
    others = []
    for parent in sorted({case.folder.resolve().parent for case in checked}):
        for folder in case_folders(parent):
            if folder.resolve() in seen or folder.resolve() == parent:
                continue
            seen.add(folder.resolve())
            others.append(numbers_only(folder))
    found = register_problems(checked, others, config_of)
    for result in results:
        extra = found.get(result.case.folder, [])
        if extra:
            result.problems.extend(extra)
            result.problems.sort(key=lambda p: (p.file, p.line, p.column, p.rule))
    return results

