"""The casework pages: the queue, a notification (reasons, points, actions, decisions over
time, the review form), second-person agreement, actions done, a child's timeline."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from triage.casework import actions as casework_actions
from triage.casework import reviews
from triage.casework.glance import at_a_glance
from triage.casework.queue import TO_DO, next_to_do, page_of_children, page_of_queue, teams
from triage.casework.reasons import review_reasons
from triage.casework.records import child_view, notification_view
from triage.casework.schemas import ReviewRequest
from triage.casework.search import search
from triage.decisions.level import ReviewStatus
from triage.errors import CaseworkRefused, FieldError, RecordNotFound
from triage.http import csrf
from triage.http.deps import PageNumber, RecordId, SessionDep, services
from triage.http.pages import PER_PAGE, CaseUser, Form, paged, render, see_other
from triage.notification.vocabulary import RiskGrade
from triage.store.tables import EpisodeRecord, ReviewRecord, UserRecord

router = APIRouter(include_in_schema=False)
M = TypeVar("M", bound=BaseModel)


@router.get("/queue")
def queue_page(
    request: Request,
    session: SessionDep,
    user: CaseUser,
    team: str = "",
    status: str = "to_do",
    missing: str = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    svc = services(request)
    chosen = (
        frozenset({ReviewStatus(status)})
        if status in ReviewStatus.__members__.values()
        else TO_DO
        if status == "to_do"
        else None
    )
    now = svc.clock()
    items, total = page_of_queue(
        session,
        viewer=user,
        offset=(page - 1) * PER_PAGE,
        limit=PER_PAGE,
        now=now,
        team=team or None,
        statuses=chosen,
        still_missing=missing == "yes",
    )
    return render(
        request,
        "queue.html",
        user=user,
        items=items,
        **paged(total, page, team=team, status=status, missing=missing),
        team=team,
        status=status if chosen else "all",
        teams=teams(session),
        statuses=list(ReviewStatus),
        missing=missing == "yes",
        now=now,
    )


@router.get("/queue/children")
def children_queue_page(
    request: Request,
    session: SessionDep,
    user: CaseUser,
    team: str = "",
    missing: str = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    """The queue as one row per child with notifications that need a person."""
    now = services(request).clock()
    items, total = page_of_children(
        session,
        viewer=user,
        offset=(page - 1) * PER_PAGE,
        limit=PER_PAGE,
        now=now,
        team=team or None,
        still_missing=missing == "yes",
    )
    return render(
        request,
        "children_queue.html",
        user=user,
        items=items,
        **paged(total, page, team=team, missing=missing),
        team=team,
        teams=teams(session),
        missing=missing == "yes",
        now=now,
    )


def _notification_page(
    request: Request,
    session: SessionDep,
    user: UserRecord,
    police_reference: str,
    *,
    status_code: int = 200,
    errors: list[FieldError] | None = None,
    values: dict[str, str] | None = None,
    done: str = "",
) -> HTMLResponse:
    svc = services(request)
    now = svc.clock()
    view = notification_view(
        session, police_reference, viewer=user, escalation=svc.escalation, now=now
    )
    return render(
        request,
        "notification.html",
        status_code=status_code,
        user=user,
        view=view,
        now=now,
        reasons=review_reasons(svc.rules_dir).values(),
        levels=[
            level
            for level in RiskGrade
            if level.rank >= RiskGrade(view.episode.police_risk_grade).rank
        ],
        errors=errors or [],
        values=values or {},
        done=done,
        next_item=next_to_do(session, after=police_reference) if done == "review" else None,
    )


@router.get("/notifications/{police_reference}")
def notification_page(
    request: Request, session: SessionDep, user: CaseUser, police_reference: str, done: str = ""
) -> HTMLResponse:
    return _notification_page(request, session, user, police_reference, done=done)


# What to tell a person when the review form's field is missing or not one of its choices.
_FORM_WORDS = {
    "decision": "Choose whether to confirm or override the level",
    "level": "Choose a level from the list",
    "decision_id": "The form is missing the decision; reload the page",
    "reason_text": "Your reasons are too long (at most 4,000 characters)",
}


def _checked(model: type[M], values: dict[str, Any], words: dict[str, str]) -> M:
    """The form as the API's request model, or a refusal naming the first field at fault."""
    try:
        return model.model_validate({k: v for k, v in values.items() if k in model.model_fields})
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        raise CaseworkRefused(field, words.get(field, exc.errors()[0]["msg"])) from None


@router.post("/notifications/{police_reference}/review")
def review_form(
    request: Request, session: SessionDep, user: CaseUser, police_reference: str, form: Form
) -> Response:
    svc = services(request)
    values = {key: str(value) for key, value in form.items() if key != csrf.FIELD}
    try:
        # The API's own request model checks the form, so a rule is written once.
        body = _checked(ReviewRequest, {k: v or None for k, v in values.items()}, _FORM_WORDS)
        reviews.review(
            session,
            police_reference=police_reference,
            decision_id=body.decision_id,
            reviewer=user,
            confirm=body.decision == "confirm",
            level=body.level,
            reason_code=body.reason,
            reason_text=body.reason_text,
            rules_dir=svc.rules_dir,
            now=svc.clock(),
        )
    except CaseworkRefused as exc:
        return _notification_page(
            request,
            session,
            user,
            police_reference,
            status_code=422,
            errors=[exc.error],
            values=values,
        )
    return see_other(f"/notifications/{quote(police_reference)}?done=review#reviews")


@router.post("/reviews/{review_id}/agreement")
def agreement_form(
    request: Request, session: SessionDep, user: CaseUser, review_id: RecordId, form: Form
) -> Response:
    svc = services(request)
    review = session.get(ReviewRecord, review_id)
    if review is None:
        raise RecordNotFound("review", review_id)
    # The record is the review's own episode, never what the form claims.
    reference = session.get_one(EpisodeRecord, review.episode_id).police_reference
    answer = str(form.get("agree", ""))
    try:
        if answer not in ("yes", "no"):
            raise CaseworkRefused("agree", "Choose whether you agree")
        reviews.agree(
            session,
            review_id=review_id,
            by=user,
            agreed=answer == "yes",
            note=str(form.get("note", "")),
            now=svc.clock(),
        )
    except CaseworkRefused as exc:
        return _notification_page(
            request, session, user, reference, status_code=422, errors=[exc.error]
        )
    return see_other(f"/notifications/{quote(reference)}?done=agreement#reviews")


@router.post("/notifications/{police_reference}/actions/{action_type}/complete")
def action_form(
    request: Request,
    session: SessionDep,
    user: CaseUser,
    police_reference: str,
    action_type: str,
    form: Form,
) -> Response:
    try:
        casework_actions.complete(
            session,
            police_reference=police_reference,
            action_type=action_type,
            by=user,
            note=str(form.get("note", "")),
            escalation=services(request).escalation,
            now=services(request).clock(),
        )
    except CaseworkRefused as exc:
        return _notification_page(
            request, session, user, police_reference, status_code=422, errors=[exc.error]
        )
    return see_other(f"/notifications/{quote(police_reference)}?done=action#actions")


@router.get("/search")
def search_page(request: Request, session: SessionDep, user: CaseUser, q: str = "") -> Response:
    """Find a child by police reference, council child id, police id or name. A police
    reference opens its notification at once."""
    results = search(session, q[:200], viewer=user, now=services(request).clock())
    if results.reference is not None and len(results.found) == 1:
        return see_other(f"/notifications/{quote(results.reference, safe='')}")
    return render(request, "search.html", user=user, results=results)


@router.get("/children/{child_id}")
def child_page(
    request: Request, session: SessionDep, user: CaseUser, child_id: RecordId
) -> HTMLResponse:
    now = services(request).clock()
    view = child_view(session, child_id, viewer=user, now=now)
    glance = at_a_glance(session, view, now=now)
    return render(request, "child.html", user=user, view=view, glance=glance)
