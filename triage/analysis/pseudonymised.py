"""Decisions as an analyst may see them: no names, dates of birth, addresses, free text or police
references. A child is a keyed pseudonym (HMAC-SHA256 of the record id), stable while the key
is, so repeat episodes can be counted without knowing who the child is. Times are months; ages
are bands. Sex and ethnicity stay, for fairness monitoring only.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit, decisions
from triage.analysis.groups import age_band
from triage.audit import Actor
from triage.decisions.level import in_force, newest_reviews
from triage.notification.models import age_on
from triage.store import count
from triage.store.tables import (
    DecisionRecord,
    EpisodeRecord,
    NotificationVersion,
    ReviewRecord,
    UserRecord,
)


class Pseudonymiser:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def child(self, child_id: int) -> str:
        digest = hmac.new(self._key, f"child:{child_id}".encode(), hashlib.sha256)
        return "C-" + digest.hexdigest()[:16]

    def episode(self, episode_id: int) -> str:
        digest = hmac.new(self._key, f"episode:{episode_id}".encode(), hashlib.sha256)
        return "E-" + digest.hexdigest()[:16]

    def worker(self, user_id: int) -> str:
        """A reviewer as analysts see them: a keyed pseudonym, never a name."""
        digest = hmac.new(self._key, f"worker:{user_id}".encode(), hashlib.sha256)
        return "W-" + digest.hexdigest()[:12]


class PseudonymisedDecision(BaseModel):
    """One notification's newest decision and review, as an analyst may see it."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                dict(
                    child="C-1995fa2e2ce342f3",
                    month="2026-03",
                    age_band="14-15",
                    sex="female",
                    ethnicity="white",
                    legal_status="looked_after",
                    team="East",
                    police_risk_grade="medium",
                    police_classification="missing",
                    vetted_level="high",
                    classification="missing",
                    reclassified=False,
                    flags=["repeat", "cse_risk"],
                    rules_fired=["R05", "R09"],
                    score_total=14,
                    score_band="high",
                    probability=0.46,
                    ruleset_version="c7bc36d0...",
                    model_version="synthetic-city-8a0c9460eb91",
                    trigger="version",
                    review_status="reviewed",
                    level_in_force="high",
                    review_outcome="confirmed",
                    reviewed_level="high",
                    review_reason="confirmed",
                )
            ]
        },
    )

    child: str = Field(description="A keyed pseudonym, stable while the service's key is")
    month: str
    age_band: str
    sex: str
    ethnicity: str
    legal_status: str
    team: str
    police_risk_grade: str
    police_classification: str
    vetted_level: str
    classification: str
    reclassified: bool
    flags: list[str]
    rules_fired: list[str]
    score_total: int | None
    score_band: str | None
    probability: float | None
    ruleset_version: str
    model_version: str
    trigger: str  # why the newest decision was made: a version, a time threshold, a retry
    review_status: str  # not_vetted, awaiting_review, awaiting_agreement or reviewed
    level_in_force: str  # what stands: a lowering waiting for agreement has no effect yet
    review_outcome: str | None
    reviewed_level: str | None
    review_reason: str | None


def page_of_decisions(
    session: Session,
    pseudonyms: Pseudonymiser,
    *,
    viewer: UserRecord,
    now: datetime,
    offset: int,
    limit: int,
) -> tuple[list[PseudonymisedDecision], int]:
    """Each episode's newest decision with its newest review and the level in force, oldest
    episode first (an episode not yet vetted has no row)."""
    levels = in_force()
    review_ids = newest_reviews()
    query = (
        select(
            DecisionRecord,
            EpisodeRecord.child_id,
            NotificationVersion.payload,
            ReviewRecord,
            levels.c.level,
            levels.c.status,
        )
        .join(levels, levels.c.decision_id == DecisionRecord.id)
        .join(EpisodeRecord, EpisodeRecord.id == DecisionRecord.episode_id)
        .join(NotificationVersion, NotificationVersion.id == DecisionRecord.version_id)
        .outerjoin(review_ids, review_ids.c.decision_id == DecisionRecord.id)
        .outerjoin(ReviewRecord, ReviewRecord.id == review_ids.c.id)
    )
    total = count(session, query)
    rows = session.execute(
        query.order_by(EpisodeRecord.reported_at, EpisodeRecord.id).offset(offset).limit(limit)
    ).all()
    audit.record(
        session,
        Actor.of(viewer),
        "read_analytics",
        record_type="decision",
        record_id="-",
        now=now,
        offset=offset,
    )
    return [_row(pseudonyms, *row) for row in rows], total


def _row(
    pseudonyms: Pseudonymiser,
    record: DecisionRecord,
    child_id: int,
    payload: dict[str, object],
    review: ReviewRecord | None,
    level: str,
    status: str,
) -> PseudonymisedDecision:
    child = payload["child"]
    episode = payload["episode"]
    assert isinstance(child, dict) and isinstance(episode, dict)
    reported = date.fromisoformat(str(episode["reported_at"])[:10])
    decision = decisions.read(record)
    score = decision.score
    return PseudonymisedDecision(
        child=pseudonyms.child(child_id),
        month=reported.strftime("%Y-%m"),
        age_band=age_band(age_on(date.fromisoformat(str(child["date_of_birth"])), reported)),
        sex=str(child.get("sex", "not_known")),
        ethnicity=str(child.get("ethnicity", "not_stated")),
        legal_status=str(child.get("legal_status", "none")),
        team=decision.team,
        police_risk_grade=decision.police_risk_grade.value,
        police_classification=decision.police_classification.value,
        vetted_level=decision.vetted_level.value,
        classification=decision.classification.value,
        reclassified=decision.reclassified,
        flags=list(decision.flags),
        rules_fired=[reason.rule_id for reason in decision.reasons],
        score_total=score.total if score else None,
        score_band=score.band.value if score else None,
        probability=score.probability if score else None,
        ruleset_version=decision.ruleset_version,
        model_version=decision.model_version,
        trigger=record.trigger,
        review_status=status,
        level_in_force=level,
        review_outcome=review.outcome if review else None,
        reviewed_level=review.reviewed_level if review else None,
        review_reason=review.reason_code if review else None,
    )
