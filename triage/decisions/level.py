"""The level in force for an episode, defined once, in SQL, and read by every view.

The notification page, the queue, the child's timeline, the API and the analysts' data all ask
`in_force()` (a subquery) or `levels_in_force()` (its rows for some episodes): nothing computes
the level a second time.

The definition. For an episode:
- the *newest decision* is the one that speaks for the latest moment (`as_of`, then the order
  made): a re-vet of an earlier version, made later for the record, never displaces it;
- the *effective review* is the newest review that has effect: a confirmation, a raise, or a
  lowering that a second person agreed to (a lowering waiting for agreement, or refused, has
  none);
- the level in force is the highest of
  1. the police grade of the episode's newest version (never below the police grade),
  2. the effective review's level (a person's level stands until a person changes it), and
  3. the newest decision's level, unless the effective review answered that very decision (the
     person's level then replaces the machine's): the machine can raise what a person set, and
     revise its own level as facts change, but never lower what a person set. Only a person
     lowers a level a person set, and lowering a level above the police grade takes two.
- the *status* is that of the newest decision: `not_vetted` when the newest version has no
  decision (vetting failed: the level is then at least the police grade), `awaiting_review`
  when nobody has reviewed the newest decision (or a second person refused the lowering),
  `awaiting_agreement` while a lowering waits for a second person, else `reviewed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from triage.notification.vocabulary import RiskGrade
from triage.store.tables import (
    DecisionRecord,
    EpisodeRecord,
    NotificationVersion,
    ReviewAgreement,
    ReviewRecord,
)


class ReviewStatus(StrEnum):
    NOT_VETTED = "not_vetted"  # vetting failed: treat as the police grade or higher
    AWAITING_REVIEW = "awaiting_review"
    AWAITING_AGREEMENT = "awaiting_agreement"  # a lowering waits for a second person
    REVIEWED = "reviewed"


_NONE = -1  # the rank of "no level" in the comparisons below


def rank_of(level: Any) -> Any:
    """A level column as its rank (0 no apparent risk to 3 high; NULL stays NULL)."""
    return case({grade.value: grade.rank for grade in RiskGrade}, value=level)


def level_of(rank: Any) -> Any:
    """A rank expression back as the level's name."""
    return case({grade.rank: grade.value for grade in RiskGrade}, value=rank)


def greatest(*values: Any) -> Any:
    """The largest of several nullable ranks, the same on SQLite and PostgreSQL."""
    first, *rest = [func.coalesce(v, _NONE) for v in values]
    out: Any = first
    for value in rest:
        out = case((value > out, value), else_=out)
    return out


def newest_decisions(episodes: Any = None) -> Any:
    """The newest decision id of every episode (a subquery: episode_id, id): the one that
    speaks for the latest moment. `episodes` (a select of episode ids) ranks only theirs."""
    query = select(
        DecisionRecord.episode_id,
        DecisionRecord.id,
        func.row_number()
        .over(
            partition_by=DecisionRecord.episode_id,
            order_by=(DecisionRecord.as_of.desc(), DecisionRecord.id.desc()),
        )
        .label("place"),
    )
    if episodes is not None:
        query = query.where(DecisionRecord.episode_id.in_(episodes))
    ranked = query.subquery("ranked_decision")
    return (
        select(ranked.c.episode_id, ranked.c.id)
        .where(ranked.c.place == 1)
        .subquery("newest_decision")
    )


def newest_reviews(episodes: Any = None) -> Any:
    """The newest review id of every decision (a subquery: decision_id, id); `episodes` (ids,
    or a select of them) keeps only their reviews."""
    query = select(ReviewRecord.decision_id, func.max(ReviewRecord.id).label("id"))
    if episodes is not None:
        query = query.where(ReviewRecord.episode_id.in_(episodes))
    return query.group_by(ReviewRecord.decision_id).subquery("newest_review")


def effective_reviews(episodes: Any = None) -> Any:
    """The newest review with effect of every episode (a subquery: episode_id, id); `episodes`
    keeps only theirs."""
    query = (
        select(ReviewRecord.episode_id, func.max(ReviewRecord.id).label("id"))
        .outerjoin(ReviewAgreement, ReviewAgreement.review_id == ReviewRecord.id)
        .where(or_(ReviewRecord.needs_agreement.is_(False), ReviewAgreement.agreed.is_(True)))
    )
    if episodes is not None:
        query = query.where(ReviewRecord.episode_id.in_(episodes))
    return query.group_by(ReviewRecord.episode_id).subquery("effective_review")


def status_of(review: Any, agreement: Any) -> Any:
    """The review status as an SQL expression over a decision's newest review and its agreement
    (both nullable)."""
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


def current_version() -> Any:
    """The episode's newest version id (by `sent_at`, then version): a correlated subquery."""
    return (
        select(NotificationVersion.id)
        .where(NotificationVersion.episode_id == EpisodeRecord.id)
        .order_by(NotificationVersion.sent_at.desc(), NotificationVersion.version.desc())
        .limit(1)
        .scalar_subquery()
    )


def in_force() -> Any:
    """Every episode's level in force and review status (a subquery, one row per episode).

    Columns: episode_id, decision_id (the newest decision, or NULL), version_id (the newest
    version), level, rank, status, effective_review_id.
    """
    return _in_force().subquery("in_force")


def in_force_once() -> Any:
    """`in_force()` as a materialised common table expression, for a query that joins it to
    several tables over every episode (the queues): computed once, not once per join (on the
    seed-7 city's SQLite store, 85 ms instead of 216)."""
    return _in_force().cte("in_force").prefix_with("MATERIALIZED")


def _in_force(episodes: list[int] | None = None) -> Any:
    """The definition (see the module's docstring); `episodes` narrows every part of it to
    those episodes, which is the same answer for them, read without ranking every episode."""
    newest = newest_decisions(episodes)
    effective = effective_reviews(episodes)
    review = aliased(ReviewRecord, name="effective")
    decision = aliased(DecisionRecord, name="newest")
    # The machine's level counts unless the effective review answered that very decision (the
    # person's level then replaces it); a newer decision always counts.
    machine = case(
        (or_(review.id.is_(None), decision.id != review.decision_id), decision.vetted_level),
        else_=None,
    )
    rank = greatest(
        rank_of(EpisodeRecord.police_risk_grade), rank_of(review.reviewed_level), rank_of(machine)
    )
    newest_review = newest_reviews(episodes)
    last = aliased(ReviewRecord, name="last_review")
    version_id = current_version()
    status = case(
        (
            or_(decision.id.is_(None), decision.version_id != version_id),
            ReviewStatus.NOT_VETTED.value,
        ),
        else_=status_of(last, ReviewAgreement),
    )
    query = (
        select(
            EpisodeRecord.id.label("episode_id"),
            decision.id.label("decision_id"),
            version_id.label("version_id"),
            level_of(rank).label("level"),
            rank.label("rank"),
            status.label("status"),
            review.id.label("effective_review_id"),
        )
        .select_from(EpisodeRecord)
        .outerjoin(newest, newest.c.episode_id == EpisodeRecord.id)
        .outerjoin(decision, decision.id == newest.c.id)
        .outerjoin(newest_review, newest_review.c.decision_id == decision.id)
        .outerjoin(last, last.id == newest_review.c.id)
        .outerjoin(ReviewAgreement, ReviewAgreement.review_id == last.id)
        .outerjoin(effective, effective.c.episode_id == EpisodeRecord.id)
        .outerjoin(review, review.id == effective.c.id)
    )
    return query if episodes is None else query.where(EpisodeRecord.id.in_(episodes))


@dataclass(frozen=True, slots=True)
class LevelInForce:
    episode_id: int
    level: RiskGrade
    status: ReviewStatus
    decision_id: int | None  # the newest decision (not necessarily of the newest version)
    version_id: int  # the newest version


def levels_in_force(session: Session, episode_ids: list[int]) -> dict[int, LevelInForce]:
    """The level in force and status of each of these episodes."""
    if not episode_ids:
        return {}
    found = session.execute(_in_force(sorted(set(episode_ids))))
    return {
        row.episode_id: LevelInForce(
            episode_id=row.episode_id,
            level=RiskGrade(row.level),
            status=ReviewStatus(row.status),
            decision_id=row.decision_id,
            version_id=row.version_id,
        )
        for row in found
    }


def level_in_force(session: Session, episode_id: int) -> LevelInForce:
    return levels_in_force(session, [episode_id])[episode_id]
