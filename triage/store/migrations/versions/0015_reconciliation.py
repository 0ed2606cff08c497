"""reconciliation: extracts imported per source (good lines, and refused lines kept to fix and
replay), each month's runs with their discrepancies, and each owner or status given to one

Imports, their good lines, runs, discrepancies and their updates are records of what happened:
the database refuses to change or delete them (as 0006 does for history). A refused line is
marked replayed or superseded in place, as the quarantine's entries are.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)
APPEND_ONLY = (
    "extract_imports",
    "extract_records",
    "reconciliation_runs",
    "discrepancies",
    "discrepancy_updates",
)


def _fk(owner: str, column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}")
    )


def _refuse(table: str) -> list[str]:
    message = f"{table} is append-only"
    if op.get_bind().dialect.name != "postgresql":
        return [
            f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
            BEGIN SELECT RAISE(ABORT, '{message}'); END"""
            for verb in ("UPDATE", "DELETE")
        ]
    return [
        f"""CREATE FUNCTION {table}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{message}'; END $$""",
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {table}_refuse()""",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse()""",
    ]


def _record_columns() -> list[sa.Column]:
    return [
        sa.Column("record_id", sa.String(length=100), nullable=False),
        sa.Column("local_child_id", sa.String(length=64), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("ended_at", _TIME, nullable=True),
        sa.Column("legal_status", sa.String(length=30), nullable=True),
        sa.Column("placement_type", sa.String(length=30), nullable=True),
        sa.Column("responsible_authority", sa.String(length=120), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "extract_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_kept", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        _fk("extract_imports", "by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extract_imports")),
        sa.UniqueConstraint("source", "file_hash", name=op.f("uq_extract_imports_source")),
    )
    op.create_table(
        "extract_rejected_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("replay_of_id", sa.Integer(), nullable=True),
        sa.Column("replayed_as_id", sa.Integer(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", _TIME, nullable=True),
        _fk("extract_rejected_rows", "import_id", "extract_imports"),
        _fk("extract_rejected_rows", "replay_of_id", "extract_rejected_rows"),
        _fk("extract_rejected_rows", "resolved_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extract_rejected_rows")),
    )
    for column in ("import_id", "status"):
        op.create_index(
            op.f(f"ix_extract_rejected_rows_{column}"), "extract_rejected_rows", [column]
        )
    op.create_table(
        "extract_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        *_record_columns(),
        sa.Column("replay_of_id", sa.Integer(), nullable=True),
        _fk("extract_records", "import_id", "extract_imports"),
        _fk("extract_records", "replay_of_id", "extract_rejected_rows"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extract_records")),
    )
    for column in ("import_id", "started_at"):
        op.create_index(op.f(f"ix_extract_records_{column}"), "extract_records", [column])
    op.create_index(
        "ix_extract_records_source_record_id", "extract_records", ["source", "record_id"]
    )
    op.create_table(
        "reconciliation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("by_name", sa.String(length=64), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        _fk("reconciliation_runs", "by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_runs")),
    )
    op.create_index(op.f("ix_reconciliation_runs_month"), "reconciliation_runs", ["month"])
    op.create_table(
        "discrepancies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("episode_key", sa.String(length=130), nullable=False),
        sa.Column("child_key", sa.String(length=130), nullable=False),
        sa.Column("police_reference", sa.String(length=64), nullable=True),
        sa.Column("case_record_id", sa.String(length=100), nullable=True),
        sa.Column("fostering_id", sa.String(length=100), nullable=True),
        sa.Column("held", sa.JSON(), nullable=False),
        sa.Column("lacking", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        _fk("discrepancies", "run_id", "reconciliation_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discrepancies")),
    )
    for column in ("run_id", "reason"):
        op.create_index(op.f(f"ix_discrepancies_{column}"), "discrepancies", [column])
    op.create_index("ix_discrepancies_month_episode_key", "discrepancies", ["month", "episode_key"])
    op.create_table(
        "discrepancy_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discrepancy_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("episode_key", sa.String(length=130), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        _fk("discrepancy_updates", "discrepancy_id", "discrepancies"),
        _fk("discrepancy_updates", "by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discrepancy_updates")),
    )
    op.create_index(
        "ix_discrepancy_updates_month_episode_key",
        "discrepancy_updates",
        ["month", "episode_key"],
    )
    for table in APPEND_ONLY:
        for statement in _refuse(table):
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        if postgres:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP FUNCTION {table}_refuse()")
        else:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
    op.drop_table("discrepancy_updates")
    op.drop_table("discrepancies")
    op.drop_table("reconciliation_runs")
    op.drop_table("extract_records")
    op.drop_table("extract_rejected_rows")
    op.drop_table("extract_imports")
