"""Shadow mode's tables, on the store's `Base` (so migrations and the schema check see them).
Every time is UTC.

shadow_runs ──< shadow_decisions     a candidate ruleset (and model) run beside the live one

A run is `requested` by an analyst, `running` once an admin (a different person) approves it,
and `stopped` when someone stops it. While it runs, every live decision (an arrival, a re-vet)
is decided again by the candidate as of the same moment and kept in `shadow_decisions`: a table
no queue, receipt, level in force or count a MASH worker sees ever reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.store.tables import Base, DecisionRecord, EpisodeRecord, NotificationVersion, UserRecord


class ShadowRun(Base):
    """A candidate in shadow: who asked, who approved, when it ran, what it is."""

    __tablename__ = "shadow_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # requested, running, stopped
    rules_dir: Mapped[str] = mapped_column(Text)
    model_dir: Mapped[str | None] = mapped_column(Text)
    ruleset_version: Mapped[str] = mapped_column(String(64))  # the candidate's, when asked
    model_version: Mapped[str] = mapped_column(String(64), default="")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey(UserRecord.id))
    requested_at: Mapped[datetime]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey(UserRecord.id))
    started_at: Mapped[datetime | None]  # when approved: decisions from then on are shadowed
    stopped_by_id: Mapped[int | None] = mapped_column(ForeignKey(UserRecord.id))
    stopped_at: Mapped[datetime | None]


class ShadowDecision(Base):
    """The candidate's decision beside one live decision, as of the same moment."""

    __tablename__ = "shadow_decisions"
    __table_args__ = (UniqueConstraint("run_id", "live_decision_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey(ShadowRun.id), index=True)
    live_decision_id: Mapped[int] = mapped_column(ForeignKey(DecisionRecord.id))
    episode_id: Mapped[int] = mapped_column(ForeignKey(EpisodeRecord.id))
    version_id: Mapped[int] = mapped_column(ForeignKey(NotificationVersion.id))
    as_of: Mapped[datetime]
    decided_at: Mapped[datetime]
    vetted_level: Mapped[str] = mapped_column(String(20))
    body: Mapped[dict[str, Any]]  # the candidate's VettedDecision (`decisions.to_json`)
