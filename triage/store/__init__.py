"""Storage: tables, migrations, and the transaction boundary."""

from triage.store.database import Database, count, create_database

__all__ = ["Database", "count", "create_database"]
