"""A synthetic city: its missing children, their episodes, the notifications police send about
them, and the hidden truth those notifications only partly show.

    city = generate_city(months=12, seed=7)
    city.records   # payloads in the order they reached the council
    city.truth     # one EpisodeTruth per police reference: true child, true risk, outcome
    city.children  # one ChildTruth per true child

Same arguments, same city: all randomness comes from `numpy.random.default_rng(seed)`, split
into one stream per stage so that changing how one stage draws leaves the others alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np

from triage.notification.vocabulary import EXPLOITATION_INDICATORS
from triage.synth import narrative, places
from triage.synth.calls import second_calls
from triage.synth.clock import DAY, Clock, months_after
from triage.synth.episodes import Timeline, schedule
from triage.synth.indicators import Ticks, tick
from triage.synth.mess import Registry, recorded_children, register
from triage.synth.population import BURN_IN_DAYS, YEAR_DAYS, Population, populate
from triage.synth.records import EpisodeText, Outbox, Recorded, Sending, compose
from triage.synth.reporting import Reports, report
from triage.synth.risk import Risk, assess, days_since_previous, earlier_flagged

_EXPLOITATION_CODES = frozenset(i.value for i in EXPLOITATION_INDICATORS)

LOOKED_AFTER_POPULATION = 1_900
"""The home authority's looked-after children at scale 1 (most of whom never go missing)."""


@dataclass(frozen=True)
class EpisodeTruth:
    """What really happened in the episode one police reference is about (never loaded into
    the service).

    `true_risk` is the probability of the outcome given everything knowable about the episode,
    the child's hidden state included and the episode's own luck averaged out; `outcome` is
    "serious harm or exploitation confirmed within 90 days", drawn from it.
    `invalid` marks an episode whose one notification was deliberately broken; `broken_field`
    names the field, as the contract's reader would. `duplicate_of` marks a second police call
    about an episode: it names the first call's reference, whose truth (child, risk, outcome)
    it repeats. Whatever counts episodes or their outcomes counts only the rows without it.
    """

    police_reference: str
    child_key: str
    true_risk: float
    outcome: bool
    exploitation: str
    looked_after: bool
    invalid: bool
    broken_field: str | None = None
    duplicate_of: str | None = None


@dataclass(frozen=True)
class ChildTruth:
    """One true child, with the identity the council holds and every id police use."""

    child_key: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    ethnicity: str
    looked_after: bool
    legal_status: str
    placement_type: str | None
    responsible_authority: str | None
    home_postcode: str
    placement_postcode: str | None
    local_child_id: str
    second_local_child_id: str | None
    police_person_ids: tuple[str, ...]
    exploitation: str
    vulnerability: float


@dataclass(frozen=True)
class SyntheticCity:
    """A generated city: notifications, their hidden truth, and the true children."""

    records: list[dict[str, Any]]
    truth: list[EpisodeTruth]
    children: list[ChildTruth]
    looked_after_population: int
    start: date
    months: int
    seed: int
    scale: float = 1.0
    home_authority: str = "Birmingham"


def generate_city(
    *,
    months: int = 12,
    seed: int = 7,
    start: date = date(2025, 11, 1),
    scale: float = 1.0,
    home_authority: str = "Birmingham",
    invalid_rate: float = 0.004,
) -> SyntheticCity:
    """Generate `months` of notifications from `start` for a city `scale` times Birmingham's.

    Deterministic: the same arguments give the same city, record for record.
    """
    if months < 1 or scale <= 0 or not 0 <= invalid_rate < 0.5:
        raise ValueError("months must be >= 1, scale > 0 and invalid_rate in [0, 0.5)")
    # A stage added later takes the next stream: the earlier stages draw as they did before.
    streams = np.random.default_rng(seed).spawn(9)
    window_days = (months_after(start, months) - start).days
    clock = Clock.covering(start, -BURN_IN_DAYS - 2, window_days + 62)
    window = (clock.epoch_of_start, int(clock.midnight(np.array([window_days]))[0]))

    population = populate(
        streams[0], clock=clock, window_days=window_days, scale=scale, home_authority=home_authority
    )
    timeline = schedule(streams[1], population, clock)
    reports = report(
        streams[2],
        timeline,
        population,
        window=window,
        adult_at=clock.midnight(population.adult_day),
    )
    child = timeline.child[reports.episode]
    birth_day = np.array([clock.day_index(d) for d in population.date_of_birth])
    age = ((reports.reported - window[0]) / DAY - birth_day[child]) / YEAR_DAYS
    ticks = tick(streams[3], timeline, population, reports.episode, age)
    risk = assess(
        streams[4],
        indicators=ticks.on_return,
        earlier_exploitation=earlier_flagged(
            np.array([bool(_EXPLOITATION_CODES.intersection(c)) for c in ticks.on_return]),
            child,
            timeline.last_seen[reports.episode],
        ),
        vulnerability=population.vulnerability[child],
        exploitation=population.exploitation[child],
        hours=timeline.duration[reports.episode] / 3600,
        age=age,
        looked_after=population.looked_after[child],
        recent=timeline.recent[reports.episode],
        days_since_last=days_since_previous(child, timeline.last_seen[reports.episode]),
    )
    text = _text(streams[5], population, child, ticks)
    registry = register(streams[6], population, home_authority)
    child_parts = recorded_children(
        streams[6],
        registry,
        population,
        child=child,
        force=reports.force,
        reported=reports.reported,
    )
    outbox = compose(
        streams[7],
        recorded=Recorded(
            references=reports.reference,
            forces=[places.FORCES[f].name for f in reports.force],
            grades=risk.grade,
            classifications=risk.classification,
            children=child_parts,
            companions=_companions(streams[6], timeline, registry, reports),
        ),
        sending=Sending(
            reports.reported,
            timeline.last_seen[reports.episode],
            reports.returned,
            reports.open_sent,
            reports.closed_sent,
        ),
        text=text,
        window_end=window[1],
        invalid_rate=invalid_rate,
        second=second_calls(
            streams[8],
            reports,
            last_seen=timeline.last_seen[reports.episode],
            child=child,
            children=child_parts,
            registry=registry,
            population=population,
        ),
    )

    keys = _child_keys(child)
    return SyntheticCity(
        records=outbox.records,
        truth=_episode_truths(reports, child, keys, population, risk, outbox),
        children=_children(population, registry, keys),
        looked_after_population=round(LOOKED_AFTER_POPULATION * scale),
        start=start,
        months=months,
        seed=seed,
        scale=scale,
        home_authority=home_authority,
    )


def _episode_truths(
    reports: Reports,
    child: np.ndarray,
    keys: dict[int, str],
    population: Population,
    risk: Risk,
    outbox: Outbox,
) -> list[EpisodeTruth]:
    """One truth per episode, in order of its first notification, each followed by its second
    calls' (the same truth under their references)."""
    columns = zip(
        reports.reference,
        child.tolist(),
        risk.true_risk.tolist(),
        risk.outcome.tolist(),
        population.exploitation[child].tolist(),
        population.looked_after[child].tolist(),
        strict=True,
    )
    broken, seconds = outbox.broken_field, outbox.second_calls
    out = [
        EpisodeTruth(
            police_reference=reference,
            child_key=keys[c],
            true_risk=round(true_risk, 6),
            outcome=outcome,
            exploitation=exploitation,
            looked_after=looked_after,
            invalid=i in broken,
            broken_field=broken.get(i),
        )
        for i, (reference, c, true_risk, outcome, exploitation, looked_after) in enumerate(columns)
    ]
    for i in sorted(seconds, reverse=True):  # from the end, so positions still hold
        first = out[i]
        out[i + 1 : i + 1] = [
            replace(first, police_reference=second, duplicate_of=first.police_reference)
            for second in seconds[i]
        ]
    return out


def _text(
    rng: np.random.Generator, population: Population, child: np.ndarray, ticks: Ticks
) -> EpisodeText:
    sex, looked_after = population.sex[child], population.looked_after[child]
    notes, found_at = narrative.returns(rng, sex, looked_after)
    return EpisodeText(
        circumstances=narrative.circumstances(
            rng, sex=sex, looked_after=looked_after, exploitation=population.exploitation[child]
        ),
        return_note=notes,
        last_seen_location=narrative.last_seen_locations(rng, looked_after),
        return_location=found_at,
        at_report=ticks.at_report,
        on_return=ticks.on_return,
    )


def _companions(
    rng: np.random.Generator, timeline: Timeline, registry: Registry, reports: Reports
) -> list[list[dict[str, str | None]]]:
    """For each reported episode, the other children in its event, by the ids police hold.

    The reporting force names a companion by its own person id for them where it has one
    (usually), and by the council's id where it knows it (sometimes); never by neither.
    """
    # Only companions whose own episode was reported: every companion is a child in the data.
    members: dict[int, list[int]] = {}
    for episode in reports.episode[timeline.event[reports.episode] >= 0].tolist():
        members.setdefault(int(timeline.event[episode]), []).append(int(timeline.child[episode]))
    out: list[list[dict[str, str | None]]] = []
    for position, episode in enumerate(reports.episode.tolist()):
        event = int(timeline.event[episode])
        if event < 0:
            out.append([])
            continue
        force = int(reports.force[position])
        entries = []
        for peer in sorted(set(members[event]) - {int(timeline.child[episode])}):
            police = registry.police_id.get((peer, force))
            police = police if police and rng.random() < 0.85 else None
            local = registry.local_id[peer] if police is None or rng.random() < 0.3 else None
            entries.append({"police_person_id": police, "local_child_id": local})
        out.append(entries)
    return out


def _child_keys(child: np.ndarray) -> dict[int, str]:
    """Stable keys for the true children, numbered in order of their first reported episode."""
    keys: dict[int, str] = {}
    for c in child.tolist():
        if c not in keys:
            keys[c] = f"C{len(keys) + 1:06d}"
    return keys


def _children(population: Population, registry: Registry, keys: dict[int, str]) -> list[ChildTruth]:
    chosen = np.fromiter(keys, dtype=np.int64, count=len(keys))
    columns = zip(
        chosen.tolist(),
        keys.values(),
        population.sex[chosen].tolist(),
        population.ethnicity[chosen].tolist(),
        population.looked_after[chosen].tolist(),
        population.legal_status[chosen].tolist(),
        population.placement_type[chosen].tolist(),
        population.responsible_authority[chosen].tolist(),
        population.exploitation[chosen].tolist(),
        population.vulnerability[chosen].tolist(),
        strict=True,
    )
    out = []
    for c, key, sex, ethnicity, looked_after, status, placement, authority, kind, latent in columns:
        held = [registry.police_id.get((c, force)) for force in range(len(places.FORCES))]
        second = registry.second_police_id.get(c)
        out.append(
            ChildTruth(
                child_key=key,
                given_name=population.given_name[c],
                family_name=population.family_name[c],
                date_of_birth=population.date_of_birth[c],
                sex=sex,
                ethnicity=ethnicity,
                looked_after=looked_after,
                legal_status=status,
                placement_type=placement,
                responsible_authority=authority or None,
                home_postcode=population.home_postcode[c],
                placement_postcode=population.placement_postcode[c],
                local_child_id=registry.local_id[c],
                second_local_child_id=registry.second_local_id.get(c),
                police_person_ids=tuple(sorted(pid for pid in (*held, second) if pid)),
                exploitation=kind,
                vulnerability=round(latent, 4),
            )
        )
    return out
