"""Recording what happened to a return home interview: offered, declined, or held (with the
statutory guidance's independence check), the referrals it led to, and what the child
disclosed, which joins the child's history as its own source and sends the child's open work
to be vetted again.

Requests arrive checked for shape (`triage.interviews.schemas`); here they are checked against
the task and the controlled lists, and a refusal names the field. Every change is audited by
ids and codes only: never the free text of where the child was. The caller owns the
transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit, decisions
from triage.audit import Actor
from triage.decisions.level import ReviewStatus, levels_in_force
from triage.decisions.service import Vetter
from triage.errors import Conflict, Refused
from triage.interviews import service
from triage.interviews.requests import DeclineRequest, HeldRequest, OfferRequest, ReferralRequest
from triage.interviews.tables import InterviewDisclosure, InterviewReferral, InterviewTask
from triage.interviews.vocabulary import LISTS, FactorLists
from triage.store.tables import ActionCompletion, EpisodeRecord, NotificationVersion, UserRecord

INTERVIEW_TRIGGER = "interview_disclosure"  # the re-vet's `trigger`
INTERVIEW_WHY = "indicators disclosed in a return home interview"
INDEPENDENCE = (
    "the interviewer must be independent: not the child's carer or allocated social worker "
    "(DfE statutory guidance, 2014); ask an independent worker to hold the interview"
)


def _open(session: Session, task_id: int) -> InterviewTask:
    task = service.get_or_raise(session, task_id)
    if task.status not in service.OPEN:
        raise Conflict(f"interview task {task_id} is already {task.status}")
    return task


def _moment(name: str, value: datetime, task: InterviewTask, now: datetime) -> datetime:
    """A time a worker gives: not in the future, not before the child's return."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=service.UK)
    if value > now:
        raise Refused(name, "is in the future")
    first_return = min(link.returned_at for link in task.episodes)
    if value < first_return:
        raise Refused(name, "is before the child returned; give the time on or after the return")
    return value


def _offer(
    task: InterviewTask, offered_at: datetime | None, how: str | None, now: datetime
) -> tuple[datetime, str | None]:
    """The offer: the one recorded, else the one given (checked; nothing is changed here, so a
    refusal further on leaves the task as it was)."""
    if task.offered_at is not None:
        return task.offered_at, task.offered_how
    if offered_at is None:
        raise Refused("offered_at", "say when the interview was offered")
    if how is None:
        raise Refused("offered_how", "say how the interview was offered")
    return _moment("offered_at", offered_at, task, now), how


def _take(session: Session, task: InterviewTask, user: UserRecord, now: datetime) -> None:
    """Whoever records an outcome on a task nobody had taken has taken it; and the decisions'
    "return home interview" action (the offer, due 72 hours after the return) is done for
    each episode the task covers, so the queue stops counting it overdue."""
    if task.allocated_to_id is None:
        task.allocated_to_id, task.allocated_at = user.id, now
    done = set(
        session.scalars(
            select(ActionCompletion.episode_id).where(
                ActionCompletion.episode_id.in_([link.episode_id for link in task.episodes]),
                ActionCompletion.action_type == service.RHI_ACTION,
            )
        )
    )
    for link in task.episodes:
        if link.episode_id not in done:
            session.add(
                ActionCompletion(
                    episode_id=link.episode_id,
                    action_type=service.RHI_ACTION,
                    completed_by_id=user.id,
                    note=f"Return home interview {task.status} (interview task {task.id})",
                    completed_at=now,
                )
            )


def record_offer(
    session: Session, task_id: int, body: OfferRequest, *, user: UserRecord, now: datetime
) -> InterviewTask:
    task = _open(session, task_id)
    if task.offered_at is not None:
        raise Conflict(f"interview task {task_id} was already offered")
    task.offered_at, task.offered_how = _offer(task, body.offered_at, body.offered_how, now)
    task.status = "offered"
    _take(session, task, user, now)
    _audit(session, user, task, "interview_offered", now, offered_how=body.offered_how)
    return task


def record_decline(
    session: Session, task_id: int, body: DeclineRequest, *, user: UserRecord, now: datetime
) -> InterviewTask:
    task = _open(session, task_id)
    offered, how = _offer(task, body.offered_at, body.offered_how, now)
    declined = _moment("declined_at", body.declined_at, task, now)
    if declined < offered:
        raise Refused("declined_at", "is before the interview was offered")
    task.offered_at, task.offered_how = offered, how
    task.status, task.declined_at, task.declined_by = "declined", declined, body.declined_by
    task.outcome_recorded_at, task.outcome_recorded_by_id = now, user.id
    _take(session, task, user, now)
    _audit(session, user, task, "interview_declined", now, declined_by=body.declined_by)
    return task


def record_held(
    session: Session,
    task_id: int,
    body: HeldRequest,
    *,
    user: UserRecord,
    now: datetime,
    lists: FactorLists,
    vetter: Vetter,
) -> InterviewTask:
    """Record a held interview; refused unless the interviewer is independent. Indicators the
    child disclosed join their history, and their open work is vetted again."""
    if body.interviewer_is_carer:
        raise Refused("interviewer_is_carer", INDEPENDENCE)
    if body.interviewer_is_social_worker:
        raise Refused("interviewer_is_social_worker", INDEPENDENCE)
    for name in LISTS:
        known = lists.of(name)
        for code in getattr(body, name):
            if code not in known:
                raise Refused(
                    name, f"{code!r} is not on the list; one of {', '.join(sorted(known))}"
                )
    if body.shared_with_police and not (body.police_intelligence_reference or "").strip():
        raise Refused(
            "police_intelligence_reference", "give the reference police gave for what was shared"
        )
    task = _open(session, task_id)
    offered, how = _offer(task, body.offered_at, body.offered_how, now)
    held = _moment("held_at", body.held_at, task, now)
    if held < offered:
        raise Refused("held_at", "is before the interview was offered")
    task.offered_at, task.offered_how = offered, how
    task.status, task.held_at, task.held_how, task.held_by_id = "held", held, body.held_how, user.id
    task.interviewer_is_carer = body.interviewer_is_carer
    task.interviewer_is_social_worker = body.interviewer_is_social_worker
    task.successful = body.successful
    task.push_factors = list(dict.fromkeys(body.push_factors))
    task.pull_factors = list(dict.fromkeys(body.pull_factors))
    task.harms = list(dict.fromkeys(body.harms))
    task.whereabouts = (body.whereabouts or "").strip() or None
    task.shared_with_police = body.shared_with_police
    task.police_intelligence_reference = (
        (body.police_intelligence_reference or "").strip() or None
        if body.shared_with_police
        else None
    )
    task.police_acknowledged = body.police_acknowledged if body.shared_with_police else None
    task.outcome_recorded_at, task.outcome_recorded_by_id = now, user.id
    _take(session, task, user, now)
    disclosed = sorted({indicator.value for indicator in body.disclosed_indicators})
    for code in disclosed:
        session.add(
            InterviewDisclosure(
                task_id=task.id, child_id=task.child_id, indicator=code, recorded_at=now
            )
        )
    for kind in dict.fromkeys(body.referrals):
        _referral(session, task, kind, held, user, now)
    _audit(
        session,
        user,
        task,
        "interview_held",
        now,
        held_how=body.held_how,
        successful=body.successful,
        disclosed=disclosed,
        shared_with_police=body.shared_with_police,
    )
    session.flush()
    session.expire(task, ["disclosures", "referrals"])
    if disclosed:
        revet_open_work(session, vetter, task, now=now)
    return task


def add_referral(
    session: Session, task_id: int, body: ReferralRequest, *, user: UserRecord, now: datetime
) -> InterviewReferral:
    """A referral the interview led to (only once it is held)."""
    task = service.get_or_raise(session, task_id)
    made = _moment("made_on", body.made_on, task, now)
    if task.status != "held":
        raise Conflict(f"interview task {task_id} is {task.status}: referrals follow a held one")
    return _referral(session, task, body.kind, made, user, now)


def _referral(
    session: Session,
    task: InterviewTask,
    kind: str,
    made: datetime,
    user: UserRecord,
    now: datetime,
) -> InterviewReferral:
    referral = InterviewReferral(
        task_id=task.id, kind=kind, made_on=made, recorded_by_id=user.id, recorded_at=now
    )
    session.add(referral)
    session.flush()
    _audit(session, user, task, "interview_referral_added", now, kind=kind, referral=referral.id)
    return referral


def revet_open_work(
    session: Session, vetter: Vetter, task: InterviewTask, *, now: datetime
) -> list[int]:
    """Vet again, as of `now`, each of the child's episodes with work open (still missing, or
    its newest decision awaiting a person), from the newest version police had sent by then.
    Returns the new decisions' ids."""
    episodes = list(
        session.execute(
            select(EpisodeRecord.id, EpisodeRecord.returned_at).where(
                EpisodeRecord.child_id == task.child_id
            )
        )
    )
    standing = levels_in_force(session, [episode_id for episode_id, _ in episodes])
    made = []
    for episode_id, returned in episodes:
        level = standing.get(episode_id)
        if returned is not None and level is not None and level.status is ReviewStatus.REVIEWED:
            continue
        version = session.scalar(
            select(NotificationVersion)
            .where(NotificationVersion.episode_id == episode_id, NotificationVersion.sent_at <= now)
            .order_by(NotificationVersion.sent_at.desc(), NotificationVersion.version.desc())
            .limit(1)
        )
        if version is None:  # police had not yet told us of this episode
            continue
        record = decisions.decide(
            session, vetter, version=version, now=now, as_of=now, trigger=INTERVIEW_TRIGGER
        )
        if record is not None:
            made.append(record.id)
    return made


def _audit(
    session: Session,
    user: UserRecord,
    task: InterviewTask,
    action: str,
    now: datetime,
    **detail: object,
) -> None:
    audit.record(
        session,
        Actor.of(user),
        action,
        record_type=service.RECORD,
        record_id=task.id,
        now=now,
        **detail,
    )
