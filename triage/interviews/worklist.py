"""A team's worklist: open interview tasks by when they are due (overdue, due today, due
soon, later) and those nobody has taken; and the filtered, paged list the API gives. A
worker's "today" is a UK day. Reading only: nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from triage.interviews.service import OPEN, UK, InterviewRules
from triage.interviews.tables import InterviewTask
from triage.store import count

Due = str  # "overdue" | "due_today" | "due_soon" | "unallocated"
DUE_FILTERS = ("overdue", "due_today", "due_soon", "unallocated")


def end_of_today(now: datetime) -> datetime:
    """The next UK midnight after `now` (a worker's "today" is a UK day)."""
    today = now.astimezone(UK).date()
    return datetime.combine(today + timedelta(days=1), time(0), tzinfo=UK)


def _filtered(
    query: Select[Any],
    *,
    team: str | None,
    status: str | None,
    due: Due | None,
    child_id: int | None,
    now: datetime,
    rules: InterviewRules,
) -> Select[Any]:
    if team:
        query = query.where(InterviewTask.team == team)
    if child_id is not None:
        query = query.where(InterviewTask.child_id == child_id)
    if status:
        query = query.where(InterviewTask.status == status)
    if due:
        query = query.where(InterviewTask.status.in_(OPEN))
    if due == "overdue":
        query = query.where(InterviewTask.due_at < now)
    elif due == "due_today":
        query = query.where(InterviewTask.due_at >= now, InterviewTask.due_at < end_of_today(now))
    elif due == "due_soon":
        soon = max(end_of_today(now), now + timedelta(hours=rules.due_soon_hours))
        query = query.where(InterviewTask.due_at >= end_of_today(now), InterviewTask.due_at < soon)
    elif due == "unallocated":
        query = query.where(InterviewTask.allocated_to_id.is_(None))
    return query


def page(
    session: Session,
    rules: InterviewRules,
    *,
    now: datetime,
    team: str | None = None,
    status: str | None = None,
    due: Due | None = None,
    child_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[InterviewTask], int]:
    """Tasks matching the filters, soonest due first, and how many match in all."""
    query = _filtered(
        select(InterviewTask),
        team=team,
        status=status,
        due=due,
        child_id=child_id,
        now=now,
        rules=rules,
    )
    rows = session.scalars(
        query.options(
            selectinload(InterviewTask.episodes), selectinload(InterviewTask.allocated_to)
        )
        .order_by(InterviewTask.due_at, InterviewTask.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), count(session, query)


@dataclass(frozen=True)
class Worklist:
    """A team's open tasks by when they are due, and those nobody has taken."""

    team: str
    overdue: list[InterviewTask]
    due_today: list[InterviewTask]
    due_soon: list[InterviewTask]
    later: list[InterviewTask]
    unallocated: list[InterviewTask]


def worklist(session: Session, rules: InterviewRules, *, team: str, now: datetime) -> Worklist:
    """The team's worklist as of `now` (every open task appears under when it is due)."""
    tasks, _ = page(session, rules, now=now, team=team, due="unallocated", limit=10_000)
    everything = list(
        session.scalars(
            select(InterviewTask)
            .options(selectinload(InterviewTask.episodes), selectinload(InterviewTask.allocated_to))
            .where(InterviewTask.team == team, InterviewTask.status.in_(OPEN))
            .order_by(InterviewTask.due_at, InterviewTask.id)
        )
    )
    today = end_of_today(now)
    soon = max(today, now + timedelta(hours=rules.due_soon_hours))
    return Worklist(
        team=team,
        overdue=[t for t in everything if t.due_at < now],
        due_today=[t for t in everything if now <= t.due_at < today],
        due_soon=[t for t in everything if today <= t.due_at < soon],
        later=[t for t in everything if t.due_at >= soon],
        unallocated=tasks,
    )


def teams_with_tasks(session: Session) -> list[str]:
    return list(session.scalars(select(InterviewTask.team).distinct().order_by(InterviewTask.team)))


def open_counts(session: Session) -> dict[str, int]:
    """Open tasks per team."""
    return {
        team: n
        for team, n in session.execute(
            select(InterviewTask.team, func.count())
            .where(InterviewTask.status.in_(OPEN))
            .group_by(InterviewTask.team)
        )
    }


def of_child(session: Session, child_id: int) -> list[InterviewTask]:
    """A child's interviews, newest return first (for the child's page)."""
    return list(
        session.scalars(
            select(InterviewTask)
            .options(
                selectinload(InterviewTask.episodes),
                selectinload(InterviewTask.disclosures),
                selectinload(InterviewTask.referrals),
            )
            .where(InterviewTask.child_id == child_id)
            .order_by(InterviewTask.returned_at.desc(), InterviewTask.id.desc())
        )
    )
