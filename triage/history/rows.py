"""History features from rows in hand: one child's (the service path) or a few targets' at
once (a group of notifications taken in together). The definitions are `summarise`'s
(`triage.history.features`); this turns the store's rows into its arrays without pandas, so a
single notification costs microseconds, not a DataFrame's overhead."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from triage.history.features import (
    _LATEST,
    Candidates,
    HistoryFeatures,
    Links,
    _moment,
    episode_flags,
    summarise,
)


def features_for_child(
    episodes: Sequence[tuple[Any, ...]],
    edges: Sequence[tuple[Any, ...]],
    as_of: datetime,
    exclude_episode_id: int | None,
    known_at: datetime | None = None,
) -> HistoryFeatures:
    """One target's features from its child's rows (the service path): EPISODE_COLUMNS tuples
    for `episodes` (a row per version), EDGE_COLUMNS tuples for `edges` (both directions, owned
    by this child). `known_at` None means everything sent so far."""
    target = (0, as_of, exclude_episode_id, known_at)
    return features_for_targets({0: episodes}, {0: edges}, [target])[0]


def features_for_targets(
    episodes: Mapping[int, Sequence[tuple[Any, ...]]],
    edges: Mapping[int, Sequence[tuple[Any, ...]]],
    targets: Sequence[tuple[int, datetime, int | None, datetime | None]],
) -> list[HistoryFeatures]:
    """The features of a few targets (child id, as of, episode left out, known at) from their
    children's rows by child (EPISODE_COLUMNS tuples; EDGE_COLUMNS tuples the child owns): each
    row becomes numbers once however many targets share its child, and one `summarise` answers
    them all (a group of notifications on intake)."""
    children = sorted({target[0] for target in targets})
    rows = [row for child in children for row in episodes.get(child, ())]
    links = [row for child in children for row in edges.get(child, ())]
    flags, code_sets = episode_flags([row[6] for row in rows])
    per_row = {
        "episode": np.array([row[0] for row in rows], np.int64),
        "seen": np.array([row[2].timestamp() for row in rows], np.float64),
        "sent": np.array([row[7].timestamp() for row in rows], np.float64),
        "until": np.array([_moment(row[8]) for row in rows], np.float64),
        "returned": np.array([np.nan if r[3] is None else r[3].timestamp() for r in rows]),
        "absent": np.array([row[4] == "absent" for row in rows], bool),
        "high": np.array([row[5] == "high" for row in rows], bool),
        **flags,
    }
    per_link = {
        "episode": np.array([row[0] for row in links], np.int64),
        "seen": np.array([row[3].timestamp() for row in links], np.float64),
        "sent": np.array([row[4].timestamp() for row in links], np.float64),
        "child": np.array([row[1] for row in links], np.int64),
        "companion": np.array([row[2] for row in links], np.int64),
    }
    moments = np.array([t[1].timestamp() for t in targets], np.float64)
    knowns = np.array([_moment(t[3], missing=_LATEST) for t in targets], np.float64)
    excludes = np.array([-1 if t[2] is None else t[2] for t in targets], np.int64)

    def pairs(held: Mapping[int, Sequence[Any]]) -> tuple[np.ndarray, np.ndarray]:
        """Every (target, row of its child): the target's position and the row's."""
        starts, at = {}, 0
        for child in children:
            starts[child], at = at, at + len(held.get(child, ()))
        spans = [(k, starts[t[0]], len(held.get(t[0], ()))) for k, t in enumerate(targets)]
        return (
            np.repeat(np.array([k for k, _s, _n in spans], np.int64), [n for *_r, n in spans]),
            np.array([s + j for _k, s, n in spans for j in range(n)], np.int64),
        )

    target, row = pairs(episodes)
    candidates = Candidates(
        target=target,
        as_of=moments[target],
        known=knowns[target],
        exclude=excludes[target],
        code_sets=code_sets,
        **{name: values[row] for name, values in per_row.items()},
    )
    link_target, link = pairs(edges)
    joined = Links(
        target=link_target,
        as_of=moments[link_target],
        known=knowns[link_target],
        exclude=excludes[link_target],
        **{name: values[link] for name, values in per_link.items()},
    )
    columns = summarise(candidates, joined, len(targets))
    return [HistoryFeatures.from_columns(columns, k) for k in range(len(targets))]
