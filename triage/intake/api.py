"""Police systems submit notifications (one or a batch) and read their own receipts.

Submissions go through the intake loader, which owns its transactions (a record's own, retried,
quarantined rather than lost); the receipt and its audit entry are written in the record's own
transaction by `triage.intake.receipts`.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from triage.accounts.roles import Role
from triage.errors import FieldError
from triage.http.deps import PagingDep, Services, SessionDep, allow, services
from triage.http.problems import MEDIA_TYPE, ProblemException, problem_body, problem_responses
from triage.http.schemas import Page
from triage.intake import receipts
from triage.intake.schemas import BatchReceipts, StoredReceipt, SubmissionReceipt
from triage.intake.service import Outcome, Receipt
from triage.notification import Notification
from triage.notification.example import EXAMPLE_NOTIFICATION
from triage.store.tables import UserRecord

router = APIRouter(tags=["notifications"])
POLICE = allow(Role.POLICE_FEED)


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


def _take(
    svc: Services, user: UserRecord, text: str, position: int
) -> tuple[Receipt, SubmissionReceipt]:
    """Ingest one record; its receipt and audit entry commit with it."""
    receipt, row = receipts.submit(
        svc.database, text, by=user, position=position, clock=svc.clock, vetter=svc.vetter
    )
    return receipt, SubmissionReceipt.of(receipt, row.id)


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
    response_model=SubmissionReceipt,
    openapi_extra={"requestBody": _NOTIFICATION_BODY},
    responses={
        200: {
            "description": "An update, or an identical resubmission that changed nothing",
            "model": SubmissionReceipt,
        },
        **problem_responses(401, 403, 413),
        422: {
            "description": "Rejected; kept in quarantine with each field's problem",
            "model": SubmissionReceipt,
            "content": {
                MEDIA_TYPE: {
                    "example": {
                        key: value
                        for key, value in StoredReceipt.model_json_schema()["examples"][0].items()
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
    response_model=BatchReceipts,
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
) -> BatchReceipts | JSONResponse:
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

    def take_all() -> list[SubmissionReceipt]:
        return [
            _take(svc, user, json.dumps(item), position)[1]
            for position, item in enumerate(records, start=1)
        ]

    receipts = await run_in_threadpool(take_all)
    return BatchReceipts(counts=dict(Counter(r.outcome for r in receipts)), receipts=receipts)


@router.get(
    "/receipts",
    response_model=Page[StoredReceipt],
    responses=problem_responses(401, 403, 422),
)
def list_receipts(
    session: SessionDep, paging: PagingDep, user: Annotated[UserRecord, Depends(POLICE)]
) -> Page[StoredReceipt]:
    """This feed's own receipts, newest first."""
    rows, total = receipts.page_of(session, by=user, offset=paging.offset, limit=paging.per_page)
    return paging.of([StoredReceipt.of_row(r) for r in rows], total)


@router.get(
    "/receipts/{receipt_id}",
    response_model=StoredReceipt,
    responses=problem_responses(401, 403, 404, 422),
)
def read_receipt(
    receipt_id: int, session: SessionDep, user: Annotated[UserRecord, Depends(POLICE)]
) -> StoredReceipt:
    """One of this feed's receipts (another feed's is "not found", never shown)."""
    return StoredReceipt.of_row(receipts.get_own(session, by=user, receipt_id=receipt_id))
