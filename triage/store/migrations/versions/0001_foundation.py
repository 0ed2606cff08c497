"""the foundation: children, episodes, versions, quarantine

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 20:51:29.250213
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "children",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=210), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=20), nullable=False),
        sa.Column("ethnicity", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["children.id"], name=op.f("fk_children_merged_into_id_children")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_children")),
    )
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_children_date_of_birth"), ["date_of_birth"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_children_name_key"), ["name_key"], unique=False)

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replayed_as", sa.String(length=64), nullable=True),
        sa.Column("replay_of_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["replay_of_id"], ["quarantine.id"], name=op.f("fk_quarantine_replay_of_id_quarantine")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quarantine_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_quarantine_status"), ["status"], unique=False)

    op.create_table(
        "child_identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_child_identifiers_child_id_children")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_identifiers")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_child_identifiers_kind")),
    )
    with op.batch_alter_table("child_identifiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_child_identifiers_child_id"), ["child_id"], unique=False
        )

    op.create_table(
        "episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("police_reference", sa.String(length=64), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("match_method", sa.String(length=30), nullable=False),
        sa.Column("match_note", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("police_classification", sa.String(length=20), nullable=False),
        sa.Column("police_risk_grade", sa.String(length=20), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("version_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_episodes_child_id_children")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episodes")),
        sa.UniqueConstraint("police_reference", name=op.f("uq_episodes_police_reference")),
    )
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_episodes_child_id"), ["child_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_episodes_last_seen_at"), ["last_seen_at"], unique=False
        )

    op.create_table(
        "possible_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["children.id"],
            name=op.f("fk_possible_matches_candidate_id_children"),
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["children.id"], name=op.f("fk_possible_matches_child_id_children")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_possible_matches")),
        sa.UniqueConstraint("child_id", "candidate_id", name=op.f("uq_possible_matches_child_id")),
    )
    with op.batch_alter_table("possible_matches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_possible_matches_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_possible_matches_child_id"), ["child_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_possible_matches_status"), ["status"], unique=False)

    op.create_table(
        "episode_companions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name=op.f("fk_episode_companions_episode_id_episodes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_episode_companions")),
        sa.UniqueConstraint(
            "episode_id", "kind", "value", name=op.f("uq_episode_companions_episode_id")
        ),
    )
    with op.batch_alter_table("episode_companions", schema=None) as batch_op:
        batch_op.create_index("ix_episode_companions_kind_value", ["kind", "value"], unique=False)

    op.create_table(
        "notification_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name=op.f("fk_notification_versions_episode_id_episodes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_versions")),
        sa.UniqueConstraint(
            "episode_id", "version", name=op.f("uq_notification_versions_episode_id")
        ),
    )
    with op.batch_alter_table("notification_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_versions_episode_id"), ["episode_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_versions_episode_id"))

    op.drop_table("notification_versions")
    with op.batch_alter_table("episode_companions", schema=None) as batch_op:
        batch_op.drop_index("ix_episode_companions_kind_value")

    op.drop_table("episode_companions")
    with op.batch_alter_table("possible_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_possible_matches_status"))
        batch_op.drop_index(batch_op.f("ix_possible_matches_child_id"))
        batch_op.drop_index(batch_op.f("ix_possible_matches_candidate_id"))

    op.drop_table("possible_matches")
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_episodes_last_seen_at"))
        batch_op.drop_index(batch_op.f("ix_episodes_child_id"))

    op.drop_table("episodes")
    with op.batch_alter_table("child_identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_child_identifiers_child_id"))

    op.drop_table("child_identifiers")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_status"))
        batch_op.drop_index(batch_op.f("ix_quarantine_received_at"))

    op.drop_table("quarantine")
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_children_name_key"))
        batch_op.drop_index(batch_op.f("ix_children_date_of_birth"))

    op.drop_table("children")
