"""`triage backtest`: what a candidate ruleset (and model) would have done to the stored history."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from triage.cli.common import app, console, fail
from triage.errors import TriageError
from triage.settings import get_settings

if TYPE_CHECKING:
    import pandas as pd

    from triage.analysis.backtest import Backtest


def _day(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option}: {text!r} is not a date as YYYY-MM-DD (e.g. 2026-03-01)") from None


@app.command()
def backtest(
    candidate: Annotated[
        Path,
        typer.Option("--candidate", help="The candidate rules folder (a copy of rules/, edited)"),
    ],
    model: Annotated[
        Path | None,
        typer.Option("--model", help="A candidate model folder (default: the live model)"),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="From versions sent on this day (YYYY-MM-DD)")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="To versions sent on this day (included)")
    ] = None,
    outcomes: Annotated[
        Path | None,
        typer.Option(
            "--outcomes",
            help="A CSV of outcomes by police_reference (e.g. the synthetic city's truth.csv)",
        ),
    ] = None,
    label: Annotated[str, typer.Option(help="The outcomes file's label column")] = "outcome",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the figures as CSV and JSON here")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Worker processes, each with its own rules engine (default: one per core)",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Run the chunks on this Dask cluster (e.g. tcp://10.0.0.5:8786); its workers "
            "must reach the same store",
        ),
    ] = None,
) -> None:
    """Replay the stored history, each version as of when police sent it with the history as
    it was known then, through the live rules and model and through the candidate; print how
    levels move, which rules fire more or less, the work per month and team, and (with
    --outcomes) recall and false-positive rate. Nothing is written to the store."""
    from triage.analysis.backtest import backtest as run
    from triage.analysis.outcomes import OutcomeFileError

    first, last = _day("--since", since), _day("--until", until)
    if first and last and last < first:
        raise fail(f"--until: {until} is before --since {since}")
    for option, folder in (("--candidate", candidate), ("--model", model)):
        if folder is not None and not folder.is_dir():
            raise fail(f"{option}: {folder} is not a folder")
    if scheduler is not None and workers is not None:
        raise fail("--workers: the Dask cluster at --scheduler has its own workers; give one")
    try:
        with console.status("replaying the history through both") as status:

            def progress(done: int, of: int) -> None:
                status.update(f"replaying the history through both: chunk {done} of {of}")

            result = run(
                candidate,
                model=model,
                since=first,
                until=last,
                outcomes=outcomes,
                label=label,
                settings=get_settings(),
                workers=workers or _cores(),
                scheduler=scheduler,
                on_chunk=progress,
            )
    except (TriageError, OutcomeFileError, OSError) as error:
        raise fail(str(error)) from None
    show(result)
    if out is not None:
        written = result.write(out)
        console.print(f"Wrote {len(written)} files to {out} (children.csv: the per-child diff)")


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def show(result: Backtest) -> None:
    """The figures as rich tables on the console."""
    from triage.analysis.measures import change_by_month_and_team

    s = result.summary
    console.print(
        f"{s['decisions']} decisions ({s['episodes']} episodes) decided both ways: "
        f"{s['decisions_whose_level_changes']} change level, {s['decisions_that_differ']} "
        f"differ in level, routing, deadlines or reasons ({s['children_affected']} children)."
    )
    decided, episodes = s["absences_reclassified_as_missing"], s["episodes_reclassified_as_missing"]
    console.print(
        f"Absences reclassified as missing: live {decided['live']} decisions on "
        f"{episodes['live']} episodes, candidate {decided['candidate']} decisions on "
        f"{episodes['candidate']} episodes (of {s['episodes_police_called_absent']} episodes "
        "police called absent)."
    )
    matrix = Table(title="Decisions by level: live (rows) by candidate (columns)")
    matrix.add_column("live")
    for column in result.transitions.columns:
        matrix.add_column(str(column), justify="right")
    for level, row in result.transitions.iterrows():
        matrix.add_row(str(level), *(str(int(v)) for v in row))
    console.print(matrix)
    moved = result.rules[result.rules["change"] != 0]
    console.print(
        _table("Rules that fire more or less often", moved)
        if len(moved)
        else "No rule fires more or less often."
    )
    console.print(_table("Work over the period", result.workload_totals))
    for action, rows in result.workload.groupby("action", sort=False):
        if rows["change"].any():
            by_team = change_by_month_and_team(result.workload, str(action))
            shown = by_team.map(lambda n: f"{n:+d}" if n else "0").reset_index()
            console.print(_table(f"{action}: change per month and area team", shown))
    if result.outcomes is not None:
        o = result.outcomes
        console.print(
            f"Outcomes known for {o.known} episodes; {o.not_yet_known} too recent to know; "
            f"{o.unlabelled} without an outcome."
        )
        console.print(_table("Against outcomes (at this level or above)", _outcomes(o.table)))


def _outcomes(table: pd.DataFrame) -> pd.DataFrame:
    def interval(rate: object, low: object, high: object) -> str:
        if rate is None or rate != rate:
            return "-"
        return f"{float(rate):.1%} ({float(low):.1%} to {float(high):.1%})"  # type: ignore[arg-type]

    return table.assign(
        recall=[interval(*r) for r in table[["recall", "recall_low", "recall_high"]].values],
        false_positive_rate=[
            interval(*r) for r in table[["false_positive_rate", "fpr_low", "fpr_high"]].values
        ],
    )[["level", "side", "flagged", "outcomes", "outcomes_caught", "recall", "false_positive_rate"]]


def _table(title: str, frame: pd.DataFrame) -> Table:
    table = Table(title=title)
    for column in frame.columns:
        numeric = frame[column].dtype.kind in "iuf"
        table.add_column(str(column).replace("_", " "), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(str(value) for value in row))
    return table
