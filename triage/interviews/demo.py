"""Demo interviews for a development service (`triage serve --demo`), so a missing support
worker has something to look at. Synthetic data only; safe to run again (nothing is made
twice):

- each demo worker (`rhi.south.demo`, `rhi.east.demo`, `rhi.nwc.demo`) joins their team;
- the loaded city's returns get their tasks (`service.plan`), and each task whose outcome
  moment has passed gets the synthetic outcome `triage.synth.interviews` draws for it,
  recorded through the same services as a worker would, at the moment it happened (so
  disclosures join the history then, and re-vet the child's open work as of then);
- six children returned in the last few days (police references `DEMO-RHI-n`) give each
  team tasks overdue, due today, due soon and later, some taken, one offered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.accounts.service import get_by_username
from triage.decisions.service import Vetter
from triage.intake.service import submit
from triage.interviews import outcomes, service
from triage.interviews.requests import DeclineRequest, HeldRequest, OfferRequest
from triage.interviews.tables import InterviewTask
from triage.interviews.vocabulary import FactorLists
from triage.notification.reader import raw_from_text
from triage.rules.catalogue import Ruleset
from triage.store.tables import EpisodeRecord, UserRecord
from triage.synth.interviews import InterviewOutcome, outcome_for

WORKERS = (
    ("rhi.south.demo", "South"),
    ("rhi.east.demo", "East"),
    ("rhi.nwc.demo", "North, West & Central"),
)
# (given name, family name, home postcode, hours since the return, taken?, offered?)
RECENT = (
    ("Maya", "Brooks", "B30 1QT", 80, False, False),
    ("Leon", "Carter", "B8 2HE", 75, True, False),
    ("Ella", "Hughes", "B23 5RW", 66, True, False),
    ("Noah", "Patel", "B13 9AS", 40, False, True),
    ("Ruby", "Shaw", "B26 3LP", 20, False, False),
    ("Aaron", "Price", "B44 8DX", 4, False, False),
)


@dataclass(slots=True)
class DemoSummary:
    tasks: int = 0
    recorded: int = 0


def ensure_demo_interviews(
    session: Session,
    vetter: Vetter,
    ruleset: Ruleset,
    lists: FactorLists,
    *,
    now: datetime,
    seed: int = 7,
) -> DemoSummary:
    rules = service.rules_of(ruleset)
    workers: dict[str, UserRecord] = {}
    for username, team in WORKERS:
        user = get_by_username(session, username)
        if user is not None:
            service.set_team(session, user, team, now=now)
            workers[team] = user
    if not workers:
        return DemoSummary()
    _recent_returns(session, vetter, now)
    summary = DemoSummary()
    recent = {f"DEMO-RHI-{n}" for n in range(1, len(RECENT) + 1)}
    # In the order children returned, as the service would have lived it: each task's outcome
    # is recorded once its moment passes, before a later episode of the child could merge in.
    pending: dict[int, tuple[datetime, InterviewOutcome]] = {}
    episodes = session.execute(
        select(
            EpisodeRecord.id,
            EpisodeRecord.last_seen_at,
            EpisodeRecord.returned_at,
            EpisodeRecord.police_reference,
        )
        .where(EpisodeRecord.returned_at.is_not(None))
        .order_by(EpisodeRecord.returned_at, EpisodeRecord.id)
    ).all()
    for episode_id, last_seen, returned, reference in episodes:
        summary.recorded += _due_outcomes(session, vetter, lists, pending, workers, last_seen)
        at = min(now, returned or now)
        made = service.plan(session, rules, now=at, episode_ids=[episode_id])
        summary.tasks += made.created
        for task_id in made.task_ids:
            task = session.get_one(InterviewTask, task_id)
            if reference in recent:
                _recent_state(session, task, reference, _worker(workers, task), now)
            else:
                first = task.episodes[0].episode.police_reference
                pending[task_id] = (now, outcome_for(first, task.returned_at, seed=seed))
    summary.recorded += _due_outcomes(session, vetter, lists, pending, workers, now)
    return summary


def _worker(workers: dict[str, UserRecord], task: InterviewTask) -> UserRecord:
    return workers.get(task.team) or next(iter(workers.values()))


def _due_outcomes(
    session: Session,
    vetter: Vetter,
    lists: FactorLists,
    pending: dict[int, tuple[datetime, InterviewOutcome]],
    workers: dict[str, UserRecord],
    by: datetime,
) -> int:
    """Record every pending outcome whose moment is before `by`."""
    recorded = 0
    for task_id, (_, outcome) in list(pending.items()):
        task = session.get_one(InterviewTask, task_id)
        if _record(session, vetter, lists, task, outcome, _worker(workers, task), by):
            del pending[task_id]
            recorded += 1
    return recorded


def _record(
    session: Session,
    vetter: Vetter,
    lists: FactorLists,
    task: InterviewTask,
    o: InterviewOutcome,
    worker: UserRecord,
    now: datetime,
) -> bool:
    """Record the drawn outcome at the moment it happened (its hours run from the task's latest
    return); a moment after `now` waits."""
    returned = task.returned_at
    offered = returned + timedelta(hours=o.offered_after_hours)
    moment = returned + timedelta(hours=o.after_hours)
    if moment > now:
        return False
    at = moment + timedelta(minutes=5)
    if o.result == "declined":
        body = DeclineRequest(
            declined_at=moment,
            declined_by=o.declined_by or "child",
            offered_at=offered,
            offered_how=o.offered_how,
        )
        outcomes.record_decline(session, task.id, body, user=worker, now=at)
        return True
    held = HeldRequest(
        held_at=moment,
        held_how=o.held_how or "face_to_face",
        interviewer_is_carer=False,
        interviewer_is_social_worker=False,
        successful=o.successful,
        push_factors=list(o.push_factors),
        pull_factors=list(o.pull_factors),
        harms=list(o.harms),
        disclosed_indicators=list(o.disclosed),
        shared_with_police=bool(o.disclosed),
        police_intelligence_reference=f"WMP-INT-{task.id:05d}" if o.disclosed else None,
        police_acknowledged=True if o.disclosed else None,
        referrals=list(o.referrals),
        offered_at=offered,
        offered_how=o.offered_how,
    )
    outcomes.record_held(session, task.id, held, user=worker, now=at, lists=lists, vetter=vetter)
    return True


def _recent_state(
    session: Session, task: InterviewTask, reference: str, worker: UserRecord, now: datetime
) -> None:
    n = int(reference.rsplit("-", 1)[1]) - 1
    _name, _family, _postcode, hours, taken, offered = RECENT[n]
    if taken and task.allocated_to_id is None:
        service.allocate(session, task.id, user=worker, now=now)
    if offered and task.offered_at is None:
        body = OfferRequest(offered_at=now - timedelta(hours=hours / 2), offered_how="telephone")
        outcomes.record_offer(session, task.id, body, user=worker, now=now)


def _recent_returns(session: Session, vetter: Vetter, now: datetime) -> None:
    """Six children returned in the last few days, once."""
    for n, (given, family, postcode, hours, _taken, _offered) in enumerate(RECENT, start=1):
        reference = f"DEMO-RHI-{n}"
        if session.scalar(
            select(EpisodeRecord.id).where(EpisodeRecord.police_reference == reference)
        ):
            continue
        returned = now - timedelta(hours=hours)
        last_seen = returned - timedelta(hours=9)
        payload = {
            "schema_version": "1.0",
            "police_reference": reference,
            "force": "West Midlands Police",
            "sent_at": (returned + timedelta(minutes=40)).isoformat(),
            "police_classification": "missing",
            "police_risk_grade": "medium",
            "child": {
                "local_child_id": None,
                "police_person_id": f"WMP-P-DEMO-{n}",
                "given_name": given,
                "family_name": family,
                "date_of_birth": f"{2010 + n % 3}-0{n}-1{n}",
                "sex": "female" if n % 2 else "male",
                "ethnicity": "not_stated",
                "home_postcode": postcode,
                "legal_status": "child_in_need",
                "placement_type": None,
                "responsible_authority": None,
                "placement_postcode": None,
            },
            "episode": {
                "reported_at": (last_seen + timedelta(hours=1)).isoformat(),
                "last_seen_at": last_seen.isoformat(),
                "last_seen_location": "Near home",
                "returned_at": returned.isoformat(),
                "return_location": "Returned home",
                "circumstances": "Did not come home after school; found by police in town.",
                "companions": [],
                "indicators": [],
            },
        }
        submit(session, raw_from_text(json.dumps(payload), source="demo"), now=now, vetter=vetter)
