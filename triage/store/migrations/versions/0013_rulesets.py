"""rulesets: every promoted ruleset version's files as data, and each promotion or rollback

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)


def _fk(owner: str, column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}")
    )


def upgrade() -> None:
    op.create_table(
        "ruleset_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("kept_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ruleset_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_ruleset_versions_version")),
    )
    op.create_table(
        "ruleset_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        _fk("ruleset_files", "version_id", "ruleset_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ruleset_files")),
        sa.UniqueConstraint("version_id", "path", name=op.f("uq_ruleset_files_version_id")),
    )
    op.create_index(op.f("ix_ruleset_files_version_id"), "ruleset_files", ["version_id"])
    op.create_table(
        "ruleset_promotions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("previous_version_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("equality_note", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("backtest", sa.JSON(), nullable=True),
        sa.Column("shadow", sa.JSON(), nullable=True),
        _fk("ruleset_promotions", "version_id", "ruleset_versions"),
        _fk("ruleset_promotions", "previous_version_id", "ruleset_versions"),
        _fk("ruleset_promotions", "asked_by_id", "users"),
        _fk("ruleset_promotions", "approved_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ruleset_promotions")),
    )
    op.create_index(op.f("ix_ruleset_promotions_at"), "ruleset_promotions", ["at"])


def downgrade() -> None:
    op.drop_table("ruleset_promotions")
    op.drop_table("ruleset_files")
    op.drop_table("ruleset_versions")
