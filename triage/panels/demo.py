"""Demo meetings for a development service (`triage serve --demo`), so a chair has something
to look at: a city panel that met two weeks before the newest episode in the store, with its
agenda, attendance, decisions and actions; the city panel's next meeting, a week ahead, which
takes on the subjects with open actions; and an area's MASE panel. Made once: a store that
already has a meeting is left alone. Synthetic data only."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.casework.dates import UK
from triage.panels import minutes
from triage.panels.meetings import add_item, create_meeting
from triage.panels.ranking import RankingWeights, rank_children
from triage.panels.tables import PanelMeeting
from triage.store.tables import EpisodeRecord, UserRecord

ATTENDEES = (
    ("Jo Williams", "Children's services", "Chair", True),
    ("DS Dev Sharma", "West Midlands Police", "Missing persons coordinator", True),
    ("Ruth Okafor", "Missing support team", "Team manager", True),
    ("Tom Baker", "Education", "Designated safeguarding lead", False),
    ("Nadia Rahman", "Health", "Named nurse for looked-after children", True),
)
DECISIONS = (
    (
        "escalate",
        "Strategy discussion to be held this week; police to share intelligence on "
        "the address where she was found.",
    ),
    (
        "keep_on_panel",
        "Keep on the list. Return home interview to be offered again by a worker she knows.",
    ),
    ("step_down", "Fewer episodes since placement moved; step down to the area MASE."),
)


def _at(day: datetime, hour: int) -> datetime:
    return datetime.combine(day.astimezone(UK).date(), time(hour), tzinfo=UK)


def ensure_demo_panels(
    session: Session, *, chair: UserRecord, weights: RankingWeights, now: datetime
) -> int:
    """Make the demo meetings unless any meeting exists; how many were made."""
    if session.scalar(select(func.count()).select_from(PanelMeeting)):
        return 0
    newest = session.scalar(select(func.max(EpisodeRecord.last_seen_at)))
    if newest is None:
        return 0  # nothing loaded: no children to put on an agenda
    held = _at(min(newest, now) - timedelta(days=14), 10)
    ranked = rank_children(session, weights=weights, now=held)
    if len(ranked) < 4:
        return 0
    past = create_meeting(
        session,
        panel="city",
        area=None,
        meets_at=held,
        areas=(),
        weights=weights,
        by=chair,
        now=held,
    )
    for name, agency, role, present in ATTENDEES:
        minutes.record_attendance(
            session,
            meeting_id=past.id,
            name=name,
            agency=agency,
            role=role,
            present=present,
            by=chair,
            now=held,
        )
    items = [
        add_item(
            session,
            meeting_id=past.id,
            kind="child",
            child_id=child.child_id,
            description=None,
            postcode=None,
            weights=weights,
            by=chair,
            now=held,
        )
        for child in ranked[:3]
    ]
    items.append(
        add_item(
            session,
            meeting_id=past.id,
            kind="person",
            child_id=None,
            description="Adult man known as 'Jay', drives a grey hatchback; seen collecting "
            "two of the children from school.",
            postcode=None,
            weights=weights,
            by=chair,
            now=held,
        )
    )
    items.append(
        add_item(
            session,
            meeting_id=past.id,
            kind="location",
            child_id=None,
            description="Flat above the takeaway on the high street",
            postcode="B6 4AA",
            weights=weights,
            by=chair,
            now=held,
        )
    )
    for item, (outcome, text) in zip(items, DECISIONS, strict=False):
        minutes.decide(
            session,
            meeting_id=past.id,
            item_id=item.id,
            outcome=outcome,
            text=text,
            by=chair,
            now=held,
        )
    actions = (
        (items[0], "Strategy discussion", "Children's services", "Ruth Okafor", 3, "open"),
        (
            items[0],
            "Share intelligence on the address",
            "West Midlands Police",
            "DS Dev Sharma",
            7,
            "done",
        ),
        (
            items[1],
            "Offer the return home interview again",
            "Missing support team",
            "Ruth Okafor",
            5,
            "open",
        ),
        (
            items[3],
            "Check vehicle sightings near the schools",
            "West Midlands Police",
            "DS Dev Sharma",
            21,
            "open",
        ),
        (items[4], "Licensing visit to the premises", "Licensing", "Mark Ellis", 10, "cancelled"),
    )
    for item, what, agency, person, days, status in actions:
        action = minutes.add_action(
            session,
            meeting_id=past.id,
            item_id=item.id,
            description=what,
            owner_agency=agency,
            owner_person=person,
            due_on=(held + timedelta(days=days)).date(),
            by=chair,
            now=held,
        )
        if status != "open":
            minutes.set_action_status(
                session, action_id=action.id, status=status, by=chair, now=held
            )
    upcoming = create_meeting(
        session,
        panel="city",
        area=None,
        meets_at=_at(now + timedelta(days=7), 10),
        areas=(),
        weights=weights,
        by=chair,
        now=now,
    )
    on_it = {i.child_id for i in upcoming.items}
    for child in [c for c in rank_children(session, weights=weights, now=now)[:4]]:
        if child.child_id not in on_it:
            add_item(
                session,
                meeting_id=upcoming.id,
                kind="child",
                child_id=child.child_id,
                description=None,
                postcode=None,
                weights=weights,
                by=chair,
                now=now,
            )
    area = next((c.area for c in ranked if c.area and "(" not in c.area), None)
    if area:
        mase = create_meeting(
            session,
            panel="mase",
            area=area,
            meets_at=_at(now + timedelta(days=10), 14),
            areas=(area,),
            weights=weights,
            by=chair,
            now=now,
        )
        for child in rank_children(session, weights=weights, now=now, area=area)[:2]:
            add_item(
                session,
                meeting_id=mase.id,
                kind="child",
                child_id=child.child_id,
                description=None,
                postcode=None,
                weights=weights,
                by=chair,
                now=now,
            )
    return 3 if area else 2


def ensure_demo_panels_for_chair(session: Session, *, rules_dir: Path, now: datetime) -> int:
    """`ensure_demo_panels` for the demo chair (`chair.demo`), with the weights in force."""
    from triage.accounts.service import get_by_username
    from triage.panels.ranking import load_weights

    chair = get_by_username(session, "chair.demo")
    if chair is None:
        return 0
    return ensure_demo_panels(session, chair=chair, weights=load_weights(rules_dir), now=now)
