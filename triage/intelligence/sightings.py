"""Every place an episode or a return home interview names, read from the store as it stands.

A *sighting* is one place said for one episode: where police last saw the child and where
they found them (the episode's newest version), and where an interview says the child was or
went (its `interview_mentions`, dated by the return the interview followed). Children merged
into another record are left out (their episodes moved to the record that stands).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from triage.intelligence.places import Place, normalise
from triage.intelligence.tables import InterviewMention
from triage.interviews.tables import InterviewEpisode, InterviewTask
from triage.notification.vocabulary import EXPLOITATION_INDICATORS
from triage.store.tables import ChildRecord, DecisionRecord, EpisodeRecord, NotificationVersion

LAST_SEEN = "last_seen"
FOUND = "found"
INTERVIEW_WAS = "interview_was"
INTERVIEW_WENT = "interview_went"
SOURCES = {
    LAST_SEEN: "last seen (police)",
    FOUND: "found (police)",
    INTERVIEW_WAS: "where the child was (interview)",
    INTERVIEW_WENT: "where the child went (interview)",
}
_EXPLOITATION = frozenset(i.value for i in EXPLOITATION_INDICATORS)


@dataclass(frozen=True, slots=True)
class Sighting:
    """One place said for one episode. `at` is when the child was last seen (police's last
    seen), found (police's return) or came back (an interview's); `area` the team the newest
    decision on the episode routed to ("" before any)."""

    place: Place
    source: str
    child_id: int
    episode_id: int
    police_reference: str
    at: datetime
    last_seen_at: datetime
    exploitation: frozenset[str]
    area: str


def sightings(session: Session, *, now: datetime, days: int = 365) -> list[Sighting]:
    """Every sighting of an episode last seen in the `days` before `now` (and not after it)."""
    since = now - timedelta(days=days)
    newest = and_(
        NotificationVersion.episode_id == EpisodeRecord.id,
        NotificationVersion.version == EpisodeRecord.version_count,
    )
    rows = session.execute(
        select(
            EpisodeRecord.id,
            EpisodeRecord.child_id,
            EpisodeRecord.police_reference,
            EpisodeRecord.last_seen_at,
            EpisodeRecord.returned_at,
            EpisodeRecord.indicators,
            NotificationVersion.payload,
        )
        .join(NotificationVersion, newest)
        .join(ChildRecord, ChildRecord.id == EpisodeRecord.child_id)
        .where(
            ChildRecord.merged_into_id.is_(None),
            EpisodeRecord.last_seen_at >= since,
            EpisodeRecord.last_seen_at <= now,
        )
    ).all()
    areas = _areas(session, [row.id for row in rows])
    found: list[Sighting] = []
    episodes: dict[int, tuple[int, str, datetime, frozenset[str], str]] = {}
    for row in rows:
        child = row.payload.get("child", {})
        episode = row.payload.get("episode", {})
        homes = {
            "home_postcode": child.get("home_postcode"),
            "placement_postcode": child.get("placement_postcode"),
        }
        exploitation = frozenset(row.indicators or ()) & _EXPLOITATION
        area = areas.get(row.id, "")
        episodes[row.id] = (
            row.child_id,
            row.police_reference,
            row.last_seen_at,
            exploitation,
            area,
        )
        for source, text, at in (
            (LAST_SEEN, episode.get("last_seen_location"), row.last_seen_at),
            (FOUND, episode.get("return_location"), row.returned_at),
        ):
            if at is not None and (place := normalise(text, **homes)) is not None:
                found.append(
                    Sighting(
                        place,
                        source,
                        row.child_id,
                        row.id,
                        row.police_reference,
                        at,
                        row.last_seen_at,
                        exploitation,
                        area,
                    )
                )
    found.extend(_interview_sightings(session, episodes))
    return found


def _interview_sightings(
    session: Session, episodes: dict[int, tuple[int, str, datetime, frozenset[str], str]]
) -> list[Sighting]:
    """Places interviews named, each counted for the first episode its interview covers."""
    first_episode = (
        select(func.min(InterviewEpisode.episode_id))
        .where(InterviewEpisode.task_id == InterviewTask.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            InterviewMention.kind,
            InterviewMention.place_key,
            InterviewMention.place_label,
            InterviewMention.district,
            InterviewTask.returned_at,
            first_episode,
        )
        .join(InterviewTask, InterviewTask.id == InterviewMention.task_id)
        .where(InterviewMention.kind.in_(("was", "went")))
    ).all()
    found = []
    for kind, key, label, district, returned_at, episode_id in rows:
        if episode_id not in episodes:  # outside the window, or a merged child's
            continue
        child_id, reference, seen, exploitation, area = episodes[episode_id]
        source = INTERVIEW_WAS if kind == "was" else INTERVIEW_WENT
        place = Place(key, label, district)
        found.append(
            Sighting(
                place,
                source,
                child_id,
                episode_id,
                reference,
                returned_at,
                seen,
                exploitation,
                area,
            )
        )
    return found


def _areas(session: Session, episode_ids: list[int]) -> dict[int, str]:
    """The team each episode's newest decision routed to."""
    teams: dict[int, str] = {}
    for chunk in range(0, len(episode_ids), 5000):
        wanted = episode_ids[chunk : chunk + 5000]
        for episode_id, team in session.execute(
            select(DecisionRecord.episode_id, DecisionRecord.team)
            .where(DecisionRecord.episode_id.in_(wanted))
            .order_by(DecisionRecord.as_of, DecisionRecord.id)
        ):
            teams[episode_id] = team
    return teams


def by_place(found: list[Sighting]) -> dict[str, list[Sighting]]:
    """Sightings grouped by their place's key."""
    grouped: dict[str, list[Sighting]] = defaultdict(list)
    for sighting in found:
        grouped[sighting.place.key].append(sighting)
    return grouped
