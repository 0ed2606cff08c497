"""The points scorecard: a regularised logistic regression on binned factors, rounded to points.

`PointsScorecard` follows scikit-learn's conventions (parameters in `__init__`, learned
attributes end in `_`, `fit` returns `self`). It takes a frame of factor levels (one column per
factor, as `factor_levels` makes them) and learns:
- `points_`: for each factor, whole points per level; the lowest level of each factor is 0;
- `calibration_`: the probability of the outcome for each possible total, fitted by isotonic
  regression on the training totals, so it never falls as the total rises.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder

from triage.scoring.factors import FACTORS, Fact, Factor


def factor_levels(facts: Sequence[Fact], factors: Sequence[Factor] = FACTORS) -> pd.DataFrame:
    """One row per fact, one column per factor, holding the factor's level."""
    return pd.DataFrame({f.name: [f.level(fact) for fact in facts] for f in factors})


class PointsScorecard(ClassifierMixin, BaseEstimator):
    """An additive points score fitted with a regularised logistic regression."""

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

    def fit(self, X: pd.DataFrame, y: Sequence[int] | np.ndarray) -> Self:
        names = [f.name for f in self.factors]
        self.encoder_ = OneHotEncoder(
            categories=[f.levels for f in self.factors], drop="first", handle_unknown="error"
        )
        encoded = self.encoder_.fit_transform(X[names])
        self.logistic_ = LogisticRegression(C=self.C, max_iter=self.max_iter)
        self.logistic_.fit(encoded, y)
        self.classes_ = self.logistic_.classes_
        self.points_ = self._points(self.logistic_.coef_[0])
        totals = self.total(X)
        self.isotonic_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        self.isotonic_.fit(totals, np.asarray(y, dtype=float))
        span = np.arange(self.min_total_, self.max_total_ + 1)
        self.calibration_ = {
            int(t): float(p) for t, p in zip(span, self.isotonic_.predict(span), strict=True)
        }
        return self

    def _points(self, coefficients: np.ndarray) -> dict[str, dict[str, int]]:
        points: dict[str, dict[str, int]] = {}
        position = 0
        for factor in self.factors:
            levels = factor.levels
            raw = [0.0, *coefficients[position : position + len(levels) - 1]]
            position += len(levels) - 1
            rounded = [round(float(c) / self.log_odds_per_point) for c in raw]
            floor = min(rounded)
            points[factor.name] = {lvl: r - floor for lvl, r in zip(levels, rounded, strict=True)}
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
        """The logistic regression before rounding to points (a reference for the card)."""
        names = [f.name for f in self.factors]
        return self.logistic_.predict_proba(self.encoder_.transform(X[names]))[:, 1]
