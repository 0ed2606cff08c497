"""A child's history as of a moment, computed the same way for one notification or for all.

`compute_features` is the single definition. It takes a frame of episodes, a frame of
companion links and a frame of targets (child and moment) and answers for every target at once,
vectorised with pandas. The service path hands it one child's rows; the batch path hands it the
whole history. Both therefore give the same answers (a test holds them to it).

Definitions, for a target child at moment `as_of` (the target episode's last-seen time):
- an *earlier episode* is one of the child's episodes last seen before `as_of`, other than the
  target episode itself; it counts in the last N days if last seen within N days of `as_of`;
- `missing_Nd` / `absent_Nd` split those by the police classification, `episodes_Nd` adds them;
- `days_since_last_episode` runs from the latest earlier episode's last-seen time (None if none);
- `longest_recent_episode_hours` is the longest earlier episode in the last 365 days, an episode
  not yet returned by `as_of` counting up to `as_of` (0 if none);
- `earlier_cse_episodes` / `earlier_cce_episodes` count earlier episodes (any time) carrying a
  sexual / criminal exploitation indicator; `earlier_exploitation_indicators` lists their codes;
- `earlier_high_grades` counts earlier episodes the police graded high;
- `companions_365d` counts the distinct other children seen missing with the child (recorded on
  either child's episode) in the last 365 days before `as_of`; `companion_child_ids` names them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from triage.notification.vocabulary import CCE_INDICATORS, CSE_INDICATORS, EXPLOITATION_INDICATORS

WINDOWS = (7, 30, 90, 365)
_SECONDS_A_DAY = 86_400.0


def _days(delta: pd.Series) -> pd.Series:
    return pd.to_timedelta(delta).dt.total_seconds() / _SECONDS_A_DAY


EPISODE_COLUMNS = [
    "episode_id",
    "child_id",
    "last_seen_at",
    "returned_at",
    "police_classification",
    "police_risk_grade",
    "indicators",
]
EDGE_COLUMNS = ["episode_id", "child_id", "companion_child_id", "last_seen_at"]
TARGET_COLUMNS = ["child_id", "as_of", "exclude_episode_id"]


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
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = row[f.name]
            if f.name == "days_since_last_episode":
                values[f.name] = None if pd.isna(value) else float(value)
            elif f.name == "longest_recent_episode_hours":
                values[f.name] = float(value)
            elif f.name in ("earlier_exploitation_indicators", "companion_child_ids"):
                values[f.name] = tuple(value)
            else:
                values[f.name] = int(value)
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

    def as_dict(self) -> dict[str, Any]:
        return {
            f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
            for f in fields(self)
        }


FEATURE_NAMES = [f.name for f in fields(HistoryFeatures)]


def compute_features(
    episodes: pd.DataFrame, edges: pd.DataFrame, targets: pd.DataFrame
) -> pd.DataFrame:
    """History features for every row of `targets`, indexed like `targets`.

    `episodes` has EPISODE_COLUMNS, `edges` EDGE_COLUMNS (one row per direction of a companion
    link), `targets` TARGET_COLUMNS; times are UTC-aware.
    """
    out = pd.DataFrame(index=targets.index)
    t = targets[TARGET_COLUMNS].copy()
    t["target"] = targets.index
    t["exclude_episode_id"] = t["exclude_episode_id"].fillna(-1).astype("int64")

    pairs = t.merge(episodes[EPISODE_COLUMNS], on="child_id", how="inner")
    pairs = pairs[
        (pairs["last_seen_at"] < pairs["as_of"])
        & (pairs["episode_id"] != pairs["exclude_episode_id"])
    ]
    age_days = _days(pairs["as_of"] - pairs["last_seen_at"])
    absent = (pairs["police_classification"] == "absent").to_numpy()
    counts = pd.DataFrame({"target": pairs["target"].to_numpy()})
    for window in WINDOWS:
        inside = (age_days <= window).to_numpy()
        counts[f"missing_{window}d"] = inside & ~absent
        counts[f"absent_{window}d"] = inside & absent
    # An episode not over by `as_of` counts up to `as_of` (NaT compares False: open ones too).
    ended = pairs["returned_at"].where(pairs["returned_at"] < pairs["as_of"], pairs["as_of"])
    hours = (_days(ended - pairs["last_seen_at"]) * 24).to_numpy()
    counts["recent_hours"] = np.where((age_days <= 365).to_numpy(), hours, 0.0)
    indicator_sets = pairs["indicators"].map(frozenset)
    counts["cse"] = indicator_sets.map(lambda s: not s.isdisjoint(CSE_INDICATORS)).to_numpy()
    counts["cce"] = indicator_sets.map(lambda s: not s.isdisjoint(CCE_INDICATORS)).to_numpy()
    counts["high"] = (pairs["police_risk_grade"] == "high").to_numpy()
    counts["last_seen_at"] = pairs["last_seen_at"].to_numpy()
    counts["as_of"] = pairs["as_of"].to_numpy()

    grouped = counts.groupby("target")
    sums = grouped[
        [c for c in counts.columns if c.startswith(("missing_", "absent_"))]
        + ["cse", "cce", "high"]
    ].sum()
    for window in WINDOWS:
        out[f"missing_{window}d"] = sums[f"missing_{window}d"]
        out[f"absent_{window}d"] = sums[f"absent_{window}d"]
        out[f"episodes_{window}d"] = out[f"missing_{window}d"].fillna(0) + out[
            f"absent_{window}d"
        ].fillna(0)
    out["episodes_before"] = grouped.size()
    latest = grouped["last_seen_at"].max()
    as_of = grouped["as_of"].first()
    out["days_since_last_episode"] = _days(as_of - latest).round(4)
    out["longest_recent_episode_hours"] = grouped["recent_hours"].max().clip(lower=0).round(4)
    out["earlier_cse_episodes"] = sums["cse"]
    out["earlier_cce_episodes"] = sums["cce"]
    out["earlier_high_grades"] = sums["high"]
    out["earlier_exploitation_indicators"] = _codes(pairs)
    out = _with_companions(out, t, edges)
    return _filled(out)[FEATURE_NAMES]


def _codes(pairs: pd.DataFrame) -> pd.Series:
    exploded = pairs[["target", "indicators"]].explode("indicators")
    exploded = exploded[exploded["indicators"].isin(EXPLOITATION_INDICATORS)]
    return exploded.groupby("target")["indicators"].agg(_sorted_tuple)


def _with_companions(out: pd.DataFrame, t: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    links = t.merge(edges[EDGE_COLUMNS], on="child_id", how="inner")
    age_days = _days(links["as_of"] - links["last_seen_at"])
    links = links[
        (links["last_seen_at"] < links["as_of"])
        & (age_days <= 365)
        & (links["episode_id"] != links["exclude_episode_id"])
        & (links["companion_child_id"] != links["child_id"])
    ]
    ids = links.groupby("target")["companion_child_id"].agg(_sorted_tuple)
    out["companion_child_ids"] = ids
    out["companions_365d"] = ids.map(len)
    return out


def _sorted_tuple(values: pd.Series) -> tuple[Any, ...]:
    return tuple(sorted(set(values)))


def _filled(out: pd.DataFrame) -> pd.DataFrame:
    for name in FEATURE_NAMES:
        if name not in out:
            out[name] = np.nan
        if name in ("earlier_exploitation_indicators", "companion_child_ids"):
            out[name] = out[name].map(lambda v: v if isinstance(v, tuple) else ())
        elif name == "days_since_last_episode":
            out[name] = out[name].astype("float64")
        elif name == "longest_recent_episode_hours":
            out[name] = out[name].fillna(0.0).astype("float64")
        else:
            out[name] = out[name].fillna(0).astype("int64")
    return out


def targets_frame(rows: list[tuple[Any, int, datetime, int | None]]) -> pd.DataFrame:
    """Targets from (label, child_id, as_of, exclude_episode_id) tuples."""
    frame = pd.DataFrame.from_records(rows, columns=["target", *TARGET_COLUMNS])
    frame["as_of"] = pd.to_datetime(frame["as_of"], utc=True)
    frame["exclude_episode_id"] = frame["exclude_episode_id"].astype("float64")
    return frame.set_index("target")
