"""``rcmz stats``: the yearly analysis of common problems (Art. 12 共性问题分析).

Counted for one year:

* Art. 6 situations: how many cases claimed each item (``01-application.yaml`` situations) and
  how many decisions confirmed it (``04-determination.yaml`` decision.situations);
* outcomes (Art. 2), with undecided cases as 尚未认定;
* applicant units: the unit's name for a unit's application, the person's unit otherwise;
* time taken per step, in calendar days: accountability start → application → initiation →
  decision → feedback (count, mean, median, longest);
* late steps: the time limits of ``toolkit.rules.deadlines`` met late (late / late_accepted).

Which year a case belongs to: the year of its decision (``decision.date``); a case not yet decided
belongs to the year its accountability procedure started.  A case therefore moves from one year to
the next if it is started in December and decided in January — it is counted where its result
falls, which is what a yearly review of outcomes needs, and it is never counted twice.

Output, in ``--out`` (default ``build/stats-<year>``): ``report.pdf`` (charts drawn with
reportlab.graphics in the project's CJK fonts, every font embedded, byte-reproducible with
``invariant=1``) and CSV files in UTF-8 with a BOM so that Excel shows the Chinese.  A year without
cases gives a report that says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import RcmzError
from toolkit.rules.articles import GRANTED_OUTCOMES, REFUSED_OUTCOME, SITUATIONS
from toolkit.rules.deadlines import PERIODS, time_limits
from toolkit.text import cn_number

UNDECIDED = "尚未认定"
OUTCOMES = (*GRANTED_OUTCOMES, REFUSED_OUTCOME, UNDECIDED)
NO_UNIT = "（未填写单位）"

#: (key, label, from (step, path…), to (step, path…))
STEP_SPANS = (
    ("to_application", "启动问责→提出申请", ("case", "matter", "accountability_started"),
     ("application", "date")),
    ("to_initiation", "提出申请→启动核实", ("application", "date"), ("initiation", "date")),
    ("to_decision", "启动核实→认定决定", ("initiation", "date"), ("determination", "decision", "date")),
    ("to_feedback", "认定决定→反馈", ("determination", "decision", "date"), ("feedback", "date")),
)
LIMIT_NAMES = {period.key: f"{period.name}（{period.length_text}）" for period in PERIODS}


@dataclass
class CaseFacts:
    id: str
    folder: str
    applicant: str
    unit: str
    year: int | None
    outcome: str
    claimed: list[int]
    confirmed: list[int]
    spans: dict[str, int | None]
    late: list[tuple[str, str]]          # (limit key, late | late_accepted)
    broken: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class YearStats:
    year: int
    cases: list[CaseFacts]
    notes: list[str] = field(default_factory=list)

    @property
    def situations(self) -> list[tuple[int, int, int]]:
        """(item, claimed, confirmed) for items 1–10."""
        return [(item, sum(item in c.claimed for c in self.cases),
                 sum(item in c.confirmed for c in self.cases)) for item in SITUATIONS]

    @property
    def outcomes(self) -> list[tuple[str, int]]:
        return [(name, sum(c.outcome == name for c in self.cases)) for name in OUTCOMES]

    @property
    def units(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for c in self.cases:
            counts[c.unit] = counts.get(c.unit, 0) + 1
        return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))

    @property
    def durations(self) -> list[tuple[str, int, float | None, float | None, int | None]]:
        """(label, cases, mean, median, longest) per step, in calendar days."""
        out: list[tuple[str, int, float | None, float | None, int | None]] = []
        for key, label, _, _ in STEP_SPANS:
            values = [span for c in self.cases if (span := c.spans.get(key)) is not None]
            if values:
                out.append((label, len(values), statistics.fmean(values),
                            float(statistics.median(values)), max(values)))
            else:
                out.append((label, 0, None, None, None))
        return out

    @property
    def late(self) -> list[tuple[str, int, int, list[str]]]:
        """(limit, late, late with a recorded reason, case ids) per time limit."""
        out = []
        for key, name in LIMIT_NAMES.items():
            late = [c.id for c in self.cases if (key, "late") in c.late]
            accepted = [c.id for c in self.cases if (key, "late_accepted") in c.late]
            out.append((name, len(late), len(accepted), sorted(late + accepted)))
        return out


# --- gathering -------------------------------------------------------------------------------


def _items(value) -> list[int]:
    return sorted({v for v in value if isinstance(v, int) and not isinstance(v, bool)}) \
        if isinstance(value, list) else []


def facts_of(case, calendar, broken: bool = False) -> CaseFacts:
    decided = case.date("determination", "decision", "date")
    started = case.date("case", "matter", "accountability_started")
    year = decided.year if decided else started.year if started else None
    kind = case.get("case", "applicant", "kind")
    name = case.get("case", "applicant", "name")
    unit = name if kind == "单位" else case.get("case", "applicant", "unit")
    claimed = _items([s.get("item") for s in case.get("application", "situations", default=[])
                      if isinstance(s, dict)]
                     if isinstance(case.get("application", "situations"), list) else [])
    outcome = case.get("determination", "decision", "outcome") if decided else None
    spans = {}
    for key, _, start, end in STEP_SPANS:
        a, b = case.date(*start), case.date(*end)
        spans[key] = (b - a).days if a and b else None
    # Only late / late_accepted are used, and they do not depend on "today".
    limits, missing = time_limits(case, calendar, decided or started or dt.date(2000, 1, 1))
    notes = [f"{case.id}：{gap.error.message.splitlines()[0]}（该期限是否逾期未统计）"
             for gap in missing]
    return CaseFacts(
        id=case.id, folder=str(case.folder), applicant=name if isinstance(name, str) else "",
        unit=unit if isinstance(unit, str) and unit else NO_UNIT, year=year,
        outcome=outcome if outcome in OUTCOMES else UNDECIDED, claimed=claimed,
        confirmed=_items(case.get("determination", "decision", "situations")),
        spans=spans, late=[(t.key, t.status) for t in limits if t.status in ("late", "late_accepted")],
        broken=broken, notes=notes)


def gather(root: Path, year: int, cache: bool = True) -> YearStats:
    """The cases of ``year`` under ``root`` (see the module docstring for the year rule)."""
    from toolkit.case.folders import case_folders
    from toolkit.context import context_for
    from toolkit.docket.cache import Store, case_of, load_snapshots

    folders = case_folders(root)
    shots = load_snapshots(folders, store=Store(root) if cache else None)
    stats = YearStats(year, [])
    for shot in shots:
        name = Path(shot.folder).name
        if shot.error:
            stats.notes.append(f"{name}：无法读取，未计入（{shot.error}）")
            continue
        case = case_of(shot)
        try:
            facts = facts_of(case, context_for(case.folder).calendar, shot.broken)
        except RcmzError as error:  # e.g. a broken bureau.yaml or holiday table beside this case
            stats.notes.append(f"{name}：无法统计，未计入（{error.format_message()}）")
            continue
        if facts.year is None:
            stats.notes.append(f"{facts.id}：既无认定日期也无启动问责日期，无法归入年度")
            continue
        if facts.year != year:
            continue
        if shot.broken:
            stats.notes.append(f"{facts.id}：文件有误，统计可能不完整（请运行 rcmz check）")
        stats.notes.extend(facts.notes)
        stats.cases.append(facts)
    stats.cases.sort(key=lambda c: c.id)
    return stats


# --- CSV -------------------------------------------------------------------------------------


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _round(value: float) -> str:
    """One decimal, halves rounded up as people do by hand (6.25 → 6.3, not Python's 6.2)."""
    from decimal import ROUND_HALF_UP, Decimal

    return str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _num(value: float | None) -> str:
    return "" if value is None else _round(value)


def csv_files(stats: YearStats) -> dict[str, bytes]:
    cases = [["案件编号", "申请人", "单位", "认定结果", "主张的第六条情形", "认定的第六条情形",
              *(label + "（天）" for _, label, _, _ in STEP_SPANS), "逾期的期限", "文件有误"]]
    for c in stats.cases:
        cases.append([c.id, c.applicant, c.unit, c.outcome,
                      "、".join(f"（{cn_number(i)}）" for i in c.claimed),
                      "、".join(f"（{cn_number(i)}）" for i in c.confirmed),
                      *("" if c.spans[key] is None else str(c.spans[key]) for key, _, _, _ in STEP_SPANS),
                      "、".join(LIMIT_NAMES[k] + ("（已记录受理理由）" if s == "late_accepted" else "")
                               for k, s in c.late),
                      "是" if c.broken else ""])
    return {
        "cases.csv": _csv(cases),
        "situations.csv": _csv([["项", "情形", "主张", "认定"]] + [
            [f"第六条第（{cn_number(i)}）项", SITUATIONS[i], a, b] for i, a, b in stats.situations]),
        "outcomes.csv": _csv([["认定结果", "案件数"]] + [list(row) for row in stats.outcomes]),
        "units.csv": _csv([["单位", "案件数"]] + [list(row) for row in stats.units]),
        "durations.csv": _csv([["环节", "案件数", "平均（天）", "中位数（天）", "最长（天）"]] + [
            [label, n, _num(mean), _num(median), "" if top is None else top]
            for label, n, mean, median, top in stats.durations]),
        "late.csv": _csv([["期限", "逾期", "逾期（已记录受理理由）", "案件"]] + [
            [name, late, accepted, "、".join(ids)] for name, late, accepted, ids in stats.late]),
    }


# --- PDF -------------------------------------------------------------------------------------

MM = 72 / 25.4


class _Pdf:
    """Text and charts in the project's fonts: every string goes through FontBook.runs."""

    def __init__(self, book):
        self.book = book
        self.body = book.primary("songti")
        self.bold = book.primary("heiti")

    def markup(self, text: str, role: str) -> str:
        from xml.sax.saxutils import escape

        return "".join(f'<font name="{name}">{escape(part)}</font>'
                       for name, part in self.book.runs(text, role))

    def para(self, text: str, role: str = "songti", size: float = 10.5, *, space_before=0,
             space_after=4, align=0, leading=None):
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import Paragraph

        style = ParagraphStyle("p", fontName=self.book.primary(role), fontSize=size,
                               leading=leading or size * 1.45, spaceBefore=space_before,
                               spaceAfter=space_after, alignment=align, wordWrap="CJK")
        return Paragraph(self.markup(text, role), style)

    def string(self, drawing, x: float, y: float, text: str, role: str, size: float,
               anchor: str = "start", color=None) -> None:
        """Place ``text`` as per-font runs (a chart label may need a fallback font)."""
        from reportlab.graphics.shapes import String
        from reportlab.lib import colors

        total = self.book.width(text, role, size)
        x0 = x - total if anchor == "end" else x - total / 2 if anchor == "middle" else x
        for name, part in self.book.runs(text, role):
            drawing.add(String(x0, y, part, fontName=name, fontSize=size,
                               fillColor=color or colors.black))
            x0 += self.book.width(part, role, size)

    def clip(self, text: str, role: str, size: float, limit: float) -> str:
        if self.book.width(text, role, size) <= limit:
            return text
        while text and self.book.width(text + "…", role, size) > limit:
            text = text[:-1]
        return text + "…"


PALETTE = ("#2f5d8a", "#c0504d", "#9bbb59", "#8064a2", "#f79646")


def _count_label(value) -> str:
    return str(int(value)) if value else ""  # no "0" beside empty bars


def bar_chart(pdf: _Pdf, labels: list[str], series: list[list[int]], names: list[str],
              width: float = 155 * MM):
    """A horizontal bar chart: one row per label, one bar per series, a legend when several."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing, Rect
    from reportlab.lib import colors

    size = 9
    label_w = min(60 * MM, max(pdf.book.width(t, "songti", size) for t in labels) + 4)
    row_h = 9 + 9 * len(series)
    legend_h = 14 if len(series) > 1 else 0
    plot_h = row_h * len(labels)
    height = plot_h + 24 + legend_h
    drawing = Drawing(width, height, initialFontName=pdf.body, initialFontSize=size)
    chart = HorizontalBarChart()
    chart.x, chart.y = label_w + 6, 18
    chart.width, chart.height = width - chart.x - 24, plot_h
    # HorizontalBarChart draws category 0 and series 0 at the bottom: reverse both so that the
    # rows and the bars of a row read top-down in the order given.
    chart.data = [list(reversed(values)) for values in reversed(series)]
    chart.categoryAxis.categoryNames = [""] * len(labels)
    chart.categoryAxis.labels.fontName = pdf.body
    chart.categoryAxis.visibleTicks = False
    top = max((max(values) for values in series if values), default=0)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(top, 1) + (1 if top < 10 else max(1, top // 10))
    chart.valueAxis.valueStep = max(1, (chart.valueAxis.valueMax + 9) // 10)
    chart.valueAxis.labels.fontName = pdf.body
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.labelTextFormat = "%d"
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    chart.barLabelFormat = _count_label
    chart.barLabels.fontName = pdf.body
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 7
    chart.barLabels.boxAnchor = "w"
    chart.barSpacing = 1
    chart.groupSpacing = 6
    for i in range(len(series)):
        colour = PALETTE[(len(series) - 1 - i) % len(PALETTE)]
        chart.bars[i].fillColor = colors.HexColor(colour)
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    for i, label in enumerate(labels):  # our own labels: per-character font fallback
        y = chart.y + plot_h - (i + 0.5) * row_h - size * 0.35
        pdf.string(drawing, label_w, y, label, "songti", size, anchor="end")
    if len(series) > 1:
        x = chart.x
        for i, name in enumerate(names):
            drawing.add(Rect(x, height - 10, 8, 8, fillColor=colors.HexColor(PALETTE[i]),
                             strokeColor=None))
            pdf.string(drawing, x + 11, height - 9, name, "songti", size)
            x += 11 + pdf.book.width(name, "songti", size) + 16
    return drawing


def _table(pdf: _Pdf, rows: list[list[str]], widths: list[float], numeric_from: int = 1,
           numeric_to: int = 99):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    cells = [[pdf.para(str(v), "heiti" if r == 0 else "songti", 9, space_after=0,
                       align=2 if (numeric_from <= c <= numeric_to and r > 0) else 0)
              for c, v in enumerate(row)] for r, row in enumerate(rows)]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), pdf.body),  # else Table sets Helvetica (not embedded)
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _fmt(value: float | None) -> str:
    return "—" if value is None else _round(value)


def render_pdf(stats: YearStats, book=None, bureau: str = "") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer

    from toolkit.render.fonts import default_fontbook

    pdf = _Pdf(book or default_fontbook())
    buffer = io.BytesIO()
    title = f"{stats.year}年度容错免责案件共性问题分析"
    doc = SimpleDocTemplate(buffer, pagesize=A4, invariant=1, initialFontName=pdf.body,
                            leftMargin=25 * MM, rightMargin=25 * MM, topMargin=22 * MM,
                            bottomMargin=22 * MM, title=title, author=bureau or "rcmz",
                            creator="rcmz stats", subject="《实施办法》第十二条 共性问题分析")
    story = [pdf.para(title, "heiti", 18, align=1, space_after=4)]
    if bureau:
        story.append(pdf.para(bureau, "songti", 11, align=1, space_after=10))
    story.append(pdf.para(
        "统计口径：案件按认定决定日期归入年度；尚未作出认定的，按局党委启动问责程序的日期归入年度。"
        "用时按自然日计算。", "songti", 9, space_after=10))

    def heading(text):
        return pdf.para(text, "heiti", 13, space_before=10, space_after=6)

    cases = stats.cases
    if not cases:
        story.append(heading("一、概况"))
        story.append(pdf.para(f"{stats.year}年度没有容错免责案件，无共性问题可分析。"))
    else:
        decided = [c for c in cases if c.outcome != UNDECIDED]
        granted = [c for c in decided if c.outcome in GRANTED_OUTCOMES]
        story.append(heading("一、概况"))
        story.append(pdf.para(
            f"{stats.year}年度共有容错免责案件{len(cases)}件，其中已作出认定{len(decided)}件"
            f"（予以容错{len(granted)}件、不予容错{len(decided) - len(granted)}件），"
            f"尚未认定{len(cases) - len(decided)}件；涉及学校（单位）{len(stats.units)}个。"))

        story.append(heading("二、第六条情形分布"))
        situations = stats.situations
        story.append(bar_chart(pdf, [f"第（{cn_number(i)}）项" for i, _, _ in situations],
                               [[a for _, a, _ in situations], [b for _, _, b in situations]],
                               ["申请主张", "认定符合"]))
        story.append(Spacer(1, 4))
        story.append(_table(pdf, [["项", "情形", "主张", "认定"]] + [
            [f"（{cn_number(i)}）", SITUATIONS[i], str(a), str(b)] for i, a, b in situations],
            [12 * MM, 113 * MM, 15 * MM, 15 * MM], numeric_from=2))

        story.append(KeepTogether([heading("三、认定结果"), bar_chart(
            pdf, [name for name, _ in stats.outcomes], [[n for _, n in stats.outcomes]], ["案件数"])]))

        units = stats.units
        shown = units[:15]
        labels = [pdf.clip(name, "songti", 9, 55 * MM) for name, _ in shown]
        part = [heading("四、申请单位分布"),
                bar_chart(pdf, labels, [[n for _, n in shown]], ["案件数"])]
        if len(units) > len(shown):
            part.append(pdf.para(f"（仅列案件最多的{len(shown)}个单位，共{len(units)}个，全部见 units.csv）",
                                 "songti", 9))
        story.append(KeepTogether(part))

        story.append(KeepTogether([heading("五、各环节用时（自然日）"), _table(
            pdf, [["环节", "案件数", "平均", "中位数", "最长"]] + [
                [label, str(n), _fmt(mean), _fmt(median), "—" if top is None else str(top)]
                for label, n, mean, median, top in stats.durations],
            [55 * MM, 25 * MM, 25 * MM, 25 * MM, 25 * MM])]))

        story.append(KeepTogether([heading("六、逾期情况"), _table(
            pdf, [["期限", "逾期", "已记录受理理由", "案件"]] + [
                [name, str(late), str(accepted), "、".join(ids) or "—"]
                for name, late, accepted, ids in stats.late],
            [50 * MM, 18 * MM, 30 * MM, 57 * MM], numeric_to=2)]))
    if stats.notes:
        story.append(heading("说明"))
        for note in stats.notes:
            story.append(pdf.para(note, "songti", 9, space_after=2))

    def page_number(canvas, document):
        canvas.saveState()
        text = f"— {document.page} —"
        x = A4[0] / 2 - pdf.book.width(text, "songti", 9) / 2
        for name, part in pdf.book.runs(text, "songti"):
            canvas.setFont(name, 9)
            canvas.drawString(x, 12 * MM, part)
            x += pdf.book.width(part, "songti", 9)
        canvas.restoreState()

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()


# --- the command -----------------------------------------------------------------------------


def write(stats: YearStats, out: Path, bureau: str = "") -> list[Path]:
    from toolkit.atomic import write_bytes_atomic

    written = []
    for name, data in {"report.pdf": render_pdf(stats, bureau=bureau), **csv_files(stats)}.items():
        write_bytes_atomic(out / name, data)
        written.append(out / name)
    return written


def _bureau_name(root: Path) -> str:
    from toolkit.config import find_config, load_config

    try:
        return str(load_config(root).get("bureau", "")) if find_config(root) else ""
    except RcmzError:  # the name is decoration; rcmz check reports a broken configuration
        return ""


def run(cases_dir: Path, year: int, out: Path | None) -> tuple[YearStats, Path, list[Path]]:
    """``rcmz stats``: the year's statistics written as PDF and CSV; (stats, folder, files)."""
    from toolkit.docket.status import cases_root

    root = cases_root(cases_dir)
    stats = gather(root, year)
    out = out or Path("build") / f"stats-{year}"
    return stats, out, write(stats, out, _bureau_name(root))
