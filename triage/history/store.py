"""Reading history frames from the store: one child's (service) or everyone's (batch)."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Select, String, Text, and_, select, type_coerce
from sqlalchemy.orm import Session

from triage.history.features import (
    EDGE_COLUMNS,
    EPISODE_COLUMNS,
    HistoryFeatures,
    compute_features,
    features_for_child,
)
from triage.store.tables import ChildIdentifier, EpisodeCompanion, EpisodeRecord


def _episode_query(child_ids: Collection[int] | None) -> Select[Any]:
    query = select(
        EpisodeRecord.id,
        EpisodeRecord.child_id,
        EpisodeRecord.last_seen_at,
        EpisodeRecord.returned_at,
        EpisodeRecord.police_classification,
        EpisodeRecord.police_risk_grade,
        EpisodeRecord.indicators,
    )
    if child_ids is not None:
        query = query.where(EpisodeRecord.child_id.in_(list(child_ids)))
    return query


def _edge_rows(session: Session, child_ids: Collection[int] | None) -> list[tuple[Any, ...]]:
    """Companion links in both directions, resolved to child records through identifiers."""
    query = (
        select(
            EpisodeRecord.id,
            EpisodeRecord.child_id,
            ChildIdentifier.child_id,
            EpisodeRecord.last_seen_at,
        )
        .join_from(EpisodeCompanion, EpisodeRecord, EpisodeCompanion.episode_id == EpisodeRecord.id)
        .join(
            ChildIdentifier,
            and_(
                ChildIdentifier.kind == EpisodeCompanion.kind,
                ChildIdentifier.value == EpisodeCompanion.value,
            ),
        )
    )
    if child_ids is None:
        queries = [query]
    else:
        # Two queries, not one with OR: each can then use its own index.
        wanted = list(child_ids)
        queries = [
            query.where(EpisodeRecord.child_id.in_(wanted)),
            query.where(ChildIdentifier.child_id.in_(wanted)),
        ]
    forward: list[tuple[Any, ...]] = [tuple(row) for q in queries for row in session.execute(q)]
    backward = [(episode, companion, child, seen) for episode, child, companion, seen in forward]
    return list(dict.fromkeys(forward + backward))


def episodes_frame(session: Session, child_ids: Collection[int] | None = None) -> pd.DataFrame:
    """Every episode's history columns. For a whole store this is hundreds of thousands of rows:
    times come back as the database gives them and are parsed by pandas in one go, and the few
    distinct indicator lists are decoded once each."""
    query = select(
        EpisodeRecord.id,
        EpisodeRecord.child_id,
        type_coerce(EpisodeRecord.last_seen_at, String),
        type_coerce(EpisodeRecord.returned_at, String),
        EpisodeRecord.police_classification,
        EpisodeRecord.police_risk_grade,
        type_coerce(EpisodeRecord.indicators, Text),
    )
    if child_ids is not None:
        query = query.where(EpisodeRecord.child_id.in_(list(child_ids)))
    frame = pd.DataFrame.from_records(session.execute(query).all(), columns=EPISODE_COLUMNS)
    decoded: dict[str, list[str]] = {}

    def indicators(value: Any) -> Any:
        if not isinstance(value, str):  # a driver that decodes JSON itself (PostgreSQL)
            return value
        if value not in decoded:
            decoded[value] = json.loads(value)
        return decoded[value]

    frame["indicators"] = [indicators(value) for value in frame["indicators"]]
    return _with_utc_times(frame, "last_seen_at", "returned_at")


def edges_frame(session: Session, child_ids: Collection[int] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(_edge_rows(session, child_ids), columns=EDGE_COLUMNS)
    return _with_utc_times(frame, "last_seen_at")


def _with_utc_times(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def features_as_of(
    session: Session, child_id: int, as_of: datetime, *, exclude_episode_id: int | None = None
) -> HistoryFeatures:
    """One child's history features at a moment (the service path)."""
    episodes = [tuple(row) for row in session.execute(_episode_query([child_id]))]
    edges = [row for row in _edge_rows(session, [child_id]) if row[1] == child_id]
    return features_for_child(episodes, edges, as_of, exclude_episode_id)


def features_for_episode(session: Session, episode_id: int) -> HistoryFeatures:
    episode = session.get_one(EpisodeRecord, episode_id)
    return features_as_of(
        session, episode.child_id, episode.last_seen_at, exclude_episode_id=episode.id
    )


def history_features(session: Session) -> pd.DataFrame:
    """Every stored episode's history features at once (the batch path), indexed by episode id."""
    episodes = episodes_frame(session)
    targets = episodes[["episode_id", "child_id", "last_seen_at"]].rename(
        columns={"last_seen_at": "as_of"}
    )
    targets["exclude_episode_id"] = targets["episode_id"].astype("float64")
    targets = targets.set_index("episode_id")
    return compute_features(episodes, edges_frame(session), targets)
