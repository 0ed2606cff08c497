"""The store: migrations build exactly the tables the code expects, and times stay in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from triage.settings import get_settings
from triage.store import Database
from triage.store.tables import Base, ChildRecord


def test_the_migrations_build_exactly_the_tables_in_the_code(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_migrating_twice_is_harmless(database: Database) -> None:
    database.migrate()


def a_child(created_at: datetime) -> ChildRecord:
    return ChildRecord(
        given_name="Test",
        family_name="Child",
        name_key="test|child",
        date_of_birth=date(2012, 1, 1),
        sex="female",
        ethnicity="not_stated",
        created_at=created_at,
    )


def test_times_come_back_in_utc_whatever_zone_they_were_given_in(database: Database) -> None:
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    with database.transaction() as session:
        child = a_child(summer)
        session.add(child)
    with database.reading() as session:
        stored = session.get_one(ChildRecord, child.id).created_at
    assert stored == datetime(2026, 7, 1, 11, 0, tzinfo=UTC)
    assert stored.tzinfo is not None


def test_a_naive_time_is_refused_by_the_store(database: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), database.transaction() as session:
        session.add(a_child(datetime(2026, 7, 1, 12, 0)))
        session.flush()


def test_settings_come_from_the_environment_when_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE_URL", "sqlite:///elsewhere.db")
    assert get_settings().database_url == "sqlite:///elsewhere.db"
    assert get_settings(database_url="sqlite:///given.db").database_url == "sqlite:///given.db"
