"""What the interviews API takes (the request models of `triage.interviews.requests`) and
gives: tasks, their episodes and referrals. Each model has an example (the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from triage.http.schemas import REF, WHEN, example
from triage.interviews.requests import (
    DeclinedBy,
    DeclineRequest,
    HeldHow,
    HeldRequest,
    OfferedHow,
    OfferRequest,
    ReferralKind,
    ReferralRequest,
    Status,
)

__all__ = [
    "CoveredEpisode",
    "DeclineRequest",
    "HeldRequest",
    "OfferRequest",
    "Referral",
    "ReferralRequest",
    "Task",
    "TaskSummary",
]


class Referral(BaseModel):
    model_config = example(
        referral_id=4, kind="cass_referral", made_on=WHEN, recorded_at=WHEN, recorded_by="dana"
    )

    referral_id: int
    kind: ReferralKind
    made_on: datetime
    recorded_at: datetime
    recorded_by: str


class CoveredEpisode(BaseModel):
    model_config = example(police_reference=REF, returned_at=WHEN, merged=False)

    police_reference: str
    returned_at: datetime = Field(description="The return police reported (the clock's start)")
    merged: bool = Field(description="Joined an open interview: missing again before it")


class TaskSummary(BaseModel):
    model_config = example(
        task_id=12,
        child_id=61,
        team="East",
        status="open",
        returned_at=WHEN,
        due_at="2026-03-18T09:12:00Z",
        overdue=False,
        allocated_to=None,
        episodes=[{"police_reference": REF, "returned_at": WHEN, "merged": False}],
    )

    task_id: int
    child_id: int
    team: str
    status: Status
    returned_at: datetime = Field(description="The latest return of its episodes")
    due_at: datetime = Field(description="returned_at + rhi_due_hours (72)")
    overdue: bool = Field(description="Past due and not yet held or declined")
    allocated_to: str | None = Field(description="The worker's username; none if unallocated")
    episodes: list[CoveredEpisode]


class Task(TaskSummary):
    model_config = example(
        task_id=12,
        child_id=61,
        team="East",
        status="held",
        returned_at=WHEN,
        due_at="2026-03-18T09:12:00Z",
        overdue=False,
        allocated_to="dana",
        episodes=[{"police_reference": REF, "returned_at": WHEN, "merged": False}],
        offered_at=WHEN,
        offered_how="telephone",
        declined_at=None,
        declined_by=None,
        held_at="2026-03-16T15:00:00Z",
        held_how="face_to_face",
        held_by="dana",
        interviewer_is_carer=False,
        interviewer_is_social_worker=False,
        successful=True,
        push_factors=["conflict_in_placement"],
        pull_factors=["older_person"],
        harms=[],
        disclosed_indicators=["drugs"],
        whereabouts="A flat in another part of the city, with two older men",
        shared_with_police=True,
        police_intelligence_reference="WMP-INT-26-0042",
        police_acknowledged=False,
        offered_within_deadline=True,
        held_within_deadline=True,
        referrals=[],
    )

    offered_at: datetime | None
    offered_how: OfferedHow | None
    declined_at: datetime | None
    declined_by: DeclinedBy | None
    held_at: datetime | None
    held_how: HeldHow | None
    held_by: str | None
    interviewer_is_carer: bool | None
    interviewer_is_social_worker: bool | None
    successful: bool | None
    push_factors: list[str]
    pull_factors: list[str]
    harms: list[str]
    disclosed_indicators: list[str]
    whereabouts: str | None
    shared_with_police: bool | None
    police_intelligence_reference: str | None
    police_acknowledged: bool | None
    offered_within_deadline: bool | None = Field(description="Offered by the due time")
    held_within_deadline: bool | None = Field(description="Held by the due time")
    referrals: list[Referral]
