"""Extracts into the store: a file of one source imported once, its good lines kept typed, its
refused lines kept as they came with each field's problem, and a refused line replayed fixed.

    imported = import_extract(session, Source.FOSTERING, data, file_name="f.csv", by=user, now=now)
    imported.repeated       # the same file (by SHA-256) was imported before: nothing stored
    imported.rejected       # the lines refused, each with its row number and problems

A refused line is fixed in one of two ways. `replay(session, id, {"date_of_birth": ...})` puts
it through the same schema with the changes made: it becomes a record (the entry is marked
`replayed`), or it is refused again and kept as a new entry pointing back at the first (marked
`superseded`). Or the source sends a corrected file: a line of it with the record id of an open
entry, kept, marks that entry replayed. Nothing is deleted.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage import audit
from triage.accounts.roles import DESCRIPTIONS, Role
from triage.audit import Actor
from triage.errors import Conflict, ExtractRefused, RecordNotFound, Refused
from triage.reconciliation.extract import ExtractRow, columns_of, read_extract
from triage.reconciliation.reasons import EXTRACTS, Source
from triage.reconciliation.tables import ExtractImport, ExtractRecord, ExtractRejectedRow
from triage.store.tables import UserRecord

# Who reconciles: the data managers the report mentions are admins and analysts here.
RECONCILERS = frozenset({Role.ADMIN, Role.ANALYST})
OPEN, REPLAYED, SUPERSEDED = "open", "replayed", "superseded"
STATUSES = (OPEN, REPLAYED, SUPERSEDED)


@dataclass(frozen=True)
class Imported:
    record: ExtractImport
    repeated: bool  # this very file was imported before (`record` is that import)
    rejected: list[ExtractRejectedRow]
    corrected: int  # open refused lines of earlier imports this file holds corrected


@dataclass(frozen=True)
class Replayed:
    entry: ExtractRejectedRow  # the entry replayed (now replayed or superseded)
    record: ExtractRecord | None  # what it became, if kept
    again: ExtractRejectedRow | None  # the new entry, if refused again


def source_of(text: str) -> Source:
    """`case-record` or `fostering` as a source; anything else refused naming `source`."""
    try:
        source = Source(text.strip())
    except ValueError:
        source = Source.POLICE
    if source not in EXTRACTS:
        allowed = ", ".join(s.value for s in EXTRACTS)
        raise ExtractRefused("source", f"{text!r} is not an extract's source: one of {allowed}")
    return source


def reconciler(session: Session, username: str) -> UserRecord:
    """The active account `username`, if it may reconcile (for the command line's `--by`)."""
    user = session.scalar(select(UserRecord).where(UserRecord.username == username.strip()))
    if user is None or not user.active:
        raise Refused("by", f"{username!r} is not an active account")
    if Role(user.role) not in RECONCILERS:
        allowed = " or ".join(DESCRIPTIONS[r] for r in sorted(RECONCILERS))
        raise Refused("by", f"{username!r} is a {DESCRIPTIONS[Role(user.role)]}: needs {allowed}")
    return user


def import_extract(
    session: Session,
    source: Source,
    data: bytes,
    *,
    file_name: str,
    by: UserRecord,
    now: datetime,
) -> Imported:
    """Store every line of one extract file, kept or refused; the same file again stores
    nothing and says so. A file that is not text, or whose header is not the source's
    schema, is refused whole (nothing stored)."""
    digest = hashlib.sha256(data).hexdigest()
    before = session.scalar(
        select(ExtractImport).where(
            ExtractImport.source == source.value, ExtractImport.file_hash == digest
        )
    )
    if before is not None:
        _audit(session, by, before, now, repeated=True)
        return Imported(before, True, rejected_of(session, before.id), 0)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractRefused("file", f"is not UTF-8 text (byte {exc.start})") from None
    result = read_extract(source, text)
    record = ExtractImport(
        source=source.value,
        file_name=file_name[-300:],
        file_hash=digest,
        rows_read=len(result.rows) + len(result.rejected),
        rows_kept=len(result.rows),
        rows_rejected=len(result.rejected),
        by_id=by.id,
        at=now,
    )
    session.add(record)
    session.flush()
    kept = [_record(record.id, source, row) for row in result.rows]
    session.add_all(kept)
    rejected = [
        ExtractRejectedRow(
            import_id=record.id,
            source=source.value,
            row_number=r.row_number,
            raw=r.raw,
            cells=r.cells,
            errors=r.errors,
            status=OPEN,
        )
        for r in result.rejected
    ]
    session.add_all(rejected)
    session.flush()
    corrected = _corrected_by(session, source, record.id, kept, by=by, now=now)
    _audit(session, by, record, now, repeated=False, corrected=corrected)
    return Imported(record, False, rejected, corrected)


def _record(import_id: int, source: Source, row: ExtractRow, **more: object) -> ExtractRecord:
    return ExtractRecord(
        import_id=import_id,
        source=source.value,
        row_number=row.row_number,
        record_id=row.record_id,
        local_child_id=row.local_child_id,
        given_name=row.given_name,
        family_name=row.family_name,
        date_of_birth=row.date_of_birth,
        category=row.category,
        started_at=row.started_at,
        ended_at=row.ended_at,
        legal_status=row.legal_status,
        placement_type=row.placement_type,
        responsible_authority=row.responsible_authority,
        **more,
    )


def _corrected_by(
    session: Session,
    source: Source,
    import_id: int,
    kept: list[ExtractRecord],
    *,
    by: UserRecord,
    now: datetime,
) -> int:
    """Mark replayed the open refused lines of earlier imports whose record id this import
    kept (the source sent the record again, corrected)."""
    by_record = {r.record_id: r for r in kept}
    if not by_record:
        return 0
    open_rows = session.scalars(
        select(ExtractRejectedRow).where(
            ExtractRejectedRow.source == source.value,
            ExtractRejectedRow.status == OPEN,
            ExtractRejectedRow.import_id != import_id,
        )
    ).all()
    count = 0
    for entry in open_rows:
        fixed = by_record.get(str(entry.cells.get("record_id", "")).strip())
        if fixed is not None:
            _resolve(entry, REPLAYED, by=by, now=now, became=fixed.id)
            count += 1
    return count


def _resolve(
    entry: ExtractRejectedRow, status: str, *, by: UserRecord, now: datetime, became: int | None
) -> None:
    entry.status, entry.replayed_as_id = status, became
    entry.resolved_by_id, entry.resolved_at = by.id, now


def _audit(
    session: Session, by: UserRecord, record: ExtractImport, now: datetime, **detail: object
) -> None:
    audit.record(
        session,
        Actor.of(by),
        "import_extract",
        record_type="extract_import",
        record_id=record.id,
        now=now,
        source=record.source,
        kept=record.rows_kept,
        rejected=record.rows_rejected,
        **detail,
    )


def rejected_of(session: Session, import_id: int) -> list[ExtractRejectedRow]:
    return list(
        session.scalars(
            select(ExtractRejectedRow)
            .where(ExtractRejectedRow.import_id == import_id)
            .order_by(ExtractRejectedRow.id)
        )
    )


def list_rejected(
    session: Session,
    *,
    status: str | None = OPEN,
    source: Source | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ExtractRejectedRow], int]:
    """A page of refused lines, oldest first, and how many there are in all."""
    if status is not None and status not in STATUSES:
        raise Refused("status", f"{status!r} is not one of {', '.join(STATUSES)} (or all)")
    query = select(ExtractRejectedRow)
    if status:
        query = query.where(ExtractRejectedRow.status == status)
    if source:
        query = query.where(ExtractRejectedRow.source == source.value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(ExtractRejectedRow.id).limit(limit).offset(offset))
    return list(rows), total


def replay(
    session: Session,
    entry_id: int,
    changes: dict[str, str],
    *,
    by: UserRecord,
    now: datetime,
) -> Replayed:
    """Put a refused line through its schema again with `changes` made (column -> value)."""
    entry = session.get(ExtractRejectedRow, entry_id)
    if entry is None:
        raise RecordNotFound("refused extract line", entry_id)
    if entry.status != OPEN:
        raise Conflict(f"refused extract line {entry_id} is {entry.status}, not open")
    source = Source(entry.source)
    columns = columns_of(source)
    for name in changes:
        if name not in columns:
            raise ExtractRefused(name, f"is not a column of the {source.value} extract")
    cells = {c: str(entry.cells.get(c, "")) for c in columns} | changes
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([columns, [cells[c] for c in columns]])
    result = read_extract(source, out.getvalue())
    detail = {"fields": sorted(changes), "source": source.value}
    if result.rows:
        row = result.rows[0]
        record = _record(entry.import_id, source, row, replay_of_id=entry.id)
        record.row_number = entry.row_number
        session.add(record)
        session.flush()
        _resolve(entry, REPLAYED, by=by, now=now, became=record.id)
        _audit_replay(session, by, entry, now, outcome="kept", **detail)
        return Replayed(entry, record, None)
    again = ExtractRejectedRow(
        import_id=entry.import_id,
        source=source.value,
        row_number=entry.row_number,
        raw=out.getvalue().split("\n", 1)[1].rstrip("\n"),
        cells=cells,
        errors=result.rejected[0].errors,
        status=OPEN,
        replay_of_id=entry.id,
    )
    session.add(again)
    session.flush()
    _resolve(entry, SUPERSEDED, by=by, now=now, became=None)
    _audit_replay(session, by, entry, now, outcome="refused", again=again.id, **detail)
    return Replayed(entry, None, again)


def _audit_replay(
    session: Session, by: UserRecord, entry: ExtractRejectedRow, now: datetime, **detail: object
) -> None:
    audit.record(
        session,
        Actor.of(by),
        "replay_extract_line",
        record_type="extract_rejected_row",
        record_id=entry.id,
        now=now,
        **detail,
    )
