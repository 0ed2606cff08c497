"""A panel action's status over time. Every status it is given is kept (`panel_action_updates`,
append-only; the first is `open`, when it is set), and the action's own `status` is the newest.

A meeting is shown as it stood: one not yet held, and one held today, as things are now; one
held earlier as at the end of its day in UK time (with the changes recorded through its own
page since). Overdue is by that day's date in UK time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from triage.casework.dates import UK
from triage.panels.tables import PanelAction, PanelActionUpdate, PanelMeeting


@dataclass(frozen=True, slots=True)
class ShownAction:
    """An action as a meeting shows it: its status, and whether it was overdue, then."""

    row: PanelAction
    status: str
    overdue: bool

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def item_id(self) -> int:
        return self.row.item_id

    @property
    def description(self) -> str:
        return self.row.description

    @property
    def owner_agency(self) -> str:
        return self.row.owner_agency

    @property
    def owner_person(self) -> str:
        return self.row.owner_person

    @property
    def due_on(self) -> date:
        return self.row.due_on

    @property
    def shared_with_partners(self) -> bool:
        return self.row.shared_with_partners


def uk_today(now: datetime) -> date:
    """The date in the UK at `now` (overdue is by it, not by the date in UTC)."""
    return now.astimezone(UK).date()


def as_at(meeting: PanelMeeting, now: datetime) -> tuple[datetime, date]:
    """The moment a meeting is shown as at, and the day its overdue actions are counted by."""
    held_on = uk_today(meeting.meets_at)
    day_ends = datetime.combine(held_on + timedelta(days=1), time(0), tzinfo=UK)
    return min(now, day_ends), uk_today(min(now, meeting.meets_at))


def statuses(
    session: Session, actions: list[PanelAction], meeting: PanelMeeting, moment: datetime
) -> dict[int, str]:
    """Each action's status as at `moment`, counting what was recorded through the meeting's
    own page whenever it was; an action with no update known keeps its status now."""
    found = {a.id: a.status for a in actions}
    for action_id, status in session.execute(
        select(PanelActionUpdate.action_id, PanelActionUpdate.status)
        .where(
            PanelActionUpdate.action_id.in_(list(found)),
            or_(PanelActionUpdate.at <= moment, PanelActionUpdate.meeting_id == meeting.id),
        )
        .order_by(PanelActionUpdate.at, PanelActionUpdate.id)
    ):
        found[action_id] = status
    return found


def record_update(
    session: Session,
    action: PanelAction,
    status: str,
    *,
    meeting_id: int | None,
    by_id: int,
    now: datetime,
) -> PanelActionUpdate:
    """Give the action a status: a new row in its history, and the status it has now."""
    row = PanelActionUpdate(
        action_id=action.id, status=status, meeting_id=meeting_id, by_id=by_id, at=now
    )
    action.status, action.updated_at = status, now
    session.add(row)
    session.flush()
    return row
