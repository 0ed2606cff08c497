"""Analysts' data: decisions pseudonymised, with the level in force."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from triage.accounts.roles import Role
from triage.analysis.pseudonymised import PseudonymisedDecision, page_of_decisions
from triage.http.deps import PagingDep, ServicesDep, SessionDep, allow
from triage.http.problems import problem_responses
from triage.http.schemas import Page
from triage.store.tables import UserRecord

router = APIRouter(tags=["analytics"])
ANALYSIS = allow(Role.ANALYST, Role.ADMIN)


@router.get(
    "/analytics/decisions",
    response_model=Page[PseudonymisedDecision],
    responses=problem_responses(401, 403, 422),
)
def analytics_decisions(
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(ANALYSIS)],
) -> Page[PseudonymisedDecision]:
    """Each notification's newest decision and review with the level in force, pseudonymised:
    no names, dates of birth, addresses, free text or police references; children by keyed
    pseudonym. Reading it is audited."""
    rows, total = page_of_decisions(
        session,
        svc.pseudonyms,
        viewer=user,
        now=svc.clock(),
        offset=paging.offset,
        limit=paging.per_page,
    )
    return paging.of(rows, total)
