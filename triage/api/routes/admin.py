"""Quarantined records (list, replay), the audit trail (read, export) and analysts' data."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from triage.accounts import Role
from triage.analysis import page_of_decisions
from triage.api import convert, schemas
from triage.api.deps import PagingDep, ServicesDep, SessionDep, allow
from triage.api.problems import problem_responses
from triage.audit import Actor, export_csv, page_of_events, record
from triage.intake import Receipt, replay
from triage.quarantine import service as quarantine
from triage.store.tables import UserRecord

router = APIRouter()
QUARANTINE = allow(Role.MASH_WORKER, Role.ADMIN)
AUDIT = allow(Role.ADMIN)
ANALYSIS = allow(Role.ANALYST, Role.ADMIN)


@router.get(
    "/quarantine",
    tags=["quarantine"],
    response_model=schemas.Page[schemas.QuarantinedRecord],
    responses=problem_responses(401, 403, 422),
)
def list_quarantine(
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(QUARANTINE)],
    status: Annotated[str, Query(pattern="^(open|replayed|superseded|all)$")] = "open",
) -> schemas.Page[schemas.QuarantinedRecord]:
    """Records that broke the contract, each with every field's problem, to fix and replay."""
    rows, total = quarantine.list_records(
        session,
        status=None if status == "all" else status,
        offset=paging.offset,
        limit=paging.per_page,
    )
    record(
        session,
        Actor.of(user),
        "list_quarantine",
        record_type="quarantine",
        record_id="-",
        now=svc.clock(),
        page=paging.page,
    )
    return paging.of(
        [
            schemas.QuarantinedRecord(
                quarantine_id=r.id,
                received_at=r.received_at,
                source=r.source,
                position=r.position,
                status=r.status,
                errors=[schemas.FieldProblem(**e) for e in r.errors],
                raw=r.raw,
            )
            for r in rows
        ],
        total,
    )


@router.post(
    "/quarantine/{quarantine_id}/replay",
    tags=["quarantine"],
    response_model=schemas.SubmissionReceipt,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def replay_quarantined(
    quarantine_id: int,
    body: Annotated[schemas.ReplayRequest, Body()],
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(QUARANTINE)],
) -> schemas.SubmissionReceipt:
    """Submit a corrected record in place of a quarantined one. If it still breaks the
    contract it is kept again, linked to the first, and the answer lists the problems."""

    def audited(session: Session, receipt: Receipt) -> None:  # in the replay's transaction
        record(
            session,
            Actor.of(user),
            "replay_quarantine",
            record_type="quarantine",
            record_id=quarantine_id,
            now=svc.clock(),
            outcome=receipt.outcome.value,
        )

    receipt = replay(
        svc.database,
        quarantine_id,
        json.dumps(body.record),
        clock=svc.clock,
        vetter=svc.vetter,
        after=audited,
    )
    return convert.submission(receipt, None)


@router.get(
    "/audit",
    tags=["audit"],
    response_model=schemas.Page[schemas.AuditEvent],
    responses=problem_responses(401, 403, 422),
)
def read_audit(
    session: SessionDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(AUDIT)],
    action: str | None = None,
    username: str | None = None,
    record_type: str | None = None,
) -> schemas.Page[schemas.AuditEvent]:
    """The audit trail, newest first, filtered by action, user or kind of record."""
    rows, total = page_of_events(
        session,
        offset=paging.offset,
        limit=paging.per_page,
        action=action,
        username=username,
        record_type=record_type,
    )
    return paging.of(
        [
            schemas.AuditEvent(
                event_id=e.id,
                at=e.at,
                username=e.username,
                role=e.role,
                action=e.action,
                record_type=e.record_type,
                record_id=e.record_id,
                detail=e.detail,
            )
            for e in rows
        ],
        total,
    )


@router.get(
    "/audit/export",
    tags=["audit"],
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {
                    "example": "id,at,username,role,action,record_type,"
                    "record_id,detail\n1,2026-03-15T09:12:00+00:00,"
                    "mash.demo,mash_worker,view_notification,episode,"
                    "WMP-26-000131,child=61\n"
                }
            },
            "description": "The whole trail as CSV, oldest first",
        },
        **problem_responses(401, 403),
    },
)
def export_audit(
    session: SessionDep, svc: ServicesDep, user: Annotated[UserRecord, Depends(AUDIT)]
) -> Response:
    """The whole audit trail as CSV (the export itself is audited first)."""
    now = svc.clock()
    record(session, Actor.of(user), "export_audit", record_type="audit", record_id="-", now=now)
    session.flush()
    text = "".join(export_csv(session))
    stamp = now.strftime("%Y%m%dT%H%M%SZ") if isinstance(now, datetime) else "now"
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )


@router.get(
    "/analytics/decisions",
    tags=["analytics"],
    response_model=schemas.Page[schemas.AnalyticsDecision],
    responses=problem_responses(401, 403, 422),
)
def analytics_decisions(
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(ANALYSIS)],
) -> schemas.Page[schemas.AnalyticsDecision]:
    """Each notification's newest decision and review, pseudonymised: no names, dates of birth,
    addresses, free text or police references; children by keyed pseudonym."""
    rows, total = page_of_decisions(
        session, svc.pseudonyms, offset=paging.offset, limit=paging.per_page
    )
    record(
        session,
        Actor.of(user),
        "read_analytics",
        record_type="decision",
        record_id="-",
        now=svc.clock(),
        page=paging.page,
    )
    return paging.of(rows, total)
