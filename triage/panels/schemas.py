"""What the panels API takes and gives: ranked children, meetings with their agenda,
attendance, decisions and actions, and "since the last panel". The pages check their forms
with the same request models. Each model has an example (shown in the OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from triage.http.schemas import REF, WHEN, example
from triage.notification.fields import Words
from triage.panels.meetings import ActionStatus, ItemKind, Outcome, Panel


def _request(*examples: Any) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


class Contribution(BaseModel):
    factor: str = Field(description="What counts: level, recent_episodes, acceleration, ...")
    points: float
    because: str = Field(description="Why, in words")


class RankedChild(BaseModel):
    model_config = example(
        place=1,
        child_id=61,
        name="Jade Collins",
        area="East",
        points=112.4,
        level_in_force="high",
        episodes_recent=3,
        episodes_before=1,
        last_seen_at=WHEN,
        still_missing=True,
        exploitation_indicators=["older_controlling_adult"],
        overdue_actions=1,
        contributions=[
            {"factor": "level", "points": 40, "because": f"Level in force high on {REF}"}
        ],
    )

    place: int = Field(description="1 for the top of the list")
    child_id: int
    name: str
    area: str = Field(description="The team the decision on the child's newest episode chose")
    points: float
    level_in_force: str = Field(description="The highest level in force of recent episodes")
    episodes_recent: int = Field(description="Episodes in the recent window (30 days)")
    episodes_before: int = Field(description="Episodes in the window before it (90 days)")
    last_seen_at: datetime
    still_missing: bool
    exploitation_indicators: list[str]
    overdue_actions: int
    contributions: list[Contribution] = Field(description="What put the child here, largest first")


class MeetingRequest(BaseModel):
    model_config = _request(
        {"panel": "city", "meets_at": "2026-12-10T10:00:00Z"},
        {"panel": "mase", "area": "East", "meets_at": "2026-12-17T14:00:00Z"},
    )

    panel: Panel = Field(description="city (the city panel) or mase (an area's MASE panel)")
    area: Words | None = Field(default=None, max_length=120, description="For a MASE panel")
    meets_at: AwareDatetime = Field(description="When the panel meets (with its time zone)")


class AgendaItemRequest(BaseModel):
    model_config = _request(
        {"kind": "child", "child_id": 61},
        {"kind": "person", "description": "Adult male known as 'T', drives a grey hatchback"},
        {"kind": "location", "description": "Takeaway on the high street", "postcode": "B6 4AA"},
    )

    kind: ItemKind
    child_id: int | None = Field(default=None, ge=1, le=2_147_483_647, description="A child")
    description: Words | None = Field(default=None, max_length=2000)
    postcode: Words | None = Field(default=None, max_length=10, description="A location's")


class AttendanceRequest(BaseModel):
    model_config = _request(
        {"name": "Dev Sharma", "agency": "West Midlands Police", "role": "DS", "present": True}
    )

    name: Words = Field(min_length=1, max_length=100)
    agency: Words = Field(min_length=1, max_length=100)
    role: Words = Field(min_length=1, max_length=100)
    present: bool = Field(description="Present, or sent apologies")


class DecisionRequest(BaseModel):
    model_config = _request(
        {"outcome": "escalate", "text": "Strategy discussion this week; disruption at the flat"}
    )

    outcome: Outcome
    text: Words = Field(min_length=1, max_length=4000, description="What the panel decided")


class ActionRequest(BaseModel):
    model_config = _request(
        {
            "description": "Disruption visit to the address on Coventry Road",
            "owner_agency": "West Midlands Police",
            "owner_person": "DS Dev Sharma",
            "due_on": "2026-12-17",
            "share_with_partners": False,
        }
    )

    description: Words = Field(min_length=1, max_length=2000)
    owner_agency: Words = Field(min_length=1, max_length=100)
    owner_person: Words = Field(min_length=1, max_length=100)
    due_on: date
    share_with_partners: bool = Field(
        default=False,
        description="Whether the partners' pack prints what it says and who owns it (otherwise "
        "only the agency, the due date and the status)",
    )


class ActionUpdateRequest(BaseModel):
    model_config = _request({"status": "done"})

    status: ActionStatus


class Attendee(BaseModel):
    model_config = example(
        attendee_id=3, name="Dev Sharma", agency="West Midlands Police", role="DS", present=True
    )

    attendee_id: int
    name: str
    agency: str
    role: str
    present: bool


class Decision(BaseModel):
    model_config = example(
        decision_id=4, outcome="escalate", text="Strategy discussion this week", decided_at=WHEN
    )

    decision_id: int
    outcome: Outcome
    text: str
    decided_at: datetime


class Action(BaseModel):
    model_config = example(
        action_id=9,
        item_id=12,
        description="Disruption visit to the address on Coventry Road",
        owner_agency="West Midlands Police",
        owner_person="DS Dev Sharma",
        due_on="2026-12-17",
        status="open",
        overdue=False,
        carried=False,
        shared_with_partners=False,
    )

    action_id: int
    item_id: int = Field(description="The agenda item it was set on")
    description: str
    owner_agency: str
    owner_person: str
    due_on: date
    status: ActionStatus = Field(description="As it stood at the meeting, if held before today")
    overdue: bool = Field(description="Open and past due, by the UK date then")
    carried: bool = Field(description="Set at an earlier meeting and still open")
    shared_with_partners: bool = Field(description="The partners' pack prints what it says")


class AgendaItem(BaseModel):
    model_config = example(
        item_id=12,
        kind="child",
        child_id=61,
        child_name="Jade Collins",
        description=None,
        postcode=None,
        level_when_added="high",
        carried_from_id=None,
        decision=None,
        actions=[],
    )

    item_id: int
    kind: ItemKind
    child_id: int | None
    child_name: str | None
    description: str | None
    postcode: str | None
    level_when_added: str | None = Field(description="A child's level when put on the agenda")
    carried_from_id: int | None = Field(description="The earlier item it carries on from")
    decision: Decision | None = Field(description="The newest: it stands")
    actions: list[Action]


class MeetingSummary(BaseModel):
    model_config = example(
        meeting_id=7, panel="mase", area="East", meets_at=WHEN, name="MASE panel, East", items=4
    )

    meeting_id: int
    panel: Panel
    area: str | None
    meets_at: datetime
    name: str
    items: int


class Meeting(MeetingSummary):
    model_config = example(
        meeting_id=7,
        panel="mase",
        area="East",
        meets_at=WHEN,
        name="MASE panel, East",
        items=1,
        agenda=[AgendaItem.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
        attendance=[Attendee.model_config["json_schema_extra"]["examples"][0]],  # type: ignore[index]
    )

    agenda: list[AgendaItem]
    attendance: list[Attendee]


class NewEpisode(BaseModel):
    police_reference: str
    last_seen_at: datetime
    returned_at: datetime | None


class LinkedChild(BaseModel):
    child_id: int
    name: str


class LevelChange(BaseModel):
    at: datetime
    level: str
    by: str
    police_reference: str


class OverdueAction(BaseModel):
    what: str = Field(description="An action code the decisions asked for, or a panel action")
    police_reference: str | None
    panel_action_id: int | None


class SinceLastPanel(BaseModel):
    model_config = example(
        previous_meeting_id=5,
        previous_meets_at=WHEN,
        child_was_on_it=True,
        new_episodes=[{"police_reference": REF, "last_seen_at": WHEN, "returned_at": None}],
        new_indicators=["multiple_phones"],
        new_places=["Found at a flat in the city centre"],
        new_linked_children=[{"child_id": 62, "name": "Leah Hussain"}],
        overdue_actions=[
            {"what": "strategy_discussion", "police_reference": REF, "panel_action_id": None}
        ],
        level_then="medium",
        level_now="high",
        level_changes=[{"at": WHEN, "level": "high", "by": "Sam Patel", "police_reference": REF}],
    )

    previous_meeting_id: int | None = Field(description="None: the panel has not met before")
    previous_meets_at: datetime | None
    child_was_on_it: bool
    new_episodes: list[NewEpisode]
    new_indicators: list[str]
    new_places: list[str] = Field(description="Where last seen or found, as police wrote it")
    new_linked_children: list[LinkedChild]
    overdue_actions: list[OverdueAction]
    level_then: str | None
    level_now: str | None
    level_changes: list[LevelChange] = Field(description="People's reviews since then")


# What to tell a person when a form's field is missing or not one of its choices.
FORM_WORDS = {
    "panel": "Choose the city panel or an area's MASE panel",
    "area": "Choose one of the area teams",
    "meets_at": "Enter the date and time of the meeting, for example 10 December 2026 at 10:00",
    "kind": "Choose what to put on the agenda",
    "child_id": "Choose a child",
    "description": "Enter a description (at most 2,000 characters)",
    "postcode": "Enter a postcode of at most 10 characters",
    "name": "Enter the attendee's name (at most 100 characters)",
    "agency": "Enter the attendee's agency (at most 100 characters)",
    "role": "Enter the attendee's role (at most 100 characters)",
    "present": "Choose present or sent apologies",
    "outcome": "Choose the panel's outcome",
    "text": "Say what the panel decided (at most 4,000 characters)",
    "owner_agency": "Enter the owner's agency (at most 100 characters)",
    "owner_person": "Enter the owner's name (at most 100 characters)",
    "due_on": "Enter the due date as a date, for example 17 December 2026",
    "status": "Choose open, done or cancelled",
}
