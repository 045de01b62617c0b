"""Who is calling: users, basic and OIDC bearer tokens, and the dependency routes use."""

from backend.auth.identity import SYSTEM_ROLE
from backend.auth.settings import AuthSettings
from backend.auth.state import AuthState, AuthStateDep
from backend.auth.store import get_user, system_user
from backend.auth.user import CurrentUserDep, OptionalUserDep, User, current_user, optional_user

__all__ = [
    "SYSTEM_ROLE",
    "AuthSettings",
    "AuthState",
    "AuthStateDep",
    "CurrentUserDep",
    "OptionalUserDep",
    "User",
    "current_user",
    "get_user",
    "optional_user",
    "system_user",
]
