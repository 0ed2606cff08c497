"""decisions over time: why each decision was made, vetting failures, versions as known

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 08:00:00

- `decisions.trigger` says why a decision was made (a new version, a time threshold passing,
  a re-vet by hand, a retry after a failure); a decision is unique per version, ruleset, model
  and moment, so a re-vet as time passes adds a row and never rewrites one.
- `vetting_failures` keeps every vetting that raised, so a notification is never left unseen.
- `notification_versions` gains the fields history needs, so a child's history as of a moment
  is built from the versions police had sent by then (backfilled from each stored payload).
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HISTORY_COLUMNS = (
    ("last_seen_at", sa.DateTime(timezone=True)),
    ("returned_at", sa.DateTime(timezone=True)),
    ("police_classification", sa.String(length=20)),
    ("police_risk_grade", sa.String(length=20)),
    ("indicators", sa.JSON()),
)


def _utc(text: str | None, sqlite: bool) -> datetime | None:
    if text is None:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    return value.replace(tzinfo=None) if sqlite else value


def _backfill() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    versions = sa.table(
        "notification_versions",
        sa.column("id", sa.Integer()),
        sa.column("payload", sa.JSON()),
        *(sa.column(name, kind) for name, kind in _HISTORY_COLUMNS),
    )
    rows = bind.execute(sa.select(versions.c.id, versions.c.payload)).all()
    for version_id, payload in rows:
        episode: dict[str, Any] = payload["episode"]
        bind.execute(
            versions.update()
            .where(versions.c.id == version_id)
            .values(
                last_seen_at=_utc(episode["last_seen_at"], sqlite),
                returned_at=_utc(episode.get("returned_at"), sqlite),
                police_classification=payload["police_classification"],
                police_risk_grade=payload["police_risk_grade"],
                indicators=sorted(set(episode.get("indicators") or [])),
            )
        )


def upgrade() -> None:
    with op.batch_alter_table("notification_versions") as batch:
        for name, kind in _HISTORY_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    _backfill()
    with op.batch_alter_table("notification_versions") as batch:
        for name, kind in _HISTORY_COLUMNS:
            if name != "returned_at":
                batch.alter_column(name, existing_type=kind, nullable=False)
        batch.create_index("ix_notification_versions_sent_at", ["sent_at"])

    with op.batch_alter_table("decisions") as batch:
        batch.add_column(
            sa.Column("trigger", sa.String(length=40), nullable=False, server_default="version")
        )
        batch.drop_constraint("uq_decisions_version_id", type_="unique")
        batch.create_unique_constraint(
            "uq_decisions_version_moment",
            ["version_id", "ruleset_version", "model_version", "as_of"],
        )

    op.create_table(
        "vetting_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episodes.id"], name="fk_vetting_failures_episode_id_episodes"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["notification_versions.id"],
            name="fk_vetting_failures_version_id_notification_versions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_vetting_failures"),
        sa.UniqueConstraint("version_id", "as_of", name="uq_vetting_failures_version_id"),
    )
    op.create_index("ix_vetting_failures_episode_id", "vetting_failures", ["episode_id"])
    op.create_index("ix_vetting_failures_resolved_at", "vetting_failures", ["resolved_at"])


def downgrade() -> None:
    op.drop_table("vetting_failures")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint("uq_decisions_version_moment", type_="unique")
        batch.create_unique_constraint(
            "uq_decisions_version_id", ["version_id", "ruleset_version", "model_version"]
        )
        batch.drop_column("trigger")
    with op.batch_alter_table("notification_versions") as batch:
        batch.drop_index("ix_notification_versions_sent_at")
        for name, _kind in _HISTORY_COLUMNS:
            batch.drop_column(name)
