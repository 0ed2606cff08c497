"""Stored interview tasks as the API's answers."""

from __future__ import annotations

from datetime import datetime

from triage.interviews import schemas
from triage.interviews.service import OPEN
from triage.interviews.tables import InterviewReferral, InterviewTask


def _within(moment: datetime | None, due: datetime) -> bool | None:
    return None if moment is None else moment <= due


def episodes(task: InterviewTask) -> list[schemas.CoveredEpisode]:
    return [
        schemas.CoveredEpisode(
            police_reference=link.episode.police_reference,
            returned_at=link.returned_at,
            merged=link.merged,
        )
        for link in task.episodes
    ]


def summary(task: InterviewTask, now: datetime) -> schemas.TaskSummary:
    return schemas.TaskSummary(
        task_id=task.id,
        child_id=task.child_id,
        team=task.team,
        status=task.status,
        returned_at=task.returned_at,
        due_at=task.due_at,
        overdue=task.status in OPEN and task.due_at < now,
        allocated_to=task.allocated_to.username if task.allocated_to else None,
        episodes=episodes(task),
    )


def referral(row: InterviewReferral) -> schemas.Referral:
    return schemas.Referral(
        referral_id=row.id,
        kind=row.kind,
        made_on=row.made_on,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by.username,
    )


def task(task: InterviewTask, now: datetime) -> schemas.Task:
    return schemas.Task(
        **summary(task, now).model_dump(),
        offered_at=task.offered_at,
        offered_how=task.offered_how,
        declined_at=task.declined_at,
        declined_by=task.declined_by,
        held_at=task.held_at,
        held_how=task.held_how,
        held_by=task.held_by.username if task.held_by else None,
        interviewer_is_carer=task.interviewer_is_carer,
        interviewer_is_social_worker=task.interviewer_is_social_worker,
        successful=task.successful,
        push_factors=list(task.push_factors),
        pull_factors=list(task.pull_factors),
        harms=list(task.harms),
        disclosed_indicators=[d.indicator for d in task.disclosures],
        whereabouts=task.whereabouts,
        shared_with_police=task.shared_with_police,
        police_intelligence_reference=task.police_intelligence_reference,
        police_acknowledged=task.police_acknowledged,
        offered_within_deadline=_within(task.offered_at, task.due_at),
        held_within_deadline=_within(task.held_at, task.due_at),
        referrals=[referral(r) for r in task.referrals],
    )
