"""The published contract, migrations, and serving the pages and API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from triage.cli.common import app, console, fail, open_database
from triage.settings import Settings, get_settings
from triage.store import create_database


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
            raise fail(f"out of date: {', '.join(stale)} (run `make schema`)")
        console.print("schema and contract page are current")
        return
    for path in contract.write(Path(".")):
        console.print(f"wrote {path}")


@app.command()
def migrate() -> None:
    """Apply database migrations (the service also does this at start)."""
    database = open_database()
    console.print(f"database is at the newest schema ({database.dialect})")


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _demo_interviews(settings: Settings) -> None:
    """Demo interview tasks and outcomes (`triage.interviews.demo`), in every state."""
    from triage.interviews.demo import ensure_demo_interviews
    from triage.interviews.vocabulary import factor_lists
    from triage.vetting import create_vetter

    vetter = create_vetter(settings)
    try:
        with create_database(settings).transaction() as session:
            summary = ensure_demo_interviews(
                session,
                vetter,
                vetter.rulebook.current,
                factor_lists(settings.rules_dir),
                now=datetime.now(UTC),
            )
    finally:
        vetter.rulebook.engine.close()
    if summary.tasks:
        console.print(
            f"Return home interviews: {summary.recorded} outcomes recorded from the synthetic "
            f"city, {summary.tasks - summary.recorded} open: sign in as rhi.south.demo"
        )


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Processes to serve with")] = 1,
    demo: Annotated[
        bool, typer.Option(help="Create demo accounts (development only) and print sign-ins")
    ] = False,
) -> None:
    """Start the HTTP service: the pages at / and the API at /api/v1. Beyond this machine
    (a host other than loopback) only in production, with its own secret key; several
    processes only with a secret key they share."""
    import uvicorn

    from triage.accounts.demo import ensure_demo_accounts
    from triage.accounts.roles import DESCRIPTIONS
    from triage.panels.demo import ensure_demo_panels_for_chair

    settings = get_settings()
    if not _loopback(host) and settings.environment != "production":
        raise fail(
            f"--host: {host} is reachable beyond this machine; that needs "
            "TRIAGE_ENVIRONMENT=production with its own TRIAGE_SECRET_KEY (and HTTPS)"
        )
    if workers > 1 and settings.secret_key is None:
        raise fail(
            "--workers: several processes must share one TRIAGE_SECRET_KEY (32+ characters), "
            "or each would refuse the others' sign-ins"
        )
    if demo:
        if settings.environment != "development":
            raise fail("demo accounts are for development only")
        with create_database(settings).transaction() as session:
            sign_ins = ensure_demo_accounts(session, now=datetime.now(UTC))
            made = ensure_demo_panels_for_chair(
                session, rules_dir=settings.rules_dir, now=datetime.now(UTC)
            )
        table = Table(title="Demo sign-ins (new passwords every start)")
        for column in ("role", "username", "password"):
            table.add_column(column)
        for sign_in in sign_ins:
            table.add_row(DESCRIPTIONS[sign_in.role], sign_in.username, sign_in.password)
        console.print(table)
        if made:
            console.print(f"Made {made} demo panel meetings for chair.demo: see /panels")
        _demo_interviews(settings)
    console.print(
        f"Open http://{host}:{port}/ to sign in  (API docs: http://{host}:{port}/api/v1/docs)"
    )
    uvicorn.run(
        "triage.http.app:from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
