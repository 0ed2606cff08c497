"""What the audit API gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from triage.http.schemas import REF, WHEN, example
from triage.store.tables import AuditEvent as AuditRecord


class AuditEvent(BaseModel):
    model_config = example(
        event_id=301,
        at=WHEN,
        username="mash.demo",
        role="mash_worker",
        action="view_notification",
        record_type="episode",
        record_id=REF,
        detail={},
    )

    event_id: int
    at: datetime
    username: str
    role: str
    action: str
    record_type: str
    record_id: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, event: AuditRecord) -> AuditEvent:
        return cls(
            event_id=event.id,
            at=event.at,
            username=event.username,
            role=event.role,
            action=event.action,
            record_type=event.record_type,
            record_id=event.record_id,
            detail=event.detail,
        )
