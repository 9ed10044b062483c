"""The document's blocks on the grid: paragraphs in their styles, 附件说明, labelled paragraphs
(``出席：``), and the dispatch to tables, signatures and page breaks."""

from __future__ import annotations

import re

from toolkit.documents.model import LabeledParagraph, PageBreak, Paragraph, Signature, Table
from toolkit.errors import RenderError
from toolkit.render.forms import DEFAULT, FormPlan
from toolkit.render.linebreak import Line, is_attendance, is_closing, is_intro, is_lead_in, keeps_with_next
from toolkit.render.pdf.cursor import Cursor
from toolkit.render.pdf.grid import (
    BLACK,
    BLOCK_LEFT,
    BLOCK_RIGHT,
    BLOCK_W,
    BODY,
    CHAR_PITCH,
    TRACK,
    baseline,
)
from toolkit.render.pdf.ops import Text
from toolkit.render.pdf.setter import LineSetter, clean
from toolkit.render.pdf.signature import set_signature
from toolkit.render.pdf.tables import set_table


def set_paragraph(cur: Cursor, setter: LineSetter, segs, *, size=BODY, first_indent=0.0,
                  indent=0.0, align="justify", color=BLACK, fieldname="", keep=False,
                  lead=False) -> None:
    """Set a paragraph on the grid.  ``keep``: it must not end a page (keep with next);
    ``lead``: a lead-in line (此致) that does not begin a page without the text above."""
    justify = align == "justify"
    tracking = TRACK if size == BODY else 0.0
    lines = setter.set_lines(segs, size, BLOCK_W, first_indent=first_indent, indent=indent,
                             tracking=tracking, justify=justify, fieldname=fieldname,
                             keep=not justify)
    if not lines:
        cur.take_line()           # an empty paragraph is an empty line
        return
    cur.serial += 1
    for j, (line, parts) in enumerate(lines):
        if cur.full():
            if j == 0:
                # carries a heading / 此致 … along; a lead-in or closing formula takes two lines
                # of the text above it
                cur.break_page(min_lines=2 if lead else 0)
            else:
                cur.new_page()
        i = cur.take_line()
        op = Text(_x(line, align), baseline(i, size), size, parts, line.char_space, color,
                  field=fieldname)
        cur.place(i, op, first=j == 0, keep=keep, lead=lead)


def _x(line: Line, align: str) -> float:
    if align == "center":
        return BLOCK_LEFT + (BLOCK_W - line.extent) / 2
    if align == "right":
        return BLOCK_RIGHT - line.extent
    return BLOCK_LEFT + line.indent


def set_blocks(cur: Cursor, setter: LineSetter, blocks, plan: FormPlan | None = None) -> None:
    plan = plan or FormPlan(DEFAULT, {})
    prev = None
    for n, block in enumerate(blocks):
        following = blocks[n + 1] if n + 1 < len(blocks) else None
        if isinstance(block, Paragraph):
            _paragraph_block(cur, setter, block, prev, following, n + 1)
        elif isinstance(block, LabeledParagraph):
            if is_attendance(block.label) and not (isinstance(prev, LabeledParagraph)
                                                   and is_attendance(prev.label)):
                cur.skip(1)           # 纪要: 出席 one blank line under the text (GB/T 9704 10.3)
            label, text = clean(block.label), clean(block.text)
            ind = 2 * CHAR_PITCH
            hang = ind + setter.fonts.width(label, "heiti", BODY, "出席") + len(label) * TRACK
            if hang > BLOCK_W / 2:
                hang = ind
            set_paragraph(cur, setter, [("heiti", label), ("fangsong", text)], first_indent=ind,
                          indent=hang, fieldname=label.rstrip("：:") or f"第{n + 1}段")
        elif isinstance(block, Table):
            set_table(cur, setter, block, n + 1, joined=isinstance(prev, Table),
                      widths=plan.table_widths(n, block), style=plan.style)
        elif isinstance(block, Signature):
            # the 附注 on the line below the date stays with the signature
            note = following if isinstance(following, Paragraph) and \
                following.style == "note" else None
            set_signature(cur, setter, block, count_lines(setter, note) if note else 0)
        elif isinstance(block, PageBreak):
            if not cur.at_top():
                cur.new_page()
            cur.placed.clear()
        else:
            raise RenderError(f"无法排印未知的内容块：{type(block).__name__}")
        prev = block


def _paragraph_block(cur: Cursor, setter: LineSetter, p: Paragraph, prev, following,
                     n: int) -> None:
    style = p.style
    name = f"正文第{n}段"
    two = 2 * CHAR_PITCH
    texts = clean(p.text).split("\n")
    if style == "attachment" and not (isinstance(prev, Paragraph) and prev.style == "attachment"):
        cur.skip(1)
    for k, text in enumerate(texts):
        after = Paragraph(texts[k + 1], style) if k + 1 < len(texts) else following
        keep = keeps_with_next(style, text, after)
        lead = keep and style in ("body", "plain") and is_lead_in(text)
        if style == "body" and is_closing(text):
            keep = lead = True                # 特此通知。 / 妥否，请批示。 with what follows,
                                              # and two lines of the text above
        elif style in ("body", "plain") and keep and is_intro(text):
            lead = True                       # 调查组成员（签名）： with two lines above
        if style in ("body", "note"):
            set_paragraph(cur, setter, [("fangsong", text)], first_indent=two, fieldname=name,
                          keep=keep, lead=lead)
        elif style in ("h1", "h2", "h3", "h4"):
            role = {"h1": "heiti", "h2": "kaiti"}.get(style, "fangsong")
            set_paragraph(cur, setter, [(role, text)], first_indent=two, fieldname=name,
                          keep=keep)
        elif style in ("addressee", "plain"):
            set_paragraph(cur, setter, [("fangsong", text)], fieldname=name, keep=keep,
                          lead=lead)
        elif style == "center":
            set_paragraph(cur, setter, [("fangsong", text)], align="center", fieldname=name,
                          keep=keep)
        elif style == "right":
            set_paragraph(cur, setter, [("fangsong", text)], align="right", fieldname=name,
                          keep=keep)
        elif style == "attachment":
            _attachment(cur, setter, text, name)
        else:
            raise RenderError(f"未知的段落样式：{style}")


def count_lines(setter: LineSetter, p: Paragraph) -> int:
    """Grid lines a body-style paragraph takes."""
    two = 2 * CHAR_PITCH
    return sum(max(1, len(setter.set_lines([("fangsong", t)], BODY, BLOCK_W, first_indent=two,
                                           tracking=TRACK)))
               for t in clean(p.text).split("\n"))


def _attachment(cur: Cursor, setter: LineSetter, text: str, name: str) -> None:
    """附件说明: ``附件：1. 名称``; continuation lines hang under the name."""
    two = 2 * CHAR_PITCH
    label = "附件："
    if text.startswith(label):
        first, rest = two, text[len(label):]
        prefix = label
    else:
        lw = setter.fonts.width(label, "fangsong", BODY) + len(label) * TRACK
        first, rest = two + lw, text
        prefix = ""
    m = re.match(r"\s*\d+[.．、]\s*", rest)
    hang = first + (setter.fonts.width(prefix + (m.group(0) if m else ""), "fangsong", BODY)
                    + len(prefix + (m.group(0) if m else "")) * TRACK)
    if hang > BLOCK_W / 2:
        hang = first
    set_paragraph(cur, setter, [("fangsong", text)], first_indent=first, indent=hang,
                  fieldname=name)
