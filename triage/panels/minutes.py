"""What a panel records at a meeting: who attended, its decision on each agenda item, and the
multi-agency actions it set (an owner's agency and person, a due date, a status, and whether
partners may read what it says). Each is written to the audit trail with ids and codes, never
the free text. An action's every status is kept (`triage.panels.history`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.errors import RecordNotFound, Refused
from triage.panels.history import record_update
from triage.panels.meetings import (
    ACTION_STATUSES,
    OUTCOMES,
    actions_for,
    get_or_raise,
    item_or_raise,
)
from triage.panels.tables import PanelAction, PanelAttendance, PanelDecision
from triage.store.tables import UserRecord


def record_attendance(
    session: Session,
    *,
    meeting_id: int,
    name: str,
    agency: str,
    role: str,
    present: bool,
    by: UserRecord,
    now: datetime,
) -> PanelAttendance:
    meeting = get_or_raise(session, meeting_id)
    for field, value in (("name", name), ("agency", agency), ("role", role)):
        if not value.strip():
            raise Refused(field, f"enter the attendee's {field}")
    row = PanelAttendance(
        meeting_id=meeting.id,
        name=name.strip(),
        agency=agency.strip(),
        role=role.strip(),
        present=present,
        recorded_by_id=by.id,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        Actor.of(by),
        "record_panel_attendance",
        record_type="panel_meeting",
        record_id=meeting.id,
        now=now,
        attendee=row.id,
        present=present,
    )
    return row


def decide(
    session: Session,
    *,
    meeting_id: int,
    item_id: int,
    outcome: str,
    text: str,
    by: UserRecord,
    now: datetime,
) -> PanelDecision:
    """The panel's decision on an item; a later one stands, the earlier is kept."""
    item = item_or_raise(session, meeting_id, item_id)
    if outcome not in OUTCOMES:
        raise Refused("outcome", "choose the panel's outcome")
    if not text.strip():
        raise Refused("text", "say what the panel decided")
    row = PanelDecision(
        item_id=item.id, outcome=outcome, text=text.strip(), decided_by_id=by.id, decided_at=now
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        Actor.of(by),
        "record_panel_decision",
        record_type="panel_meeting",
        record_id=meeting_id,
        now=now,
        item=item.id,
        decision=row.id,
        outcome=outcome,
    )
    return row


def add_action(
    session: Session,
    *,
    meeting_id: int,
    item_id: int,
    description: str,
    owner_agency: str,
    owner_person: str,
    due_on: date,
    by: UserRecord,
    now: datetime,
    share_with_partners: bool = False,
) -> PanelAction:
    """A multi-agency action on an item, open until its owner's agency says done. Unless the
    chair shares it, the partners' pack gives only its agency, due date and status."""
    item = item_or_raise(session, meeting_id, item_id)
    meeting = item.meeting
    for field, value in (
        ("description", description),
        ("owner_agency", owner_agency),
        ("owner_person", owner_person),
    ):
        if not value.strip():
            raise Refused(field, f"enter the action's {field.replace('_', ' ')}")
    row = PanelAction(
        item_id=item.id,
        subject_key=item.subject_key,
        panel=meeting.panel,
        area=meeting.area,
        child_id=item.child_id,
        description=description.strip(),
        owner_agency=owner_agency.strip(),
        owner_person=owner_person.strip(),
        due_on=due_on,
        status="open",
        shared_with_partners=share_with_partners,
        created_by_id=by.id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    record_update(session, row, "open", meeting_id=meeting_id, by_id=by.id, now=now)
    audit.record(
        session,
        Actor.of(by),
        "set_panel_action",
        record_type="panel_meeting",
        record_id=meeting_id,
        now=now,
        item=item.id,
        panel_action=row.id,
        due_on=due_on.isoformat(),
        shared_with_partners=share_with_partners,
    )
    return row


def set_action_status(
    session: Session,
    *,
    action_id: int,
    status: str,
    by: UserRecord,
    now: datetime,
    meeting_id: int | None = None,
) -> PanelAction:
    """Give an action a new status (kept beside the earlier ones). Through a meeting's page,
    the action must be one that meeting shows (set at it, or carried to it): otherwise it is
    not found there."""
    action = session.get(PanelAction, action_id)
    if action is None:
        raise RecordNotFound("panel action", action_id)
    if meeting_id is not None:
        meeting = get_or_raise(session, meeting_id)
        shown = {
            a.id
            for item in meeting.items
            if item.subject_key == action.subject_key
            for a in actions_for(session, meeting, item, now)
        }
        if action.id not in shown:
            raise RecordNotFound("panel action", action_id)
    if status not in ACTION_STATUSES:
        raise Refused("status", "choose open, done or cancelled")
    before = action.status
    record_update(session, action, status, meeting_id=meeting_id, by_id=by.id, now=now)
    audit.record(
        session,
        Actor.of(by),
        "update_panel_action",
        record_type="panel_action",
        record_id=action.id,
        now=now,
        status_before=before,
        status=status,
        meeting=meeting_id,
    )
    return action
