"""The quarantine's pages for MASH workers and admins: every rejected record with its raw text
and each field's problem, and a form to fix it and replay it through the same checks as the
API. A replay that still breaks the contract is kept again, linked to the first, and shown with
its problems; nothing is lost either way."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from triage.accounts.roles import Role
from triage.errors import QuarantineRefused
from triage.http import flash
from triage.http.deps import PageNumber, RecordId, SessionDep, services
from triage.http.pages import PER_PAGE, Form, page_roles, paged, render, see_other
from triage.intake import receipts
from triage.intake.service import Outcome
from triage.quarantine import service as quarantine
from triage.store.tables import UserRecord

router = APIRouter(include_in_schema=False)
QuarantineUser = Annotated[UserRecord, Depends(page_roles(Role.MASH_WORKER, Role.ADMIN))]
MAX_FIXED = 1_000_000  # characters: a notification is a few thousand


@router.get("/quarantine")
def quarantine_list(
    request: Request, session: SessionDep, user: QuarantineUser, page: PageNumber = 1
) -> HTMLResponse:
    rows, total = quarantine.page_for(
        session,
        viewer=user,
        now=services(request).clock(),
        status="open",
        offset=(page - 1) * PER_PAGE,
        limit=PER_PAGE,
    )
    return render(
        request,
        "quarantine.html",
        user=user,
        rows=rows,
        **paged(total, page),
    )


@router.get("/quarantine/{record_id}")
def quarantine_record(
    request: Request, session: SessionDep, user: QuarantineUser, record_id: RecordId
) -> HTMLResponse:
    record = quarantine.get_or_raise(session, record_id)
    refused = flash.taken(request)
    page = render(
        request,
        "quarantined.html",
        user=user,
        record=record,
        reasons=quarantine.NOT_A_NOTIFICATION,
        dismissal=quarantine.dismissal_of(session, record.id),
        errors=refused.errors if refused else [],
        values=refused.values if refused else {},
        fixed=_readable(record.raw),
        earlier=quarantine.get_or_raise(session, record.replay_of_id)
        if record.replay_of_id
        else None,
    )
    return flash.forget(request, page)


@router.post("/quarantine/{record_id}/dismiss")
def quarantine_dismiss(
    request: Request, session: SessionDep, user: QuarantineUser, record_id: RecordId, form: Form
) -> Response:
    """Mark a kept record as not a notification, with the reason (post/redirect/get)."""
    values = {k: str(form.get(k, "")) for k in ("reason", "note")}
    try:
        quarantine.dismiss(
            session,
            record_id,
            reason=values["reason"],
            note=values["note"],
            by=user,
            now=services(request).clock(),
        )
    except QuarantineRefused as exc:
        refused = flash.Refused([exc.error], values)
        return flash.redirect(request, f"/quarantine/{record_id}", refused) or see_other(
            f"/quarantine/{record_id}"
        )
    return see_other("/quarantine?done=dismissed")


@router.post("/quarantine/{record_id}/replay")
def quarantine_replay(
    request: Request, user: QuarantineUser, record_id: RecordId, form: Form
) -> Response:
    svc = services(request)
    fixed = str(form.get("record", ""))[:MAX_FIXED]
    receipt = receipts.replay_by(
        svc.database, record_id, fixed, by=user, clock=svc.clock, vetter=svc.vetter
    )
    if receipt.outcome is Outcome.REJECTED:  # kept again, linked to this one: show its problems
        return see_other(f"/quarantine/{receipt.quarantine_id}?done=still")
    return see_other(f"/notifications/{quote(receipt.police_reference or '', safe='')}")


def _readable(raw: str) -> str:
    """The raw text laid out to edit, when it is JSON; as it came, when it is not."""
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except ValueError:
        return raw
