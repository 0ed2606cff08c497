"""A child's history features as of a moment: the typed result every path returns.

See `triage.history.features` for the definition of each feature and how both paths (one
notification, or a whole history at once) compute them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

_LISTS = ("earlier_exploitation_indicators", "companion_child_ids")


@dataclass(frozen=True, slots=True)
class HistoryFeatures:
    """One target's history features (see the module docstring for each definition)."""

    episodes_7d: int
    episodes_30d: int
    episodes_90d: int
    episodes_365d: int
    missing_7d: int
    missing_30d: int
    missing_90d: int
    missing_365d: int
    absent_7d: int
    absent_30d: int
    absent_90d: int
    absent_365d: int
    episodes_before: int
    days_since_last_episode: float | None
    longest_recent_episode_hours: float
    earlier_cse_episodes: int
    earlier_cce_episodes: int
    earlier_exploitation_indicators: tuple[str, ...]
    earlier_high_grades: int
    companions_365d: int
    companion_child_ids: tuple[int, ...]

    @classmethod
    def from_row(cls, row: pd.Series) -> HistoryFeatures:
        """One row of the batch frame (`compute_features`) as features."""
        return cls.from_columns({name: [row[name]] for name in FEATURE_NAMES}, 0)

    @classmethod
    def from_columns(cls, columns: dict[str, Any], position: int) -> HistoryFeatures:
        """Position `position` of `summarise`'s columns, as plain Python values."""
        values = {name: columns[name][position] for name in FEATURE_NAMES}
        for name in FEATURE_NAMES:
            value = values[name]
            if name in _LISTS:
                values[name] = tuple(value)
            elif name == "days_since_last_episode":
                values[name] = None if pd.isna(value) else float(value)
            elif name == "longest_recent_episode_hours":
                values[name] = float(value)
            else:
                values[name] = int(value)
        return cls(**values)

    @classmethod
    def empty(cls) -> HistoryFeatures:
        """The history of a child with no earlier episodes."""
        values: dict[str, Any] = {f.name: 0 for f in fields(cls)}
        values.update(
            days_since_last_episode=None,
            longest_recent_episode_hours=0.0,
            earlier_exploitation_indicators=(),
            companion_child_ids=(),
        )
        return cls(**values)

    def scalars(self) -> dict[str, Any]:
        """The number-valued features that are known (what the rules see under `history.`)."""
        return {
            name: value for name in SCALAR_FEATURES if (value := getattr(self, name)) is not None
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
            for f in fields(self)
        }


FEATURE_NAMES = [f.name for f in fields(HistoryFeatures)]
SCALAR_FEATURES = [name for name in FEATURE_NAMES if name not in _LISTS]
