"""The hidden true risk of each episode, its outcome, and the police's noisy view of it.

An episode's risk is a logistic function of its *knowable* logit: mostly what a notification
and the child's history carry (exploitation indicators on this episode and on the child's
earlier ones, harm, self-harm and other vulnerability indicators, the episode's length, age,
being looked after, recent episodes), and a little of the child's hidden state (latent
vulnerability, whether the child is really being exploited), which itself shows through the
notifications (see indicators.py and population.py).

Each episode also has its own luck: chance, unrelated to anything about the child or the
episode, that nudges the outcome one way or the other. Luck is noise of the outcome draw, not
risk anyone could know, so `true_risk` is the probability of the outcome averaged over it:
P(outcome | knowable logit x) = E[logistic(x + luck)], luck ~ Normal(0, _LUCK), worked out by
Gauss-Hermite quadrature. The outcome, "serious harm or exploitation confirmed within 90 days",
is drawn from `true_risk`: the same outcomes as drawing the luck first, but the truth reported
is what a perfect model of the episode could reach, so ranking by it is the best ranking there is.

Police grade from what they see at the time, with noise, and discount children who go missing
often ("they always come back"); they record about 45% of episodes as absent, most of them
graded low or no apparent risk, but not only those.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from triage.notification.vocabulary import (
    EXPLOITATION_INDICATORS,
    INDICATOR_CATEGORIES,
    Indicator,
    IndicatorCategory,
)

_EXPLOITATION_CODES = frozenset(i.value for i in EXPLOITATION_INDICATORS)
_HARM_CODES = frozenset(
    {Indicator.INJURY_ON_RETURN.value, Indicator.SEXUAL_ASSAULT_DISCLOSED.value}
)
_SELF_HARM = Indicator.SELF_HARM_SUICIDE_RISK.value
_VULNERABILITY_CODES = frozenset(
    i.value for i, cats in INDICATOR_CATEGORIES.items() if IndicatorCategory.VULNERABILITY in cats
)

# Weights on the logit scale. Assumption: chosen so the outcome's base rate is about 15% and
# what a notification and its history show carries most of the risk; the hidden state's own
# weight is small (it mostly acts through what it makes visible).
_BASE = -4.6
# What the notification and its history show.
_PER_EXPLOITATION_TICK = 0.4  # up to 4
_EARLIER_EXPLOITATION = 0.45  # per log(1 + earlier episodes with an exploitation indicator)
_HARM = 1.0
_SELF_HARM_WEIGHT = 0.5
_PER_VULNERABILITY_TICK = 0.35  # mental health, learning disability, self-harm, ... (up to 2)
_PER_DOUBLING_OF_HOURS = 0.55
_YOUNG = 0.7  # under 12
_LOOKED_AFTER = 0.35
_RECENT = 0.35  # per log(1 + episodes in the last 90 days)
# Structure an additive score cannot capture exactly (so that comparing it with gradient
# boosting means something): exploitation weighs more the younger the child, and a child who
# goes missing again within a week of the last episode is at more risk the more often they go.
_EXPLOITATION_UNDER_15 = 0.3  # more per exploitation tick, under 15
_BACK_WITHIN_A_WEEK = 0.45  # per log(1 + episodes in 90 days), if the last was under 7 days ago
# Hidden.
_VULNERABILITY = 0.25
_EXPLOITED = {"cse": 0.45, "cce": 0.35, "none": 0.0}
_LUCK = 0.6  # standard deviation of the episode's own luck, averaged out of true_risk

# How much the police's view of an episode rises when the child is really exploited.
_POLICE_SEE_EXPLOITED = {"cse": 0.52, "cce": 0.44, "none": 0.0}

GRADES = ("no_apparent_risk", "low", "medium", "high")
# Share of episodes police grade at or below each level (high is rare: about 6%).
_GRADE_QUANTILES = (0.26, 0.60, 0.935)
# Chance police record an episode as absent, by their grade (old practice: absent meant
# "no apparent risk", but forces applied it inconsistently).
_ABSENT_BY_GRADE = (0.88, 0.55, 0.12, 0.03)

_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(24)


@dataclass(frozen=True)
class Risk:
    """Per reported episode: hidden truth and what police recorded."""

    true_risk: np.ndarray
    outcome: np.ndarray
    grade: list[str]
    classification: list[str]


def logistic(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def averaged_over_luck(logit: np.ndarray, luck: float = _LUCK) -> np.ndarray:
    """E[logistic(logit + luck * Z)] for a standard normal Z (Gauss-Hermite quadrature)."""
    shifted = logit[:, None] + np.sqrt(2.0) * luck * _NODES[None, :]
    return np.asarray(logistic(shifted) @ _WEIGHTS / np.sqrt(np.pi))


def days_since_previous(child: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """For each episode, days since the same child's previous episode (by `seen`, in seconds);
    infinite for a child's first."""
    order = np.lexsort((seen, child))
    ordered_child, ordered_seen = child[order], seen[order].astype(float)
    gap = np.full(len(order), np.inf)
    same = ordered_child[1:] == ordered_child[:-1]
    gap[1:][same] = (ordered_seen[1:] - ordered_seen[:-1])[same] / 86_400.0
    out = np.empty(len(order))
    out[order] = gap
    return out


def earlier_flagged(flag: np.ndarray, child: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """For each episode, how many of the same child's earlier episodes (by `seen`) are flagged."""
    order = np.lexsort((seen, child))
    flagged = flag[order].astype(np.int64)
    running = np.cumsum(flagged) - flagged  # flagged episodes before this one, any child
    first = np.ones(len(order), dtype=bool)
    first[1:] = child[order][1:] != child[order][:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    out = np.empty(len(order), dtype=np.int64)
    out[order] = running - running[start]
    return out


def assess(
    rng: np.random.Generator,
    *,
    indicators: list[list[str]],
    earlier_exploitation: np.ndarray,
    vulnerability: np.ndarray,
    exploitation: np.ndarray,
    hours: np.ndarray,
    age: np.ndarray,
    looked_after: np.ndarray,
    recent: np.ndarray,
    days_since_last: np.ndarray | None = None,
) -> Risk:
    """Work out true risk and draw the outcome, then the police grade and classification.

    `earlier_exploitation` counts the child's earlier reported episodes carrying an
    exploitation indicator (what the service's history shows); `days_since_last` is the time
    since the child's previous reported episode (infinite for a first one).
    """
    n = len(indicators)
    exploitation_ticks = np.array(
        [min(sum(code in _EXPLOITATION_CODES for code in codes), 4) for codes in indicators]
    )
    harm = np.array([any(code in _HARM_CODES for code in codes) for codes in indicators])
    self_harm = np.array([_SELF_HARM in codes for codes in indicators])
    vulnerability_ticks = np.array(
        [min(sum(code in _VULNERABILITY_CODES for code in codes), 2) for codes in indicators]
    )
    exploited = np.array([_EXPLOITED[str(k)] for k in exploitation])
    since = np.full(n, np.inf) if days_since_last is None else days_since_last
    visible = (
        _PER_EXPLOITATION_TICK * exploitation_ticks
        + _EARLIER_EXPLOITATION * np.log1p(earlier_exploitation)
        + _HARM * harm
        + _SELF_HARM_WEIGHT * self_harm
        + _PER_VULNERABILITY_TICK * vulnerability_ticks
        + _PER_DOUBLING_OF_HOURS * np.log2(1 + hours / 12)
        + _YOUNG * (age < 12)
        + _LOOKED_AFTER * looked_after
        + _RECENT * np.log1p(recent)
        + _EXPLOITATION_UNDER_15 * exploitation_ticks * (age < 15)
        + _BACK_WITHIN_A_WEEK * np.log1p(recent) * (since < 7)
    )
    hidden = _VULNERABILITY * vulnerability + exploited
    true_risk = averaged_over_luck(_BASE + visible + hidden) if n else np.zeros(0)
    outcome = rng.random(n) < true_risk

    # The police see some of the picture (their own weights, with noise), a little of the
    # hidden state, none of the luck, and discount children who go missing often.
    police_view = (
        0.175 * exploitation_ticks
        + 0.63 * harm
        + 0.35 * self_harm
        + 0.315 * np.log2(1 + hours / 12)
        + 0.42 * (age < 13)
        + 0.21 * looked_after
        - 0.24 * np.log1p(recent)
        + np.array([_POLICE_SEE_EXPLOITED[str(k)] for k in exploitation])
        + 0.3 * vulnerability
        + 0.9 * rng.standard_normal(n)
    )
    cuts = np.quantile(police_view, _GRADE_QUANTILES) if n else np.zeros(3)
    level = np.searchsorted(cuts, police_view, side="right")
    absent = rng.random(n) < np.array(_ABSENT_BY_GRADE)[level]
    return Risk(
        true_risk=true_risk,
        outcome=outcome,
        grade=[GRADES[g] for g in level],
        classification=np.where(absent, "absent", "missing").tolist(),
    )
