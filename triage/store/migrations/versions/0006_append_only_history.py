"""append-only history in the database; a re-sent rejected record refers to its open entry

Decisions, notification versions, reviews, agreements, action completions and receipts are
records of what happened: like the audit trail, the database itself refuses to change or
delete them. Quarantine entries gain the hash of their raw text, so a record that arrives again
while its first entry is still open is counted on that entry instead of opening a second.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 11:00:00
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HISTORY = (
    "decisions",
    "notification_versions",
    "reviews",
    "review_agreements",
    "action_completions",
    "receipts",
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


def upgrade() -> None:
    for table in HISTORY:
        for statement in _refuse(table):
            op.execute(statement)
    with op.batch_alter_table("quarantine") as batch:
        batch.add_column(sa.Column("raw_hash", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("times_received", sa.Integer(), nullable=False, server_default="1")
        )
        batch.add_column(sa.Column("last_received_at", sa.DateTime(timezone=True), nullable=True))
    quarantine = sa.table(
        "quarantine",
        sa.column("id", sa.Integer),
        sa.column("raw", sa.Text),
        sa.column("raw_hash", sa.String),
    )
    bind = op.get_bind()
    for row_id, raw in bind.execute(sa.select(quarantine.c.id, quarantine.c.raw)).all():
        digest = hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()
        bind.execute(quarantine.update().where(quarantine.c.id == row_id).values(raw_hash=digest))
    with op.batch_alter_table("quarantine") as batch:
        batch.create_index("ix_quarantine_raw_hash", ["raw_hash"])


def downgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.drop_index("ix_quarantine_raw_hash")
        batch.drop_column("last_received_at")
        batch.drop_column("times_received")
        batch.drop_column("raw_hash")
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in HISTORY:
        if postgres:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP FUNCTION {table}_refuse()")
        else:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
