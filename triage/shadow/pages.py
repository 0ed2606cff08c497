"""The shadow page for analysts and admins: every run, newest first, and a run's report (live
and shadow compared with the back-test's measures, pseudonymised; reading it is audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from triage.accounts.roles import Role
from triage.analysis import chart
from triage.analysis.pages import heat
from triage.http.deps import SessionDep, services
from triage.http.pages import page_roles, render
from triage.shadow import service
from triage.shadow.tables import ShadowRun
from triage.store.tables import UserRecord

router = APIRouter(include_in_schema=False)
Analyst = Annotated[UserRecord, Depends(page_roles(Role.ANALYST, Role.ADMIN))]


@router.get("/analysis/shadow")
def shadow_page(
    request: Request,
    session: SessionDep,
    user: Analyst,
    run: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    svc = services(request)
    runs = session.scalars(select(ShadowRun).order_by(ShadowRun.id.desc())).all()
    names = {i: n for i, n in session.execute(select(UserRecord.id, UserRecord.username))}
    chosen = service.get_or_raise(session, run) if run else (runs[0] if runs else None)
    result = None
    if chosen is not None and chosen.started_at is not None:
        engine = svc.vetter.rulebook.engine
        result = service.report(
            session,
            chosen,
            svc.vetter,
            service.candidate_of(chosen, engine, svc.settings.home_authority),
            pseudonyms=svc.pseudonyms,
            viewer=user,
            now=svc.clock(),
        )
    return render(
        request,
        "shadow.html",
        user=user,
        runs=runs,
        names=names,
        chosen=chosen,
        result=result,
        heat=heat,
        chart_svg=chart.svg(result.workload) if result is not None else None,
        chart_words=chart.describe(result.workload) if result is not None else None,
    )
