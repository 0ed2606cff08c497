"""The prioritised queue: every episode, at its level in force, with the state of its review.

Ordered by the level in force (high first); within a level, notifications whose vetting failed
first (they are shown as "not vetted: treat as the police grade or higher"), then children
still missing (as police last said), then the score's probability (highest first), then time
waiting (longest first). Filtered by area team and by
review status. One SQL query on SQLite and PostgreSQL alike, built on the one definition of the
level in force (`triage.decisions.level`); nothing is left out for want of a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, select
from sqlalchemy.orm import Session, aliased

from triage import audit
from triage.audit import Actor
from triage.casework.actions import overdue_actions
from triage.decisions.level import ReviewStatus, in_force_once
from triage.store import count
from triage.store.tables import (
    ChildRecord,
    DecisionRecord,
    EpisodeRecord,
    NotificationVersion,
    UserRecord,
)

NOT_VETTED_TEAM = "Not vetted (MASH)"  # where a notification whose vetting failed waits
# What still needs a person: the MASH worker's queue by default.
TO_DO = frozenset(
    {ReviewStatus.NOT_VETTED, ReviewStatus.AWAITING_REVIEW, ReviewStatus.AWAITING_AGREEMENT}
)


@dataclass(frozen=True, slots=True)
class QueueItem:
    episode_id: int
    police_reference: str
    decision_id: int | None  # the newest decision; None while the notification is not vetted
    child_id: int
    child_name: str
    vetted_level: str | None  # the machine's, on the newest decision
    level: str  # the level in force
    police_risk_grade: str
    classification: str
    reclassified: bool
    team: str
    probability: float | None
    received_at: datetime  # when the newest version arrived
    status: ReviewStatus
    overdue: tuple[str, ...]  # actions past their due time and not done
    last_seen_at: datetime | None = None
    returned_at: datetime | None = None  # as the newest version says; None: still missing

    @property
    def still_missing(self) -> bool:
        return self.returned_at is None


def queue_rows() -> Select[Any]:
    levels = in_force_once()
    decision = aliased(DecisionRecord, name="decision")
    version = aliased(NotificationVersion, name="version")
    vetted = levels.c.status != ReviewStatus.NOT_VETTED.value
    return (
        select(
            EpisodeRecord.id.label("episode_id"),
            EpisodeRecord.police_reference,
            levels.c.decision_id,
            ChildRecord.id.label("child_id"),
            ChildRecord.given_name,
            ChildRecord.family_name,
            case((vetted, decision.vetted_level), else_=None).label("vetted_level"),
            levels.c.level,
            levels.c.rank,
            EpisodeRecord.police_risk_grade,
            case(
                (vetted, decision.classification), else_=EpisodeRecord.police_classification
            ).label("classification"),
            case((vetted, decision.reclassified), else_=False).label("reclassified"),
            case((vetted, decision.team), else_=NOT_VETTED_TEAM).label("team"),
            case((vetted, decision.body["score"]["probability"].as_float()), else_=None).label(
                "probability"
            ),
            version.received_at,
            levels.c.status,
            case((vetted, 1), else_=0).label("vetted"),
            EpisodeRecord.last_seen_at,
            EpisodeRecord.returned_at,
            case((EpisodeRecord.returned_at.is_(None), 1), else_=0).label("still_missing"),
        )
        .select_from(EpisodeRecord)
        .join(levels, levels.c.episode_id == EpisodeRecord.id)
        .join(ChildRecord, ChildRecord.id == EpisodeRecord.child_id)
        .join(version, version.id == levels.c.version_id)
        .outerjoin(decision, decision.id == levels.c.decision_id)
    )


def page_of_queue(
    session: Session,
    *,
    viewer: UserRecord,
    offset: int,
    limit: int,
    now: datetime,
    team: str | None = None,
    statuses: frozenset[ReviewStatus] | None = None,
    still_missing: bool = False,
) -> tuple[list[QueueItem], int]:
    """One page of the queue in priority order, and how many items match in all. The viewing
    is written to the audit trail."""
    audit.record(
        session,
        Actor.of(viewer),
        "view_queue",
        record_type="queue",
        record_id="-",
        now=now,
        team=team or "",
        status=",".join(sorted(statuses)) if statuses else "",
        still_missing=still_missing,
        offset=offset,
    )
    rows = queue_rows().subquery("queue")
    query = select(rows)
    if statuses:
        query = query.where(_in(rows, statuses))
    found, total = _page(session, _narrowed(query, rows, team, still_missing), rows, offset, limit)
    overdue = overdue_actions(session, [row.episode_id for row in found], now)
    return [queue_item(row, overdue) for row in found], total


def _in(rows: Any, statuses: frozenset[ReviewStatus]) -> Any:
    return rows.c.status.in_(sorted(s.value for s in statuses))


def _narrowed(query: Select[Any], rows: Any, team: str | None, still_missing: bool) -> Select[Any]:
    """The queue's filters shared by every view of it: area team, still missing."""
    if team:
        query = query.where(rows.c.team == team)
    if still_missing:
        query = query.where(rows.c.still_missing == 1)
    return query


def _page(
    session: Session, query: Select[Any], rows: Any, offset: int, limit: int
) -> tuple[list[Any], int]:
    """One page of `query` in the queue's order, and how many rows it has in all."""
    found = list(session.execute(_in_order(query, rows).offset(offset).limit(limit)))
    return found, count(session, query)


def queue_item(row: Any, overdue: dict[int, list[str]]) -> QueueItem:
    return QueueItem(
        episode_id=row.episode_id,
        police_reference=row.police_reference,
        decision_id=row.decision_id,
        child_id=row.child_id,
        child_name=f"{row.given_name} {row.family_name}",
        vetted_level=row.vetted_level,
        level=row.level,
        police_risk_grade=row.police_risk_grade,
        classification=row.classification,
        reclassified=bool(row.reclassified),
        team=row.team,
        probability=row.probability,
        received_at=row.received_at,
        status=ReviewStatus(row.status),
        overdue=tuple(overdue.get(row.episode_id, ())),
        last_seen_at=row.last_seen_at,
        returned_at=row.returned_at,
    )


def _priority(rows: Any) -> tuple[Any, ...]:
    """The queue's priority order (the module's docstring says it in words)."""
    return (
        rows.c.rank.desc(),
        rows.c.vetted.asc(),
        rows.c.still_missing.desc(),
        rows.c.probability.desc().nulls_last(),
        rows.c.received_at.asc(),
        rows.c.episode_id.asc(),
    )


def _in_order(query: Select[Any], rows: Any) -> Select[Any]:
    return query.order_by(*_priority(rows))


def teams(session: Session) -> list[str]:
    """The teams decisions have routed to, for the queue's area filter."""
    found = set(session.scalars(select(DecisionRecord.team).distinct()))
    return sorted(found | {NOT_VETTED_TEAM})
