"""`triage shadow start|approve|stop|follow|report`: a candidate decides beside the live rules."""

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
    from sqlalchemy.orm import Session

    from triage.store.tables import UserRecord

shadow_app = typer.Typer(
    no_args_is_help=True,
    help="Shadow mode: a candidate ruleset (and model) decides every arrival and re-vet beside "
    "the live one; its decisions never reach a queue, a receipt or the level in force.",
)
app.add_typer(shadow_app, name="shadow")

By = Annotated[str, typer.Option("--by", help="Your username (the change is audited as yours)")]


def _user(session: Session, username: str) -> UserRecord:
    from triage.accounts.service import get_by_username

    user = get_by_username(session, username)
    if user is None or not user.active:
        raise fail(f"--by: no active user {username!r}")
    return user


@shadow_app.command("start")
def start(
    candidate: Annotated[
        Path, typer.Option("--candidate", help="The candidate rules folder (a copy, edited)")
    ],
    by: By,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="A candidate model folder (default: the live model)"),
    ] = None,
) -> None:
    """Ask for a candidate to run in shadow (an analyst); it starts when an admin approves."""
    from triage.rules import RuleEngine
    from triage.shadow import service

    settings = get_settings()
    database, engine = create_database(settings), RuleEngine()
    try:
        with database.transaction() as session:
            run = service.request(
                session,
                by=_user(session, by),
                rules_dir=candidate,
                model_dir=model or settings.model_dir,
                engine=engine,
                home_authority=settings.home_authority,
                now=datetime.now(UTC),
            )
            console.print(
                f"Shadow run {run.id} asked for (ruleset {run.ruleset_version[:12]}): an admin "
                "approves it with [bold]triage shadow approve --by USERNAME[/]"
            )
    except TriageError as error:
        raise fail(str(error)) from None
    finally:
        engine.close()
        database.dispose()


@shadow_app.command("approve")
def approve(by: By) -> None:
    """Approve the run asked for (an admin, not the analyst who asked): it starts now."""
    from triage.shadow import service

    database = create_database(get_settings())
    try:
        with database.transaction() as session:
            run = service.approve(session, by=_user(session, by), now=datetime.now(UTC))
            console.print(f"Shadow run {run.id} is running from now.")
    except TriageError as error:
        raise fail(str(error)) from None
    finally:
        database.dispose()


@shadow_app.command("stop")
def stop(by: By) -> None:
    """Stop the run asked for or running; its decisions stay for the report."""
    from triage.shadow import service

    database = create_database(get_settings())
    try:
        with database.transaction() as session:
            run = service.stop(session, by=_user(session, by), now=datetime.now(UTC))
            console.print(f"Shadow run {run.id} stopped.")
    except TriageError as error:
        raise fail(str(error)) from None
    finally:
        database.dispose()


@shadow_app.command("follow")
def follow() -> None:
    """Decide by the candidate every live decision since the run started not yet shadowed (the
    service does this itself after each re-vet pass; this is the same pass by hand)."""
    from triage.rules import RuleEngine
    from triage.shadow.service import follow_pass

    settings = get_settings()
    database, engine = create_database(settings), RuleEngine()
    try:
        made = follow_pass(database, engine, settings.home_authority, now=datetime.now(UTC))
        console.print(f"{made} shadow decision{'' if made == 1 else 's'} made.")
    finally:
        engine.close()
        database.dispose()


@shadow_app.command("report")
def report(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the figures as CSV and JSON here")
    ] = None,
) -> None:
    """Live and shadow compared on what arrived since the newest run started: the back-test's
    measures (levels, rules, work per month and team, the per-child diff)."""
    from triage.analysis.backtest import pseudonymiser_for
    from triage.cli.analysis import show
    from triage.rules import RuleEngine
    from triage.shadow import service
    from triage.vetting import create_vetter

    settings = get_settings()
    database, engine = create_database(settings), RuleEngine()
    try:
        with database.reading() as session:
            run = service.newest(session)
            if run is None:
                raise fail("no shadow run yet: triage shadow start --candidate DIR --by USERNAME")
            result = service.report(
                session,
                run,
                create_vetter(settings, engine),
                service.candidate_of(run, engine, settings.home_authority),
                pseudonyms=pseudonymiser_for(settings),
            )
            console.print(f"Shadow run {run.id}, {run.status}.")
    except TriageError as error:
        raise fail(str(error)) from None
    finally:
        engine.close()
        database.dispose()
    show(result)
    if out is not None:
        written = result.write(out)
        console.print(f"Wrote {len(written)} files to {out} (children.csv: the per-child diff)")
