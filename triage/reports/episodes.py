"""Episodes as they were known at a moment: the facts a monthly report counts.

Each episode is read as its newest version police had sent by the moment (history as known, as
`triage.history` reads it), with the newest decision that speaks for a moment before it (the
decision's `as_of`, as `triage.decisions.level` orders them). An episode police had not yet
notified by then does not count, and a correction sent after the month's end does not change
that month's report: a report run again later gives the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from triage.notification.vocabulary import Classification, LegalStatus
from triage.store.tables import (
    ActionCompletion,
    DecisionRecord,
    EpisodeRecord,
    NotificationVersion,
)
from triage.vetting.assemble import ANOTHER_AUTHORITY, NO_AREA

NOTIFY_HOME_AUTHORITY = "notify_responsible_authority"  # the action R18 asks for
OTHER_AUTHORITIES = "Placed here by other authorities"
NOT_VETTED = "Not vetted yet"


@dataclass(frozen=True, slots=True)
class EpisodeFact:
    """One episode as known at the report's moment."""

    episode_id: int
    child_id: int
    last_seen_at: datetime
    returned_at: datetime | None
    police_classification: str  # as police last said it
    ever_absent: bool  # some version police sent said absent
    classification: str  # after vetting (the newest decision), else as police said
    looked_after: bool
    area: str  # the team the newest decision routed to, in a report's words
    placed_by_other_authority: bool  # the rules asked for the home authority to be told
    home_authority_told: bool  # and a person marked that done before the moment

    @property
    def reclassified(self) -> bool:
        """Recorded as absent at some point, treated as missing by the moment: police changed it
        in a later version, or vetting reclassified it."""
        return self.ever_absent and self.classification == Classification.MISSING.value


def area_of(team: str | None) -> str:
    """A decision's team as a report's area: an area team as it is named, every other
    authority as one row, no decision yet as its own row."""
    if team is None:
        return NOT_VETTED
    if team.startswith(ANOTHER_AUTHORITY):
        return OTHER_AUTHORITIES
    if team == NO_AREA:
        return "No area (MASH)"
    return team


def known_episodes(
    session: Session, *, known_at: datetime, seen_from: datetime, seen_before: datetime
) -> list[EpisodeFact]:
    """Every episode police had notified before `known_at` whose child was last seen in
    [`seen_from`, `seen_before`), as known then."""
    absent = Classification.ABSENT.value
    known = (
        select(
            NotificationVersion.episode_id,
            NotificationVersion.last_seen_at,
            NotificationVersion.returned_at,
            NotificationVersion.police_classification,
            NotificationVersion.payload,
            func.row_number()
            .over(
                partition_by=NotificationVersion.episode_id,
                order_by=(NotificationVersion.sent_at.desc(), NotificationVersion.version.desc()),
            )
            .label("place"),
            func.max(case((NotificationVersion.police_classification == absent, 1), else_=0))
            .over(partition_by=NotificationVersion.episode_id)
            .label("ever_absent"),
        )
        .where(NotificationVersion.sent_at < known_at)
        .subquery("known")
    )
    rows = session.execute(
        select(
            known.c.episode_id,
            EpisodeRecord.child_id,
            known.c.last_seen_at,
            known.c.returned_at,
            known.c.police_classification,
            known.c.payload,
            known.c.ever_absent,
        )
        .join(EpisodeRecord, EpisodeRecord.id == known.c.episode_id)
        .where(
            known.c.place == 1,
            known.c.last_seen_at >= seen_from,
            known.c.last_seen_at < seen_before,
        )
        .order_by(known.c.last_seen_at, known.c.episode_id)
    ).all()
    ids = [row.episode_id for row in rows]
    decisions = decisions_as_known(session, ids, known_at)
    told = _told(session, ids, known_at)
    facts = []
    for row in rows:
        decision = decisions.get(row.episode_id)
        asked = decision is not None and any(
            action.get("type") == NOTIFY_HOME_AUTHORITY for action in decision[2]
        )
        facts.append(
            EpisodeFact(
                episode_id=row.episode_id,
                child_id=row.child_id,
                last_seen_at=row.last_seen_at,
                returned_at=row.returned_at,
                police_classification=row.police_classification,
                ever_absent=bool(row.ever_absent),
                classification=decision[1] if decision else row.police_classification,
                looked_after=_looked_after(row.payload),
                area=area_of(decision[0] if decision else None),
                placed_by_other_authority=asked,
                home_authority_told=asked and row.episode_id in told,
            )
        )
    return facts


def _looked_after(payload: dict[str, Any]) -> bool:
    child = payload.get("child") or {}
    return bool(child.get("legal_status") == LegalStatus.LOOKED_AFTER.value)


def _chunks(ids: list[int], size: int = 900) -> list[list[int]]:
    return [ids[k : k + size] for k in range(0, len(ids), size)]


def decisions_as_known(
    session: Session, ids: list[int], known_at: datetime
) -> dict[int, tuple[str, str, list[dict[str, Any]]]]:
    """Each episode's newest decision speaking for a moment before `known_at`: its team,
    classification and actions."""
    found: dict[int, tuple[str, str, list[dict[str, Any]]]] = {}
    for chunk in _chunks(ids):
        ranked = (
            select(
                DecisionRecord.episode_id,
                DecisionRecord.team,
                DecisionRecord.classification,
                DecisionRecord.body,
                func.row_number()
                .over(
                    partition_by=DecisionRecord.episode_id,
                    order_by=(DecisionRecord.as_of.desc(), DecisionRecord.id.desc()),
                )
                .label("place"),
            )
            .where(DecisionRecord.episode_id.in_(chunk), DecisionRecord.as_of < known_at)
            .subquery("ranked")
        )
        for row in session.execute(select(ranked).where(ranked.c.place == 1)):
            found[row.episode_id] = (
                row.team,
                row.classification,
                list((row.body or {}).get("actions") or []),
            )
    return found


def _told(session: Session, ids: list[int], known_at: datetime) -> set[int]:
    """Episodes whose home authority a person marked as told before `known_at`."""
    told: set[int] = set()
    for chunk in _chunks(ids):
        told.update(
            session.scalars(
                select(ActionCompletion.episode_id).where(
                    ActionCompletion.episode_id.in_(chunk),
                    ActionCompletion.action_type == NOTIFY_HOME_AUTHORITY,
                    ActionCompletion.completed_at < known_at,
                )
            )
        )
    return told
