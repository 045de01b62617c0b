"""A small, bounded cache of validated tokens, so a JWT is checked once per few minutes."""

from __future__ import annotations

import time
from collections import OrderedDict

from backend.auth.identity import User


class TokenCache:
    """Token digest → user, each entry living until its own deadline (monotonic seconds)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: OrderedDict[bytes, tuple[User, float]] = OrderedDict()
        self._max = max_entries

    def get(self, digest: bytes) -> User | None:
        """The cached user, or None when absent or expired."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        user, deadline = entry
        if time.monotonic() >= deadline:
            del self._entries[digest]
            return None
        return user

    def put(self, digest: bytes, user: User, ttl_s: float) -> None:
        """Remember ``user`` for ``ttl_s`` seconds (nothing when ``ttl_s`` <= 0)."""
        if ttl_s <= 0:
            return
        self._entries[digest] = (user, time.monotonic() + ttl_s)
        self._entries.move_to_end(digest)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)  # oldest insertion first

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
