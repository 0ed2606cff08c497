"""Groups of children who go missing together, as a panel sees them.

A group (network.py) shows each child with their level in force (the highest among their
episodes of the last year), the exploitation indicators police ticked or the child disclosed,
and whether a review is due because another child in the group shows exploitation (rule R20
raises it on vetting; here it is made visible for the whole group); the group's places (those
two or more of its children were named at first); its links with their evidence; and what
changed since the panel last met (children who joined, links first seen since).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit
from triage.decisions.level import levels_in_force
from triage.errors import RecordNotFound
from triage.intelligence.network import Link, groups, links
from triage.intelligence.service import Viewer, as_actor
from triage.intelligence.sightings import sightings
from triage.interviews.tables import InterviewDisclosure
from triage.notification.vocabulary import EXPLOITATION_INDICATORS
from triage.panels.tables import PanelMeeting
from triage.store.tables import ChildRecord

_EXPLOITATION = frozenset(i.value for i in EXPLOITATION_INDICATORS)


@dataclass(frozen=True, slots=True)
class GroupChild:
    child_id: int
    name: str
    level: str | None  # the highest level in force among their episodes of the year
    indicators: list[str]  # exploitation indicators ticked or disclosed
    review_due: bool  # another child in the group shows exploitation
    joined_since_last_panel: bool


@dataclass(frozen=True, slots=True)
class GroupPlace:
    label: str
    district: str
    children: int


@dataclass(frozen=True, slots=True)
class Group:
    """A group: `ref` is `G` and its lowest child id (stable while that child stays in it)."""

    ref: str
    children: list[GroupChild]
    places: list[GroupPlace]
    links: list[Link]
    last_panel: PanelMeeting | None
    new_links: int  # links first seen since the last panel

    @property
    def exploited(self) -> list[GroupChild]:
        return [c for c in self.children if c.indicators]


def last_panel(session: Session, now: datetime) -> PanelMeeting | None:
    """The newest meeting of any panel held by `now`."""
    return session.scalar(
        select(PanelMeeting)
        .where(PanelMeeting.meets_at <= now)
        .order_by(PanelMeeting.meets_at.desc(), PanelMeeting.id.desc())
        .limit(1)
    )


def find_groups(session: Session, *, viewer: Viewer, now: datetime) -> list[Group]:
    """Every group of two or more children linked in the last year, largest first (audited)."""
    found = _build(session, now)
    audit.record(
        session, as_actor(viewer), "view_groups", record_type="groups", record_id="all",
        now=now, groups=len(found),
    )  # fmt: skip
    return found


def group_detail(session: Session, *, ref: str, viewer: Viewer, now: datetime) -> Group:
    """One group by its ref (audited with its children's ids)."""
    group = next((g for g in _build(session, now) if g.ref == ref), None)
    if group is None:
        raise RecordNotFound("group", ref)
    audit.record(
        session, as_actor(viewer), "view_group", record_type="group", record_id=ref, now=now,
        children=[c.child_id for c in group.children],
    )  # fmt: skip
    return group


def _build(session: Session, now: datetime) -> list[Group]:
    seen = sightings(session, now=now)
    found_links = links(session, seen, now=now)
    communities = groups(found_links)
    if not communities:
        return []
    members = sorted(set().union(*communities))
    episodes: dict[int, list[int]] = defaultdict(list)
    indicators: dict[int, set[str]] = defaultdict(set)
    places: dict[str, tuple[str, str, set[int]]] = {}
    for s in seen:
        if s.child_id in members:
            episodes[s.child_id].append(s.episode_id)
            indicators[s.child_id] |= s.exploitation
            places.setdefault(s.place.key, (s.place.label, s.place.district or "not known", set()))[
                2
            ].add(s.child_id)
    for child_id, code in session.execute(
        select(InterviewDisclosure.child_id, InterviewDisclosure.indicator).where(
            InterviewDisclosure.child_id.in_(members), InterviewDisclosure.recorded_at <= now
        )
    ):
        if code in _EXPLOITATION:
            indicators[child_id].add(code)
    in_force = levels_in_force(session, [e for found in episodes.values() for e in found])
    names = {
        c.id: f"{c.given_name} {c.family_name}"
        for c in session.scalars(select(ChildRecord).where(ChildRecord.id.in_(members)))
    }
    panel = last_panel(session, now)
    out = []
    for community in communities:
        mine = [link for pair, link in found_links.items() if set(pair) <= community]
        since = panel.meets_at if panel else None
        first_link = {c: min(k.first_at for k in mine if c in (k.a, k.b)) for c in community}
        shown = []
        for child_id in sorted(community, key=lambda c: names.get(c, "")):
            levels = [in_force[e].level for e in episodes[child_id] if e in in_force]
            others = any(indicators[o] for o in community if o != child_id)
            shown.append(
                GroupChild(
                    child_id=child_id,
                    name=names.get(child_id, ""),
                    level=max(levels, key=lambda g: g.rank).value if levels else None,
                    indicators=sorted(indicators[child_id]),
                    review_due=others,
                    joined_since_last_panel=since is not None and first_link[child_id] > since,
                )
            )
        shared = [
            GroupPlace(label, district, len(children & community))
            for label, district, children in places.values()
            if len(children & community) >= 2
        ]
        out.append(
            Group(
                ref=f"G{min(community)}",
                children=shown,
                places=sorted(shared, key=lambda p: (-p.children, p.label)),
                links=sorted(mine, key=lambda k: (k.first_at, k.a, k.b)),
                last_panel=panel,
                new_links=sum(1 for k in mine if since is not None and k.first_at > since),
            )
        )
    return out
