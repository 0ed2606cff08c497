"""What each role sees of places and groups, built once for the API, the pages, the CSV
exports and the CLI (so that all four follow the same disclosure rules).

- MASH workers, panel chairs and senior managers (`NAMED`) see places by name with their
  children (ids here, names on a place's own page), and the groups with their children.
- Admins see places by name with their counts and status, so that they can mark one a known
  hotspot, but no children (a place's page shows the place only) and no groups.
- Analysts see places only as the districts table for sharing (disclosure.py): postcode
  districts, counts under 5 suppressed and any cell a total would give them away by. They see
  it for the city only: an area's table could be subtracted from the city's to recover a
  small count, so `area` is refused for them. They see no groups: a group is a handful of
  children, whose every count would be under 5, and its members are the very thing withheld.
- Police feeds and missing support workers see neither.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from triage.accounts.roles import Role
from triage.errors import Refused
from triage.http.problems import ProblemException
from triage.intelligence import schemas
from triage.intelligence.groups import Group, find_groups
from triage.intelligence.hotspots import TREND_DAYS, Order
from triage.intelligence.network import KINDS
from triage.intelligence.service import (
    PlaceRow,
    Viewer,
    as_actor,
    districts,
    hotspots,
    place_detail,
)
from triage.intelligence.sightings import SOURCES
from triage.panels.meetings import known_area, panel_name
from triage.panels.tables import PanelMeeting

NAMED = frozenset({Role.MASH_WORKER, Role.PANEL_CHAIR, Role.SENIOR_MANAGER})
PLACE_NAMES = NAMED | {Role.ADMIN}
PLACE_READERS = PLACE_NAMES | {Role.ANALYST}
MARKERS = frozenset({Role.PANEL_CHAIR, Role.ADMIN})
GROUP_READERS = NAMED


@dataclass(frozen=True, slots=True)
class Asked:
    """What was asked of the places view: an area (None for the city), an order, a page."""

    area: str | None = None
    order: Order = "episodes"
    offset: int = 0
    limit: int | None = None  # None: every place

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1


def role_of(viewer: Viewer) -> Role:
    return Role(as_actor(viewer).role)


def forbidden(role: Role, allowed: Collection[Role], what: str) -> ProblemException:
    return ProblemException(
        403,
        "forbidden",
        "Your role may not do this",
        f"{role.value} may not see {what}; this needs one of: "
        + ", ".join(sorted(r.value for r in allowed)),
    )


def checked_area(area: str | None, areas: Collection[str], role: Role) -> str | None:
    """The area as the routing table spells it (None for the city); refused for analysts."""
    chosen = known_area(area, areas)
    if chosen is not None and role == Role.ANALYST:
        raise Refused(
            "area",
            "analysts see the city's districts table only (an area's could be subtracted from "
            "the city's to recover a suppressed count)",
        )
    return chosen


def places_view(
    session: Session, *, viewer: Viewer, now: datetime, asked: Asked, areas: Collection[str]
) -> schemas.PlacesOut:
    """The hotspot view as `viewer`'s role may see it (audited by the services)."""
    role = role_of(viewer)
    if role not in PLACE_READERS:
        raise forbidden(role, PLACE_READERS, "places")
    area = checked_area(asked.area, areas, role)
    if role == Role.ANALYST:
        rows = districts(session, viewer=viewer, now=now)
        table = [
            schemas.DistrictOut(
                district=r.district,
                trend=r.trend,
                cells={
                    k: schemas.CellOut(value=c.value, shown=c.shown, hidden=c.hidden)
                    for k, c in r.cells.items()
                },
            )
            for r in rows
        ]
        return schemas.PlacesOut(
            shown_as="districts",
            total=len(table),
            per_page=len(table),
            places=[],
            districts=table,
            area=area,
            order=asked.order,
            trend_days=TREND_DAYS,
            page=asked.page,
        )
    ranked = hotspots(session, viewer=viewer, now=now, order=asked.order, area=area)
    end = None if asked.limit is None else asked.offset + asked.limit
    with_children = role in NAMED
    return schemas.PlacesOut(
        shown_as="places",
        total=len(ranked),
        per_page=asked.limit or len(ranked),
        places=[
            place_out(asked.offset + n, row, with_children)
            for n, row in enumerate(ranked[asked.offset : end], start=1)
        ],
        districts=[],
        area=area,
        order=asked.order,
        trend_days=TREND_DAYS,
        page=asked.page,
    )


def place_out(rank: int, row: PlaceRow, with_children: bool) -> schemas.PlaceOut:
    spot = row.spot
    return schemas.PlaceOut(
        rank=rank,
        ref=row.ref,
        label=spot.label,
        district=spot.district,
        episodes=spot.episodes,
        children=spot.children,
        exploitation=spot.exploitation,
        last_at=spot.last_at,
        recent=spot.recent,
        before=spot.before,
        trend=spot.trend,
        status=row.status,
        note=row.note,
        child_ids=sorted(spot.child_ids) if with_children else None,
    )


def place_view(
    session: Session, *, ref: str, viewer: Viewer, now: datetime
) -> schemas.PlaceDetailOut:
    """One place: its children and each time it was named (admins: the place only)."""
    role = role_of(viewer)
    if role not in PLACE_NAMES:
        raise forbidden(role, PLACE_NAMES, "a place (analysts see districts only)")
    named = role in NAMED
    detail = place_detail(session, ref=ref, viewer=viewer, now=now, shown=named)
    place = place_out(0, detail.row, named)
    if not named:
        return schemas.PlaceDetailOut(place=place, children_shown=False, children=[], sightings=[])
    per_child = Counter(
        s.child_id for s in {(s.child_id, s.episode_id): s for s in detail.sightings}.values()
    )
    return schemas.PlaceDetailOut(
        place=place,
        children_shown=True,
        children=[
            schemas.PlaceChildOut(child_id=c, name=detail.names.get(c, ""), episodes=n)
            for c, n in sorted(
                per_child.items(), key=lambda kv: (-kv[1], detail.names.get(kv[0], ""))
            )
        ],
        sightings=[
            schemas.SightingOut(
                episode_id=s.episode_id,
                police_reference=s.police_reference,
                child_id=s.child_id,
                source=s.source,
                source_words=SOURCES[s.source],
                at=s.at,
                last_seen_at=s.last_seen_at,
                exploitation=sorted(s.exploitation),
                area=s.area,
            )
            for s in detail.sightings
        ],
    )


def groups_view(session: Session, *, viewer: Viewer, now: datetime) -> schemas.GroupsOut:
    """Every group with its children, places, links and what changed since the last panel."""
    role = role_of(viewer)
    if role not in GROUP_READERS:
        raise forbidden(
            role,
            GROUP_READERS,
            "groups (a group is a handful of named children: no count of it can be shared)",
        )
    found = find_groups(session, viewer=viewer, now=now)
    panel = found[0].last_panel if found else None
    return schemas.GroupsOut(
        total=len(found),
        last_panel=_panel(panel) if panel else None,
        groups=[group_out(g) for g in found],
    )


def _panel(meeting: PanelMeeting) -> schemas.PanelOut:
    return schemas.PanelOut(
        meeting_id=meeting.id,
        name=panel_name(meeting.panel, meeting.area),
        meets_at=meeting.meets_at,
    )


def group_out(group: Group) -> schemas.GroupOut:
    since = group.last_panel.meets_at if group.last_panel else None
    return schemas.GroupOut(
        ref=group.ref,
        children=[
            schemas.GroupChildOut(
                child_id=c.child_id,
                name=c.name,
                level=c.level,
                indicators=c.indicators,
                review_due=c.review_due,
                joined_since_last_panel=c.joined_since_last_panel,
            )
            for c in group.children
        ],
        places=[
            schemas.GroupPlaceOut(label=p.label, district=p.district, children=p.children)
            for p in group.places
        ],
        links=[
            schemas.LinkOut(
                a=k.a,
                b=k.b,
                first_at=k.first_at,
                last_at=k.last_at,
                new_since_last_panel=since is not None and k.first_at > since,
                evidence=[
                    schemas.EvidenceOut(
                        kind=e.kind,
                        words=KINDS[e.kind],
                        reference=e.reference,
                        at=e.at,
                        place=e.place,
                    )
                    for e in k.evidence
                ],
            )
            for k in group.links
        ],
        last_panel=_panel(group.last_panel) if group.last_panel else None,
        joined_since_last_panel=[c.child_id for c in group.children if c.joined_since_last_panel],
        new_links=group.new_links,
        first_at=min(k.first_at for k in group.links),
        last_at=max(k.last_at for k in group.links),
    )
