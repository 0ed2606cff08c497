"""Reading history frames from the store: one child's (service) or everyone's (batch)."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Select, String, Text, and_, func, select, type_coerce
from sqlalchemy.orm import Session

from triage.history.features import (
    EDGE_COLUMNS,
    EPISODE_COLUMNS,
    HistoryFeatures,
    compute_features,
)
from triage.history.rows import features_for_child
from triage.interviews.tables import InterviewDisclosure
from triage.notification.vocabulary import EXPLOITATION_INDICATORS
from triage.store.tables import (
    ChildIdentifier,
    EpisodeCompanion,
    EpisodeRecord,
    NotificationVersion,
    UTCDateTime,
)


def _version_query(child_ids: Collection[int] | None) -> Select[Any]:
    """Every version of every episode (of these children), with the fields history reads."""
    query = select(
        NotificationVersion.episode_id,
        EpisodeRecord.child_id,
        NotificationVersion.last_seen_at,
        NotificationVersion.returned_at,
        NotificationVersion.police_classification,
        NotificationVersion.police_risk_grade,
        NotificationVersion.indicators,
        NotificationVersion.sent_at,
        NotificationVersion.version,
    ).join(EpisodeRecord, EpisodeRecord.id == NotificationVersion.episode_id)
    if child_ids is not None:
        query = query.where(EpisodeRecord.child_id.in_(list(child_ids)))
    return query


def _with_until(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Version rows (as `_version_query` gives them) as EPISODE_COLUMNS tuples: each with the
    moment the next version of its episode was sent (None for the newest)."""
    ordered = sorted(rows, key=lambda r: (r[0], r[7], r[8]))
    out = []
    for k, row in enumerate(ordered):
        following = ordered[k + 1] if k + 1 < len(ordered) else None
        until = following[7] if following is not None and following[0] == row[0] else None
        out.append((*row[:8], until))
    return out


def _first_sent() -> Any:
    """When police first notified an episode (a correlated subquery, one index look-up)."""
    return (
        select(func.min(NotificationVersion.sent_at))
        .where(NotificationVersion.episode_id == EpisodeRecord.id)
        .scalar_subquery()
    )


def _edge_rows(session: Session, child_ids: Collection[int] | None) -> list[tuple[Any, ...]]:
    """Companion links in both directions, resolved to child records through identifiers."""
    query = (
        select(
            EpisodeRecord.id,
            EpisodeRecord.child_id,
            ChildIdentifier.child_id,
            EpisodeRecord.last_seen_at,
            type_coerce(_first_sent(), UTCDateTime),
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
    backward = [
        (episode, companion, child, seen, sent) for episode, child, companion, seen, sent in forward
    ]
    return list(dict.fromkeys(forward + backward))


def episodes_frame(session: Session, child_ids: Collection[int] | None = None) -> pd.DataFrame:
    """Every version of every episode, with its history columns and when the next version was
    sent (`until`). For a whole store this is hundreds of thousands of rows: times come back as
    the database gives them and are parsed by pandas in one go, and the few distinct indicator
    lists are decoded once each."""
    query = select(
        NotificationVersion.episode_id,
        EpisodeRecord.child_id,
        type_coerce(NotificationVersion.last_seen_at, String),
        type_coerce(NotificationVersion.returned_at, String),
        NotificationVersion.police_classification,
        NotificationVersion.police_risk_grade,
        type_coerce(NotificationVersion.indicators, Text),
        type_coerce(NotificationVersion.sent_at, String),
        NotificationVersion.version,
    ).join(EpisodeRecord, EpisodeRecord.id == NotificationVersion.episode_id)
    if child_ids is not None:
        query = query.where(EpisodeRecord.child_id.in_(list(child_ids)))
    columns = [*EPISODE_COLUMNS[:-1], "version"]
    frame = pd.DataFrame.from_records(session.execute(query).all(), columns=columns)
    decoded: dict[str, list[str]] = {}

    def indicators(value: Any) -> Any:
        if not isinstance(value, str):  # a driver that decodes JSON itself (PostgreSQL)
            return value
        if value not in decoded:
            decoded[value] = json.loads(value)
        return decoded[value]

    frame["indicators"] = [indicators(value) for value in frame["indicators"]]
    frame = _with_utc_times(frame, "last_seen_at", "returned_at", "sent_at")
    frame = frame.sort_values(["episode_id", "sent_at", "version"], kind="stable")
    following = frame.groupby("episode_id", sort=False)["sent_at"].shift(-1)
    frame["until"] = following
    return frame[EPISODE_COLUMNS].reset_index(drop=True)


def edges_frame(session: Session, child_ids: Collection[int] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(_edge_rows(session, child_ids), columns=EDGE_COLUMNS)
    return _with_utc_times(frame, "last_seen_at", "sent_at")


def _with_utc_times(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def features_as_of(
    session: Session,
    child_id: int,
    as_of: datetime,
    *,
    exclude_episode_id: int | None = None,
    known_at: datetime | None = None,
) -> HistoryFeatures:
    """One child's history features at a moment, as known at `known_at` (None: everything
    sent so far). The service path."""
    episodes = _with_until([tuple(row) for row in session.execute(_version_query([child_id]))])
    edges = [row for row in _edge_rows(session, [child_id]) if row[1] == child_id]
    return features_for_child(episodes, edges, as_of, exclude_episode_id, known_at)


def features_for_episode(
    session: Session, episode_id: int, *, known_at: datetime | None = None
) -> HistoryFeatures:
    """The history behind an episode's newest version, as known at `known_at` (default: when
    police sent that version)."""
    episode = session.get_one(EpisodeRecord, episode_id)
    return features_as_of(
        session,
        episode.child_id,
        episode.last_seen_at,
        exclude_episode_id=episode.id,
        known_at=known_at or episode.sent_at,
    )


def exploitation_versions(
    session: Session, child_ids: Collection[int]
) -> list[tuple[int, datetime, datetime, datetime | None]]:
    """(child id, last seen, sent, until) of these children's versions that carry an
    exploitation indicator, for `exploited_as_known`."""
    if not child_ids:
        return []
    rows = _with_until([tuple(row) for row in session.execute(_version_query(child_ids))])
    return [
        (row[1], row[2], row[7], row[8])
        for row in rows
        if EXPLOITATION_INDICATORS.intersection(row[6])
    ]


def history_features(session: Session) -> pd.DataFrame:
    """Every stored episode's history features at once (the batch path), indexed by episode id:
    each as known when police sent the episode's newest version."""
    episodes = episodes_frame(session)
    newest = episodes[episodes["until"].isna()]
    targets = newest[["episode_id", "child_id", "last_seen_at", "sent_at"]].rename(
        columns={"last_seen_at": "as_of", "sent_at": "known_at"}
    )
    targets["exclude_episode_id"] = targets["episode_id"].astype("float64")
    targets = targets.set_index("episode_id")
    return compute_features(episodes, edges_frame(session), targets)


def disclosed_as_known(session: Session, child_id: int, known_at: datetime) -> tuple[str, ...]:
    """The indicators the child disclosed in return home interviews recorded by `known_at`: a
    source of its own beside what police ticked (`triage.interviews`)."""
    return tuple(
        session.scalars(
            select(InterviewDisclosure.indicator)
            .where(
                InterviewDisclosure.child_id == child_id,
                InterviewDisclosure.recorded_at <= known_at,
            )
            .distinct()
            .order_by(InterviewDisclosure.indicator)
        )
    )


def history_rows(
    session: Session, child_ids: Collection[int]
) -> tuple[dict[int, list[tuple[Any, ...]]], dict[int, list[tuple[Any, ...]]]]:
    """These children's history as rows by child, in three queries however many there are:
    EPISODE_COLUMNS tuples for `features_for_targets`, and the EDGE_COLUMNS tuples each owns."""
    episodes: dict[int, list[tuple[Any, ...]]] = {child: [] for child in child_ids}
    edges: dict[int, list[tuple[Any, ...]]] = {child: [] for child in child_ids}
    if not child_ids:
        return episodes, edges
    for row in _with_until([tuple(row) for row in session.execute(_version_query(child_ids))]):
        episodes[row[1]].append(row)
    for row in _edge_rows(session, child_ids):
        if row[1] in edges:
            edges[row[1]].append(row)
    return episodes, edges


def disclosures_of(
    session: Session, child_ids: Collection[int]
) -> dict[int, list[tuple[str, datetime]]]:
    """Each child's disclosed indicators with when each was recorded, for `disclosed_by`."""
    found: dict[int, list[tuple[str, datetime]]] = {child: [] for child in child_ids}
    if child_ids:
        for child, indicator, recorded in session.execute(
            select(
                InterviewDisclosure.child_id,
                InterviewDisclosure.indicator,
                InterviewDisclosure.recorded_at,
            ).where(InterviewDisclosure.child_id.in_(list(child_ids)))
        ):
            found[child].append((indicator, recorded))
    return found


def disclosed_by(held: list[tuple[str, datetime]], known_at: datetime) -> tuple[str, ...]:
    """What `disclosed_as_known` answers, from a child's rows of `disclosures_of`."""
    return tuple(sorted({indicator for indicator, recorded in held if recorded <= known_at}))
