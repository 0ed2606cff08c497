"""The HTTP service, built by `create_app(settings)`; nothing is built at import time.

/api/v1/...   the API (bearer tokens; problem-details errors; OpenAPI at /api/v1/docs)
/...          the pages MASH workers, panel chairs and admins use (a signed cookie; CSRF tokens)
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError
from sqlalchemy import func, select

from triage import __version__
from triage.accounts import TokenIssuer
from triage.analysis import Pseudonymiser
from triage.api.deps import Services, ServicesDep, SessionDep
from triage.api.problems import ProblemException
from triage.api.routes import admin, auth, casework, notifications
from triage.api.schemas import Health
from triage.decisions.revet import RevetSchedule, not_vetted
from triage.errors import TriageError
from triage.notification import SCHEMA_VERSION
from triage.settings import Settings
from triage.store import Database, create_database
from triage.store.tables import ChildRecord, EpisodeRecord, PossibleMatch, QuarantinedRecord
from triage.vetting import Vetter, create_vetter
from triage.web import pages
from triage.web.security import SecurityHeaders

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    vetter: Vetter | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """The service for `settings` (or over an already-open database and vetter, for tests)."""
    secret = _secret(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = Services(
            settings=settings,
            database=database or create_database(settings),
            vetter=vetter or create_vetter(settings),
            tokens=TokenIssuer(secret, lifetime=settings.token_lifetime),
            pseudonyms=Pseudonymiser(f"pseudonym:{secret}".encode()),
            csrf_secret=f"csrf:{secret}".encode(),
            clock=clock or (lambda: datetime.now(UTC)),
        )
        app.state.services = svc
        schedule = RevetSchedule(
            svc.database,
            svc.vetter,
            lambda: svc.vetter.rulebook.current.hour_thresholds,
            interval=settings.revet_seconds,
            clock=svc.clock,
        )
        app.state.revet = schedule
        if settings.revet_seconds > 0:
            schedule.start()
        try:
            yield
        finally:
            schedule.stop()
            if database is None:
                svc.database.dispose()

    app = FastAPI(
        title="Missing children notification triage",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    for error in (ProblemException, TriageError, RequestValidationError, HTTPException):
        app.add_exception_handler(error, pages.error_handler)  # pages answer HTML, API problems
    app.add_exception_handler(pages.SignInRequired, pages.sign_in_required)
    app.add_middleware(SecurityHeaders, secure=settings.secure_cookies)
    app.include_router(_api())
    app.include_router(pages.router)
    pages.mount_static(app)
    return app


def _api() -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    api.add_api_route("/health", health, methods=["GET"], tags=["service"], response_model=Health)
    for module in (auth, notifications, casework, admin):
        api.include_router(module.router)
    return api


def health(svc: ServicesDep, session: SessionDep) -> Health:
    """Whether the service and its database answer (no sign-in needed; no personal data)."""
    counts = {
        "episodes": session.scalar(select(func.count()).select_from(EpisodeRecord)) or 0,
        "children": session.scalar(
            select(func.count())
            .select_from(ChildRecord)
            .where(ChildRecord.merged_into_id.is_(None))
        )
        or 0,
        "quarantined_open": session.scalar(
            select(func.count())
            .select_from(QuarantinedRecord)
            .where(QuarantinedRecord.status == "open")
        )
        or 0,
        "possible_matches_open": session.scalar(
            select(func.count()).select_from(PossibleMatch).where(PossibleMatch.status == "open")
        )
        or 0,
        # Stored but not vetted (vetting failed): shown in the queue, retried by the schedule.
        "not_vetted": len(not_vetted(session)),
    }
    return Health(
        status="ok",
        version=__version__,
        schema_version=SCHEMA_VERSION,
        database=svc.database.dialect,
        counts=counts,
    )


def _secret(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    log.warning("no TRIAGE_SECRET_KEY: using a fresh one, so sign-ins end when the service stops")
    return secrets.token_urlsafe(48)
