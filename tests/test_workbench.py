"""The workbench without a browser: refusals (Host, token, Origin, traversal), saving and
committing one file, 409 after an external change, the docket from the status code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from toolkit.docket.status import collect, to_json
from workbench_support import (
    PORT,
    TODAY,
    edit_url,
    git,
    opened_form,
    post_form,
    set_field,
    workbench,
)

CASE = "2025-001-exempt-individual"
APP = "01-application.yaml"


@pytest.fixture
def bench(tmp_path, monkeypatch):
    return workbench(tmp_path, monkeypatch)


# --- security ----------------------------------------------------------------------------------


def test_a_foreign_host_is_refused_even_with_the_cookie(bench):
    client, _, _ = bench
    for host in (f"evil.example:{PORT}", "127.0.0.1:1", f"[::1]:{PORT}", f"localhost.evil:{PORT}"):
        assert client.get("/", headers={"host": host}).status_code == 403, host
    assert client.get("/", headers={"host": f"localhost:{PORT}"}).status_code == 200
    assert client.get("/", headers={"x-forwarded-host": f"127.0.0.1:{PORT}", "host": "evil"}).status_code == 403


def test_without_the_token_nothing_is_answered_and_the_token_becomes_a_strict_cookie(tmp_path, monkeypatch):
    client, bench, _ = workbench(tmp_path, monkeypatch)
    client.cookies.clear()
    for url in ("/", f"/case/{CASE}", "/static/app.js", edit_url(CASE, APP), "/calendar.ics"):
        assert client.get(url).status_code == 403, url
    assert client.get("/?token=wrong").status_code == 403
    answer = client.get(f"/case/{CASE}?token=test-token", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/case/{CASE}"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "test-token" not in cookie
    assert client.get(f"/case/{CASE}").status_code == 200


def test_every_write_needs_our_own_origin(bench):
    client, _, cases = bench
    fields = opened_form(client, CASE, APP)
    url = edit_url(CASE, APP) + "/check"
    assert post_form(client, url, fields).status_code == 200
    for origin in ("http://evil.example", f"http://127.0.0.1:{PORT + 1}", "null", ""):
        assert post_form(client, url, fields, origin=origin).status_code == 403, origin
    assert post_form(client, url, fields, **{"sec-fetch-site": "cross-site"}).status_code == 403
    assert post_form(client, f"/case/{CASE}/step", [], origin="http://localhost:9").status_code == 403
    assert not (cases / CASE / "07-result-use.yaml").exists()


def test_pages_carry_a_strict_policy_and_no_cors(bench):
    client, _, _ = bench
    for url in ("/", f"/case/{CASE}", edit_url(CASE, APP), "/static/app.js"):
        answer = client.get(url, headers={"origin": "http://evil.example"})
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")]
        assert answer.headers["x-content-type-options"] == "nosniff"
    page = client.get(edit_url(CASE, APP)).text
    assert "<script>" not in page and " style=" not in page and "onclick" not in page


@pytest.mark.parametrize("url", [
    "/case/..%2F..%2Fetc/edit/00-case.yaml",
    "/case/bureau.yaml",
    f"/case/{CASE}/edit/..%2Fbureau.yaml",
    f"/case/{CASE}/edit/bureau.yaml",
    f"/case/{CASE}/edit/%2Fetc%2Fpasswd",
    f"/case/{CASE}/build/..%2F..%2Fcasefiles%2Fbureau.yaml",
    f"/case/{CASE}/attachment?file=../../bureau.yaml",
    f"/case/{CASE}/attachment?file=/etc/passwd",
    "/stats/2025/..%2F..%2Fcasefiles%2Fbureau.yaml",
])
def test_paths_outside_the_cases_and_build_folders_are_not_found(bench, url):
    client, _, _ = bench
    assert client.get(url).status_code == 404


def test_a_symlink_out_of_the_case_folder_is_never_opened(bench, tmp_path):
    client, _, cases = bench
    secret = tmp_path / "secret.yaml"
    secret.write_text("date: 2025-01-01\n", encoding="utf-8")
    (cases / CASE / "07-result-use.yaml").symlink_to(secret)
    assert client.get(edit_url(CASE, "07-result-use.yaml")).status_code == 404
    (cases / "2099-001-linked").symlink_to(cases / CASE)
    assert client.get("/case/2099-001-linked").status_code == 404
    attachments = cases / CASE / "attachments"
    (attachments / "escape.pdf").symlink_to(secret)
    assert client.get(f"/case/{CASE}/attachment?file=attachments/escape.pdf").status_code == 404


# --- docket and case page ------------------------------------------------------------------------


def test_the_docket_shows_the_status_rows_in_their_order(bench):
    client, _, cases = bench
    page = client.get("/").text
    expected = json.loads(to_json(collect(cases, TODAY), TODAY))["cases"]
    order = [row["case"] for row in expected]
    positions = [page.index(f'data-case="{case}"') for case in order]
    assert positions == sorted(positions)
    for row in expected:
        assert row["status"] in page
    filtered = client.get("/?state=idle").text
    assert 'data-case="2025-002"' in filtered and 'data-case="2025-001"' not in filtered
    assert 'data-case="2025-003"' in client.get("/?q=欧阳").text
    assert client.get("/calendar.ics").content.startswith(b"BEGIN:VCALENDAR")


def test_the_next_step_button_writes_the_scaffold_and_opens_its_form(bench):
    client, _, cases = bench
    folder = cases / "2025-004-new"
    folder.mkdir()
    (folder / "00-case.yaml").write_text((cases / CASE / "00-case.yaml").read_text(encoding="utf-8")
                                         .replace("id: 2025-001", "id: 2025-004"), encoding="utf-8")
    answer = post_form(client, "/case/2025-004-new/step", [("step", "application")])
    assert answer.status_code == 200 and answer.url.path == "/case/2025-004-new/edit/01-application.yaml"
    assert (folder / "01-application.yaml").read_text(encoding="utf-8").startswith("# yaml-language-server")
    assert "受理人（部门及姓名）" in answer.text


# --- saving --------------------------------------------------------------------------------------


def test_save_needs_a_message_writes_only_the_diff_and_commits_that_file_alone(bench):
    client, _, cases = bench
    path = cases / CASE / APP
    before = path.read_text(encoding="utf-8")
    (cases / CASE / "00-case.yaml").write_text((cases / CASE / "00-case.yaml").read_text(encoding="utf-8")
                                               + "# 另一处未提交的改动\n", encoding="utf-8")
    fields = set_field(opened_form(client, CASE, APP), "received_by", "局组织处王某某")
    preview = post_form(client, edit_url(CASE, APP) + "/preview", fields).json()
    assert "received_by: 局组织处王某某" in preview["diff"] and preview["message"].startswith("2025-001 申请")
    refused = post_form(client, edit_url(CASE, APP) + "/save", fields + [("__message", "  ")])
    assert refused.status_code == 422 and path.read_text(encoding="utf-8") == before
    saved = post_form(client, edit_url(CASE, APP) + "/save", fields + [("__message", "修改受理人")])
    assert saved.status_code == 200, saved.text
    commit = saved.json()["commit"]
    assert path.read_text(encoding="utf-8") == before.replace("局组织处沈佳怡", "局组织处王某某")
    shown = git(cases.parent, "show", "--name-only", "--format=%s", commit).split()
    assert shown == ["修改受理人", f"casefiles/{CASE}/{APP}"]
    assert "00-case.yaml" in git(cases.parent, "status", "--porcelain")  # left alone, uncommitted


def test_a_no_op_save_changes_nothing(bench):
    client, _, cases = bench
    fields = opened_form(client, CASE, APP)
    head = git(cases.parent, "rev-parse", "HEAD")
    answer = post_form(client, edit_url(CASE, APP) + "/save", fields + [("__message", "无改动")]).json()
    assert answer["nothing"] and git(cases.parent, "rev-parse", "HEAD") == head


def test_a_file_with_errors_is_not_saved(bench):
    client, _, cases = bench
    before = (cases / CASE / APP).read_bytes()
    fields = set_field(opened_form(client, CASE, APP), "received_by", "")
    answer = post_form(client, edit_url(CASE, APP) + "/save", fields + [("__message", "清空")])
    assert answer.status_code == 422 and "错误" in answer.json()["refused"]
    assert (cases / CASE / APP).read_bytes() == before


def test_a_file_changed_on_disk_after_opening_is_refused_with_the_difference(bench):
    client, _, cases = bench
    fields = set_field(opened_form(client, CASE, APP), "received_by", "局组织处王某某")
    path = cases / CASE / APP
    path.write_text(path.read_text(encoding="utf-8").replace("免予问责", "减轻处理"), encoding="utf-8")
    for action in ("check", "preview", "save"):
        answer = post_form(client, edit_url(CASE, APP) + f"/{action}", fields + [("__message", "x")])
        assert answer.status_code == 409, action
        body = answer.json()
        assert "已被修改" in body["message"] and "减轻处理" in body["diff"] and "免予问责" in body["diff"]
    assert "减轻处理" in path.read_text(encoding="utf-8")


def test_hooks_run_and_a_failing_hook_leaves_no_commit(bench):
    client, _, cases = bench
    hook = cases.parent / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 钩子拒绝了提交 >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    head = git(cases.parent, "rev-parse", "HEAD")
    fields = set_field(opened_form(client, CASE, APP), "received_by", "局组织处王某某")
    answer = post_form(client, edit_url(CASE, APP) + "/save", fields + [("__message", "被钩子拒绝")])
    assert answer.status_code == 500 and "钩子拒绝了提交" in answer.json()["refused"]
    assert git(cases.parent, "rev-parse", "HEAD") == head
    os.remove(hook)
    fields = opened_form(client, CASE, APP)  # the file is written; saving again commits it
    answer = post_form(client, edit_url(CASE, APP) + "/save", fields + [("__message", "再次提交")])
    assert answer.status_code == 200 and git(cases.parent, "status", "--porcelain") == ""


def test_deleting_a_commented_key_asks_first(bench):
    client, _, cases = bench
    path = cases / CASE / APP
    path.write_text(path.read_text(encoding="utf-8").replace(
        "statement: >-", "statement: >-  # 综述由本人撰写"), encoding="utf-8")
    git(cases.parent, "commit", "-qam", "注释")
    fields = set_field(opened_form(client, CASE, APP), "statement", "")
    preview = post_form(client, edit_url(CASE, APP) + "/preview", fields).json()
    assert preview["lost"] == ["# 综述由本人撰写"]
    refused = post_form(client, edit_url(CASE, APP) + "/save", fields + [("__message", "删去综述")])
    assert refused.status_code == 422 and refused.json()["lost"] == ["# 综述由本人撰写"]
    saved = post_form(client, edit_url(CASE, APP) + "/save",
                      fields + [("__message", "删去综述"), ("__confirm", "1")])
    assert saved.status_code == 200 and "statement" not in path.read_text(encoding="utf-8")


def test_outside_git_the_form_checks_but_does_not_save(tmp_path, monkeypatch):
    client, bench, cases = workbench(tmp_path, monkeypatch)
    import shutil

    shutil.rmtree(tmp_path / ".git")
    bench.ws.git_root = None
    fields = set_field(opened_form(client, CASE, APP), "received_by", "局组织处王某某")
    assert post_form(client, edit_url(CASE, APP) + "/check", fields).status_code == 200
    answer = post_form(client, edit_url(CASE, APP) + "/save", fields + [("__message", "x")])
    assert answer.status_code == 422 and "git" in answer.json()["refused"]
    assert "沈佳怡" in (cases / CASE / APP).read_text(encoding="utf-8")


def test_the_served_files_are_confined_and_typed(bench):
    client, _, cases = bench
    build = Path("build") / CASE
    build.mkdir(parents=True)
    (build / "decision-认定决定书.pdf").write_bytes(b"%PDF-1.7\n")
    answer = client.get(f"/case/{CASE}/build/decision-认定决定书.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert "decision-认定决定书.pdf" in client.get(f"/case/{CASE}").text
    attachment = client.get(f"/case/{CASE}/attachment?file=attachments/application-signed.pdf")
    assert attachment.status_code == 200 and attachment.headers["content-type"] == "application/pdf"
