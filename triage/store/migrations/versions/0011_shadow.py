"""shadow mode: candidate rulesets run beside the live one, and their decisions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 17:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)


def _fk(owner: str, column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}")
    )


def upgrade() -> None:
    op.create_table(
        "shadow_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rules_dir", sa.Text(), nullable=False),
        sa.Column("model_dir", sa.Text(), nullable=True),
        sa.Column("ruleset_version", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", _TIME, nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", _TIME, nullable=True),
        sa.Column("stopped_by_id", sa.Integer(), nullable=True),
        sa.Column("stopped_at", _TIME, nullable=True),
        _fk("shadow_runs", "requested_by_id", "users"),
        _fk("shadow_runs", "approved_by_id", "users"),
        _fk("shadow_runs", "stopped_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_runs")),
    )
    op.create_index(op.f("ix_shadow_runs_status"), "shadow_runs", ["status"])
    op.create_table(
        "shadow_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("live_decision_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("as_of", _TIME, nullable=False),
        sa.Column("decided_at", _TIME, nullable=False),
        sa.Column("vetted_level", sa.String(length=20), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        _fk("shadow_decisions", "run_id", "shadow_runs"),
        _fk("shadow_decisions", "live_decision_id", "decisions"),
        _fk("shadow_decisions", "episode_id", "episodes"),
        _fk("shadow_decisions", "version_id", "notification_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shadow_decisions")),
        sa.UniqueConstraint("run_id", "live_decision_id", name=op.f("uq_shadow_decisions_run_id")),
    )
    op.create_index(op.f("ix_shadow_decisions_run_id"), "shadow_decisions", ["run_id"])


def downgrade() -> None:
    op.drop_table("shadow_decisions")
    op.drop_table("shadow_runs")
