"""The vetted decision: what the machine concluded about one notification, and why.

A decision is stored once and never rewritten. A new version of the notification, or a new
ruleset or model, adds a new decision beside the old one; a person's review (later) sits beside
it too, never over it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from triage.notification.vocabulary import Classification, RiskGrade


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reason(_Frozen):
    """One rule that fired, in its own words, with the facts that made it fire."""

    rule_id: str
    title: str
    effect: str = Field(description="What the rule did, e.g. 'at least medium; flags repeat'")
    evidence: dict[str, Any]


class Action(_Frozen):
    """Something a person must do, by when, and which rule asked for it."""

    type: str
    due_at: datetime
    rule_id: str


class Suggestion(_Frozen):
    """An indicator the free text suggests that police did not tick, with the words matched."""

    indicator: str
    words: list[str]


class ScoreFactor(_Frozen):
    factor: str
    value: str
    points: int


class Score(_Frozen):
    """The additive score's part in the decision (filled once a scored model is deployed)."""

    model_version: str
    factors: list[ScoreFactor]
    total: int
    probability: float
    band: RiskGrade


class VettedDecision(_Frozen):
    police_reference: str
    as_of: datetime = Field(description="The moment the decision speaks for (the version sent)")
    police_risk_grade: RiskGrade
    police_classification: Classification
    rules_floor: RiskGrade = Field(description="The lowest level the rules allow")
    vetted_level: RiskGrade
    classification: Classification = Field(description="After vetting")
    reclassified: bool
    flags: list[str]
    reasons: list[Reason]
    actions: list[Action]
    suggestions: list[Suggestion]
    team: str = Field(description="Where it routes: an area team or another authority")
    ruleset_version: str
    score: Score | None = None

    @property
    def model_version(self) -> str:
        return self.score.model_version if self.score else ""
