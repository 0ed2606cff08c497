"""a quarantined record judged not to be a notification, with its reason

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quarantine_dismissals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarantine_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["quarantine_id"],
            ["quarantine.id"],
            name=op.f("fk_quarantine_dismissals_quarantine_id_quarantine"),
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name=op.f("fk_quarantine_dismissals_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_dismissals")),
        sa.UniqueConstraint("quarantine_id", name=op.f("uq_quarantine_dismissals_quarantine_id")),
    )


def downgrade() -> None:
    op.drop_table("quarantine_dismissals")
