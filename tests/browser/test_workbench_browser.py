"""The workbench in Chromium: what a clerk sees and does, end to end."""

from __future__ import annotations

import difflib
import http.server
import importlib.util
import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from workbench_support import TODAY, git

pytest_plugins = ["browser_support"]  # the fixtures: server, browser, context, page


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path("/usr/bin/chromium").exists():
        return "没有 /usr/bin/chromium（make test 通过 scripts/ensure-browser-deps.sh 安装）"
    if importlib.util.find_spec("playwright") is None:
        return "没有安装 playwright（pip install -e '.[test]'）"
    return None


pytestmark = [pytest.mark.browser, pytest.mark.skipif(missing() is not None, reason=missing() or "")]
if missing() is None:
    from playwright.sync_api import expect

AXE = Path(__file__).resolve().parent / "axe.min.js"
CASE1, CASE2, CASE3 = "2025-001-exempt-individual", "2025-002-refused-unit", "2025-003-hearing-deferral"


def rcmz(server, *args) -> str:
    return subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=server.root, capture_output=True,
                          text=True, encoding="utf-8", env={"RCMZ_CACHE_DIR": str(server.root / ".cache"),
                                                            "PATH": "/usr/bin:/bin", "RCMZ_RESIDENT": "0"}).stdout


def edit(page, server, case, name):
    page.goto(f"{server.base}/case/{case}/edit/{name}")
    expect(page.locator("#check-summary")).not_to_be_empty()


def save(page, message):
    page.get_by_role("button", name="保存并提交").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("提交说明（必填）").fill(message)
    dialog.get_by_role("button", name="提交").click()
    expect(page.locator("#saved")).to_contain_text("已保存并提交")


def test_the_startup_line_is_one_chinese_line_with_the_url(server):
    assert server.line.startswith("网页工作台已启动：http://127.0.0.1:") and "?token=" in server.line


def test_docket_rows_equal_rcmz_status_json(page, server):
    page.goto(server.base + "/")
    status = json.loads(rcmz(server, "status", "casefiles", "--json", "--today", TODAY.isoformat()))
    rows = page.locator("table.docket tbody tr")
    expect(rows).to_have_count(len(status["cases"]))
    for index, case in enumerate(status["cases"]):
        row = rows.nth(index)
        expect(row.locator("th")).to_have_text(case["case"])
        expect(row.locator("td").nth(1)).to_have_text(case["step"])
        expect(row.locator("td").nth(4)).to_contain_text(case["status"])
        if case["next"]:
            expect(row.locator("td").nth(2)).to_contain_text(f"{case['next']['name']}：{case['next']['action']}")
            expect(row.locator("td").nth(3)).to_contain_text(case["next"]["due"])
    page.get_by_label("状态").select_option("idle")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("table.docket tbody tr")).to_have_count(
        sum(c["state"] == "idle" for c in status["cases"]))


def test_clearing_a_required_field_shows_the_cli_message_and_fixing_it_clears_it(page, server):
    edit(page, server, CASE1, "01-application.yaml")
    field = page.get_by_label("受理人（部门及姓名）")
    field.fill("")
    error = page.locator("#f-received_by-error")
    expect(error).to_contain_text("“received_by”（受理人（部门及姓名））不能为空，请填写")
    expect(field).to_have_attribute("aria-invalid", "true")
    path = server.cases / CASE1 / "01-application.yaml"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("局组织处沈佳怡", '""'), encoding="utf-8")  # as the form writes it
    cli = rcmz(server, "check", f"casefiles/{CASE1}", "--today", TODAY.isoformat())
    path.write_text(original, encoding="utf-8")
    line = next(line for line in cli.splitlines() if "received_by" in line)
    expect(page.locator("#check-lines")).to_contain_text(line)
    field.fill("局组织处沈佳怡")
    expect(error).to_be_empty()
    expect(page.locator("#check-summary")).to_have_text("本文件检查通过。")


def test_enum_date_article_list_and_optional_object_edits_save_the_golden_diff(page, server):
    path = server.cases / CASE1 / "01-application.yaml"
    before = path.read_text(encoding="utf-8")
    edit(page, server, CASE1, "01-application.yaml")
    page.get_by_label("请求事项").select_option("减轻处理")
    page.get_by_label("申请提交日期").fill("2025-02-07")
    expect(page.locator("#f-date-note")).to_contain_text("周五")
    situations = page.locator("#f-situations")
    situations.get_by_role("button", name="添加一项").click()
    new_item = situations.locator("fieldset.item").last
    new_item.get_by_label("第六条所列情形的项号").select_option("5")
    expect(new_item.get_by_label("第六条所列情形的项号").locator("option:checked")).to_contain_text("第六条第（五）项：因法律法规修改")
    new_item.get_by_label("事实").fill("新增的事实。")
    conditions = page.locator("#f-conditions fieldset.item")
    conditions.nth(5).get_by_role("button", name="上移").click()
    expect(page.locator("#f-conditions fieldset.item").nth(4).locator(".item-label")).to_contain_text("第 5 项")
    page.get_by_label("填写“逾期受理记录”").check()
    page.get_by_label("决定受理人").fill("林志刚")
    page.get_by_label("受理理由").fill("春节假期顺延。")
    expect(page.locator("#check-summary")).to_have_text("本文件检查通过。")
    save(page, "测试：请求事项、日期、情形、条件顺序、逾期受理")
    after = path.read_text(encoding="utf-8")
    changed = [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]
    assert changed == [
        "- date: 2025-02-06", "+ date: 2025-02-07",
        "- requested_outcome: 免予问责", "+ requested_outcome: 减轻处理",
        "+   - item: 5", "+     facts: 新增的事实。",
        "+   - item: 6",
        "+     reason: 收到投诉后即暂停合同续签，重新按规定期限组织采购，并向投诉企业说明情况。",
        "-   - item: 6",
        "-     reason: 收到投诉后即暂停合同续签，重新按规定期限组织采购，并向投诉企业说明情况。",
        "+ late_acceptance:", "+   accepted_by: 林志刚", "+   reason: 春节假期顺延。",
    ], changed
    shown = git(server.root, "show", "--name-only", "--format=%s", "HEAD").split()
    assert shown == ["测试：请求事项、日期、情形、条件顺序、逾期受理", f"casefiles/{CASE1}/01-application.yaml"]


def test_save_needs_a_message(page, server):
    edit(page, server, CASE2, "05-feedback.yaml")
    page.get_by_label("签收人").fill("王某某（代收）")
    page.get_by_role("button", name="保存并提交").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("提交说明（必填）").fill("")
    dialog.get_by_role("button", name="提交").click()
    expect(dialog.locator("#save-dialog-status")).to_have_text("请填写提交说明。")
    assert "王某某（代收）" not in (server.cases / CASE2 / "05-feedback.yaml").read_text(encoding="utf-8")
    dialog.get_by_role("button", name="取消").click()


def test_a_second_tab_meets_the_conflict(context, server):
    first, second = context.new_page(), context.new_page()
    for tab in (first, second):
        edit(tab, server, CASE2, "06-filing.yaml")
    first.get_by_label("检查人").fill("何晓岚甲")
    save(first, "第一个标签页")
    second.get_by_label("检查人").fill("何晓岚乙")
    second.get_by_role("button", name="保存并提交").click()
    dialog = second.get_by_role("dialog")
    expect(dialog).to_contain_text("文件在打开后已被修改")
    expect(dialog.locator("table.diff")).to_contain_text("何晓岚甲")
    assert "何晓岚乙" not in (server.cases / CASE2 / "06-filing.yaml").read_text(encoding="utf-8")
    dialog.get_by_role("link", name="重新载入").click()
    expect(second.get_by_label("检查人")).to_have_value("何晓岚甲")


def test_render_then_preview_answers_pdf_and_dossier_then_verify_passes(page, server):
    page.goto(f"{server.base}/case/{CASE3}")
    page.get_by_role("button", name="生成文书").click()
    expect(page.locator(".job-ok", has_text="生成文书：完成")).to_be_visible(timeout=60_000)
    preview = page.get_by_role("link", name="预览").first
    href = preview.get_attribute("href")
    response = page.request.get(server.base + href.replace("/view/", "/build/"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    preview.click()
    expect(page.locator("iframe.pdf")).to_be_visible()
    page.goto(f"{server.base}/case/{CASE3}")
    page.get_by_role("button", name="生成案卷").click()
    expect(page.locator(".job-ok", has_text="生成案卷：完成")).to_be_visible(timeout=90_000)
    page.goto(f"{server.base}/case/{CASE3}")
    expect(page.get_by_text("测试证书", exact=False).first).to_be_visible()
    page.get_by_role("button", name="核验案卷").click()
    verified = page.locator(".job-ok", has_text="核验案卷：完成")
    expect(verified).to_be_visible(timeout=60_000)
    expect(verified.locator(".job-lines")).to_contain_text("结论：通过")


def test_a_page_from_another_local_origin_cannot_post(page, server):
    target = f"{server.base}/case/{CASE2}/step"
    html = (f'<form id="f" method="post" action="{target}"><input name="step" value="followup"></form>'
            '<script>document.getElementById("f").submit()</script>').encode()

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    evil = http.server.HTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        with page.expect_response(target) as answer:
            page.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
        assert answer.value.status == 403
    finally:
        evil.shutdown()
    assert not (server.cases / CASE2 / "10-followup.yaml").exists()


@pytest.mark.parametrize("url", ["/", f"/case/{CASE3}", f"/case/{CASE3}/edit/03-investigation.yaml"])
def test_axe_finds_no_wcag_a_or_aa_violation(browser, server, url):
    # the page's CSP rightly refuses the injected test script: this context alone bypasses it
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.goto(server.login)
    page.goto(server.base + url)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})")
    context.close()
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]] == []


def test_keyboard_only_from_docket_to_commit(page, server):
    page.goto(server.base + "/")

    def tab_to(predicate_js: str, limit: int = 80):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const e = document.activeElement; return {predicate_js}; }})()"):
                return
        raise AssertionError("never reached: " + predicate_js)

    tab_to("e.textContent.trim() === '2025-003'")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/case/{CASE3}$"))
    tab_to("e.getAttribute('aria-label') === '编辑 当事方与事项'")
    page.keyboard.press("Enter")
    expect(page.locator("#check-summary")).not_to_be_empty()
    tab_to("e.id === 'f-applicant--contact'")
    page.keyboard.press("Control+A")
    page.keyboard.type("0571-87654321")
    page.keyboard.press("Control+s")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator("#commit-message")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("键盘操作：修改联系方式")
    page.keyboard.press("Enter")
    expect(page.locator("#saved")).to_contain_text("键盘操作：修改联系方式")
    assert git(server.root, "log", "-1", "--format=%s").strip() == "键盘操作：修改联系方式"
