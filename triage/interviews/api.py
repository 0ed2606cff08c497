"""The interviews API: return home interview tasks by team, status and when due; taking one;
recording the offer, a decline or the interview held; referrals arising. Missing support
workers record; casework roles read. Audit entries are written by the interview services."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query

from triage.accounts.roles import CASEWORK, Role
from triage.http.deps import PagingDep, RecordId, ServicesDep, SessionDep, allow
from triage.http.problems import problem_responses
from triage.http.schemas import Page
from triage.interviews import convert, outcomes, schemas, service, worklist
from triage.interviews.vocabulary import factor_lists
from triage.store.tables import UserRecord

router = APIRouter(prefix="/interviews", tags=["interviews"])
READ = allow(Role.MISSING_SUPPORT_WORKER, *CASEWORK)
WORKER = allow(Role.MISSING_SUPPORT_WORKER)
Reader = Annotated[UserRecord, Depends(READ)]
Worker = Annotated[UserRecord, Depends(WORKER)]


@router.get(
    "/tasks",
    response_model=Page[schemas.TaskSummary],
    responses=problem_responses(401, 403, 422),
)
def list_tasks(
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Reader,
    team: Annotated[
        str | None, Query(max_length=120, pattern=r"^[^\x00-\x1f]*$", description="An area team")
    ] = None,
    status: schemas.Status | None = None,
    due: Annotated[
        Literal["overdue", "due_today", "due_soon", "unallocated"] | None,
        Query(description="Open tasks past due, due today, due soon, or that nobody has taken"),
    ] = None,
    child_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Page[schemas.TaskSummary]:
    """Interview tasks, soonest due first. Each is due `rhi_due_hours` (72) after the return
    police reported."""
    now = svc.clock()
    rows, total = worklist.page(
        session,
        service.rules_of(svc.vetter.rulebook.current),
        now=now,
        team=team,
        status=status,
        due=due,
        child_id=child_id,
        offset=paging.offset,
        limit=paging.per_page,
    )
    return paging.of([convert.summary(t, now) for t in rows], total)


@router.get(
    "/tasks/{task_id}",
    response_model=schemas.Task,
    responses=problem_responses(401, 403, 404, 422),
)
def read_task(
    task_id: RecordId, session: SessionDep, svc: ServicesDep, user: Reader
) -> schemas.Task:
    """A task with its episodes, its outcome and its referrals (each reading is audited)."""
    now = svc.clock()
    return convert.task(service.open_for(session, task_id, viewer=user, now=now), now)


@router.post(
    "/tasks/{task_id}/allocation",
    response_model=schemas.Task,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def allocate_task(
    task_id: RecordId, session: SessionDep, svc: ServicesDep, user: Worker
) -> schemas.Task:
    """Take the task: it is allocated to you (from nobody or a colleague; audited)."""
    now = svc.clock()
    return convert.task(service.allocate(session, task_id, user=user, now=now), now)


@router.post(
    "/tasks/{task_id}/offer",
    response_model=schemas.Task,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def record_offer(
    task_id: RecordId,
    body: Annotated[schemas.OfferRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Worker,
) -> schemas.Task:
    """The interview was offered (when, how); it stays on the worklist until held or declined."""
    now = svc.clock()
    return convert.task(outcomes.record_offer(session, task_id, body, user=user, now=now), now)


@router.post(
    "/tasks/{task_id}/decline",
    response_model=schemas.Task,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def record_decline(
    task_id: RecordId,
    body: Annotated[schemas.DeclineRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Worker,
) -> schemas.Task:
    """The child, a parent or the carer declined the interview."""
    now = svc.clock()
    return convert.task(outcomes.record_decline(session, task_id, body, user=user, now=now), now)


@router.post(
    "/tasks/{task_id}/held",
    response_model=schemas.Task,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def record_held(
    task_id: RecordId,
    body: Annotated[schemas.HeldRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Worker,
) -> schemas.Task:
    """The interview was held. Refused (422, naming the field) if the interviewer is the
    child's carer or allocated social worker. Disclosed indicators join the child's history
    and the child's open work is vetted again."""
    now = svc.clock()
    task = outcomes.record_held(
        session,
        task_id,
        body,
        user=user,
        now=now,
        lists=factor_lists(svc.rules_dir),
        vetter=svc.vetter,
    )
    return convert.task(task, now)


@router.get(
    "/tasks/{task_id}/referrals",
    response_model=Page[schemas.Referral],
    responses=problem_responses(401, 403, 404, 422),
)
def list_referrals(
    task_id: RecordId, session: SessionDep, svc: ServicesDep, paging: PagingDep, user: Reader
) -> Page[schemas.Referral]:
    """The referrals the interview led to, oldest first."""
    task = service.open_for(session, task_id, viewer=user, now=svc.clock())
    rows = task.referrals[paging.offset : paging.offset + paging.per_page]
    return paging.of([convert.referral(r) for r in rows], len(task.referrals))


@router.post(
    "/tasks/{task_id}/referrals",
    status_code=201,
    response_model=schemas.Referral,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def add_referral(
    task_id: RecordId,
    body: Annotated[schemas.ReferralRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Worker,
) -> schemas.Referral:
    """A referral the interview led to: CASS, a step up from family support, or a strategy
    discussion / section 47 enquiry. Each is its own record."""
    referral = outcomes.add_referral(session, task_id, body, user=user, now=svc.clock())
    session.refresh(referral, ["recorded_by"])
    return convert.referral(referral)
