"""The children of the synthetic city who go missing: who they are, where they live, their legal
status, and the hidden state that drives how often and how dangerously they go missing.

A child enters the population when their "missing career" starts (the first time they go
missing) and leaves it when the career ends or they turn 18. Careers start at a steady rate
from years before the window, so the window opens on a city already running: some children
have missing histories the service never sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum

import numpy as np

from triage.synth import names, places
from triage.synth.clock import Clock, no_leap_day
from triage.synth.sampling import kronecker, normal_quantiles, stratified_normal, systematic

YEAR_DAYS = 365.25
BURN_IN_DAYS = int(4 * YEAR_DAYS)  # careers rarely last longer, so the window opens in steady state


class Segment(IntEnum):
    """Which of the city's three kinds of missing child this is."""

    HOME_LOOKED_AFTER = 0  # looked after by the home authority, placed in the city or out of it
    PLACED_IN = 1  # looked after by another authority, placed in the city
    COMMUNITY = 2  # living with family: no legal status, child in need or CP plan


@dataclass(frozen=True, slots=True)
class SegmentRates:
    """How children of one segment arrive and go missing (figures at scale 1, per year)."""

    arrivals: float  # new missing careers a year
    career_median_days: float
    career_sigma: float  # lognormal spread of career length
    rate_mean: float  # mean episodes a year while the career lasts
    rate_sigma: float  # lognormal spread of that rate across children: the heavy tail
    spell_size: float  # mean episodes in one spell (a burst of episodes days apart)


# Tuned so the generated city meets product.md's figures (see calibration.py and
# docs/synthetic-city.md); the split between segments is an assumption.
RATES: dict[Segment, SegmentRates] = {
    Segment.HOME_LOOKED_AFTER: SegmentRates(102.0, 420.0, 0.8, 7.0, 1.0, 2.1),
    Segment.PLACED_IN: SegmentRates(15.0, 360.0, 0.8, 7.0, 1.0, 2.1),
    Segment.COMMUNITY: SegmentRates(470.0, 95.0, 1.0, 0.5, 1.0, 1.25),
}

# Assumption: even the most frequent runners average no more than about two episodes a month.
MOST_EPISODES_A_YEAR = 24.0

# Assumption: frequent runners keep running for longer (their careers last years, not months).
CAREER_PROPENSITY = 0.4

# Assumption: how closely a child's hidden vulnerability follows their propensity to go missing
# (the correlation of the two).
VULNERABILITY_PROPENSITY = 0.7

# Age at the first episode: most careers start at 12-15; a few children start much younger.
START_AGES = np.arange(8, 18)
START_AGE_WEIGHTS = np.array([1, 1, 2, 5, 9, 15, 19, 19, 16, 10], dtype=float)

_ETHNICITIES = np.array(["white", "asian", "black", "mixed", "other", "not_stated"])
# Assumption: roughly Birmingham's child population, with mixed and black children somewhat
# over-represented among looked-after and missing children (DfE looked-after statistics).
_ETHNICITY_WEIGHTS = np.array([0.42, 0.26, 0.12, 0.13, 0.04, 0.03])


@dataclass(frozen=True)
class Population:
    """Every child whose missing career starts in the burn-in years or the window, one array
    entry per child (most of the burn-in children never appear in the window's data).

    Days are indexes from the window's first day (negative before it). `propensity` and
    `vulnerability` are hidden latent state: standard normal, higher is worse.
    """

    segment: np.ndarray
    propensity: np.ndarray
    vulnerability: np.ndarray
    career_start: np.ndarray  # float day
    career_end: np.ndarray  # float day, before the 18th birthday
    rate: np.ndarray  # episodes a year while active
    spell_size: np.ndarray
    date_of_birth: list[date]
    adult_day: np.ndarray  # day index of the 18th birthday
    sex: np.ndarray
    ethnicity: np.ndarray
    exploitation: np.ndarray  # "cse" | "cce" | "none"
    learning_disability: np.ndarray
    mental_health: np.ndarray
    medical_needs: np.ndarray
    legal_status: np.ndarray
    placement_type: np.ndarray  # "with_family" for a child living at home
    responsible_authority: np.ndarray  # "" where there is none
    home_postcode: list[str]
    placement_postcode: list[str | None]
    placement_force: np.ndarray  # index into places.FORCES
    given_name: list[str]
    family_name: list[str]

    def __len__(self) -> int:
        return len(self.segment)

    @property
    def looked_after(self) -> np.ndarray:
        return self.segment != Segment.COMMUNITY


def populate(
    rng: np.random.Generator,
    *,
    clock: Clock,
    window_days: int,
    scale: float,
    home_authority: str,
) -> Population:
    """Draw every child whose missing career starts in the burn-in years or the window."""
    years = (BURN_IN_DAYS + window_days) / YEAR_DAYS
    counts = [round(RATES[s].arrivals * scale * years) for s in Segment]
    segment = np.repeat(np.array(list(Segment), dtype=np.int64), counts)
    n = len(segment)
    rates = [RATES[Segment(int(s))] for s in segment]

    # With a heavy tail, plain random draws would make a small city's totals hang on its few
    # most frequent runners: when their careers happen to fall, how long they last. So the
    # draws that decide how many episodes a child makes are spread evenly instead: propensity
    # is stratified (one child per quantile band), and in order of propensity within each kind
    # of child (looked after or not, by exploitation), career starts and lengths follow a
    # low-discrepancy sequence, so any run of similar children has careers spread over the
    # years and over short and long.
    propensity = np.concatenate([stratified_normal(rng, k) for k in counts])
    start_age = rng.choice(START_AGES, n, p=START_AGE_WEIGHTS / START_AGE_WEIGHTS.sum())
    exploitation = _exploitation(rng, propensity, segment, start_age)
    # Kinds of child for spreading and raking: looked after or not, by exploitation.
    kind = (segment == Segment.COMMUNITY) * 3 + np.searchsorted(
        np.array(["cce", "cse", "none"]), exploitation
    )
    start_u, length_u = _spread_along(rng, propensity, kind)
    # Vulnerable children go missing more often: vulnerability follows propensity closely.
    vulnerability = VULNERABILITY_PROPENSITY * propensity + np.sqrt(
        1 - VULNERABILITY_PROPENSITY**2
    ) * rng.standard_normal(n)
    career_start = -BURN_IN_DAYS + start_u * (BURN_IN_DAYS + window_days)
    birth_day = np.floor(career_start - (start_age + rng.uniform(0, 1, n)) * YEAR_DAYS)
    sex = _sexes(rng, exploitation)
    given, family = names.draw(rng, sex)
    date_of_birth = names.unique_birth_dates(
        rng, given, family, [no_leap_day(clock.start + timedelta(days=int(d))) for d in birth_day]
    )
    adult_day = np.array(
        [clock.day_index(d.replace(year=d.year + 18)) for d in date_of_birth], dtype=np.int64
    )
    median = np.array([r.career_median_days for r in rates])
    sigma = np.array([r.career_sigma for r in rates])
    career_spread = normal_quantiles(length_u)
    length = np.minimum(
        median * np.exp(sigma * career_spread + CAREER_PROPENSITY * propensity), 6 * YEAR_DAYS
    )
    career_end = np.minimum(career_start + length, adult_day - 1.0)

    rate_sigma = np.array([r.rate_sigma for r in rates])
    rate = np.minimum(
        np.array([r.rate_mean for r in rates])
        * np.exp(rate_sigma * propensity - rate_sigma**2 / 2),
        MOST_EPISODES_A_YEAR,
    )
    rate = _rake(rate, career_start, career_end, kind, window_days)
    spell_size = np.array([r.spell_size for r in rates]) * np.exp(0.25 * propensity)

    legal_status, placement_type = _legal_status(rng, segment, propensity, start_age)
    homes = places.homes(
        rng,
        home_looked_after=segment == Segment.HOME_LOOKED_AFTER,
        placed_in=segment == Segment.PLACED_IN,
        home_authority=home_authority,
    )
    return Population(
        segment=segment,
        propensity=propensity,
        vulnerability=vulnerability,
        career_start=career_start,
        career_end=career_end,
        rate=rate,
        spell_size=np.maximum(spell_size, 1.0),
        date_of_birth=date_of_birth,
        adult_day=adult_day,
        sex=sex,
        ethnicity=rng.choice(_ETHNICITIES, n, p=_ETHNICITY_WEIGHTS),
        exploitation=exploitation,
        learning_disability=rng.random(n) < _sigmoid(-3.0 + 0.5 * vulnerability),
        mental_health=rng.random(n) < _sigmoid(-2.6 + 1.0 * vulnerability),
        medical_needs=rng.random(n) < 0.04,
        legal_status=legal_status,
        placement_type=placement_type,
        responsible_authority=homes.responsible_authority,
        home_postcode=homes.home_postcode,
        placement_postcode=homes.placement_postcode,
        placement_force=homes.force,
        given_name=given,
        family_name=family,
    )


def _spread_along(
    rng: np.random.Generator, propensity: np.ndarray, kind: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Two uniforms per child: a Kronecker sequence in order of propensity within each kind."""
    first, second = np.empty(len(kind)), np.empty(len(kind))
    for k in np.unique(kind):
        members = np.flatnonzero(kind == k)
        order = members[np.argsort(propensity[members], kind="stable")]
        first[order], second[order] = kronecker(rng, len(order))
    return first, second


def _rake(
    rate: np.ndarray, start: np.ndarray, end: np.ndarray, kind: np.ndarray, window_days: int
) -> np.ndarray:
    """Scale each kind of child's rates so the kind's expected episodes in the window are what
    its careers imply on average, not what the few careers that happen to overlap it imply.

    A career starting uniformly in the burn-in years or the window overlaps the window, on
    average, by its length times window / (burn-in + window). The factor is kept within
    [2/3, 3/2], so a capped rate can end a little above the cap.
    """
    overlap = np.clip(np.minimum(end, window_days) - np.maximum(start, 0.0), 0.0, None)
    span = np.clip(end - start, 0.0, None)
    share = window_days / (BURN_IN_DAYS + window_days)
    out = rate.copy()
    for k in np.unique(kind):
        mine = kind == k
        realised = float((rate[mine] * overlap[mine]).sum())
        expected = float((rate[mine] * span[mine]).sum()) * share
        if realised > 0:
            out[mine] *= np.clip(expected / realised, 2 / 3, 3 / 2)
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _exploitation(
    rng: np.random.Generator,
    propensity: np.ndarray,
    segment: np.ndarray,
    start_age: np.ndarray,
) -> np.ndarray:
    """Hidden exploitation: likelier for frequent runners, looked-after and older children.

    Drawn systematically in order of propensity within each segment, so every segment's most
    frequent runners get their fair share. Assumption: a little under half of exploited
    missing children are sexually exploited, the rest criminally exploited (county lines).
    """
    looked_after = segment != Segment.COMMUNITY
    chance = _sigmoid(-2.6 + 1.2 * propensity + 0.5 * looked_after + 0.15 * (start_age - 14))
    exploited = np.zeros(len(segment), dtype=bool)
    sexual = np.zeros(len(segment), dtype=bool)
    for s in Segment:
        members = np.flatnonzero(segment == s)
        order = members[np.argsort(propensity[members], kind="stable")]
        exploited[order] = systematic(rng, chance[order])
        ranked = order[exploited[order]]
        sexual[ranked] = systematic(rng, np.full(len(ranked), 0.42))
    return np.where(exploited, np.where(sexual, "cse", "cce"), "none")


def _sexes(rng: np.random.Generator, exploitation: np.ndarray) -> np.ndarray:
    """Sex, given exploitation. Assumption: sexual exploitation is mostly of girls and criminal
    exploitation mostly of boys, but neither only (NCA and county-lines literature)."""
    female = np.select([exploitation == "cse", exploitation == "cce"], [0.85, 0.15], 0.5)
    draw = rng.random(len(exploitation))
    unknown = rng.random(len(exploitation)) < 0.01
    sex = np.where(draw < female, "female", "male")
    return np.where(unknown, np.where(draw < 0.4, "other", "not_known"), sex)


def _legal_status(
    rng: np.random.Generator, segment: np.ndarray, propensity: np.ndarray, start_age: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Legal status and placement type, consistent with each other.

    Assumption: children in residential homes go missing most often, so frequent runners are
    more likely to live in one; semi-independent living is for 16 and 17 year olds only.
    """
    n = len(segment)
    looked_after = segment != Segment.COMMUNITY
    cp_plan = rng.random(n) < _sigmoid(-1.9 + 0.6 * propensity)
    in_need = rng.random(n) < 0.28
    community_status = np.where(cp_plan, "cp_plan", np.where(in_need, "child_in_need", "none"))
    status = np.where(looked_after, "looked_after", community_status)

    draw = rng.random(n)
    residential = draw < _sigmoid(-1.0 + 0.9 * propensity)
    other = rng.choice(
        np.array(["foster_care", "kinship_care", "semi_independent", "secure", "other"]),
        n,
        p=[0.66, 0.14, 0.14, 0.02, 0.04],
    )
    other = np.where((other == "semi_independent") & (start_age < 16), "foster_care", other)
    placement = np.where(residential, "residential_home", other)
    return status, np.where(looked_after, placement, "with_family")
