"""`triage synth`: a synthetic city to develop, test and calibrate against."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from triage.cli.common import app, console, fail


@app.command()
def synth(
    out: Annotated[Path, typer.Option(help="Folder to write the city into")],
    months: Annotated[int, typer.Option(min=1, max=240)] = 12,
    seed: int = 7,
    scale: Annotated[float, typer.Option(min=0.05, help="Population multiplier")] = 1.0,
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD")] = "2025-11-01",
) -> None:
    """Write a synthetic city's notifications (JSON lines and CSV) and its calibration table."""
    from triage.synth import calibrate, generate_city, write_city

    city = generate_city(months=months, seed=seed, scale=scale, start=date.fromisoformat(start))
    paths = write_city(city, out)
    table = Table(title=f"Calibration (seed {seed}, {months} months, scale {scale:g})")
    for column in ("figure", "generated", "target", "within 15%", "source"):
        table.add_column(column)
    rows = calibrate(city)
    for row in rows:
        mark = "[green]yes[/]" if row.within(0.15) else "[red]no[/]"
        table.add_row(row.figure, _figure(row.generated), _figure(row.target), mark, row.source)
    console.print(table)
    for name, path in paths.items():
        console.print(f"{name}: {path}")
    if not all(row.within(0.15) for row in rows):
        raise fail("some generated figures are more than 15% from their targets")


def _figure(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 1 else f"{value:,.1f}"
