"""an index on notification versions by episode and time

History reads when police first notified each episode (the earliest `sent_at` of its
versions) for every companion link. With only an index on `sent_at`, PostgreSQL can choose to
walk every version in time order for each link, and a chunk of a bulk load timed out as the
store grew. Versions indexed by (episode, sent_at) answer it with one index look-up; this index
also serves every look-up by episode, so the index on the episode alone goes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_notification_versions_episode_id_sent_at",
        "notification_versions",
        ["episode_id", "sent_at"],
    )
    op.drop_index("ix_notification_versions_episode_id", table_name="notification_versions")


def downgrade() -> None:
    op.create_index("ix_notification_versions_episode_id", "notification_versions", ["episode_id"])
    op.drop_index("ix_notification_versions_episode_id_sent_at", table_name="notification_versions")
