"""Police systems submit notifications (one or a batch) and read their own receipts; casework
roles open a notification, its decisions, reviews and actions.

Submissions go through the intake loader, which owns its transactions (a record's own, retried,
quarantined rather than lost); the receipt and audit entry are then written in the request's.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.accounts import CASEWORK, Role
from triage.api import convert, schemas
from triage.api.deps import (
    PagingDep,
    Services,
    ServicesDep,
    SessionDep,
    allow,
    services,
)
from triage.api.problems import MEDIA_TYPE, ProblemException, problem_body, problem_responses
from triage.audit import Actor, record
from triage.casework import actions as casework_actions
from triage.casework import reviews
from triage.casework.records import notification_view
from triage.errors import FieldError, RecordNotFound
from triage.intake import Outcome, Receipt, ingest
from triage.notification import Notification
from triage.notification.example import EXAMPLE_NOTIFICATION
from triage.notification.reader import raw_from_text
from triage.store import count
from triage.store.tables import DecisionRecord, SubmissionReceipt, UserRecord

router = APIRouter(tags=["notifications"])
POLICE = allow(Role.POLICE_FEED)
CASE = allow(*CASEWORK)
MAX_BATCH = 500
MAX_BODY = 1_000_000  # bytes: a notification is a few kilobytes
MAX_BATCH_BODY = 20_000_000
_STATUS = {
    Outcome.ACCEPTED: 201,
    Outcome.UPDATED: 200,
    Outcome.UNCHANGED: 200,
    Outcome.REJECTED: 422,
}
_CONTRACT = Notification.model_json_schema()  # the published contract, built once
_NOTIFICATION_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": _CONTRACT,
            "example": EXAMPLE_NOTIFICATION,
        }
    },
}


def _store_receipt(
    session: Session, svc: Services, user: UserRecord, receipt: Receipt
) -> schemas.SubmissionReceipt:
    row = SubmissionReceipt(
        submitted_by_id=user.id,
        received_at=svc.clock(),
        outcome=receipt.outcome.value,
        police_reference=receipt.police_reference,
        version=receipt.version,
        vetted_level=receipt.vetted_level,
        quarantine_id=receipt.quarantine_id,
        errors=[{"field": e.field, "problem": e.problem} for e in receipt.errors],
    )
    session.add(row)
    session.flush()
    record(
        session,
        Actor.of(user),
        "submit",
        record_type="episode" if receipt.police_reference else "quarantine",
        record_id=receipt.police_reference or receipt.quarantine_id,
        now=row.received_at,
        outcome=receipt.outcome.value,
        receipt=row.id,
    )
    return convert.submission(receipt, row.id)


def _take(
    svc: Services, user: UserRecord, text: str, position: int
) -> tuple[Receipt, schemas.SubmissionReceipt]:
    """Ingest one record; its receipt and audit entry are written in the record's own
    transaction, so a stored notification always has both."""
    raw = raw_from_text(text, source=f"api:{user.username}", position=position)
    written: list[schemas.SubmissionReceipt] = []

    def after(session: Session, receipt: Receipt) -> None:
        written.append(_store_receipt(session, svc, user, receipt))

    receipt = ingest(svc.database, raw, clock=svc.clock, vetter=svc.vetter, after=after)
    return receipt, written[-1]  # the last attempt's: an earlier one may have rolled back


async def _body(request: Request, limit: int) -> str:
    body = await request.body()
    if len(body) > limit:
        raise ProblemException(
            413,
            "too-large",
            "The request is too large",
            f"{len(body):,} bytes; send at most {limit:,}",
        )
    return body.decode("utf-8", errors="replace")


@router.post(
    "/notifications",
    status_code=201,
    response_model=schemas.SubmissionReceipt,
    openapi_extra={"requestBody": _NOTIFICATION_BODY},
    responses={
        200: {
            "description": "An update, or an identical resubmission that changed nothing",
            "model": schemas.SubmissionReceipt,
        },
        **problem_responses(401, 403, 413),
        422: {
            "description": "Rejected; kept in quarantine with each field's problem",
            "model": schemas.SubmissionReceipt,
            "content": {
                MEDIA_TYPE: {
                    "example": {
                        key: value
                        for key, value in schemas.StoredReceipt.model_json_schema()["examples"][
                            0
                        ].items()
                        if key != "received_at"
                    }
                }
            },
        },
    },
)
async def submit(
    request: Request,
    user: Annotated[UserRecord, Depends(POLICE)],
) -> JSONResponse:
    """Submit one notification. Resubmitting the same police reference is always safe."""
    svc = services(request)
    text = await _body(request, MAX_BODY)
    receipt, body = await run_in_threadpool(_take, svc, user, text, 1)
    rejected = receipt.outcome is Outcome.REJECTED
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=_STATUS[receipt.outcome],
        media_type=MEDIA_TYPE if rejected else None,
    )


@router.post(
    "/notifications/batch",
    response_model=schemas.BatchReceipts,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "items": _CONTRACT,
                        "maxItems": MAX_BATCH,
                    },
                    "example": [EXAMPLE_NOTIFICATION],
                }
            },
        }
    },
    responses=problem_responses(401, 403, 413, 422),
)
async def submit_batch(
    request: Request,
    user: Annotated[UserRecord, Depends(POLICE)],
) -> schemas.BatchReceipts | JSONResponse:
    """Submit up to 500 notifications as a JSON array; each gets its own receipt. A record that
    breaks the contract is quarantined without stopping the others."""
    svc = services(request)
    text = await _body(request, MAX_BATCH_BODY)
    try:
        records = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        records = None
    if not isinstance(records, list):
        # Kept in quarantine like any unreadable record; the receipt says where.
        _receipt, kept = await run_in_threadpool(_take, svc, user, text, 1)
        problem = ProblemException(
            422,
            "invalid-batch",
            "A batch must be a JSON array of notifications",
            f"kept in quarantine as record {kept.quarantine_id}",
            [FieldError("body", "is not a JSON array")],
        )
        return JSONResponse(problem_body(problem), status_code=422, media_type=MEDIA_TYPE)
    if len(records) > MAX_BATCH:
        raise ProblemException(
            422,
            "invalid-batch",
            "The batch is too large",
            f"{len(records)} records; send at most {MAX_BATCH} at a time",
        )

    def take_all() -> list[schemas.SubmissionReceipt]:
        return [
            _take(svc, user, json.dumps(item), position)[1]
            for position, item in enumerate(records, start=1)
        ]

    receipts = await run_in_threadpool(take_all)
    return schemas.BatchReceipts(
        counts=dict(Counter(r.outcome for r in receipts)), receipts=receipts
    )


@router.get(
    "/receipts",
    response_model=schemas.Page[schemas.StoredReceipt],
    responses=problem_responses(401, 403, 422),
)
def list_receipts(
    session: SessionDep, paging: PagingDep, user: Annotated[UserRecord, Depends(POLICE)]
) -> schemas.Page[schemas.StoredReceipt]:
    """This feed's own receipts, newest first."""
    mine = select(SubmissionReceipt).where(SubmissionReceipt.submitted_by_id == user.id)
    total = count(session, mine)
    rows = session.scalars(
        mine.order_by(SubmissionReceipt.id.desc()).offset(paging.offset).limit(paging.per_page)
    )
    return paging.of([convert.receipt(r) for r in rows], total)


@router.get(
    "/receipts/{receipt_id}",
    response_model=schemas.StoredReceipt,
    responses=problem_responses(401, 403, 404, 422),
)
def read_receipt(
    receipt_id: int, session: SessionDep, user: Annotated[UserRecord, Depends(POLICE)]
) -> schemas.StoredReceipt:
    """One of this feed's receipts (another feed's is "not found", never shown)."""
    row = session.get(SubmissionReceipt, receipt_id)
    if row is None or row.submitted_by_id != user.id:
        raise RecordNotFound("receipt", receipt_id)
    return convert.receipt(row)


@router.get(
    "/notifications/{police_reference}",
    response_model=schemas.NotificationDetail,
    responses=problem_responses(401, 403, 404, 422),
)
def read_notification(
    police_reference: str,
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.NotificationDetail:
    """A notification with its level, every reason and point, reviews, actions and links.
    Each view is written to the audit trail."""
    now = svc.clock()
    view = notification_view(
        session, police_reference, viewer=user, escalation=svc.escalation, now=now
    )
    return convert.notification(view, now)


@router.get(
    "/notifications/{police_reference}/decisions",
    response_model=schemas.Page[schemas.Decision],
    responses=problem_responses(401, 403, 404, 422),
)
def list_decisions(
    police_reference: str,
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.Page[schemas.Decision]:
    """Every decision the machine made on this notification (one per version, ruleset, model
    and moment: a re-vet as time passes adds one), newest first. None is ever rewritten."""
    episode = reviews.episode_by_reference(session, police_reference)
    query = select(DecisionRecord).where(DecisionRecord.episode_id == episode.id)
    total = count(session, query)
    rows = session.scalars(
        query.order_by(DecisionRecord.as_of.desc(), DecisionRecord.id.desc())
        .offset(paging.offset)
        .limit(paging.per_page)
    )
    record(
        session,
        Actor.of(user),
        "view_decisions",
        record_type="episode",
        record_id=police_reference,
        now=svc.clock(),
    )
    return paging.of([convert.decision(r, police_reference) for r in rows], total)


@router.post(
    "/notifications/{police_reference}/reviews",
    status_code=201,
    response_model=schemas.Review,
    responses=problem_responses(401, 403, 404, 422),
)
def create_review(
    police_reference: str,
    body: Annotated[schemas.ReviewRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.Review:
    """Confirm the newest decision, or override it with a reason. Never below the police grade;
    lowering the level in force waits for a second person's agreement; the machine's decision
    is kept either way."""
    now = svc.clock()
    row = reviews.review(
        session,
        police_reference=police_reference,
        decision_id=body.decision_id,
        reviewer=user,
        confirm=body.decision == "confirm",
        level=body.level,
        reason_code=body.reason,
        reason_text=body.reason_text,
        rules_dir=svc.rules_dir,
        now=now,
    )
    return convert.review(row)


@router.get(
    "/notifications/{police_reference}/actions",
    response_model=schemas.Page[schemas.Action],
    responses=problem_responses(401, 403, 404, 422),
)
def list_actions(
    police_reference: str,
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.Page[schemas.Action]:
    """What the newest decision asks for, soonest deadline first, with what is done."""
    episode = reviews.episode_by_reference(session, police_reference)
    items = casework_actions.actions_of(session, episode.id, svc.escalation)
    now = svc.clock()
    shown = items[paging.offset : paging.offset + paging.per_page]
    return paging.of([convert.action(a, now) for a in shown], len(items))


@router.post(
    "/notifications/{police_reference}/actions/{action_type}/completion",
    status_code=201,
    response_model=schemas.Action,
    responses=problem_responses(401, 403, 404, 422),
)
def complete_action(
    police_reference: str,
    action_type: str,
    body: Annotated[schemas.CompletionRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.Action:
    """Mark an action done (for an RHI, say what happened in the note)."""
    now = svc.clock()
    casework_actions.complete(
        session,
        police_reference=police_reference,
        action_type=action_type,
        by=user,
        note=body.note,
        escalation=svc.escalation,
        now=now,
    )
    episode = reviews.episode_by_reference(session, police_reference)
    done = next(
        a
        for a in casework_actions.actions_of(session, episode.id, svc.escalation)
        if a.type == action_type
    )
    return convert.action(done, now)
