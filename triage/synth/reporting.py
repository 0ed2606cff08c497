"""When police report each episode and send the notification, and which force sends it.

An episode is reported minutes to hours after the child was last seen, and the notification is
sent a little after the report. If the child is still missing then, the force either sends a
first notification straight away and an update (same police reference) once the child is back,
or waits and sends one notification after the return. Only episodes that start in the window
and whose first notification is sent before it closes are part of the city's data; an episode
whose update would come after the window closes stays open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from triage.synth import places
from triage.synth.clock import HOUR, MINUTE
from triage.synth.episodes import Timeline
from triage.synth.population import Population

NO_TIME = -1

# Assumptions (no published figure): report about an hour after last seen, notification about
# two and a half hours after the report, update about three hours after the return; a force
# sends a first notification while the child is still missing a little under half the time.
_REPORT_MEDIAN = 60 * MINUTE
_SEND_MEDIAN = 150 * MINUTE
_UPDATE_MEDIAN = 3 * HOUR
_SEND_WHILE_MISSING = 0.45
_HOME_FORCE_SHARE = 0.2  # episodes of a child placed in another force's area reported at home


@dataclass(frozen=True)
class Reports:
    """The in-window episodes, in the order their first notification was sent.

    `episode` indexes the Timeline; times are UTC seconds (NO_TIME where there is none).
    `open_sent` is the first notification while still missing; `closed_sent` the one with the
    return (the only one if the force waited). `returned` is the true return, which may fall
    after the window.
    """

    episode: np.ndarray
    reported: np.ndarray
    returned: np.ndarray
    open_sent: np.ndarray
    closed_sent: np.ndarray
    force: np.ndarray
    reference: list[str]

    def __len__(self) -> int:
        return len(self.episode)


def report(
    rng: np.random.Generator,
    timeline: Timeline,
    population: Population,
    *,
    window: tuple[int, int],
    adult_at: np.ndarray,
) -> Reports:
    """Police timings for every episode, keeping those the window's data would hold.

    `adult_at` is each child's 18th birthday (local midnight, UTC seconds): an episode
    reported on or after it is not a child's and is never notified.
    """
    start, end = window
    n = len(timeline)
    seen, returned = timeline.last_seen, timeline.last_seen + timeline.duration
    delay = _lognormal(rng, _REPORT_MEDIAN, 0.9, n)
    delay = np.clip(np.minimum(delay, (0.8 * timeline.duration).astype(np.int64)), 5 * MINUTE, None)
    reported = seen + delay
    sent = reported + _lognormal(rng, _SEND_MEDIAN, 0.8, n)
    after_return = returned + _lognormal(rng, _UPDATE_MEDIAN, 0.9, n)
    still_missing = returned > sent
    send_now = still_missing & ((rng.random(n) < _SEND_WHILE_MISSING) | (after_return >= end))
    open_sent = np.where(send_now, sent, NO_TIME)
    closed_sent = np.where(still_missing, after_return, sent)
    closed_sent = np.where(closed_sent >= end, NO_TIME, closed_sent)

    first = np.where(open_sent != NO_TIME, open_sent, closed_sent)
    keep = (
        (seen >= start) & (first != NO_TIME) & (first < end) & (reported < adult_at[timeline.child])
    )
    index = np.flatnonzero(keep)
    index = index[np.argsort(first[index], kind="stable")]

    home_force = places.FORCE_INDEX[places.WEST_MIDLANDS_POLICE]
    force = population.placement_force[timeline.child[index]]
    force = np.where(rng.random(len(index)) < _HOME_FORCE_SHARE, home_force, force)
    return Reports(
        episode=index,
        reported=reported[index],
        returned=returned[index],
        open_sent=open_sent[index],
        closed_sent=closed_sent[index],
        force=force,
        reference=_references(reported[index], force),
    )


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return (median * np.exp(sigma * rng.standard_normal(n))).astype(np.int64)


def _references(reported: np.ndarray, force: np.ndarray) -> list[str]:
    """Police references: force code, year of report, and a serial per force and year."""
    order = np.argsort(reported, kind="stable")
    serials: dict[tuple[int, int], int] = {}
    out = [""] * len(reported)
    for i in order:
        year = datetime.fromtimestamp(int(reported[i]), UTC).year % 100
        key = (int(force[i]), year)
        serials[key] = serials.get(key, 0) + 1
        out[i] = f"{places.FORCES[key[0]].code}-{year:02d}-{serials[key]:06d}"
    return out
