"""Signing in and out of the pages, and where each role starts."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from triage.accounts import service as accounts
from triage.accounts.roles import CASEWORK, DESCRIPTIONS, Role
from triage.errors import AccountLocked, AuthenticationFailed, FieldError, Throttled
from triage.http import flash
from triage.http.deps import SESSION_COOKIE, SessionDep, address, claims_of, services
from triage.http.pages import (
    Form,
    SignInRequired,
    page_user,
    render,
    safe_next,
    see_other,
)
from triage.http.problems import ProblemException
from triage.intake import receipts
from triage.store.tables import UserRecord

router = APIRouter(include_in_schema=False)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> HTMLResponse:
    refused = flash.taken(request)
    page = render(
        request,
        "sign_in.html",
        next=safe_next(next),
        errors=refused.errors if refused else [],
        username=refused.values.get("username", "") if refused else "",
    )
    return flash.forget(request, page)


@router.post("/sign-in")
def sign_in(request: Request, form: Form, session: SessionDep) -> Response:
    svc = services(request)
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    errors = [
        FieldError(name, f"Enter your {name}")
        for name, value in (("username", username), ("password", password))
        if not value
    ]
    if not errors:
        try:
            user = accounts.sign_in(
                session,
                username,
                password,
                via="pages",
                address=address(request),
                throttle=svc.throttle,
                now=svc.clock(),
            )
        except AccountLocked:
            errors = [FieldError("username", "This account is locked: ask an admin to unlock it")]
        except Throttled:
            errors = [FieldError("username", "Too many attempts: wait a minute and try again")]
        except AuthenticationFailed:
            errors = [FieldError("username", "The username or password is not right")]
    if errors:  # post/redirect/get: a refresh never sends the password again
        again = f"/sign-in?next={quote(target, safe='')}"
        kept = flash.Refused(errors, {"username": username[:200]})
        return flash.redirect(request, again, kept) or render(
            request, "sign_in.html", status_code=422, next=target, errors=errors, username=username
        )
    now = svc.clock()
    response = see_other(target)
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
    svc = services(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    try:
        user = page_user(request, session)
        claims = claims_of(cookie, svc, session)
    except SignInRequired:
        user = None
    if user is not None:
        accounts.sign_out(session, user, token=claims, now=svc.clock())
    response = see_other("/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(
    request: Request, session: SessionDep, user: Annotated[UserRecord, Depends(page_user)]
) -> Response:
    """Where each role starts: panel chairs at the panel's ranked children, casework at the
    queue, admins at the audit trail, missing support workers at their team's interviews, and
    the roles that work through the API at a page of what they can use."""
    if user.role == Role.PANEL_CHAIR:
        return see_other("/panels")
    if Role(user.role) in CASEWORK:
        return see_other("/queue")
    if user.role == Role.ADMIN:
        return see_other("/audit")
    if user.role == Role.MISSING_SUPPORT_WORKER:
        return see_other("/interviews")
    if user.role == Role.POLICE_FEED:
        rows, total = receipts.page_of(session, by=user, offset=0, limit=10)
        return render(request, "home_police.html", user=user, receipts=rows, total=total)
    if user.role == Role.ANALYST:
        return render(request, "home_analyst.html", user=user)
    raise ProblemException(
        403,
        "forbidden",
        "There are no pages for your role",
        f"{DESCRIPTIONS[Role(user.role)]} accounts use the API: see /api/v1/docs.",
    )
