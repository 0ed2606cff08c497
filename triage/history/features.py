"""A child's history as of a moment, computed the same way for one notification or for all.

`summarise` is the single definition: given, for each target (a child at a moment), the
child's episodes and companion links as aligned numpy arrays, it answers for every target at
once. The batch path (`compute_features`) lines a whole history up against its targets with
pandas joins; the service path (`features_for_child`) hands it one child's rows directly, so a
single notification costs microseconds, not a DataFrame's overhead. A test holds the two paths
to the same answers, and a property test holds `summarise` to the definitions below.

History is *as it was known*: a target has a moment `as_of` (the target episode's last-seen
time, from which the windows run) and a moment `known_at` (when the decision speaks for: the
version's sending, or a later re-vet). Each earlier episode is read as its newest version that
police had sent by `known_at` says it; an episode police had not yet notified by then does not
exist for that target. So re-vetting an old decision reproduces it exactly, even after police
corrected an earlier episode, and a re-vet as of now uses the correction.

Definitions, for a target child at moment `as_of`, as known at `known_at`:
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
  either child's episode, notified by `known_at`) in the last 365 days before `as_of`;
  `companion_child_ids` names them. Companions are read from each episode's newest version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from triage.history.models import FEATURE_NAMES, SCALAR_FEATURES, HistoryFeatures
from triage.notification.vocabulary import CCE_INDICATORS, CSE_INDICATORS, EXPLOITATION_INDICATORS

__all__ = [
    "EDGE_COLUMNS",
    "EPISODE_COLUMNS",
    "FEATURE_NAMES",
    "SCALAR_FEATURES",
    "TARGET_COLUMNS",
    "HistoryFeatures",
    "compute_features",
    "episode_flags",
    "exploited_as_known",
    "summarise",
    "targets_frame",
]

WINDOWS = (7, 30, 90, 365)
_DAY = 86_400.0
_HOUR = 3_600.0

EPISODE_COLUMNS = [
    "episode_id",
    "child_id",
    "last_seen_at",
    "returned_at",
    "police_classification",
    "police_risk_grade",
    "indicators",
    "sent_at",  # when police sent this version
    "until",  # when police sent the next version of the episode (None: this is the newest)
]
EDGE_COLUMNS = ["episode_id", "child_id", "companion_child_id", "last_seen_at", "sent_at"]
TARGET_COLUMNS = ["child_id", "as_of", "exclude_episode_id", "known_at"]


@dataclass(frozen=True)
class Candidates:
    """One row per (target, version of an episode of the target's child), before any filtering.

    Times are seconds since the epoch (UTC); `returned` is NaN while an episode is open; `until`
    is +inf for an episode's newest version, and `known` the largest finite time for
    "everything sent so far".
    """

    target: np.ndarray
    as_of: np.ndarray
    known: np.ndarray
    exclude: np.ndarray
    episode: np.ndarray
    sent: np.ndarray
    until: np.ndarray
    seen: np.ndarray
    returned: np.ndarray
    absent: np.ndarray
    high: np.ndarray
    cse: np.ndarray
    cce: np.ndarray
    codes: np.ndarray  # index into `code_sets`; 0 is "no exploitation indicator"
    code_sets: Sequence[tuple[str, ...]]


@dataclass(frozen=True)
class Links:
    """One row per (target, companion link of the target's child), before any filtering.
    `sent` is when police first notified the link's episode."""

    target: np.ndarray
    as_of: np.ndarray
    known: np.ndarray
    exclude: np.ndarray
    episode: np.ndarray
    seen: np.ndarray
    sent: np.ndarray
    child: np.ndarray
    companion: np.ndarray


def summarise(c: Candidates, links: Links, n_targets: int) -> dict[str, Any]:
    """The features of `n_targets` targets, as columns (arrays, or lists for the list features)."""
    # Exactly one version of each episode is the one known at `known` (or none, if police had
    # not notified the episode yet); the rest of the definitions read that version.
    known = (c.sent <= c.known) & (c.known < c.until)
    keep = known & (c.seen < c.as_of) & (c.episode != c.exclude)
    target = c.target[keep]
    age = (c.as_of[keep] - c.seen[keep]) / _DAY
    absent = c.absent[keep]
    out: dict[str, Any] = {}

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(target[mask], minlength=n_targets).astype(np.int64)

    for window in WINDOWS:
        inside = age <= window
        out[f"missing_{window}d"] = count(inside & ~absent)
        out[f"absent_{window}d"] = count(inside & absent)
        out[f"episodes_{window}d"] = out[f"missing_{window}d"] + out[f"absent_{window}d"]
    out["episodes_before"] = count(np.ones_like(absent, dtype=bool))

    nearest = np.full(n_targets, np.inf)
    np.minimum.at(nearest, target, age)
    out["days_since_last_episode"] = np.where(np.isfinite(nearest), np.round(nearest, 4), np.nan)

    # An episode not over by `as_of` counts up to `as_of` (NaN compares False: open ones too).
    returned, as_of, seen = c.returned[keep], c.as_of[keep], c.seen[keep]
    ended = np.where(returned < as_of, returned, as_of)
    recent = np.where(age <= 365, (ended - seen) / _HOUR, 0.0)
    longest = np.zeros(n_targets)
    np.maximum.at(longest, target, recent)
    out["longest_recent_episode_hours"] = np.round(longest, 4)

    out["earlier_cse_episodes"] = count(c.cse[keep])
    out["earlier_cce_episodes"] = count(c.cce[keep])
    out["earlier_high_grades"] = count(c.high[keep])
    codes: dict[int, set[str]] = {}  # only for targets that have any: most have none
    flagged = c.codes[keep] > 0
    # Few episodes carry exploitation codes, and fewer distinct (target, codes) pairs: loop those.
    combos = np.unique(np.column_stack([target[flagged], c.codes[keep][flagged]]), axis=0)
    for position, code in combos.tolist():
        codes.setdefault(position, set()).update(c.code_sets[code])
    out["earlier_exploitation_indicators"] = _tuples(codes, n_targets)

    link_age = (links.as_of - links.seen) / _DAY
    linked = (
        (links.sent <= links.known)
        & (links.seen < links.as_of)
        & (link_age <= 365)
        & (links.episode != links.exclude)
        & (links.companion != links.child)
    )
    companions: dict[int, set[int]] = {}
    for position, other in zip(
        links.target[linked].tolist(), links.companion[linked].tolist(), strict=True
    ):
        companions.setdefault(position, set()).add(other)
    out["companion_child_ids"] = _tuples(companions, n_targets)
    out["companions_365d"] = np.array([len(ids) for ids in out["companion_child_ids"]], np.int64)
    return out


def _tuples(found: dict[int, set[Any]], n_targets: int) -> list[tuple[Any, ...]]:
    empty: tuple[Any, ...] = ()
    return [tuple(sorted(found[k])) if k in found else empty for k in range(n_targets)]


def episode_flags(
    indicator_lists: Sequence[Sequence[str]],
) -> tuple[dict[str, np.ndarray], list[tuple[str, ...]]]:
    """Per episode: carries a CSE / CCE indicator, and which exploitation codes (as an index
    into the returned list of distinct code sets, 0 being none)."""
    code_sets: list[tuple[str, ...]] = [()]
    numbered: dict[tuple[str, ...], int] = {(): 0}
    cse, cce, codes = [], [], []
    for indicators in indicator_lists:
        found = set(indicators)
        cse.append(not CSE_INDICATORS.isdisjoint(found))
        cce.append(not CCE_INDICATORS.isdisjoint(found))
        key = tuple(sorted(EXPLOITATION_INDICATORS.intersection(found)))
        if key not in numbered:
            numbered[key] = len(code_sets)
            code_sets.append(key)
        codes.append(numbered[key])
    flags = {
        "cse": np.array(cse, dtype=bool),
        "cce": np.array(cce, dtype=bool),
        "codes": np.array(codes, dtype=np.int64),
    }
    return flags, code_sets


_CANDIDATE_COLUMNS = (
    "target",
    "as_of",
    "known",
    "exclude",
    "episode",
    "sent",
    "until",
    "seen",
    "returned",
    "absent",
    "high",
    "cse",
    "cce",
    "codes",
)


def _seconds(times: pd.Series, missing: float = np.nan) -> np.ndarray:
    """UTC seconds since the epoch; `missing` (NaN unless told) where there is no time."""
    stamps = pd.to_datetime(times, utc=True)
    values = stamps.to_numpy(dtype="datetime64[ns]").astype("int64").astype("float64") / 1e9
    return np.where(stamps.isna().to_numpy(), missing, values)


# "Everything sent so far": later than any moment, yet before an open interval's end (+inf).
_LATEST = float(np.finfo(np.float64).max)


def _moment(value: datetime | None, missing: float = np.inf) -> float:
    return missing if value is None else value.timestamp()


def compute_features(
    episodes: pd.DataFrame, edges: pd.DataFrame, targets: pd.DataFrame
) -> pd.DataFrame:
    """History features for every row of `targets` (the batch path), indexed like `targets`.

    `episodes` has EPISODE_COLUMNS (one row per version of each episode), `edges` EDGE_COLUMNS
    (one row per direction of a companion link), `targets` TARGET_COLUMNS (a missing `known_at`
    means everything sent so far); times are UTC-aware.
    """
    # Times become seconds and words become flags once per row, before the joins multiply rows.
    t = pd.DataFrame(
        {
            "child_id": targets["child_id"].to_numpy(np.int64),
            "as_of": _seconds(targets["as_of"]),
            "known": _seconds(targets["known_at"], missing=_LATEST),
            "exclude": targets["exclude_episode_id"].fillna(-1).to_numpy(np.int64),
            "target": np.arange(len(targets)),
        }
    )
    flags, code_sets = episode_flags(episodes["indicators"].tolist())
    per_episode = pd.DataFrame(
        {
            "child_id": episodes["child_id"].to_numpy(np.int64),
            "episode": episodes["episode_id"].to_numpy(np.int64),
            "seen": _seconds(episodes["last_seen_at"]),
            "sent": _seconds(episodes["sent_at"]),
            "until": _seconds(episodes["until"], missing=np.inf),
            "returned": _seconds(episodes["returned_at"]),
            "absent": (episodes["police_classification"] == "absent").to_numpy(bool),
            "high": (episodes["police_risk_grade"] == "high").to_numpy(bool),
            **flags,
        }
    )
    pairs = t.merge(per_episode, on="child_id", how="inner")
    candidates = Candidates(
        **{name: pairs[name].to_numpy() for name in _CANDIDATE_COLUMNS}, code_sets=code_sets
    )
    per_link = pd.DataFrame(
        {
            "child_id": edges["child_id"].to_numpy(np.int64),
            "episode": edges["episode_id"].to_numpy(np.int64),
            "seen": _seconds(edges["last_seen_at"]),
            "sent": _seconds(edges["sent_at"]),
            "companion": edges["companion_child_id"].to_numpy(np.int64),
        }
    )
    joined = t.merge(per_link, on="child_id", how="inner")
    links = Links(
        target=joined["target"].to_numpy(),
        as_of=joined["as_of"].to_numpy(),
        known=joined["known"].to_numpy(),
        exclude=joined["exclude"].to_numpy(),
        episode=joined["episode"].to_numpy(),
        seen=joined["seen"].to_numpy(),
        sent=joined["sent"].to_numpy(),
        child=joined["child_id"].to_numpy(),
        companion=joined["companion"].to_numpy(),
    )
    columns = summarise(candidates, links, len(t))
    return pd.DataFrame(columns, index=targets.index)[FEATURE_NAMES]


def exploited_as_known(
    versions: Sequence[tuple[int, datetime, datetime, datetime | None]], known_at: datetime
) -> set[int]:
    """Which children had an episode carrying an exploitation indicator, as known at `known_at`:
    from (child id, last seen, sent, until) rows of versions that carry one."""
    return {
        child
        for child, seen, sent, until in versions
        if sent <= known_at and (until is None or known_at < until) and seen <= known_at
    }


def targets_frame(
    rows: list[tuple[Any, int, datetime, int | None, datetime | None]],
) -> pd.DataFrame:
    """Targets from (label, child_id, as_of, exclude_episode_id, known_at) tuples."""
    frame = pd.DataFrame.from_records(rows, columns=["target", *TARGET_COLUMNS])
    frame["as_of"] = pd.to_datetime(frame["as_of"], utc=True)
    frame["known_at"] = pd.to_datetime(frame["known_at"], utc=True)
    frame["exclude_episode_id"] = frame["exclude_episode_id"].astype("float64")
    return frame.set_index("target")
