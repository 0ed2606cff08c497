"""The audit trail for admins: read it, filtered, and export it whole."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from triage.accounts.roles import Role
from triage.audit import service as audit
from triage.audit.schemas import AuditEvent
from triage.http.deps import PagingDep, ServicesDep, SessionDep, allow
from triage.http.problems import problem_responses
from triage.http.schemas import Page
from triage.store.tables import UserRecord

router = APIRouter(tags=["audit"])
AUDIT = allow(Role.ADMIN)
# A filter's words: no control character (no store takes a NUL), refused naming the parameter.
Filter = Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00-\x1f]*$")]


@router.get("/audit", response_model=Page[AuditEvent], responses=problem_responses(401, 403, 422))
def read_audit(
    session: SessionDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(AUDIT)],
    action: Filter = None,
    username: Filter = None,
    record_type: Filter = None,
) -> Page[AuditEvent]:
    """The audit trail, newest first, filtered by action, user or kind of record."""
    rows, total = audit.page_of_events(
        session,
        offset=paging.offset,
        limit=paging.per_page,
        action=action,
        username=username,
        record_type=record_type,
    )
    return paging.of([AuditEvent.of(e) for e in rows], total)


@router.get(
    "/audit/export",
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
    return Response(
        audit.export(session, by=user, now=now),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{now:%Y%m%dT%H%M%SZ}.csv"'},
    )
