"""`triage rules promote|rollback|history`: a ruleset made live with sign-off, and undone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from triage.cli.common import app, console, fail
from triage.errors import TriageError
from triage.settings import get_settings
from triage.store import create_database

if TYPE_CHECKING:
    from triage.rulesets.service import Made

rules_app = typer.Typer(
    no_args_is_help=True,
    help="The live rules: promote a candidate (two people: one asks, an admin approves), roll "
    "back to the version before, and the history of versions made live.",
)
app.add_typer(rules_app, name="rules")

By = Annotated[str, typer.Option("--by", help="The analyst or admin who asks (a username)")]
ApprovedBy = Annotated[
    str, typer.Option("--approved-by", help="The admin who approves: another person")
]


def _done(made: Made, what: str) -> None:
    console.print(
        f"{what}: ruleset {made.version[:12]} is live in place of {made.previous[:12]} "
        f"(change {made.promotion.id}; the folder replaced is kept at {made.kept}). A running "
        "service picks it up at its next pass."
    )


@rules_app.command("promote")
def promote(
    candidate: Annotated[
        Path, typer.Option("--candidate", help="The candidate rules folder (a copy, edited)")
    ],
    by: By,
    approved_by: ApprovedBy,
    equality_note: Annotated[
        str | None, typer.Option("--equality-note", help="The equality impact note")
    ] = None,
    equality_note_file: Annotated[
        Path | None,
        typer.Option("--equality-note-file", help="A text file holding the equality impact note"),
    ] = None,
) -> None:
    """Make a candidate rules folder live: proved on its golden examples, back-tested against
    the live rules over the stored history (and its shadow run's figures, if one ran), recorded
    with who asked, who approved and the equality impact note, then swapped in whole."""
    from triage.analysis.backtest import pseudonymiser_for
    from triage.rules import RuleEngine
    from triage.rulesets import service
    from triage.vetting import create_vetter

    if (equality_note is None) == (equality_note_file is None):
        raise fail("--equality-note: give the note, or --equality-note-file (one of them)")
    note = equality_note or ""
    if equality_note_file is not None:
        try:
            note = equality_note_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise fail(
                f"--equality-note-file: {equality_note_file} cannot be read: {error}"
            ) from None
    settings = get_settings()
    database, engine = create_database(settings), RuleEngine()
    try:
        live = create_vetter(settings, engine)
        with (
            console.status("back-testing the candidate over the stored history"),
            database.transaction() as session,
        ):
            made = service.promote(
                session,
                candidate=candidate,
                live=live,
                asked_by=by,
                approved_by=approved_by,
                equality_note=note,
                pseudonyms=pseudonymiser_for(settings),
                now=datetime.now(UTC),
            )
            summary = (made.promotion.backtest or {}).get("summary", {})
        _done(made, "Promoted")
        console.print(
            f"Back-test: {summary.get('decisions_whose_level_changes', 0)} of "
            f"{summary.get('decisions', 0)} decisions change level."
        )
    except TriageError as error:
        raise fail(str(error)) from None
    finally:
        engine.close()
        database.dispose()


@rules_app.command("rollback")
def rollback(
    by: By,
    approved_by: ApprovedBy,
    reason: Annotated[str, typer.Option("--reason", help="Why the change is rolled back")],
) -> None:
    """Go back to the version before the newest promotion still in force, restored from the
    files kept as data (the old folder need not be there); signed off as a promotion is."""
    from triage.rules import RuleEngine
    from triage.rulesets import service
    from triage.vetting import create_vetter

    settings = get_settings()
    database, engine = create_database(settings), RuleEngine()
    try:
        live = create_vetter(settings, engine)
        with database.transaction() as session:
            made = service.roll_back(
                session,
                live=live,
                asked_by=by,
                approved_by=approved_by,
                reason=reason,
                now=datetime.now(UTC),
            )
        _done(made, "Rolled back")
    except TriageError as error:
        raise fail(str(error)) from None
    finally:
        engine.close()
        database.dispose()


@rules_app.command("history")
def history() -> None:
    """The versions made live, newest first: when, asked and approved by whom, the equality
    impact note, the back-test's headline, and which version is live now."""
    from triage.rulesets import history as ruleset_history

    settings = get_settings()
    database = create_database(settings)
    try:
        with database.reading() as session:
            found = ruleset_history.history(session, settings.rules_dir)
    except TriageError as error:
        raise fail(str(error)) from None
    finally:
        database.dispose()
    if not found.entries:
        console.print("No version has been promoted yet.")
    for e in found.entries:
        change = "Rolled back" if e.kind == "rollback" else "Promoted"
        live = " [bold](live)[/]" if e.live else ""
        console.print(
            f"[bold]{e.id}[/] {e.at:%Y-%m-%d %H:%M} UTC  {change} to {e.version[:12]} "
            f"(was {e.previous_version[:12]}){live}",
            highlight=False,
        )
        lines = [f"asked by {e.asked_by}, approved by {e.approved_by}"]
        if e.reason:
            lines.append(f"reason: {e.reason}")
        lines.append(f"back-test: {e.headline}")
        if e.shadow_headline:
            lines.append(e.shadow_headline)
        lines.append(f"equality impact note: {e.equality_note or 'none'}")
        for line in lines:
            console.print(f"    {line}", highlight=False, markup=False)
    live = found.live_version[:12] or "none (no rules folder)"
    console.print(f"Live now: {live} in {settings.rules_dir}")
    if found.entries and not found.live_recorded:
        console.print("The live folder is not the version last made live: changed by hand.")
