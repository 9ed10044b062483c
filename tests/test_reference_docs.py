"""The case-file reference in docs/ is generated from the schemas and must be current."""

from pathlib import Path

from toolkit.case.reference import reference

DOC = Path(__file__).resolve().parent.parent / "docs" / "case-files.md"


def test_case_file_reference_is_current():
    assert DOC.read_text(encoding="utf-8") == reference(), \
        "schemas changed: run  python -m toolkit.case.reference > docs/case-files.md"


def test_reference_lists_every_field_with_its_title():
    text = reference()
    assert "| `matter.accountability_started` | 局党委启动问责程序的日期 | 日期 | 是 |" in text
    assert "| `hearing.representatives` | 委托代理人（一至二人） |" in text


def test_every_field_has_its_chinese_name():
    rows = [line for line in reference().splitlines() if line.startswith("| `") and line.count("|") >= 6]
    assert rows and [row for row in rows if row.split("|")[2].strip() == ""] == []


def test_original_of_codes_are_listed_with_the_documents_titles():
    from toolkit.documents.registry import KINDS

    text = reference()
    for kind in KINDS:
        assert f"| `{kind.key}` | {kind.title} |" in text
