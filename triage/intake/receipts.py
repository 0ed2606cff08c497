"""What a police feed is told and can read back: a receipt for every record it sent, written
with its audit entry in the record's own transaction (so a stored notification always has both),
and the same for a person's replay of a quarantined record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.decisions.service import Vetter
from triage.errors import RecordNotFound
from triage.intake.loader import ingest, replay
from triage.intake.service import Receipt
from triage.notification import RawRecord
from triage.store import Database, count
from triage.store.ids import Ids
from triage.store.tables import SubmissionReceipt, UserRecord


def keep(session: Session, *, by: UserRecord, receipt: Receipt, now: datetime) -> SubmissionReceipt:
    """Store the receipt for one submitted record, and audit the submission."""
    row = SubmissionReceipt(
        submitted_by_id=by.id,
        received_at=now,
        outcome=receipt.outcome.value,
        police_reference=receipt.police_reference,
        version=receipt.version,
        vetted_level=receipt.vetted_level,
        quarantine_id=receipt.quarantine_id,
        errors=[{"field": e.field, "problem": e.problem} for e in receipt.errors],
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        Actor.of(by),
        "submit",
        record_type="episode" if receipt.police_reference else "quarantine",
        record_id=receipt.police_reference or receipt.quarantine_id,
        now=now,
        outcome=receipt.outcome.value,
        receipt=row.id,
        vetting_failed=receipt.vetting_failed,
    )
    return row


def keep_many(
    session: Session, taken: list[tuple[UserRecord, Receipt]], *, now: datetime
) -> list[int]:
    """`keep` for a group of records taken in one transaction: their receipts and their audit
    entries each written in one batched statement. The receipts' ids, in order."""
    ids = Ids(session).take(SubmissionReceipt, len(taken))
    session.execute(
        insert(SubmissionReceipt),
        [
            {
                "id": row_id,
                "submitted_by_id": by.id,
                "received_at": now,
                "outcome": receipt.outcome.value,
                "police_reference": receipt.police_reference,
                "version": receipt.version,
                "vetted_level": receipt.vetted_level,
                "quarantine_id": receipt.quarantine_id,
                "errors": [{"field": e.field, "problem": e.problem} for e in receipt.errors],
            }
            for row_id, (by, receipt) in zip(ids, taken, strict=True)
        ],
    )
    audit.record_many(
        session,
        [
            audit.Entry(
                Actor.of(by),
                "submit",
                "episode" if receipt.police_reference else "quarantine",
                receipt.police_reference or receipt.quarantine_id,
                {
                    "outcome": receipt.outcome.value,
                    "receipt": row_id,
                    "vetting_failed": receipt.vetting_failed,
                },
            )
            for row_id, (by, receipt) in zip(ids, taken, strict=True)
        ],
        now=now,
    )
    return ids


def source_of(by: UserRecord) -> str:
    """Where a feed's records are said to come from (in quarantine)."""
    return f"api:{by.username}"


def submit_record(
    database: Database,
    raw: RawRecord,
    *,
    by: UserRecord,
    clock: Callable[[], datetime],
    vetter: Vetter,
) -> tuple[Receipt, SubmissionReceipt]:
    """Take one record from a feed, in its own transaction with its retries; its receipt and
    audit entry commit with it."""
    written: list[SubmissionReceipt] = []

    def after(session: Session, receipt: Receipt) -> None:
        written.append(keep(session, by=by, receipt=receipt, now=clock()))

    receipt = ingest(database, raw, clock=clock, vetter=vetter, after=after)
    return receipt, written[-1]  # the last attempt's: an earlier one may have rolled back


def replay_by(
    database: Database,
    record_id: int,
    fixed: str,
    *,
    by: UserRecord,
    clock: Callable[[], datetime],
    vetter: Vetter,
) -> Receipt:
    """A person's replay of a quarantined record, audited in the replay's own transaction."""

    def audited(session: Session, receipt: Receipt) -> None:
        audit.record(
            session,
            Actor.of(by),
            "replay_quarantine",
            record_type="quarantine",
            record_id=record_id,
            now=clock(),
            outcome=receipt.outcome.value,
        )

    return replay(database, record_id, fixed, clock=clock, vetter=vetter, after=audited)


def page_of(
    session: Session, *, by: UserRecord, offset: int, limit: int
) -> tuple[list[SubmissionReceipt], int]:
    """This feed's own receipts, newest first, and how many it has."""
    mine = select(SubmissionReceipt).where(SubmissionReceipt.submitted_by_id == by.id)
    rows = session.scalars(mine.order_by(SubmissionReceipt.id.desc()).offset(offset).limit(limit))
    return list(rows), count(session, mine)


def get_own(session: Session, *, by: UserRecord, receipt_id: int) -> SubmissionReceipt:
    """One of this feed's receipts; another feed's is "not found", never shown."""
    row = session.get(SubmissionReceipt, receipt_id)
    if row is None or row.submitted_by_id != by.id:
        raise RecordNotFound("receipt", receipt_id)
    return row
