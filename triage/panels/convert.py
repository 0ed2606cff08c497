"""The panels' records as the API's answers (`triage.panels.schemas`)."""

from __future__ import annotations

from datetime import date

from triage.panels import schemas
from triage.panels.history import ShownAction
from triage.panels.meetings import ItemView, MeetingView, panel_name
from triage.panels.ranking import RankedChild
from triage.panels.since import SinceLastPanel
from triage.panels.tables import PanelAction, PanelMeeting


def ranked(place: int, child: RankedChild) -> schemas.RankedChild:
    return schemas.RankedChild(
        place=place,
        child_id=child.child_id,
        name=child.name,
        area=child.area,
        points=child.points,
        level_in_force=child.level,
        episodes_recent=child.episodes_recent,
        episodes_before=child.episodes_before,
        last_seen_at=child.last_seen_at,
        still_missing=child.still_missing,
        exploitation_indicators=list(child.exploitation_indicators),
        overdue_actions=child.overdue,
        contributions=[
            schemas.Contribution(factor=c.factor, points=c.points, because=c.because)
            for c in child.contributions
        ],
    )


def summary(meeting: PanelMeeting) -> schemas.MeetingSummary:
    return schemas.MeetingSummary(
        meeting_id=meeting.id,
        panel=meeting.panel,
        area=meeting.area,
        meets_at=meeting.meets_at,
        name=panel_name(meeting.panel, meeting.area),
        items=len(meeting.items),
    )


def action(shown: PanelAction | ShownAction, item_id: int, today: date) -> schemas.Action:
    """An action as a meeting shows it, or (a row) as it is now, overdue by `today`."""
    row = shown.row if isinstance(shown, ShownAction) else shown
    return schemas.Action(
        action_id=row.id,
        item_id=row.item_id,
        description=row.description,
        owner_agency=row.owner_agency,
        owner_person=row.owner_person,
        due_on=row.due_on,
        status=shown.status,
        overdue=shown.overdue if isinstance(shown, ShownAction) else row.overdue(today),
        carried=row.item_id != item_id,
        shared_with_partners=row.shared_with_partners,
    )


def item(view: ItemView, today: date) -> schemas.AgendaItem:
    row, decision = view.item, view.decision
    return schemas.AgendaItem(
        item_id=row.id,
        kind=row.kind,
        child_id=row.child_id,
        child_name=view.child_name,
        description=row.description,
        postcode=row.postcode,
        level_when_added=row.level_when_added,
        carried_from_id=row.carried_from_id,
        decision=schemas.Decision(
            decision_id=decision.id,
            outcome=decision.outcome,
            text=decision.text,
            decided_at=decision.decided_at,
        )
        if decision
        else None,
        actions=[action(a, row.id, today) for a in view.actions],
    )


def meeting(view: MeetingView, today: date) -> schemas.Meeting:
    return schemas.Meeting(
        **summary(view.meeting).model_dump(),
        agenda=[item(i, today) for i in view.items],
        attendance=[
            schemas.Attendee(
                attendee_id=a.id, name=a.name, agency=a.agency, role=a.role, present=a.present
            )
            for a in view.attendance
        ],
    )


def since(found: SinceLastPanel) -> schemas.SinceLastPanel:
    return schemas.SinceLastPanel(
        previous_meeting_id=found.previous.id if found.previous else None,
        previous_meets_at=found.previous.meets_at if found.previous else None,
        child_was_on_it=found.child_was_on_it,
        new_episodes=[
            schemas.NewEpisode(
                police_reference=e.police_reference,
                last_seen_at=e.last_seen_at,
                returned_at=e.returned_at,
            )
            for e in found.new_episodes
        ],
        new_indicators=found.new_indicators,
        new_places=found.new_places,
        new_linked_children=[
            schemas.LinkedChild(child_id=c.child_id, name=c.name) for c in found.new_linked_children
        ],
        overdue_actions=[
            schemas.OverdueAction(
                what=o.what,
                police_reference=o.police_reference,
                panel_action_id=o.panel_action.id if o.panel_action else None,
            )
            for o in found.overdue
        ],
        level_then=found.level_then,
        level_now=found.level_now,
        level_changes=[
            schemas.LevelChange(
                at=c.at, level=c.level, by=c.by, police_reference=c.police_reference
            )
            for c in found.level_changes
        ],
    )
