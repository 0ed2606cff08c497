"""The MASH worker's queue: one row for each child with open work, most urgent first.

A child has open work while any of their notifications needs a person (not vetted, awaiting
review, awaiting a second person). Children are ordered by the highest level in force among
that work; within a level, a notification whose vetting failed first, then children still
missing, then children with an action overdue (the longest overdue first), then those with an
action due within a day (the soonest first), then the rest by the score's probability and time
waiting, the notification queue's own order. Each row carries the child's most urgent
notification, their newest, how many await a person, and the next deadline.

Deadlines live in each decision's actions, so the order is settled here in Python over every
child with open work (a few hundred at a time in a city) rather than in SQL, from what needs a
person as `open_work` last read it (read again whenever the store has changed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.casework.open_work import open_work
from triage.casework.queue import TO_DO, QueueItem, queue_item
from triage.decisions.level import ReviewStatus
from triage.notification.vocabulary import RiskGrade
from triage.store.tables import EpisodeRecord, UserRecord

SOON = timedelta(hours=24)  # an action due within this is "due soon" and brought forward


@dataclass(frozen=True, slots=True)
class Deadline:
    action: str
    due_at: datetime
    police_reference: str

    def overdue(self, now: datetime) -> bool:
        return self.due_at < now


@dataclass(frozen=True, slots=True)
class ChildItem:
    """A child with open work: their most urgent notification, their newest, how many await a
    person, and the soonest action not yet done."""

    top: QueueItem
    newest: QueueItem
    waiting: int
    next_deadline: Deadline | None
    overdue: tuple[Deadline, ...]
    items: tuple[QueueItem, ...]  # every notification awaiting a person, most urgent first

    @property
    def still_missing(self) -> bool:
        return self.top.still_missing


@dataclass(frozen=True, slots=True)
class ChildFilters:
    team: str | None = None
    level: RiskGrade | None = None
    still_missing: bool = False
    overdue: bool = False
    statuses: frozenset[ReviewStatus] = TO_DO

    def as_audited(self) -> dict[str, Any]:
        return {
            "team": self.team or "",
            "level": self.level.value if self.level else "",
            "still_missing": self.still_missing,
            "overdue": self.overdue,
            "status": ",".join(sorted(self.statuses)),
        }


def page_by_child(
    session: Session,
    *,
    viewer: UserRecord,
    offset: int,
    limit: int,
    now: datetime,
    filters: ChildFilters = ChildFilters(),
) -> tuple[list[ChildItem], int]:
    """One page of children with open work, in order, and how many children in all. The
    viewing is written to the audit trail."""
    audit.record(
        session,
        Actor.of(viewer),
        "view_queue_by_child",
        record_type="queue",
        record_id="-",
        now=now,
        offset=offset,
        **filters.as_audited(),
    )
    children = children_with_open_work(session, now=now, filters=filters)
    return children[offset : offset + limit], len(children)


def children_with_open_work(
    session: Session, *, now: datetime, filters: ChildFilters = ChildFilters()
) -> list[ChildItem]:
    """Every child with open work that the filters keep, in the queue's order."""
    work = open_work(session)
    statuses = {s.value for s in filters.statuses}
    found = [
        row
        for row in work.rows
        if row.status in statuses and (not filters.team or row.team == filters.team)
    ]
    actions = work.actions
    by_child: dict[int, list[QueueItem]] = defaultdict(list)
    for row in found:
        overdue = [type_ for type_, due_at in actions.get(row.episode_id, ()) if due_at < now]
        by_child[row.child_id].append(queue_item(row, {row.episode_id: overdue}))
    children = [_child(items, actions, now) for items in by_child.values()]
    kept = [c for c in children if _kept(c, filters, now)]
    return sorted(kept, key=lambda c: _order(c, now))


def _child(
    items: list[QueueItem], actions: dict[int, list[tuple[str, datetime]]], now: datetime
) -> ChildItem:
    items.sort(key=_urgency)
    deadlines = sorted(
        (
            Deadline(type_, due_at, item.police_reference)
            for item in items
            for type_, due_at in actions.get(item.episode_id, ())
        ),
        key=lambda d: (d.due_at, d.action),
    )
    return ChildItem(
        top=items[0],
        newest=max(items, key=lambda i: (i.received_at, i.episode_id)),
        waiting=len(items),
        next_deadline=deadlines[0] if deadlines else None,
        overdue=tuple(d for d in deadlines if d.overdue(now)),
        items=tuple(items),
    )


def _urgency(item: QueueItem) -> tuple[Any, ...]:
    """A notification's place in the notification queue (`queue._priority`, in Python)."""
    return (
        -RiskGrade(item.level).rank,
        item.status is not ReviewStatus.NOT_VETTED,
        not item.still_missing,
        -(item.probability if item.probability is not None else -1.0),
        item.received_at,
        item.episode_id,
    )


def _order(child: ChildItem, now: datetime) -> tuple[Any, ...]:
    top, deadline = child.top, child.next_deadline
    if deadline is not None and deadline.due_at < now:
        bucket, when = 0, deadline.due_at.timestamp()
    elif deadline is not None and deadline.due_at < now + SOON:
        bucket, when = 1, deadline.due_at.timestamp()
    else:
        bucket, when = 2, 0.0
    urgency = _urgency(top)
    return (*urgency[:3], bucket, when, *urgency[3:])


def _kept(child: ChildItem, filters: ChildFilters, now: datetime) -> bool:
    if filters.level is not None and child.top.level != filters.level.value:
        return False
    if filters.still_missing and not child.still_missing:
        return False
    return not (filters.overdue and not child.overdue)


@dataclass(frozen=True, slots=True)
class NextInQueue:
    """Where a worker goes once a review is saved: the same child's next notification that
    needs a person, if any, and the next child in the queue."""

    same_child: QueueItem | None
    next_child: ChildItem | None


def next_in_queue(session: Session, *, after: str, now: datetime) -> NextInQueue:
    """What follows the notification `after` (just reviewed) in the queue by child."""
    children = children_with_open_work(session, now=now)
    mine = next((c for c in children if any(i.police_reference == after for i in c.items)), None)
    child_id = mine.top.child_id if mine else _child_of(session, after)
    same = next((i for i in mine.items if i.police_reference != after), None) if mine else None
    other = next((c for c in children if c.top.child_id != child_id), None)
    return NextInQueue(same_child=same, next_child=other)


def _child_of(session: Session, police_reference: str) -> int | None:
    return session.scalar(
        select(EpisodeRecord.child_id).where(EpisodeRecord.police_reference == police_reference)
    )
