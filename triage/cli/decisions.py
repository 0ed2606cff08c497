"""`triage revet`: decisions that follow the clock, by hand (the service also runs it itself)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from triage.cli.common import app, console, fail
from triage.settings import get_settings
from triage.store import create_database


def _moment(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"--as-of: {text!r} is not an ISO 8601 time (e.g. 2026-03-15T09:00)") from None
    if moment.tzinfo is None:  # as the contract says: a time without an offset is UK time
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo("Europe/London"))
    return moment.astimezone(UTC)


@app.command()
def revet(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Judge open episodes as of this moment (ISO 8601; default now)"
        ),
    ] = None,
    failed: Annotated[
        bool, typer.Option("--failed", help="Only retry notifications whose vetting failed")
    ] = False,
) -> None:
    """Re-vet open episodes whose time thresholds have passed (and retry failed vettings);
    print how many changed level and why. Each re-vet adds a decision; none is rewritten."""
    from triage.decisions.revet import revet_due
    from triage.vetting import create_vetter

    settings = get_settings()
    database = create_database(settings)
    vetter = create_vetter(settings)
    moment = _moment(as_of)
    thresholds = () if failed else vetter.rulebook.current.hour_thresholds
    with console.status("re-vetting"):
        summary = revet_due(
            database, vetter, thresholds, as_of=moment, now=datetime.now(UTC), failed=True
        )
    shown = moment.strftime("%Y-%m-%d %H:%M UTC")
    raised = sum(1 for m in summary.moved if m.after.rank > m.before.rank)
    console.print(
        f"As of {shown}: {summary.decided} re-vetted ({len(summary.changes)} changed their "
        f"version's vetted level); {len(summary.moved)} open "
        f"episode{'' if len(summary.moved) == 1 else 's'} changed level in force "
        f"({raised} raised); {summary.failed} failed"
        + (" [red](failures are kept and retried)[/]" if summary.failed else "")
    )
    if summary.why:
        table = Table(title="Why re-vetted")
        table.add_column("reason")
        table.add_column("re-vets", justify="right")
        table.add_column("changed vetted level", justify="right")
        for why, n in sorted(summary.why.items()):
            changed = sum(1 for c in summary.changes if c.why == why)
            table.add_row(why, str(n), str(changed))
        console.print(table)
    if summary.moved:
        table = Table(title="Open episodes whose level in force changed")
        for column in ("notification", "before", "now"):
            table.add_column(column)
        for moved in summary.moved:
            table.add_row(
                moved.police_reference,
                moved.before.value.replace("_", " "),
                moved.after.value.replace("_", " "),
            )
        console.print(table)
    if summary.changes:
        table = Table(title="Re-vets that changed the vetted level")
        for column in ("notification", "before", "after", "why", "rules newly fired"):
            table.add_column(column)
        for change in summary.changes:
            table.add_row(
                change.police_reference,
                change.before.value.replace("_", " "),
                change.after.value.replace("_", " "),
                change.why,
                ", ".join(change.new_reasons) or "-",
            )
        console.print(table)
    if summary.failed:
        raise typer.Exit(code=1)
