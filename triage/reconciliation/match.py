"""The three-way match: each source's records of episodes paired per child and per episode,
and a reason code for every episode the sources do not count alike.

    episodes = match(records, tolerances)        # every record, in one matched episode each
    for d in differences(episodes, month, tolerances): print(d.key, d.reason)

Pure: records in, matched episodes out (the service reads them from the store). Two records are
of one child when they share a local child id, or a folded name and the date of birth; of one
episode when their starts are within `start_hours`. Pairs are taken closest first, one record of
each source per episode; a police call repeating an earlier one (`duplicate_call_hours`) is
paired last, as the extracts hold such an episode once, as the first call's. A record left over
is then tried against the others by a near identity (a typo in a name, day and month of birth
swapped): such a pair is never a match, it is the reason the two differ ("identity not
matched"), as a possible match is never merged silently.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from triage.identity.names import dates_nearly_equal, similarity
from triage.reconciliation.reasons import Reason, Source
from triage.reconciliation.tolerances import Tolerances
from triage.reports.months import Month

HOUR = timedelta(hours=1)
FOSTER_CARE = "foster_care"
CARE_LEAVER = "care_leaver"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a record is about, as its source holds them."""

    local_ids: frozenset[str]
    names: frozenset[str]  # name keys (triage.identity.names.name_key)
    date_of_birth: date | None


@dataclass(frozen=True, slots=True)
class Recorded:
    """One source's record of one episode.

    `key` is the source's own id for it (the police reference; the extract's record id);
    `child` the source's own key for the child (the service's child id for police). `kind` is
    missing, absent or away. `placed_elsewhere` says the child is looked after by another
    authority, `fostered` that they live with foster carers (the fostering service's scope).
    """

    source: Source
    key: str
    child: str
    identity: Identity
    kind: str
    started: datetime
    ended: datetime | None
    legal_status: str | None = None
    placed_elsewhere: bool = False
    fostered: bool = False

    @property
    def month(self) -> Month:
        return Month.of(self.started)

    def age_at_start(self) -> float | None:
        born = self.identity.date_of_birth
        if born is None:
            return None
        return (self.started.date() - born).days / 365.25


@dataclass
class Episode:
    """The records of one episode across the sources (at most one from each)."""

    records: dict[Source, Recorded]
    near: bool = False  # two of its records are only nearly the same child
    duplicate_call: bool = False  # a later police reference about an episode police called in

    @property
    def key(self) -> str:
        """A stable key: the police reference, else the case record's id, else fostering's."""
        for source in (Source.POLICE, Source.CASE_RECORD, Source.FOSTERING):
            if source in self.records:
                return f"{source.value}:{self.records[source].key}"
        raise ValueError("an episode with no record")

    @property
    def started(self) -> datetime:
        return min(r.started for r in self.records.values())

    def in_scope(self) -> tuple[Source, ...]:
        """The sources that should hold this episode: the fostering service only for a child
        living with foster carers."""
        fostered = any(r.fostered for r in self.records.values())
        fostered = fostered or Source.FOSTERING in self.records
        if fostered:
            return (Source.POLICE, Source.CASE_RECORD, Source.FOSTERING)
        return (Source.POLICE, Source.CASE_RECORD)

    def touches(self, month: Month) -> bool:
        return any(r.month == month for r in self.records.values())


@dataclass(frozen=True, slots=True)
class Difference:
    """An episode the in-scope sources do not count alike, with the one reason it is given."""

    key: str
    reason: Reason
    held: dict[Source, str]  # what each source that holds it calls it (missing, absent, away)
    lacking: tuple[Source, ...]  # the in-scope sources that do not hold it in the month
    started: datetime
    episode: Episode = field(repr=False, compare=False)


def match(records: Iterable[Recorded], tolerances: Tolerances) -> list[Episode]:
    """Every record in exactly one episode, sorted by start: police records first get the
    extracts' records of the same child closest in time, then the extracts' leftovers are paired
    with each other, then near identities are marked."""
    by_source: dict[Source, list[Recorded]] = defaultdict(list)
    for r in records:
        by_source[r.source].append(r)
    police = sorted(by_source[Source.POLICE], key=lambda r: r.started)
    episodes = [Episode({Source.POLICE: r}) for r in police]
    _mark_duplicate_calls(episodes, tolerances)
    window = tolerances.start_hours * HOUR
    first_calls = [e for e in episodes if not e.duplicate_call]
    later_calls = [e for e in episodes if e.duplicate_call]
    leftovers: dict[Source, list[Recorded]] = {}
    for source in (Source.CASE_RECORD, Source.FOSTERING):
        left = _pair(first_calls, by_source[source], source, window)
        leftovers[source] = _pair(later_calls, left, source, window)
    case_alone = [Episode({Source.CASE_RECORD: r}) for r in leftovers[Source.CASE_RECORD]]
    fostering_left = _pair(case_alone, leftovers[Source.FOSTERING], Source.FOSTERING, window)
    episodes += case_alone
    episodes += [Episode({Source.FOSTERING: r}) for r in fostering_left]
    _mark_near_identities(episodes, tolerances)
    episodes.sort(key=lambda e: (e.started, e.key))
    return episodes


def differences(
    episodes: Sequence[Episode], month: Month, tolerances: Tolerances
) -> list[Difference]:
    """The episodes touching `month` that the sources in scope do not all hold, as the same
    kind, in that month; each with its reason."""
    out = []
    for episode in episodes:
        if not episode.touches(month):
            continue
        scope = episode.in_scope()
        held = {s: r.kind for s, r in episode.records.items() if s in scope and r.month == month}
        lacking = tuple(s for s in scope if s not in held)
        if not lacking and len(set(held.values())) == 1:
            continue
        out.append(
            Difference(
                key=episode.key,
                reason=reason_for(episode, lacking, tolerances),
                held=held,
                lacking=lacking,
                started=episode.started,
                episode=episode,
            )
        )
    return out


def reason_for(episode: Episode, lacking: Sequence[Source], tolerances: Tolerances) -> Reason:
    """The first reason in `Reason`'s order that fits an episode the sources differ on."""
    records = list(episode.records.values())
    kinds = {r.kind for r in records}
    police = episode.records.get(Source.POLICE)
    if episode.near:
        return Reason.IDENTITY_NOT_MATCHED
    if episode.duplicate_call and police is not None and lacking:
        return Reason.DUPLICATE_POLICE_CALL
    if any((r.age_at_start() or 0) >= 18 or r.legal_status == CARE_LEAVER for r in records):
        return Reason.OVER_18_OR_CARE_LEAVER
    if any(r.placed_elsewhere for r in records) and set(lacking) - {Source.POLICE}:
        return Reason.PLACED_FROM_ANOTHER_AREA
    if len({r.month for r in records}) > 1:
        return Reason.OUTSIDE_THE_PERIOD
    if "absent" in kinds:
        return Reason.ABSENT_VERSUS_MISSING
    if "away" in kinds:
        return Reason.AWAY_VERSUS_MISSING
    short = tolerances.short_episode_hours * HOUR
    if lacking and any(r.ended is not None and r.ended - r.started < short for r in records):
        return Reason.UNDER_24_HOURS
    return Reason.NO_REASON_FOUND


def same_child(a: Identity, b: Identity) -> bool:
    """A shared local child id, or a shared folded name with the same date of birth."""
    if a.local_ids & b.local_ids:
        return True
    return bool(a.names & b.names) and a.date_of_birth == b.date_of_birth


def nearly_same_child(
    a: Identity, b: Identity, threshold: float, same_birth_threshold: float
) -> bool:
    """Names alike (`similarity` at least `threshold`) and birth dates a typed digit or a day
    and month swap apart; or names less alike (`same_birth_threshold`) born the same day."""
    if a.date_of_birth is None or b.date_of_birth is None:
        return False
    best = max((similarity(x, y) for x in a.names for y in b.names), default=0.0)
    if a.date_of_birth == b.date_of_birth:
        return best >= same_birth_threshold
    return dates_nearly_equal(a.date_of_birth, b.date_of_birth) and best >= threshold


def _pair(
    episodes: list[Episode], records: list[Recorded], source: Source, window: timedelta
) -> list[Recorded]:
    """Put each record into the episode of the same child closest in start time (within
    `window`, one record of `source` per episode); return the records left over."""
    starts = [e.started for e in episodes]
    order = sorted(range(len(episodes)), key=lambda i: starts[i])
    sorted_starts = [starts[i] for i in order]
    candidates: list[tuple[float, int, int]] = []
    for j, record in enumerate(records):
        low = bisect.bisect_left(sorted_starts, record.started - window)
        high = bisect.bisect_right(sorted_starts, record.started + window)
        for i in order[low:high]:
            if _same_child_as(episodes[i], record):
                gap = abs((episodes[i].started - record.started).total_seconds())
                candidates.append((gap, i, j))
    candidates.sort()
    taken_episode: set[int] = set()
    taken_record: set[int] = set()
    for _, i, j in candidates:
        if i in taken_episode or j in taken_record:
            continue
        episodes[i].records[source] = records[j]
        taken_episode.add(i)
        taken_record.add(j)
    return [r for j, r in enumerate(records) if j not in taken_record]


def _same_child_as(episode: Episode, record: Recorded) -> bool:
    return any(same_child(r.identity, record.identity) for r in episode.records.values())


def _mark_duplicate_calls(episodes: list[Episode], tolerances: Tolerances) -> None:
    """Two police references for one child starting within `duplicate_call_hours` (or one
    starting before the other ended) are two calls about one episode: the later is marked.
    (The first is the episode, and differs from the extracts for its own reasons, if any.)"""
    by_child: dict[str, list[Episode]] = defaultdict(list)
    for e in episodes:
        by_child[e.records[Source.POLICE].child].append(e)
    near = tolerances.duplicate_call_hours * HOUR
    for own in by_child.values():
        for first, second in itertools.pairwise(own):
            a, b = first.records[Source.POLICE], second.records[Source.POLICE]
            overlaps = a.ended is not None and b.started < a.ended
            if b.started - a.started <= near or overlaps:
                second.duplicate_call = True


def _mark_near_identities(episodes: list[Episode], tolerances: Tolerances) -> None:
    """An episode that some in-scope source lacks, beside one of another source's records
    (within the time window) that lacks it too, nearly the same child: both are marked near."""
    window = tolerances.start_hours * HOUR
    ordered = sorted(episodes, key=lambda e: e.started)
    starts = [e.started for e in ordered]
    for position, episode in enumerate(ordered):
        if episode.near:
            continue
        high = bisect.bisect_right(starts, episode.started + window)
        for other in ordered[position + 1 : high]:
            if other.near or set(other.records) & set(episode.records):
                continue
            if any(
                nearly_same_child(
                    a.identity,
                    b.identity,
                    tolerances.near_name_similarity,
                    tolerances.near_name_similarity_same_birth,
                )
                for a in episode.records.values()
                for b in other.records.values()
            ):
                episode.near = other.near = True
                break
