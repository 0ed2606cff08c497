"""When each child goes missing and for how long: spells of episodes, and children who go
missing together.

A child's episodes come in spells: the first spell opens the child's missing career and the
others are spread through it; each holds a geometric number of episodes a few days apart, each
starting after the previous return. This burstiness is why a city sees far fewer children a
month than episodes. Children in the same peer group (often exploited together) sometimes go
missing at the same time; those episodes share an `event`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from triage.synth.clock import DAY, HOUR, MINUTE, Clock
from triage.synth.population import YEAR_DAYS, Population
from triage.synth.sampling import shuffled_systematic

# Assumption: children go missing mostly in the afternoon and evening (after school, at night).
_HOUR_WEIGHTS = np.array(
    [3, 2, 1.5, 1, 1, 1, 1, 1.5, 2.5, 3, 3, 3, 3.5, 4, 5, 6, 7, 7.5, 8, 8.5, 8.5, 8, 6, 4]
)
# Assumption: most episodes last hours (median 6 h); about one in eight lasts over a day and
# one in fifty over three days. Exploited children stay away longer.
_DURATION_MEDIAN_HOURS = 6.0
_DURATION_SIGMA = 1.1
_LONGEST = 30 * DAY
_MEAN_GAP_DAYS = 3.0  # between a return and the next episode of the same spell
_MIN_GAP = 30 * MINUTE  # a child cannot go missing again within half an hour of returning
RECENT_DAYS = 90


@dataclass(frozen=True)
class Timeline:
    """Every episode of every child, history before the window included.

    Sorted by child, then time. Times are UTC seconds since the epoch; `event` is shared by
    episodes of children who went missing together (-1 for a child alone); `recent` counts the
    child's own episodes in the 90 days before this one (hidden history included).
    """

    child: np.ndarray
    last_seen: np.ndarray
    duration: np.ndarray
    event: np.ndarray
    recent: np.ndarray

    def __len__(self) -> int:
        return len(self.child)


def schedule(rng: np.random.Generator, population: Population, clock: Clock) -> Timeline:
    """Draw every child's episodes, add the ones shared with peers, and count recent history."""
    child, day, second, duration = _own_episodes(rng, population)
    last_seen = clock.local_to_utc(day, second)
    # A career ends before the 18th birthday; a child is never reported at 18 or over.
    adult = clock.midnight(population.adult_day[child])
    keep = last_seen + 3 * HOUR < adult
    child, last_seen, duration = child[keep], last_seen[keep], duration[keep]
    event = np.full(len(child), -1, dtype=np.int64)
    child, last_seen, duration, event = _drop_overlaps(child, last_seen, duration, event)
    child, last_seen, duration, event = _go_missing_together(
        rng, population, clock, child, last_seen, duration
    )
    recent = _recent(child, last_seen)
    return Timeline(child, last_seen, duration, event, recent)


def _own_episodes(
    rng: np.random.Generator, population: Population
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = len(population)
    active_years = np.maximum(population.career_end - population.career_start, 0.0) / YEAR_DAYS
    # Rounded at random rather than Poisson: the spread between children comes from their
    # propensity; this keeps a child's count close to what their rate and career imply.
    expected = population.rate * active_years / population.spell_size
    extra_spells = np.floor(expected + rng.random(n)).astype(np.int64)
    spells_per_child = 1 + extra_spells
    spell_child = np.repeat(np.arange(n), spells_per_child)
    first = np.zeros(len(spell_child), dtype=bool)
    first[np.cumsum(spells_per_child) - spells_per_child] = True
    start, end = population.career_start[spell_child], population.career_end[spell_child]
    # The first spell opens the career; the others are spread through it, one in each of
    # equal stretches, so the share of a career inside the window holds its share of spells.
    later = np.arange(len(spell_child)) - np.repeat(np.flatnonzero(first), spells_per_child)
    stretch = (later - 1 + rng.random(len(spell_child))) / np.maximum(extra_spells, 1)[spell_child]
    spell_start = np.where(first, start, start + stretch * np.maximum(end - start, 0.0))
    size = rng.geometric(1.0 / population.spell_size[spell_child])

    child = np.repeat(spell_child, size)
    m = len(child)
    hour = rng.choice(24, m, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    second = hour * HOUR + rng.integers(0, 60, m) * MINUTE
    exploited = population.exploitation[child] != "none"
    median = _DURATION_MEDIAN_HOURS * np.where(exploited, 1.6, 1.0)
    duration = np.clip(
        median * HOUR * np.exp(_DURATION_SIGMA * rng.standard_normal(m)), 20 * MINUTE, _LONGEST
    ).astype(np.int64)

    # Day of each episode: the spell's first day, then each later one a geometric number of
    # days after the previous episode's return.
    spell_first = np.cumsum(size) - size
    days_away = np.ceil((second + duration) / DAY).astype(np.int64)
    step = np.empty(m, dtype=np.int64)
    gaps = rng.geometric(1.0 / (1.0 + _MEAN_GAP_DAYS), max(m - 1, 0)) - 1
    step[1:] = days_away[:-1] + gaps
    step[spell_first] = np.floor(spell_start).astype(np.int64)
    running = np.cumsum(step)
    day = running - np.repeat(running[spell_first] - step[spell_first], size)
    keep = day + second / DAY <= population.career_end[child]
    return child[keep], day[keep], second[keep], duration[keep]


def _drop_overlaps(
    child: np.ndarray, last_seen: np.ndarray, duration: np.ndarray, event: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sort by child and time, dropping any episode that starts before the previous return."""
    while True:
        order = np.lexsort((last_seen, child))
        child, last_seen, duration, event = (a[order] for a in (child, last_seen, duration, event))
        same = np.zeros(len(child), dtype=bool)
        same[1:] = child[1:] == child[:-1]
        clash = np.zeros(len(child), dtype=bool)
        clash[1:] = same[1:] & (last_seen[1:] < last_seen[:-1] + duration[:-1] + _MIN_GAP)
        # Drop only the first clash of a chain: the next one may be fine once it is gone.
        first_clash = clash & ~np.concatenate(([False], clash[:-1]))
        if not first_clash.any():
            return child, last_seen, duration, event
        keep = ~first_clash
        child, last_seen, duration, event = (a[keep] for a in (child, last_seen, duration, event))


def _peer_groups(rng: np.random.Generator, population: Population) -> np.ndarray:
    """A peer group id per child (-1 for none): children of the same kind, active together.

    Assumption: nearly every exploited child belongs to a group of two or three exploited
    peers, as do some children in residential homes and a few living at home.
    """
    n = len(population)
    kind = np.where(
        population.exploitation != "none",
        population.exploitation,
        np.where(population.placement_type == "residential_home", "residential", "community"),
    )
    joins = rng.random(n) < np.select(
        [kind == "cse", kind == "cce", kind == "residential"], [1.0, 1.0, 0.4], 0.08
    )
    group = np.full(n, -1, dtype=np.int64)
    next_group = 0
    for label in ("cse", "cce", "residential", "community"):
        members = np.flatnonzero(joins & (kind == label))
        members = members[np.argsort(population.career_start[members], kind="stable")]
        i = 0
        while i + 1 < len(members):
            size = 3 if rng.random() < 0.4 and i + 2 < len(members) else 2
            group[members[i : i + size]] = next_group
            next_group += 1
            i += size
    return group


def _go_missing_together(
    rng: np.random.Generator,
    population: Population,
    clock: Clock,
    child: np.ndarray,
    last_seen: np.ndarray,
    duration: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    group = _peer_groups(rng, population)
    members: dict[int, list[int]] = {}
    for c in np.flatnonzero(group >= 0):
        members.setdefault(int(group[c]), []).append(int(c))
    exploited = population.exploitation[child] != "none"
    shared = shuffled_systematic(
        rng, np.where(group[child] >= 0, np.where(exploited, 0.30, 0.18), 0.0)
    )
    event = np.full(len(child), -1, dtype=np.int64)
    peers: list[int] = []
    origin: list[int] = []
    for i in np.flatnonzero(shared):
        others = [c for c in members[int(group[child[i]])] if c != child[i]]
        count = 2 if len(others) > 1 and rng.random() < 0.35 else 1
        for peer in rng.permutation(others)[:count]:
            peers.append(int(peer))
            origin.append(int(i))
        event[i] = i
    peer = np.array(peers, dtype=np.int64)
    source = np.array(origin, dtype=np.int64)
    seen = last_seen[source] + rng.integers(-20, 21, len(source)) * MINUTE
    away = (duration[source] * rng.uniform(0.7, 1.3, len(source))).astype(np.int64)
    # A peer joins only within their own missing career and before their 18th birthday.
    peer_day = (seen - clock.epoch_of_start) / DAY
    fits = (
        (peer_day >= population.career_start[peer] - 30)
        & (peer_day <= population.career_end[peer])
        & (seen + 3 * HOUR < clock.midnight(population.adult_day[peer]))
    )
    child, last_seen, duration, event = _drop_overlaps(
        np.concatenate((child, peer[fits])),
        np.concatenate((last_seen, seen[fits])),
        np.concatenate((duration, np.maximum(away[fits], 20 * MINUTE))),
        np.concatenate((event, source[fits])),
    )
    # An event left with one child (its peers' copies clashed) is no longer shared.
    ids, counts = np.unique(event[event >= 0], return_counts=True)
    alone = np.isin(event, ids[counts < 2])
    event[alone] = -1
    return child, last_seen, duration, event


def _recent(child: np.ndarray, last_seen: np.ndarray) -> np.ndarray:
    """How many of the child's own episodes started in the 90 days before each one."""
    key = child.astype(np.int64) * (1 << 34) + last_seen
    since = np.searchsorted(key, key - RECENT_DAYS * DAY, side="left")
    return np.arange(len(key)) - since
