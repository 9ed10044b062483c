"""案卷封面 (GB/T 9705-2008): 密级, the 档号 boxes, 全宗名称 … 档号 in the standard's order."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas

from toolkit.dossier.sheets.pen import BOTTOM, LEFT, PAGE_H, RIGHT, TEXT_W, TOP, Pen, line
from toolkit.dossier.spec import VolumeSpec
from toolkit.text import cn_month


def draw_cover(c: rl_canvas.Canvas, pen: Pen, spec: VolumeSpec, n_items: int, n_pages: int) -> None:
    """One cover page in the order of GB/T 9705: 全宗名称 … 档号."""
    c.setStrokeColorRGB(0, 0, 0)
    c.setFillColorRGB(0, 0, 0)
    # frame of the cover
    c.setLineWidth(1.2)
    c.rect(LEFT, BOTTOM, TEXT_W, PAGE_H - TOP - BOTTOM)
    c.setLineWidth(0.4)
    c.rect(LEFT + 1.5 * mm, BOTTOM + 1.5 * mm, TEXT_W - 3 * mm, PAGE_H - TOP - BOTTOM - 3 * mm)

    top = PAGE_H - TOP
    # 密级 (top left)
    pen.draw(LEFT + 8 * mm, top - 14 * mm, f"密级：{spec.classification}", "heiti", 14,
             field="密级")
    # 档号 box (top right): 全宗号 | 目录号 | 案卷号
    cw, rh = 24 * mm, 8 * mm
    bx1 = RIGHT - 8 * mm
    bx0 = bx1 - 3 * cw
    by1 = top - 8 * mm
    c.setLineWidth(0.8)
    c.rect(bx0, by1 - 2 * rh, 3 * cw, 2 * rh)
    line(c, bx0, by1 - rh, bx1, by1 - rh, 0.6)
    for k in (1, 2):
        line(c, bx0 + k * cw, by1, bx0 + k * cw, by1 - 2 * rh, 0.6)
    for k, (label, value) in enumerate((("全宗号", spec.fonds_no), ("目录号", spec.catalogue_no),
                                         ("案卷号", spec.volume_no))):
        cx = bx0 + (k + 0.5) * cw
        pen.draw(cx, by1 - rh + 2.6 * mm, label, "songti", 10.5, align="center")
        _fit(pen, cx, by1 - 2 * rh + 2.5 * mm, value, "heiti", 12, cw - 2 * mm, label)
    pen.draw(bx0 - 2 * mm, by1 - rh - 1.3 * mm, "档号", "heiti", 12, align="right")

    # the form rows
    label_x = LEFT + 14 * mm
    label_w = 24 * mm
    val_x0 = label_x + label_w + 6 * mm
    val_x1 = RIGHT - 14 * mm
    val_w = val_x1 - val_x0

    def row(y, label, value, role="songti", size=16, field=""):
        pen.spaced(label_x, y, label, "heiti", 15, label_w)
        line(c, val_x0, y - 2.2 * mm, val_x1, y - 2.2 * mm, 0.5)
        if value:
            _fit(pen, (val_x0 + val_x1) / 2, y, value, role, size, val_w, field or label)

    y = top - 58 * mm
    row(y, "全宗名称", spec.fonds_name, "songti", 18)
    y -= 20 * mm
    row(y, "类目名称", spec.category, "songti", 16)

    # 案卷题名: up to five lines of 小标宋
    y -= 22 * mm
    pen.spaced(label_x, y, "案卷题名", "heiti", 15, label_w)
    size = 22
    lines = pen.wrap(spec.volume_title, "xiaobiaosong", size, val_w, "案卷题名")
    while len(lines) > 4 and size > 14:
        size -= 2
        lines = pen.wrap(spec.volume_title, "xiaobiaosong", size, val_w, "案卷题名")
    lead = size * 1.55
    ty = y
    for ln in lines:
        pen.draw((val_x0 + val_x1) / 2, ty, ln, "xiaobiaosong", size, align="center",
                 field="案卷题名")
        line(c, val_x0, ty - 2.6 * mm, val_x1, ty - 2.6 * mm, 0.5)
        ty -= lead
    y = min(ty, y - 4 * lead) - 16 * mm

    row(y, "时间", f"自{cn_month(spec.start_date)}至{cn_month(spec.end_date)}")
    y -= 18 * mm
    row(y, "保管期限", spec.retention)
    y -= 18 * mm
    pen.spaced(label_x, y, "件数页数", "heiti", 15, label_w)
    line(c, val_x0, y - 2.2 * mm, val_x1, y - 2.2 * mm, 0.5)
    pen.draw((val_x0 + val_x1) / 2, y, f"本卷共{n_items}件　共{n_pages}页", "songti", 16,
             align="center")
    y -= 18 * mm
    row(y, "归档号", spec.filing_no)
    y -= 18 * mm
    row(y, "档号", spec.archive_code)


def _fit(pen: Pen, cx: float, y: float, text: str, role: str, size: float, width: float,
         field: str) -> None:
    """Draw ``text`` centred at ``cx``, shrinking it (to 60 %) so it fits ``width``."""
    s = size
    while s > size * 0.6 and pen.width(text, role, s) > width:
        s -= 0.5
    pen.draw(cx, y, text, role, s, align="center", field=field)
