"""Writing and reading the audit trail. Writes join the caller's transaction, so a change and its
audit entry are committed together or not at all.

Details name records by id and say what was done; they never carry names, dates of birth,
addresses or free text about a child.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.orm import Session

from triage.store.tables import AuditEvent, UserRecord

EXPORT_COLUMNS = ("id", "at", "username", "role", "action", "record_type", "record_id", "detail")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a signed-in user, or the service itself (`user_id` None)."""

    user_id: int | None
    username: str
    role: str

    @classmethod
    def of(cls, user: UserRecord) -> Actor:
        return cls(user_id=user.id, username=user.username, role=user.role)


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    record_type: str,
    record_id: object,
    now: datetime,
    **detail: Any,
) -> AuditEvent:
    event = AuditEvent(
        at=now,
        user_id=actor.user_id,
        username=actor.username,
        role=actor.role,
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        detail=detail,
    )
    session.add(event)
    return event


@dataclass(frozen=True, slots=True)
class Entry:
    """One audit entry to write with others (`record_many`)."""

    actor: Actor
    action: str
    record_type: str
    record_id: object
    detail: dict[str, Any]


def record_many(session: Session, entries: list[Entry], *, now: datetime) -> None:
    """Write many entries in one batched statement (a group of submissions), in the caller's
    transaction like `record`: committed with what they describe or not at all."""
    if not entries:
        return
    session.execute(
        insert(AuditEvent),
        [
            {
                "at": now,
                "user_id": e.actor.user_id,
                "username": e.actor.username,
                "role": e.actor.role,
                "action": e.action,
                "record_type": e.record_type,
                "record_id": str(e.record_id),
                "detail": e.detail,
            }
            for e in entries
        ],
    )


def _filtered(
    query: Select[Any],
    *,
    action: str | None,
    username: str | None,
    record_type: str | None,
    record_id: str | None = None,
    since: datetime | None = None,
    before: datetime | None = None,
) -> Select[Any]:
    if record_id:
        query = query.where(AuditEvent.record_id == record_id)
    if since:
        query = query.where(AuditEvent.at >= since)
    if before:
        query = query.where(AuditEvent.at < before)
    if action:
        query = query.where(AuditEvent.action == action)
    if username:
        query = query.where(AuditEvent.username == username)
    if record_type:
        query = query.where(AuditEvent.record_type == record_type)
    return query


def page_of_events(
    session: Session,
    *,
    offset: int,
    limit: int,
    action: str | None = None,
    username: str | None = None,
    record_type: str | None = None,
    record_id: str | None = None,
    since: datetime | None = None,
    before: datetime | None = None,
) -> tuple[list[AuditEvent], int]:
    """Newest first, with the total that match (`since` inclusive, `before` exclusive)."""
    filters: dict[str, Any] = {
        "action": action,
        "username": username,
        "record_type": record_type,
        "record_id": record_id,
        "since": since,
        "before": before,
    }
    total = session.scalar(_filtered(select(func.count(AuditEvent.id)), **filters)) or 0
    rows = session.scalars(
        _filtered(select(AuditEvent), **filters)
        .order_by(AuditEvent.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), total


def choices(session: Session) -> tuple[list[str], list[str]]:
    """The usernames and actions the trail holds, for its filters."""
    users = session.scalars(select(AuditEvent.username).distinct().order_by(AuditEvent.username))
    actions = session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return list(users), list(actions)


def export_csv(session: Session) -> Iterator[str]:
    """The whole trail, oldest first, as CSV text in chunks (streamed, never all in memory)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for event in session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    ):
        writer.writerow(
            [
                event.id,
                event.at.isoformat(),
                event.username,
                event.role,
                event.action,
                event.record_type,
                event.record_id,
                _detail_text(event.detail),
            ]
        )
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _detail_text(detail: dict[str, Any]) -> str:
    return "; ".join(f"{key}={value}" for key, value in sorted(detail.items()))


def export(session: Session, *, by: UserRecord, now: datetime) -> str:
    """The whole trail as CSV, oldest first; the export itself is audited first, so it is in
    what it exports."""
    record(session, Actor.of(by), "export_audit", record_type="audit", record_id="-", now=now)
    session.flush()
    return "".join(export_csv(session))
