"""Return home interviews, the service: a task for each return the rules say needs one, due 72
hours after the return police report, moved when police correct it, merged (or not, as the rule
says) when the child goes missing again first; outcomes checked (an independent interviewer,
controlled lists), disclosures that join the child's history and re-vet their open work, and
referrals arising. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from conftest import FrozenClock
from factories import changed, notification
from triage.errors import Conflict, Refused
from triage.history.store import disclosed_as_known
from triage.intake.service import submit
from triage.interviews import outcomes, service, worklist
from triage.interviews.outcomes import INTERVIEW_TRIGGER
from triage.interviews.requests import DeclineRequest, HeldRequest, ReferralRequest
from triage.interviews.tables import InterviewTask
from triage.interviews.vocabulary import factor_lists
from triage.notification.reader import raw_from_text
from triage.rules import RuleEngine
from triage.rules.book import Rulebook
from triage.store import Database
from triage.store.tables import (
    ActionCompletion,
    AuditEvent,
    DecisionRecord,
    EpisodeRecord,
    UserRecord,
)
from triage.vetting.service import Vetter

RULES = Path(__file__).resolve().parent.parent / "rules"


def arrive(database: Database, vetter: Vetter, payload: dict[str, Any], now: datetime) -> int:
    """A police notification arrives and is vetted; the episode's id."""
    with database.transaction() as session:
        receipt = submit(
            session, raw_from_text(json.dumps(payload), source="test"), now=now, vetter=vetter
        )
    assert receipt.episode_id is not None, receipt
    return receipt.episode_id


def plan(database: Database, rules: service.InterviewRules, now: datetime) -> None:
    with database.transaction() as session:
        service.plan(session, rules, now=now)


def tasks(database: Database) -> list[InterviewTask]:
    with database.reading() as session:
        found = session.scalars(select(InterviewTask).order_by(InterviewTask.id)).all()
        for task in found:
            _ = [link.episode_id for link in task.episodes], task.disclosures, task.referrals
        return list(found)


def returned_at(database: Database, episode_id: int) -> datetime:
    with database.reading() as session:
        value = session.get_one(EpisodeRecord, episode_id).returned_at
    assert value is not None
    return value


def worker(database: Database, clock: FrozenClock, username: str = "dana") -> UserRecord:
    with database.transaction() as session:
        user = UserRecord(
            username=username,
            display_name="Dana Hughes",
            role="missing_support_worker",
            password_hash="-",
            active=True,
            created_at=clock(),
        )
        session.add(user)
    return user


def audit_of(database: Database, action: str) -> list[dict[str, Any]]:
    with database.reading() as session:
        return [
            e.detail for e in session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        ]


@pytest.fixture
def rules(vetter: Vetter) -> service.InterviewRules:
    return service.rules_of(vetter.rulebook.current)


def test_the_rules_file_sets_the_72_hours_and_the_merge(rules: service.InterviewRules) -> None:
    assert rules.due_hours == 72 and rules.merge_when_missing_again is True


def test_a_return_creates_one_task_for_the_area_team_due_72_hours_after_it(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    episode = arrive(database, vetter, notification(), clock())
    plan(database, rules, clock())
    plan(database, rules, clock())  # idempotent: a pass again changes nothing
    (task,) = tasks(database)
    assert task.team == "South"  # the placement's district, B30, as the decision routes
    assert task.due_at == returned_at(database, episode) + timedelta(hours=72)
    assert [link.episode_id for link in task.episodes] == [episode]
    assert task.status == "open" and task.allocated_to_id is None
    assert len(audit_of(database, "interview_task_created")) == 1


def test_a_child_still_missing_gets_a_task_once_police_report_the_return(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    first = notification(returned_after_hours=None)
    arrive(database, vetter, first, clock())
    plan(database, rules, clock())
    assert tasks(database) == []
    back = datetime(2026, 3, 15, 6, 0, tzinfo=UTC)
    arrive(
        database,
        vetter,
        changed(
            first,
            **{"episode.returned_at": back.isoformat(), "sent_at": "2026-03-15T06:20:00+00:00"},
        ),
        clock(),
    )
    plan(database, rules, clock())
    (task,) = tasks(database)
    assert task.due_at == back + timedelta(hours=72)


def test_a_corrected_return_time_moves_the_deadline_and_the_move_is_audited(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    payload = notification()
    episode = arrive(database, vetter, payload, clock())
    plan(database, rules, clock())
    before = tasks(database)[0].due_at
    later = returned_at(database, episode) + timedelta(hours=5)
    correction = changed(
        payload,
        **{
            "episode.returned_at": later.isoformat(),
            "sent_at": (later + timedelta(minutes=30)).isoformat(),
        },
    )
    arrive(database, vetter, correction, clock())
    plan(database, rules, clock())
    (task,) = tasks(database)
    assert task.due_at == later + timedelta(hours=72) == before + timedelta(hours=5)
    (moved,) = audit_of(database, "interview_due_moved")
    assert moved["old_due_at"] == before.isoformat()
    assert moved["new_due_at"] == task.due_at.isoformat()
    assert moved["why"] == "return_time_corrected"


def _missing_twice(database: Database, vetter: Vetter, clock: FrozenClock) -> tuple[int, int]:
    """The child returns, goes missing again the next day before any interview, and returns."""
    first = arrive(database, vetter, notification(), clock())
    second = arrive(
        database,
        vetter,
        notification(reported=datetime(2026, 3, 15, 4, 0, tzinfo=UTC)),
        clock(),
    )
    return first, second


def test_missing_again_before_the_interview_merges_into_one_when_the_rule_says_so(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    first = arrive(database, vetter, notification(), clock())
    plan(database, rules, clock())  # the first return's task exists before the child goes again
    second = arrive(
        database, vetter, notification(reported=datetime(2026, 3, 15, 4, 0, tzinfo=UTC)), clock()
    )
    plan(database, rules, clock())
    (task,) = tasks(database)
    assert [link.episode_id for link in task.episodes] == [first, second]
    assert [link.merged for link in task.episodes] == [False, True]
    assert task.due_at == returned_at(database, second) + timedelta(hours=72)
    (moved,) = audit_of(database, "interview_due_moved")
    assert moved["why"] == "missing_again_before_interview"


def test_missing_again_before_the_interview_is_its_own_task_when_the_rule_says_not(
    database: Database,
    clock: FrozenClock,
    engine: RuleEngine,
    tmp_path: Path,
) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(RULES, rules_dir)
    parameters = rules_dir / "parameters.yaml"
    parameters.write_text(
        parameters.read_text().replace(
            "rhi_merge_when_missing_again: true", "rhi_merge_when_missing_again: false"
        )
    )
    vetter = Vetter(Rulebook(engine, rules_dir), home_authority="Birmingham")
    rules = service.rules_of(vetter.rulebook.current)
    assert rules.merge_when_missing_again is False
    first, second = _missing_twice(database, vetter, clock)
    plan(database, rules, clock())
    found = tasks(database)
    assert [[link.episode_id for link in t.episodes] for t in found] == [[first], [second]]
    assert [t.due_at for t in found] == [
        returned_at(database, first) + timedelta(hours=72),
        returned_at(database, second) + timedelta(hours=72),
    ]


def test_a_child_placed_here_by_another_authority_gets_no_task(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    arrive(database, vetter, notification(child={"responsible_authority": "Sandwell"}), clock())
    plan(database, rules, clock())
    assert tasks(database) == []  # their home authority is told instead (R18)


def test_our_looked_after_child_placed_out_of_area_gets_a_task(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    payload = notification(child={"placement_postcode": "CV1 2AB", "home_postcode": "B8 1AA"})
    episode = arrive(database, vetter, payload, clock())
    plan(database, rules, clock())
    (task,) = tasks(database)
    with database.reading() as session:
        decision = session.scalars(
            select(DecisionRecord).where(DecisionRecord.episode_id == episode)
        ).one()
    assert task.team == decision.team == "East"  # the home district's team: still ours


# Outcomes ---------------------------------------------------------------------------------


def _held(**changes: Any) -> HeldRequest:
    values: dict[str, Any] = {
        "held_at": datetime(2026, 3, 15, 8, 0, tzinfo=UTC),
        "held_how": "face_to_face",
        "interviewer_is_carer": False,
        "interviewer_is_social_worker": False,
        "successful": True,
        "push_factors": ["conflict_in_placement"],
        "pull_factors": ["older_person"],
        "offered_at": datetime(2026, 3, 15, 7, 0, tzinfo=UTC),
        "offered_how": "telephone",
    }
    return HeldRequest(**{**values, **changes})


@pytest.fixture
def one_task(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> int:
    arrive(database, vetter, notification(), clock())
    plan(database, rules, clock())
    return tasks(database)[0].id


def _record(
    database: Database,
    vetter: Vetter,
    task_id: int,
    body: HeldRequest,
    user: UserRecord,
    now: datetime,
) -> None:
    with database.transaction() as session:
        outcomes.record_held(
            session, task_id, body, user=user, now=now, lists=factor_lists(RULES), vetter=vetter
        )


@pytest.mark.parametrize("field", ["interviewer_is_carer", "interviewer_is_social_worker"])
def test_an_interview_by_the_childs_carer_or_social_worker_is_refused_naming_the_field(
    database: Database, vetter: Vetter, clock: FrozenClock, one_task: int, field: str
) -> None:
    user = worker(database, clock)
    with pytest.raises(Refused) as refused:
        _record(database, vetter, one_task, _held(**{field: True}), user, clock())
    assert refused.value.error.field == field
    assert "independent" in refused.value.error.problem
    assert tasks(database)[0].status == "open"  # nothing was kept


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"push_factors": ["not_a_factor"]}, "push_factors"),
        ({"harms": ["nonsense"]}, "harms"),
        ({"held_at": datetime(2026, 3, 14, 12, 0, tzinfo=UTC)}, "held_at"),  # before the return
        ({"held_at": datetime(2026, 3, 16, 12, 0, tzinfo=UTC)}, "held_at"),  # in the future
        ({"shared_with_police": True}, "police_intelligence_reference"),
        ({"offered_at": None}, "offered_at"),
    ],
)
def test_an_outcome_that_does_not_hold_together_is_refused_naming_the_field(
    database: Database,
    vetter: Vetter,
    clock: FrozenClock,
    one_task: int,
    changes: dict[str, Any],
    field: str,
) -> None:
    user = worker(database, clock)
    with pytest.raises(Refused) as refused:
        _record(database, vetter, one_task, _held(**changes), user, clock())
    assert refused.value.error.field == field


def test_a_held_interview_keeps_its_outcome_and_disclosures_join_the_history_and_revet(
    database: Database, vetter: Vetter, clock: FrozenClock, one_task: int
) -> None:
    user = worker(database, clock)
    body = _held(
        disclosed_indicators=["drugs", "older_controlling_adult"],
        harms=["criminal_exploitation"],
        whereabouts="A flat with two older men",
        shared_with_police=True,
        police_intelligence_reference="WMP-INT-1",
        police_acknowledged=False,
        referrals=["strategy_discussion_s47"],
    )
    _record(database, vetter, one_task, body, user, clock())
    (task,) = tasks(database)
    assert task.status == "held" and task.successful is True and task.held_by_id == user.id
    assert task.push_factors == ["conflict_in_placement"] and task.harms == [
        "criminal_exploitation"
    ]
    assert task.police_intelligence_reference == "WMP-INT-1" and task.police_acknowledged is False
    assert [r.kind for r in task.referrals] == ["strategy_discussion_s47"]
    assert [d.indicator for d in task.disclosures] == ["drugs", "older_controlling_adult"]
    with database.reading() as session:
        assert disclosed_as_known(session, task.child_id, clock()) == (
            "drugs",
            "older_controlling_adult",
        )
        assert disclosed_as_known(session, task.child_id, clock() - timedelta(minutes=1)) == ()
        revet = session.scalars(
            select(DecisionRecord).where(DecisionRecord.trigger == INTERVIEW_TRIGGER)
        ).one()
    reasons = {r["rule_id"]: r for r in revet.body["reasons"]}
    assert reasons["R23"]["evidence"]["disclosed_indicators"] == [
        "drugs",
        "older_controlling_adult",
    ]
    assert "disclosed_in_interview" in revet.body["flags"]
    with database.reading() as session:  # the decisions' interview action is done, too
        done = session.scalars(select(ActionCompletion.action_type)).all()
    assert done == ["return_home_interview"]
    detail = audit_of(database, "interview_held")[0]
    assert "A flat" not in json.dumps(detail)  # free text never in the audit trail
    with pytest.raises(Conflict):  # recorded once
        _record(database, vetter, one_task, _held(), user, clock())


def test_the_childs_next_notification_is_vetted_with_what_they_disclosed(
    database: Database, vetter: Vetter, clock: FrozenClock, one_task: int
) -> None:
    user = worker(database, clock)
    _record(database, vetter, one_task, _held(disclosed_indicators=["drugs"]), user, clock())
    clock.now += timedelta(days=2)
    again = notification(
        reported=datetime(2026, 3, 17, 2, 0, tzinfo=UTC),
        police_risk_grade="low",
        episode={"indicators": []},
    )
    episode = arrive(database, vetter, again, clock.now)
    with database.reading() as session:
        decision = session.scalars(
            select(DecisionRecord).where(DecisionRecord.episode_id == episode)
        ).one()
    assert "R23" in {r["rule_id"] for r in decision.body["reasons"]}
    assert decision.vetted_level in ("medium", "high")


def test_a_loaded_file_and_a_group_of_feeds_vet_with_what_the_child_disclosed(
    database: Database, vetter: Vetter, clock: FrozenClock, one_task: int
) -> None:
    """The same as one notification arriving alone, for a chunk of a file (`triage load`) and
    so for feeds' requests taken in together, which are vetted the same way."""
    from triage.intake import load_records

    user = worker(database, clock)
    _record(database, vetter, one_task, _held(disclosed_indicators=["drugs"]), user, clock())
    clock.now += timedelta(days=2)
    again = notification(
        reported=datetime(2026, 3, 17, 2, 0, tzinfo=UTC),
        police_risk_grade="low",
        episode={"indicators": []},
    )
    records = [raw_from_text(json.dumps(again), source="test"), raw_from_text("{", source="test")]
    summary = load_records(database, records, clock=clock, vetter=vetter)
    assert summary.total == 2
    with database.reading() as session:
        decision = session.scalars(
            select(DecisionRecord)
            .join(EpisodeRecord, EpisodeRecord.id == DecisionRecord.episode_id)
            .where(EpisodeRecord.police_reference == again["police_reference"])
        ).one()
    assert "R23" in {r["rule_id"] for r in decision.body["reasons"]}
    assert decision.vetted_level in ("medium", "high")


def test_a_declined_interview_says_who_declined_and_leaves_the_worklist(
    database: Database, vetter: Vetter, clock: FrozenClock, one_task: int, rules: Any
) -> None:
    user = worker(database, clock)
    with database.transaction() as session:
        outcomes.record_decline(
            session,
            one_task,
            DeclineRequest(
                declined_at=datetime(2026, 3, 15, 8, 0, tzinfo=UTC),
                declined_by="child",
                offered_at=datetime(2026, 3, 15, 7, 0, tzinfo=UTC),
                offered_how="in_person",
            ),
            user=user,
            now=clock(),
        )
    (task,) = tasks(database)
    assert (task.status, task.declined_by, task.offered_how) == ("declined", "child", "in_person")
    with database.reading() as session:
        work = worklist.worklist(session, rules, team="South", now=clock())
    assert work.unallocated == [] and work.due_soon == [] and work.overdue == []


def test_the_worklist_shows_overdue_due_today_due_soon_and_unallocated(
    database: Database, vetter: Vetter, clock: FrozenClock, rules: service.InterviewRules
) -> None:
    user = worker(database, clock)
    start = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    for n, days in enumerate((0, 2.5, 3.5)):  # three children, each returned once
        child = {"police_person_id": f"WMP-P-9{n}", "given_name": ["Amy", "Bea", "Cara"][n]}
        arrive(
            database,
            vetter,
            notification(reported=start + timedelta(days=days), child=child),
            clock(),
        )
    plan(database, rules, clock())
    overdue, today, soon = tasks(database)
    with database.transaction() as session:
        service.allocate(session, soon.id, user=user, now=clock())
    clock.now = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)
    with database.reading() as session:
        work = worklist.worklist(session, rules, team="South", now=clock())
    assert [t.id for t in work.overdue] == [overdue.id]
    assert [t.id for t in work.due_today] == [today.id]
    assert [t.id for t in work.due_soon] == [soon.id]
    assert [t.id for t in work.unallocated] == [overdue.id, today.id]
    (allocated,) = audit_of(database, "interview_task_allocated")
    assert allocated["previous_user_id"] is None


def test_a_referral_arising_is_its_own_record_once_the_interview_is_held(
    database: Database, vetter: Vetter, clock: FrozenClock, one_task: int
) -> None:
    user = worker(database, clock)
    referral = ReferralRequest(
        kind="cass_referral", made_on=datetime(2026, 3, 15, 8, 30, tzinfo=UTC)
    )
    with pytest.raises(Conflict), database.transaction() as session:
        outcomes.add_referral(session, one_task, referral, user=user, now=clock())
    _record(database, vetter, one_task, _held(), user, clock())
    with database.transaction() as session:
        outcomes.add_referral(session, one_task, referral, user=user, now=clock())
        outcomes.add_referral(
            session,
            one_task,
            referral.model_copy(update={"kind": "step_up_family_support"}),
            user=user,
            now=clock(),
        )
    assert [r.kind for r in tasks(database)[0].referrals] == [
        "cass_referral",
        "step_up_family_support",
    ]
