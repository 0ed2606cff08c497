"""The notification contract: what a police system sends for one missing or absent episode.

Version 1.0. A notification is identified by its police reference: a later notification with the
same reference is a new version of the same episode (for instance, the child has now returned).
The published JSON Schema (`schema/notification.schema.json`) is generated from these models.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from triage.notification.fields import UK, Postcode, UKDate, UKDateTime, code_of
from triage.notification.vocabulary import (
    Classification,
    Ethnicity,
    Indicator,
    LegalStatus,
    PlacementType,
    RiskGrade,
    Sex,
)

SCHEMA_VERSION: Literal["1.0"] = "1.0"
ADULT_AGE = 18

Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][\w/.\-]*$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(max_length=4000)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Companion(_Part):
    """Another child seen missing with this one, by whichever identifier police hold."""

    police_person_id: Identifier | None = Field(default=None, description="The force's person id")
    local_child_id: Identifier | None = Field(default=None, description="The council's child id")

    @model_validator(mode="after")
    def _has_an_identifier(self) -> Self:
        if not (self.police_person_id or self.local_child_id):
            raise PydanticCustomError(
                "companion_identifier", "a companion needs a police_person_id or a local_child_id"
            )
        return self


class Child(_Part):
    """The child the notification is about."""

    local_child_id: Identifier | None = Field(
        default=None, description="The council's own child id, where police know it"
    )
    police_person_id: Identifier | None = Field(
        default=None, description="The force's person id for the child"
    )
    given_name: Name = Field(description="Given name as police recorded it")
    family_name: Name = Field(description="Family name as police recorded it")
    date_of_birth: UKDate = Field(description="Must make the child under 18 at the report")
    sex: Annotated[Sex, code_of(Sex)] = Field(
        description="For fairness monitoring only; never a risk factor"
    )
    ethnicity: Annotated[Ethnicity, code_of(Ethnicity)] = Field(
        default=Ethnicity.NOT_STATED,
        description="ONS high-level group, for fairness monitoring only; never a risk factor",
    )
    home_postcode: Postcode | None = Field(default=None, description="Where the child lives")
    legal_status: Annotated[LegalStatus, code_of(LegalStatus)] = Field(
        default=LegalStatus.NONE, description="Looked after, CP plan, child in need, or none"
    )
    placement_type: Annotated[PlacementType, code_of(PlacementType)] | None = Field(
        default=None, description="Where a looked-after child is placed, by kind"
    )
    responsible_authority: Name | None = Field(
        default=None, description="The local authority responsible for a looked-after child"
    )
    placement_postcode: Postcode | None = Field(
        default=None, description="Postcode of the placement, for a looked-after child"
    )


class Episode(_Part):
    """One missing or absent occurrence, from last seen to return."""

    reported_at: UKDateTime = Field(description="When the episode was reported to police")
    last_seen_at: UKDateTime = Field(description="When the child was last seen")
    last_seen_location: Text | None = Field(default=None, description="Where last seen")
    returned_at: UKDateTime | None = Field(default=None, description="Empty while still missing")
    return_location: Text | None = Field(default=None, description="Where the child was found")
    circumstances: Text = Field(default="", description="Free text, as police wrote it")
    companions: list[Companion] = Field(
        default_factory=list, description="Other children seen missing with this child"
    )
    indicators: list[Annotated[Indicator, code_of(Indicator)]] = Field(
        default_factory=list, description="Risk indicators police ticked (controlled vocabulary)"
    )


class Notification(_Part):
    """One police notification about one child's episode."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        title="Notification",
        json_schema_extra={"$id": "https://schemas.invalid/triage/notification-1.0.json"},
    )

    schema_version: Literal["1.0"] = Field(
        default=SCHEMA_VERSION, description="Version of this contract"
    )
    police_reference: Identifier = Field(description="Unique per episode; resubmission updates it")
    force: Name = Field(description="The police force that sent the notification")
    sent_at: UKDateTime = Field(description="When the police system sent this version")
    police_classification: Annotated[Classification, code_of(Classification)] = Field(
        description="missing or absent, as police recorded it"
    )
    police_risk_grade: Annotated[RiskGrade, code_of(RiskGrade)] = Field(
        description="The police risk grade (College of Policing APP)"
    )
    child: Child = Field(description="The child")
    episode: Episode = Field(description="The episode")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = list(_inconsistencies(self))
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        return self

    @property
    def age_at_report(self) -> int:
        return age_on(self.child.date_of_birth, self.episode.reported_at.astimezone(UK).date())

    @property
    def is_open(self) -> bool:
        return self.episode.returned_at is None


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years of age on `day`."""
    had_birthday = (day.month, day.day) >= (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (0 if had_birthday else 1)


def _problem(
    loc: tuple[str, ...], kind: str, message: str, value: Any, **ctx: Any
) -> InitErrorDetails:
    return InitErrorDetails(
        type=PydanticCustomError(kind, message, ctx or None),
        loc=loc,
        input=value,
    )


# A police record may be stamped a few minutes out of order; more than this is a data error.
_CLOCK_SKEW = timedelta(minutes=15)


def _inconsistencies(n: Notification) -> list[InitErrorDetails]:
    child, episode = n.child, n.episode
    report_day = episode.reported_at.astimezone(UK).date()
    out: list[InitErrorDetails] = []
    if child.date_of_birth > report_day:
        out.append(
            _problem(
                ("child", "date_of_birth"),
                "date_of_birth_future",
                "date of birth {dob} is in the future (after the report on {day})",
                child.date_of_birth,
                dob=child.date_of_birth.isoformat(),
                day=report_day.isoformat(),
            )
        )
    elif (age := age_on(child.date_of_birth, report_day)) >= ADULT_AGE:
        out.append(
            _problem(
                ("child", "date_of_birth"),
                "not_a_child",
                "the person was {age} at the time of the report; only children (under 18) are "
                "notified",
                child.date_of_birth,
                age=age,
            )
        )
    if episode.last_seen_at > episode.reported_at + _CLOCK_SKEW:
        out.append(
            _problem(
                ("episode", "last_seen_at"),
                "seen_after_report",
                "last seen {seen} is after the report {reported}",
                episode.last_seen_at,
                seen=_show(episode.last_seen_at),
                reported=_show(episode.reported_at),
            )
        )
    if episode.returned_at is not None and episode.returned_at < episode.last_seen_at:
        out.append(
            _problem(
                ("episode", "returned_at"),
                "returned_before_last_seen",
                "returned {returned} is before last seen {seen}",
                episode.returned_at,
                returned=_show(episode.returned_at),
                seen=_show(episode.last_seen_at),
            )
        )
    if episode.returned_at is not None and episode.returned_at > n.sent_at + _CLOCK_SKEW:
        out.append(
            _problem(
                ("episode", "returned_at"),
                "returned_after_sent",
                "returned {returned} is after the notification was sent {sent}",
                episode.returned_at,
                returned=_show(episode.returned_at),
                sent=_show(n.sent_at),
            )
        )
    if episode.reported_at > n.sent_at + _CLOCK_SKEW:
        out.append(
            _problem(
                ("episode", "reported_at"),
                "reported_after_sent",
                "reported {reported} is after the notification was sent {sent}",
                episode.reported_at,
                reported=_show(episode.reported_at),
                sent=_show(n.sent_at),
            )
        )
    if episode.returned_at is None and episode.return_location:
        out.append(
            _problem(
                ("episode", "returned_at"),
                "return_location_without_return",
                "a return location is given but no return time",
                None,
            )
        )
    return out


def _show(moment: datetime) -> str:
    return moment.astimezone(UK).strftime("%Y-%m-%d %H:%M %Z")
