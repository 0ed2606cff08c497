"""The intelligence API: places ranked as hotspots (analysts: the districts table with small
numbers suppressed), one place with its children and episodes, a place marked a known hotspot
(which the rules read as `known_hotspot`), and the groups of children who go missing together.
What each role sees is views.py's; the services write the audit entries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query
from fastapi import Path as InPath

from triage.accounts.roles import Role
from triage.http.deps import PagingDep, Services, ServicesDep, SessionDep, allow
from triage.http.problems import problem_responses
from triage.intelligence import schemas
from triage.intelligence.hotspots import Order
from triage.intelligence.service import mark_place, place_on_agenda
from triage.intelligence.views import (
    GROUP_READERS,
    MARKERS,
    NAMED,
    PLACE_NAMES,
    PLACE_READERS,
    Asked,
    groups_view,
    place_out,
    place_view,
    places_view,
)
from triage.panels.ranking import load_weights
from triage.reports.service import area_teams
from triage.store.tables import UserRecord

router = APIRouter(prefix="/intelligence", tags=["intelligence"])
PlaceReader = Annotated[UserRecord, Depends(allow(*PLACE_READERS))]
PlaceNamer = Annotated[UserRecord, Depends(allow(*PLACE_NAMES))]
Marker = Annotated[UserRecord, Depends(allow(*MARKERS))]
Chair = Annotated[UserRecord, Depends(allow(Role.PANEL_CHAIR))]
GroupReader = Annotated[UserRecord, Depends(allow(*GROUP_READERS))]
PlaceRef = Annotated[
    str,
    InPath(
        pattern=schemas.PLACE_REF,
        description="A place's ref: 16 lower-case hexadecimal digits, from the places list",
    ),
]


def teams(svc: Services) -> set[str]:
    """The area teams, as the routing table (`rules/data/teams.csv`) names them."""
    return set(area_teams(svc.vetter.rulebook.current.teams))


@router.get("/places", response_model=schemas.PlacesOut, responses=problem_responses(401, 403, 422))
def list_places(
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: PlaceReader,
    area: Annotated[
        str | None, Query(max_length=120, description="An area team (the city if none)")
    ] = None,
    order: Annotated[Order, Query(description="episodes, children, exploitation or recency")] = (
        "episodes"
    ),
) -> schemas.PlacesOut:
    """Places named in the last year ranked by episodes, children, exploitation indicators or
    recency, each with its trend (the last 90 days against the 90 before), for the city or an
    area. Analysts get the districts table instead: postcode districts only, counts under 5
    suppressed with secondary suppression, for the city only. Reading it is audited."""
    asked = Asked(area=area, order=order, offset=paging.offset, limit=paging.per_page)
    return places_view(session, viewer=user, now=svc.clock(), asked=asked, areas=teams(svc))


@router.get(
    "/places/{place_ref}",
    response_model=schemas.PlaceDetailOut,
    responses=problem_responses(401, 403, 404, 422),
)
def read_place(
    place_ref: PlaceRef, session: SessionDep, svc: ServicesDep, user: PlaceNamer
) -> schemas.PlaceDetailOut:
    """One place: the children named there and each time it was named (admins: the place
    only). Reading it is audited with the children's and episodes' ids."""
    return place_view(session, ref=place_ref, viewer=user, now=svc.clock())


@router.post(
    "/places/{place_ref}/status",
    response_model=schemas.PlaceOut,
    responses=problem_responses(401, 403, 404, 422),
)
def place_status(
    place_ref: PlaceRef,
    body: Annotated[schemas.StatusRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Marker,
) -> schemas.PlaceOut:
    """Mark a place a known hotspot (or unmark it), with a note. From now on a child police
    last saw or found there is vetted with the indicator `known_hotspot`, without police
    ticking it. Panel chairs and admins; audited."""
    row = mark_place(
        session, ref=place_ref, status=body.status, note=body.note, by=user, now=svc.clock()
    )
    return place_out(0, row, Role(user.role) in NAMED)


@router.post(
    "/places/{place_ref}/agenda",
    status_code=201,
    response_model=schemas.AgendaOut,
    responses=problem_responses(401, 403, 404, 422),
)
def place_to_agenda(
    place_ref: PlaceRef,
    body: Annotated[schemas.AgendaRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Chair,
) -> schemas.AgendaOut:
    """Put a place on a panel meeting's agenda as a location (its words, and its postcode
    district if it names one); a place is on a meeting's agenda once. Panel chairs; audited."""
    item = place_on_agenda(
        session,
        ref=place_ref,
        meeting_id=body.meeting_id,
        weights=load_weights(svc.rules_dir),
        by=user,
        now=svc.clock(),
    )
    return schemas.AgendaOut(
        meeting_id=item.meeting_id,
        item_id=item.id,
        description=item.description,
        postcode=item.postcode,
    )


@router.get("/groups", response_model=schemas.GroupsOut, responses=problem_responses(401, 403))
def list_groups(session: SessionDep, svc: ServicesDep, user: GroupReader) -> schemas.GroupsOut:
    """Groups of children who go missing together (linked in the last year by a named
    companion, being found at the same place at the same time, or an interview naming an
    associate), largest first: each child's level and exploitation indicators, the group's
    places, every link with its evidence and dates, and what changed since the newest panel
    meeting held. Not for analysts or admins: a group is a handful of named children. Reading
    it is audited."""
    return groups_view(session, viewer=user, now=svc.clock())
