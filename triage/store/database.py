"""The database: engine and sessions from settings, migrations, and the one transaction boundary.

Services take a `Session` and never commit; whoever calls them (a CLI command, a request) opens
`Database.transaction()`, which commits on success and rolls back on any error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Select, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from triage.settings import Settings
from triage.store.guard import DatabaseGuard

MIGRATIONS = Path(__file__).parent / "migrations"


class Database:
    """One engine and its session factory."""

    def __init__(
        self, url: str, *, echo: bool = False, statement_seconds: float = 1.5, pool_size: int = 20
    ) -> None:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        options: dict[str, Any] = {}
        if backend == "postgresql":
            # Bounded waits everywhere: for a connection from the pool, for a new connection,
            # for each statement (`triage.store.guard`).
            options = {
                "pool_size": pool_size,
                "max_overflow": pool_size,
                "pool_timeout": 1.0,
                "connect_args": DatabaseGuard.connect_args(parsed, statement_seconds),
            }
        # hide_parameters: a failed statement's message never carries the values it wrote
        # (names, dates of birth, free text), so nothing personal reaches a log.
        self.engine: Engine = create_engine(url, echo=echo, hide_parameters=True, **options)
        self.guard: DatabaseGuard | None = None
        if backend == "postgresql":
            self.guard = DatabaseGuard(self.engine, statement_seconds=statement_seconds)
        if backend == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def status(self) -> str:
        """ "ok", or since when the database has not answered."""
        return self.guard.status if self.guard else "ok"

    def _check(self) -> None:
        if self.guard:
            self.guard.check()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, writing: bool = False) -> Iterator[Session]:
        """A session inside one transaction: committed if the block succeeds, else rolled back.

        `writing`: the block reads in order to write (intake). On SQLite the transaction then
        takes the write lock before its first read (`BEGIN IMMEDIATE`, waiting its turn up to
        the busy timeout), so what it read stays true until it commits: two writers never both
        find no record and each make one, nor fail on upgrading a read to a write."""
        self._check()
        with self._sessions.begin() as session:
            if writing and self.dialect == "sqlite":
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only: closing it rolls back anything written, and what was read
        stays readable afterwards (detached, not expired)."""
        self._check()
        with self._sessions() as session:
            yield session

    def migrate(self) -> None:
        """Bring the schema up to the newest migration (run at every start)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        # Outside the guard: a migration may rightly run statements longer than a request's.
        engine = self.engine
        if self.guard:
            engine = create_engine(self.url, hide_parameters=True, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                if connection.dialect.name == "sqlite":
                    # SQLite alters a table by copying it; with foreign keys enforced, dropping
                    # the old copy of a table other rows point at fails. Checks are off for the
                    # migration only (a PRAGMA that takes effect outside a transaction).
                    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                    connection.commit()
                with connection.begin():
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
                if connection.dialect.name == "sqlite":
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    connection.commit()
        finally:
            if engine is not self.engine:
                engine.dispose()

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a transaction that returned is on disk, so an acknowledged record survives a crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def count(session: Session, query: Select[*tuple[Any, ...]]) -> int:
    """How many rows `query` would return (for the total beside a page of results)."""
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def create_database(settings: Settings, *, migrate: bool = True) -> Database:
    """The database the settings name, migrated to the newest schema unless told otherwise."""
    database = Database(
        settings.database_url,
        echo=settings.echo_sql,
        statement_seconds=settings.database_statement_seconds,
        pool_size=settings.database_pool_size,
    )
    if migrate:
        database.migrate()
    return database
