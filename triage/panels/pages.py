"""The panel chair's pages: children ranked for the city or an area (each place explained),
the meetings, a meeting's page to build the agenda and record attendance, decisions and
actions, "since the last panel" for each child, and the pack (full or for partners). Senior
managers may read (admins may not: these are children's records). Forms carry CSRF tokens,
are checked with the API's own request models, and follow post/redirect/get (a refused form
comes back with its errors and what was typed)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from triage.accounts.roles import Role
from triage.casework.dates import UK, day, moment
from triage.errors import FieldError, Refused
from triage.http import csrf, flash
from triage.http.deps import PageNumber, RecordId, SessionDep, services
from triage.http.pages import PER_PAGE, Form, page_roles, paged, render, see_other, templates
from triage.panels import minutes, schemas
from triage.panels.history import uk_today
from triage.panels.meetings import (
    OUTCOMES,
    MeetingView,
    add_item,
    create_meeting,
    get_or_raise,
    known_area,
    meeting_view,
    page_of_meetings,
    panel_name,
)
from triage.panels.pack import Version, pack_filename, render_pack
from triage.panels.ranking import load_weights, rank_children, ranked_page
from triage.panels.since import since_for
from triage.store.tables import UserRecord

router = APIRouter(include_in_schema=False)
ChairPage = Annotated[UserRecord, Depends(page_roles(Role.PANEL_CHAIR))]
ReaderPage = Annotated[UserRecord, Depends(page_roles(Role.PANEL_CHAIR, Role.SENIOR_MANAGER))]
M = TypeVar("M", bound=BaseModel)
templates.env.filters["govuk_date"] = day
templates.env.filters["govuk_time"] = moment


def _areas(request: Request) -> list[str]:
    return sorted(set(services(request).vetter.rulebook.current.teams.values()))


@router.get("/panels")
def panel_home(
    request: Request, session: SessionDep, user: ReaderPage, area: str = "", page: PageNumber = 1
) -> HTMLResponse:
    """Children ranked for the city panel (or an area's MASE panel), each with why."""
    svc = services(request)
    area = known_area(area[:120], _areas(request)) or ""
    rows, total = ranked_page(
        session,
        viewer=user,
        weights=load_weights(svc.rules_dir),
        area=area or None,
        offset=(page - 1) * PER_PAGE,
        limit=PER_PAGE,
        now=svc.clock(),
    )
    latest, _ = page_of_meetings(session, viewer=user, now=svc.clock(), offset=0, limit=20)
    upcoming = min(
        (m for m in latest if m.meets_at >= svc.clock()), key=lambda m: m.meets_at, default=None
    )
    return render(
        request,
        "panels.html",
        user=user,
        rows=rows,
        first=(page - 1) * PER_PAGE + 1,
        area=area,
        areas=_areas(request),
        upcoming=upcoming,
        panel_name=panel_name,
        **paged(total, page, area=area),
    )


@router.get("/panels/meetings")
def meetings_page(
    request: Request, session: SessionDep, user: ReaderPage, page: PageNumber = 1
) -> Response:
    svc = services(request)
    refused = flash.taken(request)
    rows, total = page_of_meetings(
        session, viewer=user, now=svc.clock(), offset=(page - 1) * PER_PAGE, limit=PER_PAGE
    )
    response = render(
        request,
        "panel_meetings.html",
        user=user,
        rows=rows,
        now=svc.clock(),
        areas=_areas(request),
        panel_name=panel_name,
        errors=refused.errors if refused else [],
        values=refused.values if refused else {},
        **paged(total, page),
    )
    return flash.forget(request, response)


@router.post("/panels/meetings")
def new_meeting(request: Request, session: SessionDep, user: ChairPage, form: Form) -> Response:
    svc = services(request)
    values = _values(form)
    try:
        body = _checked(
            schemas.MeetingRequest,
            {
                "panel": values.get("panel"),
                "area": values.get("area") or None,
                "meets_at": _moment(values.get("date", ""), values.get("time", "")),
            },
            "meeting",
        )
        made = create_meeting(
            session,
            panel=body.panel,
            area=body.area,
            meets_at=body.meets_at,
            areas=_areas(request),
            weights=load_weights(svc.rules_dir),
            by=user,
            now=svc.clock(),
        )
    except Refused as exc:
        return _back(request, "/panels/meetings#meeting", exc, "meeting", values)
    return see_other(f"/panels/meetings/{made.id}?done=created")


@router.get("/panels/meetings/{meeting_id}")
def meeting_page(
    request: Request, session: SessionDep, user: ReaderPage, meeting_id: RecordId, done: str = ""
) -> Response:
    svc = services(request)
    now = svc.clock()
    refused = flash.taken(request)
    weights = load_weights(svc.rules_dir)
    view = meeting_view(session, meeting_id, viewer=user, weights=weights, now=now)
    meeting = view.meeting
    on_agenda = {i.item.child_id for i in view.items}
    candidates = [
        c
        for c in rank_children(
            session,
            weights=weights,
            now=now,
            area=meeting.area if meeting.panel == "mase" else None,
        )
        if c.child_id not in on_agenda
    ][:30]
    response = render(
        request,
        "panel_meeting.html",
        user=user,
        view=view,
        panel=panel_name(meeting.panel, meeting.area),
        candidates=candidates,
        outcomes=OUTCOMES,
        today=uk_today(now),
        done=done,
        chair=user.role == Role.PANEL_CHAIR,
        errors=refused.errors if refused else [],
        values=refused.values if refused else {},
    )
    return flash.forget(request, response)


@router.post("/panels/meetings/{meeting_id}/items")
def new_item(
    request: Request, session: SessionDep, user: ChairPage, meeting_id: RecordId, form: Form
) -> Response:
    values = _values(form)
    kind = values.get("kind", "")
    name = f"add-{kind}" if kind in ("child", "person", "location") else "add-child"
    try:
        body = _checked(schemas.AgendaItemRequest, _blank_as_none(values), name)
        add_item(
            session,
            meeting_id=meeting_id,
            kind=body.kind,
            child_id=body.child_id,
            description=body.description,
            postcode=body.postcode,
            weights=load_weights(services(request).rules_dir),
            by=user,
            now=services(request).clock(),
        )
    except Refused as exc:
        return _back(request, f"/panels/meetings/{meeting_id}#{name}", exc, name, values)
    return see_other(f"/panels/meetings/{meeting_id}?done=item#agenda")


@router.post("/panels/meetings/{meeting_id}/attendance")
def attendance(
    request: Request, session: SessionDep, user: ChairPage, meeting_id: RecordId, form: Form
) -> Response:
    values = _values(form)
    present = {"yes": True, "no": False}.get(values.get("present", ""))
    try:
        body = _checked(schemas.AttendanceRequest, {**values, "present": present}, "attend")
        minutes.record_attendance(
            session,
            meeting_id=meeting_id,
            **body.model_dump(),
            by=user,
            now=services(request).clock(),
        )
    except Refused as exc:
        return _back(request, f"/panels/meetings/{meeting_id}#attend", exc, "attend", values)
    return see_other(f"/panels/meetings/{meeting_id}?done=attendance#attendance")


@router.post("/panels/meetings/{meeting_id}/items/{item_id}/decision")
def decision(
    request: Request,
    session: SessionDep,
    user: ChairPage,
    meeting_id: RecordId,
    item_id: RecordId,
    form: Form,
) -> Response:
    values, name = _values(form), f"decision-{item_id}"
    try:
        body = _checked(schemas.DecisionRequest, values, name)
        minutes.decide(
            session,
            meeting_id=meeting_id,
            item_id=item_id,
            **body.model_dump(),
            by=user,
            now=services(request).clock(),
        )
    except Refused as exc:
        return _back(request, f"/panels/meetings/{meeting_id}#{name}", exc, name, values)
    return see_other(f"/panels/meetings/{meeting_id}?done=decision#item-{item_id}")


@router.post("/panels/meetings/{meeting_id}/items/{item_id}/actions")
def new_action(
    request: Request,
    session: SessionDep,
    user: ChairPage,
    meeting_id: RecordId,
    item_id: RecordId,
    form: Form,
) -> Response:
    values, name = _values(form), f"action-{item_id}"
    try:
        body = _checked(schemas.ActionRequest, values, name)
        minutes.add_action(
            session,
            meeting_id=meeting_id,
            item_id=item_id,
            **body.model_dump(),
            by=user,
            now=services(request).clock(),
        )
    except Refused as exc:
        return _back(request, f"/panels/meetings/{meeting_id}#{name}", exc, name, values)
    return see_other(f"/panels/meetings/{meeting_id}?done=action#item-{item_id}")


@router.post("/panels/meetings/{meeting_id}/actions/{action_id}/status")
def action_status(
    request: Request,
    session: SessionDep,
    user: ChairPage,
    meeting_id: RecordId,
    action_id: RecordId,
    form: Form,
) -> Response:
    values, name = _values(form), f"status-{action_id}"
    try:
        body = _checked(schemas.ActionUpdateRequest, values, name)
        row = minutes.set_action_status(
            session,
            action_id=action_id,
            status=body.status,
            by=user,
            now=services(request).clock(),
            meeting_id=meeting_id,
        )
    except Refused as exc:
        return _back(request, f"/panels/meetings/{meeting_id}#{name}", exc, name, values)
    return see_other(f"/panels/meetings/{meeting_id}?done=status#item-{row.item_id}")


@router.get("/panels/meetings/{meeting_id}/items/{item_id}/since")
def since_page(
    request: Request, session: SessionDep, user: ReaderPage, meeting_id: RecordId, item_id: RecordId
) -> HTMLResponse:
    svc = services(request)
    item, found = since_for(
        session,
        meeting_id,
        item_id,
        viewer=user,
        weights=load_weights(svc.rules_dir),
        now=svc.clock(),
    )
    view = _view(session, meeting_id, user, request)
    (shown,) = [i for i in view.items if i.item.id == item.id]
    return render(
        request,
        "panel_since.html",
        user=user,
        view=view,
        shown=shown,
        since=found,
        panel=panel_name(view.meeting.panel, view.meeting.area),
    )


@router.get("/panels/meetings/{meeting_id}/pack")
def pack(
    request: Request, session: SessionDep, user: ReaderPage, meeting_id: RecordId, version: str = ""
) -> Response:
    svc = services(request)
    chosen: Version = "partners" if version == "partners" else "full"
    pdf = render_pack(
        session,
        meeting_id,
        version=chosen,
        viewer=user,
        weights=load_weights(svc.rules_dir),
        now=svc.clock(),
    )
    filename = pack_filename(get_or_raise(session, meeting_id), chosen)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _view(session: SessionDep, meeting_id: int, user: UserRecord, request: Request) -> MeetingView:
    svc = services(request)
    weights = load_weights(svc.rules_dir)
    return meeting_view(
        session, meeting_id, viewer=user, weights=weights, now=svc.clock(), audited=False
    )


def _values(form: Any) -> dict[str, str]:
    return {k: str(v) for k, v in form.items() if k != csrf.FIELD}


def _blank_as_none(values: dict[str, str]) -> dict[str, Any]:
    return {k: (v.strip() or None) for k, v in values.items()}


def _moment(day: str, time: str) -> str | None:
    """A date and a time typed in UK time, as an aware moment (None if either is not one)."""
    try:
        return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=UK).isoformat()
    except ValueError:
        return None


def _checked(model: type[M], values: dict[str, Any], form: str) -> M:
    """The form as the API's request model, or a refusal naming the first field at fault."""
    try:
        return model.model_validate({k: v for k, v in values.items() if k in model.model_fields})
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        raise Refused(field, schemas.FORM_WORDS.get(field, exc.errors()[0]["msg"])) from None


def _back(request: Request, to: str, exc: Refused, form: str, values: dict[str, str]) -> Response:
    """Post/redirect/get: back to the page with the form as sent and its error, named for the
    form's own field (`<form>-<field>`) so the summary links to it."""
    field = exc.error.field
    refused = flash.Refused(
        [FieldError(f"{form}-{field}", exc.error.problem)], {**values, "form": form}
    )
    # To the page's top: its error summary takes the focus and links to the field.
    answer = flash.redirect(request, to.partition("#")[0], refused)
    if answer is None:  # too big to carry: say so plainly rather than lose what was typed
        raise exc
    return answer
