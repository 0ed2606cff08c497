"""Storage: tables, migrations, and the transaction boundary."""

# Domain tables on the same Base, so the migrations and their checks see every table.
from triage.intelligence import tables as _intelligence_tables  # noqa: F401
from triage.interviews import tables as _interview_tables  # noqa: F401
from triage.panels import tables as _panel_tables  # noqa: F401
from triage.quarantine import tables as _quarantine_tables  # noqa: F401
from triage.reconciliation import tables as _reconciliation_tables  # noqa: F401
from triage.rulesets import tables as _ruleset_tables  # noqa: F401
from triage.shadow import tables as _shadow_tables  # noqa: F401
from triage.store.database import Database, count, create_database

__all__ = ["Database", "count", "create_database"]
