"""Places: the audited reads (the hotspot view, one place, the districts for sharing) and the
changes a person makes (a place's status and note, a place on a panel's agenda, what an
interview said of places and associates). Nothing here commits: the caller's transaction does.

A place is named in URLs and the audit trail by its `ref`, a digest of its key, never by its
words (a place may be a child's address).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.errors import RecordNotFound, Refused
from triage.intelligence.disclosure import DistrictRow, for_sharing
from triage.intelligence.facts import KNOWN_HOTSPOT
from triage.intelligence.hotspots import TREND_DAYS, Hotspot, Order, rank_districts, rank_places
from triage.intelligence.places import district_in, normalise
from triage.intelligence.sightings import Sighting, sightings
from triage.intelligence.tables import STATUSES, InterviewMention, PlaceRecord
from triage.interviews.tables import InterviewTask
from triage.panels.meetings import add_item
from triage.panels.ranking import RankingWeights
from triage.panels.tables import PanelAgendaItem
from triage.store.tables import ChildRecord, UserRecord

Viewer = UserRecord | Actor  # a signed-in person, or the console (the CLI)


def as_actor(viewer: Viewer) -> Actor:
    return viewer if isinstance(viewer, Actor) else Actor.of(viewer)


def place_ref(key: str) -> str:
    """A place's name in URLs and the audit trail: a digest of its key."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class PlaceRow:
    """A place in the hotspot view: its counts and what a person said of it."""

    ref: str
    spot: Hotspot
    status: str
    note: str | None


@dataclass(frozen=True, slots=True)
class PlaceDetail:
    row: PlaceRow
    sightings: list[Sighting]  # newest first
    names: dict[int, str]  # child id -> name


def _records(session: Session) -> dict[str, PlaceRecord]:
    return {p.key: p for p in session.scalars(select(PlaceRecord))}


def _row(spot: Hotspot, records: dict[str, PlaceRecord]) -> PlaceRow:
    record = records.get(spot.key)
    return PlaceRow(
        place_ref(spot.key),
        spot,
        record.status if record else "none",
        record.note if record else None,
    )


def hotspots(
    session: Session,
    *,
    viewer: Viewer,
    now: datetime,
    order: Order = "episodes",
    area: str | None = None,
    days: int = 365,
) -> list[PlaceRow]:
    """Every place named in the `days` before `now`, ranked (for those who see names; audited)."""
    audit.record(
        session, as_actor(viewer), "view_places", record_type="places", record_id="all",
        now=now, order=order, area=area,
    )  # fmt: skip
    records = _records(session)
    ranked = rank_places(sightings(session, now=now, days=days), now=now, order=order, area=area)
    return [_row(spot, records) for spot in ranked]


def districts(
    session: Session, *, viewer: Viewer, now: datetime, area: str | None = None
) -> list[DistrictRow]:
    """The districts table for sharing (analysts, exports for sharing): the last two periods of
    `TREND_DAYS`, small numbers suppressed (audited)."""
    audit.record(
        session, as_actor(viewer), "view_places_for_sharing", record_type="places",
        record_id="districts", now=now, area=area,
    )  # fmt: skip
    found = sightings(session, now=now, days=2 * TREND_DAYS)
    return for_sharing(rank_districts(found, now=now, area=area))


def place_detail(
    session: Session, *, ref: str, viewer: Viewer, now: datetime, shown: bool = True
) -> PlaceDetail:
    """One place with the children and episodes that named it (audited with their ids, when
    they are `shown` to the viewer; admins see the place alone)."""
    found = [s for s in sightings(session, now=now) if place_ref(s.place.key) == ref]
    if not found:
        raise RecordNotFound("place", ref)
    spot = rank_places(found, now=now)[0]
    row = _row(spot, _records(session))
    names = {
        c.id: f"{c.given_name} {c.family_name}"
        for c in session.scalars(select(ChildRecord).where(ChildRecord.id.in_(spot.child_ids)))
    }
    audit.record(
        session, as_actor(viewer), "view_place", record_type="place", record_id=ref, now=now,
        children=sorted(spot.child_ids) if shown else [],
        episodes=sorted(spot.episode_ids) if shown else [],
    )  # fmt: skip
    return PlaceDetail(row, sorted(found, key=lambda s: s.at, reverse=True), names)


def mark_place(
    session: Session, *, ref: str, status: str, note: str | None, by: UserRecord, now: datetime
) -> PlaceRow:
    """Give a place a status (`known_hotspot` feeds the rules from now) and a note."""
    if status not in STATUSES:
        raise Refused("status", "choose none or known_hotspot")
    detail = place_detail(session, ref=ref, viewer=by, now=now)
    spot = detail.row.spot
    record = session.scalar(select(PlaceRecord).where(PlaceRecord.key == spot.key))
    if record is None:
        record = PlaceRecord(key=spot.key, label=spot.label[:300], district=spot.district[:8])
        session.add(record)
    if status == KNOWN_HOTSPOT and record.status != KNOWN_HOTSPOT:
        record.hotspot_since = now
    if status != KNOWN_HOTSPOT:
        record.hotspot_since = None
    record.status = status
    record.note = (note or "").strip() or None
    record.updated_by_id, record.updated_at = by.id, now
    session.flush()
    audit.record(
        session, Actor.of(by), "mark_place", record_type="place", record_id=ref, now=now,
        status=status, noted=record.note is not None,
    )  # fmt: skip
    return _row(spot, {spot.key: record})


def place_on_agenda(
    session: Session,
    *,
    ref: str,
    meeting_id: int,
    weights: RankingWeights,
    by: UserRecord,
    now: datetime,
) -> PanelAgendaItem:
    """Put a place on a meeting's agenda as a location (its words, and its postcode if given)."""
    spot = place_detail(session, ref=ref, viewer=by, now=now).row.spot
    postcode = district_in(spot.label)
    on_it = session.scalars(
        select(PanelAgendaItem.description).where(
            PanelAgendaItem.meeting_id == meeting_id, PanelAgendaItem.kind == "location"
        )
    )
    if spot.label in set(on_it):
        raise Refused("meeting_id", "this place is on that meeting's agenda already")
    return add_item(
        session,
        meeting_id=meeting_id,
        kind="location",
        child_id=None,
        description=spot.label,
        postcode=postcode,
        weights=weights,
        by=by,
        now=now,
    )


def record_mentions(
    session: Session,
    *,
    task_id: int,
    was: list[str],
    went: list[str],
    associates: list[int],
    by: UserRecord,
    now: datetime,
) -> list[InterviewMention]:
    """What an interview said: places the child was and went, other children named with them."""
    task = session.get(InterviewTask, task_id)
    if task is None:
        raise RecordNotFound("interview task", task_id)
    child = task.child
    made = []
    for kind, texts in (("was", was), ("went", went)):
        for k, text in enumerate(texts):
            place = normalise(text)
            if place is None:
                raise Refused(f"{kind}.{k}", "say where, in words")
            made.append(
                InterviewMention(kind=kind, place_key=place.key, place_label=place.label[:300],
                                 district=place.district)
            )  # fmt: skip
    for k, other in enumerate(associates):
        found = session.get(ChildRecord, other)
        if found is None or found.id == child.id:
            raise Refused(f"associates.{k}", "choose another child the service knows")
        made.append(InterviewMention(kind="associate", associate_child_id=found.id))
    for mention in made:
        mention.task_id, mention.child_id = task.id, child.id
        mention.recorded_by_id, mention.recorded_at = by.id, now
        session.add(mention)
    session.flush()
    audit.record(
        session, Actor.of(by), "record_interview_mentions", record_type="interview_task",
        record_id=task.id, now=now, places=len(was) + len(went), associates=sorted(associates),
    )  # fmt: skip
    return made
