"""Since the last panel: what changed for a child on the agenda since the panel last met about
them (the previous meeting of the same panel that had the child on its agenda, or else the
panel's previous meeting).

New episodes are those police first notified after that meeting; new indicators, places (where
last seen, where found) and linked children (children seen missing with them) are those in
what police sent after it that nothing sent before had; actions overdue are the decisions'
and the panel's own, past due and not done now; the level is the panel's level then (kept on
the agenda item) and now, with every person's review of the level since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.casework.actions import overdue_actions
from triage.history.store import edges_frame
from triage.panels.history import ShownAction
from triage.panels.meetings import actions_for, item_or_raise
from triage.panels.ranking import RankingWeights, rank_children
from triage.panels.tables import PanelAgendaItem, PanelMeeting
from triage.store.tables import (
    ChildRecord,
    EpisodeRecord,
    NotificationVersion,
    ReviewRecord,
    UserRecord,
)


@dataclass(frozen=True, slots=True)
class NewEpisode:
    police_reference: str
    last_seen_at: datetime
    returned_at: datetime | None


@dataclass(frozen=True, slots=True)
class LinkedChild:
    child_id: int
    name: str


@dataclass(frozen=True, slots=True)
class LevelChange:
    at: datetime
    level: str
    by: str
    police_reference: str


@dataclass(frozen=True, slots=True)
class OverdueAction:
    what: str  # an action type code (the decisions') or the panel action's description
    police_reference: str | None  # the decisions' actions: the notification asking
    panel_action: ShownAction | None  # as the meeting shows it


@dataclass(frozen=True, slots=True)
class SinceLastPanel:
    previous: PanelMeeting | None  # None: the panel has not met before
    child_was_on_it: bool
    new_episodes: list[NewEpisode]
    new_indicators: list[str]
    new_places: list[str]
    new_linked_children: list[LinkedChild]
    overdue: list[OverdueAction]
    level_then: str | None
    level_now: str | None
    level_changes: list[LevelChange]


def previous_meeting(
    session: Session, meeting: PanelMeeting, child_id: int | None
) -> tuple[PanelMeeting | None, PanelAgendaItem | None]:
    """The panel's previous meeting that had the child on its agenda (and that item), or else
    its previous meeting."""
    earlier = (
        select(PanelMeeting)
        .where(
            PanelMeeting.panel == meeting.panel,
            PanelMeeting.meets_at < meeting.meets_at,
            PanelMeeting.area.is_(None)
            if meeting.area is None
            else PanelMeeting.area == meeting.area,
        )
        .order_by(PanelMeeting.meets_at.desc(), PanelMeeting.id.desc())
    )
    if child_id is not None:
        found = session.execute(
            earlier.add_columns(PanelAgendaItem)
            .join(PanelAgendaItem, PanelAgendaItem.meeting_id == PanelMeeting.id)
            .where(PanelAgendaItem.child_id == child_id)
            .limit(1)
        ).first()
        if found is not None:
            return found[0], found[1]
    return session.scalar(earlier.limit(1)), None


def since_last_panel(
    session: Session,
    meeting: PanelMeeting,
    item: PanelAgendaItem,
    *,
    weights: RankingWeights,
    now: datetime,
) -> SinceLastPanel:
    """What changed for the item's child since the panel last saw them (see the module)."""
    child_id = item.child_id
    previous, earlier_item = previous_meeting(session, meeting, child_id)
    ranked = rank_children(session, weights=weights, now=now, child_ids=[child_id or 0])
    level_now = ranked[0].level if ranked else None
    overdue = overdue_for(session, meeting, item, now)
    if child_id is None or previous is None:
        return SinceLastPanel(previous, False, [], [], [], [], overdue, None, level_now, [])
    since = previous.meets_at
    versions = session.execute(
        select(
            NotificationVersion.episode_id,
            NotificationVersion.sent_at,
            NotificationVersion.indicators,
            NotificationVersion.payload,
        )
        .join(EpisodeRecord, EpisodeRecord.id == NotificationVersion.episode_id)
        .where(EpisodeRecord.child_id == child_id)
    ).all()
    before = [v for v in versions if v.sent_at <= since]
    after = [v for v in versions if v.sent_at > since]
    return SinceLastPanel(
        previous=previous,
        child_was_on_it=earlier_item is not None,
        new_episodes=_new_episodes(session, child_id, since),
        new_indicators=sorted(
            {i for v in after for i in v.indicators} - {i for v in before for i in v.indicators}
        ),
        new_places=[p for p in _places(after) if p not in set(_places(before))],
        new_linked_children=_new_linked(session, child_id, since),
        overdue=overdue,
        level_then=earlier_item.level_when_added if earlier_item else None,
        level_now=level_now,
        level_changes=_reviews_since(session, child_id, since),
    )


def since_for(
    session: Session,
    meeting_id: int,
    item_id: int,
    *,
    viewer: UserRecord,
    weights: RankingWeights,
    now: datetime,
) -> tuple[PanelAgendaItem, SinceLastPanel]:
    """ "Since the last panel" for one agenda item, as a person opens it (audited)."""
    item = item_or_raise(session, meeting_id, item_id)
    audit.record(
        session,
        Actor.of(viewer),
        "view_since_last_panel",
        record_type="panel_meeting",
        record_id=meeting_id,
        now=now,
        item=item.id,
        child=item.child_id,
    )
    return item, since_last_panel(session, item.meeting, item, weights=weights, now=now)


def _new_episodes(session: Session, child_id: int, since: datetime) -> list[NewEpisode]:
    first_sent = (
        select(func.min(NotificationVersion.sent_at))
        .where(NotificationVersion.episode_id == EpisodeRecord.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            EpisodeRecord.police_reference, EpisodeRecord.last_seen_at, EpisodeRecord.returned_at
        )
        .where(EpisodeRecord.child_id == child_id, first_sent > since)
        .order_by(EpisodeRecord.last_seen_at)
    )
    return [NewEpisode(ref, seen, back) for ref, seen, back in rows]


def _places(versions: Sequence[Any]) -> list[str]:
    """Where last seen and where found, in the order police said them, each once."""
    found: dict[str, None] = {}
    for version in sorted(versions, key=lambda v: v.sent_at):
        episode = version.payload.get("episode", {})
        for key in ("last_seen_location", "return_location"):
            if place := (episode.get(key) or "").strip():
                found.setdefault(place, None)
    return list(found)


def _new_linked(session: Session, child_id: int, since: datetime) -> list[LinkedChild]:
    edges = edges_frame(session, [child_id])
    mine = edges[(edges["child_id"] == child_id) & (edges["companion_child_id"] != child_id)]
    known = set(mine.loc[mine["sent_at"] <= since, "companion_child_id"].astype(int))
    new = [c for c in dict.fromkeys(mine.loc[mine["sent_at"] > since, "companion_child_id"])]
    fresh = [int(c) for c in new if int(c) not in known]
    names = {
        c.id: f"{c.given_name} {c.family_name}"
        for c in session.scalars(select(ChildRecord).where(ChildRecord.id.in_(fresh)))
    }
    return [LinkedChild(c, names.get(c, "")) for c in fresh]


def _reviews_since(session: Session, child_id: int, since: datetime) -> list[LevelChange]:
    rows = session.execute(
        select(
            ReviewRecord.created_at,
            ReviewRecord.reviewed_level,
            UserRecord.display_name,
            EpisodeRecord.police_reference,
        )
        .join(EpisodeRecord, EpisodeRecord.id == ReviewRecord.episode_id)
        .join(UserRecord, UserRecord.id == ReviewRecord.reviewer_id)
        .where(EpisodeRecord.child_id == child_id, ReviewRecord.created_at > since)
        .order_by(ReviewRecord.created_at)
    )
    return [LevelChange(at, level, by, ref) for at, level, by, ref in rows]


def overdue_for(
    session: Session, meeting: PanelMeeting, item: PanelAgendaItem, now: datetime
) -> list[OverdueAction]:
    """Actions past due and not done now: the panel's on this subject, and (for a child) what
    the decisions on their episodes asked for."""
    found = [
        OverdueAction(a.description, None, a)
        for a in actions_for(session, meeting, item, now)
        if a.overdue
    ]
    if item.child_id is None:
        return found
    episodes = dict(
        session.execute(
            select(EpisodeRecord.id, EpisodeRecord.police_reference).where(
                EpisodeRecord.child_id == item.child_id
            )
        ).all()
    )
    for episode_id, types in sorted(overdue_actions(session, list(episodes), now).items()):
        found.extend(OverdueAction(t, episodes[episode_id], None) for t in types)
    return found
