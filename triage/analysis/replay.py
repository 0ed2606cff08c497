"""Replaying the stored history through a ruleset and model, without storing anything.

Every notification version in the store is decided again as of when police sent it, from the
history as it was known then (the batch vetting path: each earlier episode read as its newest
version sent by that moment, return home interview disclosures recorded by then), in chunks so
the facts of one chunk are gone before the next is built. The same replay is made for the live
vetter and for a candidate, so the two differ only in their rules and model.
"""

from __future__ import annotations

import itertools
import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.decisions.models import VettedDecision
from triage.decisions.revet import crossing
from triage.history.store import edges_frame, episodes_frame
from triage.interviews.tables import InterviewDisclosure
from triage.notification import Notification
from triage.rules import RuleEngine
from triage.rules.book import Rulebook
from triage.rules.catalogue import HourThreshold
from triage.store.tables import EpisodeRecord, NotificationVersion
from triage.vetting.batch import IdentityIndex, decide_prepared, exploitation_by_child, prepare_from
from triage.vetting.service import Vetter

CHUNK = 2_000
SENT = "sent"  # a decision as of when police sent the version


@dataclass(frozen=True)
class StoredVersion:
    """One version police sent, as the store holds it."""

    version_id: int
    episode_id: int
    child_id: int
    version: int
    notification: Notification


@dataclass(frozen=True)
class Replayed:
    """One stored version decided by the live vetter and by the candidate, at one moment."""

    stored: StoredVersion
    live: VettedDecision
    candidate: VettedDecision
    why: str = SENT  # SENT, or the hours threshold an open version passed


@dataclass(frozen=True)
class Moment:
    """A moment a stored version is decided at: when it was sent, or when, still open, it
    passed an hours threshold of either side's rules before police sent anything newer."""

    stored: StoredVersion
    at: datetime
    why: str = SENT


def moments(
    session: Session,
    versions: Sequence[StoredVersion],
    thresholds: Iterable[HourThreshold],
    *,
    end: datetime,
) -> list[Moment]:
    """Each version as of its sending, and each re-vet as time passed (by `end`), in time order:
    the decisions the service makes."""
    sent = {v.version_id: v.notification.sent_at for v in versions}
    following = _next_sent(session)
    found = [Moment(v, sent[v.version_id]) for v in versions]
    for v in versions:
        if v.notification.episode.returned_at is not None:
            continue
        until = following.get(v.version_id)
        for threshold in sorted(set(thresholds), key=lambda t: (t.hours, t.strict)):
            at = crossing(v.notification.episode.last_seen_at, threshold)
            if sent[v.version_id] < at <= end and (until is None or at < until):
                found.append(Moment(v, at, threshold.label))
    return sorted(found, key=lambda m: (m.at, m.stored.episode_id, m.stored.version))


def _next_sent(session: Session) -> dict[int, datetime]:
    """When the next version of each version's episode was sent (none for the newest)."""
    rows = session.execute(
        select(
            NotificationVersion.id, NotificationVersion.episode_id, NotificationVersion.sent_at
        ).order_by(
            NotificationVersion.episode_id, NotificationVersion.sent_at, NotificationVersion.version
        )
    ).all()
    return {row[0]: nxt[2] for row, nxt in itertools.pairwise(rows) if nxt[1] == row[1]}


def candidate_vetter(
    engine: RuleEngine, rules_dir: Path, *, home_authority: str, model_dir: Path | None = None
) -> Vetter:
    """A vetter over a candidate rules folder (proved on its golden examples, like the live
    one) on the shared engine, and a candidate model if given."""
    from triage.scoring.model import ScoredModel  # the score builds on vetting's types

    model = ScoredModel.load(model_dir) if model_dir else None
    return Vetter(Rulebook(engine, rules_dir), home_authority=home_authority, model=model)


def edited_rules(source: Path, out: Path, **parameters: Any) -> Path:
    """A copy of the rules folder `source` at `out` with `parameters` changed in its
    parameters.yaml: a candidate to back-test. Only parameters the rules already name."""
    path = source / "parameters.yaml"
    current = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = sorted(set(parameters) - set(current))
    if unknown:
        raise ValueError(f"{path}: no parameter {unknown[0]!r} (known: {', '.join(current)})")
    shutil.copytree(source, out)
    (out / "parameters.yaml").write_text(
        yaml.safe_dump({**current, **parameters}, sort_keys=False), encoding="utf-8"
    )
    return out


def stored_versions(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> list[StoredVersion]:
    """The versions police sent from `since` up to (not including) `until`, oldest first."""
    query = select(
        NotificationVersion.id,
        NotificationVersion.episode_id,
        EpisodeRecord.child_id,
        NotificationVersion.version,
        NotificationVersion.payload,
    ).join(EpisodeRecord, EpisodeRecord.id == NotificationVersion.episode_id)
    if since is not None:
        query = query.where(NotificationVersion.sent_at >= since)
    if until is not None:
        query = query.where(NotificationVersion.sent_at < until)
    query = query.order_by(
        NotificationVersion.sent_at, NotificationVersion.episode_id, NotificationVersion.version
    )
    return [
        StoredVersion(v, e, c, number, Notification.model_validate(payload))
        for v, e, c, number, payload in session.execute(query)
    ]


class _Disclosures:
    """What each child disclosed in return home interviews, and when it was recorded."""

    def __init__(self, session: Session) -> None:
        self._by_child: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
        rows = session.execute(
            select(
                InterviewDisclosure.child_id,
                InterviewDisclosure.recorded_at,
                InterviewDisclosure.indicator,
            )
        )
        for child, recorded, indicator in rows:
            self._by_child[child].append((recorded, indicator))

    def of(self, child: int, moment: datetime) -> tuple[str, ...]:
        return tuple(sorted({code for at, code in self._by_child.get(child, ()) if at <= moment}))


def replay(
    session: Session, planned: Sequence[Moment], live: Vetter, candidate: Vetter
) -> Iterator[Replayed]:
    """Each planned moment decided by both vetters, with the history as known then, chunk by
    chunk."""
    episodes = episodes_frame(session)
    edges = edges_frame(session)
    exploited = exploitation_by_child(episodes)
    index = IdentityIndex.load(session)
    disclosures = _Disclosures(session)
    for start in range(0, len(planned), CHUNK):
        chunk = planned[start : start + CHUNK]
        decided = [
            _decide(chunk, vetter, episodes, edges, exploited, index, disclosures)
            for vetter in (live, candidate)
        ]
        for moment, now, then in zip(chunk, *decided, strict=True):
            yield Replayed(moment.stored, now, then, moment.why)


def _decide(
    chunk: Sequence[Moment],
    vetter: Vetter,
    episodes: pd.DataFrame,
    edges: pd.DataFrame,
    exploited: dict[int, list[tuple[int, datetime, datetime, datetime | None]]],
    index: IdentityIndex,
    disclosures: _Disclosures,
) -> list[VettedDecision]:
    prepared = prepare_from(
        [m.stored.notification for m in chunk],
        [(m.stored.child_id, m.stored.episode_id) for m in chunk],
        vetter,
        moments=[m.at for m in chunk],
        episodes=episodes,
        edges=edges,
        companions_of=index.companions_of,
        exploited_among=lambda _linked: exploited,
        disclosed_of=disclosures.of,
    )
    return decide_prepared(prepared, vetter)
