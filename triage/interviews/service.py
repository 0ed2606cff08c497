"""Return home interview tasks: made from the database, one per episode, on a 72-hour clock.

What needs a task is computed from the stored state every time (like `triage.decisions.revet`),
never held in memory: an episode needs one when police have reported its return and the
episode's newest decision asks for a return home interview (rule R19: every missing episode,
our looked-after children placed out of area too; never a child placed here by another
authority, whose home authority is told instead). The database does that filtering
(`triage.interviews.follow`). The task goes to the team the decision routes to, due
`rhi_due_hours` (72) after the return police report. `plan` is idempotent (an episode has
one task: a unique constraint); it runs on the service's pass, after each re-vetting pass
(every `revet_seconds`), and by hand (`triage interviews plan`), not when a version arrives;
it audits what it does as the service:

- a later version that corrects the return time moves the deadline (old and new due audited);
- a child who goes missing again before the interview (the open task's return is before the
  new episode's last seen) and before the open task is due: with
  `rhi_merge_when_missing_again` true the new episode joins the open task, one interview
  covering both, due from the latest return (audited); false, it gets a task of its own on its
  own clock. A task already past its due time is never merged: the new return gets its own
  task, and the overdue one stays overdue;
- a later decision that no longer asks for an interview withdraws an open task, and a task's
  team follows the newest decision's routing (`triage.interviews.follow`).

The ladder: `rules_of`, `plan`, `plan_pass`, `get_or_raise`, `open_for`, `allocate`, `team_of`,
`set_team`. Outcomes are `triage.interviews.outcomes`, the worklist `triage.interviews.worklist`.
The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from triage import audit
from triage.audit import Actor
from triage.errors import Conflict, RecordNotFound
from triage.interviews.follow import RECORD, RHI_ACTION, SERVICE, follow, needing_a_task
from triage.interviews.tables import InterviewEpisode, InterviewTask, TeamMembership
from triage.rules.catalogue import Ruleset
from triage.store import Database
from triage.store.tables import EpisodeRecord, UserRecord

__all__ = ["OPEN", "RECORD", "RHI_ACTION", "SERVICE", "UK"]
UK = ZoneInfo("Europe/London")
OPEN = ("open", "offered")  # not yet held or declined: on the worklist


@dataclass(frozen=True, slots=True)
class InterviewRules:
    """The interview parameters of `rules/parameters.yaml`."""

    due_hours: float = 72.0
    merge_when_missing_again: bool = True
    due_soon_hours: float = 48.0

    @property
    def due_after(self) -> timedelta:
        return timedelta(hours=self.due_hours)


def rules_of(ruleset: Ruleset) -> InterviewRules:
    p = ruleset.parameters
    return InterviewRules(
        due_hours=float(p.get("rhi_due_hours", 72)),
        merge_when_missing_again=bool(p.get("rhi_merge_when_missing_again", True)),
        due_soon_hours=float(p.get("rhi_due_soon_hours", 48)),
    )


@dataclass(slots=True)
class PlanSummary:
    created: int = 0
    merged: int = 0
    moved: int = 0
    withdrawn: int = 0
    reopened: int = 0
    rerouted: int = 0
    task_ids: list[int] = field(default_factory=list)


def plan(
    session: Session,
    rules: InterviewRules,
    *,
    now: datetime,
    episode_ids: Collection[int] | None = None,
) -> PlanSummary:
    """Make the tasks the stored state calls for (all episodes, or only these), move the
    deadlines of tasks whose return police have since corrected, and withdraw, reopen or
    re-route tasks as their episodes' newest decisions say."""
    summary = PlanSummary()
    _corrections(session, rules, now, episode_ids, summary)
    followed = follow(session, now=now, episode_ids=episode_ids)
    summary.withdrawn, summary.reopened = followed.withdrawn, followed.reopened
    summary.rerouted = followed.rerouted
    for episode, team in needing_a_task(session, episode_ids):
        try:
            with session.begin_nested():
                _task_for(session, rules, episode, team, now, summary)
        except IntegrityError:  # another pass made this episode's task a moment ago: it stands
            continue
    return summary


def plan_pass(database: Database, ruleset: Ruleset, *, now: datetime) -> PlanSummary:
    """The service's pass (after each re-vet): `plan` for every episode, in one transaction."""
    with database.transaction() as session:
        return plan(session, rules_of(ruleset), now=now)


def _task_for(
    session: Session,
    rules: InterviewRules,
    episode: EpisodeRecord,
    team: str,
    now: datetime,
    summary: PlanSummary,
) -> None:
    returned = episode.returned_at
    assert returned is not None  # `needing_a_task` asks for returned episodes only
    open_task = (
        session.scalar(
            select(InterviewTask)
            .where(
                InterviewTask.child_id == episode.child_id,
                InterviewTask.status.in_(OPEN),
                InterviewTask.returned_at <= episode.last_seen_at,
                InterviewTask.due_at > now,  # an overdue interview stays overdue: never merged
            )
            .order_by(InterviewTask.returned_at.desc())
            .limit(1)
        )
        if rules.merge_when_missing_again
        else None
    )
    if open_task is not None:
        session.add(
            InterviewEpisode(
                task=open_task,
                episode_id=episode.id,
                returned_at=returned,
                added_at=now,
                merged=True,
            )
        )
        session.flush()
        audit.record(
            session,
            SERVICE,
            "interview_episode_merged",
            record_type=RECORD,
            record_id=open_task.id,
            now=now,
            episode_id=episode.id,
        )
        _move_due(session, rules, open_task, now, why="missing_again_before_interview")
        summary.merged += 1
        summary.task_ids.append(open_task.id)
        return
    task = InterviewTask(
        child_id=episode.child_id,
        team=team,
        status="open",
        returned_at=returned,
        due_at=returned + rules.due_after,
        created_at=now,
        push_factors=[],
        pull_factors=[],
        harms=[],
    )
    session.add(task)
    session.add(
        InterviewEpisode(
            task=task, episode_id=episode.id, returned_at=returned, added_at=now, merged=False
        )
    )
    session.flush()
    audit.record(
        session,
        SERVICE,
        "interview_task_created",
        record_type=RECORD,
        record_id=task.id,
        now=now,
        episode_id=episode.id,
        team=team,
        due_at=task.due_at.isoformat(),
    )
    summary.created += 1
    summary.task_ids.append(task.id)


def _corrections(
    session: Session,
    rules: InterviewRules,
    now: datetime,
    episode_ids: Collection[int] | None,
    summary: PlanSummary,
) -> None:
    """Tasks whose episodes' return police have corrected since: the clock follows."""
    query = (
        select(InterviewEpisode, EpisodeRecord.returned_at)
        .join(EpisodeRecord, EpisodeRecord.id == InterviewEpisode.episode_id)
        .where(
            EpisodeRecord.returned_at.is_not(None),
            EpisodeRecord.returned_at != InterviewEpisode.returned_at,
        )
    )
    if episode_ids is not None:
        query = query.where(InterviewEpisode.episode_id.in_(list(episode_ids)))
    for link, returned in session.execute(query).all():
        assert returned is not None  # the query asks for returned episodes only
        link.returned_at = returned
        session.flush()
        if _move_due(session, rules, link.task, now, why="return_time_corrected"):
            summary.moved += 1


def _move_due(
    session: Session, rules: InterviewRules, task: InterviewTask, now: datetime, *, why: str
) -> bool:
    """Run the task's clock from the latest return of its episodes; audit a move."""
    latest = max(link.returned_at for link in task.episodes)
    due = latest + rules.due_after
    if due == task.due_at:
        return False
    old = task.due_at
    task.returned_at, task.due_at = latest, due
    audit.record(
        session,
        SERVICE,
        "interview_due_moved",
        record_type=RECORD,
        record_id=task.id,
        now=now,
        old_due_at=old.isoformat(),
        new_due_at=due.isoformat(),
        why=why,
    )
    return True


# Reading ----------------------------------------------------------------------------------


def get_or_raise(session: Session, task_id: int) -> InterviewTask:
    task = session.get(
        InterviewTask,
        task_id,
        options=[
            selectinload(InterviewTask.episodes).selectinload(InterviewEpisode.episode),
            selectinload(InterviewTask.disclosures),
            selectinload(InterviewTask.referrals),
        ],
    )
    if task is None:
        raise RecordNotFound("interview task", task_id)
    return task


def open_for(session: Session, task_id: int, *, viewer: UserRecord, now: datetime) -> InterviewTask:
    """A task as a person reads it: the reading is written to the audit trail."""
    task = get_or_raise(session, task_id)
    audit.record(
        session,
        Actor.of(viewer),
        "view_interview_task",
        record_type=RECORD,
        record_id=task.id,
        now=now,
    )
    return task


# Allocation and teams --------------------------------------------------------------------


def allocate(session: Session, task_id: int, *, user: UserRecord, now: datetime) -> InterviewTask:
    """The worker takes the task (from nobody, or from a colleague: both audited)."""
    task = get_or_raise(session, task_id)
    if task.status not in OPEN:
        raise Conflict(f"interview task {task_id} is {task.status}: nothing left to allocate")
    previous = task.allocated_to_id
    if previous == user.id:
        return task
    task.allocated_to_id, task.allocated_at = user.id, now
    audit.record(
        session,
        Actor.of(user),
        "interview_task_allocated",
        record_type=RECORD,
        record_id=task.id,
        now=now,
        previous_user_id=previous,
    )
    session.flush()
    return task


def team_of(session: Session, user: UserRecord) -> str | None:
    membership = session.get(TeamMembership, user.id)
    return membership.team if membership else None


def set_team(session: Session, user: UserRecord, team: str, *, now: datetime) -> None:
    """Put a worker in a team (one team each; moving teams replaces it)."""
    membership = session.get(TeamMembership, user.id)
    if membership is None:
        session.add(TeamMembership(user_id=user.id, team=team, since=now))
    elif membership.team != team:
        membership.team, membership.since = team, now
    session.flush()
