"""`triage matches`: possible identity matches for a person to decide."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from triage.cli.common import app, console, fail, open_database
from triage.errors import TriageError

matches_app = typer.Typer(no_args_is_help=True, help="Possible identity matches to decide.")
app.add_typer(matches_app, name="matches")


@matches_app.command("list")
def matches_list(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """Open possible matches: records that may be the same child."""
    from triage.identity import service

    with open_database().reading() as session:
        table = Table(title="Possible matches to decide")
        for column in ("id", "child", "candidate", "score", "reason"):
            table.add_column(column)
        for match in service.list_open(session, limit=limit):
            table.add_row(
                str(match.id),
                str(match.child_id),
                str(match.candidate_id),
                f"{match.score:.0f}",
                match.reason,
            )
    console.print(table)


@matches_app.command("confirm")
def matches_confirm(match_id: int, by: Annotated[str, typer.Option(help="Who decides")]) -> None:
    """Confirm two records are one child: their histories are joined."""
    from triage.identity import service

    try:
        with open_database().transaction() as session:
            survivor = service.confirm(session, match_id, decided_by=by, now=datetime.now(UTC))
    except TriageError as exc:
        raise fail(str(exc)) from None
    console.print(f"match {match_id} confirmed: the child is now record {survivor}")


@matches_app.command("reject")
def matches_reject(match_id: int, by: Annotated[str, typer.Option(help="Who decides")]) -> None:
    """Record that two records are different children."""
    from triage.identity import service

    try:
        with open_database().transaction() as session:
            service.reject(session, match_id, decided_by=by, now=datetime.now(UTC))
    except TriageError as exc:
        raise fail(str(exc)) from None
    console.print(f"match {match_id} rejected: the records stay apart")
