"""What a person sees when they open a notification or a child: read-only views over the store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from triage import audit, decisions
from triage.audit import Actor
from triage.casework.actions import EpisodeAction, actions_of
from triage.casework.reviews import episode_by_reference, reviews_of
from triage.decisions.level import LevelInForce, ReviewStatus, levels_in_force
from triage.decisions.models import VettedDecision
from triage.errors import RecordNotFound
from triage.history.store import edges_frame
from triage.identity.matching import live_child_id
from triage.rules.catalogue import Escalation
from triage.store import count
from triage.store.tables import (
    ChildRecord,
    DecisionRecord,
    EpisodeRecord,
    NotificationVersion,
    PossibleMatch,
    ReviewRecord,
    UserRecord,
)


@dataclass(frozen=True, slots=True)
class LinkedChild:
    child_id: int
    name: str
    episodes_together: int


@dataclass(frozen=True, slots=True)
class NotificationView:
    episode: EpisodeRecord
    child: ChildRecord
    payload: dict[str, Any]  # the newest version, exactly as police sent it
    versions: list[NotificationVersion]
    decision_record: DecisionRecord | None  # the newest decision
    decision: VettedDecision | None
    decisions: list[DecisionRecord]  # every decision, oldest first: how it changed over time
    reviews: list[ReviewRecord]
    status: ReviewStatus
    level: str  # the level in force
    actions: list[EpisodeAction]
    linked: list[LinkedChild]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    police_reference: str
    last_seen_at: datetime
    returned_at: datetime | None
    police_classification: str
    police_risk_grade: str
    level: str  # the level in force
    status: ReviewStatus
    flags: list[str]
    indicators: list[str]


@dataclass(frozen=True, slots=True)
class ChildView:
    child: ChildRecord
    timeline: list[TimelineEntry]  # newest first
    linked: list[LinkedChild]
    possible_matches: list[PossibleMatch]


def notification_view(
    session: Session,
    police_reference: str,
    *,
    viewer: UserRecord,
    escalation: Escalation,
    now: datetime,
) -> NotificationView:
    """A notification as a person opens it; the view is written to the audit trail."""
    episode = episode_by_reference(session, police_reference)
    child = session.get_one(ChildRecord, episode.child_id)
    versions = list(
        session.scalars(
            select(NotificationVersion)
            .where(NotificationVersion.episode_id == episode.id)
            .order_by(NotificationVersion.version)
        )
    )
    audit.record(
        session,
        Actor.of(viewer),
        "view_notification",
        record_type="episode",
        record_id=police_reference,
        now=now,
        child=child.id,
    )
    every = decisions.of_episode(session, episode.id)
    record = every[-1] if every else None
    standing = levels_in_force(session, [episode.id])[episode.id]
    return NotificationView(
        episode=episode,
        child=child,
        payload=max(versions, key=lambda v: (v.sent_at, v.version)).payload,
        versions=versions,
        decision_record=record,
        decision=decisions.read(record) if record else None,
        decisions=every,
        reviews=reviews_of(session, episode.id),
        status=standing.status,
        level=standing.level.value,
        actions=actions_of(session, episode.id, escalation),
        linked=linked_children(session, child.id),
    )


def child_view(session: Session, child_id: int, *, viewer: UserRecord, now: datetime) -> ChildView:
    """A child's record as a person opens it; the view is written to the audit trail."""
    view = child_history(session, child_id)
    audit.record(
        session,
        Actor.of(viewer),
        "view_child",
        record_type="child",
        record_id=view.child.id,
        now=now,
    )
    return view


def child_history(session: Session, child_id: int) -> ChildView:
    """A child's record: their timeline, the children seen missing with them, open possible
    matches (for a page that already audits its own viewing, such as a notification's)."""
    if session.get(ChildRecord, child_id) is None:
        raise RecordNotFound("child", child_id)
    child = session.get_one(ChildRecord, live_child_id(session, child_id))
    episodes = session.scalars(
        select(EpisodeRecord)
        .where(EpisodeRecord.child_id == child.id)
        .order_by(EpisodeRecord.last_seen_at.desc())
    ).all()
    ids = [e.id for e in episodes]
    newest = _newest_decisions(session, ids)
    levels: dict[int, LevelInForce] = levels_in_force(session, ids)
    timeline = [
        TimelineEntry(
            police_reference=e.police_reference,
            last_seen_at=e.last_seen_at,
            returned_at=e.returned_at,
            police_classification=e.police_classification,
            police_risk_grade=e.police_risk_grade,
            level=levels[e.id].level.value,
            status=levels[e.id].status,
            flags=list(decisions.read(newest[e.id]).flags) if e.id in newest else [],
            indicators=list(e.indicators),
        )
        for e in episodes
    ]
    matches = session.scalars(
        select(PossibleMatch).where(
            PossibleMatch.status == "open",
            or_(PossibleMatch.child_id == child.id, PossibleMatch.candidate_id == child.id),
        )
    ).all()
    return ChildView(
        child=child,
        timeline=timeline,
        linked=linked_children(session, child.id),
        possible_matches=list(matches),
    )


@dataclass(frozen=True, slots=True)
class ChildListing:
    child_id: int
    name: str
    episodes: int
    last_seen_at: datetime | None


def page_of_children(
    session: Session, *, viewer: UserRecord, now: datetime, offset: int, limit: int
) -> tuple[list[ChildListing], int]:
    """Children with episodes, most recently missing first; the listing is audited."""
    query = (
        select(
            ChildRecord.id,
            ChildRecord.given_name,
            ChildRecord.family_name,
            func.count(EpisodeRecord.id),
            func.max(EpisodeRecord.last_seen_at),
        )
        .join(EpisodeRecord, EpisodeRecord.child_id == ChildRecord.id)
        .where(ChildRecord.merged_into_id.is_(None))
        .group_by(ChildRecord.id, ChildRecord.given_name, ChildRecord.family_name)
    )
    total = count(session, query)
    rows = session.execute(
        query.order_by(func.max(EpisodeRecord.last_seen_at).desc(), ChildRecord.id)
        .offset(offset)
        .limit(limit)
    )
    audit.record(
        session,
        Actor.of(viewer),
        "list_children",
        record_type="child",
        record_id="-",
        now=now,
        offset=offset,
    )
    return [
        ChildListing(child_id=i, name=f"{given} {family}", episodes=n, last_seen_at=last)
        for i, given, family, n, last in rows
    ], total


def decisions_of(
    session: Session,
    police_reference: str,
    *,
    viewer: UserRecord,
    now: datetime,
    offset: int,
    limit: int,
) -> tuple[list[DecisionRecord], int]:
    """Every decision on a notification, the one speaking for the latest moment first; the
    viewing is audited."""
    episode = episode_by_reference(session, police_reference)
    query = select(DecisionRecord).where(DecisionRecord.episode_id == episode.id)
    rows = session.scalars(
        query.order_by(DecisionRecord.as_of.desc(), DecisionRecord.id.desc())
        .offset(offset)
        .limit(limit)
    )
    audit.record(
        session,
        Actor.of(viewer),
        "view_decisions",
        record_type="episode",
        record_id=police_reference,
        now=now,
    )
    return list(rows), count(session, query)


def linked_children(session: Session, child_id: int) -> list[LinkedChild]:
    """Children seen missing with this one (either child named the other), most often first."""
    edges = edges_frame(session, [child_id])
    together: Counter[int] = Counter()
    for child, companion in zip(edges["child_id"], edges["companion_child_id"], strict=True):
        if child == child_id and companion != child_id:
            together[int(companion)] += 1
    if not together:
        return []
    names = {
        c.id: f"{c.given_name} {c.family_name}"
        for c in session.scalars(select(ChildRecord).where(ChildRecord.id.in_(list(together))))
    }
    return [
        LinkedChild(child_id=other, name=names[other], episodes_together=count)
        for other, count in together.most_common()
    ]


def _newest_decisions(session: Session, episode_ids: list[int]) -> dict[int, DecisionRecord]:
    if not episode_ids:
        return {}
    rows = session.scalars(
        select(DecisionRecord)
        .where(DecisionRecord.episode_id.in_(episode_ids))
        .order_by(DecisionRecord.as_of, DecisionRecord.id)
    )
    return {row.episode_id: row for row in rows}
