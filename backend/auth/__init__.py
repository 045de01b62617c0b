"""Who is calling: users, basic and OIDC bearer tokens, and the dependency routes use."""

from backend.auth.user import CurrentUserDep, OptionalUserDep, User

__all__ = ["CurrentUserDep", "OptionalUserDep", "User"]
