"""Panel meetings: created by a chair, with an agenda of children, people of concern and
locations, attendance, the panel's decision for each item and multi-agency actions.

Every change and every view is written to the audit trail by these functions (ids and codes
only, never the free text). A meeting of a panel takes on, as agenda items, the subjects that
still have open actions from the panel's earlier meetings: an open action carries to the next
meeting of the same panel for the same item. This is worked out when the meeting is made and
again whenever a meeting not yet held is shown or printed, so an action set after the next
meeting was booked still reaches it. A MASE panel is an area team's, as the routing table
(`rules/data/teams.csv`) names them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from secrets import token_hex
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.errors import RecordNotFound, Refused
from triage.identity.matching import live_child_id
from triage.panels.carry import added, carry_forward, level_now, same_area
from triage.panels.history import ShownAction, as_at, statuses
from triage.panels.ranking import RankingWeights
from triage.panels.tables import (
    PanelAction,
    PanelAgendaItem,
    PanelAttendance,
    PanelDecision,
    PanelMeeting,
)
from triage.store import count
from triage.store.tables import ChildRecord, UserRecord

Panel = Literal["city", "mase"]
ItemKind = Literal["child", "person", "location"]
Outcome = Literal["keep_on_panel", "escalate", "step_down", "close"]
ActionStatus = Literal["open", "done", "cancelled"]
PANELS: tuple[Panel, ...] = ("city", "mase")
ITEM_KINDS: tuple[ItemKind, ...] = ("child", "person", "location")
OUTCOMES: tuple[Outcome, ...] = ("keep_on_panel", "escalate", "step_down", "close")
ACTION_STATUSES: tuple[ActionStatus, ...] = ("open", "done", "cancelled")


@dataclass(frozen=True, slots=True)
class ItemView:
    item: PanelAgendaItem
    child_name: str | None
    decision: PanelDecision | None  # the newest: it stands
    actions: list[ShownAction]  # set here, and those still open from earlier meetings


@dataclass(frozen=True, slots=True)
class MeetingView:
    meeting: PanelMeeting
    items: list[ItemView]
    attendance: list[PanelAttendance]
    as_at: datetime  # shown as things stood then (a meeting held before today: its day's end)


def panel_name(panel: str, area: str | None) -> str:
    return "City panel" if panel == "city" else f"MASE panel, {area}"


def known_area(area: str | None, areas: Collection[str]) -> str | None:
    """The area team as the routing table spells it ("east " is East), None for none; an area
    that is not one of its teams is refused."""
    typed = (area or "").strip()
    if not typed:
        return None
    for team in areas:
        if team.casefold() == typed.casefold():
            return team
    raise Refused("area", "choose one of the area teams")


def get_or_raise(session: Session, meeting_id: int) -> PanelMeeting:
    meeting = session.get(PanelMeeting, meeting_id)
    if meeting is None:
        raise RecordNotFound("panel meeting", meeting_id)
    return meeting


def item_or_raise(session: Session, meeting_id: int, item_id: int) -> PanelAgendaItem:
    item = session.get(PanelAgendaItem, item_id)
    if item is None or item.meeting_id != meeting_id:
        raise RecordNotFound("agenda item", item_id)
    return item


def create_meeting(
    session: Session,
    *,
    panel: str,
    area: str | None,
    meets_at: datetime,
    areas: Collection[str],
    weights: RankingWeights,
    by: UserRecord,
    now: datetime,
) -> PanelMeeting:
    """A new meeting, with the subjects that still have open actions at this panel carried on
    to its agenda. `areas` are the routing table's teams."""
    if panel not in PANELS:
        raise Refused("panel", "choose the city panel or an area's MASE panel")
    area = known_area(area, areas) if panel == "mase" else None
    if panel == "mase" and area is None:
        raise Refused("area", "a MASE panel is an area's: choose the area")
    if panel == "city":
        area = None
    meeting = PanelMeeting(
        panel=panel, area=area, meets_at=meets_at, created_by_id=by.id, created_at=now
    )
    session.add(meeting)
    session.flush()
    carried = carry_forward(session, meeting, weights=weights, now=now)
    audit.record(
        session,
        Actor.of(by),
        "create_panel_meeting",
        record_type="panel_meeting",
        record_id=meeting.id,
        now=now,
        panel=panel,
        area=area or "",
        carried_items=[i.id for i in carried],
    )
    return meeting


def page_of_meetings(
    session: Session,
    *,
    viewer: UserRecord,
    now: datetime,
    offset: int,
    limit: int,
    panel: str | None = None,
    area: str | None = None,
) -> tuple[list[PanelMeeting], int]:
    """Meetings, the latest first (of one panel, if asked); the listing is audited."""
    query = select(PanelMeeting)
    if panel:
        query = query.where(PanelMeeting.panel == panel)
    if area:
        query = query.where(PanelMeeting.area == area)
    audit.record(
        session,
        Actor.of(viewer),
        "list_panel_meetings",
        record_type="panel_meeting",
        record_id="-",
        now=now,
        panel=panel or "",
        area=area or "",
        offset=offset,
    )
    rows = session.scalars(
        query.order_by(PanelMeeting.meets_at.desc(), PanelMeeting.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows), count(session, query)


def meeting_view(
    session: Session,
    meeting_id: int,
    *,
    viewer: UserRecord,
    weights: RankingWeights,
    now: datetime,
    audited: bool = True,
) -> MeetingView:
    """A meeting with its agenda, each item's decision and actions (as they stood at the
    meeting, if it was held before today), and attendance. A meeting not yet held first takes
    on the subjects with actions still open (audited as `carry_panel_items`)."""
    meeting = get_or_raise(session, meeting_id)
    if meeting.meets_at > now:
        carried = carry_forward(session, meeting, weights=weights, now=now)
        if carried:
            audit.record(
                session,
                Actor.of(viewer),
                "carry_panel_items",
                record_type="panel_meeting",
                record_id=meeting.id,
                now=now,
                carried_items=[i.id for i in carried],
            )
    if audited:
        audit.record(
            session,
            Actor.of(viewer),
            "view_panel_meeting",
            record_type="panel_meeting",
            record_id=meeting.id,
            now=now,
        )
    names = {
        c.id: f"{c.given_name} {c.family_name}"
        for c in session.scalars(
            select(ChildRecord).where(
                ChildRecord.id.in_([i.child_id for i in meeting.items if i.child_id])
            )
        )
    }
    items = [
        ItemView(
            item=item,
            child_name=names.get(item.child_id) if item.child_id else None,
            decision=item.decisions[-1] if item.decisions else None,
            actions=actions_for(session, meeting, item, now),
        )
        for item in meeting.items
    ]
    return MeetingView(
        meeting=meeting,
        items=items,
        attendance=list(meeting.attendance),
        as_at=as_at(meeting, now)[0],
    )


def actions_for(
    session: Session, meeting: PanelMeeting, item: PanelAgendaItem, now: datetime
) -> list[ShownAction]:
    """The item's actions as they stood at the meeting: those set at it, and those of the
    same subject at the same panel, set at an earlier meeting, that were still open."""
    moment, day = as_at(meeting, now)
    rows = list(
        session.scalars(
            select(PanelAction)
            .join(PanelAgendaItem, PanelAgendaItem.id == PanelAction.item_id)
            .join(PanelMeeting, PanelMeeting.id == PanelAgendaItem.meeting_id)
            .where(
                PanelAction.subject_key == item.subject_key,
                PanelAction.panel == meeting.panel,
                same_area(PanelAction.area, meeting.area),
                PanelMeeting.meets_at <= meeting.meets_at,
            )
            .order_by(PanelAction.due_on, PanelAction.id)
        )
    )
    then = statuses(session, rows, meeting, moment)
    return [
        ShownAction(a, then[a.id], then[a.id] == "open" and a.due_on < day)
        for a in rows
        if a.item_id == item.id or (then[a.id] == "open" and a.created_at <= moment)
    ]


def add_item(
    session: Session,
    *,
    meeting_id: int,
    kind: str,
    child_id: int | None,
    description: str | None,
    postcode: str | None,
    weights: RankingWeights,
    by: UserRecord,
    now: datetime,
) -> PanelAgendaItem:
    """Put a child, a person of concern or a location on a meeting's agenda."""
    meeting = get_or_raise(session, meeting_id)
    description = (description or "").strip() or None
    postcode = (postcode or "").strip().upper() or None
    if kind not in ITEM_KINDS:
        raise Refused("kind", "choose a child, a person of concern or a location")
    if kind == "child":
        if child_id is None or session.get(ChildRecord, child_id) is None:
            raise Refused("child_id", "choose a child the service knows")
        child_id = live_child_id(session, child_id)
        if any(i.child_id == child_id for i in meeting.items):
            raise Refused("child_id", _TWICE)
        description = postcode = None
    else:
        child_id = None
        if kind == "person" and description is None:
            raise Refused("description", "describe the person of concern")
        if kind == "location" and description is None and postcode is None:
            raise Refused("description", "describe the location or give its postcode")
    item = PanelAgendaItem(
        meeting_id=meeting.id,
        kind=kind,
        subject_key=f"child:{child_id}" if child_id else f"pending:{token_hex(8)}",
        position=max((i.position for i in meeting.items), default=0) + 1,
        child_id=child_id,
        description=description,
        postcode=postcode if kind == "location" else None,
        level_when_added=level_now(session, child_id, weights, now),
        added_by_id=by.id,
        added_at=now,
    )
    if not added(session, item):  # a double submit, or another chair at the same moment
        raise Refused("child_id", _TWICE)
    if child_id is None:
        item.subject_key = f"item:{item.id}"
    session.refresh(meeting)
    audit.record(
        session,
        Actor.of(by),
        "add_agenda_item",
        record_type="panel_meeting",
        record_id=meeting.id,
        now=now,
        item=item.id,
        kind=kind,
        child=child_id,
    )
    return item


_TWICE = "this child is already on the agenda"
