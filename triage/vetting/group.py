"""Vetting a group of stored notifications at once, each exactly as `Vetter.vet` would.

The intake path for records taken in together (a chunk of a file, or the requests that arrived
at the same moment): the group's history is read in a few set-based queries for all its
children (versions, companion links, exploitation of linked children, interview disclosures,
known hotspots), each notification's features come from one `summarise` over rows in hand, and
the facts go to the engine in one hop to its thread. A test holds the decisions to the ones
the service path makes one at a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from triage.decisions.models import VettedDecision
from triage.history.features import exploited_as_known
from triage.history.rows import features_for_targets
from triage.history.store import (
    disclosed_by,
    disclosures_of,
    edges_frame,
    episodes_frame,
    exploitation_versions,
    history_rows,
)
from triage.identity.directory import identifiers_of
from triage.intelligence.facts import HotspotIndex
from triage.notification import Notification
from triage.vetting.assemble import assemble
from triage.vetting.batch import Exploited, decide_prepared, prepare_from
from triage.vetting.facts import build_fact, suggestions
from triage.vetting.service import Vetter

Owner = Callable[[str, str], int | None]  # the live child holding an identifier, if any


@dataclass(frozen=True, slots=True)
class Target:
    """A stored notification to vet: its child, its episode, and the moment to vet it as of."""

    notification: Notification
    child_id: int
    episode_id: int
    moment: datetime


ROWS_UP_TO = 64  # targets; a larger group is vetted from frames (pandas), cheaper per row


def vet_many(
    session: Session, vetter: Vetter, targets: Sequence[Target], *, owner: Owner
) -> list[VettedDecision]:
    """`vet_group`'s decisions for any number of targets, each as of when police sent it: a
    few from rows in hand, a file's chunk from the batch path's frames (the same history,
    disclosures and hotspots; tests hold both to the service path)."""
    if len(targets) <= ROWS_UP_TO:
        return vet_group(session, vetter, targets, owner=owner)
    children = {t.child_id for t in targets}
    disclosed = disclosures_of(session, children)

    def companions_of(n: Notification) -> set[int]:
        return {
            holder
            for companion in n.episode.companions
            for kind, value in identifiers_of(companion)
            if (holder := owner(kind, value)) is not None
        }

    def exploited_among(linked: set[int]) -> Exploited:
        found: Exploited = defaultdict(list)
        for row in exploitation_versions(session, linked):
            found[row[0]].append(row)
        return found

    prepared = prepare_from(
        [t.notification for t in targets],
        [(t.child_id, t.episode_id) for t in targets],
        vetter,
        episodes=episodes_frame(session, children),
        edges=edges_frame(session, children),
        companions_of=companions_of,
        exploited_among=exploited_among,
        disclosed_of=lambda child, moment: disclosed_by(disclosed.get(child, []), moment),
        hotspot_of=HotspotIndex.load(session).of,
    )
    return decide_prepared(prepared, vetter)


def vet_group(
    session: Session, vetter: Vetter, targets: Sequence[Target], *, owner: Owner
) -> list[VettedDecision]:
    """The decision for each target, as `Vetter.vet(session, n, child_id=..., episode_id=...,
    as_of=moment)` makes it; `owner` answers who holds a companion's identifier."""
    if not targets:
        return []
    ruleset = vetter.rulebook.current
    children = {t.child_id for t in targets}
    episodes, edges = history_rows(session, children)
    histories = features_for_targets(
        episodes,
        edges,
        [
            (t.child_id, t.notification.episode.last_seen_at, t.episode_id, t.moment)
            for t in targets
        ],
    )
    linked_of = []
    for target, history in zip(targets, histories, strict=True):
        linked = set(history.companion_child_ids)
        for companion in target.notification.episode.companions:
            for kind, value in identifiers_of(companion):
                if (holder := owner(kind, value)) is not None:
                    linked.add(holder)
        linked_of.append(linked - {target.child_id})
    exploited: dict[int, list[tuple[int, datetime, datetime, datetime | None]]] = defaultdict(list)
    for row in exploitation_versions(session, set().union(*linked_of)):
        exploited[row[0]].append(row)
    disclosed = disclosures_of(session, children)
    hotspots = HotspotIndex.load(session)
    facts, suggested = [], []
    for target, history, linked in zip(targets, histories, linked_of, strict=True):
        n, moment = target.notification, target.moment
        found = suggestions(n, ruleset)
        flagged = [row for child in linked for row in exploited.get(child, ())]
        facts.append(
            build_fact(
                n,
                history.scalars(),
                as_of=moment,
                ruleset=ruleset,
                home_authority=vetter.home_authority,
                linked_exploited_children=len(exploited_as_known(flagged, moment)),
                suggested=found,
                disclosed=disclosed_by(disclosed[target.child_id], moment),
                at_known_hotspot=hotspots.of(n, moment),
            )
        )
        suggested.append(found)
    fired = vetter.rulebook.engine.evaluate_many(ruleset.engine_name, facts)
    return [
        assemble(
            t.notification,
            ids,
            fact,
            ruleset=ruleset,
            as_of=t.moment,
            suggested=found,
            score=vetter.score(fact),
        )
        for t, ids, fact, found in zip(targets, fired, facts, suggested, strict=True)
    ]
