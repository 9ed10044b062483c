"""How fast `rcmz check` is, as a user runs it (whole command, fresh process), beside its anchor:
the same YAML files parsed with ruamel's C loader and nothing else (measure.plain_yaml_parse).

Goals (issue 2): one case under 0.3 s; 500 cases under 5 s; 1,000 cases no slower than about
1.6× the plain parse (issue 13).  Run by hand:
    .venv/bin/python benchmarks/bench_check.py [--quick]     (--quick: one run of each)
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import best, figure, line, plain_yaml_parse, rcmz  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (REPO / "casefiles").iterdir() if (p / "00-case.yaml").exists())


def generated_cases(count: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="rcmz-bench-")) / "casefiles"
    folder.mkdir()
    shutil.copy(REPO / "casefiles" / "bureau.yaml", folder)
    shutil.copy(REPO / "casefiles" / "holidays.yaml", folder)
    for n in range(count):
        source = EXAMPLES[n % len(EXAMPLES)]
        target = folder / f"2025-{n:04d}"
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("attachments"))
        shutil.copytree(source / "attachments", target / "attachments") if (source / "attachments").exists() else None
        case_file = target / "00-case.yaml"
        case_file.write_text(case_file.read_text(encoding="utf-8").replace(
            f"id: {source.name[:8]}", f"id: 2025-{n:04d}"), encoding="utf-8")
        # the register across the folder wants each copy's own 案卷号 and document numbers
        copy = n // len(EXAMPLES)
        for step_file in target.glob("0*.yaml"):
            text = re.sub(r"(?m)^(\s*(?:notice_)?seq: )(\d+)",
                          lambda m, k=copy: f"{m.group(1)}{k * 25 + int(m.group(2)) % 25}",
                          step_file.read_text(encoding="utf-8"))
            text = re.sub(r"(?m)^(\s*volume_no: )\d+", rf"\g<1>{n + 1}", text)
            step_file.write_text(text, encoding="utf-8")
    return folder


def main() -> None:
    repeat = 1 if "--quick" in sys.argv else 3
    print(figure("rcmz check 一个案件", best(rcmz("check", str(EXAMPLES[-1])), repeat, cwd=REPO), "< 0.3 s"))
    for count, goal in ((500, "< 5 s"), (1000, "≤ 1.6× 解析")):
        many = generated_cases(count)
        try:
            checked = best(rcmz("check", str(many)), repeat, cwd=REPO)
            parsed = best(plain_yaml_parse(many), repeat, cwd=REPO)
            print(line(f"rcmz check {count} 个案件", checked, "ruamel C 解析同样的 YAML", parsed, goal))
        finally:
            shutil.rmtree(many.parent)


if __name__ == "__main__":
    main()
