"""Storage: tables, migrations, and the transaction boundary."""

from triage.store.database import Database, create_database

__all__ = ["Database", "create_database"]
