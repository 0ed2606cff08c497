"""A back-test cut into chunks of whole children, and one chunk replayed and counted.

A chunk is a range of child ids holding about `CHUNK_VERSIONS` of the versions to replay. All of
a child's history stays in its chunk (and companions' identities and exploitation flags are read
as the chunk needs them), so a chunk can be decided anywhere: in this process, in a worker
process or on a Dask worker, each with its own rules engine. What a chunk gives back is a
`Tally`: counts that add up the same whatever the order, and the chunk's per-child diff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.analysis.replay import Children, moments, replay, stored_versions
from triage.analysis.tally import Labels, Tally, tally
from triage.rules.catalogue import HourThreshold
from triage.store.tables import EpisodeRecord, NotificationVersion
from triage.vetting.service import Vetter

CHUNK_VERSIONS = 4_000


@dataclass(frozen=True)
class Scope:
    """What every chunk of one back-test replays: the versions sent from `since` up to (not
    including) `until`, and their re-vets as each side's hours thresholds passed, by `end`."""

    since: datetime | None
    until: datetime | None
    end: datetime
    thresholds: tuple[HourThreshold, ...]
    keep_rows: bool = False  # keep every decision's row (a small history's, for a notebook)


def scope_of(
    session: Session,
    live: Vetter,
    candidate: Vetter,
    *,
    since: datetime | None,
    until: datetime | None,
    keep_rows: bool = False,
) -> tuple[Scope, datetime]:
    """The scope, and when the newest stored version was sent (the moment outcomes are read)."""
    newest = session.scalar(select(func.max(NotificationVersion.sent_at)))
    newest = newest or datetime.now(UTC)
    thresholds = (
        *live.rulebook.current.hour_thresholds,
        *candidate.rulebook.current.hour_thresholds,
    )
    end = min(newest, until) if until else newest
    return Scope(since, until, end, thresholds, keep_rows), newest


def chunks(session: Session, scope: Scope, size: int = CHUNK_VERSIONS) -> list[Children]:
    """Ranges of child ids, in order, each holding about `size` versions in the period (a
    child's versions are never split)."""
    query = (
        select(EpisodeRecord.child_id, func.count(NotificationVersion.id))
        .join(EpisodeRecord, EpisodeRecord.id == NotificationVersion.episode_id)
        .group_by(EpisodeRecord.child_id)
        .order_by(EpisodeRecord.child_id)
    )
    if scope.since is not None:
        query = query.where(NotificationVersion.sent_at >= scope.since)
    if scope.until is not None:
        query = query.where(NotificationVersion.sent_at < scope.until)
    found: list[Children] = []
    first, held = None, 0
    for child, count in session.execute(query):
        first = child if first is None else first
        held += count
        if held >= size:
            found.append((first, child))
            first, held = None, 0
    if first is not None:
        found.append((first, child))
    return found


def tally_chunk(
    session: Session,
    children: Children,
    live: Vetter,
    candidate: Vetter,
    scope: Scope,
    labels: Labels | None = None,
) -> Tally:
    """The chunk's versions replayed through both sides, counted."""
    versions = stored_versions(session, since=scope.since, until=scope.until, children=children)
    planned = moments(session, versions, scope.thresholds, end=scope.end, children=children)
    return tally(
        replay(session, planned, live, candidate), labels=labels, keep_rows=scope.keep_rows
    )
