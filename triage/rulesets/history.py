"""The history of the versions made live, and a kept version's files.

`history` lists every promotion and rollback, newest first, with who asked and approved, the
equality impact note, the figures and which one the live folder holds now; `files_of` gives a
kept version's files exactly as they were made live and `before` the version it replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.errors import RecordNotFound
from triage.rules.catalogue import ruleset_version
from triage.rulesets import figures
from triage.rulesets.tables import RulesetFile, RulesetPromotion, RulesetVersion
from triage.store.tables import UserRecord

PROMOTE, ROLLBACK = "promote", "rollback"


@dataclass(frozen=True)
class Entry:
    """One version made live, as the history shows it."""

    id: int
    kind: str
    version: str
    previous_version: str
    at: datetime
    asked_by: str
    approved_by: str
    equality_note: str
    reason: str | None
    backtest: dict[str, Any] | None
    shadow: dict[str, Any] | None
    live: bool  # the version the live folder holds now, made live by this entry

    @property
    def headline(self) -> str:
        if self.kind == ROLLBACK and not self.backtest:
            return "Not back-tested: a rollback restores a version that was live"
        return figures.headline(self.backtest)

    @property
    def shadow_headline(self) -> str | None:
        if not self.shadow:
            return None
        return f"shadow run {self.shadow['run']}: {figures.headline(self.shadow)}"


@dataclass(frozen=True)
class History:
    live_version: str  # the live folder's, now ("" if there is none)
    entries: list[Entry]  # newest first

    @property
    def live_recorded(self) -> bool:
        """Whether the live folder holds the version last made live here."""
        return bool(self.entries) and self.entries[0].live


def history(session: Session, live_dir: Path) -> History:
    """Every promotion and rollback, newest first, and the version live now."""
    live_version = ruleset_version(live_dir) if live_dir.is_dir() else ""
    versions = dict(session.execute(select(RulesetVersion.id, RulesetVersion.version)).all())
    names = dict(session.execute(select(UserRecord.id, UserRecord.username)).all())
    rows = session.scalars(select(RulesetPromotion).order_by(RulesetPromotion.id.desc())).all()
    entries = [
        Entry(
            id=row.id,
            kind=row.kind,
            version=versions[row.version_id],
            previous_version=versions[row.previous_version_id],
            at=row.at,
            asked_by=names[row.asked_by_id],
            approved_by=names[row.approved_by_id],
            equality_note=row.equality_note,
            reason=row.reason,
            backtest=row.backtest,
            shadow=row.shadow,
            live=number == 0 and versions[row.version_id] == live_version,
        )
        for number, row in enumerate(rows)
    ]
    return History(live_version, entries)


def files_of(session: Session, version: str) -> dict[str, str]:
    """A kept version's files by path, exactly as they were made live."""
    kept = session.scalar(select(RulesetVersion).where(RulesetVersion.version == version))
    if kept is None:
        raise RecordNotFound("ruleset version", version)
    rows = session.execute(
        select(RulesetFile.path, RulesetFile.content)
        .where(RulesetFile.version_id == kept.id)
        .order_by(RulesetFile.path)
    )
    return {path: content for path, content in rows}


def before(session: Session, version: str) -> str | None:
    """The version that `version` replaced when it was last made live (None if never)."""
    kept = session.scalar(select(RulesetVersion).where(RulesetVersion.version == version))
    if kept is None:
        raise RecordNotFound("ruleset version", version)
    previous = session.scalar(
        select(RulesetPromotion.previous_version_id)
        .where(RulesetPromotion.version_id == kept.id)
        .order_by(RulesetPromotion.id.desc())
        .limit(1)
    )
    return None if previous is None else session.get_one(RulesetVersion, previous).version
