"""Make the example cases' attachments: small fictional scans (JPEG, PNG) and PDFs.

Run once by hand (`.venv/bin/python scripts/make_example_attachments.py`); the outputs are
committed so the examples work on a machine without this script's fonts.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

CASES = Path(__file__).resolve().parent.parent / "casefiles"
FONT = "/usr/share/fonts/truetype/arphic/uming.ttc"


def scan(lines: list[str], size=(1240, 1754), seal: str | None = None) -> Image.Image:
    """A grey A4 page at 150 dpi that looks like a scanned paper."""
    page = Image.new("RGB", size, (246, 244, 238))
    draw = ImageDraw.Draw(page)
    title = ImageFont.truetype(FONT, 56)
    body = ImageFont.truetype(FONT, 34)
    draw.text((size[0] // 2, 180), lines[0], font=title, fill=(20, 20, 20), anchor="mm")
    y = 300
    for line in lines[1:]:
        draw.text((150, y), line, font=body, fill=(30, 30, 30))
        y += 64
    if seal:
        cx, cy = size[0] - 360, y + 80
        draw.ellipse((cx - 130, cy - 130, cx + 130, cy + 130), outline=(200, 30, 30), width=8)
        draw.text((cx, cy), seal, font=ImageFont.truetype(FONT, 30), fill=(200, 30, 30), anchor="mm")
    return page.filter(ImageFilter.GaussianBlur(0.6)).rotate(0.4, fillcolor=(246, 244, 238))


def save_pdf(pages: list[Image.Image], path: Path) -> None:
    pages[0].save(path, "PDF", resolution=150, save_all=True, append_images=pages[1:],
                  quality=70)


def main() -> None:
    one = CASES / "2025-001-exempt-individual" / "attachments"
    # as many pages as the generated application it replaces (rcmz check compares them)
    save_pdf([scan(["容错免责申请书", "申请人：周明远", "单位职务：杭州市钱塘实验中学党委书记、校长",
                    "请求事项：免予问责", "（第1页，正文略，见生成的申请书）"]),
              scan(["容错免责申请书（续）", "（第2页，正文略）"]),
              scan(["容错免责申请书（续）", "（第3页）", "", "申请人（签名）：周明远", "2025年2月6日",
                    "所在单位意见：同意申请。"], seal="钱塘实验中学")], one / "application-signed.pdf")
    save_pdf([scan(["询问笔录", f"被询问人：相关人员之{n}", "询问人：何晓岚、陈立平",
                    "问：请介绍配送服务商比选的经过。", "答：……", "以上看过，属实。"])
              for n in range(1, 4)], one / "interview-records.pdf")
    scan(["重新采购结果公告", "项目名称：食堂食材统一配送服务", "采购方式：竞争性磋商",
          "公告期限：10日", "杭州市钱塘实验中学", "2025年1月20日"]).save(
        one / "procurement-notice.jpg", quality=70)

    three = CASES / "2025-003-hearing-deferral" / "attachments"
    save_pdf([scan(["退费凭证汇总表", "退费对象：科创课程学生家长312名", "退费金额：9.36万元",
                    "退费日期：2025年12月", "杭州市拱宸桥小学"], seal="拱宸桥小学")],
             three / "refund-summary.pdf")
    scan(["听证会签到表", "主持人：钱国栋", "听证员：何晓岚、郑伟", "记录人：沈佳怡",
          "申请人：欧阳喆", "委托代理人：柴堃", "2026年1月27日"]).convert("L").save(
        three / "hearing-signin.png", optimize=True)
    save_pdf([scan(["关于欧阳喆同志容错免责认定意见的答复", "杭州市教育局党委：",
                    "原则同意你局意见，请依规作出认定并做好舆情回应。", "", "中共杭州市委组织部",
                    "2026年3月20日"], seal="市委组织部")], three / "upward-reply.pdf")

    four = CASES / "2025-004-lighter-report-first" / "attachments"
    # the signed original of the feedback letter came back as two scans: the letter (two pages),
    # then the receipt
    save_pdf([scan(["容错免责认定结果反馈告知书", "杭教党容函〔2026〕4号", "司马晗同志：",
                    "（第1页，正文略，见生成的告知书）"]),
              scan(["（第2页）", "", "中共杭州市教育局委员会", "2026年3月24日"], seal="市教育局党委")],
             four / "feedback-letter-signed.pdf")
    scan(["送达回执", "送达文书：容错免责认定结果反馈告知书", "受送达人：司马晗", "送达方式：邮寄送达",
          "签收人（签名）：司马晗", "签收日期：2026年3月26日"]).convert("L").save(
        four / "feedback-receipt-signed.png", optimize=True)


if __name__ == "__main__":
    main()
