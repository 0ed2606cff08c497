"""Whether the service and its database answer: no sign-in needed, no personal data."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage import __version__
from triage.decisions.revet import not_vetted
from triage.errors import DatabaseUnavailable
from triage.http.deps import ServicesDep
from triage.http.problems import UNANSWERED
from triage.http.schemas import example
from triage.notification import SCHEMA_VERSION
from triage.store.tables import ChildRecord, EpisodeRecord, PossibleMatch, QuarantinedRecord


class Health(BaseModel):
    model_config = example(
        status="ok",
        version="0.1.0",
        schema_version="1.0",
        database="sqlite",
        dependencies={"database": "ok"},
        counts={"episodes": 2365, "children": 981, "quarantined_open": 12},
    )

    status: str = Field(description='"ok", or "unavailable" when a dependency is not answering')
    version: str
    schema_version: str
    database: str
    dependencies: dict[str, str] = Field(
        description='Each dependency and its state: "ok", or since when it has not answered'
    )
    counts: dict[str, int] = Field(description="Empty while the database is not answering")


def health(svc: ServicesDep) -> JSONResponse:
    """Whether the service and its database answer (no sign-in needed; no personal data).

    503, saying which dependency is down, while the database is not answering."""
    try:
        with svc.database.reading() as session:
            counts = _counts(session)
    except (DatabaseUnavailable, *UNANSWERED):
        counts = {}
    state = svc.database.status
    if not counts and state == "ok":  # it failed before the guard knew (SQLite busy, say)
        state = "not answering"
    body = Health(
        status="ok" if counts else "unavailable",
        version=__version__,
        schema_version=SCHEMA_VERSION,
        database=svc.database.dialect,
        dependencies={"database": state},
        counts=counts,
    )
    return JSONResponse(
        body.model_dump(),
        status_code=200 if counts else 503,
        headers=None if counts else {"Retry-After": "2"},
    )


def _counts(session: Session) -> dict[str, int]:
    return {
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
