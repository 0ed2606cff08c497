"""The casework pages: the queue, a notification (reasons, points, actions, decisions over
time, the review form), second-person agreement, actions done, a child's timeline."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from triage.casework import actions as casework_actions
from triage.casework import reviews, settling
from triage.casework.by_child import ChildFilters, next_in_queue, page_by_child
from triage.casework.glance import at_a_glance
from triage.casework.queue import TO_DO, page_of_queue, teams
from triage.casework.reasons import review_reasons
from triage.casework.records import child_history, child_view, notification_view
from triage.casework.schemas import ReviewRequest
from triage.casework.search import search
from triage.casework.settling import supersedable
from triage.decisions.level import ReviewStatus
from triage.errors import CaseworkRefused, RecordNotFound
from triage.http import csrf, flash
from triage.http.deps import PageNumber, RecordId, SessionDep, services
from triage.http.pages import PER_PAGE, CaseUser, Form, paged, render, see_other
from triage.interviews import worklist as interview_tasks
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
    level: str = "",
    status: str = "to_do",
    missing: str = "",
    overdue: str = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    """The MASH worker's queue: one row for each child with open work, most urgent first."""
    now = services(request).clock()
    chosen = _statuses(status) or TO_DO
    filters = ChildFilters(
        team=team or None,
        level=RiskGrade(level) if level in RiskGrade.__members__.values() else None,
        still_missing=missing == "yes",
        overdue=overdue == "yes",
        statuses=chosen & TO_DO or TO_DO,
    )
    items, total = page_by_child(
        session,
        viewer=user,
        offset=(page - 1) * PER_PAGE,
        limit=PER_PAGE,
        now=now,
        filters=filters,
    )
    return render(
        request,
        "children_queue.html",
        user=user,
        items=items,
        **paged(
            total, page, team=team, level=level, status=status, missing=missing, overdue=overdue
        ),
        filters=filters,
        status=status if status in TO_DO else "to_do",
        teams=teams(session),
        levels=list(RiskGrade),
        statuses=[s for s in ReviewStatus if s in TO_DO],
        now=now,
    )


def _statuses(status: str) -> frozenset[ReviewStatus] | None:
    """The review statuses a queue's status filter names ("to_do": all that need a person;
    "all" or anything else: None, every status)."""
    if status in ReviewStatus.__members__.values():
        return frozenset({ReviewStatus(status)})
    return TO_DO if status == "to_do" else None


@router.get("/queue/notifications")
def notifications_queue_page(
    request: Request,
    session: SessionDep,
    user: CaseUser,
    team: str = "",
    status: str = "to_do",
    missing: str = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    """Every notification in the queue's order, one row each (the list before the queue by
    child, still there for a worker who wants it)."""
    now = services(request).clock()
    chosen = _statuses(status)
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


def _notification_page(
    request: Request,
    session: SessionDep,
    user: UserRecord,
    police_reference: str,
    *,
    status_code: int = 200,
    refused: flash.Refused | None = None,
    done: str = "",
) -> HTMLResponse:
    svc = services(request)
    now = svc.clock()
    view = notification_view(
        session, police_reference, viewer=user, escalation=svc.escalation, now=now
    )
    glance = at_a_glance(session, child_history(session, view.child.id), now=now)
    return render(
        request,
        "notification.html",
        status_code=status_code,
        user=user,
        view=view,
        glance=glance,
        now=now,
        reasons=review_reasons(svc.rules_dir).values(),
        levels=[
            level
            for level in RiskGrade
            if level.rank >= RiskGrade(view.episode.police_risk_grade).rank
        ],
        errors=refused.errors if refused else [],
        values=refused.values if refused else {},
        done=done,
        settleable=supersedable(session, view.episode),
        settle_values=refused.lists.get("settle", []) if refused else [],
        next_item=next_in_queue(session, after=police_reference, now=now)
        if done == "review"
        else None,
    )


@router.get("/notifications/{police_reference}")
def notification_page(
    request: Request, session: SessionDep, user: CaseUser, police_reference: str, done: str = ""
) -> HTMLResponse:
    page = _notification_page(
        request, session, user, police_reference, refused=flash.taken(request), done=done
    )
    return flash.forget(request, page)


def _refused(
    request: Request,
    session: SessionDep,
    user: UserRecord,
    police_reference: str,
    refused: flash.Refused,
) -> Response:
    """Post/redirect/get: back to the notification with the form as sent and its errors, the
    error summary at the top taking the focus (or, for a form too big to carry, the page at
    once)."""
    return flash.redirect(
        request, f"/notifications/{quote(police_reference)}", refused
    ) or _notification_page(
        request, session, user, police_reference, status_code=422, refused=refused
    )


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
        body = _checked(
            ReviewRequest,
            {**{k: v or None for k, v in values.items()}, "settle": form.getlist("settle")},
            _FORM_WORDS,
        )
        settling.review_settling(
            session,
            police_reference=police_reference,
            request=body,
            reviewer=user,
            rules_dir=svc.rules_dir,
            now=svc.clock(),
        )
    except CaseworkRefused as exc:
        settle = form.getlist("settle")
        kept = flash.Refused([exc.error], values, {"settle": [str(s) for s in settle]})
        return _refused(request, session, user, police_reference, kept)
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
        return _refused(request, session, user, reference, flash.Refused([exc.error]))
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
        refused = flash.Refused([exc.error])
        return _refused(request, session, user, police_reference, refused)
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
    interviews = interview_tasks.of_child(session, child_id)
    return render(request, "child.html", user=user, view=view, glance=glance, interviews=interviews)
