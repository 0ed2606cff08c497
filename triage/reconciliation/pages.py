"""The reconciliation's pages for admins and analysts (the data managers here): a month's
episodes by source side by side, the differences by reason, and the discrepancy list; one
discrepancy with its history and a form to give it an owner, a status and a note (audited).

Opening a month reconciles it on the records held now (a run is stored only when something
changed since the month's last run). The list names records by the sources' own ids, never by
a child's name or date of birth.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from triage.errors import Refused
from triage.http import flash
from triage.http.deps import PageNumber, RecordId, SessionDep, services
from triage.http.pages import PER_PAGE, Form, page_roles, paged, render, see_other
from triage.reconciliation import discrepancies as listing
from triage.reconciliation import runs
from triage.reconciliation.imports import RECONCILERS
from triage.reconciliation.reasons import DESCRIPTIONS, STATUS_DESCRIPTIONS, Reason, Source
from triage.reports.months import Month
from triage.reports.service import default_month
from triage.store.tables import UserRecord

router = APIRouter(include_in_schema=False)
Reconciler = Annotated[UserRecord, Depends(page_roles(*RECONCILERS))]
Text = Annotated[str, Query(max_length=40)]
LABELS = {
    Source.POLICE: "Police",
    Source.CASE_RECORD: "Case record",
    Source.FOSTERING: "Fostering service",
}


@router.get("/reconciliation")
def reconciliation_page(
    request: Request,
    session: SessionDep,
    user: Reconciler,
    month: Text = "",
    status: Text = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    svc = services(request)
    now = svc.clock()
    typed = month.strip()
    try:
        chosen = Month.parse(typed) if typed else default_month(session, now=now)
        wanted = listing.status_of(status) if status else None
    except Refused as refused:
        return render(
            request,
            "reconciliation.html",
            status_code=422,
            user=user,
            errors=[refused.error],
            month=typed,
            status=status,
            summary=None,
        )
    run = runs.reconcile(
        session, chosen, by=user, now=now, home_authority=svc.settings.home_authority
    )
    rows = runs.rows_of(session, run)  # read once for the list and the table
    items = listing.listed(session, run, status=wanted, rows=rows)
    shown = items[(page - 1) * PER_PAGE : page * PER_PAGE]
    summary = runs.summary_of(session, run, rows)
    counts = [(LABELS[s], summary.per_source[s]) for s in runs.SOURCES]
    counts += [("Agreed by all", summary.agreed), ("Differences", summary.differences)]
    return render(
        request,
        "reconciliation.html",
        user=user,
        errors=[],
        month=str(chosen),
        title=chosen.title,
        status=wanted.value if wanted else "",
        summary=summary,
        counts=counts,
        sources=[(s, LABELS[s]) for s in runs.SOURCES],
        labels={s.value: label for s, label in LABELS.items()},
        reason_words={r.value: words for r, words in DESCRIPTIONS.items()},
        items=shown,
        statuses=STATUS_DESCRIPTIONS,
        previous=str(chosen.plus(-1)),
        following=str(chosen.plus(1)) if chosen.plus(1) <= Month.of(now) else None,
        **paged(len(items), page, month=str(chosen), status=wanted.value if wanted else ""),
    )


@router.get("/reconciliation/discrepancies/{discrepancy_id}")
def discrepancy_page(
    request: Request, session: SessionDep, user: Reconciler, discrepancy_id: RecordId
) -> HTMLResponse:
    row = listing.read(session, discrepancy_id, viewer=user, now=services(request).clock())
    last = runs.latest_run(session, Month.parse(row.month))
    items = listing.listed(session, last) if last is not None else []
    current = next((i for i in items if i.row.id == row.id), None)
    refused = flash.taken(request)
    page = render(
        request,
        "discrepancy.html",
        user=user,
        row=row,
        month_title=Month.parse(row.month).title,
        item=current,
        reason_words=DESCRIPTIONS[Reason(row.reason)],
        labels={s.value: label for s, label in LABELS.items()},
        history=listing.history(session, row),
        statuses=STATUS_DESCRIPTIONS,
        errors=refused.errors if refused else [],
        values=refused.values if refused else {},
    )
    return flash.forget(request, page)


@router.post("/reconciliation/discrepancies/{discrepancy_id}")
def discrepancy_update(
    request: Request,
    session: SessionDep,
    user: Reconciler,
    discrepancy_id: RecordId,
    form: Form,
) -> Response:
    """Give the discrepancy an owner, a status and a note (post/redirect/get)."""
    values = {k: str(form.get(k, "")) for k in ("owner", "status", "note")}
    here = f"/reconciliation/discrepancies/{discrepancy_id}"
    try:
        listing.update(
            session,
            discrepancy_id,
            by=user,
            now=services(request).clock(),
            owner=values["owner"],
            status=listing.status_of(values["status"]) if values["status"] else None,
            note=values["note"],
        )
    except Refused as exc:
        refused = flash.Refused([exc.error], values)
        return flash.redirect(request, here, refused) or see_other(here)
    return see_other(f"{here}?done=saved")
