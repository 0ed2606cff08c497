"""The HTTP service, built by `create_app(settings)`; nothing is built at import time.

/api/v1/...   the API (bearer tokens; problem-details errors; OpenAPI at /api/v1/docs)
/...          the pages MASH workers, panel chairs, senior managers and admins use (a signed
              cookie; CSRF tokens)

Each domain keeps its routes beside it (`<domain>/api.py`, `<domain>/pages.py`) with its own
request and response models; this module only puts them together with the shared plumbing.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException

from triage import __version__
from triage.accounts import TokenIssuer
from triage.accounts import api as accounts_api
from triage.accounts import pages as accounts_pages
from triage.analysis import Pseudonymiser
from triage.analysis import api as analysis_api
from triage.analysis import pages as analysis_pages
from triage.audit import api as audit_api
from triage.audit import pages as audit_pages
from triage.casework import api as casework_api
from triage.casework import pages as casework_pages
from triage.decisions.revet import RevetSchedule
from triage.errors import ConfigurationError, TriageError
from triage.http import health, pages
from triage.http.deps import Services
from triage.http.problems import UNANSWERED, ProblemException
from triage.http.security import DOCS_ASSETS, CredentialsFirst, SecurityHeaders
from triage.identity import pages as match_pages
from triage.intake import api as intake_api
from triage.intelligence import api as intelligence_api
from triage.intelligence import pages as intelligence_pages
from triage.interviews import api as interviews_api
from triage.interviews import pages as interviews_pages
from triage.interviews.service import plan_pass
from triage.monitoring import api as monitoring_api
from triage.monitoring import pages as monitoring_pages
from triage.panels import api as panels_api
from triage.panels import pages as panels_pages
from triage.quarantine import api as quarantine_api
from triage.quarantine import pages as quarantine_pages
from triage.reconciliation import pages as reconciliation_pages
from triage.reports import api as reports_api
from triage.reports import pages as reports_pages
from triage.rulesets import api as rulesets_api
from triage.rulesets import pages as rulesets_pages
from triage.rulesets.service import Watch
from triage.settings import Settings
from triage.shadow import api as shadow_api
from triage.shadow import pages as shadow_pages
from triage.shadow.service import follow_pass
from triage.store import Database, create_database
from triage.vetting import Vetter, create_vetter

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
            followers=[
                Watch(svc.vetter.rulebook),  # a ruleset promoted from the command line
                lambda now: plan_pass(svc.database, svc.vetter.rulebook.current, now=now),
                lambda now: follow_pass(
                    svc.database, svc.vetter.rulebook.engine, settings.home_authority, now=now
                ),
            ],
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

    # The API's documentation (Swagger UI) from assets that ship in a package and are served
    # here: it works without the internet, and its page loads nothing from elsewhere.
    app = FastAPIOffline(
        title="Missing children notification triage",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        static_url=DOCS_ASSETS,
        favicon_url=f"{DOCS_ASSETS}/favicon.png",
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    for error in (
        ProblemException,
        TriageError,
        RequestValidationError,
        HTTPException,
        *UNANSWERED,
    ):
        app.add_exception_handler(error, pages.error_handler)  # pages answer HTML, API problems
    app.add_exception_handler(pages.SignInRequired, pages.sign_in_required)
    app.add_middleware(CredentialsFirst)
    app.add_middleware(SecurityHeaders, secure=settings.secure_cookies)
    app.include_router(_api())
    for module in (accounts_pages, casework_pages, audit_pages, quarantine_pages, match_pages):
        app.include_router(module.router)
    app.include_router(reports_pages.router)
    app.include_router(interviews_pages.router)
    app.include_router(panels_pages.router)
    app.include_router(monitoring_pages.router)
    app.include_router(analysis_pages.router)
    app.include_router(shadow_pages.router)
    app.include_router(intelligence_pages.router)
    app.include_router(rulesets_pages.router)
    app.include_router(reconciliation_pages.router)
    pages.mount_static(app)
    return app


def from_environment() -> FastAPI:
    """The service for the settings in the environment (what each `triage serve` process
    builds)."""
    from triage.settings import get_settings

    return create_app(get_settings())


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the notification contract's definitions among its components."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title, version=app.version, routes=app.routes, description=app.description
        )
        components = document.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in intake_api.CONTRACT_DEFINITIONS.items():
            if components.setdefault(name, definition) != definition:
                raise ConfigurationError(f"two different schemas are both called {name}")
        app.openapi_schema = document
    return app.openapi_schema


def _api() -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    api.add_api_route(
        "/health",
        health.health,
        methods=["GET"],
        tags=["service"],
        response_model=health.Health,
        responses={503: {"model": health.Health, "description": "A dependency is not answering"}},
    )
    for module in (
        accounts_api,
        intake_api,
        casework_api,
        quarantine_api,
        audit_api,
        analysis_api,
        monitoring_api,
        shadow_api,
        rulesets_api,
        reports_api,
        panels_api,
        interviews_api,
        intelligence_api,
    ):
        api.include_router(module.router)
    return api


def _secret(settings: Settings) -> str:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    log.warning("no TRIAGE_SECRET_KEY: using a fresh one, so sign-ins end when the service stops")
    return secrets.token_urlsafe(48)
