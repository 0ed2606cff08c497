"""The panels API: children ranked for a panel, meetings with their agenda, attendance,
decisions and multi-agency actions, "since the last panel", and the pack as a PDF. Panel
chairs do everything; senior managers may read (admins may not: the panels show children's
records). Audit entries are written by the panels' services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from triage.accounts.roles import Role
from triage.http.deps import PagingDep, RecordId, Services, ServicesDep, SessionDep, allow
from triage.http.problems import problem_responses
from triage.http.schemas import Page
from triage.panels import convert, minutes, schemas
from triage.panels.history import uk_today
from triage.panels.meetings import (
    MeetingView,
    add_item,
    create_meeting,
    get_or_raise,
    known_area,
    meeting_view,
    page_of_meetings,
)
from triage.panels.pack import pack_filename, render_pack
from triage.panels.ranking import load_weights, ranked_page
from triage.panels.since import since_for
from triage.store.tables import UserRecord

router = APIRouter(prefix="/panels", tags=["panels"])
CHAIR = allow(Role.PANEL_CHAIR)
READ = allow(Role.PANEL_CHAIR, Role.SENIOR_MANAGER)
Chair = Annotated[UserRecord, Depends(CHAIR)]
Reader = Annotated[UserRecord, Depends(READ)]
ANSWERS = problem_responses(401, 403, 404, 422)


@router.get("/children", response_model=Page[schemas.RankedChild], responses=ANSWERS)
def ranked_children(
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Reader,
    area: Annotated[str | None, Query(max_length=120, description="An area's MASE list")] = None,
) -> Page[schemas.RankedChild]:
    """Children ranked by a child-level risk (the city, or one area team: any case), each with
    what put them there. The weights are `rules/data/panel-ranking.yaml`. The viewing is
    audited."""
    rows, total = ranked_page(
        session,
        viewer=user,
        weights=load_weights(svc.rules_dir),
        area=known_area(area, _areas(svc)),
        offset=paging.offset,
        limit=paging.per_page,
        now=svc.clock(),
    )
    return paging.of(
        [convert.ranked(paging.offset + n, r) for n, r in enumerate(rows, start=1)], total
    )


@router.post("/meetings", status_code=201, response_model=schemas.Meeting, responses=ANSWERS)
def new_meeting(
    body: Annotated[schemas.MeetingRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Chair,
) -> schemas.Meeting:
    """Create a meeting of the city panel or an area's MASE panel. Subjects with actions still
    open from the panel's earlier meetings are put on its agenda."""
    now = svc.clock()
    meeting = create_meeting(
        session,
        panel=body.panel,
        area=body.area,
        meets_at=body.meets_at,
        areas=_areas(svc),
        weights=load_weights(svc.rules_dir),
        by=user,
        now=now,
    )
    return convert.meeting(_view(session, meeting.id, user, svc, now), uk_today(now))


@router.get("/meetings", response_model=Page[schemas.MeetingSummary], responses=ANSWERS)
def list_meetings(
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Reader,
    panel: Literal["city", "mase"] | None = None,
    area: Annotated[str | None, Query(max_length=120)] = None,
) -> Page[schemas.MeetingSummary]:
    """Meetings, the latest first (of one panel, if asked)."""
    rows, total = page_of_meetings(
        session,
        viewer=user,
        now=svc.clock(),
        offset=paging.offset,
        limit=paging.per_page,
        panel=panel,
        area=known_area(area, _areas(svc)),
    )
    return paging.of([convert.summary(m) for m in rows], total)


@router.get("/meetings/{meeting_id}", response_model=schemas.Meeting, responses=ANSWERS)
def read_meeting(
    meeting_id: RecordId, session: SessionDep, svc: ServicesDep, user: Reader
) -> schemas.Meeting:
    """A meeting with its agenda (each item's decision and actions, open ones carried from
    earlier meetings) and attendance. A meeting held before today shows its actions as they
    stood at the end of its day."""
    now = svc.clock()
    view = meeting_view(
        session, meeting_id, viewer=user, weights=load_weights(svc.rules_dir), now=now
    )
    return convert.meeting(view, uk_today(now))


@router.post(
    "/meetings/{meeting_id}/items",
    status_code=201,
    response_model=schemas.AgendaItem,
    responses=ANSWERS,
)
def new_item(
    meeting_id: RecordId,
    body: Annotated[schemas.AgendaItemRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Chair,
) -> schemas.AgendaItem:
    """Put a child, a person of concern (described in words) or a location (words, a postcode
    or both) on the agenda."""
    now = svc.clock()
    item = add_item(
        session,
        meeting_id=meeting_id,
        kind=body.kind,
        child_id=body.child_id,
        description=body.description,
        postcode=body.postcode,
        weights=load_weights(svc.rules_dir),
        by=user,
        now=now,
    )
    return _item(session, meeting_id, item.id, user, svc, now)


@router.get(
    "/meetings/{meeting_id}/items/{item_id}/since",
    response_model=schemas.SinceLastPanel,
    responses=ANSWERS,
)
def since(
    meeting_id: RecordId, item_id: RecordId, session: SessionDep, svc: ServicesDep, user: Reader
) -> schemas.SinceLastPanel:
    """What changed for the item's child since the panel last met about them."""
    _item_row, found = since_for(
        session,
        meeting_id,
        item_id,
        viewer=user,
        weights=load_weights(svc.rules_dir),
        now=svc.clock(),
    )
    return convert.since(found)


@router.post(
    "/meetings/{meeting_id}/attendance",
    status_code=201,
    response_model=schemas.Attendee,
    responses=ANSWERS,
)
def attendance(
    meeting_id: RecordId,
    body: Annotated[schemas.AttendanceRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Chair,
) -> schemas.Attendee:
    """Record who attended, or sent apologies."""
    row = minutes.record_attendance(
        session, meeting_id=meeting_id, **body.model_dump(), by=user, now=svc.clock()
    )
    return schemas.Attendee(
        attendee_id=row.id, name=row.name, agency=row.agency, role=row.role, present=row.present
    )


@router.post(
    "/meetings/{meeting_id}/items/{item_id}/decisions",
    status_code=201,
    response_model=schemas.AgendaItem,
    responses=ANSWERS,
)
def decision(
    meeting_id: RecordId,
    item_id: RecordId,
    body: Annotated[schemas.DecisionRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Chair,
) -> schemas.AgendaItem:
    """Record the panel's decision on an item (a later one stands; the earlier is kept)."""
    now = svc.clock()
    minutes.decide(
        session, meeting_id=meeting_id, item_id=item_id, **body.model_dump(), by=user, now=now
    )
    return _item(session, meeting_id, item_id, user, svc, now)


@router.post(
    "/meetings/{meeting_id}/items/{item_id}/actions",
    status_code=201,
    response_model=schemas.Action,
    responses=ANSWERS,
)
def new_action(
    meeting_id: RecordId,
    item_id: RecordId,
    body: Annotated[schemas.ActionRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Chair,
) -> schemas.Action:
    """Set a multi-agency action with its owner (agency and person) and due date, and whether
    the partners' pack prints what it says (not unless asked)."""
    now = svc.clock()
    row = minutes.add_action(
        session, meeting_id=meeting_id, item_id=item_id, **body.model_dump(), by=user, now=now
    )
    return convert.action(row, item_id, uk_today(now))


@router.patch("/actions/{action_id}", response_model=schemas.Action, responses=ANSWERS)
def update_action(
    action_id: RecordId,
    body: Annotated[schemas.ActionUpdateRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Chair,
) -> schemas.Action:
    """Mark an action done or cancelled (or open again)."""
    now = svc.clock()
    row = minutes.set_action_status(
        session, action_id=action_id, status=body.status, by=user, now=now
    )
    return convert.action(row, row.item_id, uk_today(now))


@router.get(
    "/meetings/{meeting_id}/pack",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {"example": "%PDF-1.7 ..."}},
            "description": "The panel pack: cover with protective marking, one section per "
            "agenda item; `version=partners` leaves out free text (an action's words and owner "
            "only if the chair shared it)",
        },
        **ANSWERS,
    },
)
def pack(
    meeting_id: RecordId,
    session: SessionDep,
    svc: ServicesDep,
    user: Reader,
    version: Annotated[
        Literal["full", "partners"],
        Query(description="full, or partners (for agencies outside the service: no free text)"),
    ] = "full",
) -> Response:
    """The meeting's pack as a PDF. Making it is audited."""
    now = svc.clock()
    pdf = render_pack(
        session,
        meeting_id,
        version=version,
        viewer=user,
        weights=load_weights(svc.rules_dir),
        now=now,
    )
    filename = pack_filename(get_or_raise(session, meeting_id), version)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _areas(svc: Services) -> set[str]:
    """The area teams, as the routing table (`rules/data/teams.csv`) names them."""
    return set(svc.vetter.rulebook.current.teams.values())


def _view(
    session: Session, meeting_id: int, user: UserRecord, svc: Services, now: datetime
) -> MeetingView:
    weights = load_weights(svc.rules_dir)
    return meeting_view(session, meeting_id, viewer=user, weights=weights, now=now, audited=False)


def _item(
    session: Session,
    meeting_id: int,
    item_id: int,
    user: UserRecord,
    svc: Services,
    now: datetime,
) -> schemas.AgendaItem:
    view = _view(session, meeting_id, user, svc, now)
    (found,) = [i for i in view.items if i.item.id == item_id]
    return convert.item(found, uk_today(now))
