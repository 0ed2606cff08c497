"""Decisions as an analyst may see them: no names, dates of birth, addresses, free text or police
references. A child is a keyed pseudonym (HMAC-SHA256 of the record id), stable while the key
is, so repeat episodes can be counted without knowing who the child is. Times are months; ages
are bands. Sex and ethnicity stay, for fairness monitoring only.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.analysis.groups import age_band
from triage.casework.queue import latest_decisions, latest_reviews
from triage.casework.reviews import standing_level, status_of_review
from triage.notification.models import age_on
from triage.store.tables import DecisionRecord, EpisodeRecord, NotificationVersion, ReviewRecord


class Pseudonymiser:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def child(self, child_id: int) -> str:
        digest = hmac.new(self._key, f"child:{child_id}".encode(), hashlib.sha256)
        return "C-" + digest.hexdigest()[:16]


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
                    review_status="reviewed",
                    level_now="high",
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
    review_status: str  # awaiting_review, awaiting_agreement or reviewed
    level_now: str  # what stands: a lowering waiting for agreement has no effect yet
    review_outcome: str | None
    reviewed_level: str | None
    review_reason: str | None


def page_of_decisions(
    session: Session, pseudonyms: Pseudonymiser, *, offset: int, limit: int
) -> tuple[list[PseudonymisedDecision], int]:
    """Each episode's newest decision with its newest review, oldest episode first."""
    decision_ids, review_ids = latest_decisions(), latest_reviews()
    total = session.scalar(select(func.count()).select_from(decision_ids)) or 0
    rows = session.execute(
        select(DecisionRecord, EpisodeRecord.child_id, NotificationVersion.payload, ReviewRecord)
        .join(decision_ids, decision_ids.c.id == DecisionRecord.id)
        .join(EpisodeRecord, EpisodeRecord.id == DecisionRecord.episode_id)
        .join(NotificationVersion, NotificationVersion.id == DecisionRecord.version_id)
        .outerjoin(
            ReviewRecord,
            (ReviewRecord.decision_id == DecisionRecord.id)
            & ReviewRecord.id.in_(select(review_ids.c.id)),
        )
        .order_by(EpisodeRecord.reported_at, EpisodeRecord.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return [_row(pseudonyms, *row) for row in rows], total


def _row(
    pseudonyms: Pseudonymiser,
    decision: DecisionRecord,
    child_id: int,
    payload: dict[str, object],
    review: ReviewRecord | None,
) -> PseudonymisedDecision:
    child = payload["child"]
    episode = payload["episode"]
    assert isinstance(child, dict) and isinstance(episode, dict)
    reported = date.fromisoformat(str(episode["reported_at"])[:10])
    body = decision.body
    score = body.get("score") or {}
    return PseudonymisedDecision(
        child=pseudonyms.child(child_id),
        month=reported.strftime("%Y-%m"),
        age_band=age_band(age_on(date.fromisoformat(str(child["date_of_birth"])), reported)),
        sex=str(child.get("sex", "not_known")),
        ethnicity=str(child.get("ethnicity", "not_stated")),
        legal_status=str(child.get("legal_status", "none")),
        team=decision.team,
        police_risk_grade=body["police_risk_grade"],
        police_classification=body["police_classification"],
        vetted_level=decision.vetted_level,
        classification=decision.classification,
        reclassified=decision.reclassified,
        flags=list(body.get("flags", [])),
        rules_fired=[reason["rule_id"] for reason in body.get("reasons", [])],
        score_total=score.get("total"),
        score_band=score.get("band"),
        probability=score.get("probability"),
        ruleset_version=decision.ruleset_version,
        model_version=decision.model_version,
        review_status=status_of_review(review).value,
        level_now=standing_level(decision.vetted_level, review),
        review_outcome=review.outcome if review else None,
        reviewed_level=review.reviewed_level if review else None,
        review_reason=review.reason_code if review else None,
    )
