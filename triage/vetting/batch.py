"""Vetting many notifications at once against the stored history (the batch path).

The same steps as the service path, done in bulk: identities are looked up in an in-memory index
of the store, history features come from one vectorised `compute_features` call, and the facts
go to the engine in one hop to its thread. A test holds the two paths to the same decisions.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.decisions.models import Suggestion, VettedDecision
from triage.history.features import (
    SCALAR_FEATURES,
    compute_features,
    exploited_as_known,
    targets_frame,
)
from triage.history.store import edges_frame, episodes_frame
from triage.identity.matching import LOCAL_CHILD_ID, POLICE_PERSON_ID, identifiers_of
from triage.identity.names import name_key
from triage.intelligence.facts import HotspotIndex
from triage.notification import Notification
from triage.notification.vocabulary import EXPLOITATION_INDICATORS
from triage.store.tables import ChildIdentifier, ChildRecord, EpisodeRecord
from triage.vetting.assemble import assemble
from triage.vetting.facts import build_fact, suggestions
from triage.vetting.service import Vetter

NO_CHILD = -1
_DAYS_SINCE = "days_since_last_episode"  # the one history feature that can be unknown
CHUNK = 2_000


@dataclass(frozen=True)
class IdentityIndex:
    """Read-only lookups of who a notification is about, as the store knows it now."""

    by_identifier: dict[tuple[str, str], int]
    by_name_and_birth: dict[tuple[str, date], int]
    by_reference: dict[str, tuple[int, int]]

    @classmethod
    def load(cls, session: Session) -> IdentityIndex:
        identifiers = {
            (kind, value): child
            for kind, value, child in session.execute(
                select(ChildIdentifier.kind, ChildIdentifier.value, ChildIdentifier.child_id)
            )
        }
        names: dict[tuple[str, date], int] = {}
        for child, key, born in session.execute(
            select(ChildRecord.id, ChildRecord.name_key, ChildRecord.date_of_birth)
            .where(ChildRecord.merged_into_id.is_(None))
            .order_by(ChildRecord.id)
        ):
            names.setdefault((key, born), child)
        references = {
            reference: (episode, child)
            for reference, episode, child in session.execute(
                select(EpisodeRecord.police_reference, EpisodeRecord.id, EpisodeRecord.child_id)
            )
        }
        return cls(identifiers, names, references)

    def child_of(self, n: Notification) -> tuple[int | None, int | None]:
        """(child id, episode id): the stored episode's child, else the matching ladder."""
        if n.police_reference in self.by_reference:
            episode, child = self.by_reference[n.police_reference]
            return child, episode
        for kind in (LOCAL_CHILD_ID, POLICE_PERSON_ID):
            for pair in identifiers_of(n.child):
                if pair[0] == kind and pair in self.by_identifier:
                    return self.by_identifier[pair], None
        key = (name_key(n.child.given_name, n.child.family_name), n.child.date_of_birth)
        return self.by_name_and_birth.get(key), None

    def companions_of(self, n: Notification) -> set[int]:
        found = set()
        for companion in n.episode.companions:
            for pair in (
                (LOCAL_CHILD_ID, companion.local_child_id),
                (POLICE_PERSON_ID, companion.police_person_id),
            ):
                if pair[1] and (pair[0], pair[1]) in self.by_identifier:
                    found.add(self.by_identifier[(pair[0], pair[1])])
        return found


def exploitation_by_child(
    episodes: pd.DataFrame,
) -> dict[int, list[tuple[int, datetime, datetime, datetime | None]]]:
    """Each child's versions carrying an exploitation indicator, for `exploited_as_known`."""
    flagged = episodes[
        episodes["indicators"].map(lambda codes: bool(EXPLOITATION_INDICATORS & set(codes)))
    ]
    found: dict[int, list[tuple[int, datetime, datetime, datetime | None]]] = {}
    for child, seen, sent, until in zip(
        flagged["child_id"],
        flagged["last_seen_at"],
        flagged["sent_at"],
        flagged["until"],
        strict=True,
    ):
        found.setdefault(int(child), []).append(
            (
                int(child),
                seen.to_pydatetime(),
                sent.to_pydatetime(),
                None if pd.isna(until) else until.to_pydatetime(),
            )
        )
    return found


@dataclass(frozen=True)
class Prepared:
    """Everything the engine needs for a batch, and what turns its answers into decisions."""

    notifications: Sequence[Notification]
    facts: list[dict[str, Any]]
    suggested: list[list[Suggestion]]
    moments: Sequence[datetime] = ()  # each decision's moment (empty: when each was sent)


Exploited = dict[int, list[tuple[int, datetime, datetime, datetime | None]]]


def prepare(
    session: Session,
    notifications: Sequence[Notification],
    vetter: Vetter,
    moments: Sequence[datetime] | None = None,
) -> Prepared:
    """The facts for every notification, each as of when it was sent (or as of its moment in
    `moments`: a re-vet as time passes), against the store as it was known then."""
    index = IdentityIndex.load(session)
    episodes = episodes_frame(session)
    exploited = exploitation_by_child(episodes)
    return prepare_from(
        notifications,
        [index.child_of(n) for n in notifications],
        vetter,
        episodes=episodes,
        edges=edges_frame(session),
        companions_of=index.companions_of,
        exploited_among=lambda _linked: exploited,
        moments=moments,
        hotspot_of=HotspotIndex.load(session).of,
    )


def prepare_from(
    notifications: Sequence[Notification],
    located: Sequence[tuple[int | None, int | None]],
    vetter: Vetter,
    *,
    episodes: pd.DataFrame,
    edges: pd.DataFrame,
    companions_of: Callable[[Notification], set[int]],
    exploited_among: Callable[[set[int]], Exploited],
    moments: Sequence[datetime] | None = None,
    disclosed_of: Callable[[int, datetime], Collection[str]] | None = None,
    hotspot_of: Callable[[Notification, datetime], bool] | None = None,
) -> Prepared:
    """The facts for notifications whose (child id, episode id) are known, each as of when it
    was sent, from history frames holding at least those children's episodes and links.
    `exploited_among` gives the exploitation-flagged versions of the linked children;
    `disclosed_of` (if given) what a child had disclosed in return home interviews by a moment;
    `hotspot_of` (if given) whether a notification named a known hotspot at a moment."""
    ruleset = vetter.rulebook.current
    when = list(moments) if moments is not None else [n.sent_at for n in notifications]
    targets = targets_frame(
        [
            (
                k,
                child if child is not None else NO_CHILD,
                n.episode.last_seen_at,
                episode,
                when[k],
            )
            for k, (n, (child, episode)) in enumerate(zip(notifications, located, strict=True))
        ]
    )
    frame = compute_features(episodes, edges, targets)
    columns = {str(name): frame[name].to_numpy().tolist() for name in frame.columns}
    linked_of = [
        (set(columns["companion_child_ids"][k]) | companions_of(n)) - {child}
        for k, (n, (child, _episode)) in enumerate(zip(notifications, located, strict=True))
    ]
    exploited = exploited_among(set().union(*linked_of))
    facts, suggested = [], []
    rows = zip(*(columns[name] for name in SCALAR_FEATURES), strict=True)
    for n, (child, _episode), moment, linked, row in zip(
        notifications, located, when, linked_of, rows, strict=True
    ):
        history = dict(zip(SCALAR_FEATURES, row, strict=True))
        if history[_DAYS_SINCE] != history[_DAYS_SINCE]:  # NaN: no earlier episode, so unknown
            del history[_DAYS_SINCE]
        found = suggestions(n, ruleset)
        facts.append(
            build_fact(
                n,
                history,
                as_of=moment,
                ruleset=ruleset,
                home_authority=vetter.home_authority,
                linked_exploited_children=len(
                    exploited_as_known(
                        [row for c in linked for row in exploited.get(c, ())], moment
                    )
                ),
                suggested=found,
                disclosed=(
                    disclosed_of(child, moment) if disclosed_of and child is not None else ()
                ),
                at_known_hotspot=hotspot_of(n, moment) if hotspot_of else False,
            )
        )
        suggested.append(found)
    return Prepared(notifications, facts, suggested, when if moments is not None else ())


def decide_prepared(
    prepared: Prepared, vetter: Vetter, start: int = 0, stop: int | None = None
) -> list[VettedDecision]:
    """The engine's decisions for prepared notifications `start` to `stop`, in one hop."""
    ruleset = vetter.rulebook.current
    stop = len(prepared.notifications) if stop is None else stop
    fired = vetter.rulebook.engine.evaluate_many(ruleset.engine_name, prepared.facts[start:stop])
    return [
        assemble(
            prepared.notifications[k],
            ids,
            prepared.facts[k],
            ruleset=ruleset,
            as_of=prepared.moments[k] if prepared.moments else prepared.notifications[k].sent_at,
            suggested=prepared.suggested[k],
            score=vetter.score(prepared.facts[k]),
        )
        for k, ids in zip(range(start, stop), fired, strict=True)
    ]


def vet_batch(
    session: Session,
    notifications: Sequence[Notification],
    vetter: Vetter,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> list[VettedDecision]:
    """Decisions for every notification, each as of when it was sent, against the store."""
    decisions: list[VettedDecision] = []
    with _settled():
        prepared = prepare(session, notifications, vetter)
        gc.freeze()  # the facts too: they live until the batch ends
        for start in range(0, len(notifications), CHUNK):
            stop = min(start + CHUNK, len(notifications))
            decisions += decide_prepared(prepared, vetter, start, stop)
            if on_progress:
                on_progress(stop - start)
    return decisions


@contextmanager
def _settled() -> Iterator[None]:
    """Move what exists now out of the cyclic collector's sight until the block ends.

    A batch holds hundreds of thousands of long-lived objects (facts, history frames); each
    collector pass would walk them all again while they cannot be garbage. Freezing them keeps
    the passes short while still collecting what the batch throws away."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
