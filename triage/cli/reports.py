"""`triage report monthly`: the committee's monthly report as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from triage.cli.common import app, console, fail, open_database
from triage.errors import TriageError
from triage.settings import get_settings

report_app = typer.Typer(no_args_is_help=True, help="Reports drawn from the database.")
app.add_typer(report_app, name="report")


@report_app.command("monthly")
def monthly(
    month: Annotated[str, typer.Option("--month", help="The month, as YYYY-MM (UK time)")],
    out: Annotated[Path, typer.Option("--out", help="The folder to write the files into")],
    for_sharing: Annotated[
        bool,
        typer.Option(
            "--for-sharing",
            help="Suppress counts under 5, and any cell the totals would give them away by",
        ),
    ] = False,
) -> None:
    """Children missing, episodes, repeats, absent and missing (and reclassified) by area and
    by looked-after status; return home interviews and the success rate month by month;
    referrals arising; children placed here by other authorities. Writes each table as CSV,
    the success rate's trend as PNG and SVG, and a Markdown summary."""
    from triage.reports import outputs
    from triage.reports.monthly import build
    from triage.reports.months import Month
    from triage.reports.service import area_teams, due_hours
    from triage.rules.catalogue import load_ruleset

    try:
        chosen = Month.parse(month)
    except TriageError as exc:
        raise fail(f"--{exc}") from None
    try:
        ruleset = load_ruleset(get_settings().rules_dir)
        areas, hours = area_teams(ruleset.teams), due_hours(ruleset)
    except TriageError as exc:
        raise fail(str(exc)) from None
    database = open_database()
    try:
        with database.reading() as session:
            report = build(session, chosen, areas=areas, for_sharing=for_sharing, due_hours=hours)
    finally:
        database.dispose()
    written = outputs.write(report, out)
    for label, figure in report.headline:
        console.print(f"{label}: {figure.text}")
    console.print(f"wrote {len(written)} files to {out}:")
    for path in written:
        console.print(f"  {path.name}")
