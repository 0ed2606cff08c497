"""What the API takes and gives, with an example for each (shown in the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field

from triage.analysis import PseudonymisedDecision
from triage.api.problems import FieldProblem
from triage.notification.vocabulary import RiskGrade

T = TypeVar("T")
WHEN = "2026-03-15T09:12:00Z"
REF = "WMP-26-000131"


def _example(**example: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class Token(BaseModel):
    model_config = _example(access_token="eyJhbGciOi...", token_type="bearer", expires_in=1800)

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


class Me(BaseModel):
    model_config = _example(username="mash.demo", display_name="Sam Patel", role="mash_worker")

    username: str
    display_name: str
    role: str


class Health(BaseModel):
    model_config = _example(
        status="ok",
        version="0.1.0",
        schema_version="1.0",
        database="sqlite",
        counts={"episodes": 2365, "children": 981, "quarantined_open": 12},
    )

    status: str
    version: str
    schema_version: str
    database: str
    counts: dict[str, int]


class SubmissionReceipt(BaseModel):
    model_config = _example(
        receipt_id=41,
        outcome="accepted",
        police_reference=REF,
        version=1,
        vetted_level="high",
        quarantine_id=None,
        errors=[],
    )

    receipt_id: int | None = Field(description="The police feed's receipt (none for a replay)")
    outcome: Literal["accepted", "updated", "unchanged", "rejected"]
    police_reference: str | None
    version: int | None
    vetted_level: str | None
    quarantine_id: int | None = None
    errors: list[FieldProblem] = Field(default_factory=list)
    vetting_failed: bool = Field(
        default=False,
        description="Stored but not vetted (it is retried automatically; until then it is "
        "treated as the police grade or higher)",
    )


class StoredReceipt(SubmissionReceipt):
    model_config = _example(
        receipt_id=41,
        received_at=WHEN,
        outcome="rejected",
        police_reference=None,
        version=None,
        vetted_level=None,
        quarantine_id=7,
        errors=[{"field": "child.date_of_birth", "problem": "is in the future"}],
    )

    received_at: datetime


class BatchReceipts(BaseModel):
    model_config = _example(
        counts={"accepted": 1, "rejected": 1},
        receipts=[
            {
                "receipt_id": 41,
                "outcome": "accepted",
                "police_reference": REF,
                "version": 1,
                "vetted_level": "high",
                "quarantine_id": None,
                "errors": [],
            },
            {
                "receipt_id": 42,
                "outcome": "rejected",
                "police_reference": None,
                "version": None,
                "vetted_level": None,
                "quarantine_id": 7,
                "errors": [{"field": "sent_at", "problem": "is missing"}],
            },
        ],
    )

    counts: dict[str, int]
    receipts: list[SubmissionReceipt]


def _page_example(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """A page's example: one item, taken from the item type's own example."""
    (item,) = get_args(cls.model_fields["items"].annotation)
    extra = getattr(item, "model_config", {}).get("json_schema_extra") or {}
    examples = extra.get("examples") if isinstance(extra, dict) else None
    if examples:
        schema["examples"] = [{"items": examples[:1], "page": 1, "per_page": 50, "total": 1}]


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total that match."""

    model_config = ConfigDict(json_schema_extra=_page_example)

    items: list[T]
    page: int
    per_page: int
    total: int


Status = Literal["not_vetted", "awaiting_review", "awaiting_agreement", "reviewed"]


class QueueItem(BaseModel):
    model_config = _example(
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
    overdue_actions: list[str] = Field(description="Actions past their due time and not done")


class Decision(BaseModel):
    model_config = _example(
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
    model_config = _example(
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
            ]
        },
    )

    decision_id: int = Field(description="The decision you looked at (it must be the newest)")
    decision: Literal["confirm", "override"]
    level: RiskGrade | None = Field(default=None, description="For an override: the new level")
    reason: str | None = Field(default=None, description="For an override: a reason code")
    reason_text: str | None = Field(default=None, max_length=4000)


class AgreementRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"agree": True, "note": "Agreed"}]}
    )

    agree: bool
    note: str | None = Field(default=None, max_length=4000)


class Action(BaseModel):
    model_config = _example(
        type="return_home_interview",
        due_at=WHEN,
        rule_id="R19",
        role=None,
        overdue=False,
        completed_at=None,
        completed_by=None,
        note=None,
    )

    type: str
    due_at: datetime
    rule_id: str
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
    model_config = _example(
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
    flags: list[str]
    indicators: list[str]


class PossibleMatch(BaseModel):
    match_id: int
    other_child_id: int
    score: float
    reason: str


class ChildDetail(BaseModel):
    model_config = _example(
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
    model_config = _example(child_id=61, name="Jade Collins", episodes=7, last_seen_at=WHEN)

    child_id: int
    name: str
    episodes: int
    last_seen_at: datetime | None


class QuarantinedRecord(BaseModel):
    model_config = _example(
        quarantine_id=7,
        received_at=WHEN,
        source="api",
        position=1,
        status="open",
        errors=[{"field": "child.date_of_birth", "problem": "is in the future"}],
        raw='{"police_reference": "WMP-26-000999", ...}',
    )

    quarantine_id: int
    received_at: datetime
    source: str
    position: int
    status: str
    errors: list[FieldProblem]
    raw: str = Field(description="Exactly what arrived, to fix and replay")


class ReplayRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"record": {"schema_version": "1.0", "police_reference": REF, "...": "..."}}
            ]
        }
    )

    record: dict[str, Any] = Field(description="The corrected notification")


class AuditEvent(BaseModel):
    model_config = _example(
        event_id=301,
        at=WHEN,
        username="mash.demo",
        role="mash_worker",
        action="view_notification",
        record_type="episode",
        record_id=REF,
        detail={},
    )

    event_id: int
    at: datetime
    username: str
    role: str
    action: str
    record_type: str
    record_id: str
    detail: dict[str, Any]


# What analysts read: defined beside the query that pseudonymises it.
AnalyticsDecision = PseudonymisedDecision
