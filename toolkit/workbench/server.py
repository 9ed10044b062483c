"""``rcmz serve``: bind 127.0.0.1, make the token, print one Chinese line, open the browser."""

from __future__ import annotations

import datetime as dt
import errno
import secrets
import socket
import sys
import webbrowser
from pathlib import Path

from toolkit.errors import UsageError
from toolkit.workbench import strings as T

HOST = "127.0.0.1"  # loopback only, never 0.0.0.0


def bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise UsageError(T.PORT_BUSY.format(port=port)) from None
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(cases_dir: Path, port: int = 8777, open_browser: bool = True, today: dt.date | None = None) -> None:
    import uvicorn

    from toolkit.docket.status import cases_root
    from toolkit.workbench.app import Settings, Workbench

    cases_dir = cases_root(cases_dir)
    sock = bind(port)
    actual = sock.getsockname()[1]
    token = secrets.token_urlsafe(32)
    bench = Workbench(Settings(cases_dir=cases_dir, token=token, port=actual, today=today))
    url = f"http://{HOST}:{actual}/?token={token}"
    if bench.ws.git_root is None:
        print(T.NOT_GIT.format(folder=cases_dir), file=sys.stderr, flush=True)
    print(T.STARTED.format(url=url), flush=True)
    if open_browser:
        webbrowser.open(url)
    config = uvicorn.Config(bench.guard, log_level="warning", access_log=False, lifespan="off",
                            proxy_headers=False, server_header=False, date_header=False)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print(T.STOPPED, flush=True)
