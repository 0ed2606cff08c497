"""Whether the service and its database answer: no sign-in needed, no personal data."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import func, select

from triage import __version__
from triage.decisions.revet import not_vetted
from triage.http.deps import ServicesDep, SessionDep
from triage.http.schemas import example
from triage.notification import SCHEMA_VERSION
from triage.store.tables import ChildRecord, EpisodeRecord, PossibleMatch, QuarantinedRecord


class Health(BaseModel):
    model_config = example(
        status="ok",
        version="0.1.0",
        schema_version="1.0",
        database="sqlite",
        counts={"episodes": 2365, "children": 981, "quarantined_open": 12},
    )

    status: str
    version: str
    schema_version: str
    database: str
    counts: dict[str, int]


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
