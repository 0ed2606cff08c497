"""Quarantine: every record that broke the contract, kept whole with its errors.

A person lists them, reads one, fixes it, and replays it. A replay that succeeds marks the entry
`replayed` (with the police reference it became); one that fails again is kept as a new entry
that points back at the first, which is marked `superseded`. A record that is not a notification
at all (a test message, a record about an adult, one sent in error) is marked `dismissed`, with
its reason from `NOT_A_NOTIFICATION` kept beside it. Nothing is deleted.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.errors import FieldError, QuarantineError, QuarantineRefused, RecordNotFound
from triage.notification.fields import control_problem
from triage.quarantine.tables import QuarantineDismissal
from triage.store.tables import QuarantinedRecord, UserRecord

# Why a person may judge a kept record not to be a notification, in the words the page shows.
NOT_A_NOTIFICATION = {
    "test_message": "A test or training message from the police system",
    "not_a_child": "About an adult, not a child",
    "sent_in_error": "Sent to us in error (not our child, not our area's police)",
    "duplicate": "A copy of a notification already stored",
    "other": "Another reason (say what in the note)",
}


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


def dismiss(
    session: Session,
    record_id: int,
    *,
    reason: str,
    note: str | None,
    by: UserRecord,
    now: datetime,
) -> QuarantineDismissal:
    """Mark an open record as not a notification, with the reason; audited (the reason's code,
    never the note)."""
    record = open_for_replay(session, record_id)
    if reason not in NOT_A_NOTIFICATION:
        raise QuarantineRefused(
            "reason", f"choose a reason from the list; one of: {', '.join(NOT_A_NOTIFICATION)}"
        )
    text = (note or "").strip() or None
    if text is not None and (problem := control_problem(text)) is not None:
        raise QuarantineRefused("note", problem)
    if reason == "other" and text is None:
        raise QuarantineRefused("note", "say in the note why this is not a notification")
    record.status, record.resolved_at = "dismissed", now
    dismissal = QuarantineDismissal(
        quarantine_id=record.id, reason=reason, note=text, by_id=by.id, at=now
    )
    session.add(dismissal)
    session.flush()
    audit.record(
        session,
        Actor.of(by),
        "dismiss_quarantined",
        record_type="quarantine",
        record_id=str(record.id),
        now=now,
        reason=reason,
    )
    return dismissal


def dismissal_of(session: Session, record_id: int) -> QuarantineDismissal | None:
    return session.scalar(
        select(QuarantineDismissal).where(QuarantineDismissal.quarantine_id == record_id)
    )
