"""A team's worklist: open interview tasks by when they are due (overdue, due today, due
soon, later) and those nobody has taken, each section capped (its full count kept, and a
section paged on its own); and the filtered, paged list the API gives. Every list loads each
task's child, episodes and worker with it (never one query a row). A worker's "today" is a
UK day. Reading only: nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from triage.interviews.service import OPEN, UK, InterviewRules
from triage.interviews.tables import InterviewEpisode, InterviewTask
from triage.store import count

Due = str  # "overdue" | "due_today" | "due_soon" | "later" | "unallocated"
DUE_FILTERS = ("overdue", "due_today", "due_soon", "unallocated")
SECTIONS = ("overdue", "due_today", "due_soon", "later", "unallocated")
SECTION_LIMIT = 25  # rows a worklist section shows; the rest are a page of their own
LOADED = (  # what a listed task shows, loaded with the page (one query per relation)
    selectinload(InterviewTask.child),
    selectinload(InterviewTask.episodes).selectinload(InterviewEpisode.episode),
    selectinload(InterviewTask.allocated_to),
)


def _soon(now: datetime, rules: InterviewRules) -> datetime:
    return max(end_of_today(now), now + timedelta(hours=rules.due_soon_hours))


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
        soon = _soon(now, rules)
        query = query.where(InterviewTask.due_at >= end_of_today(now), InterviewTask.due_at < soon)
    elif due == "later":
        query = query.where(InterviewTask.due_at >= _soon(now, rules))
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
        query.options(*LOADED)
        .order_by(InterviewTask.due_at, InterviewTask.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return list(rows), count(session, query)


@dataclass(frozen=True)
class Worklist:
    """A team's open tasks by when they are due, and those nobody has taken: each section's
    first `SECTION_LIMIT` rows, soonest due first, and its full count in `totals`."""

    team: str
    overdue: list[InterviewTask]
    due_today: list[InterviewTask]
    due_soon: list[InterviewTask]
    later: list[InterviewTask]
    unallocated: list[InterviewTask]
    totals: dict[str, int]


def totals(session: Session, rules: InterviewRules, *, team: str, now: datetime) -> dict[str, int]:
    """How many of the team's open tasks each section holds (one query)."""
    today, soon = end_of_today(now), _soon(now, rules)
    due = InterviewTask.due_at
    conditions = {
        "overdue": due < now,
        "due_today": (due >= now) & (due < today),
        "due_soon": (due >= today) & (due < soon),
        "later": due >= soon,
        "unallocated": InterviewTask.allocated_to_id.is_(None),
    }
    row = session.execute(
        select(*(func.sum(case((c, 1), else_=0)) for c in conditions.values())).where(
            InterviewTask.team == team, InterviewTask.status.in_(OPEN)
        )
    ).one()
    return {key: int(n or 0) for key, n in zip(conditions, row, strict=True)}


def worklist(
    session: Session,
    rules: InterviewRules,
    *,
    team: str,
    now: datetime,
    limit: int = SECTION_LIMIT,
) -> Worklist:
    """The team's worklist as of `now` (every open task is counted under when it is due)."""
    sections = {
        key: page(session, rules, now=now, team=team, due=key, limit=limit)[0] for key in SECTIONS
    }
    return Worklist(team=team, totals=totals(session, rules, team=team, now=now), **sections)


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
