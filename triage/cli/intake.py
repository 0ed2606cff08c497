"""Loading notifications, vetting a batch without storing it, and a child's history."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from triage.cli.common import app, console, fail, open_database
from triage.errors import TriageError
from triage.intake import Outcome, load_file
from triage.settings import get_settings
from triage.store import create_database

if TYPE_CHECKING:
    from triage.decisions import VettedDecision


BULK_STATEMENT_SECONDS = 60.0


@app.command()
def load(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Load notifications from a JSON lines or CSV file of any size; each is vetted on arrival."""
    from triage.vetting import create_vetter

    settings = get_settings()
    # A chunk's statements write hundreds of rows: a bulk load is given a minute per statement
    # (at least), where a request is given 1.5 s to answer, so a busy server slows it but does
    # not make it give up half-way (each record stays atomic either way).
    bulk = max(settings.database_statement_seconds, BULK_STATEMENT_SECONDS)
    database = create_database(settings.model_copy(update={"database_statement_seconds": bulk}))
    vetter = create_vetter(settings)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Progress(*columns, TimeRemainingColumn(), console=console) as progress:
        task = progress.add_task(f"loading {file.name}", total=file.stat().st_size)
        summary = load_file(
            database,
            file,
            on_record=lambda record, _: progress.advance(task, record.size),
            vetter=vetter,
        )
        progress.update(task, completed=file.stat().st_size)
    table = Table(title=f"Loaded {file.name}")
    table.add_column("outcome")
    table.add_column("records", justify="right")
    for outcome in Outcome:
        table.add_row(outcome.value, str(summary.counts[outcome]))
    table.add_row("total", str(summary.total))
    console.print(table)
    if summary.counts[Outcome.REJECTED]:
        console.print("Rejected records are in quarantine: [bold]triage quarantine list[/]")


@app.command()
def vet(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option(help="Where to write the decisions (JSON lines)")],
) -> None:
    """Vet a batch of notifications against the stored history, without storing them."""
    from triage.decisions.models import json_line
    from triage.notification import parse_notification, read_records
    from triage.vetting import create_vetter
    from triage.vetting.batch import vet_batch

    settings = get_settings()
    vetter = create_vetter(settings)
    notifications, rejected = [], 0
    for record in read_records(file):
        try:
            notifications.append(parse_notification(record.payload))
        except TriageError as exc:
            rejected += 1
            console.print(f"[red]{record.source}:{record.position}[/] {exc}")
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}"))
    with (
        create_database(settings).reading() as session,
        Progress(*columns, TimeRemainingColumn(), console=console) as progress,
    ):
        task = progress.add_task(f"vetting {file.name}", total=len(notifications))
        decisions = vet_batch(
            session, notifications, vetter, on_progress=lambda n: progress.advance(task, n)
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for decision in decisions:
            handle.write(json_line(decision) + "\n")
    _vet_summary(decisions, rejected)
    console.print(f"ruleset {vetter.rulebook.current.version[:12]}; decisions written to {out}")


def _vet_summary(decisions: list[VettedDecision], rejected: int) -> None:
    from triage.notification.vocabulary import RiskGrade

    levels = Counter(d.vetted_level for d in decisions)
    grades = Counter(d.police_risk_grade for d in decisions)
    table = Table(title=f"Vetted {len(decisions)} notifications ({rejected} rejected)")
    for column in ("level", "police grade", "vetted level"):
        table.add_column(column, justify="right" if column != "level" else "left")
    for grade in RiskGrade:
        table.add_row(grade.value.replace("_", " "), str(grades[grade]), str(levels[grade]))
    console.print(table)
    absences = sum(1 for d in decisions if d.police_classification == "absent")
    reclassified = sum(1 for d in decisions if d.reclassified)
    raised = sum(1 for d in decisions if d.vetted_level.rank > d.police_risk_grade.rank)
    console.print(
        f"absences reclassified as missing: {reclassified} of {absences}; "
        f"vetted above the police grade: {raised}"
    )


@app.command()
def history(police_reference: str) -> None:
    """The child's history features as of one notification."""
    from sqlalchemy import select

    from triage.history import features_for_episode
    from triage.store.tables import EpisodeRecord

    with open_database().reading() as session:
        episode_id = session.scalar(
            select(EpisodeRecord.id).where(EpisodeRecord.police_reference == police_reference)
        )
        if episode_id is None:
            raise fail(f"no episode with police reference {police_reference!r}")
        features = features_for_episode(session, episode_id)
    table = Table(title=f"History as of {police_reference}")
    table.add_column("feature")
    table.add_column("value", justify="right")
    for name, value in features.as_dict().items():
        table.add_row(name, str(value))
    console.print(table)
