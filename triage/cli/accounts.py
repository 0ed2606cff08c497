"""`triage users`: accounts for people and police feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from triage.cli.common import app, console, fail, open_database

users_app = typer.Typer(no_args_is_help=True, help="Accounts: add, list, deactivate, unlock.")
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[
        str,
        typer.Option(
            help="police_feed, mash_worker, panel_chair, senior_manager, analyst or admin"
        ),
    ],
    name: Annotated[str, typer.Option(help="The name shown to others")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Add an account (the password is asked for, never shown, and stored only as a hash)."""
    from triage.accounts import Role, create_user
    from triage.accounts.service import UserError

    if role not in {r.value for r in Role}:
        raise fail(f"role: {role!r} is not one of {', '.join(r.value for r in Role)}")
    try:
        with open_database().transaction() as session:
            user = create_user(
                session,
                username=username,
                display_name=name,
                role=Role(role),
                password=password,
                now=datetime.now(UTC),
            )
            console.print(f"Added {user.username} ({user.role}).")
    except UserError as exc:
        raise fail(str(exc)) from exc


@users_app.command("list")
def users_list() -> None:
    """Every account with its role and whether it is active."""
    from sqlalchemy import select

    from triage.store.tables import UserRecord

    table = Table()
    for column in ("username", "name", "role", "active"):
        table.add_column(column)
    with open_database().reading() as session:
        for user in session.scalars(select(UserRecord).order_by(UserRecord.username)):
            table.add_row(
                user.username, user.display_name, user.role, "yes" if user.active else "no"
            )
    console.print(table)


@users_app.command("deactivate")
def users_deactivate(username: str) -> None:
    """Stop an account at once (its tokens stop working on their next use)."""
    from triage.accounts import get_by_username

    with open_database().transaction() as session:
        user = get_by_username(session, username)
        if user is None:
            raise fail(f"username: no account {username!r}")
        user.active = False
    console.print(f"Deactivated {username}.")


@users_app.command("unlock")
def users_unlock(username: str) -> None:
    """Lift an account's lockout after too many wrong passwords (audited)."""
    from triage.accounts.service import unlock
    from triage.errors import RecordNotFound

    try:
        with open_database().transaction() as session:
            unlock(session, username, by=None, now=datetime.now(UTC))
    except RecordNotFound:
        raise fail(f"username: no account {username!r}") from None
    console.print(f"Unlocked {username}.")
