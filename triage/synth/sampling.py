"""Low-variance random draws, so that a city of a few thousand episodes meets its figures by
design rather than by luck.

A small city's totals hang on a few children (the most frequent runners) and on thousands of
coin flips. Plain draws would make one seed's city miss its calibration figures by a quarter
while the next seed's hits them. These draws keep every run as random in its detail (which
child, which episode) but spread evenly in aggregate.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

_NORMAL = NormalDist()
_GOLDEN = (np.sqrt(5.0) - 1) / 2
_ROOT_TWO = np.sqrt(2.0) - 1


def systematic(rng: np.random.Generator, chance: np.ndarray) -> np.ndarray:
    """Bernoulli draws with these chances, spread evenly along the array's order.

    One random offset instead of one draw each: any run of entries gets almost exactly its
    expected number of successes.
    """
    running = np.cumsum(chance) + rng.random()
    return np.floor(running) > np.floor(running - chance)


def shuffled_systematic(rng: np.random.Generator, chance: np.ndarray) -> np.ndarray:
    """Systematic draws in a random order: the total is as expected, the pattern is random."""
    order = rng.permutation(len(chance))
    out = np.zeros(len(chance), dtype=bool)
    out[order] = systematic(rng, chance[order])
    return out


def stratified_normal(rng: np.random.Generator, n: int) -> np.ndarray:
    """Standard normal draws, one from each of `n` equal-probability bands, in random order."""
    bands = (rng.permutation(n) + rng.random(n)) / max(n, 1)
    return normal_quantiles(bands)


def normal_quantiles(u: np.ndarray) -> np.ndarray:
    """The standard normal quantile of each probability (kept inside (0, 1))."""
    return np.array([_NORMAL.inv_cdf(x) for x in np.clip(u, 1e-9, 1 - 1e-9)])


def kronecker(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` points of a randomly shifted two-dimensional Kronecker sequence in the unit square.

    Any run of consecutive points covers the square evenly, so children sorted by propensity
    and given these points have, run by run, careers spread over the years and over lengths.
    """
    k = np.arange(n)
    return (rng.random() + k * _GOLDEN) % 1.0, (rng.random() + k * _ROOT_TWO) % 1.0
