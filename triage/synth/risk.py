"""The hidden true risk of each episode, its outcome, and the police's noisy view of it.

True risk is a logistic function of things a model could partly see (indicators, the child's
recent episodes, the episode's length, age, being looked after) and of things it cannot (the
child's latent vulnerability, whether the child is really being exploited, and the episode's
own luck). So no model of the notification can reach it: it is the ceiling. The outcome,
"serious harm or exploitation confirmed within 90 days", is drawn from it.

Police grade from what they see at the time, with noise, and discount children who go missing
often ("they always come back"); they record about 45% of episodes as absent, most of them
graded low or no apparent risk, but not only those.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from triage.notification.vocabulary import EXPLOITATION_INDICATORS, Indicator

_EXPLOITATION_CODES = frozenset(i.value for i in EXPLOITATION_INDICATORS)
_HARM_CODES = frozenset(
    {Indicator.INJURY_ON_RETURN.value, Indicator.SEXUAL_ASSAULT_DISCLOSED.value}
)
_SELF_HARM = Indicator.SELF_HARM_SUICIDE_RISK.value

# Weights on the logit scale. Assumption: chosen so the outcome's base rate is about 15% and
# hidden state (vulnerability, exploitation, luck) carries about as much as what is visible.
_BASE = -3.9
_VULNERABILITY = 0.65
_EXPLOITED = {"cse": 1.3, "cce": 1.1, "none": 0.0}
_PER_EXPLOITATION_TICK = 0.25
_HARM = 0.9
_SELF_HARM_WEIGHT = 0.5
_PER_DOUBLING_OF_HOURS = 0.45
_YOUNG = 0.6  # under 13
_LOOKED_AFTER = 0.3
_RECENT = 0.3  # per log(1 + episodes in the last 90 days)
_LUCK = 0.6  # standard deviation of the episode's own unexplained risk

GRADES = ("no_apparent_risk", "low", "medium", "high")
# Share of episodes police grade at or below each level (high is rare: about 6%).
_GRADE_QUANTILES = (0.26, 0.60, 0.935)
# Chance police record an episode as absent, by their grade (old practice: absent meant
# "no apparent risk", but forces applied it inconsistently).
_ABSENT_BY_GRADE = (0.88, 0.55, 0.12, 0.03)


@dataclass(frozen=True)
class Risk:
    """Per reported episode: hidden truth and what police recorded."""

    true_risk: np.ndarray
    outcome: np.ndarray
    grade: list[str]
    classification: list[str]


def assess(
    rng: np.random.Generator,
    *,
    indicators: list[list[str]],
    vulnerability: np.ndarray,
    exploitation: np.ndarray,
    hours: np.ndarray,
    age: np.ndarray,
    looked_after: np.ndarray,
    recent: np.ndarray,
) -> Risk:
    """Draw true risk and outcome, then the police grade and classification."""
    n = len(indicators)
    exploitation_ticks = np.array(
        [min(sum(code in _EXPLOITATION_CODES for code in codes), 4) for codes in indicators]
    )
    harm = np.array([any(code in _HARM_CODES for code in codes) for codes in indicators])
    self_harm = np.array([_SELF_HARM in codes for codes in indicators])
    exploited = np.array([_EXPLOITED[str(k)] for k in exploitation])
    visible = (
        _PER_EXPLOITATION_TICK * exploitation_ticks
        + _HARM * harm
        + _SELF_HARM_WEIGHT * self_harm
        + _PER_DOUBLING_OF_HOURS * np.log2(1 + hours / 12)
        + _YOUNG * (age < 13)
        + _LOOKED_AFTER * looked_after
        + _RECENT * np.log1p(recent)
    )
    hidden = _VULNERABILITY * vulnerability + exploited + _LUCK * rng.standard_normal(n)
    true_risk = 1 / (1 + np.exp(-(_BASE + visible + hidden)))
    outcome = rng.random(n) < true_risk

    # The police see some of the picture and none of the luck, and discount frequent runners.
    police_view = (
        0.7 * visible
        + 0.4 * exploited
        + 0.3 * vulnerability
        - 0.45 * np.log1p(recent)
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
