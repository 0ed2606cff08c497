"""Time to review: from an episode's arrival (its first version received) to a person's first
review of it, by the level vetting gave it on arrival, against the deadlines that first decision
set (its earliest action: a strategy discussion within 24 hours, a senior manager told within
one, ...). Episodes not yet reviewed are counted apart, with how many are past that deadline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from triage.notification.vocabulary import RiskGrade

COLUMNS = (
    "level",
    "episodes",
    "reviewed",
    "awaiting",
    "median_hours",
    "p90_hours",
    "with_deadline",
    "median_deadline_hours",
    "reviewed_by_deadline",
    "awaiting_past_deadline",
)


def _hours(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / 3600


def _round(value: Any) -> float | None:
    return None if pd.isna(value) else round(float(value), 2)


def time_to_review(episodes: pd.DataFrame, *, now: datetime) -> pd.DataFrame:
    """One row per level on arrival, highest first: episodes, reviewed and awaiting; the median
    and 90th percentile of hours from arrival to first review; how many had a deadline, its
    median (hours after arrival), how many were reviewed by it and how many await past it."""
    out = []
    for grade in sorted(RiskGrade, key=lambda g: -g.rank):
        inside = episodes[episodes["first_level"] == grade.value]
        reviewed = inside[inside["first_reviewed_at"].notna()]
        waited = _hours(reviewed["first_reviewed_at"] - reviewed["arrived_at"])
        due = inside[inside["first_deadline_at"].notna()]
        seen = due["first_reviewed_at"]
        by_deadline = due[seen.notna() & (seen <= due["first_deadline_at"])]
        late = due[seen.isna() & (due["first_deadline_at"] < pd.Timestamp(now))]
        out.append(
            {
                "level": grade.value,
                "episodes": len(inside),
                "reviewed": len(reviewed),
                "awaiting": len(inside) - len(reviewed),
                "median_hours": _round(waited.median()) if len(waited) else None,
                "p90_hours": _round(waited.quantile(0.9)) if len(waited) else None,
                "with_deadline": len(due),
                "median_deadline_hours": _round(
                    _hours(due["first_deadline_at"] - due["arrived_at"]).median()
                )
                if len(due)
                else None,
                "reviewed_by_deadline": len(by_deadline),
                "awaiting_past_deadline": len(late),
            }
        )
    return pd.DataFrame(out, columns=list(COLUMNS))
