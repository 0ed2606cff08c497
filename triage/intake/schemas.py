"""What police systems are told about what they submitted."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from triage.http.problems import PROBLEM_TYPES, FieldProblem
from triage.http.schemas import REF, WHEN, example
from triage.intake.service import Receipt
from triage.store.tables import SubmissionReceipt as ReceiptRecord


class SubmissionReceipt(BaseModel):
    model_config = example(
        receipt_id=41,
        outcome="accepted",
        police_reference=REF,
        version=1,
        vetted_level="high",
        quarantine_id=None,
        errors=[],
    )

    receipt_id: int | None = Field(description="The police feed's receipt (none for a replay)")
    outcome: Literal["accepted", "updated", "unchanged", "rejected"]
    police_reference: str | None
    version: int | None
    vetted_level: str | None
    quarantine_id: int | None = None
    errors: list[FieldProblem] = Field(default_factory=list)
    vetting_failed: bool = Field(
        default=False,
        description="Stored but not vetted (it is retried automatically; until then it is "
        "treated as the police grade or higher)",
    )

    @classmethod
    def of(cls, receipt: Receipt, receipt_id: int | None) -> SubmissionReceipt:
        """What a submitter (or a replay) is told about one record."""
        return cls(
            receipt_id=receipt_id,
            outcome=receipt.outcome.value,
            police_reference=receipt.police_reference,
            version=receipt.version,
            vetted_level=receipt.vetted_level,
            quarantine_id=receipt.quarantine_id,
            errors=[FieldProblem(field=e.field, problem=e.problem) for e in receipt.errors],
            vetting_failed=receipt.vetting_failed,
        )


class Rejection(SubmissionReceipt):
    """A rejected notification's answer: a problem (RFC 9457) whose extension members are the
    receipt, so a client reading either shape finds what it needs."""

    model_config = example(
        type=PROBLEM_TYPES + "rejected",
        title="The notification breaks the contract",
        status=422,
        detail="kept in quarantine as record 7; fix it and send it again",
        receipt_id=42,
        outcome="rejected",
        police_reference=REF,
        version=None,
        vetted_level=None,
        quarantine_id=7,
        errors=[{"field": "child.date_of_birth", "problem": "is in the future"}],
        vetting_failed=False,
    )

    type: str
    title: str
    status: int
    detail: str

    @classmethod
    def of_receipt(cls, receipt: SubmissionReceipt) -> Rejection:
        return cls(
            type=PROBLEM_TYPES + "rejected",
            title="The notification breaks the contract",
            status=422,
            detail=f"kept in quarantine as record {receipt.quarantine_id}; "
            "fix it and send it again",
            **receipt.model_dump(),
        )


class StoredReceipt(SubmissionReceipt):
    model_config = example(
        receipt_id=41,
        received_at=WHEN,
        outcome="rejected",
        police_reference=None,
        version=None,
        vetted_level=None,
        quarantine_id=7,
        errors=[{"field": "child.date_of_birth", "problem": "is in the future"}],
    )

    received_at: datetime

    @classmethod
    def of_row(cls, row: ReceiptRecord) -> StoredReceipt:
        return cls(
            receipt_id=row.id,
            received_at=row.received_at,
            outcome=row.outcome,
            police_reference=row.police_reference,
            version=row.version,
            vetted_level=row.vetted_level,
            quarantine_id=row.quarantine_id,
            errors=[FieldProblem(**e) for e in row.errors],
        )


class BatchReceipts(BaseModel):
    model_config = example(
        counts={"accepted": 1, "rejected": 1},
        receipts=[
            {
                "receipt_id": 41,
                "outcome": "accepted",
                "police_reference": REF,
                "version": 1,
                "vetted_level": "high",
                "quarantine_id": None,
                "errors": [],
            },
            {
                "receipt_id": 42,
                "outcome": "rejected",
                "police_reference": None,
                "version": None,
                "vetted_level": None,
                "quarantine_id": 7,
                "errors": [{"field": "sent_at", "problem": "is missing"}],
            },
        ],
    )

    counts: dict[str, int]
    receipts: list[SubmissionReceipt]
