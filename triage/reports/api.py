"""The monthly report for panel chairs, senior managers, analysts and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from triage.http.deps import ServicesDep, SessionDep, allow
from triage.http.problems import problem_responses
from triage.reports import service as reports
from triage.reports.months import EXPECTED, Month
from triage.reports.schemas import MonthlyReportOut
from triage.store.tables import UserRecord

router = APIRouter(tags=["reports"])
READERS = allow(*reports.READERS)


@router.get(
    "/reports/monthly",
    response_model=MonthlyReportOut,
    responses=problem_responses(401, 403, 422),
)
def monthly_report(
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(READERS)],
    month: Annotated[
        str, Query(max_length=20, description=f"The month: {EXPECTED}", examples=["2026-06"])
    ],
    for_sharing: Annotated[
        bool,
        Query(
            description="Suppress counts under 5 and any cell the totals would give them away "
            "by (always, for analysts and admins)"
        ),
    ] = False,
) -> MonthlyReportOut:
    """The committee's monthly report: children missing and episodes (with the 12-month
    average), repeats, absent and missing (and reclassified), by area and by looked-after
    status; return home interviews and the success rate month by month; referrals arising;
    children placed here by other authorities. Counted as the database knew it at the month's
    end. Reading it is audited."""
    report = reports.monthly_for(
        session,
        Month.parse(month),
        viewer=user,
        areas=reports.area_teams(svc.vetter.rulebook.current.teams),
        due_hours=reports.due_hours(svc.vetter.rulebook.current),
        for_sharing=for_sharing,
        now=svc.clock(),
    )
    return MonthlyReportOut.of(report)
