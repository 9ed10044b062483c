"""``rcmz numbers``: the next free number of every series, and the next 案卷号.

The series are those ``bureau.yaml`` declares (``toolkit.case.numbering``); the numbers taken
are read from every case folder under the cases folder, as the register check reads them.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.case.folders import case_folders, is_case_folder
from toolkit.case.numbering import numbers_only, register_state
from toolkit.config import load_config
from toolkit.errors import UsageError
from toolkit.text import display_width


def ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5, 9, 10] → 1—3、5、9—10 (— for runs of three or more)."""
    out: list[str] = []
    run: list[int] = []
    for n in sorted(set(numbers)):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            out.append(_run(run))
        run = [n]
    if run:
        out.append(_run(run))
    return "、".join(out) or "—"


def _run(run: list[int]) -> str:
    if len(run) >= 3:
        return f"{run[0]}—{run[-1]}"
    return "、".join(str(n) for n in run)


def report(cases_dir: Path, year: int) -> list[str]:
    """The lines ``rcmz numbers`` prints."""
    root = Path(cases_dir)
    if not root.is_dir():
        raise UsageError(f"案件文件夹“{root}”不存在（默认为当前目录下的 casefiles）")
    if is_case_folder(root):
        root = root.resolve().parent  # a case folder: its register is the folder of cases
    config = load_config(root)
    cases = [numbers_only(folder) for folder in case_folders(root)]
    states, code, volume_no = register_state(cases, config, year)
    rows = [("序列", "代字", f"{year}年已用", "下一个空号")]
    rows += [(state.series.name, state.series.prefix, ranges(state.used), state.next_number)
             for state in states]
    widths = [max(display_width(row[i]) for row in rows) for i in range(3)]
    lines = [f"{len(cases)} 个案件中{year}年的发文字号（各序列每年从1号编起；rcmz check 核对重号）："]
    for row in rows:
        lines.append(("  ".join(cell + " " * (w - display_width(cell)) for cell, w in zip(row, widths, strict=False))
                      + "  " + row[3]).rstrip())
    lines.append(f"下一个案卷号：{volume_no}（档号 {code}）")
    return lines
