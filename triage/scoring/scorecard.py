"""The points scorecard: a regularised logistic regression on binned factors, rounded to points.

`PointsScorecard` follows scikit-learn's conventions (parameters in `__init__`, learned
attributes end in `_`, `fit` returns `self`). It takes a frame of factor levels (one column per
factor, as `factor_levels` makes them) and learns:
- `points_`: for each factor, whole points per level; the lowest level of each factor is 0,
  and each factor's points move only in its direction along its levels (`Factor.direction`);
- `calibration_`: the probability of the outcome for each possible total, by isotonic
  regression on the training totals, each decision counting once (never falling as the total
  rises), each block's rate smoothed so that no probability is 0 or 1 (`capped_calibration`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression

from triage.scoring.factors import FACTORS, FALLS, FREE, RISES, Fact, Factor


def factor_levels(facts: Sequence[Fact], factors: Sequence[Factor] = FACTORS) -> pd.DataFrame:
    """One row per fact, one column per factor, holding the factor's level."""
    return pd.DataFrame({f.name: [f.level(fact) for fact in facts] for f in factors})


class PointsScorecard(ClassifierMixin, BaseEstimator):
    """An additive points score fitted as a regularised logistic regression whose points obey
    each factor's direction (`Factor.direction`) by constraint, not by after-the-fact repair.

    A factor that rises is encoded as steps ("at least level 1", "at least level 2", ...) whose
    weights are bounded at zero from below, so its points can only climb along its levels; one
    that falls has them bounded from above; a free factor is one-hot with no bound. The fit is
    the same penalised likelihood scikit-learn's `LogisticRegression` minimises (C times the
    weighted log-loss plus half the squared weights), solved by L-BFGS-B with those bounds.
    """

    def __init__(
        self,
        C: float = 0.5,
        log_odds_per_point: float = 0.25,
        factors: Sequence[Factor] = FACTORS,
        max_iter: int = 2000,
    ) -> None:
        self.C = C
        self.log_odds_per_point = log_odds_per_point
        self.factors = factors
        self.max_iter = max_iter

    def _design(self, X: pd.DataFrame) -> np.ndarray:
        """Columns: for each factor, its levels but the first, as steps or as one-hot."""
        blocks = []
        for factor in self.factors:
            index = X[factor.name].map({lvl: k for k, lvl in enumerate(factor.levels)})
            if index.isna().any():
                raise ValueError(f"factor {factor.name}: a level outside {factor.levels}")
            k = index.to_numpy(dtype=np.int64)[:, None]
            steps = np.arange(1, len(factor.levels))[None, :]
            blocks.append((k >= steps) if factor.direction != FREE else (k == steps))
        return np.hstack(blocks).astype(float)

    def _bounds(self) -> list[tuple[float | None, float | None]]:
        bounds: list[tuple[float | None, float | None]] = []
        for factor in self.factors:
            bound = {RISES: (0.0, None), FALLS: (None, 0.0), FREE: (None, None)}[factor.direction]
            bounds += [bound] * (len(factor.levels) - 1)
        return [*bounds, (None, None)]  # the intercept

    def fit(
        self,
        X: pd.DataFrame,
        y: Sequence[int] | np.ndarray,
        sample_weight: np.ndarray | None = None,
    ) -> Self:
        design = self._design(X)
        target = np.asarray(y, dtype=float)
        weight = np.ones(len(target)) if sample_weight is None else np.asarray(sample_weight)
        self.classes_ = np.array([0, 1])

        def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
            w, b = params[:-1], params[-1]
            z = design @ w + b
            # log(1 + e^z) - y z, stably; its gradient is (sigmoid(z) - y)
            value = self.C * float(weight @ (np.logaddexp(0.0, z) - target * z)) + 0.5 * w @ w
            residual = self.C * weight * (expit(z) - target)
            return value, np.append(design.T @ residual + w, residual.sum())

        start = np.zeros(design.shape[1] + 1)
        result = minimize(
            loss,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=self._bounds(),
            options={"maxiter": self.max_iter},
        )
        if not result.success:
            raise RuntimeError(f"the scorecard did not converge: {result.message}")
        self.coef_, self.intercept_ = result.x[:-1], float(result.x[-1])
        self.points_ = self._points()
        # The points weigh each episode once (its decisions share the weight), so that a long
        # episode's many decisions do not outweigh a short one. The probability is read at
        # each decision, and the card judges it at each, so there every decision counts once:
        # calibrated on the episode weights, a total's probability leaned towards short
        # episodes' rate and ran low at the first notification.
        totals = self.total(X)
        self.calibration_ = capped_calibration(
            totals, target, np.ones(len(target)), self.min_total_, self.max_total_
        )
        return self

    def level_weights(self) -> dict[str, list[float]]:
        """Each factor's fitted log-odds by level (the first level 0), before rounding."""
        weights: dict[str, list[float]] = {}
        position = 0
        for factor in self.factors:
            count = len(factor.levels) - 1
            own = self.coef_[position : position + count]
            position += count
            values = np.cumsum(own) if factor.direction != FREE else own
            weights[factor.name] = [0.0, *(float(v) for v in values)]
        return weights

    def _points(self) -> dict[str, dict[str, int]]:
        points: dict[str, dict[str, int]] = {}
        weights = self.level_weights()
        for factor in self.factors:
            raw = weights[factor.name]
            # Rounding never reverses an order, so a constrained factor stays in its direction.
            rounded = [round(value / self.log_odds_per_point) for value in raw]
            floor = min(rounded)
            points[factor.name] = {
                lvl: r - floor for lvl, r in zip(factor.levels, rounded, strict=True)
            }
        return points

    @property
    def min_total_(self) -> int:
        return 0

    @property
    def max_total_(self) -> int:
        return sum(max(levels.values()) for levels in self.points_.values())

    def total(self, X: pd.DataFrame) -> np.ndarray:
        """Total points for each row of factor levels."""
        totals = np.zeros(len(X), dtype=np.int64)
        for name, table in self.points_.items():
            totals += X[name].map(table).to_numpy(dtype=np.int64)
        return totals

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        return self.total(X).astype(float)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        positive = np.array([self.calibration_[int(t)] for t in self.total(X)])
        return np.column_stack([1 - positive, positive])

    def unrounded_proba(self, X: pd.DataFrame) -> np.ndarray:
        """The constrained logistic regression before rounding to points (for the card)."""
        return np.asarray(expit(self._design(X) @ self.coef_ + self.intercept_))


def capped_calibration(
    totals: np.ndarray, outcome: np.ndarray, weight: np.ndarray, low: int, high: int
) -> dict[int, float]:
    """The probability of the outcome for every total from `low` to `high`.

    Isotonic regression pools neighbouring totals until the rate never falls as the total
    rises; each pooled block's rate is then taken with one outcome and one non-outcome added
    (Laplace's rule), so a handful of cases at the top or bottom can never claim certainty: no
    probability is 0 or 1. Totals the training data never reached take their nearest block's."""
    seen = np.unique(totals)
    counts = np.array([weight[totals == t].sum() for t in seen])
    events = np.array([(weight * outcome)[totals == t].sum() for t in seen])
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0).fit(
        seen, events / counts, sample_weight=counts
    )
    pooled = fitted.predict(seen)
    rates = np.empty(len(seen))
    for value in np.unique(pooled):  # each block: the seen totals isotonic pooled together
        block = pooled == value
        rates[block] = (events[block].sum() + 1.0) / (counts[block].sum() + 2.0)
    rates = np.maximum.accumulate(rates)  # adding one of each can tilt two tiny blocks
    calibration = {}
    for total in range(low, high + 1):
        nearest = int(np.clip(np.searchsorted(seen, total, side="right") - 1, 0, len(seen) - 1))
        calibration[total] = float(rates[nearest])
    return calibration
