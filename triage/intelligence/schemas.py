"""What the intelligence API takes and gives: places ranked as hotspots (or, for analysts, the
districts table with small numbers suppressed), one place with its children and episodes, a
place's status, and the groups of children who go missing together. The pages, the CSV
exports and the CLI show the same models (views.py builds them by role)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from triage.http.schemas import REF, WHEN, example
from triage.intelligence.hotspots import Order
from triage.notification.fields import Words

ShownAs = Literal["places", "districts"]
PLACE_REF = r"^[0-9a-f]{16}$"


def _ex(model: type[BaseModel]) -> Any:
    """A model's own example, to nest in another's."""
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict)
    return extra["examples"][0]  # type: ignore[index]


class PlaceOut(BaseModel):
    model_config = example(
        rank=1,
        ref="3f9a1c0b7d2e4a61",
        label="Bus station, B5 4BU",
        district="B5",
        episodes=6,
        children=4,
        exploitation=1,
        last_at=WHEN,
        recent=4,
        before=2,
        trend="rising",
        status="known_hotspot",
        note="Seen often late at night",
        child_ids=[61, 62, 70, 81],
    )

    rank: int = Field(description="1 for the top of the list asked for; 0 for a place alone")
    ref: str = Field(description="The place's id in URLs (a digest of its key, never its words)")
    label: str = Field(description="The place as police or interviews gave it (most used form)")
    district: str = Field(description='Its postcode district, or "not known"')
    episodes: int = Field(description="Episodes that named it in the last year")
    children: int
    exploitation: int = Field(description="Of those episodes, with an exploitation indicator")
    last_at: datetime = Field(description="When it was last named")
    recent: int = Field(description="Episodes in the last 90 days")
    before: int = Field(description="Episodes in the 90 days before those")
    trend: str = Field(
        description="rising, falling or steady (the last 90 days against the 90 before)"
    )
    status: str = Field(description="none or known_hotspot")
    note: str | None
    child_ids: list[int] | None = Field(
        description="The children named there (None for admins, who see no children)"
    )


class CellOut(BaseModel):
    model_config = example(value=None, shown="fewer than 5", hidden="primary")

    value: int | None = Field(description="None when hidden")
    shown: str = Field(description='The number, "fewer than 5" or "withheld"')
    hidden: str | None = Field(description="primary (under 5), secondary (withheld) or None")


class DistrictOut(BaseModel):
    model_config = example(
        district="B5",
        trend="withheld",
        cells={
            "before": {"value": 12, "shown": "12", "hidden": None},
            "recent": {"value": None, "shown": "fewer than 5", "hidden": "primary"},
        },
    )

    district: str = Field(description='A postcode district, "not known" or "All districts"')
    trend: str = Field(description="rising, falling, steady or withheld")
    cells: dict[str, CellOut] = Field(
        description="before, recent, episodes, children, exploitation (the all-districts row: "
        "the first three)"
    )


class PlacesOut(BaseModel):
    model_config = example(
        shown_as="places",
        area=None,
        order="episodes",
        trend_days=90,
        total=1,
        page=1,
        per_page=50,
        places=[_ex(PlaceOut)],
        districts=[],
    )

    shown_as: ShownAs = Field(
        description="places (names, for MASH workers, panel chairs, senior managers and "
        "admins) or districts (analysts: postcode districts only, counts under 5 suppressed "
        "and any cell the totals would give them away by)"
    )
    area: str | None
    order: Order
    trend_days: int
    total: int = Field(description="Places that match (districts: rows in the table)")
    page: int
    per_page: int
    places: list[PlaceOut]
    districts: list[DistrictOut]


class SightingOut(BaseModel):
    model_config = example(
        episode_id=301,
        police_reference=REF,
        child_id=61,
        source="found",
        source_words="found (police)",
        at=WHEN,
        last_seen_at=WHEN,
        exploitation=["drugs"],
        area="East",
    )

    episode_id: int
    police_reference: str
    child_id: int
    source: str = Field(description="last_seen, found, interview_was or interview_went")
    source_words: str
    at: datetime
    last_seen_at: datetime
    exploitation: list[str]
    area: str = Field(description='The team the newest decision routed to ("" before any)')


class PlaceChildOut(BaseModel):
    model_config = example(child_id=61, name="Jade Collins", episodes=2)

    child_id: int
    name: str
    episodes: int = Field(description="Their episodes that named the place")


class PlaceDetailOut(BaseModel):
    model_config = example(
        place=_ex(PlaceOut),
        children_shown=True,
        children=[_ex(PlaceChildOut)],
        sightings=[_ex(SightingOut)],
    )

    place: PlaceOut
    children_shown: bool = Field(description="False for admins: the place only, no children")
    children: list[PlaceChildOut]
    sightings: list[SightingOut] = Field(description="Each time it was named, newest first")


class StatusRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"status": "known_hotspot", "note": "Seen often late at night"},
                {"status": "none", "note": "Closed since March"},
            ]
        },
    )

    status: Literal["none", "known_hotspot"] = Field(
        description="known_hotspot counts as the indicator known_hotspot for a child police "
        "last saw or found there from now on; none stops it"
    )
    note: Words | None = Field(default=None, max_length=2000)


class EvidenceOut(BaseModel):
    model_config = example(
        kind="found_together",
        words="found at the same place at the same time",
        reference=REF,
        at=WHEN,
        place="Bus station, B5 4BU",
    )

    kind: str = Field(description="named_companion, found_together or named_in_interview")
    words: str
    reference: str = Field(description='A police reference, or "interview <task id>"')
    at: datetime
    place: str | None


class LinkOut(BaseModel):
    model_config = example(
        a=61,
        b=62,
        first_at=WHEN,
        last_at=WHEN,
        new_since_last_panel=True,
        evidence=[_ex(EvidenceOut)],
    )

    a: int = Field(description="A child's id (the lower)")
    b: int
    first_at: datetime
    last_at: datetime
    new_since_last_panel: bool
    evidence: list[EvidenceOut]


class GroupChildOut(BaseModel):
    model_config = example(
        child_id=61,
        name="Jade Collins",
        level="high",
        indicators=["drugs"],
        review_due=False,
        joined_since_last_panel=False,
    )

    child_id: int
    name: str
    level: str | None = Field(description="The highest level in force of their year's episodes")
    indicators: list[str] = Field(description="Exploitation indicators ticked or disclosed")
    review_due: bool = Field(description="Another child in the group shows exploitation")
    joined_since_last_panel: bool


class GroupPlaceOut(BaseModel):
    model_config = example(label="Bus station, B5 4BU", district="B5", children=3)

    label: str
    district: str
    children: int = Field(description="Children of the group named there")


class PanelOut(BaseModel):
    model_config = example(meeting_id=4, name="MASE panel: East", meets_at=WHEN)

    meeting_id: int
    name: str
    meets_at: datetime


class GroupOut(BaseModel):
    model_config = example(
        ref="G61",
        children=[_ex(GroupChildOut)],
        places=[_ex(GroupPlaceOut)],
        links=[_ex(LinkOut)],
        last_panel=_ex(PanelOut),
        joined_since_last_panel=[61],
        new_links=1,
        first_at=WHEN,
        last_at=WHEN,
    )

    ref: str = Field(description="G and its lowest child id (stable while that child stays)")
    children: list[GroupChildOut]
    places: list[GroupPlaceOut] = Field(description="Places two or more of its children named")
    links: list[LinkOut]
    last_panel: PanelOut | None = Field(description="The newest meeting held, if any")
    joined_since_last_panel: list[int] = Field(description="Children first linked since then")
    new_links: int = Field(description="Links first seen since the last panel")
    first_at: datetime
    last_at: datetime


class GroupsOut(BaseModel):
    model_config = example(
        total=1,
        last_panel=_ex(PanelOut),
        groups=[_ex(GroupOut)],
    )

    total: int
    last_panel: PanelOut | None
    groups: list[GroupOut]


class AgendaRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"meeting_id": 4}]})

    meeting_id: int = Field(ge=1, le=2_147_483_647, description="A panel meeting")


class AgendaOut(BaseModel):
    model_config = example(
        meeting_id=4, item_id=17, description="Bus station, B5 4BU", postcode="B5"
    )

    meeting_id: int
    item_id: int
    description: str | None
    postcode: str | None = Field(description="The place's postcode district, if it names one")
