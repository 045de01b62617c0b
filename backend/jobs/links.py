"""Signed links to result assets: downloadable without a token until they expire."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from processes.exceptions import PermissionsInsufficient, ResultLinkExpired


class LinkSigner:
    """Signs and checks ``(job, asset, expiry)`` triples with an HMAC key."""

    def __init__(self, key: bytes, ttl_s: int) -> None:
        self.key = key
        self.ttl_s = ttl_s

    @classmethod
    def from_home(cls, home: Path, secret: str | None, ttl_s: int) -> LinkSigner:
        """Use the configured secret, else a random key kept in ``home`` (created once)."""
        if secret:
            return cls(secret.encode(), ttl_s)
        path = home / "result-link.key"
        if not path.exists():
            home.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp-{os.getpid()}")
            tmp.write_text(secrets.token_hex(32))
            tmp.chmod(0o600)
            tmp.replace(path)
        return cls(path.read_text().strip().encode(), ttl_s)

    def _mac(self, job_id: str, name: str, expires: int) -> str:
        msg = f"{job_id}/{name}/{expires}".encode()
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()[:40]

    def query(self, job_id: str, name: str, now: float | None = None) -> str:
        """The ``expires=...&signature=...`` query string for an asset."""
        expires = int((now or time.time()) + self.ttl_s)
        return f"expires={expires}&signature={self._mac(job_id, name, expires)}"

    def expiry(self, now: float | None = None) -> int:
        """When links signed now expire (Unix time)."""
        return int((now or time.time()) + self.ttl_s)

    def check(self, job_id: str, name: str, expires: str, signature: str) -> None:
        """PermissionsInsufficient unless the signature is valid and not expired."""
        if not expires.isdigit() or int(expires) < time.time():
            raise ResultLinkExpired()
        if not hmac.compare_digest(self._mac(job_id, name, int(expires)), signature):
            raise PermissionsInsufficient(reason="the result link signature is invalid")
