"""Confirming or overriding a vetted decision, and a second person's agreement.

The machine's decision row is never touched: a review sits beside it. No review sets a level
below the police grade. Lowering the level in force (which, above the police grade, a rule or a
person raised) takes effect only when a second person agrees; until then the level stands. A
review always answers the newest decision: if a new version or a re-vet arrived since the
reviewer looked, the review is refused and they look again. The level in force itself is
`triage.decisions.level`'s.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage import audit, decisions
from triage.audit import Actor
from triage.casework.reasons import CONFIRMED, SETTLED, review_reasons
from triage.decisions.level import ReviewStatus, level_in_force, newest_decisions, newest_reviews
from triage.errors import CaseworkRefused, RecordNotFound
from triage.notification.fields import control_problem
from triage.notification.vocabulary import RiskGrade
from triage.store import count
from triage.store.tables import (
    EpisodeRecord,
    ReviewAgreement,
    ReviewRecord,
    UserRecord,
)

MIN_DISCRETIONARY_TEXT = 20


def written(text: str | None, *, field: str) -> str | None:
    """A person's words, trimmed (None if empty). A NUL or other control character is refused
    with the field named: no store takes a NUL, and the words are never logged."""
    value = (text or "").strip()
    if (problem := control_problem(value)) is not None:
        raise CaseworkRefused(field, problem)
    return value or None


def episode_by_reference(session: Session, police_reference: str) -> EpisodeRecord:
    episode = session.scalar(
        select(EpisodeRecord).where(EpisodeRecord.police_reference == police_reference)
    )
    if episode is None:
        raise RecordNotFound("notification", police_reference)
    return episode


def reviews_of(session: Session, episode_id: int) -> list[ReviewRecord]:
    """Every review of every decision on this episode, oldest first."""
    return list(
        session.scalars(
            select(ReviewRecord)
            .where(ReviewRecord.episode_id == episode_id)
            .order_by(ReviewRecord.id)
        )
    )


def review(
    session: Session,
    *,
    police_reference: str,
    decision_id: int,
    reviewer: UserRecord,
    confirm: bool,
    level: RiskGrade | None,
    reason_code: str | None,
    reason_text: str | None,
    rules_dir: Path,
    now: datetime,
    settled_by: str | None = None,
) -> ReviewRecord:
    """Record a person's confirmation, or their override with a reason. `settled_by`: the
    newer notification whose review settles this one (a confirmation; see `settling`)."""
    episode = episode_by_reference(session, police_reference)
    standing = level_in_force(session, episode.id)
    decision = decisions.newest(session, episode.id)
    if decision is None or standing.status is ReviewStatus.NOT_VETTED:
        raise CaseworkRefused(
            "decision_id",
            "the newest version of this notification has not been vetted yet (it is retried "
            "automatically); treat it as the police grade or higher until then",
        )
    if decision.id != decision_id:
        raise CaseworkRefused(
            "decision_id",
            f"decision {decision_id} is not the newest for {police_reference} "
            f"(that is {decision.id}): look at the newest decision and review it",
        )
    machine = RiskGrade(decision.vetted_level)
    in_force = standing.level
    police = RiskGrade(episode.police_risk_grade)
    text = written(reason_text, field="reason_text")
    if confirm and settled_by is not None:
        new_level, code = in_force, SETTLED
        text = f"Settled with the review of {settled_by}"
    elif confirm:  # a person confirms the level in force, whoever set it
        new_level, code = in_force, CONFIRMED
    else:
        new_level, code = _check_override(in_force, level, reason_code, text, rules_dir)
    if new_level.rank < police.rank:
        raise CaseworkRefused(
            "level",
            f"never below the police grade: police graded this {_said(police)}, so the level "
            f"cannot be {_said(new_level)}",
        )
    record = ReviewRecord(
        episode_id=episode.id,
        decision_id=decision.id,
        reviewer_id=reviewer.id,
        outcome="confirmed" if confirm else "overridden",
        machine_level=machine.value,
        reviewed_level=new_level.value,
        level_before=in_force.value,
        reason_code=code,
        reason_text=text,
        # Whoever raised the level in force above the police grade (a rule, the score or a
        # person), lowering it takes two.
        needs_agreement=new_level.rank < in_force.rank,
        created_at=now,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        Actor.of(reviewer),
        "review",
        record_type="episode",
        record_id=police_reference,
        now=now,
        review=record.id,
        outcome=record.outcome,
        machine_level=record.machine_level,
        reviewed_level=record.reviewed_level,
        reason=record.reason_code,
        **({"settled_by": settled_by} if settled_by else {}),
    )
    return record


def _said(level: RiskGrade) -> str:
    return f'"{level.value.replace("_", " ")}"'


def _check_override(
    in_force: RiskGrade,
    level: RiskGrade | None,
    reason_code: str | None,
    text: str | None,
    rules_dir: Path,
) -> tuple[RiskGrade, str]:
    if level is None:
        raise CaseworkRefused("level", "choose the level you are overriding to")
    if level is in_force:
        raise CaseworkRefused(
            "level", f"the level in force is already {_said(in_force)}: confirm it instead"
        )
    reasons = review_reasons(rules_dir)
    if not reason_code:
        raise CaseworkRefused("reason", "choose the reason for the override")
    reason = reasons.get(reason_code)
    if reason is None:
        raise CaseworkRefused(
            "reason", f"{reason_code!r} is not an override reason; one of: {', '.join(reasons)}"
        )
    raising = level.rank > in_force.rank
    if not reason.allows(raising=raising):
        way = "raise" if raising else "lower"
        raise CaseworkRefused("reason", f"{reason.label!r} cannot {way} a level")
    if reason.kind == "discretionary" and len(text or "") < MIN_DISCRETIONARY_TEXT:
        raise CaseworkRefused(
            "reason_text",
            f"a discretionary override needs your reasons in words "
            f"(at least {MIN_DISCRETIONARY_TEXT} characters)",
        )
    return level, reason.code


def agree(
    session: Session,
    *,
    review_id: int,
    by: UserRecord,
    agreed: bool,
    note: str | None,
    now: datetime,
) -> ReviewAgreement:
    """A second person agrees to, or refuses, a review that lowers the level in force."""
    record = session.get(ReviewRecord, review_id)
    if record is None:
        raise RecordNotFound("review", review_id)
    if not record.needs_agreement:
        raise CaseworkRefused("review_id", "this review does not need a second person")
    if record.agreement is not None:
        answer = "agreed to" if record.agreement.agreed else "refused"
        raise CaseworkRefused("review_id", f"this review was already {answer}")
    if record.reviewer_id == by.id:
        raise CaseworkRefused(
            "review_id", "a second person must agree: you cannot agree to your own review"
        )
    newest = decisions.newest(session, record.episode_id)
    if newest is None or newest.id != record.decision_id:
        raise CaseworkRefused(
            "review_id", "a newer decision has arrived since this review; review that instead"
        )
    newest_review = session.scalar(
        select(ReviewRecord)
        .where(ReviewRecord.decision_id == record.decision_id)
        .order_by(ReviewRecord.id.desc())
        .limit(1)
    )
    if newest_review is None or newest_review.id != record.id:
        raise CaseworkRefused(
            "review_id", "a newer review has replaced this one; there is nothing to agree to"
        )
    text = written(note, field="note")
    if not agreed and text is None:
        raise CaseworkRefused("note", "say why you do not agree")
    agreement = ReviewAgreement(
        review_id=record.id, agreed=agreed, by_id=by.id, note=text, created_at=now
    )
    try:
        with session.begin_nested():  # a savepoint: a lost race leaves the session usable
            session.add(agreement)
    except IntegrityError as exc:
        raise CaseworkRefused(
            "review_id", "someone answered this review at the same moment; look again"
        ) from exc
    audit.record(
        session,
        Actor.of(by),
        "agree" if agreed else "refuse_agreement",
        record_type="episode",
        record_id=session.get_one(EpisodeRecord, record.episode_id).police_reference,
        now=now,
        review=record.id,
    )
    return agreement


def awaiting_agreement(
    session: Session, *, offset: int, limit: int
) -> tuple[list[ReviewRecord], int]:
    """Reviews that lower a level and wait for a second person, oldest first."""
    decision_ids, review_ids = newest_decisions(), newest_reviews()
    query = (
        select(ReviewRecord)
        .join(decision_ids, decision_ids.c.id == ReviewRecord.decision_id)
        .join(review_ids, review_ids.c.id == ReviewRecord.id)
        .outerjoin(ReviewAgreement, ReviewAgreement.review_id == ReviewRecord.id)
        .where(ReviewRecord.needs_agreement.is_(True), ReviewAgreement.id.is_(None))
    )
    total = count(session, query)
    rows = session.scalars(query.order_by(ReviewRecord.id).offset(offset).limit(limit)).all()
    return list(rows), total
