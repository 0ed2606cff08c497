"""Subjects carried from a panel's earlier meetings: a subject (a child, a person of concern
or a location) with actions still open is put on the agenda of the panel's next meeting, once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.panels.ranking import RankingWeights, rank_children
from triage.panels.tables import PanelAction, PanelAgendaItem, PanelMeeting


def carry_forward(
    session: Session, meeting: PanelMeeting, *, weights: RankingWeights, now: datetime
) -> list[PanelAgendaItem]:
    """Agenda items for every subject with open actions from this panel's earlier meetings
    that is not on the agenda yet (put there in the name of the meeting's maker)."""
    on_agenda = set(
        session.scalars(
            select(PanelAgendaItem.subject_key).where(PanelAgendaItem.meeting_id == meeting.id)
        )
    )
    last = session.scalar(
        select(func.max(PanelAgendaItem.position)).where(PanelAgendaItem.meeting_id == meeting.id)
    )
    open_subjects = session.execute(
        select(PanelAction.subject_key, func.max(PanelAction.item_id))
        .join(PanelAgendaItem, PanelAgendaItem.id == PanelAction.item_id)
        .join(PanelMeeting, PanelMeeting.id == PanelAgendaItem.meeting_id)
        .where(
            PanelAction.status == "open",
            PanelAction.panel == meeting.panel,
            same_area(PanelAction.area, meeting.area),
            PanelMeeting.meets_at < meeting.meets_at,
        )
        .group_by(PanelAction.subject_key)
        .order_by(func.max(PanelAction.item_id))
    ).all()
    carried: list[PanelAgendaItem] = []
    position = last or 0
    for subject, latest_id in open_subjects:
        if subject in on_agenda:
            continue
        earlier = session.get_one(PanelAgendaItem, latest_id)
        position += 1
        item = PanelAgendaItem(
            meeting_id=meeting.id,
            kind=earlier.kind,
            subject_key=subject,
            position=position,
            child_id=earlier.child_id,
            description=earlier.description,
            postcode=earlier.postcode,
            level_when_added=level_now(session, earlier.child_id, weights, now),
            carried_from_id=earlier.id,
            added_by_id=meeting.created_by_id,
            added_at=now,
        )
        if added(session, item):  # not if another request carried it at the same moment
            carried.append(item)
    if carried:
        session.refresh(meeting)
    return carried


def added(session: Session, item: PanelAgendaItem) -> bool:
    """Add the item, unless its subject is already on the meeting's agenda (one per agenda,
    kept by the database)."""
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        return False
    return True


def same_area(column: Any, area: str | None) -> Any:
    return column.is_(None) if area is None else column == area


def level_now(
    session: Session, child_id: int | None, weights: RankingWeights, now: datetime
) -> str | None:
    """The level a panel sees for a child now (the ranking's: the highest level in force of
    their recent episodes), kept on the item to compare at the next meeting."""
    if child_id is None:
        return None
    found = rank_children(session, weights=weights, now=now, child_ids=[child_id])
    return found[0].level if found else None
