"""The authenticated user as a value object, and the rules for user ids."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

BASIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
"""Names of basic users: a subset of the spec's user_id pattern without ``~``, so a basic
name can never collide with an OIDC user id (``<provider>~<sub>``)."""

_SUB_SAFE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

SYSTEM_ROLE = "system"
"""Role of the owner of systematic production."""


@dataclass(frozen=True)
class User:
    """A caller resolved from a bearer token."""

    user_id: str
    """Stable id; jobs, logs, results and process graphs are owned by it."""

    name: str | None = None
    """Display name."""

    roles: tuple[str, ...] = ()
    """Roles, e.g. ``("system",)`` for the owner of systematic production."""

    def has_role(self, role: str) -> bool:
        """True when the user holds ``role``."""
        return role in self.roles


def oidc_user_id(provider_id: str, subject: str) -> str:
    """The user id of an OIDC subject: ``<provider>~<sub>``.

    openEO's ``/me`` schema restricts user ids to ``^[\\w\\-\\.~]+$`` (no ``:``), so ``~``
    separates provider and subject; a ``sub`` with other characters (``@``, ``|``...) is
    replaced by its SHA-256 prefix, which stays stable and unique.
    """
    if _SUB_SAFE.match(subject):
        return f"{provider_id}~{subject}"
    return f"{provider_id}~h{hashlib.sha256(subject.encode('utf-8')).hexdigest()[:32]}"
