"""The prioritised queue: each episode's newest decision, with the state of its review.

Ordered by the vetted level (high first), then the score's probability (highest first), then
time waiting (longest first). Filtered by area team and by review status. One SQL query on
SQLite and PostgreSQL alike; the score is read from the stored decision's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from triage.notification.vocabulary import RiskGrade
from triage.store import count
from triage.store.tables import (
    ChildRecord,
    DecisionRecord,
    EpisodeRecord,
    NotificationVersion,
    ReviewAgreement,
    ReviewRecord,
)


class ReviewStatus(StrEnum):
    AWAITING_REVIEW = "awaiting_review"
    AWAITING_AGREEMENT = "awaiting_agreement"  # a lowered "high" waits for a second person
    REVIEWED = "reviewed"


@dataclass(frozen=True, slots=True)
class QueueItem:
    episode_id: int
    police_reference: str
    decision_id: int
    child_id: int
    child_name: str
    vetted_level: str
    level_now: str  # the reviewed level once a review stands, else the machine's
    police_risk_grade: str
    classification: str
    reclassified: bool
    team: str
    probability: float | None
    received_at: datetime
    status: ReviewStatus


def latest_decisions() -> Any:
    """The newest decision id of every episode (a subquery)."""
    return (
        select(func.max(DecisionRecord.id).label("id"))
        .group_by(DecisionRecord.episode_id)
        .subquery("latest_decision")
    )


def latest_reviews() -> Any:
    """The newest review id of every decision (a subquery)."""
    return (
        select(func.max(ReviewRecord.id).label("id"))
        .group_by(ReviewRecord.decision_id)
        .subquery("latest_review")
    )


def status_of(review: Any, agreement: Any) -> Any:
    """The review status as an SQL expression over a review and its agreement (both nullable)."""
    return case(
        (review.id.is_(None), ReviewStatus.AWAITING_REVIEW.value),
        (
            and_(review.needs_agreement, agreement.id.is_(None)),
            ReviewStatus.AWAITING_AGREEMENT.value,
        ),
        (
            and_(review.needs_agreement, agreement.agreed.is_(False)),
            ReviewStatus.AWAITING_REVIEW.value,
        ),
        else_=ReviewStatus.REVIEWED.value,
    )


def _rows() -> Select[Any]:
    decision_ids, review_ids = latest_decisions(), latest_reviews()
    rank = case({grade.value: grade.rank for grade in RiskGrade}, value=DecisionRecord.vetted_level)
    status = status_of(ReviewRecord, ReviewAgreement)
    level_now = case(
        (status == ReviewStatus.REVIEWED.value, ReviewRecord.reviewed_level),
        (ReviewRecord.id.is_not(None), ReviewRecord.level_before),
        else_=DecisionRecord.vetted_level,
    )
    return (
        select(
            EpisodeRecord.id.label("episode_id"),
            EpisodeRecord.police_reference,
            DecisionRecord.id.label("decision_id"),
            ChildRecord.id.label("child_id"),
            ChildRecord.given_name,
            ChildRecord.family_name,
            DecisionRecord.vetted_level,
            level_now.label("level_now"),
            EpisodeRecord.police_risk_grade,
            DecisionRecord.classification,
            DecisionRecord.reclassified,
            DecisionRecord.team,
            DecisionRecord.body["score"]["probability"].as_float().label("probability"),
            NotificationVersion.received_at,
            status.label("status"),
            rank.label("rank"),
        )
        .join(decision_ids, decision_ids.c.id == DecisionRecord.id)
        .join(EpisodeRecord, EpisodeRecord.id == DecisionRecord.episode_id)
        .join(ChildRecord, ChildRecord.id == EpisodeRecord.child_id)
        .join(NotificationVersion, NotificationVersion.id == DecisionRecord.version_id)
        .outerjoin(
            ReviewRecord,
            and_(
                ReviewRecord.decision_id == DecisionRecord.id,
                ReviewRecord.id.in_(select(review_ids.c.id)),
            ),
        )
        .outerjoin(ReviewAgreement, ReviewAgreement.review_id == ReviewRecord.id)
    )


def page_of_queue(
    session: Session,
    *,
    offset: int,
    limit: int,
    team: str | None = None,
    status: ReviewStatus | None = None,
) -> tuple[list[QueueItem], int]:
    """One page of the queue in priority order, and how many items match in all."""
    rows = _rows().subquery("queue")
    query = select(rows)
    if team:
        query = query.where(rows.c.team == team)
    if status:
        query = query.where(rows.c.status == status.value)
    total = count(session, query)
    ordered = query.order_by(
        rows.c.rank.desc(),
        rows.c.probability.desc().nulls_last(),
        rows.c.received_at.asc(),
        rows.c.episode_id.asc(),
    )
    items = [
        QueueItem(
            episode_id=row.episode_id,
            police_reference=row.police_reference,
            decision_id=row.decision_id,
            child_id=row.child_id,
            child_name=f"{row.given_name} {row.family_name}",
            vetted_level=row.vetted_level,
            level_now=row.level_now,
            police_risk_grade=row.police_risk_grade,
            classification=row.classification,
            reclassified=row.reclassified,
            team=row.team,
            probability=row.probability,
            received_at=row.received_at,
            status=ReviewStatus(row.status),
        )
        for row in session.execute(ordered.offset(offset).limit(limit))
    ]
    return items, total


def teams(session: Session) -> list[str]:
    """The teams decisions have routed to, for the queue's area filter."""
    return list(session.scalars(select(DecisionRecord.team).distinct().order_by("team")))
