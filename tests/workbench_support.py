"""Helpers for the workbench tests: a git repository of the example cases, a logged-in client,
and the fields a browser would post from a page's form."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CASEFILES = REPO / "casefiles"
EXAMPLES = ("2025-001-exempt-individual", "2025-002-refused-unit", "2025-003-hearing-deferral")
TODAY = dt.date(2025, 11, 20)
PORT = 8777
GIT_ENV = {"GIT_AUTHOR_NAME": "测试书记员", "GIT_AUTHOR_EMAIL": "clerk@example.invalid",
           "GIT_COMMITTER_NAME": "测试书记员", "GIT_COMMITTER_EMAIL": "clerk@example.invalid"}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def case_repository(root: Path) -> Path:
    """``root``/casefiles with the configuration and the example cases, committed in a new git
    repository at ``root``; returns the cases folder."""
    cases = root / "casefiles"
    cases.mkdir(parents=True)
    for name in ("bureau.yaml", "holidays.yaml"):
        shutil.copy(CASEFILES / name, cases / name)
    for name in EXAMPLES:
        shutil.copytree(CASEFILES / name, cases / name)
    (root / ".gitignore").write_text("build/\n.cache/\ncache/\n", encoding="utf-8")  # RCMZ_CACHE_DIR of the tests
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "示例案件")
    return cases


class _Form(HTMLParser):
    """The successful controls of the first ``<form id=edit-form>``, as a browser posts them."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.disabled = 0          # depth of disabled fieldsets we are in
        self.stack: list[bool] = []
        self.template = 0
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.select_value: str | None = None
        self.first_option: str | None = None
        self.option: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "template":
            self.template += 1
        if self.template:
            return
        if tag == "fieldset":
            self.stack.append("disabled" in a)
        off = any(self.stack)
        if tag == "input" and not off and a.get("name") and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and not off and a.get("name"):
            self.select, self.select_value, self.first_option = a["name"], None, None
        elif tag == "option" and self.select is not None:
            self.option = a.get("value")
            if self.first_option is None:
                self.first_option = self.option
            if "selected" in a:
                self.select_value = self.option
        elif tag == "textarea" and not off and a.get("name"):
            self.textarea, self.text = a["name"], ""

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "template":
            self.template -= 1
            return
        if self.template:
            return
        if tag == "fieldset" and self.stack:
            self.stack.pop()
        elif tag == "select" and self.select is not None:
            value = self.select_value if self.select_value is not None else (self.first_option or "")
            self.fields.append((self.select, value))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.text[1:] if self.text.startswith("\n") else self.text
            self.fields.append((self.textarea, text.replace("\n", "\r\n")))
            self.textarea = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data


def form_fields(html: str, form_id: str = "edit-form") -> list[tuple[str, str]]:
    parser = _Form(form_id)
    parser.feed(html)
    return parser.fields


def set_field(fields: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    """The fields with ``name`` set to ``value`` (which must be there)."""
    assert any(n == name for n, _ in fields), name
    return [(n, value if n == name else v) for n, v in fields]


def post_form(client, url: str, fields: list[tuple[str, str]], origin: str = f"http://127.0.0.1:{PORT}",
              **headers):
    """POST ``fields`` url-encoded, as the page's script does."""
    from urllib.parse import urlencode

    return client.post(url, content=urlencode(fields).encode(),
                       headers={"content-type": "application/x-www-form-urlencoded", "origin": origin,
                                **headers})


def workbench(tmp_path: Path, monkeypatch, today: dt.date = TODAY):
    """(client logged in, the Workbench, the cases folder) on a fresh repository of the examples;
    the working folder is the repository, as for a clerk who runs ``rcmz serve`` there."""
    from starlette.testclient import TestClient

    from toolkit.workbench.app import Settings, Workbench

    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    cases = case_repository(tmp_path)
    monkeypatch.chdir(tmp_path)
    bench = Workbench(Settings(Path("casefiles"), "test-token", PORT, today))
    client = TestClient(bench.guard, base_url=f"http://127.0.0.1:{PORT}")
    assert client.get("/?token=test-token", follow_redirects=False).status_code == 303
    return client, bench, cases


def edit_url(case: str, name: str) -> str:
    return f"/case/{case}/edit/{name}"


def opened_form(client, case: str, name: str) -> list[tuple[str, str]]:
    page = client.get(edit_url(case, name))
    assert page.status_code == 200, page.text[:500]
    return form_fields(page.text)
