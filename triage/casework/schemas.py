"""What the casework API takes and gives: the queue, a notification with its decisions,
reviews and actions, children. Each model has an example (shown in the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from triage.casework.vocabulary import ACTION_WORDS, FLAG_WORDS, INDICATOR_WORDS, glossary
from triage.http.schemas import REF, WHEN, example
from triage.notification.vocabulary import RiskGrade

Status = Literal["not_vetted", "awaiting_review", "awaiting_agreement", "reviewed"]


class QueueItem(BaseModel):
    model_config = example(
        police_reference=REF,
        decision_id=88,
        child_id=61,
        child_name="Jade Collins",
        vetted_level="high",
        level_in_force="high",
        police_risk_grade="medium",
        classification="missing",
        reclassified=False,
        team="East",
        probability=0.61,
        received_at=WHEN,
        waiting_minutes=42,
        status="awaiting_review",
        overdue_actions=["strategy_discussion"],
        still_missing=True,
        last_seen_at=WHEN,
        returned_at=None,
    )

    police_reference: str
    decision_id: int | None = Field(description="The newest decision; none while not vetted")
    child_id: int
    child_name: str
    vetted_level: str | None = Field(description="The machine's level; none while not vetted")
    level_in_force: str = Field(
        description="What stands: the machine's decisions, then people's reviews and agreements; "
        "never below the police grade (a notification not vetted is at least the police grade)"
    )
    police_risk_grade: str
    classification: str
    reclassified: bool
    team: str
    probability: float | None
    received_at: datetime
    waiting_minutes: int
    status: Status
    overdue_actions: list[str] = Field(
        description="Actions past their due time and not done, each a code: "
        + glossary(ACTION_WORDS)
    )
    still_missing: bool = Field(
        description="Not returned or found, as police last said (first within a level)"
    )
    last_seen_at: datetime | None = Field(description="When the child was last seen")
    returned_at: datetime | None = Field(description="When police said the child returned")


class Decision(BaseModel):
    model_config = example(
        decision_id=88,
        police_reference=REF,
        trigger="still_missing_72h",
        as_of=WHEN,
        decided_at=WHEN,
        ruleset_version="c7bc36d0...",
        model_version="synthetic-city-8a0c9460eb91",
        vetted_level="high",
        body={"vetted_level": "high", "reasons": [{"rule_id": "R05", "title": "..."}]},
    )

    decision_id: int
    police_reference: str
    trigger: str = Field(
        description="Why it was made: version (police sent one), still_missing_24h and the like "
        "(a time threshold passed while the child was missing), retry (vetting failed before), "
        "revet (asked for by hand)"
    )
    as_of: datetime = Field(description="The moment the decision speaks for")
    decided_at: datetime
    ruleset_version: str
    model_version: str
    vetted_level: str
    body: dict[str, Any] = Field(
        description="The whole vetted decision: level, reasons with evidence, score points, "
        "actions with deadlines, flags, suggestions and routing"
    )


class Agreement(BaseModel):
    agreed: bool
    by: str
    note: str | None
    at: datetime


class Review(BaseModel):
    model_config = example(
        review_id=5,
        decision_id=88,
        reviewer="Sam Patel",
        outcome="overridden",
        machine_level="high",
        reviewed_level="medium",
        reason="duplicate_episode",
        reason_text="Same episode as WMP-26-000130",
        needs_agreement=True,
        created_at=WHEN,
        agreement=None,
    )

    review_id: int
    decision_id: int
    reviewer: str
    outcome: Literal["confirmed", "overridden"]
    machine_level: str
    reviewed_level: str
    reason: str
    reason_text: str | None
    needs_agreement: bool
    created_at: datetime
    agreement: Agreement | None


class ReviewRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision_id": 88, "decision": "confirm"},
                {
                    "decision_id": 88,
                    "decision": "override",
                    "level": "high",
                    "reason": "known_exploitation",
                    "reason_text": "Named on the MASE list last month",
                },
                {"decision_id": 91, "decision": "confirm", "settle": ["WMP-26-000140"]},
            ]
        },
    )

    decision_id: int = Field(description="The decision you looked at (it must be the newest)")
    decision: Literal["confirm", "override"]
    level: RiskGrade | None = Field(default=None, description="For an override: the new level")
    reason: str | None = Field(default=None, description="For an override: a reason code")
    reason_text: str | None = Field(default=None, max_length=4000)
    settle: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Police references of the child's older notifications that this review "
        "settles: each awaits review, the child is back from it, and it was sent before this "
        "one. Each is confirmed at its own level in force, and the audit says which review "
        "settled it.",
    )


class AgreementRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"agree": True, "note": "Agreed"}]}
    )

    agree: bool
    note: str | None = Field(default=None, max_length=4000)


class Action(BaseModel):
    model_config = example(
        type="return_home_interview",
        due_at=WHEN,
        rule_id="R19",
        role=None,
        overdue=False,
        completed_at=None,
        completed_by=None,
        note=None,
    )

    type: str = Field(description="What to do, a code: " + glossary(ACTION_WORDS))
    due_at: datetime
    rule_id: str = Field(description="The rule that asked for it (`escalation`: a high's)")
    role: str | None = Field(description="The one role that can mark it done, if any")
    overdue: bool
    completed_at: datetime | None
    completed_by: str | None
    note: str | None


class CompletionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"note": "RHI offered by phone; accepted for Tuesday"}]},
    )

    note: str | None = Field(default=None, max_length=4000)


class LinkedChild(BaseModel):
    child_id: int
    name: str
    episodes_together: int


class ChildSummary(BaseModel):
    child_id: int
    name: str
    date_of_birth: str
    sex: str
    ethnicity: str


class Version(BaseModel):
    version: int
    sent_at: datetime
    received_at: datetime


class NotificationDetail(BaseModel):
    model_config = example(
        police_reference=REF,
        child={
            "child_id": 61,
            "name": "Jade Collins",
            "date_of_birth": "2011-05-02",
            "sex": "female",
            "ethnicity": "white",
        },
        status="awaiting_review",
        level_in_force="high",
        decision=Decision.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
        versions=[{"version": 1, "sent_at": WHEN, "received_at": WHEN}],
        notification={"police_reference": REF, "police_risk_grade": "medium"},
        reviews=[],
        actions=[Action.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
        linked_children=[{"child_id": 62, "name": "Leah Hussain", "episodes_together": 3}],
    )

    police_reference: str
    child: ChildSummary
    status: Status
    level_in_force: str
    decision: Decision | None = Field(description="The newest decision")
    versions: list[Version]
    notification: dict[str, Any] = Field(description="The newest version, as police sent it")
    reviews: list[Review]
    actions: list[Action]
    linked_children: list[LinkedChild]


class TimelineEntry(BaseModel):
    police_reference: str
    last_seen_at: datetime
    returned_at: datetime | None
    police_classification: str
    police_risk_grade: str
    level_in_force: str
    status: Status
    flags: list[str] = Field(
        description="Flags the rules raised, each a code: " + glossary(FLAG_WORDS)
    )
    indicators: list[str] = Field(
        description="Indicators police ticked, each a code (the contract lists them all); where "
        "a code reads badly, the pages say: " + glossary(INDICATOR_WORDS)
    )


class PossibleMatch(BaseModel):
    match_id: int
    other_child_id: int
    score: float
    reason: str


class ChildDetail(BaseModel):
    model_config = example(
        child={
            "child_id": 61,
            "name": "Jade Collins",
            "date_of_birth": "2011-05-02",
            "sex": "female",
            "ethnicity": "white",
        },
        timeline=[
            {
                "police_reference": REF,
                "last_seen_at": WHEN,
                "returned_at": None,
                "police_classification": "missing",
                "police_risk_grade": "medium",
                "level_in_force": "high",
                "status": "reviewed",
                "flags": ["repeat"],
                "indicators": ["cse_older_associate"],
            }
        ],
        linked_children=[{"child_id": 62, "name": "Leah Hussain", "episodes_together": 3}],
        possible_matches=[],
    )

    child: ChildSummary
    timeline: list[TimelineEntry]
    linked_children: list[LinkedChild]
    possible_matches: list[PossibleMatch]


class ChildListItem(BaseModel):
    model_config = example(child_id=61, name="Jade Collins", episodes=7, last_seen_at=WHEN)

    child_id: int
    name: str
    episodes: int
    last_seen_at: datetime | None
