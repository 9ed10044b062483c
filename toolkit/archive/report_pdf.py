"""The 四性检测报告 as pages a person reads: per property and item the code, the name, the
result and the memo, in a table (reportlab platypus), saved as PDF/A-3b."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pikepdf.pdfa as pikepdf_pdfa

from toolkit.dossier import pdfa
from toolkit.errors import RcmzError

MEMO_LINES = 12


def write_report_pdf(report, path: Path, book) -> Path:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    song, hei = book.primary("songti"), book.primary("heiti")
    body = ParagraphStyle("body", fontName=song, fontSize=9, leading=12, wordWrap="CJK")
    head = ParagraphStyle("head", fontName=hei, fontSize=16, leading=22, alignment=1)
    sub = ParagraphStyle("sub", fontName=hei, fontSize=11, leading=16, spaceBefore=6)
    story = [Paragraph("电子档案四性检测报告", head),
             Paragraph(escape(f"信息包：{report.package}　检测环节：{report.stage}环节　检测时间：{report.time}"), body),
             Paragraph(escape(f"依据：DA/T 70-2018《文书类电子档案检测一般要求》（据二手资料；检测项编号为推断，"
                              f"见 docs/archive.md）。案卷核验结论：{report.volume_verdict}"), body),
             Paragraph(escape(f"检测结果：{report.result}"), sub)]
    for name, items in report.by_property().items():
        story.append(Paragraph(escape(f"{name}：{report.property_result(items)}"), sub))
        rows = [[Paragraph(x, body) for x in ("编号", "检测项目", "结果", "说明")]]
        for item in items:
            memo = item.memo[:MEMO_LINES] + ([f"……另有 {len(item.memo) - MEMO_LINES} 条"]
                                             if len(item.memo) > MEMO_LINES else [])
            rows.append([Paragraph(escape(item.code), body), Paragraph(escape(item.name), body),
                         Paragraph(escape(item.result), body),
                         Paragraph("<br/>".join(escape(m) for m in memo) or "—", body)])
        table = Table(rows, colWidths=[20 * mm, 52 * mm, 16 * mm, 82 * mm], repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black), ("FONTNAME", (0, 0), (-1, -1), song),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92))]))
        story += [table, Spacer(1, 4 * mm)]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                      bottomMargin=15 * mm, title="电子档案四性检测报告", author="rcmz", invariant=1,
                      initialFontName=song).build(story)
    with pikepdf.open(io.BytesIO(buf.getvalue())) as pdf:
        pdfa.strip_empty_transitions(pdf)
        try:
            pikepdf_pdfa.save(pdf, path, pdfa.FLAVOUR, repair=True, **pdfa.SAVE_KWARGS)
        except pikepdf_pdfa.PdfaError as exc:
            raise RcmzError(f"四性检测报告的 PDF 不符合 {pdfa.FLAVOUR_NAME}：\n{pdfa.describe(exc.report)}") from None
    return path
