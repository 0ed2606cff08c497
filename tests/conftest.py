"""Fixtures: a migrated database on SQLite and on PostgreSQL, fresh for every test.

PostgreSQL tests use the server on 127.0.0.1:5432 (database `test`), each in a schema of its
own that is dropped afterwards. Without a server they skip with the reason; in CI (`CI=true`)
a missing server is a failure, never a skip.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from privacy import leaks
from pydantic import SecretStr

from triage.rules import RuleEngine
from triage.rules.book import Rulebook
from triage.settings import Settings, get_settings
from triage.store import Database, create_database
from triage.vetting.service import Vetter

POSTGRES_URL = os.environ.get(
    "TRIAGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_problem() -> str | None:
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means "no server here"
        return f"no PostgreSQL at {POSTGRES_URL} ({type(exc).__name__})"
    return None


@pytest.fixture(scope="session")
def postgres_available() -> None:
    problem = _postgres_problem()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the PostgreSQL tests: {problem}")
    pytest.skip(reason=f"PostgreSQL tests skipped: {problem}")


@pytest.fixture(scope="session")
def postgres_template(postgres_available: None) -> Iterator[str | None]:
    """The SQL of a schema migrated once for the whole run (pg_dump, data included), under a
    placeholder name; each test restores it into a schema of its own in one round trip instead
    of running every migration again. None where pg_dump is missing: tests then migrate."""
    with postgres_schema() as url:
        create_database(get_settings(database_url=url)).dispose()
        schema = sa.make_url(url).query["options"].removeprefix("-csearch_path=")
        server = sa.make_url(POSTGRES_URL)
        try:
            command = [
                *("pg_dump", "-h", server.host or "127.0.0.1", "-p", str(server.port or 5432)),
                *("-U", server.username or "postgres", "-d", server.database or "test"),
                *("-n", schema, "--inserts", "--no-owner", "--no-privileges"),
            ]
            dump = subprocess.run(
                command,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError):
            yield None
            return
    # psql's own commands (\restrict) are not SQL; the schema's name becomes a placeholder.
    sql = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
    yield sql.replace(schema, TEMPLATE_SCHEMA)


TEMPLATE_SCHEMA = "triage_template_schema"


@pytest.fixture
def postgres_url(postgres_template: str | None) -> Iterator[str]:
    with postgres_schema(restore=postgres_template) as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store migrated once for the whole run; each test starts from a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "triage.db"
    create_database(get_settings(database_url=f"sqlite:///{path}")).dispose()
    return path


@contextmanager
def postgres_schema(restore: str | None = None) -> Iterator[str]:
    """A database URL whose tables live in a schema of their own, dropped afterwards; made
    from `restore` (the template's SQL, see `postgres_template`) when given, else empty."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    if restore is None:
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    else:
        raw = admin.raw_connection()
        try:
            raw.cursor().execute(restore.replace(TEMPLATE_SCHEMA, schema))
            raw.commit()
        finally:
            raw.close()
    url = sa.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        path = tmp_path / "triage.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
    return get_settings(database_url=url)


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = create_database(settings)
    try:
        yield db
    finally:
        db.dispose()


class FrozenClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(scope="session")
def engine() -> Iterator[RuleEngine]:
    """One engine per test process, as in the service (ruleset names carry their hash)."""
    rule_engine = RuleEngine()
    try:
        yield rule_engine
    finally:
        rule_engine.close()


@pytest.fixture(scope="session")
def rules_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "rules"


@pytest.fixture
def rulebook(engine: RuleEngine, rules_dir: Path) -> Rulebook:
    return Rulebook(engine, rules_dir)


@pytest.fixture
def vetter(rulebook: Rulebook) -> Vetter:
    return Vetter(rulebook, home_authority="Birmingham")


# The service: an app over the test database, with one account per role ----------------------

PASSWORD = "correct horse battery staple"
ACCOUNTS = {
    "police_feed": ("police", "West Midlands Police feed"),
    "mash_worker": ("sam", "Sam Patel"),
    "panel_chair": ("jo", "Jo Williams"),
    "senior_manager": ("morgan", "Morgan Reid"),
    "analyst": ("priya", "Priya Shah"),
    "admin": ("chris", "Chris Evans"),
    "missing_support_worker": ("dana", "Dana Hughes"),
}


@pytest.fixture(scope="session")
def password_hash() -> str:
    """The test password's Argon2 hash, computed once: hashing is slow on purpose."""
    from pwdlib import PasswordHash

    return PasswordHash.recommended().hash(PASSWORD)


@pytest.fixture
def accounts(database: Database, clock: FrozenClock, password_hash: str) -> dict[str, str]:
    """One account per role (and a second MASH worker, `alex`); role -> username."""
    from triage.store.tables import UserRecord

    people = [*ACCOUNTS.items(), ("mash_worker", ("alex", "Alex Morgan"))]
    with database.transaction() as session:
        for role, (username, name) in people:
            session.add(
                UserRecord(
                    username=username,
                    display_name=name,
                    role=role,
                    password_hash=password_hash,
                    active=True,
                    created_at=clock(),
                )
            )
    return {role: username for role, (username, _name) in ACCOUNTS.items()}


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    # The service's own re-vetting schedule is off: tests move the clock and run it by hand.
    return settings.model_copy(update={"secret_key": SecretStr("s" * 40), "revet_seconds": 0})


@pytest.fixture(scope="session")
def scored_model() -> Any:
    """The shipped scored model (trained on the synthetic city)."""
    from triage.scoring.model import ScoredModel

    return ScoredModel.load(Path(__file__).resolve().parent.parent / "models" / "synthetic-city")


@pytest.fixture
def scored_vetter(rulebook: Rulebook, scored_model: Any) -> Vetter:
    """Rules and the shipped score, as the service runs."""
    return Vetter(rulebook, home_authority="Birmingham", model=scored_model)


@pytest.fixture
def client(
    app_settings: Settings,
    database: Database,
    scored_vetter: Vetter,
    clock: FrozenClock,
    accounts: dict[str, str],
) -> Iterator[TestClient]:
    from triage.http import create_app

    app = create_app(app_settings, database=database, vetter=scored_vetter, clock=clock)
    with TestClient(app) as test_client:
        yield test_client


def token(client: TestClient, username: str) -> dict[str, str]:
    """Authorization headers for `username` (signed in through the API)."""
    response = client.post("/api/v1/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def issue_headers(
    client: TestClient, database: Database, clock: FrozenClock, accounts: dict[str, str]
) -> dict[str, dict[str, str]]:
    """Authorization headers by role, and for `alex` (a second MASH worker), issued by the app
    as of the clock now, as `POST /api/v1/token` would (that endpoint has tests of its own).
    Tests that move the clock past a token's life call this again, as a person signs in again."""
    from triage.accounts import get_by_username

    tokens = client.app.state.services.tokens  # type: ignore[attr-defined]
    signed_in = {}
    with database.reading() as session:
        for key, username in [*accounts.items(), ("alex", "alex")]:
            user = get_by_username(session, username)
            assert user is not None
            issued = tokens.issue(user_id=user.id, role=user.role, now=clock())
            signed_in[key] = {"Authorization": f"Bearer {issued}"}
    return signed_in


@pytest.fixture
def headers(
    client: TestClient, database: Database, clock: FrozenClock, accounts: dict[str, str]
) -> dict[str, dict[str, str]]:
    return issue_headers(client, database, clock, accounts)


# Nothing personal in any log ----------------------------------------------------------------


class _Kept(logging.Handler):
    """Every line logged during the suite, at every level, formatted as the service would."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))  # the traceback too, when there is one
        except Exception:  # a record that cannot be formatted is reported, never lost
            self.lines.append(f"{record.name} {record.levelname} (unformattable) {record.msg!r}")


SERVICE_LOG = _Kept()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(SERVICE_LOG)
    logging.getLogger("triage").setLevel(logging.DEBUG)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if the service logged a name, date of birth, postcode or free text that a
    test submitted (tests register what they submit: tests/privacy.py). Under pytest-xdist each
    worker checks its own log and hands what it found to the controller, which reports it."""
    found = leaks(SERVICE_LOG.lines)
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller judges the run
        workeroutput["personal_data_logged"] = found[:20]
        workeroutput["lines_logged"] = len(SERVICE_LOG.lines)
        workeroutput["lines_with_personal_data"] = len(found)
        return
    held = len(found) + WORKERS["lines_with_personal_data"]
    found = [*WORKERS_FOUND, *found]
    if not held:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.section("personal data in the service's log", sep="=", red=True)
        for value, line in found[:20]:
            reporter.line(f"{value!r} in: {line[:300]}")
        lines = len(SERVICE_LOG.lines) + WORKERS["lines_logged"]
        reporter.line(f"{held} line(s) of {lines} logged hold personal data")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


WORKERS_FOUND: list[tuple[str, str]] = []
WORKERS = {"lines_logged": 0, "lines_with_personal_data": 0}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: gather what each worker found in its own log."""
    output = getattr(node, "workeroutput", {})
    WORKERS_FOUND.extend((value, line) for value, line in output.get("personal_data_logged", []))
    for key in WORKERS:
        WORKERS[key] += output.get(key, 0)
