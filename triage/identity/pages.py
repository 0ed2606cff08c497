"""Possible matches for a person to decide, side by side: MASH workers and admins see both
records (names, dates of birth, identifiers, episodes) and why they may be one child, then
confirm (the newer is merged into the older, nothing is lost) or reject. Every decision is
audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.accounts.roles import Role
from triage.errors import FieldError, MatchDecisionError
from triage.http import flash
from triage.http.deps import RecordId, SessionDep, services
from triage.http.pages import Form, page_roles, render, see_other
from triage.identity import service as identity
from triage.store.tables import (
    ChildIdentifier,
    ChildRecord,
    EpisodeRecord,
    PossibleMatch,
    UserRecord,
)

router = APIRouter(include_in_schema=False)
MatchUser = Annotated[UserRecord, Depends(page_roles(Role.MASH_WORKER, Role.ADMIN))]


@dataclass(frozen=True)
class Side:
    child: ChildRecord
    identifiers: list[tuple[str, str]]
    episodes: int


@dataclass(frozen=True)
class Pair:
    match: PossibleMatch
    older: Side
    newer: Side


def _side(session: Session, child_id: int) -> Side:
    child = session.get_one(ChildRecord, child_id)
    identifiers = [
        (kind, value)
        for kind, value in session.execute(
            select(ChildIdentifier.kind, ChildIdentifier.value)
            .where(ChildIdentifier.child_id == child_id)
            .order_by(ChildIdentifier.kind)
        )
    ]
    episodes = session.scalar(
        select(func.count()).select_from(EpisodeRecord).where(EpisodeRecord.child_id == child_id)
    )
    return Side(child, identifiers, int(episodes or 0))


@router.get("/matches")
def matches_page(
    request: Request, session: SessionDep, user: MatchUser, done: str = ""
) -> HTMLResponse:
    pairs = [
        Pair(match, _side(session, match.candidate_id), _side(session, match.child_id))
        for match in identity.open_for(session, viewer=user, now=services(request).clock())
    ]
    refused = flash.taken(request)
    page = render(
        request,
        "matches.html",
        user=user,
        pairs=pairs,
        done=done,
        errors=refused.errors if refused else [],
    )
    return flash.forget(request, page)


@router.post("/matches/{match_id}/decision")
def decide_match(
    request: Request, session: SessionDep, user: MatchUser, match_id: RecordId, form: Form
) -> Response:
    svc = services(request)
    decision = str(form.get("decision", ""))
    if decision not in ("confirm", "reject"):
        # Post/redirect/get: back to the list with every pair, the error naming this one's.
        error = FieldError(f"same-{match_id}", "Choose whether they are the same child or not")
        return flash.redirect(request, "/matches", flash.Refused([error])) or see_other("/matches")
    try:
        identity.decide(
            session, match_id, same_child=decision == "confirm", by=user, now=svc.clock()
        )
    except MatchDecisionError:
        return see_other("/matches?done=already")
    return see_other(f"/matches?done={decision}")
