"""return home interview tasks, outcomes and referrals arising

Team memberships for missing support workers; one interview task per returned episode that the
rules say needs one (a merged task covers several episodes); the indicators a child disclosed
in an interview (read by the child's history); referrals an interview led to. A role's name
gets room for `missing_support_worker` (22 characters) on users and the audit trail.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(column: str, table: str, owner: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{owner}_{column}_{table}")
    )


def _role_width(width: int, before: int) -> None:
    """Widen (or narrow back) `role` on users and audit_events, on PostgreSQL. SQLite never
    enforces a declared length, so its tables stay as they are (the models say the same:
    `String(20).with_variant(String(40), "postgresql")`); rebuilding them there would drop
    the audit trail's append-only triggers and trip the foreign keys of every user."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("users", "audit_events"):
        op.alter_column(
            table,
            "role",
            type_=sa.String(length=width),
            existing_type=sa.String(length=before),
            existing_nullable=False,
        )


def upgrade() -> None:
    _role_width(40, 20)
    op.create_table(
        "team_memberships",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=120), nullable=False),
        _when("since"),
        _fk("user_id", "users", "team_memberships"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_team_memberships")),
    )
    op.create_index(op.f("ix_team_memberships_team"), "team_memberships", ["team"])
    op.create_table(
        "interview_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        _when("returned_at"),
        _when("due_at"),
        _when("created_at"),
        sa.Column("allocated_to_id", sa.Integer(), nullable=True),
        _when("allocated_at", nullable=True),
        _when("offered_at", nullable=True),
        sa.Column("offered_how", sa.String(length=30), nullable=True),
        _when("declined_at", nullable=True),
        sa.Column("declined_by", sa.String(length=20), nullable=True),
        _when("held_at", nullable=True),
        sa.Column("held_how", sa.String(length=20), nullable=True),
        sa.Column("held_by_id", sa.Integer(), nullable=True),
        sa.Column("interviewer_is_carer", sa.Boolean(), nullable=True),
        sa.Column("interviewer_is_social_worker", sa.Boolean(), nullable=True),
        sa.Column("successful", sa.Boolean(), nullable=True),
        sa.Column("push_factors", sa.JSON(), nullable=False),
        sa.Column("pull_factors", sa.JSON(), nullable=False),
        sa.Column("harms", sa.JSON(), nullable=False),
        sa.Column("whereabouts", sa.Text(), nullable=True),
        sa.Column("shared_with_police", sa.Boolean(), nullable=True),
        sa.Column("police_intelligence_reference", sa.String(length=64), nullable=True),
        sa.Column("police_acknowledged", sa.Boolean(), nullable=True),
        _when("outcome_recorded_at", nullable=True),
        sa.Column("outcome_recorded_by_id", sa.Integer(), nullable=True),
        _fk("allocated_to_id", "users", "interview_tasks"),
        _fk("child_id", "children", "interview_tasks"),
        _fk("held_by_id", "users", "interview_tasks"),
        _fk("outcome_recorded_by_id", "users", "interview_tasks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_tasks")),
    )
    for column in ("allocated_to_id", "child_id", "due_at", "status", "team"):
        op.create_index(op.f(f"ix_interview_tasks_{column}"), "interview_tasks", [column])
    op.create_table(
        "interview_episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        _when("returned_at"),
        _when("added_at"),
        sa.Column("merged", sa.Boolean(), nullable=False),
        _fk("episode_id", "episodes", "interview_episodes"),
        _fk("task_id", "interview_tasks", "interview_episodes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_episodes")),
        sa.UniqueConstraint("episode_id", name=op.f("uq_interview_episodes_episode_id")),
    )
    op.create_index(op.f("ix_interview_episodes_task_id"), "interview_episodes", ["task_id"])
    op.create_table(
        "interview_disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        _when("recorded_at"),
        _fk("child_id", "children", "interview_disclosures"),
        _fk("task_id", "interview_tasks", "interview_disclosures"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_disclosures")),
        sa.UniqueConstraint("task_id", "indicator", name=op.f("uq_interview_disclosures_task_id")),
    )
    op.create_index(
        op.f("ix_interview_disclosures_child_id"), "interview_disclosures", ["child_id"]
    )
    op.create_table(
        "interview_referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        _when("made_on"),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        _when("recorded_at"),
        _fk("recorded_by_id", "users", "interview_referrals"),
        _fk("task_id", "interview_tasks", "interview_referrals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_referrals")),
    )
    op.create_index(op.f("ix_interview_referrals_task_id"), "interview_referrals", ["task_id"])


def downgrade() -> None:
    for table in ("interview_referrals", "interview_disclosures", "interview_episodes"):
        op.drop_table(table)
    op.drop_table("interview_tasks")
    op.drop_table("team_memberships")
    _role_width(20, 40)
