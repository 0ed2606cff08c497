"""Children who go missing together: a graph of links, each with its evidence, and its groups.

Two children are linked when
- police named one as the other's companion on an episode (`named_companion`);
- both were found at the same place within `FOUND_TOGETHER_HOURS` of each other
  (`found_together`; the child's own home or placement is not a shared place);
- a return home interview named one as the other's associate (`named_in_interview`).
Each piece of evidence keeps its reference (the police reference, or the interview) and when.
Groups are networkx's Louvain communities of the graph (links weighted by their evidence)
with a fixed seed, so the same history gives the same groups; a group has two or more children.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.history.store import edges_frame
from triage.intelligence.sightings import FOUND, Sighting
from triage.intelligence.tables import InterviewMention
from triage.store.tables import ChildRecord, EpisodeRecord

SEED = 14
FOUND_TOGETHER_HOURS = 2.0
NAMED_COMPANION = "named_companion"
FOUND_TOGETHER = "found_together"
NAMED_IN_INTERVIEW = "named_in_interview"
KINDS = {
    NAMED_COMPANION: "named as a companion by police",
    FOUND_TOGETHER: "found at the same place at the same time",
    NAMED_IN_INTERVIEW: "named as an associate in a return home interview",
}


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str
    reference: str  # a police reference, or "interview <task id>"
    at: datetime
    place: str | None = None  # found_together: the place


@dataclass(slots=True)
class Link:
    """Two children (`a` < `b`) and every piece of evidence that links them."""

    a: int
    b: int
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def first_at(self) -> datetime:
        return min(e.at for e in self.evidence)

    @property
    def last_at(self) -> datetime:
        return max(e.at for e in self.evidence)


def _own_address(label: str) -> bool:
    return label.casefold().startswith(("home address", "placement address"))


def links(
    session: Session, found: list[Sighting], *, now: datetime, days: int = 365
) -> dict[tuple[int, int], Link]:
    """Every link with evidence in the `days` before `now`, keyed by its pair of children."""
    since = now - timedelta(days=days)
    live = {
        c
        for (c,) in session.execute(
            select(ChildRecord.id).where(ChildRecord.merged_into_id.is_(None))
        )
    }
    out: dict[tuple[int, int], Link] = {}

    def add(x: int, y: int, evidence: Evidence) -> None:
        if x == y or x not in live or y not in live or not since <= evidence.at <= now:
            return
        pair = (min(x, y), max(x, y))
        link = out.setdefault(pair, Link(*pair))
        if evidence not in link.evidence:
            link.evidence.append(evidence)

    references = {
        e: ref
        for e, ref in session.execute(select(EpisodeRecord.id, EpisodeRecord.police_reference))
    }
    edges = edges_frame(session)
    for episode_id, child, companion, seen in zip(
        edges["episode_id"],
        edges["child_id"],
        edges["companion_child_id"],
        edges["last_seen_at"],
        strict=True,
    ):
        when = seen.to_pydatetime()
        add(
            int(child), int(companion), Evidence(NAMED_COMPANION, references[int(episode_id)], when)
        )
    _found_together(found, add)
    for task_id, child, associate, at in session.execute(
        select(
            InterviewMention.task_id,
            InterviewMention.child_id,
            InterviewMention.associate_child_id,
            InterviewMention.recorded_at,
        ).where(InterviewMention.kind == "associate")
    ):
        if associate is not None:
            add(child, associate, Evidence(NAMED_IN_INTERVIEW, f"interview {task_id}", at))
    for link in out.values():
        link.evidence.sort(key=lambda e: (e.at, e.kind, e.reference))
    return out


def _found_together(found: list[Sighting], add: Callable[[int, int, Evidence], None]) -> None:
    window = timedelta(hours=FOUND_TOGETHER_HOURS)
    by_place: dict[str, list[Sighting]] = defaultdict(list)
    for s in found:
        if s.source == FOUND and not _own_address(s.place.label):
            by_place[s.place.key].append(s)
    for group in by_place.values():
        group.sort(key=lambda s: s.at)
        for i, one in enumerate(group):
            for other in group[i + 1 :]:
                if other.at - one.at > window:
                    break  # sorted by time: nothing later is within the window
                if one.child_id == other.child_id:
                    continue
                for s in (one, other):
                    add(
                        one.child_id,
                        other.child_id,
                        Evidence(FOUND_TOGETHER, s.police_reference, s.at, s.place.label),
                    )


def groups(found_links: dict[tuple[int, int], Link]) -> list[frozenset[int]]:
    """The graph's communities of two or more children, largest first (then by lowest id)."""
    graph = nx.Graph()
    for (a, b), link in found_links.items():
        graph.add_edge(a, b, weight=len(link.evidence))
    if graph.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(graph, weight="weight", seed=SEED)
    kept = [frozenset(c) for c in found if len(c) >= 2]
    return sorted(kept, key=lambda c: (-len(c), min(c)))
