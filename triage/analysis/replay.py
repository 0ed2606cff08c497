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
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from triage.decisions.models import VettedDecision
from triage.decisions.revet import crossing
from triage.history.store import edges_frame, episodes_frame, exploitation_versions
from triage.identity.matching import LOCAL_CHILD_ID, POLICE_PERSON_ID
from triage.interviews.tables import InterviewDisclosure
from triage.notification import Notification
from triage.rules import RuleEngine
from triage.rules.book import Rulebook
from triage.rules.catalogue import HourThreshold
from triage.store.tables import ChildIdentifier, EpisodeRecord, NotificationVersion
from triage.vetting.batch import Exploited, Prepared, decide_prepared, prepare_from
from triage.vetting.service import Vetter

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
    children: Children | None = None,
) -> list[Moment]:
    """Each version as of its sending, and each re-vet as time passed (by `end`): the decisions
    the service makes, child by child (`children`: the range of child ids `versions` are of,
    all if None), each child's in time order."""
    sent = {v.version_id: v.notification.sent_at for v in versions}
    following = _next_sent(session, children)
    found = [Moment(v, sent[v.version_id]) for v in versions]
    ordered = sorted(set(thresholds), key=lambda t: (t.hours, t.strict))
    for v in versions:
        if v.notification.episode.returned_at is not None:
            continue
        until = following.get(v.version_id)
        for threshold in ordered:
            at = crossing(v.notification.episode.last_seen_at, threshold)
            if sent[v.version_id] < at <= end and (until is None or at < until):
                found.append(Moment(v, at, threshold.label))
    return sorted(
        found, key=lambda m: (m.stored.child_id, m.at, m.stored.episode_id, m.stored.version)
    )


Children = tuple[int, int]  # the first and last child id of a chunk of children


def _next_sent(session: Session, children: Children | None = None) -> dict[int, datetime]:
    """When the next version of each version's episode was sent (none for the newest)."""
    query = select(
        NotificationVersion.id, NotificationVersion.episode_id, NotificationVersion.sent_at
    ).order_by(
        NotificationVersion.episode_id, NotificationVersion.sent_at, NotificationVersion.version
    )
    if children is not None:
        query = query.join(EpisodeRecord, EpisodeRecord.id == NotificationVersion.episode_id)
        query = query.where(EpisodeRecord.child_id.between(*children))
    rows = session.execute(query).all()
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
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    children: Children | None = None,
) -> list[StoredVersion]:
    """The versions police sent from `since` up to (not including) `until` (of the children
    whose ids are in the range `children`, if given), oldest first."""
    query = select(
        NotificationVersion.id,
        NotificationVersion.episode_id,
        EpisodeRecord.child_id,
        NotificationVersion.version,
        cast(NotificationVersion.payload, Text),
    ).join(EpisodeRecord, EpisodeRecord.id == NotificationVersion.episode_id)
    if since is not None:
        query = query.where(NotificationVersion.sent_at >= since)
    if until is not None:
        query = query.where(NotificationVersion.sent_at < until)
    if children is not None:
        query = query.where(EpisodeRecord.child_id.between(*children))
    query = query.order_by(
        NotificationVersion.sent_at, NotificationVersion.episode_id, NotificationVersion.version
    )
    return [
        StoredVersion(v, e, c, number, Notification.model_validate_json(payload))
        for v, e, c, number, payload in session.execute(query)
    ]


class _Disclosures:
    """What each child disclosed in return home interviews, and when it was recorded."""

    def __init__(self, session: Session, child_ids: Collection[int]) -> None:
        self._by_child: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
        rows = session.execute(
            select(
                InterviewDisclosure.child_id,
                InterviewDisclosure.recorded_at,
                InterviewDisclosure.indicator,
            ).where(InterviewDisclosure.child_id.in_(list(child_ids)))
        )
        for child, recorded, indicator in rows:
            self._by_child[child].append((recorded, indicator))

    def of(self, child: int, moment: datetime) -> tuple[str, ...]:
        return tuple(sorted({code for at, code in self._by_child.get(child, ()) if at <= moment}))


class _Known:
    """What the store holds about some children, to decide their versions as known then: their
    episodes' versions and companion links, their disclosures, who the companions their
    versions name are, and (asked for as needed) the exploitation flags of the children they
    are linked to, inside the chunk or not."""

    def __init__(self, session: Session, child_ids: Collection[int], named: Iterable[Notification]):
        self._session = session
        self.episodes = episodes_frame(session, child_ids)
        self.edges = edges_frame(session, child_ids)
        self.disclosures = _Disclosures(session, child_ids)
        pairs = {
            pair
            for n in named
            for companion in n.episode.companions
            for pair in (
                (LOCAL_CHILD_ID, companion.local_child_id),
                (POLICE_PERSON_ID, companion.police_person_id),
            )
            if pair[1]
        }
        self._owners: dict[tuple[str, str], int] = {}
        values = sorted({value for _kind, value in pairs if value})
        for start in range(0, len(values), _IN_LIST):
            for kind, value, child in session.execute(
                select(ChildIdentifier.kind, ChildIdentifier.value, ChildIdentifier.child_id).where(
                    ChildIdentifier.value.in_(values[start : start + _IN_LIST])
                )
            ):
                if (kind, value) in pairs:
                    self._owners[(kind, value)] = child
        self._exploited: dict[frozenset[int], Exploited] = {}

    def companions_of(self, n: Notification) -> set[int]:
        """The children the store knows by the identifiers of `n`'s companions."""
        found = set()
        for companion in n.episode.companions:
            for pair in (
                (LOCAL_CHILD_ID, companion.local_child_id),
                (POLICE_PERSON_ID, companion.police_person_id),
            ):
                if pair[1] and (pair[0], pair[1]) in self._owners:
                    found.add(self._owners[(pair[0], pair[1])])
        return found

    def exploited_among(self, linked: set[int]) -> Exploited:
        """The exploitation-flagged versions of the `linked` children, by child (each side asks
        for the same children: read once)."""
        key = frozenset(linked)
        if key not in self._exploited:
            found: Exploited = {}
            ids = sorted(key)
            for start in range(0, len(ids), _IN_LIST):
                for row in exploitation_versions(self._session, ids[start : start + _IN_LIST]):
                    found.setdefault(row[0], []).append(row)
            self._exploited = {key: found}
        return self._exploited[key]


_IN_LIST = 5_000  # ids in one IN (...): well inside SQLite's and PostgreSQL's limits


def replay(
    session: Session, planned: Sequence[Moment], live: Vetter, candidate: Vetter
) -> list[Replayed]:
    """Each planned moment (of a chunk of children) decided by both vetters, with the history
    as known then."""
    sides = (live, candidate)
    decided = [
        decide_prepared(prepared, vetter)
        for prepared, vetter in zip(
            prepare_both(session, planned, live, candidate), sides, strict=True
        )
    ]
    return [
        Replayed(moment.stored, now, then, moment.why)
        for moment, now, then in zip(planned, *decided, strict=True)
    ]


def prepare_both(
    session: Session, planned: Sequence[Moment], live: Vetter, candidate: Vetter
) -> tuple[Prepared, Prepared]:
    """The facts each side's engine is given for the planned moments (of a chunk of
    children), and what turns its answers into decisions."""
    if not planned:
        empty = Prepared((), [], [])
        return empty, empty
    known = _Known(
        session,
        sorted({m.stored.child_id for m in planned}),
        {m.stored.version_id: m.stored.notification for m in planned}.values(),
    )
    live_side, candidate_side = (_prepare(planned, vetter, known) for vetter in (live, candidate))
    return live_side, candidate_side


def _prepare(chunk: Sequence[Moment], vetter: Vetter, known: _Known) -> Prepared:
    return prepare_from(
        [m.stored.notification for m in chunk],
        [(m.stored.child_id, m.stored.episode_id) for m in chunk],
        vetter,
        moments=[m.at for m in chunk],
        episodes=known.episodes,
        edges=known.edges,
        companions_of=known.companions_of,
        exploited_among=known.exploited_among,
        disclosed_of=known.disclosures.of,
    )
