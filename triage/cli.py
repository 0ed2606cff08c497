"""The `triage` command: generate, load, fix and serve. Every command reads settings from the
environment (`TRIAGE_DATABASE_URL` chooses the database)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from triage.errors import TriageError
from triage.intake import Outcome, load_file, replay
from triage.settings import get_settings
from triage.store import Database, create_database

if TYPE_CHECKING:
    from triage.vetting import VettedDecision

app = typer.Typer(no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False)
quarantine_app = typer.Typer(no_args_is_help=True, help="Rejected records: list, show, replay.")
matches_app = typer.Typer(no_args_is_help=True, help="Possible identity matches to decide.")
app.add_typer(quarantine_app, name="quarantine")
users_app = typer.Typer(no_args_is_help=True, help="Accounts: add, list, deactivate.")
app.add_typer(matches_app, name="matches")
app.add_typer(users_app, name="users")
console = Console()


def _database() -> Database:
    return create_database(get_settings())


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=1)


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
        raise _fail("some generated figures are more than 15% from their targets")


def _figure(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 1 else f"{value:,.1f}"


@app.command()
def load(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Load notifications from a JSON lines or CSV file of any size; each is vetted on arrival."""
    from triage.vetting import create_vetter

    settings = get_settings()
    database = create_database(settings)
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
    from triage.notification import parse_notification, read_records
    from triage.vetting import create_vetter
    from triage.vetting.batch import vet_batch
    from triage.vetting.decision import json_line

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


@quarantine_app.command("list")
def quarantine_list(
    status: Annotated[str, typer.Option(help="open, replayed, superseded or all")] = "open",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """Rejected records with their errors, newest first."""
    from triage.quarantine import service

    with _database().reading() as session:
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
            table.add_row(str(row.id), received, where, row.status, errors)
    console.print(table)


@quarantine_app.command("show")
def quarantine_show(record_id: int) -> None:
    """One rejected record: its errors and its payload, ready to fix and replay."""
    from triage.quarantine import service

    with _database().reading() as session:
        try:
            row = service.get_or_raise(session, record_id)
        except TriageError as exc:
            raise _fail(str(exc)) from None
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
        raise _fail(str(exc)) from None
    if receipt.outcome is Outcome.REJECTED:
        for error in receipt.errors:
            console.print(f"  [red]{error.field}[/]: {error.problem}")
        raise _fail(f"still rejected; kept as quarantine #{receipt.quarantine_id}")
    console.print(
        f"#{record_id} replayed: {receipt.outcome.value} {receipt.police_reference} "
        f"(version {receipt.version})"
    )


@matches_app.command("list")
def matches_list(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """Open possible matches: records that may be the same child."""
    from triage.identity import service

    with _database().reading() as session:
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
        with _database().transaction() as session:
            survivor = service.confirm(session, match_id, decided_by=by, now=datetime.now(UTC))
    except TriageError as exc:
        raise _fail(str(exc)) from None
    console.print(f"match {match_id} confirmed: the child is now record {survivor}")


@matches_app.command("reject")
def matches_reject(match_id: int, by: Annotated[str, typer.Option(help="Who decides")]) -> None:
    """Record that two records are different children."""
    from triage.identity import service

    try:
        with _database().transaction() as session:
            service.reject(session, match_id, decided_by=by, now=datetime.now(UTC))
    except TriageError as exc:
        raise _fail(str(exc)) from None
    console.print(f"match {match_id} rejected: the records stay apart")


@app.command()
def history(police_reference: str) -> None:
    """The child's history features as of one notification."""
    from sqlalchemy import select

    from triage.history import features_for_episode
    from triage.store.tables import EpisodeRecord

    with _database().reading() as session:
        episode_id = session.scalar(
            select(EpisodeRecord.id).where(EpisodeRecord.police_reference == police_reference)
        )
        if episode_id is None:
            raise _fail(f"no episode with police reference {police_reference!r}")
        features = features_for_episode(session, episode_id)
    table = Table(title=f"History as of {police_reference}")
    table.add_column("feature")
    table.add_column("value", justify="right")
    for name, value in features.as_dict().items():
        table.add_row(name, str(value))
    console.print(table)


@app.command()
def train(
    data: Annotated[
        Path,
        typer.Option(
            exists=True, file_okay=False, help="A folder holding notifications.jsonl and truth.csv"
        ),
    ],
    out: Annotated[Path, typer.Option(help="The model's folder, e.g. models/NAME")],
    label: Annotated[str, typer.Option(help="The truth.csv column to predict")] = "outcome",
    seed: int = 7,
) -> None:
    """Train the points score on a labelled history; write the artefact and its model card."""
    from triage.scoring import card
    from triage.scoring.model import CARD, ScoredModel
    from triage.scoring.training import load_training_data
    from triage.scoring.training import train as fit

    with console.status("loading the history and building facts"):
        history = load_training_data(data, label=label)
    with console.status(f"training on {len(history.facts)} episodes"):
        model = fit(history, name=out.name, label=label, seed=seed)
    artefact = model.save(out)
    # The card is rendered from the artefact as saved, so `triage model-card` prints the same.
    (out / CARD).write_text(card.render(ScoredModel.load(out)), encoding="utf-8")
    console.print(f"wrote {artefact} and {out / CARD} (version {model.version})")
    for quality in model.metrics["quality"]:
        console.print(
            f"  {quality['name']}: AUC {quality['auc']:.3f}, Brier {quality['brier']:.4f}"
        )


@app.command("model-card")
def model_card(folder: Annotated[Path, typer.Argument(exists=True, file_okay=False)]) -> None:
    """Print a model's card: what it is, its data, versions and measured quality."""
    from triage.scoring import card
    from triage.scoring.model import ScoredModel

    try:
        model = ScoredModel.load(folder)
    except TriageError as exc:
        raise _fail(str(exc)) from None
    print(card.render(model))


@app.command()
def schema(
    check: Annotated[bool, typer.Option(help="Fail if the files are not current")] = False,
) -> None:
    """Write (or check) schema/notification.schema.json and docs/contract.md."""
    from triage.notification import schema as contract

    expected = {
        contract.SCHEMA_PATH: contract.schema_text(),
        contract.CONTRACT_PAGE: contract.contract_page(),
    }
    if check:
        stale = [str(p) for p, text in expected.items() if not p.exists() or p.read_text() != text]
        if stale:
            raise _fail(f"out of date: {', '.join(stale)} (run `make schema`)")
        console.print("schema and contract page are current")
        return
    for path in contract.write(Path(".")):
        console.print(f"wrote {path}")


@app.command()
def migrate() -> None:
    """Apply database migrations (the service also does this at start)."""
    database = _database()
    console.print(f"database is at the newest schema ({database.dialect})")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    demo: Annotated[
        bool, typer.Option(help="Create demo accounts (development only) and print sign-ins")
    ] = False,
) -> None:
    """Start the HTTP service: the pages at / and the API at /api/v1."""
    import uvicorn

    from triage.accounts.demo import ensure_demo_accounts
    from triage.accounts.roles import DESCRIPTIONS
    from triage.api import create_app

    settings = get_settings()
    if demo:
        if settings.environment != "development":
            raise _fail("demo accounts are for development only")
        with create_database(settings).transaction() as session:
            sign_ins = ensure_demo_accounts(session, now=datetime.now(UTC))
        table = Table(title="Demo sign-ins (new passwords every start)")
        for column in ("role", "username", "password"):
            table.add_column(column)
        for sign_in in sign_ins:
            table.add_row(DESCRIPTIONS[sign_in.role], sign_in.username, sign_in.password)
        console.print(table)
    console.print(
        f"Open http://{host}:{port}/ to sign in  (API docs: http://{host}:{port}/api/v1/docs)"
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[
        str, typer.Option(help="police_feed, mash_worker, panel_chair, analyst or admin")
    ],
    name: Annotated[str, typer.Option(help="The name shown to others")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Add an account (the password is asked for, never shown, and stored only as a hash)."""
    from triage.accounts import Role, create_user
    from triage.accounts.service import UserError

    if role not in {r.value for r in Role}:
        raise _fail(f"role: {role!r} is not one of {', '.join(r.value for r in Role)}")
    try:
        with _database().transaction() as session:
            user = create_user(
                session,
                username=username,
                display_name=name,
                role=Role(role),
                password=password,
                now=datetime.now(UTC),
            )
            console.print(f"Added {user.username} ({user.role}).")
    except UserError as exc:
        raise _fail(str(exc)) from exc


@users_app.command("list")
def users_list() -> None:
    """Every account with its role and whether it is active."""
    from sqlalchemy import select

    from triage.store.tables import UserRecord

    table = Table()
    for column in ("username", "name", "role", "active"):
        table.add_column(column)
    with _database().reading() as session:
        for user in session.scalars(select(UserRecord).order_by(UserRecord.username)):
            table.add_row(
                user.username, user.display_name, user.role, "yes" if user.active else "no"
            )
    console.print(table)


@users_app.command("deactivate")
def users_deactivate(username: str) -> None:
    """Stop an account at once (its tokens stop working on their next use)."""
    from triage.accounts import get_by_username

    with _database().transaction() as session:
        user = get_by_username(session, username)
        if user is None:
            raise _fail(f"username: no account {username!r}")
        user.active = False
    console.print(f"Deactivated {username}.")
