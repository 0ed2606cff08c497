"""Fairness of live decisions and of overrides, by sex, ethnicity, age band, looked-after status
and area (the area team the decision routes to).

Three measures: the share of episodes vetted high (their newest decision), and the shares of
reviewed decisions a person raised and lowered. Group counts and rates come from fairlearn's
`MetricFrame`; each rate has a 95% Wilson interval and its difference from everyone else's a
95% Newcombe interval (statsmodels, `triage.monitoring.intervals`).

Small numbers. A group under `minimum_group` (10 by default) is "too few to judge": no rate and
no finding. Otherwise a cell of its two-by-two table (those with the event, those without) under
5 is suppressed: its counts, rate and intervals are not shown, and a difference the interval
finds is named with its direction only. A difference is called out only where its interval
excludes zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, count, selection_rate

from triage.monitoring.frame import GROUPS
from triage.monitoring.intervals import difference, excludes_zero, wilson
from triage.reports.suppression import THRESHOLD

MINIMUM_GROUP = 10
# What each measure is a share of, and of which frame: (name, words, frame, column).
MEASURES = (
    ("vetted_high", "vetted high", "episodes"),
    ("raised", "raised by a person", "reviews"),
    ("lowered", "lowered by a person", "reviews"),
)
COLUMNS = (
    "measure",
    "feature",
    "group",
    "count",
    "events",
    "rate",
    "rate_low",
    "rate_high",
    "difference_low",
    "difference_high",
    "status",
    "called_out",
    "finding",
)
TOO_FEW, SUPPRESSED, SHOWN = "too few to judge", "suppressed", "shown"


def _events(y_true: np.ndarray, y_pred: np.ndarray) -> int:
    return int(np.sum(y_pred))


def _by_group(events: pd.Series, groups: pd.Series) -> pd.DataFrame:
    """Per group: its size, events and rate (fairlearn's MetricFrame)."""
    frame = MetricFrame(
        metrics={"count": count, "events": _events, "rate": selection_rate},
        y_true=events.to_numpy(dtype=int),
        y_pred=events.to_numpy(dtype=int),
        sensitive_features=groups.astype(str).rename("group"),
    )
    return frame.by_group


def _finding(words: str, feature: str, group: str, row: dict[str, object]) -> str:
    low, high = row["difference_low"], row["difference_high"]
    assert isinstance(low, float) and isinstance(high, float)
    way = "higher" if low > 0 else "lower"
    label = f"{feature.replace('_', ' ')} {group}"
    if row["status"] == SUPPRESSED:
        return f"{label}: the share {words} is {way} than for everyone else (small numbers)."
    return (
        f"{label}: the share {words} is {way} than for everyone else ({row['rate']:.1%}; the"
        f" difference is {low * 100:+.1f} to {high * 100:+.1f} points, 95% interval)."
    )


def fairness_table(
    episodes: pd.DataFrame,
    reviews: pd.DataFrame,
    *,
    features: Sequence[str] = GROUPS,
    minimum_group: int = MINIMUM_GROUP,
) -> pd.DataFrame:
    """One row per measure, feature and group (see the module's docstring)."""
    sources = {
        "episodes": (episodes, {"vetted_high": episodes["vetted_level"] == "high"}),
        "reviews": (reviews, {"raised": reviews["up"], "lowered": reviews["down"]}),
    }
    out: list[dict[str, object]] = []
    for measure, words, source in MEASURES:
        frame, flags = sources[source]
        if frame.empty:
            continue
        flag = flags[measure].astype(bool)
        total, total_events = len(frame), int(flag.sum())
        for feature in features:
            table = _by_group(flag, frame[feature])
            for group, metrics in table.iterrows():
                n, k = int(metrics["count"]), int(metrics["events"])
                row: dict[str, object] = dict.fromkeys(COLUMNS)
                row.update(measure=measure, feature=feature, group=str(group), count=n)
                if n < minimum_group:
                    row.update(status=TOO_FEW, called_out=False)
                    out.append(row)
                    continue
                gap = difference(k, n, total_events - k, total - n)
                small = k < THRESHOLD or n - k < THRESHOLD
                row.update(
                    status=SUPPRESSED if small else SHOWN,
                    called_out=excludes_zero(gap),
                    difference_low=None if small or gap is None else gap[0],
                    difference_high=None if small or gap is None else gap[1],
                )
                if not small:
                    low, high = wilson(k, n)
                    row.update(events=k, rate=round(k / n, 4), rate_low=low, rate_high=high)
                if row["called_out"]:
                    assert gap is not None
                    said = {**row, "difference_low": gap[0], "difference_high": gap[1]}
                    row["finding"] = _finding(words, feature, str(group), said)
                out.append(row)
    return pd.DataFrame(out, columns=list(COLUMNS))


def findings(table: pd.DataFrame) -> list[str]:
    """The differences called out, in words."""
    return [str(text) for text in table.loc[table["called_out"].astype(bool), "finding"]]
