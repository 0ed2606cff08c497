"""`triage quarantine`: rejected records, to list, read, fix and replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from triage.cli.common import app, console, fail, open_database
from triage.errors import TriageError
from triage.intake import Outcome, replay
from triage.settings import get_settings
from triage.store import create_database

quarantine_app = typer.Typer(no_args_is_help=True, help="Rejected records: list, show, replay.")
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def quarantine_list(
    status: Annotated[str, typer.Option(help="open, replayed, superseded or all")] = "open",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """Rejected records with their errors, newest first."""
    from triage.quarantine import service

    with open_database().reading() as session:
        rows, total = service.list_records(
            session, status=None if status == "all" else status, limit=limit, offset=offset
        )
        table = Table(title=f"Quarantine: {total} {status} (showing {len(rows)} from {offset})")
        for column in ("id", "received", "source", "status"):
            table.add_column(column, overflow="fold")
        table.add_column("errors", ratio=1)
        for row in rows:
            errors = "\n".join(f"{e['field']}: {e['problem']}" for e in row.errors)
            where = f"{row.source}:{row.position}"
            received = row.received_at.strftime("%Y-%m-%d %H:%M")
            if row.times_received > 1 and row.last_received_at:
                received += (
                    f"\n{row.times_received} times, last {row.last_received_at:%Y-%m-%d %H:%M}"
                )
            table.add_row(str(row.id), received, where, row.status, errors)
    console.print(table)


@quarantine_app.command("show")
def quarantine_show(record_id: int) -> None:
    """One rejected record: its errors and its payload, ready to fix and replay."""
    from triage.quarantine import service

    with open_database().reading() as session:
        try:
            row = service.get_or_raise(session, record_id)
        except TriageError as exc:
            raise fail(str(exc)) from None
        console.print(f"[bold]#{row.id}[/] {row.status}, from {row.source}:{row.position}")
        for error in row.errors:
            console.print(f"  [red]{error['field']}[/]: {error['problem']}")
        body = json.dumps(row.payload, indent=2, ensure_ascii=False) if row.payload else row.raw
    print(body)


@quarantine_app.command("replay")
def quarantine_replay(
    record_id: int,
    file: Annotated[Path, typer.Option("--file", exists=True, dir_okay=False)],
) -> None:
    """Re-submit a corrected record (a JSON file) in place of a quarantined one."""
    from triage.vetting import create_vetter

    settings = get_settings()
    try:
        receipt = replay(
            create_database(settings),
            record_id,
            file.read_text(encoding="utf-8"),
            vetter=create_vetter(settings),
        )
    except TriageError as exc:
        raise fail(str(exc)) from None
    if receipt.outcome is Outcome.REJECTED:
        for error in receipt.errors:
            console.print(f"  [red]{error.field}[/]: {error.problem}")
        raise fail(f"still rejected; kept as quarantine #{receipt.quarantine_id}")
    console.print(
        f"#{record_id} replayed: {receipt.outcome.value} {receipt.police_reference} "
        f"(version {receipt.version})"
    )
