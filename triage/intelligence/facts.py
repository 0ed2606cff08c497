"""What the rules learn from places: whether a notification names a known hotspot.

A place a panel chair marked `known_hotspot` (tables.py) counts as the indicator
`known_hotspot` for a child police last saw or found there after it was marked, without police
ticking it. Vetting reads this (one index per batch); nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.intelligence.places import normalise
from triage.intelligence.tables import PlaceRecord
from triage.notification import Notification

KNOWN_HOTSPOT = "known_hotspot"


def at_known_hotspot(session: Session, n: Notification, moment: datetime) -> bool:
    """Whether the notification's last seen or found place was a known hotspot at `moment`.

    One vetting on the intake path reads only its own places' rows (none when it names no
    place), not every hotspot as a batch does (`HotspotIndex`)."""
    keys = _place_keys(n)
    if not keys:
        return False
    marked = session.scalars(
        select(PlaceRecord.hotspot_since).where(
            PlaceRecord.key.in_(keys), PlaceRecord.status == KNOWN_HOTSPOT
        )
    )
    return any(since is not None and since <= moment for since in marked)


def _place_keys(n: Notification) -> set[str]:
    """The keys of the places the notification names: where last seen and where found."""
    homes = {
        "home_postcode": n.child.home_postcode,
        "placement_postcode": n.child.placement_postcode,
    }
    places = (
        normalise(t, **homes) for t in (n.episode.last_seen_location, n.episode.return_location)
    )
    return {place.key for place in places if place is not None}


@dataclass(frozen=True, slots=True)
class HotspotIndex:
    """The known hotspots, each from when it was marked (read once for a batch)."""

    since: dict[str, datetime]

    @classmethod
    def load(cls, session: Session) -> HotspotIndex:
        rows = session.execute(
            select(PlaceRecord.key, PlaceRecord.hotspot_since).where(
                PlaceRecord.status == KNOWN_HOTSPOT
            )
        )
        return cls({key: since for key, since in rows if since is not None})

    def of(self, n: Notification, moment: datetime) -> bool:
        if not self.since:
            return False
        return any(key in self.since and self.since[key] <= moment for key in _place_keys(n))
