"""Every notification that needs a person, with its newest decision's open actions: what the
queue by child is made from, read from the store once for each change of it.

Reading it means the level in force of every episode and the actions of every open one, about
a quarter of a second on a city's year; the queue is opened far more often than the store
changes. So each process keeps the last reading beside a *stamp* of the store, and reads again
whenever the stamp differs. The stamp is every input's newest row: notification versions (a new
or corrected notification, a child's details), decisions (vetting, re-vets, retries), reviews,
agreements, actions done, episodes, and the count of children merged into another (a confirmed
match moves episodes). Those tables only grow (the database refuses changes to history), so a
stamp that has not moved means nothing the queue shows has changed. Time is not in the stamp:
what is overdue or due soon is worked out from the reading at every request.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from triage.casework.actions import open_actions
from triage.casework.queue import TO_DO, queue_rows
from triage.store.tables import (
    ActionCompletion,
    ChildRecord,
    DecisionRecord,
    EpisodeRecord,
    NotificationVersion,
    ReviewAgreement,
    ReviewRecord,
)


@dataclass(frozen=True, slots=True)
class OpenWork:
    rows: tuple[Any, ...]  # the queue's rows (`queue.queue_rows`) that need a person
    actions: dict[int, list[tuple[str, datetime]]]  # episode id -> open actions, soonest first


_readings: weakref.WeakKeyDictionary[Engine, tuple[tuple[Any, ...], OpenWork]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def open_work(session: Session) -> OpenWork:
    """What needs a person now (from this process's last reading if the store is unchanged)."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    mark = stamp(session)
    with _lock:
        kept = _readings.get(engine)
    if kept is not None and kept[0] == mark:
        return kept[1]
    work = _read(session)
    with _lock:
        _readings[engine] = (mark, work)
    return work


def stamp(session: Session) -> tuple[Any, ...]:
    """The store's state as far as the queue can tell: one row of each input's newest id."""
    newest = [
        select(func.max(table.id)).scalar_subquery()
        for table in (
            NotificationVersion,
            DecisionRecord,
            ReviewRecord,
            ReviewAgreement,
            ActionCompletion,
            EpisodeRecord,
        )
    ]
    merged = (
        select(func.count())
        .select_from(ChildRecord)
        .where(ChildRecord.merged_into_id.is_not(None))
        .scalar_subquery()
    )
    return tuple(session.execute(select(*newest, merged)).one())


def _read(session: Session) -> OpenWork:
    rows = queue_rows().subquery("queue")
    query = select(rows).where(rows.c.status.in_(sorted(s.value for s in TO_DO)))
    found = tuple(session.execute(query))
    actions = open_actions(
        session, {row.episode_id: row.decision_id for row in found if row.decision_id is not None}
    )
    return OpenWork(found, actions)
