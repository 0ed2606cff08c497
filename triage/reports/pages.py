"""The monthly report's page for panel chairs, senior managers, analysts and admins: the
headline figures, every table (reflowing on a phone), the success rate's trend as an inline
SVG chart with its words, and a link to the version for sharing (always shown to analysts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from triage.accounts.roles import Role
from triage.errors import Refused
from triage.http.deps import SessionDep, services
from triage.http.pages import page_roles, render
from triage.reports import chart
from triage.reports import service as reports
from triage.reports.months import Month
from triage.store.tables import UserRecord

router = APIRouter(include_in_schema=False)
ReportReader = Annotated[UserRecord, Depends(page_roles(*reports.READERS))]


@router.get("/reports/monthly")
def monthly_page(
    request: Request,
    session: SessionDep,
    user: ReportReader,
    month: Annotated[str, Query(max_length=20)] = "",
    for_sharing: bool = False,
) -> HTMLResponse:
    svc = services(request)
    now = svc.clock()
    typed = month.strip()
    always = Role(user.role) in reports.ALWAYS_FOR_SHARING
    try:
        chosen = Month.parse(typed) if typed else reports.default_month(session, now=now)
    except Refused as refused:
        return render(
            request,
            "report_monthly.html",
            status_code=422,
            user=user,
            errors=[refused.error],
            month=typed,
            report=None,
            for_sharing=for_sharing or always,
            always_for_sharing=always,
        )
    report = reports.monthly_for(
        session,
        chosen,
        viewer=user,
        areas=reports.area_teams(svc.vetter.rulebook.current.teams),
        due_hours=reports.due_hours(svc.vetter.rulebook.current),
        for_sharing=for_sharing,
        now=now,
    )
    return render(
        request,
        "report_monthly.html",
        user=user,
        errors=[],
        month=str(chosen),
        report=report,
        for_sharing=report.for_sharing,
        always_for_sharing=always,
        chart_svg=chart.svg(report.trend) if report.interviews_recorded else None,
        chart_words=chart.describe(report.trend),
        previous=str(chosen.plus(-1)),
        following=str(chosen.plus(1)) if chosen.plus(1) <= Month.of(now) else None,
    )
