"""panels: each action's status history, the chair's "share with partners" choice, and a
subject once per agenda

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)


def _fk(owner: str, column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}")
    )


def upgrade() -> None:
    op.create_table(
        "panel_action_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        _fk("panel_action_updates", "action_id", "panel_actions"),
        _fk("panel_action_updates", "meeting_id", "panel_meetings"),
        _fk("panel_action_updates", "by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_action_updates")),
    )
    op.create_index(
        op.f("ix_panel_action_updates_action_id"), "panel_action_updates", ["action_id"]
    )
    # What is known of the history so far: each action was open when set, and its status now
    # was given when it was last changed (by whom is not kept: its setter stands in).
    op.execute(
        "INSERT INTO panel_action_updates (action_id, status, by_id, at) "
        "SELECT id, 'open', created_by_id, created_at FROM panel_actions"
    )
    op.execute(
        "INSERT INTO panel_action_updates (action_id, status, by_id, at) "
        "SELECT id, status, created_by_id, updated_at FROM panel_actions WHERE status <> 'open'"
    )
    with op.batch_alter_table("panel_actions") as batch:
        batch.add_column(
            sa.Column(
                "shared_with_partners", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    # A subject twice on one agenda (before this was enforced): its later items are folded into
    # the first (their decisions and actions move to it).
    bind = op.get_bind()
    twice = bind.execute(
        sa.text(
            "SELECT later.id, MIN(first.id) FROM panel_agenda_items later"
            " JOIN panel_agenda_items first ON first.meeting_id = later.meeting_id"
            " AND first.subject_key = later.subject_key AND first.id < later.id"
            " GROUP BY later.id"
        )
    ).all()
    for later, first in twice:
        for table, column in (
            ("panel_actions", "item_id"),
            ("panel_decisions", "item_id"),
            ("panel_agenda_items", "carried_from_id"),
        ):
            bind.execute(
                sa.text(f"UPDATE {table} SET {column} = :first WHERE {column} = :later"),
                {"first": first, "later": later},
            )
        bind.execute(sa.text("DELETE FROM panel_agenda_items WHERE id = :id"), {"id": later})
    with op.batch_alter_table("panel_agenda_items") as batch:
        batch.create_unique_constraint(
            op.f("uq_panel_agenda_items_meeting_id"), ["meeting_id", "subject_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("panel_agenda_items") as batch:
        batch.drop_constraint(op.f("uq_panel_agenda_items_meeting_id"), type_="unique")
    with op.batch_alter_table("panel_actions") as batch:
        batch.drop_column("shared_with_partners")
    op.drop_index(op.f("ix_panel_action_updates_action_id"), table_name="panel_action_updates")
    op.drop_table("panel_action_updates")
