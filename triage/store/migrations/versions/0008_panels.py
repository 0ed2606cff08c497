"""panel meetings, their agenda, attendance, decisions and multi-agency actions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "panel_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("panel", sa.String(length=20), nullable=False),
        sa.Column("area", sa.String(length=120), nullable=True),
        sa.Column("meets_at", WHEN, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        _fk("panel_meetings", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_panel_meetings"),
    )
    op.create_index("ix_panel_meetings_meets_at", "panel_meetings", ["meets_at"])
    op.create_index("ix_panel_meetings_panel_area", "panel_meetings", ["panel", "area"])
    op.create_table(
        "panel_agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject_key", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("level_when_added", sa.String(length=20), nullable=True),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", WHEN, nullable=False),
        _fk("panel_agenda_items", "meeting_id", "panel_meetings"),
        _fk("panel_agenda_items", "child_id", "children"),
        _fk("panel_agenda_items", "carried_from_id", "panel_agenda_items"),
        _fk("panel_agenda_items", "added_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_panel_agenda_items"),
    )
    for column in ("meeting_id", "subject_key", "child_id"):
        op.create_index(f"ix_panel_agenda_items_{column}", "panel_agenda_items", [column])
    op.create_table(
        "panel_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("agency", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        _fk("panel_attendance", "meeting_id", "panel_meetings"),
        _fk("panel_attendance", "recorded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_panel_attendance"),
    )
    op.create_index("ix_panel_attendance_meeting_id", "panel_attendance", ["meeting_id"])
    op.create_table(
        "panel_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", WHEN, nullable=False),
        _fk("panel_decisions", "item_id", "panel_agenda_items"),
        _fk("panel_decisions", "decided_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_panel_decisions"),
    )
    op.create_index("ix_panel_decisions_item_id", "panel_decisions", ["item_id"])
    op.create_table(
        "panel_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("subject_key", sa.String(length=64), nullable=False),
        sa.Column("panel", sa.String(length=20), nullable=False),
        sa.Column("area", sa.String(length=120), nullable=True),
        sa.Column("child_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_agency", sa.String(length=100), nullable=False),
        sa.Column("owner_person", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _fk("panel_actions", "item_id", "panel_agenda_items"),
        _fk("panel_actions", "child_id", "children"),
        _fk("panel_actions", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_panel_actions"),
    )
    for column in ("item_id", "subject_key", "child_id", "status"):
        op.create_index(f"ix_panel_actions_{column}", "panel_actions", [column])


def downgrade() -> None:
    for table in (
        "panel_actions",
        "panel_decisions",
        "panel_attendance",
        "panel_agenda_items",
        "panel_meetings",
    ):
        op.drop_table(table)
