"""Which indicators police tick on each notification.

An exploited child shows a cluster: a child sexually exploited is often picked up by a car with
an unknown adult, has an older controlling adult, unexplained gifts, hotels or taxis; a child
criminally exploited has drugs, several phones, unusual travel, is found out of area. Police
ask the questions properly on some episodes and not others, so ticks come together or not at
all: that is what makes indicators co-occur. Some indicators can only be known once the child
is back (injury, intoxication, where they were found) and appear only on the return's record.

This is how the child's hidden state shows: an exploited child is asked about exploitation more
often and ticks accumulate over their episodes; a vulnerable child's needs (mental health,
learning disability) are ticked on most of their episodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from triage.notification.vocabulary import Indicator
from triage.synth.episodes import Timeline
from triage.synth.population import Population
from triage.synth.sampling import shuffled_systematic

I = Indicator  # noqa: E741 - short alias keeps the tables below readable

# Chance of a tick when the police asked about exploitation, for an exploited child.
# Assumption, shaped so that about 9% of episodes carry a CSE indicator (NCA figure).
_WHEN_ASKED: dict[str, dict[Indicator, float]] = {
    "cse": {
        I.VEHICLE_UNKNOWN_ADULT: 0.30,
        I.OLDER_CONTROLLING_ADULT: 0.32,
        I.UNEXPLAINED_MONEY_GIFTS: 0.25,
        I.KNOWN_HOTSPOT: 0.18,
        I.HOTELS_TAXIS: 0.22,
        I.SEXUAL_HEALTH_CONCERN: 0.08,
        I.ONLINE_GROOMING: 0.12,
        I.DRUGS: 0.06,
    },
    "cce": {
        I.DRUGS: 0.38,
        I.MULTIPLE_PHONES: 0.28,
        I.UNUSUAL_TRAVEL: 0.30,
        I.WEAPON: 0.08,
        I.ARRESTED_ELSEWHERE: 0.10,
        I.UNEXPLAINED_MONEY_GIFTS: 0.10,
        I.KNOWN_HOTSPOT: 0.10,
    },
}
_ASKED = 0.5  # share of episodes where the exploitation questions were asked and recorded
# An exploited child shows more signs, so police ask about exploitation more often.
_ASKED_EXPLOITED = 0.65
_NOT_ASKED = 0.1  # a tick's chance, relative to when asked, when they were not
# Police forget to ask a child they see every week: the chance of asking falls with the
# child's episodes in the last 90 days (divided by 1 + recent / this).
_ASKING_FATIGUE = 3.0

# A child who is not exploited still gets an exploitation tick now and then (a known hotspot,
# drugs at a party): on this share of episodes, the indicator drawn by these weights.
_FALSE_TICK = 0.03
_FALSE_TICKS: dict[Indicator, float] = {
    I.KNOWN_HOTSPOT: 0.25,
    I.UNEXPLAINED_MONEY_GIFTS: 0.1,
    I.VEHICLE_UNKNOWN_ADULT: 0.1,
    I.OLDER_CONTROLLING_ADULT: 0.08,
    I.DRUGS: 0.4,
    I.ONLINE_GROOMING: 0.07,
}

# Known only on return: (exploited, not exploited) chance of a tick.
_ON_RETURN: dict[Indicator, tuple[float, float]] = {
    I.INJURY_ON_RETURN: (0.07, 0.02),
    I.INTOXICATED: (0.16, 0.05),
    I.SEXUAL_ASSAULT_DISCLOSED: (0.03, 0.002),
}


@dataclass(frozen=True)
class Ticks:
    """Indicators per reported episode: at the first report, and once the child is back."""

    at_report: list[list[str]]
    on_return: list[list[str]]  # a superset of at_report


def tick(
    rng: np.random.Generator,
    timeline: Timeline,
    population: Population,
    episodes: np.ndarray,
    age: np.ndarray,
) -> Ticks:
    """Draw the indicators for the given Timeline episodes (ages at report given)."""
    child = timeline.child[episodes]
    n = len(child)
    kind = population.exploitation[child]
    exploited = kind != "none"
    # Drawn systematically, so the number of episodes asked about is as expected (a small
    # city's share of episodes with an exploitation indicator should not hang on luck).
    asked = shuffled_systematic(
        rng,
        np.where(exploited, _ASKED_EXPLOITED, _ASKED)
        / (1 + timeline.recent[episodes] / _ASKING_FATIGUE),
    )
    early: dict[Indicator, np.ndarray] = {}
    late: dict[Indicator, np.ndarray] = {}

    for label, table in _WHEN_ASKED.items():
        mine = kind == label
        for indicator, chance in table.items():
            p = np.where(asked, chance, chance * _NOT_ASKED)
            early[indicator] = early.get(indicator, np.zeros(n, bool)) | (
                mine & (rng.random(n) < p)
            )
    false_tick = shuffled_systematic(rng, np.where(exploited, 0.0, _FALSE_TICK))
    weights = np.array(list(_FALSE_TICKS.values()))
    which = rng.choice(len(weights), n, p=weights / weights.sum())
    for j, indicator in enumerate(_FALSE_TICKS):
        early[indicator] = early.get(indicator, np.zeros(n, bool)) | (false_tick & (which == j))

    companions = _exploited_companions(timeline, population, episodes)
    early[I.PEERS_EXPLOITED] = companions & (rng.random(n) < np.where(asked, 0.55, 0.1))
    hours = timeline.duration[episodes] / 3600
    away = np.where(kind == "cce", 0.35, 0.05) * np.clip(hours / 24, 0.1, 1.5)
    late[I.FOUND_OUT_OF_AREA] = rng.random(n) < away
    for indicator, (if_exploited, otherwise) in _ON_RETURN.items():
        late[indicator] = rng.random(n) < np.where(exploited, if_exploited, otherwise)

    vulnerability = population.vulnerability[child]
    early[I.LEARNING_DISABILITY] = population.learning_disability[child] & (rng.random(n) < 0.8)
    early[I.MENTAL_HEALTH] = population.mental_health[child] & (rng.random(n) < 0.7)
    early[I.MEDICAL_NEEDS] = population.medical_needs[child] & (rng.random(n) < 0.6)
    early[I.SELF_HARM_SUICIDE_RISK] = rng.random(n) < np.where(
        population.mental_health[child], 0.25, 0.015 + 0.02 * (vulnerability > 1.5)
    )
    community = ~population.looked_after[child]
    early[I.FAMILY_CONFLICT_ABUSE] = rng.random(n) < np.where(community, 0.25, 0.06)
    first_time = timeline.recent[episodes] == 0
    early[I.OUT_OF_CHARACTER] = first_time & community & (rng.random(n) < 0.3)
    # Young children are asked the exploitation questions less; a 10 year old is rarely ticked.
    young = age < 12
    for indicator in (I.OLDER_CONTROLLING_ADULT, I.HOTELS_TAXIS, I.MULTIPLE_PHONES):
        early[indicator] &= ~young | (rng.random(n) < 0.3)

    at_report = _lists(early, n)
    with_return = {**early, **{k: late[k] | early.get(k, False) for k in late}}
    return Ticks(at_report, _lists(with_return, n))


def _exploited_companions(
    timeline: Timeline, population: Population, episodes: np.ndarray
) -> np.ndarray:
    """Whether any child who went missing with this one is exploited."""
    exploited_event = timeline.event[
        (timeline.event >= 0) & (population.exploitation[timeline.child] != "none")
    ]
    mine = timeline.event[episodes]
    # Another member must be exploited: count exploited members other than this child.
    counts = np.bincount(exploited_event, minlength=int(timeline.event.max(initial=-1)) + 2)
    self_exploited = population.exploitation[timeline.child[episodes]] != "none"
    others = np.where(mine >= 0, counts[np.maximum(mine, 0)] - self_exploited, 0)
    return others > 0


def _lists(ticked: dict[Indicator, np.ndarray], n: int) -> list[list[str]]:
    # One stable order (the vocabulary's) so the same seed writes the same bytes.
    order = [i for i in Indicator if i in ticked]
    if not order:
        return [[] for _ in range(n)]
    rows = np.column_stack([ticked[i] for i in order]).tolist()
    codes = [i.value for i in order]
    return [[code for code, on in zip(codes, row, strict=True) if on] for row in rows]
