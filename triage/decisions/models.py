"""The vetted decision: what the machine concluded about one notification, and why.

A decision is stored once and never rewritten. A new version of the notification, or a new
ruleset or model, adds a new decision beside the old one; a person's review sits beside it too,
never over it.

These are plain frozen dataclasses: the batch path builds hundreds of thousands of them from
checked data, so they are not validated again on the way. `to_json` / `from_json` (pydantic
TypeAdapters) turn them into stored JSON and back, validating on the way in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from triage.notification.vocabulary import Classification, RiskGrade


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule that fired, in its own words, with the facts that made it fire."""

    rule_id: str
    title: str
    effect: str  # what the rule did, e.g. "at least medium; flags repeat"
    evidence: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Action:
    """Something a person must do, by when, and which rule asked for it."""

    type: str
    due_at: datetime
    rule_id: str
    role: str | None = None  # the one role that can mark it done (None: any caseworker)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An indicator the free text suggests that police did not tick, with the words matched."""

    indicator: str
    words: list[str]


@dataclass(frozen=True, slots=True)
class ScoreFactor:
    factor: str
    value: str
    points: int


@dataclass(frozen=True, slots=True)
class Score:
    """The additive score's part in the decision (filled once a scored model is deployed)."""

    model_version: str
    factors: list[ScoreFactor]
    total: int
    probability: float
    band: RiskGrade


@dataclass(frozen=True, slots=True)
class VettedDecision:
    police_reference: str
    as_of: datetime  # the moment the decision speaks for: when the version was sent
    police_risk_grade: RiskGrade
    police_classification: Classification
    rules_floor: RiskGrade  # the lowest level the rules allow
    vetted_level: RiskGrade
    classification: Classification  # after vetting
    reclassified: bool
    flags: list[str]
    reasons: list[Reason]
    actions: list[Action]
    suggestions: list[Suggestion]
    team: str  # where it routes: an area team or another authority
    ruleset_version: str
    score: Score | None = field(default=None)

    @property
    def model_version(self) -> str:
        return self.score.model_version if self.score else ""


DECISION = TypeAdapter(VettedDecision)


def to_json(decision: VettedDecision) -> dict[str, Any]:
    """The decision as JSON-ready data (times in ISO 8601 UTC)."""
    data: dict[str, Any] = DECISION.dump_python(decision, mode="json")
    return data


def from_json(data: dict[str, Any]) -> VettedDecision:
    """A stored decision, checked on the way back in."""
    return DECISION.validate_python(data)


_ACTIONS = TypeAdapter(list[Action])


def actions_from_json(data: list[Any] | None) -> list[Action]:
    """A stored decision's actions alone (for lists that need only its deadlines)."""
    return _ACTIONS.validate_python(data or [])


def json_line(decision: VettedDecision) -> str:
    return DECISION.dump_json(decision).decode("utf-8")
