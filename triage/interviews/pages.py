"""The missing support worker's pages: a team's worklist (overdue, due today, due soon, later,
unallocated) and a task's page to take it and record what happened. The forms are checked
with the API's own request models; a problem is shown in a GOV.UK error summary naming the
field, and every form ends in a redirect (post/redirect/get), a refused one too (the form as
sent travels in `triage.http.flash`'s short-lived cookie)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from triage.accounts.roles import Role
from triage.errors import Conflict, FieldError, Refused
from triage.http import flash
from triage.http.deps import PageNumber, RecordId, SessionDep, services
from triage.http.pages import PER_PAGE, Form, page_roles, paged, render, see_other, words
from triage.interviews import follow, outcomes, service, vocabulary, worklist
from triage.interviews.requests import DeclineRequest, HeldRequest, OfferRequest, ReferralRequest
from triage.interviews.tables import InterviewTask
from triage.notification.vocabulary import Indicator
from triage.store.tables import UserRecord

router = APIRouter(include_in_schema=False)
WorkerUser = Annotated[UserRecord, Depends(page_roles(Role.MISSING_SUPPORT_WORKER))]
DONE = {
    "allocated": "The interview is allocated to you.",
    "offered": "The offer is recorded.",
    "declined": "The decline is recorded.",
    "held": "The interview is recorded.",
    "referral": "The referral is recorded.",
}


def _rules(request: Request) -> service.InterviewRules:
    return service.rules_of(services(request).vetter.rulebook.current)


def _lists(request: Request) -> vocabulary.FactorLists:
    return vocabulary.factor_lists(services(request).rules_dir)


def _teams(request: Request, session: Any) -> list[str]:
    known = sorted(set(services(request).vetter.rulebook.current.teams.values()))
    return sorted(set(known) | set(worklist.teams_with_tasks(session)))


FREE_TEXT = ("whereabouts", "police_intelligence_reference")  # never in the flash cookie
SECTION_TITLES = {
    "overdue": "Overdue",
    "due_today": "Due today",
    "due_soon": "Due soon",
    "later": "Due later",
    "unallocated": "Unallocated",
}


@router.get("/interviews")
def worklist_page(
    request: Request,
    session: SessionDep,
    user: WorkerUser,
    team: str = "",
    show: str = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    """The team's worklist, each section's first rows; `show` names one section to page
    through whole."""
    now = services(request).clock()
    teams = _teams(request, session)
    chosen = team if team in teams else (service.team_of(session, user) or teams[0])
    section: dict[str, Any] = {}
    if show in worklist.SECTIONS:
        rows, total = worklist.page(
            session,
            _rules(request),
            now=now,
            team=chosen,
            due=show,
            offset=(page - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
        section = {"show": show, "rows": rows, **paged(total, page, team=chosen, show=show)}
    return render(
        request,
        "interviews.html",
        user=user,
        now=now,
        teams=teams,
        team=chosen,
        counts=worklist.open_counts(session),
        work=worklist.worklist(session, _rules(request), team=chosen, now=now),
        statuses=vocabulary.STATUSES,
        titles=SECTION_TITLES,
        section=section,
    )


@router.get("/interviews/{task_id}")
def task_page(
    request: Request, session: SessionDep, user: WorkerUser, task_id: RecordId, done: str = ""
) -> Response:
    now = services(request).clock()
    task = service.open_for(session, task_id, viewer=user, now=now)
    refused = flash.taken(request)
    if refused is None:
        return _task(request, session, user, task, now, done=DONE.get(done))
    values: dict[str, Any] = {**refused.values, **refused.lists}
    page = _task(request, session, user, task, now, errors=refused.errors, values=values)
    return flash.forget(request, page)


def _refused(
    request: Request,
    session: Session,
    user: UserRecord,
    task: InterviewTask,
    now: datetime,
    errors: list[FieldError],
    values: dict[str, Any],
) -> Response:
    """Post/redirect/get: back to the task's page with the form as sent and its errors; a
    form with free text in it (where the child was: the cookie is signed, not encrypted), or
    too big to carry, is shown again at once instead."""
    kept = flash.Refused(
        errors,
        {k: v for k, v in values.items() if isinstance(v, str)},
        {k: v for k, v in values.items() if isinstance(v, list)},
    )
    carried = None
    if not any(values.get(name) for name in FREE_TEXT):
        carried = flash.redirect(request, f"/interviews/{task.id}", kept)
    return carried or _task(
        request, session, user, task, now, errors=errors, values=values, status_code=422
    )


def _task(
    request: Request,
    session: Session,
    user: UserRecord,
    task: InterviewTask,
    now: datetime,
    *,
    done: str | None = None,
    errors: list[FieldError] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "interview.html",
        status_code=status_code,
        user=user,
        task=task,
        now=now,
        done=done,
        errors=errors or [],
        values=values or {},
        lists=_lists(request),
        names=vocabulary.LISTS,
        list_titles={
            "push_factors": "What pushed them away (push factors)",
            "pull_factors": "What drew them away (pull factors)",
            "harms": "Harms",
        },
        indicators={i.value: words(i.value) for i in Indicator},
        offered_how=vocabulary.OFFERED_HOW,
        declined_by=vocabulary.DECLINED_BY,
        held_how=vocabulary.HELD_HOW,
        referrals=vocabulary.REFERRALS,
        statuses=vocabulary.STATUSES,
        overdue=task.status in service.OPEN and task.due_at < now,
        withdrawn_why=_withdrawn_why(session, task),
    )


def _withdrawn_why(session: Session, task: InterviewTask) -> str | None:
    """Why a withdrawn task was withdrawn, in words (None for any other)."""
    if task.status != follow.WITHDRAWN:
        return None
    why = follow.withdrawn_why(session, task.id) or "no_longer_asked"
    return vocabulary.WITHDRAWN_WHY.get(why, vocabulary.WITHDRAWN_WHY["no_longer_asked"])


@router.post("/interviews/{task_id}/allocation")
def allocate(
    request: Request, session: SessionDep, user: WorkerUser, task_id: RecordId, form: Form
) -> Response:
    service.allocate(session, task_id, user=user, now=services(request).clock())
    return see_other(f"/interviews/{task_id}?done=allocated")


def _values(form: FormData) -> dict[str, Any]:
    """The form as the request models read it: lists for the checkboxes, yes/no as booleans,
    empty fields left out (so a missing one is named as missing)."""
    values: dict[str, Any] = {}
    for name in (*vocabulary.LISTS, "disclosed_indicators", "referrals"):
        values[name] = [str(v) for v in form.getlist(name)]
    for name in (
        "outcome",
        "offered_at",
        "offered_how",
        "declined_at",
        "declined_by",
        "held_at",
        "held_how",
        "whereabouts",
        "police_intelligence_reference",
        "interviewer_is_carer",
        "interviewer_is_social_worker",
        "successful",
        "shared_with_police",
        "police_acknowledged",
    ):
        value = str(form.get(name, "")).strip()
        if value:
            values[name] = value
    return values


def _errors(exc: ValidationError) -> list[FieldError]:
    found = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "form"
        problem = "answer this question" if error["type"] == "missing" else error["msg"]
        if error["type"].startswith("datetime"):
            problem = "enter a date and time, for example 2026-03-15 14:30"
        found.append(FieldError(name, problem))
    return found


@router.post("/interviews/{task_id}/outcome")
def record_outcome(
    request: Request, session: SessionDep, user: WorkerUser, task_id: RecordId, form: Form
) -> Response:
    svc = services(request)
    now = svc.clock()
    values = _values(form)
    outcome = values.get("outcome")
    task = service.get_or_raise(session, task_id)
    try:
        if outcome == "offered":
            body = OfferRequest(**_only(values, OfferRequest))
            outcomes.record_offer(session, task_id, body, user=user, now=now)
        elif outcome == "declined":
            declined = DeclineRequest(**_only(values, DeclineRequest))
            outcomes.record_decline(session, task_id, declined, user=user, now=now)
        elif outcome == "held":
            outcomes.record_held(
                session,
                task_id,
                HeldRequest(**_only(values, HeldRequest)),
                user=user,
                now=now,
                lists=_lists(request),
                vetter=svc.vetter,
            )
        else:
            raise Refused("outcome", "choose what happened: offered, declined or held")
    except ValidationError as exc:
        return _refused(request, session, user, task, now, _errors(exc), values)
    except (Refused, Conflict) as exc:
        problems = exc.field_errors or [FieldError("outcome", str(exc))]
        return _refused(request, session, user, task, now, problems, values)
    return see_other(f"/interviews/{task_id}?done={outcome}")


def _only(values: dict[str, Any], model: type[Any]) -> dict[str, Any]:
    """The form's values this request model takes (yes/no read as booleans)."""
    fields = model.model_fields
    picked = {k: v for k, v in values.items() if k in fields}
    for name, value in picked.items():
        if value in ("yes", "no"):
            picked[name] = value == "yes"
    return picked


@router.post("/interviews/{task_id}/referrals")
def add_referral(
    request: Request, session: SessionDep, user: WorkerUser, task_id: RecordId, form: Form
) -> Response:
    now = services(request).clock()
    values = {k: str(form.get(k, "")).strip() for k in ("kind", "made_on") if form.get(k)}
    task = service.get_or_raise(session, task_id)
    try:
        outcomes.add_referral(session, task_id, ReferralRequest(**values), user=user, now=now)
    except ValidationError as exc:
        return _refused(request, session, user, task, now, _errors(exc), dict(values))
    except (Refused, Conflict) as exc:
        problems = exc.field_errors or [FieldError("kind", str(exc))]
        return _refused(request, session, user, task, now, problems, dict(values))
    return see_other(f"/interviews/{task_id}?done=referral")
