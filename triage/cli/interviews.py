"""`triage interviews`: return home interview tasks, by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from triage.cli.common import app, console, open_database
from triage.settings import get_settings

interviews_app = typer.Typer(no_args_is_help=True, help="Return home interview tasks.")
app.add_typer(interviews_app, name="interviews")


@interviews_app.command("plan")
def plan() -> None:
    """Make the interview tasks the stored returns call for and move deadlines police have
    corrected (the service does this on every pass); run again, it does nothing."""
    from triage.interviews.service import plan_pass
    from triage.rules.catalogue import load_ruleset

    summary = plan_pass(
        open_database(), load_ruleset(get_settings().rules_dir), now=datetime.now(UTC)
    )
    console.print(
        f"interview tasks: {summary.created} made, {summary.merged} episodes joined an open "
        f"interview, {summary.moved} deadlines moved, {summary.withdrawn} withdrawn, "
        f"{summary.reopened} reopened, {summary.rerouted} moved to another team"
    )


@interviews_app.command("list")
def list_tasks(
    team: Annotated[str | None, typer.Option(help="An area team, e.g. South")] = None,
    due: Annotated[
        str | None, typer.Option(help="overdue, due_today, due_soon or unallocated")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """Open and done tasks, soonest due first (no names: ids, teams and times only)."""
    from triage.interviews import worklist
    from triage.interviews.service import rules_of
    from triage.rules.catalogue import load_ruleset

    rules = rules_of(load_ruleset(get_settings().rules_dir))
    with open_database().reading() as session:
        rows, total = worklist.page(
            session, rules, now=datetime.now(UTC), team=team, due=due, limit=limit
        )
        table = Table(title=f"Interview tasks: {total} (showing {len(rows)})")
        for column in ("task", "child", "team", "status", "returned", "due", "episodes"):
            table.add_column(column)
        for t in rows:
            table.add_row(
                str(t.id),
                str(t.child_id),
                t.team,
                t.status,
                f"{t.returned_at:%Y-%m-%d %H:%M}",
                f"{t.due_at:%Y-%m-%d %H:%M}",
                str(len(t.episodes)),
            )
    console.print(table)
