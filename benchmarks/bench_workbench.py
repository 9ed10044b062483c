"""How fast the web workbench (`rcmz serve`) answers, measured against a real server process over
loopback, as a browser would use it.  Figures are printed, never asserted (issue 15's goals):

* docket of 1,000 cases with a warm status cache ≤ 1 s;
* an edit page ≤ 300 ms;
* live check ≤ 150 ms at the 95th percentile (server round trip);
* save and commit ≤ 1 s;
* server RSS ≤ 200 MB after the scenario.

Run by hand:  .venv/bin/python benchmarks/bench_workbench.py [COUNT]
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from workbench_support import GIT_ENV, case_repository, form_fields, set_field  # noqa: E402

URL = re.compile(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)")
TODAY = "2025-11-20"


class Server:
    def __init__(self, root: Path, cache: Path):
        env = {**os.environ, **GIT_ENV, "RCMZ_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"}
        env.pop("RCMZ_NO_CACHE", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "toolkit", "serve", "casefiles", "--port", "0", "--no-browser",
             "--today", TODAY], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, encoding="utf-8")
        for line in self.process.stdout:
            found = URL.search(line)
            if found:
                self.base, token = found.groups()
                break
        else:
            raise RuntimeError("rcmz serve printed no URL")
        self.client = httpx.Client(base_url=self.base, timeout=120)
        self.client.get(f"/?token={token}", follow_redirects=False)

    def post(self, url: str, fields) -> httpx.Response:
        return self.client.post(url, content=urlencode(fields).encode(),
                                headers={"content-type": "application/x-www-form-urlencoded",
                                         "origin": self.base})

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def timed(call, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def mark(value: float, goal: float) -> str:
    return "ok" if value <= goal else "SLOW"


def docket(root: Path, count: int) -> None:
    from docket_fixtures import generate_many

    cases = root / "docket" / "casefiles"
    cases.mkdir(parents=True)
    generate_many(cases, count)
    for name in ("bureau.yaml", "holidays.yaml"):
        shutil.copy(REPO / "casefiles" / name, cases / name)
    server = Server(root / "docket", root / "docket-cache")
    try:
        cold = timed(lambda: server.client.get("/").raise_for_status(), 1)[0]
        warm = statistics.median(timed(lambda: server.client.get("/").raise_for_status(), 5))
        print(f"  docket, {count} cases: cold {cold:.2f} s, warm {warm:.2f} s "
              f"(median of 5; goal ≤ 1 s warm: {mark(warm, 1.0)})   RSS {server.rss_mb():.0f} MB")
    finally:
        server.stop()


def editing(root: Path) -> None:
    cases = case_repository(root / "repo")
    server = Server(root / "repo", root / "repo-cache")
    case, name = "2025-003-hearing-deferral", "03-investigation.yaml"
    url = f"/case/{case}/edit/{name}"
    try:
        pages = timed(lambda: server.client.get(url).raise_for_status(), 20)
        print(f"  edit page ({name}, the largest form): median {statistics.median(pages) * 1000:.0f} ms, "
              f"max {max(pages) * 1000:.0f} ms (goal ≤ 300 ms: {mark(statistics.median(pages), 0.3)})")
        fields = form_fields(server.client.get(url).text)
        first = timed(lambda: server.post(url + "/check", fields).raise_for_status(), 1)[0]
        for _ in range(10):  # the schemas' compiled validators take over after 20 files each
            server.post(url + "/check", fields).raise_for_status()
        checks = []
        for n in range(60):
            changed = set_field(fields, "facts_found", f"查明的事实（第 {n} 稿）")
            start = time.perf_counter()
            server.post(url + "/check", changed).raise_for_status()
            checks.append(time.perf_counter() - start)
        print(f"  live check: first {first * 1000:.0f} ms; then median {statistics.median(checks) * 1000:.0f} ms, "
              f"p95 {p95(checks) * 1000:.0f} ms (n={len(checks)}; goal p95 ≤ 150 ms: {mark(p95(checks), 0.15)})")
        saves = []
        for n in range(10):
            fields = form_fields(server.client.get(url).text)
            changed = set_field(fields, "facts_found", f"查明的事实（保存 {n}）")
            start = time.perf_counter()
            answer = server.post(url + "/save", changed + [("__message", f"基准测试 {n}")])
            saves.append(time.perf_counter() - start)
            answer.raise_for_status()
        print(f"  save + commit: median {statistics.median(saves) * 1000:.0f} ms, max {max(saves) * 1000:.0f} ms "
              f"(n={len(saves)}; goal ≤ 1 s: {mark(max(saves), 1.0)})")
        rss = server.rss_mb()
        print(f"  server RSS after the scenario: {rss:.0f} MB (goal ≤ 200 MB: {mark(rss, 200)})")
        assert (cases / case / name).exists()
    finally:
        server.stop()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    root = Path(tempfile.mkdtemp(prefix="rcmz-bench-workbench-"))
    print(f"rcmz serve, {os.cpu_count()} CPUs")
    try:
        docket(root, count)
        editing(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
