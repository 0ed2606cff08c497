"""Quarantine: every record that broke the contract, kept whole with its errors.

A person lists them, reads one, fixes it, and replays it. A replay that succeeds marks the entry
`replayed` (with the police reference it became); one that fails again is kept as a new entry
that points back at the first, which is marked `superseded`. Nothing is deleted.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.errors import FieldError, QuarantineError, RecordNotFound
from triage.store.tables import QuarantinedRecord, UserRecord


def keep(
    session: Session,
    *,
    source: str,
    position: int,
    raw: str,
    payload: dict[str, Any] | None,
    errors: list[FieldError],
    now: datetime,
    replay_of: int | None = None,
) -> QuarantinedRecord:
    """Keep a rejected record. One that arrives again (the same raw text, a re-loaded file or
    a feed sending it twice) while its entry is open is counted on that entry, not kept twice;
    a failed replay is always a new entry pointing back at the one it tried to fix."""
    digest = raw_hash(raw)
    if replay_of is None:
        held = session.scalar(
            select(QuarantinedRecord)
            .where(QuarantinedRecord.raw_hash == digest, QuarantinedRecord.status == "open")
            .order_by(QuarantinedRecord.id)
            .limit(1)
        )
        if held is not None:
            held.times_received += 1
            held.last_received_at = now
            held.errors = [{"field": e.field, "problem": e.problem} for e in errors]
            session.flush()
            return held
    record = QuarantinedRecord(
        raw_hash=digest,
        received_at=now,
        source=source[:200],
        position=position,
        raw=raw,
        payload=payload,
        errors=[{"field": e.field, "problem": e.problem} for e in errors],
        status="open",
        replay_of_id=replay_of,
    )
    session.add(record)
    session.flush()
    return record


def raw_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def list_records(
    session: Session, *, status: str | None = "open", limit: int = 50, offset: int = 0
) -> tuple[list[QuarantinedRecord], int]:
    """A page of quarantined records, newest first, and how many there are in all."""
    query = select(QuarantinedRecord)
    count = select(func.count()).select_from(QuarantinedRecord)
    if status:
        query = query.where(QuarantinedRecord.status == status)
        count = count.where(QuarantinedRecord.status == status)
    rows = session.scalars(
        query.order_by(QuarantinedRecord.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), session.scalar(count) or 0


def page_for(
    session: Session,
    *,
    viewer: UserRecord,
    now: datetime,
    status: str | None = "open",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[QuarantinedRecord], int]:
    """`list_records` as a person reads it: the reading is written to the audit trail."""
    audit.record(
        session,
        Actor.of(viewer),
        "list_quarantine",
        record_type="quarantine",
        record_id="-",
        now=now,
        offset=offset,
    )
    return list_records(session, status=status, limit=limit, offset=offset)


def get_or_raise(session: Session, record_id: int) -> QuarantinedRecord:
    record = session.get(QuarantinedRecord, record_id)
    if record is None:
        raise RecordNotFound("quarantined record", record_id)
    return record


def open_for_replay(session: Session, record_id: int) -> QuarantinedRecord:
    record = get_or_raise(session, record_id)
    if record.status != "open":
        raise QuarantineError(
            f"quarantined record {record_id} is {record.status}, not open; "
            + (f"it became {record.replayed_as}" if record.replayed_as else "see its replay")
        )
    return record


def mark_replayed(record: QuarantinedRecord, *, police_reference: str, now: datetime) -> None:
    record.status, record.resolved_at, record.replayed_as = "replayed", now, police_reference


def mark_superseded(record: QuarantinedRecord, *, now: datetime) -> None:
    record.status, record.resolved_at = "superseded", now
