"""rcmz stats: numbers checked against a hand-counted set of cases; PDF fonts, reproducibility, CSV.

The cases (dates counted by hand; 2025 arrangement: 春节 1-28 … 2-4 off, 清明 4-4 … 4-6 off,
劳动节 5-1 … 5-5 off, 端午 5-31 … 6-2 off):

| case     | started    | applied    | initiated  | decided    | fed back   | year | outcome  |
|----------|------------|------------|------------|------------|------------|------|----------|
| 2025-301 | 2025-03-03 | 2025-03-06 | 2025-03-10 | 2025-04-01 | 2025-04-02 | 2025 | 免予问责 |
| 2025-302 | 2025-05-06 | 2025-05-30*| 2025-06-03 | 2025-07-15 | 2025-07-22 | 2025 | 减轻处理 |
| 2025-303 | 2024-12-20 | 2024-12-25 | 2025-01-06 | 2025-02-10 | 2025-02-11 | 2025 | 不予容错 |
| 2025-304 | 2025-11-03 | 2025-11-05 | 2025-11-10 | —          | —          | 2025 | 尚未认定 |
| 2024-401 | 2024-05-06 | 2024-05-08 | 2024-05-10 | 2024-06-10 | 2024-06-12 | 2024 |          |
| 2024-402 | 2024-11-01 | —          | —          | —          | —          | 2024 |          |

(* late, with a recorded acceptance.)  2025-303 started in 2024 but was decided in 2025: it counts
in 2025.

Days per step in 2025: start→application 3, 24, 5, 2 (mean 8.5, median 4.0, max 24);
application→initiation 4, 4, 12, 5 (6.25, 4.5, 12); initiation→decision 22, 42, 35 (33.0, 35.0,
42); decision→feedback 1, 7, 1 (3.0, 1.0, 7).

Late steps: 2025-302 application due 5-15 (7 working days after 5-06), applied 5-30 with an
acceptance → late_accepted; its verification due 7-03 (a month after 6-03), decided 7-15 → late;
its feedback due 7-18 (3 working days after 7-15), given 7-22 → late.  2025-303 verification due
2025-02-06 (Thu, a working day), decided 2-10 → late.  Everything else in time.

Situations claimed: (一) 301, 304; (三) 301; (六) 302; (二) 303.  Confirmed: (一) 301; (六) 302.
Units: 杭州市第一中学 ×2 (301, 302), 杭州市第二中学 (304), 杭州市西溪职业学校 (303, a unit).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from conftest import first_uncovered_year
from docket_fixtures import write_case
from toolkit.cli import main
from toolkit.docket import stats as stats_module
from toolkit.docket.stats import csv_files, gather, render_pdf


@pytest.fixture
def cases(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "cases"
    write_case(root, "2025-301", started="2025-03-03", applied="2025-03-06", initiated="2025-03-10",
               reported="2025-03-25", decided="2025-04-01", fed_back="2025-04-02",
               claimed=(1, 3), confirmed=(1,), outcome="免予问责", unit="杭州市第一中学")
    write_case(root, "2025-302", started="2025-05-06", applied="2025-05-30", late_acceptance=True,
               initiated="2025-06-03", reported="2025-07-01", decided="2025-07-15",
               fed_back="2025-07-22", claimed=(6,), confirmed=(6,), outcome="减轻处理",
               unit="杭州市第一中学")
    write_case(root, "2025-303", started="2024-12-20", applied="2024-12-25", initiated="2025-01-06",
               reported="2025-01-27", decided="2025-02-10", fed_back="2025-02-11", claimed=(2,),
               confirmed=(), exclusions=(3,), outcome="不予容错", kind="单位",
               unit="杭州市西溪职业学校")
    write_case(root, "2025-304", started="2025-11-03", applied="2025-11-05", initiated="2025-11-10",
               claimed=(1,), unit="杭州市第二中学")
    write_case(root, "2024-401", started="2024-05-06", applied="2024-05-08", initiated="2024-05-10",
               reported="2024-06-01", decided="2024-06-10", fed_back="2024-06-12", claimed=(1,))
    write_case(root, "2024-402", started="2024-11-01")
    return root


def test_counts(cases):
    stats = gather(cases, 2025, cache=False)
    assert [c.id for c in stats.cases] == ["2025-301", "2025-302", "2025-303", "2025-304"]
    situations = {item: (claimed, confirmed) for item, claimed, confirmed in stats.situations}
    assert situations == {1: (2, 1), 2: (1, 0), 3: (1, 0), 4: (0, 0), 5: (0, 0), 6: (1, 1),
                          7: (0, 0), 8: (0, 0), 9: (0, 0), 10: (0, 0)}
    assert stats.outcomes == [("免予问责", 1), ("减轻处理", 1), ("从轻处理", 0), ("不予容错", 1),
                              ("尚未认定", 1)]
    assert stats.units == [("杭州市第一中学", 2), ("杭州市第二中学", 1), ("杭州市西溪职业学校", 1)]
    assert stats.durations == [("启动问责→提出申请", 4, 8.5, 4.0, 24),
                               ("提出申请→启动核实", 4, 6.25, 4.5, 12),
                               ("启动核实→认定决定", 3, 33.0, 35.0, 42),
                               ("认定决定→反馈", 3, 3.0, 1.0, 7)]
    assert stats.late == [("申请期限（7个工作日）", 0, 1, ["2025-302"]),
                          ("核实认定期限（1个月）", 2, 0, ["2025-302", "2025-303"]),
                          ("暂缓期限（3个月）", 0, 0, []),
                          ("反馈期限（3个工作日）", 1, 0, ["2025-302"])]
    assert stats.notes == []


def test_year_rule(cases):
    assert [c.id for c in gather(cases, 2024, cache=False).cases] == ["2024-401", "2024-402"]
    assert gather(cases, 2026, cache=False).cases == []


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")   # UTF-8 BOM: Excel shows the Chinese
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv(cases):
    files = csv_files(gather(cases, 2025, cache=False))
    assert sorted(files) == ["cases.csv", "durations.csv", "late.csv", "outcomes.csv",
                             "situations.csv", "units.csv"]
    durations = read_csv(files["durations.csv"])
    assert durations[0] == ["环节", "案件数", "平均（天）", "中位数（天）", "最长（天）"]
    assert durations[1] == ["启动问责→提出申请", "4", "8.5", "4.0", "24"]
    assert durations[2] == ["提出申请→启动核实", "4", "6.3", "4.5", "12"]   # 6.25, rounded half up
    situations = read_csv(files["situations.csv"])
    assert situations[1][:1] + situations[1][2:] == ["第六条第（一）项", "2", "1"]
    cases_rows = read_csv(files["cases.csv"])
    row = next(r for r in cases_rows if r[0] == "2025-302")
    assert row[2:6] == ["杭州市第一中学", "减轻处理", "（六）", "（六）"]
    assert row[6:10] == ["24", "4", "42", "7"]
    assert row[10] == ("申请期限（7个工作日）（已记录受理理由）、核实认定期限（1个月）、"
                       "反馈期限（3个工作日）")
    assert files["outcomes.csv"].endswith(b"\r\n")


def fonts_of(pdf: bytes) -> dict[str, bool]:
    """BaseFont → embedded, over every page and form XObject."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found: dict[str, bool] = {}

    def walk(resources):
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type0":
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            else:
                descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            found[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if "/Resources" in xobject:
                walk(xobject["/Resources"])

    for page in reader.pages:
        walk(page["/Resources"])
    return found


def test_pdf_fonts_embedded_and_reproducible(cases):
    stats = gather(cases, 2025, cache=False)
    first = render_pdf(stats, bureau="杭州市教育局")
    assert first == render_pdf(stats, bureau="杭州市教育局")
    fonts = fonts_of(first)
    assert fonts and all(fonts.values()), fonts           # no Helvetica, nothing unembedded
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(first)).pages)
    assert "2025年度容错免责案件共性问题分析" in text
    assert "杭州市西溪职业学校" in text and "启动核实→认定决定" in text


def test_rare_characters_in_labels(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "cases"
    write_case(root, "2025-501", started="2025-03-03", applied="2025-03-06", initiated="2025-03-10",
               reported="2025-03-25", decided="2025-04-01", fed_back="2025-04-02",
               kind="单位", unit="杭州市㵘溪𠮷祥职业学校")
    pdf = render_pdf(gather(root, 2025, cache=False))
    assert all(fonts_of(pdf).values())
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "㵘" in text and "𠮷" in text


def test_cli_writes_the_folder_and_prints_it_last(cases, tmp_path):
    out = tmp_path / "统计"
    result = CliRunner().invoke(main, ["stats", str(cases), "--year", "2025", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == str(out)
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in out.iterdir()) == [
        "cases.csv", "durations.csv", "late.csv", "outcomes.csv", "report.pdf", "situations.csv",
        "units.csv"]


def test_a_year_without_cases_is_a_report_not_an_error(cases, tmp_path):
    out = tmp_path / "2030"
    result = CliRunner().invoke(main, ["stats", str(cases), "--year", "2030", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == str(out)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(out / "report.pdf").pages)
    assert "2030年度没有容错免责案件" in text
    assert read_csv((out / "cases.csv").read_bytes())[1:] == []


def test_broken_case_is_noted(cases):
    (cases / "2025-304" / "02-initiation.yaml").write_text("date: [\n", encoding="utf-8")
    stats = gather(cases, 2025, cache=False)
    assert "2025-304" in [c.id for c in stats.cases]
    assert any("2025-304" in note and "rcmz check" in note for note in stats.notes)


def test_a_broken_bureau_configuration_is_noted(cases):
    (cases / "bureau.yaml").write_text("bureau: [\n", encoding="utf-8")
    stats = gather(cases, 2025, cache=False)
    assert stats.cases == []
    assert any(note.startswith("2025-301：无法统计，未计入") and "bureau.yaml" in note
               for note in stats.notes)


def test_a_bug_is_a_traceback_not_a_note(cases, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("decision")

    monkeypatch.setattr(stats_module, "time_limits", broken)
    with pytest.raises(KeyError):
        gather(cases, 2025, cache=False)


def test_missing_calendar_year_is_noted(tmp_path, monkeypatch):
    """Decided on 12-30 of the last year chinese-calendar covers (2026 with version 1.11): its 3
    working days of feedback run into the next year, a year without data."""
    monkeypatch.chdir(tmp_path)
    unknown = first_uncovered_year()
    last = unknown - 1
    root = tmp_path / "cases"
    write_case(root, f"{last}-601", started=f"{last}-11-02", applied=f"{last}-11-04",
               initiated=f"{last}-11-06", reported=f"{last}-11-20", decided=f"{last}-12-30",
               fed_back=f"{last}-12-31")
    stats = gather(root, last, cache=False)
    assert [c.id for c in stats.cases] == [f"{last}-601"]
    assert any(f"{last}-601" in note and f"{unknown}年" in note for note in stats.notes)
