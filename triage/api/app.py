"""The HTTP service, built by `create_app(settings)`; nothing is built at import time.

This slice takes notifications from police systems, vets each on arrival, and reports the
service's health. Sign-in, roles, the queue and the pages are added on top of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from triage import __version__
from triage.intake import Outcome, Receipt, ingest
from triage.notification import SCHEMA_VERSION, Notification
from triage.notification.reader import raw_from_text
from triage.settings import Settings
from triage.store import Database, create_database
from triage.store.tables import ChildRecord, EpisodeRecord, PossibleMatch, QuarantinedRecord
from triage.vetting import Vetter, create_vetter

_STATUS = {
    Outcome.ACCEPTED: 201,
    Outcome.UPDATED: 200,
    Outcome.UNCHANGED: 200,
    Outcome.REJECTED: 422,
}


def create_app(
    settings: Settings, *, database: Database | None = None, vetter: Vetter | None = None
) -> FastAPI:
    """The service for `settings` (or over an already-open database and vetter, for tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.database = database or create_database(settings)
        app.state.vetter = vetter or create_vetter(settings)
        try:
            yield
        finally:
            if database is None:
                app.state.database.dispose()

    app = FastAPI(
        title="Missing children notification triage",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
    )

    @app.get("/api/v1/health", tags=["service"])
    def health(request: Request) -> dict[str, Any]:
        """Whether the service and its database answer."""
        db: Database = request.app.state.database
        with db.reading() as session:
            counts = {
                "episodes": session.scalar(select(func.count()).select_from(EpisodeRecord)),
                "children": session.scalar(
                    select(func.count())
                    .select_from(ChildRecord)
                    .where(ChildRecord.merged_into_id.is_(None))
                ),
                "quarantined_open": session.scalar(
                    select(func.count())
                    .select_from(QuarantinedRecord)
                    .where(QuarantinedRecord.status == "open")
                ),
                "possible_matches_open": session.scalar(
                    select(func.count())
                    .select_from(PossibleMatch)
                    .where(PossibleMatch.status == "open")
                ),
            }
        return {
            "status": "ok",
            "version": __version__,
            "schema_version": SCHEMA_VERSION,
            "database": db.dialect,
            "counts": counts,
        }

    @app.post(
        "/api/v1/notifications",
        tags=["notifications"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": Notification.model_json_schema()}},
            }
        },
        responses={
            201: {"description": "A new episode was stored"},
            200: {"description": "An update, or an identical resubmission that changed nothing"},
            422: {"description": "Rejected; kept in quarantine with the errors listed"},
        },
    )
    async def submit_notification(request: Request) -> JSONResponse:
        """Submit one notification. Resubmitting the same police reference is always safe."""
        body = (await request.body()).decode("utf-8", errors="replace")
        record = raw_from_text(body, source="api")
        receipt = await run_in_threadpool(
            ingest, request.app.state.database, record, vetter=request.app.state.vetter
        )
        rejected = receipt.outcome is Outcome.REJECTED
        return JSONResponse(
            _receipt_body(receipt),
            status_code=_STATUS[receipt.outcome],
            media_type="application/problem+json" if rejected else None,
        )

    return app


def _receipt_body(receipt: Receipt) -> dict[str, Any]:
    body: dict[str, Any] = {
        "outcome": receipt.outcome.value,
        "police_reference": receipt.police_reference,
        "version": receipt.version,
        "vetted_level": receipt.vetted_level,
    }
    if receipt.outcome is Outcome.REJECTED:
        body.update(
            type="https://schemas.invalid/triage/problems/notification-rejected",
            title="The notification does not meet the contract",
            status=422,
            quarantine_id=receipt.quarantine_id,
            errors=[{"field": e.field, "problem": e.problem} for e in receipt.errors],
        )
    return body
