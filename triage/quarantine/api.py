"""Quarantined records: list them, and replay a corrected one."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from triage.accounts.roles import Role
from triage.http.deps import PagingDep, RecordId, ServicesDep, SessionDep, allow
from triage.http.problems import FieldProblem, problem_responses
from triage.http.schemas import Page
from triage.intake import receipts
from triage.intake.schemas import SubmissionReceipt
from triage.quarantine import service as quarantine
from triage.quarantine.schemas import DismissRequest, QuarantinedRecord, ReplayRequest
from triage.store.tables import QuarantinedRecord as QuarantinedRow
from triage.store.tables import UserRecord

router = APIRouter(tags=["quarantine"])
QUARANTINE = allow(Role.MASH_WORKER, Role.ADMIN)


@router.get(
    "/quarantine",
    response_model=Page[QuarantinedRecord],
    responses=problem_responses(401, 403, 422),
)
def list_quarantine(
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(QUARANTINE)],
    status: Annotated[str, Query(pattern="^(open|replayed|superseded|dismissed|all)$")] = "open",
) -> Page[QuarantinedRecord]:
    """Records that broke the contract, each with every field's problem, to fix and replay."""
    rows, total = quarantine.page_for(
        session,
        viewer=user,
        now=svc.clock(),
        status=None if status == "all" else status,
        offset=paging.offset,
        limit=paging.per_page,
    )
    return paging.of([_shown(r) for r in rows], total)


def _shown(r: QuarantinedRow) -> QuarantinedRecord:
    return QuarantinedRecord(
        quarantine_id=r.id,
        received_at=r.received_at,
        source=r.source,
        position=r.position,
        status=r.status,
        errors=[FieldProblem(**e) for e in r.errors],
        raw=r.raw,
        times_received=r.times_received,
        last_received_at=r.last_received_at,
    )


@router.post(
    "/quarantine/{quarantine_id}/dismiss",
    response_model=QuarantinedRecord,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def dismiss_quarantined(
    quarantine_id: RecordId,
    body: Annotated[DismissRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(QUARANTINE)],
) -> QuarantinedRecord:
    """Mark an open record as not a notification (a test message, a record about an adult,
    one sent in error), with the reason. It stays kept, marked dismissed; audited."""
    quarantine.dismiss(
        session, quarantine_id, reason=body.reason, note=body.note, by=user, now=svc.clock()
    )
    return _shown(quarantine.get_or_raise(session, quarantine_id))


@router.post(
    "/quarantine/{quarantine_id}/replay",
    response_model=SubmissionReceipt,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def replay_quarantined(
    quarantine_id: RecordId,
    body: Annotated[ReplayRequest, Body()],
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(QUARANTINE)],
) -> SubmissionReceipt:
    """Submit a corrected record in place of a quarantined one. If it still breaks the
    contract it is kept again, linked to the first, and the answer lists the problems."""

    receipt = receipts.replay_by(
        svc.database,
        quarantine_id,
        json.dumps(body.record),
        by=user,
        clock=svc.clock,
        vetter=svc.vetter,
    )
    return SubmissionReceipt.of(receipt, None)
