"""The intelligence pages: the hotspot table (analysts: the districts table with small numbers
suppressed), a place with its children and episodes and, for panel chairs and admins, a form
to mark it a known hotspot; the groups of children who go missing together; and both as CSV.
Each shows the models the API answers, built by views.py for the person's role."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi import Path as InPath
from fastapi.responses import HTMLResponse, Response

from triage.accounts.roles import Role
from triage.errors import FieldError, Refused
from triage.http import csrf, flash
from triage.http.deps import PageNumber, SessionDep, services
from triage.http.pages import PER_PAGE, Form, page_roles, paged, render, see_other
from triage.intelligence import schemas
from triage.intelligence.disclosure import COLUMNS
from triage.intelligence.export import groups_csv, places_csv
from triage.intelligence.hotspots import ORDERS, Order
from triage.intelligence.network import KINDS
from triage.intelligence.service import mark_place, place_on_agenda
from triage.intelligence.views import (
    GROUP_READERS,
    MARKERS,
    PLACE_NAMES,
    PLACE_READERS,
    Asked,
    groups_view,
    place_view,
    places_view,
)
from triage.panels.meetings import page_of_meetings, panel_name
from triage.panels.ranking import load_weights
from triage.reports.service import area_teams
from triage.store.tables import UserRecord

router = APIRouter(include_in_schema=False)
PlaceReader = Annotated[UserRecord, Depends(page_roles(*PLACE_READERS))]
PlaceNamer = Annotated[UserRecord, Depends(page_roles(*PLACE_NAMES))]
Marker = Annotated[UserRecord, Depends(page_roles(*MARKERS))]
Chair = Annotated[UserRecord, Depends(page_roles(Role.PANEL_CHAIR))]
GroupReader = Annotated[UserRecord, Depends(page_roles(*GROUP_READERS))]
PlaceRef = Annotated[str, InPath(pattern=schemas.PLACE_REF)]
ORDER_WORDS = {
    "episodes": "Most episodes",
    "children": "Most children",
    "exploitation": "Most exploitation indicators",
    "recency": "Named most recently",
}
COLUMN_WORDS = {
    "before": "Episodes, the 90 days before",
    "recent": "Episodes, the last 90 days",
    "episodes": "Episodes, both",
    "children": "Children",
    "exploitation": "With exploitation indicators",
}


def _teams(request: Request) -> list[str]:
    return sorted(area_teams(services(request).vetter.rulebook.current.teams))


def _order(order: str) -> Order:
    if order not in ORDERS:
        raise Refused("order", "choose episodes, children, exploitation or recency")
    return order


def _places(
    request: Request, session: SessionDep, user: UserRecord, area: str, order: str, page: int
) -> schemas.PlacesOut:
    asked = Asked(
        area=area[:120] or None,
        order=_order(order or "episodes"),
        offset=(page - 1) * PER_PAGE if page else 0,
        limit=PER_PAGE if page else None,
    )
    now = services(request).clock()
    return places_view(session, viewer=user, now=now, asked=asked, areas=_teams(request))


@router.get("/intelligence/places")
def places_page(
    request: Request,
    session: SessionDep,
    user: PlaceReader,
    area: str = "",
    order: str = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    view = _places(request, session, user, area, order, page)
    query = urlencode({k: v for k, v in (("area", view.area), ("order", order)) if v})
    return render(
        request,
        "intelligence_places.html",
        user=user,
        view=view,
        teams=_teams(request),
        orders=ORDER_WORDS,
        columns={c: COLUMN_WORDS[c] for c in COLUMNS},
        csv_query=query,
        **paged(view.total, page, area=view.area or "", order=order),
    )


@router.get("/intelligence/places.csv")
def places_export(
    request: Request, session: SessionDep, user: PlaceReader, area: str = "", order: str = ""
) -> Response:
    view = _places(request, session, user, area, order, 0)
    name = "districts" if view.shown_as == "districts" else "places"
    return Response(
        places_csv(view),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/intelligence/places/{place_ref}")
def place_page(
    request: Request, session: SessionDep, user: PlaceNamer, place_ref: PlaceRef, done: str = ""
) -> Response:
    refused = flash.taken(request)
    now = services(request).clock()
    view = place_view(session, ref=place_ref, viewer=user, now=now)
    chair = Role(user.role) == Role.PANEL_CHAIR
    meetings = []
    if chair:
        latest, _ = page_of_meetings(session, viewer=user, now=now, offset=0, limit=50)
        meetings = sorted((m for m in latest if m.meets_at >= now), key=lambda m: m.meets_at)
    response = render(
        request,
        "intelligence_place.html",
        user=user,
        view=view,
        marker=Role(user.role) in MARKERS,
        chair=chair,
        meetings=meetings,
        panel_name=panel_name,
        done=done,
        errors=refused.errors if refused else [],
        values=refused.values if refused else {},
    )
    return flash.forget(request, response)


@router.post("/intelligence/places/{place_ref}/status")
def place_status(
    request: Request, session: SessionDep, user: Marker, place_ref: PlaceRef, form: Form
) -> Response:
    values = {k: str(v) for k, v in form.items() if k != csrf.FIELD}
    to = f"/intelligence/places/{place_ref}"
    try:
        if values.get("status") not in ("none", "known_hotspot"):
            raise Refused("status", "choose whether it is a known hotspot")
        if len(values.get("note", "")) > 2000:
            raise Refused("note", "write a note of at most 2,000 characters")
        mark_place(
            session,
            ref=place_ref,
            status=values["status"],
            note=values.get("note"),
            by=user,
            now=services(request).clock(),
        )
    except Refused as exc:
        return _back(request, to, "status", exc, values)
    return see_other(f"{to}?done=status#status")


def _back(request: Request, to: str, form: str, exc: Refused, values: dict[str, str]) -> Response:
    """Post/redirect/get: back to the place with the form as sent and its error."""
    refused = flash.Refused(
        [FieldError(f"{form}-{exc.error.field}", exc.error.problem)], {**values, "form": form}
    )
    answer = flash.redirect(request, to, refused)
    if answer is None:  # too big to carry: say so plainly rather than lose what was typed
        raise exc
    return answer


@router.post("/intelligence/places/{place_ref}/agenda")
def place_to_agenda(
    request: Request, session: SessionDep, user: Chair, place_ref: PlaceRef, form: Form
) -> Response:
    values = {k: str(v) for k, v in form.items() if k != csrf.FIELD}
    try:
        chosen = values.get("meeting_id", "")
        if not chosen.isdigit() or not 1 <= int(chosen) <= 2_147_483_647:
            raise Refused("meeting_id", "choose a meeting")
        item = place_on_agenda(
            session,
            ref=place_ref,
            meeting_id=int(chosen),
            weights=load_weights(services(request).rules_dir),
            by=user,
            now=services(request).clock(),
        )
    except Refused as exc:
        return _back(request, f"/intelligence/places/{place_ref}", "agenda", exc, values)
    return see_other(f"/panels/meetings/{item.meeting_id}?done=item#agenda")


@router.get("/intelligence/groups")
def groups_page(request: Request, session: SessionDep, user: GroupReader) -> HTMLResponse:
    view = groups_view(session, viewer=user, now=services(request).clock())
    return render(request, "intelligence_groups.html", user=user, view=view, kinds=KINDS)


@router.get("/intelligence/groups.csv")
def groups_export(request: Request, session: SessionDep, user: GroupReader) -> Response:
    view = groups_view(session, viewer=user, now=services(request).clock())
    return Response(
        groups_csv(view),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="groups.csv"'},
    )
