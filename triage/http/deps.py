"""The dependencies every endpoint uses, defined once: the session (one transaction per request,
committed before the response is sent), the signed-in user, and the role check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi import Path as InPath
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from triage.accounts import Role, TokenError, TokenIssuer
from triage.accounts.service import AddressThrottle, is_revoked
from triage.accounts.tokens import TokenClaims
from triage.analysis import Pseudonymiser
from triage.http.problems import ProblemException
from triage.http.schemas import Page, T
from triage.rules.catalogue import Escalation
from triage.settings import Settings
from triage.store import Database
from triage.store.tables import UserRecord
from triage.vetting import Vetter

SESSION_COOKIE = "triage_session"
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/token", auto_error=False)


@dataclass
class Services:
    """What the app holds for its lifetime (on `app.state.services`)."""

    settings: Settings
    database: Database
    vetter: Vetter
    tokens: TokenIssuer
    pseudonyms: Pseudonymiser
    csrf_secret: bytes
    clock: Callable[[], datetime]
    throttle: AddressThrottle = field(default_factory=AddressThrottle)

    @property
    def rules_dir(self) -> Path:
        return self.settings.rules_dir

    @property
    def escalation(self) -> Escalation:
        """What a high level in force asks for (the rules in force say)."""
        return self.vetter.rulebook.current.escalation


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


def session(request: Request) -> Iterator[Session]:
    """One transaction for the request: committed when the endpoint returns, before the answer
    is sent (so an acknowledged change is stored), rolled back if anything raised."""
    with services(request).database.transaction() as db_session:
        yield db_session


SessionDep = Annotated[Session, Depends(session, scope="function")]


def claims_of(token: str | None, svc: Services, db_session: Session) -> TokenClaims:
    """The claims of a genuine, unexpired token that nobody has signed out."""
    if not token:
        raise ProblemException(
            401,
            "unauthenticated",
            "Sign in first",
            "send a bearer token from POST /api/v1/token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        claims = svc.tokens.read(token, now=svc.clock())
        if is_revoked(db_session, claims):
            raise TokenError("this sign-in has ended (signed out); sign in again")
    except TokenError as exc:
        raise ProblemException(
            401,
            "unauthenticated",
            "Sign in again",
            str(exc),
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc
    return claims


def user_from_token(token: str | None, svc: Services, db_session: Session) -> UserRecord:
    """The active account behind a token (checked on every request: a deactivated account or a
    signed-out token stops at once)."""
    claims = claims_of(token, svc, db_session)
    user = db_session.get(UserRecord, claims.user_id)
    if user is None or not user.active or user.role != claims.role:
        raise ProblemException(
            401,
            "unauthenticated",
            "Sign in again",
            "the account behind this token is no longer active",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


def api_user(
    request: Request, db_session: SessionDep, token: Annotated[str | None, Depends(_bearer)]
) -> UserRecord:
    return user_from_token(token, services(request), db_session)


def bearer_token(token: Annotated[str | None, Depends(_bearer)]) -> str | None:
    return token


def address(request: Request) -> str:
    """Where a request came from (for throttling sign-in attempts)."""
    return request.client.host if request.client else "unknown"


def allow(*roles: Role) -> Callable[..., UserRecord]:
    """A dependency that lets only these roles through (401 if not signed in, 403 otherwise)."""
    allowed = frozenset(roles)

    def check(user: Annotated[UserRecord, Depends(api_user)]) -> UserRecord:
        if Role(user.role) not in allowed:
            raise ProblemException(
                403,
                "forbidden",
                "Your role may not do this",
                f"{user.role} may not; this needs one of: "
                + ", ".join(sorted(r.value for r in allowed)),
            )
        return user

    return check


# Every number a caller sends has bounds the database can hold: an id is a 32-bit integer in
# both stores, and no list has a million pages.
MAX_ID = 2_147_483_647
MAX_PAGE = 1_000_000
RecordId = Annotated[int, InPath(ge=1, le=MAX_ID, description="A record's id")]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]


@dataclass(frozen=True, slots=True)
class Paging:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def of(self, items: list[T], total: int) -> Page[T]:
        """This page of results, with the total that match."""
        return Page(items=items, page=self.page, per_page=self.per_page, total=total)


def paging(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1")] = 1,
    per_page: Annotated[int, Query(ge=1, le=200, description="Items a page (at most 200)")] = 50,
) -> Paging:
    return Paging(page=page, per_page=per_page)


PagingDep = Annotated[Paging, Depends(paging)]
