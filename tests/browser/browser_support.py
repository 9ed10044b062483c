"""Support for the browser tests of the workbench: Playwright driving Debian's chromium
(installed by scripts/ensure-browser-deps.sh from `make test`; never `playwright install`),
against `rcmz serve --port 0` started as a subprocess on a git repository of the example cases.

(Not a conftest.py: the other tests import their helpers with ``from conftest import …``.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench_support import GIT_ENV, TODAY, case_repository  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
URL = re.compile(r"(http://127\.0\.0\.1:(\d+))/\?token=(\S+)")


class Server:
    def __init__(self, root: Path):
        self.root = root
        self.cases = case_repository(root)
        env = {**os.environ, **GIT_ENV, "LANG": "zh_CN.UTF-8", "PYTHONUNBUFFERED": "1",
               "RCMZ_CACHE_DIR": str(root / ".cache")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "toolkit", "serve", "casefiles", "--port", "0", "--no-browser",
             "--today", TODAY.isoformat()], cwd=root, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, encoding="utf-8")
        deadline = time.monotonic() + 30
        self.line = ""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            found = URL.search(line)
            if found:
                self.line = line.strip()
                self.base, self.port, self.token = found.group(1), int(found.group(2)), found.group(3)
                return
        self.process.kill()
        raise RuntimeError("rcmz serve printed no URL: " + line)

    @property
    def login(self) -> str:
        return f"{self.base}/?token={self.token}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --- fixtures (imported by the test module) ---------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("workbench"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                              env={**os.environ, "LANG": "zh_CN.UTF-8"})
        yield launched
        launched.close()


@pytest.fixture
def context(browser, server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.login)
    page.close()
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()
