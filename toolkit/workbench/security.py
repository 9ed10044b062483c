"""The workbench's guard: exact Host, a per-launch token swapped for a strict cookie, Origin on
every write, no CORS, a strict Content-Security-Policy.

Binding to 127.0.0.1 keeps other machines out but not a web page open in the clerk's own browser:
it can send requests to the port (CSRF) or rebind its domain to 127.0.0.1 (DNS rebinding).  So
every request must name our host exactly, carry the session cookie (obtained only with the token
printed at launch), and every request that changes anything must come from our own origin.  This
is an ASGI middleware in front of the whole app, static files included.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from toolkit.workbench import strings as T

COOKIE = "rcmz_workbench"
#: The largest request body accepted: a step file is a few kilobytes (yamlio reads at most 1 MB).
MAX_BODY = 2 << 20

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'self'")

SAFE_METHODS = (b"GET", b"HEAD")


def security_headers(content_type: bytes = b"") -> list[tuple[bytes, bytes]]:
    return [(b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
            (b"x-frame-options", b"SAMEORIGIN"),
            (b"cache-control", b"no-store")]


class Guard:
    """ASGI middleware: refuses (403) what does not come from the clerk's own tab."""

    def __init__(self, app, token: str, port: int):
        self.app = app
        self.token = token
        self.session = secrets.token_urlsafe(32)
        self.set_port(port)

    def set_port(self, port: int) -> None:
        self.port = port
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.origins = {f"http://{host}" for host in self.hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":
            return  # no websockets
        headers = _headers(scope)
        host = headers.get(b"host", b"").decode("latin-1")
        if host not in self.hosts:
            return await _refuse(send, 403, T.FORBIDDEN_HOST)
        method = scope["method"].encode()
        if method not in SAFE_METHODS:
            origin = headers.get(b"origin", b"").decode("latin-1")
            if origin not in self.origins:
                return await _refuse(send, 403, T.FORBIDDEN_ORIGIN)
            fetch_site = headers.get(b"sec-fetch-site", b"same-origin")
            if fetch_site not in (b"same-origin", b"none"):
                return await _refuse(send, 403, T.FORBIDDEN_ORIGIN)
            length = headers.get(b"content-length", b"0")
            if b"transfer-encoding" in headers or not length.isdigit() or int(length) > MAX_BODY:
                return await _refuse(send, 413, T.TOO_LARGE)
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        supplied = query.get("token")
        if supplied is not None and method in SAFE_METHODS:
            if not secrets.compare_digest(supplied.encode(), self.token.encode()):
                return await _refuse(send, 403, T.FORBIDDEN_TOKEN)
            rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
            location = scope.get("path", "/") + (f"?{rest}" if rest else "")
            cookie = (f"{COOKIE}={self.session}; HttpOnly; SameSite=Strict; Path=/").encode()
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", location.encode()), (b"set-cookie", cookie),
                                    (b"content-length", b"0"), *security_headers()]})
            return await send({"type": "http.response.body", "body": b""})
        if not self._has_session(headers):
            return await _refuse(send, 403, T.FORBIDDEN_TOKEN)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                own = {name for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in security_headers() if n not in own]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return await self.app(scope, receive, send_with_headers)

    def _has_session(self, headers: dict[bytes, bytes]) -> bool:
        raw = headers.get(b"cookie")
        if not raw:
            return False
        cookie = SimpleCookie()
        try:
            cookie.load(raw.decode("latin-1"))
        except Exception:  # noqa: BLE001 — a malformed cookie header is simply no session
            return False
        morsel = cookie.get(COOKIE)
        return morsel is not None and secrets.compare_digest(morsel.value.encode(), self.session.encode())


def _headers(scope) -> dict[bytes, bytes]:
    out: dict[bytes, bytes] = {}
    for name, value in scope.get("headers", []):
        name = name.lower()
        out[name] = out[name] + b"; " + value if name == b"cookie" and name in out else value
    return out


async def _refuse(send, status: int, message: str) -> None:
    body = (f"<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{T.APP_NAME}</title>"
            f"<p>{message}</p></html>").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *security_headers()]})
    await send({"type": "http.response.body", "body": body})
