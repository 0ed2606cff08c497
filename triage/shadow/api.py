"""Shadow mode over the API: an analyst asks, an admin approves, either stops; the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.accounts.roles import Role
from triage.errors import ShadowConflict
from triage.http.deps import ServicesDep, SessionDep, allow
from triage.http.problems import problem_responses
from triage.shadow import service
from triage.shadow.schemas import ShadowReport, ShadowRunOut, ShadowStart
from triage.shadow.tables import ShadowRun
from triage.store.tables import UserRecord

router = APIRouter(tags=["analytics"])
ANALYST = allow(Role.ANALYST)
ADMIN = allow(Role.ADMIN)
EITHER = allow(Role.ANALYST, Role.ADMIN)


def _shown(session: Session, run: ShadowRun) -> ShadowRunOut:
    ids = {run.requested_by_id, run.approved_by_id, run.stopped_by_id} - {None}
    rows = session.execute(select(UserRecord.id, UserRecord.username).where(UserRecord.id.in_(ids)))
    names = {user_id: username for user_id, username in rows}
    return ShadowRunOut.of(run, names)


@router.post(
    "/analytics/shadow",
    status_code=201,
    response_model=ShadowRunOut,
    responses=problem_responses(401, 403, 409, 422),
)
def start_shadow(
    body: ShadowStart,
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(ANALYST)],
) -> ShadowRunOut:
    """Ask for a candidate ruleset (and model) to run in shadow. It is proved on its golden
    examples now, and starts when an admin who is not you approves it."""
    run = service.request(
        session,
        by=user,
        rules_dir=Path(body.candidate),
        model_dir=Path(body.model) if body.model else svc.settings.model_dir,
        engine=svc.vetter.rulebook.engine,
        home_authority=svc.settings.home_authority,
        now=svc.clock(),
    )
    return _shown(session, run)


@router.post(
    "/analytics/shadow/approval",
    response_model=ShadowRunOut,
    responses=problem_responses(401, 403, 409, 422),
)
def approve_shadow(
    session: SessionDep, svc: ServicesDep, user: Annotated[UserRecord, Depends(ADMIN)]
) -> ShadowRunOut:
    """Approve the run asked for (an admin, not the person who asked): it runs from now."""
    return _shown(session, service.approve(session, by=user, now=svc.clock()))


@router.post(
    "/analytics/shadow/stop",
    response_model=ShadowRunOut,
    responses=problem_responses(401, 403, 409, 422),
)
def stop_shadow(
    session: SessionDep, svc: ServicesDep, user: Annotated[UserRecord, Depends(EITHER)]
) -> ShadowRunOut:
    """Stop the run asked for or running; its decisions stay for the report."""
    return _shown(session, service.stop(session, by=user, now=svc.clock()))


@router.get(
    "/analytics/shadow/report",
    response_model=ShadowReport,
    responses=problem_responses(401, 403, 409, 422),
)
def shadow_report(
    session: SessionDep, svc: ServicesDep, user: Annotated[UserRecord, Depends(EITHER)]
) -> ShadowReport:
    """Live and shadow compared on the decisions made since the newest run started: levels,
    rules, work per month and area team, and the per-child diff (pseudonymised)."""
    run = service.newest(session)
    if run is None:
        raise ShadowConflict("no shadow run yet: ask for one first")
    engine = svc.vetter.rulebook.engine
    result = service.report(
        session,
        run,
        svc.vetter,
        service.candidate_of(run, engine, svc.settings.home_authority),
        pseudonyms=svc.pseudonyms,
        viewer=user,
        now=svc.clock(),
    )
    return ShadowReport.of(_shown(session, run), result)
