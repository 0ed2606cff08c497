"""The audit trail page for admins, and its CSV export."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from triage.audit import service as audit
from triage.http.deps import PageNumber, SessionDep, services
from triage.http.pages import PER_PAGE, UK, AdminUser, paged, render

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    user: AdminUser,
    action: str = "",
    who: str = "",
    record: Annotated[str, Query(max_length=64)] = "",
    since: date | None = None,
    until: date | None = None,
    page: PageNumber = 1,
) -> HTMLResponse:
    """The trail, newest first, filtered by who, what (as displayed), which record and the days
    between `since` and `until` (UK days, both included)."""
    events, total = audit.page_of_events(
        session,
        offset=(page - 1) * PER_PAGE,
        limit=PER_PAGE,
        action=action or None,
        username=who or None,
        record_id=record or None,
        since=_uk_midnight(since) if since else None,
        before=_uk_midnight(until + timedelta(days=1)) if until else None,
    )
    users, actions = audit.choices(session)
    filters = {
        "action": action,
        "who": who,
        "record": record,
        "since": since.isoformat() if since else "",
        "until": until.isoformat() if until else "",
    }
    return render(
        request,
        "audit.html",
        user=user,
        events=events,
        **paged(total, page, **filters),
        filters=filters,
        users=users,
        actions=actions,
    )


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UK).astimezone(UTC)


@router.get("/audit/export.csv")
def audit_export(request: Request, session: SessionDep, user: AdminUser) -> Response:
    return Response(
        audit.export(session, by=user, now=services(request).clock()),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
