"""intelligence: places with a note and a status (known hotspot), and what return home
interviews said of places and associates

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)


def _fk(owner: str, column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}")
    )


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("district", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("hotspot_since", _TIME, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        _fk("places", "updated_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
        sa.UniqueConstraint("key", name=op.f("uq_places_key")),
    )
    op.create_index(op.f("ix_places_district"), "places", ["district"])
    op.create_table(
        "interview_mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("place_key", sa.String(length=300), nullable=True),
        sa.Column("place_label", sa.String(length=300), nullable=True),
        sa.Column("district", sa.String(length=8), nullable=True),
        sa.Column("associate_child_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", _TIME, nullable=False),
        _fk("interview_mentions", "task_id", "interview_tasks"),
        _fk("interview_mentions", "child_id", "children"),
        _fk("interview_mentions", "associate_child_id", "children"),
        _fk("interview_mentions", "recorded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_mentions")),
    )
    for column in ("task_id", "child_id", "place_key"):
        op.create_index(op.f(f"ix_interview_mentions_{column}"), "interview_mentions", [column])


def downgrade() -> None:
    for column in ("task_id", "child_id", "place_key"):
        op.drop_index(op.f(f"ix_interview_mentions_{column}"), table_name="interview_mentions")
    op.drop_table("interview_mentions")
    op.drop_index(op.f("ix_places_district"), table_name="places")
    op.drop_table("places")
