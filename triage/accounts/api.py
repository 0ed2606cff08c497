"""Signing in for a token (people and police systems alike), and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from triage.accounts.roles import Role
from triage.accounts.schemas import Me, Token
from triage.accounts.service import sign_in
from triage.errors import AuthenticationFailed
from triage.http.deps import ServicesDep, SessionDep, allow
from triage.http.problems import ProblemException, problem_responses
from triage.store.tables import UserRecord

router = APIRouter(tags=["sign-in"])
ANYONE = allow(*Role)


@router.post(
    "/token",
    response_model=Token,
    responses=problem_responses(401, 422),
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
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    svc: ServicesDep,
    session: SessionDep,
) -> Token:
    """Exchange a username and password for a bearer token that expires."""
    now = svc.clock()
    try:
        user = sign_in(session, form.username, form.password, via="api", now=now)
    except AuthenticationFailed as exc:
        raise ProblemException(
            401,
            "unauthenticated",
            "Sign-in failed",
            str(exc),
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc
    issued = svc.tokens.issue(user_id=user.id, role=user.role, now=now)
    return Token(access_token=issued, expires_in=int(svc.tokens.lifetime.total_seconds()))


@router.get("/me", response_model=Me, responses=problem_responses(401))
def me(user: Annotated[UserRecord, Depends(ANYONE)]) -> Me:
    """The signed-in account."""
    return Me(username=user.username, display_name=user.display_name, role=user.role)
