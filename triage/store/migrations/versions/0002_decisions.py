"""vetted decisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 21:07:45.207665
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("ruleset_version", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vetted_level", sa.String(length=20), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.Column("reclassified", sa.Boolean(), nullable=False),
        sa.Column("team", sa.String(length=120), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_decisions_episode_id_episodes")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["notification_versions.id"],
            name=op.f("fk_decisions_version_id_notification_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint(
            "version_id", "ruleset_version", "model_version", name=op.f("uq_decisions_version_id")
        ),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_episode_id"), ["episode_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_decisions_vetted_level"), ["vetted_level"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_vetted_level"))
        batch_op.drop_index(batch_op.f("ix_decisions_episode_id"))

    op.drop_table("decisions")
