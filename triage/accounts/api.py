"""Signing in for a token (people and police systems alike), signing out, who am I, and an
admin lifting a lockout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from fastapi.security import OAuth2PasswordRequestForm

from triage.accounts import service as accounts
from triage.accounts.roles import Role
from triage.accounts.schemas import Me, Token
from triage.errors import NotSignedIn, Throttled
from triage.http.deps import ServicesDep, SessionDep, address, allow, bearer_token, claims_of
from triage.http.problems import MEDIA_TYPE, as_problem, problem_body, problem_responses
from triage.store.tables import UserRecord

router = APIRouter(tags=["sign-in"])
ANYONE = allow(*Role)
ADMIN = allow(Role.ADMIN)


@router.post(
    "/token",
    response_model=Token,
    responses=problem_responses(401, 422, 429),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "example": {"username": "mash.demo", "password": "your password"}
                }
            }
        }
    },
)
def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    svc: ServicesDep,
    session: SessionDep,
) -> Token | JSONResponse:
    """Exchange a username and password for a bearer token that expires. Five wrong passwords
    in a row lock the account until an admin unlocks it; too many attempts from one address in
    a minute are refused for a while. Every attempt is audited."""
    now = svc.clock()
    try:
        user = accounts.sign_in(
            session,
            form.username,
            form.password,
            via="api",
            address=address(request),
            throttle=svc.throttle,
            now=now,
        )
    except (NotSignedIn, Throttled) as exc:
        # Answered, not raised: the refusal (counted, audited) must be committed.
        problem = as_problem(exc)
        headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else {"Retry-After": "60"}
        return JSONResponse(
            jsonable_encoder(problem_body(problem)),
            status_code=problem.status,
            media_type=MEDIA_TYPE,
            headers=headers,
        )
    issued = svc.tokens.issue(user_id=user.id, role=user.role, now=now)
    return Token(access_token=issued, expires_in=int(svc.tokens.lifetime.total_seconds()))


@router.post("/sign-out", status_code=204, responses=problem_responses(401))
def sign_out(
    svc: ServicesDep,
    session: SessionDep,
    user: Annotated[UserRecord, Depends(ANYONE)],
    token: Annotated[str | None, Depends(bearer_token)],
) -> Response:
    """End this sign-in now: the token is refused from the next request on."""
    claims = claims_of(token, svc, session)
    accounts.sign_out(session, user, token=claims, now=svc.clock())
    return Response(status_code=204)


@router.get("/me", response_model=Me, responses=problem_responses(401))
def me(user: Annotated[UserRecord, Depends(ANYONE)]) -> Me:
    """The signed-in account."""
    return Me(username=user.username, display_name=user.display_name, role=user.role)


@router.post(
    "/users/{username}/unlock",
    response_model=Me,
    responses=problem_responses(401, 403, 404, 422),
)
def unlock(
    username: str,
    svc: ServicesDep,
    session: SessionDep,
    user: Annotated[UserRecord, Depends(ADMIN)],
) -> Me:
    """Lift an account's lockout after too many wrong passwords (admins only; audited)."""
    unlocked = accounts.unlock(session, username, by=user, now=svc.clock())
    return Me(username=unlocked.username, display_name=unlocked.display_name, role=unlocked.role)
