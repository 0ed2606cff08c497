"""The audit trail page for admins, and its CSV export."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from triage.audit import service as audit
from triage.http.deps import PageNumber, SessionDep, services
from triage.http.pages import PER_PAGE, AdminUser, render

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    action: str = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    events, total = audit.page_of_events(
        session, offset=(page - 1) * PER_PAGE, limit=PER_PAGE, action=action or None
    )
    return render(
        request,
        "audit.html",
        user=user,
        events=events,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        action=action,
    )


@router.get("/audit/export.csv")
def audit_export(request: Request, session: SessionDep, user: AdminUser) -> Response:
    return Response(
        audit.export(session, by=user, now=services(request).clock()),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
