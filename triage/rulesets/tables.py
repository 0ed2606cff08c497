"""The history of live rulesets, on the store's `Base`. Every time is UTC.

ruleset_versions ──< ruleset_files        each promoted version's files, content as data
ruleset_versions ──< ruleset_promotions   each time a version was made live (promote/rollback)

A version is kept once (by its hash, `triage.rules.catalogue.ruleset_version`); each promotion
event names the version made live and the one it replaced, who asked and who approved, the
back-test and shadow summaries it was judged on, the equality impact note and, for a rollback,
the reason. Rows are never updated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.store.tables import Base, UserRecord


class RulesetVersion(Base):
    """One ruleset as it was made live: its hash, first kept at `kept_at`."""

    __tablename__ = "ruleset_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    kept_at: Mapped[datetime]


class RulesetFile(Base):
    """One file of a kept version: its path under the rules folder and its exact text."""

    __tablename__ = "ruleset_files"
    __table_args__ = (UniqueConstraint("version_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey(RulesetVersion.id), index=True)
    path: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)


class RulesetPromotion(Base):
    """A version made live: a promotion of a candidate, or a rollback to an earlier version."""

    __tablename__ = "ruleset_promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # promote, rollback
    version_id: Mapped[int] = mapped_column(ForeignKey(RulesetVersion.id))
    previous_version_id: Mapped[int] = mapped_column(ForeignKey(RulesetVersion.id))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey(UserRecord.id))
    approved_by_id: Mapped[int] = mapped_column(ForeignKey(UserRecord.id))
    at: Mapped[datetime] = mapped_column(index=True)
    equality_note: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)  # a rollback's
    backtest: Mapped[dict[str, Any] | None]  # the back-test summary it was judged on
    shadow: Mapped[dict[str, Any] | None]  # the shadow report's summary, if one ran
