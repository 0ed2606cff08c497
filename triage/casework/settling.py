"""Settling a child's older notifications with the review of their newest.

A child who goes missing often can have several notifications waiting at once. Once a worker
has reviewed the newest, the older ones that it supersedes (the child back from them, sent
before it, each still awaiting review) can be settled with it: each gets a confirmation of
its own level in force, with the reason "settled with the review of <newest>", and the audit
trail says which review settled it. Nothing is lowered by settling, and a notification waiting
for a second person, not yet vetted, or whose child is still missing cannot be settled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.casework import reviews
from triage.casework.schemas import ReviewRequest
from triage.decisions.level import ReviewStatus, levels_in_force
from triage.errors import CaseworkRefused
from triage.notification.vocabulary import RiskGrade
from triage.store.tables import EpisodeRecord, ReviewRecord, UserRecord


@dataclass(frozen=True, slots=True)
class Supersedable:
    police_reference: str
    level: RiskGrade
    decision_id: int
    episode: EpisodeRecord


def supersedable(session: Session, episode: EpisodeRecord) -> list[Supersedable]:
    """The child's older notifications that a review of `episode` can settle, oldest first."""
    older = list(
        session.scalars(
            select(EpisodeRecord)
            .where(
                EpisodeRecord.child_id == episode.child_id,
                EpisodeRecord.id != episode.id,
                EpisodeRecord.last_seen_at < episode.last_seen_at,
                EpisodeRecord.returned_at.is_not(None),
            )
            .order_by(EpisodeRecord.last_seen_at, EpisodeRecord.id)
        )
    )
    levels = levels_in_force(session, [e.id for e in older])
    return [
        Supersedable(e.police_reference, level.level, decision_id, e)
        for e in older
        if (level := levels.get(e.id)) is not None
        and level.status is ReviewStatus.AWAITING_REVIEW
        and (decision_id := level.decision_id) is not None
    ]


def chosen(
    session: Session, police_reference: str, references: Sequence[str]
) -> list[Supersedable]:
    """The notifications named in `references` that a review of `police_reference` can settle;
    a refusal naming the field `settle` for any other. Checked before anything is written."""
    if not references:
        return []
    episode = reviews.episode_by_reference(session, police_reference)
    can = {s.police_reference: s for s in supersedable(session, episode)}
    for reference in references:
        if reference not in can:
            raise CaseworkRefused(
                "settle",
                f"{reference} cannot be settled with this review: only the child's older "
                "notifications that await review, from which the child is back, can be",
            )
    return [can[reference] for reference in dict.fromkeys(references)]


def settle(
    session: Session,
    *,
    police_reference: str,
    settled: Sequence[Supersedable],
    reviewer: UserRecord,
    rules_dir: Path,
    now: datetime,
) -> list[ReviewRecord]:
    """Confirm each of `settled` at its own level in force, as settled with the review of
    `police_reference` (audited on each)."""
    return [
        reviews.review(
            session,
            police_reference=item.police_reference,
            decision_id=item.decision_id,
            reviewer=reviewer,
            confirm=True,
            level=None,
            reason_code=None,
            reason_text=None,
            rules_dir=rules_dir,
            now=now,
            settled_by=police_reference,
        )
        for item in settled
    ]


def review_settling(
    session: Session,
    *,
    police_reference: str,
    request: ReviewRequest,
    reviewer: UserRecord,
    rules_dir: Path,
    now: datetime,
) -> ReviewRecord:
    """A review as the API and the review form ask for it, settling the older notifications it
    names (all checked before anything is written)."""
    settled = chosen(session, police_reference, request.settle)
    record = reviews.review(
        session,
        police_reference=police_reference,
        decision_id=request.decision_id,
        reviewer=reviewer,
        confirm=request.decision == "confirm",
        level=request.level,
        reason_code=request.reason,
        reason_text=request.reason_text,
        rules_dir=rules_dir,
        now=now,
    )
    settle(
        session,
        police_reference=police_reference,
        settled=settled,
        reviewer=reviewer,
        rules_dir=rules_dir,
        now=now,
    )
    return record
