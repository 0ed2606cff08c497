"""Rulesets over the API: the history of versions made live (analysts and admins), a version's
files, and promotion and rollback, which an admin makes as the approver of the person named as
asking. The service vets with the new version from the moment the answer is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi import Path as InPath

from triage.accounts.roles import Role
from triage.http.deps import ServicesDep, SessionDep, allow
from triage.http.problems import problem_responses
from triage.rulesets import history, service
from triage.rulesets.schemas import (
    PromotionAsked,
    RollbackAsked,
    RulesetFiles,
    RulesetHistory,
    RulesetMade,
)
from triage.store.tables import UserRecord

router = APIRouter(prefix="/rulesets", tags=["rulesets"])
ADMIN = allow(Role.ADMIN)
EITHER = allow(Role.ANALYST, Role.ADMIN)
Version = Annotated[str, InPath(pattern=r"^[0-9a-f]{64}$", description="A ruleset version")]


@router.get("/history", response_model=RulesetHistory, responses=problem_responses(401, 403))
def ruleset_history(
    session: SessionDep, svc: ServicesDep, user: Annotated[UserRecord, Depends(EITHER)]
) -> RulesetHistory:
    """Every version made live, newest first: when, asked by and approved by whom, the equality
    impact note, the back-test (and shadow) figures it was judged on, and which is live now."""
    return RulesetHistory.of(history.history(session, svc.vetter.rulebook.directory))


@router.get(
    "/versions/{version}",
    response_model=RulesetFiles,
    responses=problem_responses(401, 403, 404, 422),
)
def ruleset_files(
    version: Version, session: SessionDep, user: Annotated[UserRecord, Depends(EITHER)]
) -> RulesetFiles:
    """A version's files exactly as they were made live, and the version it replaced."""
    files = history.files_of(session, version)
    return RulesetFiles(version=version, before=history.before(session, version), files=files)


@router.post(
    "/promotions",
    status_code=201,
    response_model=RulesetMade,
    responses=problem_responses(401, 403, 422),
)
def promote_ruleset(
    body: PromotionAsked,
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(ADMIN)],
) -> RulesetMade:
    """Approve the candidate rules folder that `asked_by` asks for (you, an admin, are the
    approver and cannot be the one asking): it is proved on its golden examples, back-tested
    over the stored history, recorded with the equality note and made live."""
    made = service.promote(
        session,
        candidate=Path(body.candidate),
        live=svc.vetter,
        asked_by=body.asked_by,
        approved_by=user.username,
        equality_note=body.equality_note,
        pseudonyms=svc.pseudonyms,
        now=svc.clock(),
    )
    return RulesetMade.of(made)


@router.post(
    "/rollbacks",
    status_code=201,
    response_model=RulesetMade,
    responses=problem_responses(401, 403, 422),
)
def rollback_ruleset(
    body: RollbackAsked,
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(ADMIN)],
) -> RulesetMade:
    """Approve the rollback `asked_by` asks for: the version before the newest promotion still
    in force is restored from the files kept as data."""
    made = service.roll_back(
        session,
        live=svc.vetter,
        asked_by=body.asked_by,
        approved_by=user.username,
        reason=body.reason,
        now=svc.clock(),
    )
    return RulesetMade.of(made)
