"""What the episodes' newest decisions ask of the interview tasks, read in SQL.

An episode needs a task when police have reported its return and its newest decision asks
for a return home interview (an action `return_home_interview`, rule R19). The decision's
actions are JSON: the database keeps only decisions whose text names that action
(`asking()`), and `asks` confirms each on the few rows left, so a pass never reads the
bodies of absent or other-authority episodes, however many the city has had.

Tasks follow later decisions (`follow`), as the service, audited with codes only:
- an `open` task (nothing recorded yet) none of whose episodes' newest decisions asks for an
  interview any more is `withdrawn` (why: `reclassified_absent`, `another_authority`, or
  `no_longer_asked`); it leaves the worklist and the report's interviews due;
- a withdrawn task whose episode's newest decision asks again is `open` again, on its clock;
- an open task's team follows the routing of the newest decision that asks for it (old and
  new audited); a worker it was allocated to who is not in the new team gives it up.

The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, or_, select
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.decisions.level import newest_decisions
from triage.interviews.tables import InterviewEpisode, InterviewTask, TeamMembership
from triage.store.tables import AuditEvent, DecisionRecord, EpisodeRecord

SERVICE = Actor(user_id=None, username="service", role="service")
RECORD = "interview_task"
RHI_ACTION = "return_home_interview"
OTHER_AUTHORITY_FLAG = "other_authority"  # R18's flag: placed here by another authority
WITHDRAWN = "withdrawn"


def asks(body: dict[str, Any]) -> bool:
    """The decision asks for a return home interview."""
    return any(action.get("type") == RHI_ACTION for action in body.get("actions", []))


def asking() -> ColumnElement[bool]:
    """In SQL: the decision's JSON names the interview action (a superset `asks` confirms)."""
    return cast(DecisionRecord.body, Text).like(f'%"{RHI_ACTION}"%')


def why_not(classification: str, body: dict[str, Any]) -> str:
    """Why a decision no longer asks for an interview, as a code."""
    if OTHER_AUTHORITY_FLAG in body.get("flags", []):
        return "another_authority"
    if classification == "absent":
        return "reclassified_absent"
    return "no_longer_asked"


def needing_a_task(
    session: Session, episode_ids: Collection[int] | None
) -> list[tuple[EpisodeRecord, str]]:
    """Returned episodes with no task whose newest decision asks for an interview, with the
    team it routes to, by return time (so merges happen in the order children returned)."""
    candidates = (
        select(EpisodeRecord.id)
        .outerjoin(InterviewEpisode, InterviewEpisode.episode_id == EpisodeRecord.id)
        .where(EpisodeRecord.returned_at.is_not(None), InterviewEpisode.id.is_(None))
    )
    if episode_ids is not None:
        candidates = candidates.where(EpisodeRecord.id.in_(list(episode_ids)))
    newest = newest_decisions(candidates)
    query = (
        select(EpisodeRecord, DecisionRecord.team, DecisionRecord.body)
        .join(newest, newest.c.episode_id == EpisodeRecord.id)
        .join(DecisionRecord, DecisionRecord.id == newest.c.id)
        .where(asking())
        .order_by(EpisodeRecord.returned_at, EpisodeRecord.id)
    )
    return [(episode, team) for episode, team, body in session.execute(query) if asks(body)]


@dataclass(slots=True)
class Followed:
    withdrawn: int = 0
    reopened: int = 0
    rerouted: int = 0


@dataclass(slots=True)
class _Newest:
    team: str
    classification: str
    body: dict[str, Any]


def follow(session: Session, *, now: datetime, episode_ids: Collection[int] | None) -> Followed:
    """Withdraw, reopen and re-route open and withdrawn tasks as their episodes' newest
    decisions say (only open tasks and withdrawn ones asked for again are read)."""
    done = Followed()
    links = (
        select(InterviewEpisode.episode_id)
        .join(InterviewTask, InterviewTask.id == InterviewEpisode.task_id)
        .where(InterviewTask.status.in_(("open", WITHDRAWN)))
    )
    if episode_ids is not None:
        links = links.where(InterviewEpisode.episode_id.in_(list(episode_ids)))
    newest = newest_decisions(links)
    rows = session.execute(
        select(
            InterviewTask,
            DecisionRecord.team,
            DecisionRecord.classification,
            DecisionRecord.body,
        )
        .join(InterviewEpisode, InterviewEpisode.task_id == InterviewTask.id)
        .join(newest, newest.c.episode_id == InterviewEpisode.episode_id)
        .join(DecisionRecord, DecisionRecord.id == newest.c.id)
        .where(
            or_(
                InterviewTask.status == "open",
                and_(InterviewTask.status == WITHDRAWN, asking()),
            )
        )
        .order_by(InterviewTask.id, DecisionRecord.as_of, DecisionRecord.id)
    ).all()
    decided: dict[int, tuple[InterviewTask, list[_Newest]]] = {}
    for task, team, classification, body in rows:
        decided.setdefault(task.id, (task, []))[1].append(_Newest(team, classification, body))
    for task, newest_of_each in decided.values():
        still = [d for d in newest_of_each if asks(d.body)]
        if task.status == "open" and not still:
            last = newest_of_each[-1]
            _withdraw(session, task, why_not(last.classification, last.body), now)
            done.withdrawn += 1
            continue
        if task.status == WITHDRAWN and still:
            task.status = "open"
            _audit(session, task, "interview_task_reopened", now)
            done.reopened += 1
        if still and still[-1].team != task.team:
            _reroute(session, task, still[-1].team, now)
            done.rerouted += 1
    session.flush()
    return done


def _audit(
    session: Session, task: InterviewTask, action: str, now: datetime, **detail: Any
) -> None:
    audit.record(session, SERVICE, action, record_type=RECORD, record_id=task.id, now=now, **detail)


def _withdraw(session: Session, task: InterviewTask, why: str, now: datetime) -> None:
    task.status = WITHDRAWN
    _audit(session, task, "interview_task_withdrawn", now, why=why)


def _reroute(session: Session, task: InterviewTask, team: str, now: datetime) -> None:
    """The task moves to the team the newest decision routes to; a worker it was allocated
    to who is not in that team gives it up (the new team's unallocated list shows it)."""
    old, previous = task.team, task.allocated_to_id
    task.team = team
    member = session.get(TeamMembership, previous) if previous is not None else None
    kept = previous is None or (member is not None and member.team == team)
    if not kept:
        task.allocated_to_id, task.allocated_at = None, None
    _audit(
        session,
        task,
        "interview_task_rerouted",
        now,
        old_team=old,
        new_team=team,
        previous_user_id=None if kept else previous,
    )


def withdrawn_why(session: Session, task_id: int) -> str | None:
    """Why a withdrawn task was withdrawn (its newest withdrawal in the audit trail)."""
    detail = session.scalar(
        select(AuditEvent.detail)
        .where(
            AuditEvent.record_type == RECORD,
            AuditEvent.record_id == str(task_id),
            AuditEvent.action == "interview_task_withdrawn",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return str(detail.get("why")) if detail else None
