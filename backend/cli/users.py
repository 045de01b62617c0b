"""``canopy users add|list|remove``: the users of basic authentication."""

from __future__ import annotations

import sys
from enum import StrEnum

import typer
from rich.table import Table

from backend.auth import admin
from backend.auth.identity import SYSTEM_ROLE
from backend.cli.common import console, embedded_cluster, err_console, friendly_errors
from stac.settings import StacSettings

app = typer.Typer(help="Manage the users of basic authentication.", no_args_is_help=True)


class Role(StrEnum):
    """Roles a user can hold."""

    system = SYSTEM_ROLE


def _settings() -> StacSettings:
    """The database settings; exits with a hint when the embedded database is down."""
    settings = StacSettings()
    if settings.embedded and not embedded_cluster(settings).running():
        err_console.print(
            "[bold red]error:[/] the embedded database is not running: start it with `canopy up`."
        )
        raise typer.Exit(1)
    return settings


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            err_console.print("[bold red]error:[/] no password on standard input")
            raise typer.Exit(1)
        return password
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="User name (letters, digits, '_', '.', '-')."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
    role: list[Role] = typer.Option([], "--role", help="Give a role (repeatable)."),
) -> None:
    """Add a user who logs in with HTTP Basic (GET /credentials/basic)."""
    settings = _settings()
    with friendly_errors():
        admin.check_name(name)  # before asking for a password
        password = _read_password(password_stdin)
        user = admin.add_user(
            settings.dsn, name, password, tuple(r.value for r in role), settings.connect_timeout_s
        )
    roles = f" with role {', '.join(user.roles)}" if user.roles else ""
    console.print(f"Added user [bold]{user.user_id}[/]{roles}.")


@app.command("list")
def list_() -> None:
    """List users (basic and OIDC) with their roles and live tokens."""
    settings = _settings()
    with friendly_errors():
        users = admin.list_users(settings.dsn, settings.connect_timeout_s)
    if not users:
        console.print("No users. Add one with `canopy users add NAME`.")
        return
    table = Table("user", "name", "login", "roles", "created", "last seen", "live tokens")
    for u in users:
        table.add_row(
            u.user_id,
            u.name or "",
            f"oidc ({u.provider})" if u.provider else "basic",
            ", ".join(u.roles),
            f"{u.created_at:%Y-%m-%d %H:%M}",
            f"{u.last_seen_at:%Y-%m-%d %H:%M}" if u.last_seen_at else "never",
            str(u.live_tokens),
        )
    console.print(table)


@app.command("remove")
def remove(name: str = typer.Argument(..., help="User id to remove.")) -> None:
    """Remove a user and revoke its tokens (its jobs and results stay)."""
    settings = _settings()
    with friendly_errors():
        admin.remove_user(settings.dsn, name, settings.connect_timeout_s)
    console.print(f"Removed user [bold]{name}[/] and revoked its tokens.")
