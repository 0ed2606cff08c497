"""What a missing support worker sends: the offer, a decline, the interview held, a referral.
The API and the pages validate with these same models, so a rule is checked once; the
outcome services (`triage.interviews.outcomes`) take them. Each has an example (OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.notification.fields import control_problem
from triage.notification.vocabulary import Indicator

WHEN = "2026-03-15T09:12:00Z"


def example(**values: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [values]})


OfferedHow = Literal["in_person", "telephone", "letter", "text_message", "through_carer"]
DeclinedBy = Literal["child", "parent", "carer"]
HeldHow = Literal["face_to_face", "telephone"]
ReferralKind = Literal["cass_referral", "step_up_family_support", "strategy_discussion_s47"]
Status = Literal["open", "offered", "held", "declined", "withdrawn"]


class OfferRequest(BaseModel):
    model_config = example(offered_at=WHEN, offered_how="telephone")

    offered_at: datetime = Field(description="When the interview was offered (not in the future)")
    offered_how: OfferedHow


class DeclineRequest(BaseModel):
    model_config = example(
        declined_at=WHEN, declined_by="child", offered_at=WHEN, offered_how="in_person"
    )

    declined_at: datetime
    declined_by: DeclinedBy
    offered_at: datetime | None = Field(
        default=None, description="When it was offered, if no offer is recorded yet"
    )
    offered_how: OfferedHow | None = None


class HeldRequest(BaseModel):
    model_config = example(
        held_at=WHEN,
        held_how="face_to_face",
        interviewer_is_carer=False,
        interviewer_is_social_worker=False,
        successful=True,
        push_factors=["conflict_in_placement"],
        pull_factors=["older_person", "money_or_gifts"],
        harms=["criminal_exploitation"],
        disclosed_indicators=["drugs", "older_controlling_adult"],
        whereabouts="A flat in another part of the city, with two older men",
        shared_with_police=True,
        police_intelligence_reference="WMP-INT-26-0042",
        police_acknowledged=False,
        referrals=["strategy_discussion_s47"],
        offered_at=None,
        offered_how=None,
    )

    held_at: datetime
    held_how: HeldHow
    interviewer_is_carer: bool = Field(
        description="Is the interviewer the child's carer? Must be false: the statutory "
        "guidance asks for an independent interviewer"
    )
    interviewer_is_social_worker: bool = Field(
        description="Is the interviewer the child's allocated social worker? Must be false"
    )
    successful: bool = Field(
        description="A meaningful face-to-face or telephone conversation about the episode "
        "(the reports' definition of a successful interview)"
    )
    push_factors: list[str] = Field(
        default_factory=list, max_length=30, description="Codes of rules/data/rhi_factors.yaml"
    )
    pull_factors: list[str] = Field(default_factory=list, max_length=30)
    harms: list[str] = Field(default_factory=list, max_length=30)
    disclosed_indicators: list[Indicator] = Field(
        default_factory=list,
        description="Indicators the child disclosed: added to the child's history (source: "
        "this interview) and the child's open work is vetted again",
    )
    whereabouts: str | None = Field(
        default=None, max_length=4000, description="Where the child was and with whom"
    )
    shared_with_police: bool = False
    police_intelligence_reference: str | None = Field(
        default=None, max_length=64, description="The reference police gave for what was shared"
    )
    police_acknowledged: bool | None = Field(
        default=None, description="Police acknowledged receiving it"
    )
    referrals: list[ReferralKind] = Field(
        default_factory=list, description="Referrals the interview led to, made on its date"
    )
    offered_at: datetime | None = Field(
        default=None, description="When it was offered, if no offer is recorded yet"
    )
    offered_how: OfferedHow | None = None

    @field_validator("whereabouts", "police_intelligence_reference")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        """No store takes a NUL, and none belongs in what a worker writes."""
        if value is not None and (problem := control_problem(value)) is not None:
            raise ValueError(problem)
        return value


class ReferralRequest(BaseModel):
    model_config = example(kind="cass_referral", made_on=WHEN)

    kind: ReferralKind
    made_on: datetime = Field(description="When the referral was made")
