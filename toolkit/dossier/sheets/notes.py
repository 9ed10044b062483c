"""卷内备考表: 本卷情况说明 (an automatic count, then the spec's notes), the manifest's SHA-256,
立卷人, 检查人, 立卷时间, and the box the visible signature goes into."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.units import mm

from toolkit.dossier.entries import Entry
from toolkit.dossier.sheets.pen import (
    BOTTOM,
    LEFT,
    OUTER,
    PAGE_H,
    PAGE_W,
    RIGHT,
    TOP,
    Pen,
    canvas,
    line,
)
from toolkit.dossier.spec import SCAN_ORIGINAL_REMARK, VolumeSpec
from toolkit.dossier.vocabulary import MANIFEST_FILENAME
from toolkit.text import cn_date

NOTES_SIZE = 14
NOTES_LEAD = 26
SIGNATURE_BOX = (78 * mm, 34 * mm)       # width, height of the electronic signature's stamp


@dataclass
class BackResult:
    pages: int
    signature_page: int                                    # index within the back document
    signature_rect: tuple[float, float, float, float]      # x0, y0, x1, y1 in points


def digest_lines(hexdigest: str) -> list[str]:
    """The manifest digest as printed: two lines of four 8-digit groups."""
    groups = [hexdigest[i:i + 8] for i in range(0, len(hexdigest), 8)]
    return [" ".join(groups[:4]), " ".join(groups[4:])]


def notes_lines(spec: VolumeSpec, entries: Sequence[Entry], content_pages: int) -> list[str]:
    """本卷情况说明: an automatic count, then the spec's notes."""
    scans = sum(1 for e in entries if e.item.is_scan_original)
    atts = sum(len(e.attachments) for e in entries)
    first = f"本卷共{len(entries)}件，卷内文件共{content_pages}页（页号1—{content_pages}）"
    extra = []
    if atts:
        extra.append(f"含附件{atts}份")
    if scans:
        extra.append(f"其中{scans}件为{SCAN_ORIGINAL_REMARK}")
    lines = [first + ("，" + "，".join(extra) if extra else "") + "。"]
    lines += [n.strip() for n in spec.notes if n.strip()]
    if spec.dirty:
        lines.append("本卷据含未提交修改的案件材料生成，为草稿，不得归档。")
    return lines


def render_back(path: Path, spec: VolumeSpec, entries: Sequence[Entry], book, *,
                content_pages: int, manifest_sha256: str) -> BackResult:
    c = canvas(path, book, spec.volume_title)
    pen = Pen(c, book)
    top = PAGE_H - TOP
    box_x0, box_x1 = LEFT, RIGHT
    text_x0 = box_x0 + 6 * mm
    text_w = box_x1 - box_x0 - 12 * mm
    # wrap the notes, numbering them 1. 2. …
    wrapped: list[str] = []
    for k, note in enumerate(notes_lines(spec, entries, content_pages), 1):
        label = f"{k}．"
        lw = pen.width(label, "fangsong", NOTES_SIZE)
        body = pen.wrap(note, "fangsong", NOTES_SIZE, text_w - lw, field="本卷情况说明")
        wrapped.append(label + body[0])
        wrapped += ["\u3000\u3000" + ln for ln in body[1:]]  # hanging indent (≈ label width)
    bottom_block = 92 * mm       # digest, 立卷人 …, signature box
    head_block = 26 * mm
    first_line_y = top - head_block - 16 * mm
    per_last = int((first_line_y - (BOTTOM + bottom_block)) // NOTES_LEAD) + 1
    per_full = int((first_line_y - (BOTTOM + 12 * mm)) // NOTES_LEAD) + 1
    pages: list[list[str]] = []
    rest = list(wrapped)
    while len(rest) > per_last:
        pages.append(rest[:per_full])
        rest = rest[per_full:]
    pages.append(rest)
    sig_rect = (0.0, 0.0, 0.0, 0.0)
    for k, lines in enumerate(pages, 1):
        last = k == len(pages)
        title = "卷内备考表" + ("（续）" if k > 1 else "")
        pen.draw(PAGE_W / 2 + (LEFT - OUTER) / 2, top - 10 * mm, title, "xiaobiaosong", 20,
                 align="center", spacing=2)
        pen.draw(RIGHT, top - head_block + 6 * mm, f"档号：{spec.archive_code}", "songti", 10.5,
                 align="right")
        box_top = top - head_block
        box_bottom = BOTTOM + (bottom_block if last else 8 * mm)
        c.setLineWidth(0.9)
        c.rect(box_x0, box_bottom, box_x1 - box_x0, box_top - box_bottom)
        pen.draw(text_x0, box_top - 9 * mm, "本卷情况说明：", "heiti", NOTES_SIZE)
        # ruled lines like the printed form
        y = first_line_y
        c.setStrokeColorRGB(0.55, 0.55, 0.55)
        ry = y - 2.4 * mm
        while ry > box_bottom + 6 * mm:
            line(c, text_x0, ry, box_x1 - 6 * mm, ry, 0.3)
            ry -= NOTES_LEAD
        c.setStrokeColorRGB(0, 0, 0)
        for ln in lines:
            pen.draw(text_x0, y, ln, "fangsong", NOTES_SIZE, field="本卷情况说明")
            y -= NOTES_LEAD
        if not last:
            pen.draw(RIGHT, BOTTOM + 2 * mm, "（续下页）", "songti", 9, align="right")
            c.showPage()
            continue
        # manifest digest
        y = box_bottom - 10 * mm
        pen.draw(LEFT, y, f"电子文件清单（{MANIFEST_FILENAME}，内嵌于本卷 PDF）SHA-256：", "songti",
                 10.5)
        for ln in digest_lines(manifest_sha256):
            y -= 5.6 * mm
            pen.draw(LEFT + 8 * mm, y, ln, "songti", 11)
        # 立卷人 / 检查人 / 立卷时间 (left), electronic signature (right)
        y -= 13 * mm
        for label, value in (("立卷人", spec.compiler), ("检查人", spec.checker),
                             ("立卷时间", cn_date(spec.compiled_on))):
            pen.spaced(LEFT, y, label, "heiti", NOTES_SIZE, 21 * mm)
            pen.draw(LEFT + 21.5 * mm, y, "：" + value, "fangsong", NOTES_SIZE, field=label)
            y -= 11 * mm
        sw, sh = SIGNATURE_BOX
        sx1 = RIGHT
        sx0 = sx1 - sw
        sy0 = BOTTOM + 2 * mm
        pen.draw(sx0, sy0 + sh + 2 * mm, "电子签名：", "heiti", 10.5)
        sig_rect = (sx0, sy0, sx1, sy0 + sh)
        c.showPage()
    c.save()
    return BackResult(len(pages), len(pages) - 1, sig_rect)
