"""Second police calls: a few episodes reported twice, under two police references.

A carer rings the police, and an hour later so does a parent, a social worker or the force
covering the placement; a call handler opens a new report instead of finding the first. Both
references are then notified as police notify any episode, about the same child, with the same
story, and the service holds two episodes where there was one. The case record and the fostering
service hold it once: the reconciliation's "duplicate police call" (`triage.synth.extracts`).

Which episodes, when the second call comes and who takes it are drawn here, from the city's own
stream for it; `triage.synth.records.compose` writes the second call's notifications.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from triage.notification.fields import UK
from triage.notification.models import age_on
from triage.synth import places
from triage.synth.clock import MINUTE
from triage.synth.mess import Registry, recorded_children
from triage.synth.population import Population
from triage.synth.reporting import Reports

# Assumptions (no published figure; police count calls, incidents and individuals separately,
# as the NCA's data report says): about one episode in a hundred is reported twice, the second
# call half an hour to two and a half hours after the first, while the child is still missing;
# the second caller last saw the child a little later than the first; for a child two forces
# know (placed in another force's area), half the second calls go to the other force.
SECOND_CALL_SHARE = 0.01
_CALL_AFTER = (30 * MINUTE, 150 * MINUTE)
_SEEN_LATER = (5 * MINUTE, 40 * MINUTE)
_OTHER_FORCE = 0.5
_HOME_FORCE = places.FORCE_INDEX[places.WEST_MIDLANDS_POLICE]


@dataclass(frozen=True)
class SecondCalls:
    """The episodes reported twice, in order of the second report.

    `first` is the first call's position in `Reports`; times are UTC seconds; `children` is the
    notification's `child` part as the second call's force recorded it.
    """

    first: np.ndarray
    reference: list[str]
    force: list[str]
    reported: np.ndarray
    last_seen: np.ndarray
    children: list[dict[str, Any]]

    def __len__(self) -> int:
        return len(self.first)


def second_calls(
    rng: np.random.Generator,
    reports: Reports,
    *,
    last_seen: np.ndarray,
    child: np.ndarray,
    children: list[dict[str, Any]],
    registry: Registry,
    population: Population,
) -> SecondCalls:
    """About `SECOND_CALL_SHARE` of the reported episodes, each called in a second time.

    `last_seen` and `child` are each reported episode's; `children` the `child` part of its
    notifications. The same force's second call names the child as its first did (its own
    person record); another force names them as it holds them.
    """
    n = len(reports)
    after = rng.integers(*_CALL_AFTER, n)
    later = rng.integers(*_SEEN_LATER, n)
    # The second call comes while the child is still missing, and while they are a child (a
    # call drawn after the 18th birthday is not made).
    reported = reports.reported + after
    eligible = np.flatnonzero(reported < reports.returned)
    count = min(len(eligible), round(SECOND_CALL_SHARE * n))
    first = np.sort(rng.choice(eligible, count, replace=False)) if count else eligible[:0]
    first = first[[_a_child(children[i], int(reported[i])) for i in first.tolist()]]
    first = first[np.argsort(reported[first], kind="stable")]
    count = len(first)

    force = reports.force[first]
    other = np.where(force == _HOME_FORCE, population.placement_force[child[first]], _HOME_FORCE)
    force = np.where((other != force) & (rng.random(count) < _OTHER_FORCE), other, force)
    moved = np.flatnonzero(force != reports.force[first])
    keyed = recorded_children(
        rng,
        registry,
        population,
        child=child[first[moved]],
        force=force[moved],
        reported=reported[first[moved]],
    )
    parts = [dict(children[i]) for i in first.tolist()]
    for position, part in zip(moved.tolist(), keyed, strict=True):
        parts[position] = part
    return SecondCalls(
        first=first,
        reference=_references(reports.reference, reported[first], force),
        force=[places.FORCES[f].name for f in force.tolist()],
        reported=reported[first],
        # Last seen to the minute, as police write it (and as the first call's is).
        last_seen=np.minimum(last_seen[first] + later[first], reported[first] - 5 * MINUTE)
        // MINUTE
        * MINUTE,
        children=parts,
    )


def _a_child(part: dict[str, Any], reported: int) -> bool:
    """Still under 18 on the day of the second report, by the birth date police give."""
    day = datetime.fromtimestamp(reported, UTC).astimezone(UK).date()
    return age_on(date.fromisoformat(part["date_of_birth"]), day) < 18


def _references(taken: list[str], reported: np.ndarray, force: np.ndarray) -> list[str]:
    """The second calls' references: each force's serials for the year continue after those
    the city's first calls took (1 to n, `triage.synth.reporting`), so that every other
    reference stays as it was."""
    serials = Counter(reference[: -len("-000000")] for reference in taken)
    out = []
    for when, f in zip(reported.tolist(), force.tolist(), strict=True):
        key = f"{places.FORCES[f].code}-{datetime.fromtimestamp(when, UTC).year % 100:02d}"
        serials[key] += 1
        out.append(f"{key}-{serials[key]:06d}")
    return out
