"""What every command shares: the app, the console, the database from settings, failing."""

from __future__ import annotations

import typer
from rich.console import Console

from triage.settings import get_settings
from triage.store import Database, create_database

app = typer.Typer(
    no_args_is_help=True,
    help="The `triage` command: generate, load, vet, fix and serve. Every command reads "
    "settings from the environment (`TRIAGE_DATABASE_URL` chooses the database).",
    pretty_exceptions_enable=False,
)
console = Console()


def open_database() -> Database:
    return create_database(get_settings())


def fail(message: str) -> typer.Exit:
    """Print the problem and end the command with status 1 (raise what this returns)."""
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=1)
