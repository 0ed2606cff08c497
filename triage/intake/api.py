"""Police systems submit notifications (one or a batch) and read their own receipts.

Submissions go to the app's intake writer (`triage.intake.group`), which owns the transactions:
the records that arrive together share one, and a record the store refuses is taken again alone
(retried, quarantined rather than lost); each receipt and audit entry commits with its record.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from triage.accounts.roles import Role
from triage.errors import FieldError
from triage.http.deps import PagingDep, RecordId, SessionDep, allow, services
from triage.http.problems import MEDIA_TYPE, ProblemException, problem_body, problem_responses
from triage.http.schemas import Page
from triage.intake import receipts
from triage.intake.group import Gatherer
from triage.intake.schemas import BatchReceipts, Rejection, StoredReceipt, SubmissionReceipt
from triage.intake.service import Outcome, Receipt
from triage.notification import Notification
from triage.notification.example import EXAMPLE_NOTIFICATION
from triage.notification.reader import array_elements, raw_from_bytes
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

# The published contract, built once. Its definitions (Child, Episode, ...) go into the OpenAPI
# document's components, where its references point, so that clients and fuzzers resolve them.
_CONTRACT = Notification.model_json_schema(ref_template="#/components/schemas/{model}")
CONTRACT_DEFINITIONS: dict[str, Any] = _CONTRACT.pop("$defs")
_CONTRACT.pop("$id", None)  # an id would make the references relative to it

_NOTIFICATION_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": _CONTRACT,
            "example": EXAMPLE_NOTIFICATION,
        }
    },
}


_GATHERING = threading.Lock()


def _gatherer(request: Request) -> Gatherer:
    """The app's one intake writer (`triage.intake.group`), made on first use for the services
    the app holds now."""
    svc = services(request)
    with _GATHERING:
        held = getattr(request.app.state, "intake", None)
        if held is None or held[0] is not svc:
            held = (svc, Gatherer(svc.database, svc.vetter, svc.clock))
            request.app.state.intake = held
    return held[1]


async def _take_all(
    request: Request, user: UserRecord, bodies: list[bytes]
) -> list[tuple[Receipt, SubmissionReceipt]]:
    """Ingest records (with their positions, from 1); each receipt and audit entry commits with
    its record, in a group with whatever else arrived at the same moment."""
    gatherer = _gatherer(request)
    source = receipts.source_of(user)
    answers = [
        gatherer.submit(raw_from_bytes(data, source=source, position=position), user)
        for position, data in enumerate(bodies, start=1)
    ]
    taken = await asyncio.gather(*(asyncio.wrap_future(answer) for answer in answers))
    return [(receipt, SubmissionReceipt.of(receipt, row_id)) for receipt, row_id in taken]


def _too_large(size: int, limit: int) -> ProblemException:
    return ProblemException(
        413,
        "too-large",
        "The request is too large",
        f"more than {limit:,} bytes (at least {size:,}); send at most {limit:,}",
    )


async def _body(request: Request, limit: int) -> bytes:
    """The body, read as it streams in and refused as soon as it passes `limit`: a huge body
    is never read whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


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
            "description": "Rejected; kept in quarantine with each field's problem. The answer "
            "is a problem (type, title, status, detail, errors) and the receipt at once",
            "model": Rejection,
            "content": {MEDIA_TYPE: {"example": Rejection.model_json_schema()["examples"][0]}},
        },
    },
)
async def submit(
    request: Request,
    user: Annotated[UserRecord, Depends(POLICE)],
) -> JSONResponse:
    """Submit one notification. Resubmitting the same police reference is always safe."""
    data = await _body(request, MAX_BODY)
    [(receipt, body)] = await _take_all(request, user, [data])
    if receipt.outcome is Outcome.REJECTED:  # a problem (RFC 9457) that is also the receipt
        return JSONResponse(
            Rejection.of_receipt(body).model_dump(mode="json"),
            status_code=422,
            media_type=MEDIA_TYPE,
        )
    return JSONResponse(body.model_dump(mode="json"), status_code=_STATUS[receipt.outcome])


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
    data = await _body(request, MAX_BATCH_BODY)
    text = data.decode("utf-8", errors="surrogateescape")  # each element judged for UTF-8 alone
    elements = array_elements(text)
    if elements is None:
        # Kept in quarantine like any unreadable record; the receipt says where.
        [(_receipt, kept)] = await _take_all(request, user, [data])
        problem = ProblemException(
            422,
            "invalid-batch",
            "A batch must be a JSON array of notifications",
            f"kept in quarantine as record {kept.quarantine_id}",
            [FieldError("body", "is not a JSON array")],
        )
        return JSONResponse(problem_body(problem), status_code=422, media_type=MEDIA_TYPE)
    if len(elements) > MAX_BATCH:
        raise ProblemException(
            422,
            "invalid-batch",
            "The batch is too large",
            f"{len(elements)} records; send at most {MAX_BATCH} at a time",
        )

    bodies = [element.encode("utf-8", errors="surrogateescape") for element in elements]
    taken = [body for _receipt, body in await _take_all(request, user, bodies)]
    return BatchReceipts(counts=dict(Counter(r.outcome for r in taken)), receipts=taken)


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
    receipt_id: RecordId, session: SessionDep, user: Annotated[UserRecord, Depends(POLICE)]
) -> StoredReceipt:
    """One of this feed's receipts (another feed's is "not found", never shown)."""
    return StoredReceipt.of_row(receipts.get_own(session, by=user, receipt_id=receipt_id))
