"""SHA-256 and SM3 (GB/T 32905-2016) digests of the package's files.

SM3 comes from OpenSSL through :mod:`hashlib` (OpenSSL 1.1.1 and later provide it); where the
local OpenSSL lacks it, the ``gmssl`` package (pure Python, BSD) is used when installed.  SM3 is
never implemented here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from toolkit.errors import RcmzError

CHUNK = 1 << 20


def _sm3_factory() -> Callable[[], object] | None:
    if "sm3" in hashlib.algorithms_available:
        try:
            hashlib.new("sm3", b"")
            return lambda: hashlib.new("sm3")
        except ValueError:  # listed but not usable (a FIPS provider)
            pass
    try:
        from gmssl import func, sm3  # type: ignore[import-not-found]
    except ImportError:
        return None

    class _Gmssl:  # hashlib's interface over gmssl's one-shot function
        def __init__(self):
            self.data = bytearray()

        def update(self, chunk: bytes) -> None:
            self.data += chunk

        def hexdigest(self) -> str:
            return sm3.sm3_hash(func.bytes_to_list(bytes(self.data)))

    return _Gmssl


_SM3 = _sm3_factory()


def sm3_available() -> bool:
    return _SM3 is not None


def _sm3():
    if _SM3 is None:
        raise RcmzError("本机的 OpenSSL 不提供 SM3（国密杂凑算法），也未安装 gmssl：请升级 OpenSSL 或 pip install gmssl")
    return _SM3()


def digests_of_bytes(data: bytes) -> dict[str, str]:
    sm3 = _sm3()
    sm3.update(data)
    return {"SHA-256": hashlib.sha256(data).hexdigest(), "SM3": sm3.hexdigest()}


def digests_of_file(path: Path) -> dict[str, str]:
    """``{"SHA-256": …, "SM3": …}`` of the file at ``path``, read in chunks."""
    sha, sm3 = hashlib.sha256(), _sm3()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            sha.update(chunk)
            sm3.update(chunk)
    return {"SHA-256": sha.hexdigest(), "SM3": sm3.hexdigest()}
