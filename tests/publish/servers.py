"""Real delivery targets on loopback: an FTP server (pyftpdlib) and an S3 server (moto)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.filesystems import AbstractedFS
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from tests.conftest import free_port

FULL = "elradfmwMT"
"""pyftpdlib permissions of a user who may write."""
READ_ONLY = "elr"


class _Flipping:
    """A file that stores every received block with its first byte flipped (a faulty disk)."""

    def __init__(self, fh) -> None:
        self._fh = fh

    def write(self, data: bytes) -> int:
        if data:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)


class CorruptingFS(AbstractedFS):
    """The server side of a target that damages what it stores."""

    def open(self, filename, mode):
        fh = super().open(filename, mode)
        return _Flipping(fh) if "w" in mode or "a" in mode else fh


@contextmanager
def ftp_server(root: Path, perm: str = FULL, fs_class=AbstractedFS) -> Iterator[str]:
    """Serve ``root`` over FTP on 127.0.0.1; yields ``ftp://vp:secret@127.0.0.1:<port>``."""
    root.mkdir(parents=True, exist_ok=True)
    auth = DummyAuthorizer()
    auth.add_user("vp", "secret", str(root), perm=perm)
    handler = type("Handler", (FTPHandler,), {"authorizer": auth, "abstracted_fs": fs_class})
    port = free_port()
    server = FTPServer(("127.0.0.1", port), handler)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            server.serve_forever(timeout=0.05, blocking=False, handle_exit=False)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"ftp://vp:secret@127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close_all()


@contextmanager
def s3_server() -> Iterator[dict]:
    """An S3-compatible server (moto) on 127.0.0.1; yields the s3fs storage options."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield {
            "endpoint_url": f"http://127.0.0.1:{port}",
            "key": "testing",
            "secret": "testing",
            "client_kwargs": {"region_name": "eu-west-1"},
        }
    finally:
        server.stop()
