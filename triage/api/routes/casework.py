"""The queue, second-person agreements, open actions across the service, and children."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query
from sqlalchemy import func, select

from triage.accounts import CASEWORK
from triage.api import convert, schemas
from triage.api.deps import PagingDep, ServicesDep, SessionDep, allow
from triage.api.problems import problem_responses
from triage.audit import Actor, record
from triage.casework import reviews
from triage.casework.queue import page_of_queue
from triage.casework.records import child_view
from triage.decisions.level import ReviewStatus
from triage.store import count
from triage.store.tables import ChildRecord, EpisodeRecord, UserRecord

router = APIRouter()
CASE = allow(*CASEWORK)


@router.get(
    "/queue",
    tags=["queue"],
    response_model=schemas.Page[schemas.QueueItem],
    responses=problem_responses(401, 403, 422),
)
def queue(
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(CASE)],
    team: Annotated[str | None, Query(description="Only this area team")] = None,
    status: Annotated[ReviewStatus | None, Query(description="Only this review status")] = None,
) -> schemas.Page[schemas.QueueItem]:
    """Every notification by its level in force (not vetted first within a level), then score,
    then time waiting (longest first), with its overdue actions."""
    now = svc.clock()
    items, total = page_of_queue(
        session, offset=paging.offset, limit=paging.per_page, now=now, team=team, status=status
    )
    record(
        session,
        Actor.of(user),
        "view_queue",
        record_type="queue",
        record_id="-",
        now=now,
        team=team or "",
        status=status.value if status else "",
        page=paging.page,
    )
    return paging.of([convert.queue_item(i, now) for i in items], total)


@router.get(
    "/reviews/awaiting-agreement",
    tags=["reviews"],
    response_model=schemas.Page[schemas.Review],
    responses=problem_responses(401, 403, 422),
)
def awaiting_agreement(
    session: SessionDep, paging: PagingDep, user: Annotated[UserRecord, Depends(CASE)]
) -> schemas.Page[schemas.Review]:
    """Reviews that lower a "high" and wait for a second person, oldest first."""
    rows, total = reviews.awaiting_agreement(session, offset=paging.offset, limit=paging.per_page)
    return paging.of([convert.review(r) for r in rows], total)


@router.post(
    "/reviews/{review_id}/agreement",
    tags=["reviews"],
    status_code=201,
    response_model=schemas.Review,
    responses=problem_responses(401, 403, 404, 422),
)
def agree(
    review_id: int,
    body: Annotated[schemas.AgreementRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.Review:
    """A second person agrees to (or refuses) lowering a "high"; never the reviewer themself."""
    agreement = reviews.agree(
        session, review_id=review_id, by=user, agreed=body.agree, note=body.note, now=svc.clock()
    )
    session.refresh(agreement.review)
    return convert.review(agreement.review)


@router.get(
    "/children",
    tags=["children"],
    response_model=schemas.Page[schemas.ChildListItem],
    responses=problem_responses(401, 403, 422),
)
def list_children(
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.Page[schemas.ChildListItem]:
    """Children with episodes, most recently missing first."""
    query = (
        select(
            ChildRecord.id,
            ChildRecord.given_name,
            ChildRecord.family_name,
            func.count(EpisodeRecord.id),
            func.max(EpisodeRecord.last_seen_at),
        )
        .join(EpisodeRecord, EpisodeRecord.child_id == ChildRecord.id)
        .where(ChildRecord.merged_into_id.is_(None))
        .group_by(ChildRecord.id, ChildRecord.given_name, ChildRecord.family_name)
    )
    total = count(session, query)
    rows = session.execute(
        query.order_by(func.max(EpisodeRecord.last_seen_at).desc(), ChildRecord.id)
        .offset(paging.offset)
        .limit(paging.per_page)
    )
    record(
        session,
        Actor.of(user),
        "list_children",
        record_type="child",
        record_id="-",
        now=svc.clock(),
        page=paging.page,
    )
    return paging.of(
        [
            schemas.ChildListItem(
                child_id=child_id, name=f"{given} {family}", episodes=count, last_seen_at=last
            )
            for child_id, given, family, count, last in rows
        ],
        total,
    )


@router.get(
    "/children/{child_id}",
    tags=["children"],
    response_model=schemas.ChildDetail,
    responses=problem_responses(401, 403, 404, 422),
)
def read_child(
    child_id: int,
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.ChildDetail:
    """A child's history as a timeline (newest first), children seen missing with them, and
    identity matches waiting for a person. Each view is written to the audit trail."""
    return convert.child(child_view(session, child_id, viewer=user, now=svc.clock()))
