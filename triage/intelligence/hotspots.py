"""Places and districts ranked by episodes, children, exploitation and recency, with a trend.

Each place (or district) counts the distinct episodes that named it (last seen, found, or an
interview), the distinct children, the episodes among them with an exploitation indicator
police ticked, and how recently it was named. The trend compares the episodes of the last
`TREND_DAYS` with the `TREND_DAYS` before: "rising" (more), "falling" (fewer) or "steady".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from triage.intelligence.sightings import Sighting

TREND_DAYS = 90
NOT_KNOWN = "not known"  # the district of a place without a postcode
Order = Literal["episodes", "children", "exploitation", "recency"]
ORDERS: tuple[Order, ...] = ("episodes", "children", "exploitation", "recency")


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A place (or a district: then `key` and `label` are the district) and what named it."""

    key: str
    label: str
    district: str
    episodes: int
    children: int
    exploitation: int  # episodes with an exploitation indicator
    last_at: datetime
    recent: int  # episodes in the last TREND_DAYS
    before: int  # episodes in the TREND_DAYS before those
    child_ids: frozenset[int]
    episode_ids: frozenset[int]

    @property
    def trend(self) -> str:
        if self.recent > self.before:
            return "rising"
        return "falling" if self.recent < self.before else "steady"


def _count(key: str, label: str, district: str, found: list[Sighting], now: datetime) -> Hotspot:
    episodes = {s.episode_id: s for s in found}
    split = now - timedelta(days=TREND_DAYS)
    start = split - timedelta(days=TREND_DAYS)
    return Hotspot(
        key=key,
        label=label,
        district=district,
        episodes=len(episodes),
        children=len({s.child_id for s in found}),
        exploitation=sum(1 for s in episodes.values() if s.exploitation),
        last_at=max(s.at for s in found),
        recent=sum(1 for s in episodes.values() if s.last_seen_at > split),
        before=sum(1 for s in episodes.values() if start <= s.last_seen_at <= split),
        child_ids=frozenset(s.child_id for s in found),
        episode_ids=frozenset(episodes),
    )


def _ranked(spots: Iterable[Hotspot], order: Order) -> list[Hotspot]:
    keys: dict[Order, Callable[[Hotspot], tuple[object, ...]]] = {
        "episodes": lambda h: (h.episodes, h.children, h.exploitation, h.last_at),
        "children": lambda h: (h.children, h.episodes, h.exploitation, h.last_at),
        "exploitation": lambda h: (h.exploitation, h.episodes, h.children, h.last_at),
        "recency": lambda h: (h.last_at, h.episodes, h.children, h.exploitation),
    }
    # Largest first; a tie falls back to the label, so the order repeats.
    by_label = sorted(spots, key=lambda h: h.label)
    return sorted(by_label, key=keys[order], reverse=True)


def _in_area(found: list[Sighting], area: str | None) -> list[Sighting]:
    if area is None:
        return found
    return [s for s in found if s.area.casefold() == area.casefold()]


def rank_places(
    found: list[Sighting], *, now: datetime, order: Order = "episodes", area: str | None = None
) -> list[Hotspot]:
    """Each place named, ranked (the city, or one area team's episodes)."""
    grouped: dict[str, list[Sighting]] = {}
    for s in _in_area(found, area):
        grouped.setdefault(s.place.key, []).append(s)
    return _ranked(
        (
            _count(key, _spelling(group), group[0].place.district or NOT_KNOWN, group, now)
            for key, group in grouped.items()
        ),
        order,
    )


def _spelling(group: list[Sighting]) -> str:
    """The place's most used spelling (of equals, the one said first)."""
    return Counter(s.place.label for s in sorted(group, key=lambda s: s.at)).most_common(1)[0][0]


def rank_districts(
    found: list[Sighting], *, now: datetime, order: Order = "episodes", area: str | None = None
) -> list[Hotspot]:
    """Each postcode district named (places without a postcode as "not known"), ranked."""
    grouped: dict[str, list[Sighting]] = {}
    for s in _in_area(found, area):
        grouped.setdefault(s.place.district or NOT_KNOWN, []).append(s)
    return _ranked((_count(d, d, d, group, now) for d, group in grouped.items()), order)
