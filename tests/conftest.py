"""Fixtures: a migrated database on SQLite and on PostgreSQL, fresh for every test.

PostgreSQL tests use the server on 127.0.0.1:5432 (database `test`), each in a schema of its
own that is dropped afterwards. Without a server they skip with the reason; in CI (`CI=true`)
a missing server is a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

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


@pytest.fixture
def postgres_url(postgres_available: None) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
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
        url = f"sqlite:///{tmp_path / 'triage.db'}"
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
