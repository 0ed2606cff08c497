"""Interview tasks follow what is known later: an overdue interview is never merged away, a
task is withdrawn when the newest decision no longer asks for an interview (and comes back if
one asks again), its team follows the routing, and the pass reads only what needs a task. On
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from test_interviews import arrive, audit_of, plan, returned_at, tasks, worker

from conftest import FrozenClock
from factories import changed, notification
from triage.interviews import follow, outcomes, service, worklist
from triage.interviews.requests import OfferRequest
from triage.store import Database
from triage.store.tables import EpisodeRecord
from triage.vetting.service import Vetter

LATER = "2026-03-15T08:00:00+00:00"  # a later version's sending, before the clock's now
AT_HOME = {"legal_status": "none", "placement_type": None, "placement_postcode": None}
TEAM = "North, West & Central"  # a child at home in B23


@pytest.fixture
def rules(vetter: Vetter) -> service.InterviewRules:
    return service.rules_of(vetter.rulebook.current)


def _later(payload: dict[str, Any], **paths: Any) -> dict[str, Any]:
    return changed(payload, sent_at=LATER, **paths)


def test_an_overdue_interview_is_never_merged_the_new_return_has_its_own_clock(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    first = arrive(database, vetter, notification(), clock())
    plan(database, rules, clock())
    (overdue,) = tasks(database)
    clock.now = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)  # 15 days past its due time
    again = notification(reported=datetime(2026, 4, 1, 21, 30, tzinfo=UTC))
    second = arrive(database, vetter, again, clock())
    plan(database, rules, clock())
    old, new = tasks(database)
    assert old.id == overdue.id and old.due_at == overdue.due_at  # still overdue, unmoved
    assert [link.episode_id for link in old.episodes] == [first]
    assert [link.episode_id for link in new.episodes] == [second]
    assert new.due_at == returned_at(database, second) + timedelta(hours=72)
    with database.reading() as session:
        work = worklist.worklist(session, rules, team="South", now=clock())
    assert [t.id for t in work.overdue] == [old.id]
    assert audit_of(database, "interview_episode_merged") == []
    assert audit_of(database, "interview_due_moved") == []
    assert len(audit_of(database, "interview_task_created")) == 2


def test_a_task_is_withdrawn_when_police_reclassify_the_episode_absent(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    payload = notification(police_risk_grade="low", child=AT_HOME, episode={"indicators": []})
    arrive(database, vetter, payload, clock())
    plan(database, rules, clock())
    arrive(database, vetter, _later(payload, police_classification="absent"), clock())
    plan(database, rules, clock())
    plan(database, rules, clock())  # idempotent: withdrawn once
    (task,) = tasks(database)
    assert task.status == "withdrawn"
    assert audit_of(database, "interview_task_withdrawn") == [{"why": "reclassified_absent"}]
    with database.reading() as session:
        work = worklist.worklist(session, rules, team=TEAM, now=clock() + timedelta(days=9))
        listed, total = worklist.page(session, rules, now=clock(), due="overdue")
    assert not (work.overdue or work.due_today or work.due_soon or work.later or work.unallocated)
    assert work.totals == dict.fromkeys(worklist.SECTIONS, 0) and (listed, total) == ([], 0)


def test_a_task_is_withdrawn_when_the_child_is_found_to_be_another_authoritys(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    payload = notification()
    arrive(database, vetter, payload, clock())
    plan(database, rules, clock())
    other = _later(payload, **{"child.responsible_authority": "Sandwell"})
    arrive(database, vetter, other, clock())
    plan(database, rules, clock())
    (task,) = tasks(database)
    assert task.status == "withdrawn" and task.team == "South"
    assert audit_of(database, "interview_task_withdrawn") == [{"why": "another_authority"}]


def test_a_withdrawn_task_comes_back_when_a_later_version_asks_again(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    payload = notification(police_risk_grade="low", child=AT_HOME, episode={"indicators": []})
    arrive(database, vetter, payload, clock())
    plan(database, rules, clock())
    absent = _later(payload, police_classification="absent")
    arrive(database, vetter, absent, clock())
    plan(database, rules, clock())
    missing = changed(absent, police_classification="missing", sent_at="2026-03-15T08:30:00Z")
    arrive(database, vetter, missing, clock())
    plan(database, rules, clock())
    (task,) = tasks(database)
    assert task.status == "open"
    assert len(audit_of(database, "interview_task_reopened")) == 1


def test_an_interview_already_offered_is_not_withdrawn(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    payload = notification(police_risk_grade="low", child=AT_HOME, episode={"indicators": []})
    arrive(database, vetter, payload, clock())
    plan(database, rules, clock())
    user = worker(database, clock)
    offer = OfferRequest(offered_at=datetime(2026, 3, 15, 7, 0, tzinfo=UTC), offered_how="letter")
    with database.transaction() as session:
        outcomes.record_offer(session, tasks(database)[0].id, offer, user=user, now=clock())
    arrive(database, vetter, _later(payload, police_classification="absent"), clock())
    plan(database, rules, clock())
    assert tasks(database)[0].status == "offered"  # something is recorded: a person decides
    assert audit_of(database, "interview_task_withdrawn") == []


def test_an_open_tasks_team_follows_the_newest_routing_and_a_worker_elsewhere_gives_it_up(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    payload = notification()
    arrive(database, vetter, payload, clock())
    plan(database, rules, clock())
    user = worker(database, clock)
    with database.transaction() as session:
        service.set_team(session, user, "South", now=clock())
        service.allocate(session, tasks(database)[0].id, user=user, now=clock())
    moved = _later(payload, **{"child.placement_postcode": "B8 1AA"})  # an East district
    arrive(database, vetter, moved, clock())
    plan(database, rules, clock())
    plan(database, rules, clock())
    (task,) = tasks(database)
    assert task.team == "East" and task.status == "open" and task.allocated_to_id is None
    assert audit_of(database, "interview_task_rerouted") == [
        {"old_team": "South", "new_team": "East", "previous_user_id": user.id}
    ]
    with database.reading() as session:
        assert [
            t.id for t in worklist.worklist(session, rules, team="East", now=clock()).unallocated
        ] == [task.id]


def test_the_pass_does_not_read_episodes_that_need_no_interview(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    arrive(database, vetter, notification(child={"responsible_authority": "Sandwell"}), clock())
    absent = arrive(
        database,
        vetter,
        notification(
            police_classification="absent",
            police_risk_grade="low",
            child={**AT_HOME, "police_person_id": "WMP-P-77"},
            episode={"indicators": []},
        ),
        clock(),
    )
    needing = arrive(
        database, vetter, notification(child={"police_person_id": "WMP-P-78"}), clock()
    )
    with database.transaction() as session:
        found = follow.needing_a_task(session, None)
        loaded = {o.id for o in session.identity_map.values() if isinstance(o, EpisodeRecord)}
        assert session.scalar(select(EpisodeRecord.returned_at).where(EpisodeRecord.id == absent))
    assert [episode.id for episode, _team in found] == [needing]
    assert loaded == {needing}  # the database left the others out: never loaded, never read
