"""The casework API: the queue, a notification with its decisions, reviews and actions,
second-person agreements, and children. Audit entries are written by the casework services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from triage.accounts.roles import CASEWORK
from triage.casework import actions as casework_actions
from triage.casework import convert, reviews, schemas, settling
from triage.casework.queue import page_of_queue
from triage.casework.records import child_view, decisions_of, notification_view, page_of_children
from triage.decisions.level import ReviewStatus
from triage.http.deps import PagingDep, RecordId, ServicesDep, SessionDep, allow
from triage.http.problems import problem_responses
from triage.http.schemas import Page
from triage.store.tables import UserRecord

router = APIRouter()
CASE = allow(*CASEWORK)


@router.get(
    "/notifications/{police_reference}",
    tags=["notifications"],
    response_model=schemas.NotificationDetail,
    responses=problem_responses(401, 403, 404, 422),
)
def read_notification(
    police_reference: str,
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.NotificationDetail:
    """A notification with its level, every reason and point, reviews, actions and links.
    Each view is written to the audit trail."""
    now = svc.clock()
    view = notification_view(
        session, police_reference, viewer=user, escalation=svc.escalation, now=now
    )
    return convert.notification(view, now)


@router.get(
    "/notifications/{police_reference}/decisions",
    tags=["notifications"],
    response_model=Page[schemas.Decision],
    responses=problem_responses(401, 403, 404, 422),
)
def list_decisions(
    police_reference: str,
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> Page[schemas.Decision]:
    """Every decision the machine made on this notification (one per version, ruleset, model
    and moment: a re-vet as time passes adds one), the one speaking for the latest moment
    first. None is ever rewritten."""
    rows, total = decisions_of(
        session,
        police_reference,
        viewer=user,
        now=svc.clock(),
        offset=paging.offset,
        limit=paging.per_page,
    )
    return paging.of([convert.decision(r, police_reference) for r in rows], total)


@router.post(
    "/notifications/{police_reference}/reviews",
    tags=["notifications"],
    status_code=201,
    response_model=schemas.Review,
    responses=problem_responses(401, 403, 404, 422),
)
def create_review(
    police_reference: str,
    body: Annotated[schemas.ReviewRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.Review:
    """Confirm the newest decision, or override it with a reason. Never below the police grade;
    lowering the level in force waits for a second person's agreement; the machine's decision
    is kept either way."""
    row = settling.review_settling(
        session,
        police_reference=police_reference,
        request=body,
        reviewer=user,
        rules_dir=svc.rules_dir,
        now=svc.clock(),
    )
    return convert.review(row)


@router.get(
    "/notifications/{police_reference}/actions",
    tags=["notifications"],
    response_model=Page[schemas.Action],
    responses=problem_responses(401, 403, 404, 422),
)
def list_actions(
    police_reference: str,
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> Page[schemas.Action]:
    """What the newest decision asks for, soonest deadline first, with what is done."""
    episode = reviews.episode_by_reference(session, police_reference)
    items = casework_actions.actions_of(session, episode.id, svc.escalation)
    now = svc.clock()
    shown = items[paging.offset : paging.offset + paging.per_page]
    return paging.of([convert.action(a, now) for a in shown], len(items))


@router.post(
    "/notifications/{police_reference}/actions/{action_type}/completion",
    tags=["notifications"],
    status_code=201,
    response_model=schemas.Action,
    responses=problem_responses(401, 403, 404, 422),
)
def complete_action(
    police_reference: str,
    action_type: str,
    body: Annotated[schemas.CompletionRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.Action:
    """Mark an action done (for an RHI, say what happened in the note)."""
    now = svc.clock()
    casework_actions.complete(
        session,
        police_reference=police_reference,
        action_type=action_type,
        by=user,
        note=body.note,
        escalation=svc.escalation,
        now=now,
    )
    episode = reviews.episode_by_reference(session, police_reference)
    done = next(
        a
        for a in casework_actions.actions_of(session, episode.id, svc.escalation)
        if a.type == action_type
    )
    return convert.action(done, now)


@router.get(
    "/queue",
    tags=["queue"],
    response_model=Page[schemas.QueueItem],
    responses=problem_responses(401, 403, 422),
)
def queue(
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(CASE)],
    team: Annotated[str | None, Query(description="Only this area team")] = None,
    status: Annotated[ReviewStatus | None, Query(description="Only this review status")] = None,
    still_missing: Annotated[
        bool, Query(description="Only children not yet returned or found")
    ] = False,
) -> Page[schemas.QueueItem]:
    """Every notification by its level in force (within a level: not vetted first, then
    children still missing), then score, then time waiting (longest first), with its overdue
    actions."""
    now = svc.clock()
    items, total = page_of_queue(
        session,
        viewer=user,
        offset=paging.offset,
        limit=paging.per_page,
        now=now,
        team=team,
        statuses=frozenset({status}) if status else None,
        still_missing=still_missing,
    )
    return paging.of([convert.queue_item(i, now) for i in items], total)


@router.get(
    "/reviews/awaiting-agreement",
    tags=["reviews"],
    response_model=Page[schemas.Review],
    responses=problem_responses(401, 403, 422),
)
def awaiting_agreement(
    session: SessionDep, paging: PagingDep, user: Annotated[UserRecord, Depends(CASE)]
) -> Page[schemas.Review]:
    """Reviews that lower the level in force and wait for a second person, oldest first."""
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
    review_id: RecordId,
    body: Annotated[schemas.AgreementRequest, Body()],
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.Review:
    """A second person agrees to (or refuses) a lowering; never the reviewer themself."""
    agreement = reviews.agree(
        session, review_id=review_id, by=user, agreed=body.agree, note=body.note, now=svc.clock()
    )
    session.refresh(agreement.review)
    return convert.review(agreement.review)


@router.get(
    "/children",
    tags=["children"],
    response_model=Page[schemas.ChildListItem],
    responses=problem_responses(401, 403, 422),
)
def list_children(
    session: SessionDep,
    svc: ServicesDep,
    paging: PagingDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> Page[schemas.ChildListItem]:
    """Children with episodes, most recently missing first."""
    rows, total = page_of_children(
        session, viewer=user, now=svc.clock(), offset=paging.offset, limit=paging.per_page
    )
    return paging.of(
        [
            schemas.ChildListItem(
                child_id=c.child_id, name=c.name, episodes=c.episodes, last_seen_at=c.last_seen_at
            )
            for c in rows
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
    child_id: RecordId,
    session: SessionDep,
    svc: ServicesDep,
    user: Annotated[UserRecord, Depends(CASE)],
) -> schemas.ChildDetail:
    """A child's history as a timeline (newest first), children seen missing with them, and
    identity matches waiting for a person. Each view is written to the audit trail."""
    return convert.child(child_view(session, child_id, viewer=user, now=svc.clock()))
