"""The pages: sign in, queue, notification (reasons, points, actions, review), child timeline,
and the audit trail for admins. Sign-in is a signed cookie holding the same token the API uses;
every form is checked for its CSRF token; every view of a child's record is audited."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from triage.accounts import CASEWORK, AuthenticationFailed, Role, authenticate
from triage.accounts.roles import DESCRIPTIONS
from triage.api.deps import SESSION_COOKIE, Services, SessionDep, services, user_from_token
from triage.api.problems import ProblemException, as_problem, problem_response
from triage.audit import Actor, export_csv, page_of_events, record
from triage.casework import actions as casework_actions
from triage.casework import reviews
from triage.casework.queue import page_of_queue, teams
from triage.casework.reasons import review_reasons
from triage.casework.records import child_view, notification_view
from triage.decisions.level import ReviewStatus
from triage.errors import CaseworkRefused, FieldError, RecordNotFound
from triage.notification.vocabulary import RiskGrade
from triage.store.tables import EpisodeRecord, ReviewRecord, UserRecord
from triage.web import csrf

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
PER_PAGE = 25


def words(code: object) -> str:
    """A code as words: `return_home_interview` -> "Return home interview"."""
    text = str(code).replace("_", " ")
    return text[:1].upper() + text[1:]


UK = ZoneInfo("Europe/London")


def when(value: datetime | None) -> str:
    """A moment as UK time, as staff read it (stored in UTC)."""
    return value.astimezone(UK).strftime("%d %b %Y %H:%M") if value else ""


def shown(value: object) -> str:
    """An evidence value as words: lists joined, codes spelt out, booleans as yes or no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(shown(item) for item in value) or "none"
    return str(value).replace("_", " ")


def sentence(text: object) -> str:
    """A message as a sentence: capital first letter, the rest as written."""
    value = str(text)
    return value[:1].upper() + value[1:]


def trigger(code: str) -> str:
    """Why a decision was made, as words."""
    if code.startswith("still_missing_") and code.endswith("h"):
        return f"Still missing at {code.removeprefix('still_missing_').removesuffix('h')} hours"
    return {
        "version": "Police sent this version",
        "retry": "Vetted again after vetting failed",
        "revet": "Re-vetted by hand",
    }.get(code, words(code))


templates.env.filters["trigger"] = trigger
templates.env.filters["words"] = words
templates.env.filters["sentence"] = sentence
templates.env.filters["when"] = when
templates.env.filters["shown"] = shown


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


class SignInRequired(Exception):
    """Raised on a page when nobody is signed in: answered by a redirect to the sign-in page."""


def page_user(request: Request, session: SessionDep) -> UserRecord:
    try:
        return user_from_token(request.cookies.get(SESSION_COOKIE), services(request), session)
    except ProblemException as exc:
        raise SignInRequired from exc


def page_roles(*roles: Role) -> Any:
    allowed = frozenset(roles)

    def check(user: Annotated[UserRecord, Depends(page_user)]) -> UserRecord:
        if Role(user.role) not in allowed:
            raise ProblemException(
                403,
                "forbidden",
                "You cannot see this page",
                f"Signed in as {DESCRIPTIONS[Role(user.role)]}: this page is for "
                + " and ".join(DESCRIPTIONS[r] for r in sorted(allowed))
                + ".",
            )
        return user

    return check


CaseUser = Annotated[UserRecord, Depends(page_roles(*CASEWORK))]
AdminUser = Annotated[UserRecord, Depends(page_roles(Role.ADMIN))]


async def checked_form(request: Request) -> FormData:
    form = await request.form()
    secret = services(request).csrf_secret
    submitted = form.get(csrf.FIELD)
    if not csrf.valid(
        secret, request.cookies.get(csrf.COOKIE), submitted if isinstance(submitted, str) else None
    ):
        raise ProblemException(
            403,
            "csrf",
            "This form has expired",
            "The form could not be checked. Go back, reload the page and try again.",
        )
    return form


Form = Annotated[FormData, Depends(checked_form)]


def render(
    request: Request,
    name: str,
    *,
    status_code: int = 200,
    user: UserRecord | None = None,
    **context: Any,
) -> HTMLResponse:
    svc = services(request)
    token = request.cookies.get(csrf.COOKIE)
    fresh = token is None or not csrf.valid(svc.csrf_secret, token, token)
    if fresh:
        token = csrf.new_token(svc.csrf_secret)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "role_name": DESCRIPTIONS.get(Role(user.role)) if user else None,
            "csrf_field": csrf.FIELD,
            "csrf_token": token,
            **context,
        },
        status_code=status_code,
    )
    if fresh:
        response.set_cookie(
            csrf.COOKIE,
            token or "",
            httponly=True,
            samesite="strict",
            secure=svc.settings.secure_cookies,
            path="/",
        )
    return response


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


async def error_handler(request: Request, exc: Exception) -> Response:
    """The API answers problems; pages answer a page (or send people to sign in)."""
    if request.url.path.startswith("/api/"):
        return await problem_response(request, exc)
    problem = as_problem(exc)
    if problem.status == 401:
        return _see_other("/sign-in?next=" + quote(request.url.path))
    return render(request, "error.html", status_code=problem.status, problem=problem)


def sign_in_required(request: Request, exc: Exception) -> Response:
    return _see_other("/sign-in?next=" + quote(request.url.path))


# Sign in and out ----------------------------------------------------------------------------


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "sign_in.html", next=_safe_next(next), errors=[])


@router.post("/sign-in")
def sign_in(request: Request, form: Form, session: SessionDep) -> Response:
    svc = services(request)
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    errors = [
        FieldError(name, f"Enter your {name}")
        for name, value in (("username", username), ("password", password))
        if not value
    ]
    if not errors:
        try:
            user = authenticate(session, username, password)
        except AuthenticationFailed:
            errors = [FieldError("username", "The username or password is not right")]
    if errors:
        return render(
            request, "sign_in.html", status_code=422, next=target, errors=errors, username=username
        )
    now = svc.clock()
    record(
        session,
        Actor.of(user),
        "sign_in",
        record_type="user",
        record_id=user.id,
        now=now,
        via="pages",
    )
    response = _see_other(target)
    response.set_cookie(
        SESSION_COOKIE,
        svc.tokens.issue(user_id=user.id, role=user.role, now=now),
        max_age=int(svc.tokens.lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=svc.settings.secure_cookies,
        path="/",
    )
    return response


@router.post("/sign-out")
def sign_out(request: Request, form: Form, session: SessionDep) -> Response:
    try:
        user = page_user(request, session)
    except SignInRequired:
        user = None
    if user is not None:
        record(
            session,
            Actor.of(user),
            "sign_out",
            record_type="user",
            record_id=user.id,
            now=services(request).clock(),
        )
    response = _see_other("/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(user: Annotated[UserRecord, Depends(page_user)]) -> Response:
    if Role(user.role) in CASEWORK:
        return _see_other("/queue")
    if user.role == Role.ADMIN:
        return _see_other("/audit")
    raise ProblemException(
        403,
        "forbidden",
        "There are no pages for your role",
        f"{DESCRIPTIONS[Role(user.role)]} accounts use the API: see /api/v1/docs.",
    )


# Casework -----------------------------------------------------------------------------------


@router.get("/queue")
def queue_page(
    request: Request,
    session: SessionDep,
    user: CaseUser,
    team: str = "",
    status: str = ReviewStatus.AWAITING_REVIEW.value,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    svc = services(request)
    chosen = ReviewStatus(status) if status in ReviewStatus.__members__.values() else None
    now = svc.clock()
    items, total = page_of_queue(
        session,
        offset=(page - 1) * PER_PAGE,
        limit=PER_PAGE,
        now=now,
        team=team or None,
        status=chosen,
    )
    record(
        session,
        Actor.of(user),
        "view_queue",
        record_type="queue",
        record_id="-",
        now=now,
        team=team,
        status=status,
        page=page,
    )
    return render(
        request,
        "queue.html",
        user=user,
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        team=team,
        status=chosen.value if chosen else "all",
        teams=teams(session),
        statuses=list(ReviewStatus),
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
    )


@router.get("/notifications/{police_reference}")
def notification_page(
    request: Request, session: SessionDep, user: CaseUser, police_reference: str, done: str = ""
) -> HTMLResponse:
    return _notification_page(request, session, user, police_reference, done=done)


@router.post("/notifications/{police_reference}/review")
def review_form(
    request: Request, session: SessionDep, user: CaseUser, police_reference: str, form: Form
) -> Response:
    svc = services(request)
    values = {key: str(value) for key, value in form.items() if key != csrf.FIELD}
    decision = values.get("decision", "")
    level = values.get("level") or None
    try:
        if decision not in ("confirm", "override"):
            raise CaseworkRefused("decision", "Choose whether to confirm or override the level")
        if level is not None and level not in RiskGrade.__members__.values():
            raise CaseworkRefused("level", "Choose a level from the list")
        if not values.get("decision_id", "").isdigit():
            raise CaseworkRefused(
                "decision_id", "The form is missing the decision; reload the page"
            )
        decision_id = int(values["decision_id"])
        reviews.review(
            session,
            police_reference=police_reference,
            decision_id=decision_id,
            reviewer=user,
            confirm=decision == "confirm",
            level=RiskGrade(level) if level else None,
            reason_code=values.get("reason") or None,
            reason_text=values.get("reason_text"),
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
    return _see_other(f"/notifications/{quote(police_reference)}?done=review#reviews")


@router.post("/reviews/{review_id}/agreement")
def agreement_form(
    request: Request, session: SessionDep, user: CaseUser, review_id: int, form: Form
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
    return _see_other(f"/notifications/{quote(reference)}?done=agreement#reviews")


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
    return _see_other(f"/notifications/{quote(police_reference)}?done=action#actions")


@router.get("/children/{child_id}")
def child_page(
    request: Request, session: SessionDep, user: CaseUser, child_id: int
) -> HTMLResponse:
    view = child_view(session, child_id, viewer=user, now=services(request).clock())
    return render(request, "child.html", user=user, view=view)


# Audit ---------------------------------------------------------------------------------------


@router.get("/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    action: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    events, total = page_of_events(
        session, offset=(page - 1) * PER_PAGE, limit=PER_PAGE, action=action or None
    )
    return render(
        request,
        "audit.html",
        user=user,
        events=events,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        action=action,
    )


@router.get("/audit/export.csv")
def audit_export(request: Request, session: SessionDep, user: AdminUser) -> Response:
    svc: Services = services(request)
    record(
        session, Actor.of(user), "export_audit", record_type="audit", record_id="-", now=svc.clock()
    )
    session.flush()
    return Response(
        "".join(export_csv(session)),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
