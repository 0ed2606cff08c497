"""Casework records and views into the API's shapes."""

from __future__ import annotations

from datetime import datetime

from triage.casework import schemas
from triage.casework.actions import EpisodeAction
from triage.casework.queue import QueueItem
from triage.casework.records import ChildView, LinkedChild, NotificationView
from triage.store.tables import ChildRecord, DecisionRecord, ReviewRecord


def queue_item(item: QueueItem, now: datetime) -> schemas.QueueItem:
    return schemas.QueueItem(
        police_reference=item.police_reference,
        decision_id=item.decision_id,
        child_id=item.child_id,
        child_name=item.child_name,
        vetted_level=item.vetted_level,
        level_in_force=item.level,
        police_risk_grade=item.police_risk_grade,
        classification=item.classification,
        reclassified=item.reclassified,
        team=item.team,
        probability=item.probability,
        received_at=item.received_at,
        waiting_minutes=max(0, int((now - item.received_at).total_seconds() // 60)),
        status=item.status.value,
        overdue_actions=list(item.overdue),
        still_missing=item.still_missing,
        last_seen_at=item.last_seen_at,
        returned_at=item.returned_at,
    )


def decision(row: DecisionRecord, police_reference: str) -> schemas.Decision:
    return schemas.Decision(
        decision_id=row.id,
        police_reference=police_reference,
        trigger=row.trigger,
        as_of=row.as_of,
        decided_at=row.decided_at,
        ruleset_version=row.ruleset_version,
        model_version=row.model_version,
        vetted_level=row.vetted_level,
        body=row.body,
    )


def review(row: ReviewRecord) -> schemas.Review:
    agreement = row.agreement
    return schemas.Review(
        review_id=row.id,
        decision_id=row.decision_id,
        reviewer=row.reviewer.display_name,
        outcome=row.outcome,
        machine_level=row.machine_level,
        reviewed_level=row.reviewed_level,
        reason=row.reason_code,
        reason_text=row.reason_text,
        needs_agreement=row.needs_agreement,
        created_at=row.created_at,
        agreement=schemas.Agreement(
            agreed=agreement.agreed,
            by=agreement.by.display_name,
            note=agreement.note,
            at=agreement.created_at,
        )
        if agreement
        else None,
    )


def action(item: EpisodeAction, now: datetime) -> schemas.Action:
    return schemas.Action(
        type=item.type,
        due_at=item.due_at,
        rule_id=item.rule_id,
        role=item.role,
        overdue=item.overdue(now),
        completed_at=item.completed_at,
        completed_by=item.completed_by,
        note=item.note,
    )


def child_summary(child: ChildRecord) -> schemas.ChildSummary:
    return schemas.ChildSummary(
        child_id=child.id,
        name=f"{child.given_name} {child.family_name}",
        date_of_birth=child.date_of_birth.isoformat(),
        sex=child.sex,
        ethnicity=child.ethnicity,
    )


def linked(items: list[LinkedChild]) -> list[schemas.LinkedChild]:
    return [
        schemas.LinkedChild(child_id=i.child_id, name=i.name, episodes_together=i.episodes_together)
        for i in items
    ]


def notification(view: NotificationView, now: datetime) -> schemas.NotificationDetail:
    reference = view.episode.police_reference
    return schemas.NotificationDetail(
        police_reference=reference,
        child=child_summary(view.child),
        status=view.status.value,
        level_in_force=view.level,
        decision=decision(view.decision_record, reference) if view.decision_record else None,
        versions=[
            schemas.Version(version=v.version, sent_at=v.sent_at, received_at=v.received_at)
            for v in view.versions
        ],
        notification=view.payload,
        reviews=[review(r) for r in view.reviews],
        actions=[action(a, now) for a in view.actions],
        linked_children=linked(view.linked),
    )


def child(view: ChildView) -> schemas.ChildDetail:
    own = view.child.id
    return schemas.ChildDetail(
        child=child_summary(view.child),
        timeline=[
            schemas.TimelineEntry(
                police_reference=t.police_reference,
                last_seen_at=t.last_seen_at,
                returned_at=t.returned_at,
                police_classification=t.police_classification,
                police_risk_grade=t.police_risk_grade,
                level_in_force=t.level,
                status=t.status.value,
                flags=t.flags,
                indicators=t.indicators,
            )
            for t in view.timeline
        ],
        linked_children=linked(view.linked),
        possible_matches=[
            schemas.PossibleMatch(
                match_id=m.id,
                other_child_id=m.candidate_id if m.child_id == own else m.child_id,
                score=m.score,
                reason=m.reason,
            )
            for m in view.possible_matches
        ],
    )
