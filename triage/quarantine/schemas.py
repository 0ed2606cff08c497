"""What the quarantine API gives and takes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from triage.http.problems import FieldProblem
from triage.http.schemas import REF, WHEN, example
from triage.notification.fields import Words
from triage.quarantine.service import NOT_A_NOTIFICATION


class QuarantinedRecord(BaseModel):
    model_config = example(
        quarantine_id=7,
        received_at=WHEN,
        source="api",
        position=1,
        status="open",
        errors=[{"field": "child.date_of_birth", "problem": "is in the future"}],
        raw='{"police_reference": "WMP-26-000999", ...}',
        times_received=2,
        last_received_at=WHEN,
    )

    quarantine_id: int
    received_at: datetime
    source: str
    position: int
    status: str
    errors: list[FieldProblem]
    raw: str = Field(description="Exactly what arrived, to fix and replay")
    times_received: int = Field(
        default=1, description="How often this exact record arrived while the entry was open"
    )
    last_received_at: datetime | None = Field(
        default=None, description="When it last arrived again (none if only once)"
    )


class ReplayRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"record": {"schema_version": "1.0", "police_reference": REF, "...": "..."}}
            ]
        }
    )

    record: dict[str, Any] = Field(description="The corrected notification")


class DismissRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "test_message"},
                {"reason": "other", "note": "A welfare check, not a missing episode"},
            ]
        },
    )

    reason: str = Field(
        description="Why this is not a notification: "
        + "; ".join(f"`{code}`: {words}" for code, words in NOT_A_NOTIFICATION.items())
    )
    note: Words | None = Field(
        default=None, max_length=4000, description="In words (needed for `other`)"
    )
