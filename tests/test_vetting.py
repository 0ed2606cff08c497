"""The vetted decision for notifications as a MASH social worker would read it."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from conftest import FrozenClock
from factories import REPORTED, changed, notification
from triage.decisions.models import VettedDecision, from_json
from triage.intake import Outcome, ingest
from triage.notification import RawRecord
from triage.rules import RuleEngine
from triage.rules.book import Rulebook
from triage.store import Database
from triage.store.tables import DecisionRecord
from triage.vetting.service import Vetter

AT_HOME = {
    "legal_status": "none",
    "placement_type": None,
    "responsible_authority": None,
    "placement_postcode": None,
}
QUIET = {"indicators": [], "circumstances": "Did not come home after school."}


def vet(database: Database, clock: FrozenClock, vetter: Vetter, payload: dict) -> VettedDecision:
    receipt = ingest(
        database, RawRecord("t", 1, json.dumps(payload), payload), clock=clock, vetter=vetter
    )
    assert receipt.outcome is not Outcome.REJECTED, receipt.errors
    with database.reading() as session:
        record = session.scalars(
            select(DecisionRecord)
            .where(DecisionRecord.episode_id == receipt.episode_id)
            .order_by(DecisionRecord.id.desc())
        ).first()
        assert record is not None
        assert receipt.vetted_level == record.vetted_level
        return from_json(record.body)


def quiet(**kwargs) -> dict:
    kwargs.setdefault("child", AT_HOME)
    kwargs.setdefault("episode", QUIET)
    kwargs.setdefault("police_risk_grade", "no_apparent_risk")
    return notification(**kwargs)


def rule_ids(decision: VettedDecision) -> list[str]:
    return [reason.rule_id for reason in decision.reasons]


def test_an_unremarkable_episode_stays_at_no_apparent_risk(database, clock, vetter) -> None:
    decision = vet(database, clock, vetter, quiet())
    assert decision.vetted_level == "no_apparent_risk"
    assert decision.flags == []
    assert [a.type for a in decision.actions] == ["return_home_interview"]


def test_a_police_high_is_never_vetted_lower(database, clock, vetter) -> None:
    decision = vet(database, clock, vetter, quiet(police_risk_grade="high"))
    assert decision.vetted_level == "high"
    assert rule_ids(decision)[0] == "R01"


def test_a_looked_after_child_is_never_no_apparent_risk(database, clock, vetter) -> None:
    child = {
        "legal_status": "looked_after",
        "responsible_authority": "Birmingham",
        "placement_postcode": "B30 2LS",
    }
    decision = vet(database, clock, vetter, quiet(child=child))
    assert decision.vetted_level == "low"
    assert "looked_after" in decision.flags


def test_repeat_and_persistent_episodes_come_from_the_stored_history(
    database, clock, vetter
) -> None:
    for days in (60, 20):
        vet(database, clock, vetter, quiet(reported=REPORTED - timedelta(days=days)))
    decision = vet(database, clock, vetter, quiet())
    assert {"repeat", "persistent"} <= set(decision.flags)
    assert decision.vetted_level == "medium"
    persistent = next(r for r in decision.reasons if r.rule_id == "R03")
    assert persistent.evidence == {"history.episodes_90d": 2}


def test_several_exploitation_indicators_mean_high_and_a_strategy_discussion(
    database, clock, vetter
) -> None:
    episode = {"indicators": ["hotels_taxis", "older_controlling_adult"], "circumstances": ""}
    decision = vet(database, clock, vetter, quiet(episode=episode))
    assert decision.vetted_level == "high"
    assert "cse_risk" in decision.flags
    discussion = next(a for a in decision.actions if a.type == "strategy_discussion")
    assert discussion.due_at == decision.as_of + timedelta(hours=24)


def test_an_absent_looked_after_child_is_reclassified_missing(database, clock, vetter) -> None:
    child = {
        "legal_status": "looked_after",
        "responsible_authority": "Birmingham",
        "placement_postcode": "B30 2LS",
    }
    decision = vet(database, clock, vetter, quiet(child=child, police_classification="absent"))
    assert decision.reclassified and decision.classification == "missing"
    rhi = next(a for a in decision.actions if a.type == "return_home_interview")
    assert rhi.due_at == datetime(2026, 3, 15, 0, 0, tzinfo=UTC) + timedelta(hours=72)


def test_an_unremarkable_absence_stays_absent_and_needs_no_interview(
    database, clock, vetter
) -> None:
    decision = vet(database, clock, vetter, quiet(police_classification="absent"))
    assert not decision.reclassified and decision.classification == "absent"
    assert decision.actions == []


def test_the_policy_switch_reclassifies_every_absence(
    database, clock, engine: RuleEngine, rules_dir: Path, tmp_path: Path
) -> None:
    copy = shutil.copytree(rules_dir, tmp_path / "rules")
    parameters = copy / "parameters.yaml"
    parameters.write_text(
        parameters.read_text().replace(
            "reclassify_every_absence: false", "reclassify_every_absence: true"
        )
    )
    switched = Vetter(Rulebook(engine, copy), home_authority="Birmingham")
    decision = vet(database, clock, switched, quiet(police_classification="absent"))
    assert decision.reclassified and rule_ids(decision)[-2:] == ["R16", "R19"]


def test_words_in_the_circumstances_are_suggested_with_the_words(database, clock, vetter) -> None:
    episode = {
        "indicators": [],
        "circumstances": "Seen getting into a TAXI with an older man; has a new phone.",
    }
    decision = vet(database, clock, vetter, quiet(episode=episode))
    suggested = {s.indicator: s.words for s in decision.suggestions}
    assert suggested == {
        "hotels_taxis": ["taxi"],
        "older_controlling_adult": ["older man"],
        "unexplained_money_gifts": ["new phone"],
    }
    assert "text_suggests_indicators" in decision.flags
    assert decision.vetted_level == "no_apparent_risk"  # a suggestion alone does not raise it


def test_a_child_placed_here_by_another_authority_is_routed_there(database, clock, vetter) -> None:
    child = {
        "legal_status": "looked_after",
        "responsible_authority": "Sandwell",
        "placement_postcode": "B30 2LS",
    }
    decision = vet(database, clock, vetter, quiet(child=child))
    assert decision.team == "Another authority: Sandwell"
    assert [a.type for a in decision.actions] == ["notify_responsible_authority"]


def test_a_child_placed_out_of_area_by_us_still_gets_the_interview(database, clock, vetter) -> None:
    child = {
        "legal_status": "looked_after",
        "responsible_authority": "Birmingham",
        "placement_postcode": "CV1 2AB",
        "home_postcode": "B14 7QH",
    }
    decision = vet(database, clock, vetter, quiet(child=child))
    assert decision.team == "South"
    assert "return_home_interview" in [a.type for a in decision.actions]


def test_the_team_follows_the_postcode_district(database, clock, vetter) -> None:
    assert (
        vet(database, clock, vetter, quiet(child={**AT_HOME, "home_postcode": "B8 1AA"})).team
        == "East"
    )
    assert (
        vet(
            database,
            clock,
            vetter,
            quiet(child={**AT_HOME, "home_postcode": "B23 6TJ", "police_person_id": "P-2"}),
        ).team
        == "North, West & Central"
    )


def test_still_missing_at_72_hours_calls_for_a_strategy_discussion(database, clock, vetter) -> None:
    payload = quiet(returned_after_hours=None, missing_hours=80)
    decision = vet(database, clock, vetter, payload)
    assert decision.vetted_level == "high"
    assert "still_missing_72h" in decision.flags
    assert "strategy_discussion" in [a.type for a in decision.actions]


def test_a_child_missing_with_an_exploited_child_is_linked(database, clock, vetter) -> None:
    tyler = {
        **AT_HOME,
        "police_person_id": "WMP-P-77",
        "given_name": "Tyler",
        "family_name": "Okafor",
        "sex": "male",
    }
    vet(
        database,
        clock,
        vetter,
        quiet(
            child=tyler, episode={"indicators": ["drugs"]}, reported=REPORTED - timedelta(days=10)
        ),
    )
    together = {**QUIET, "companions": [{"police_person_id": "WMP-P-77"}]}
    decision = vet(database, clock, vetter, quiet(episode=together))
    assert "linked_to_exploitation" in decision.flags
    assert next(r for r in decision.reasons if r.rule_id == "R20").evidence == {
        "linked_exploited_children": 1
    }


def test_decisions_are_added_never_rewritten(
    database, clock, vetter, engine, rules_dir, tmp_path
) -> None:
    payload = quiet(reference="WMP-KEEP")
    first = vet(database, clock, vetter, payload)
    vet(database, clock, vetter, payload)  # identical: no new decision
    second = vet(
        database,
        clock,
        vetter,
        changed(payload, police_risk_grade="high", sent_at="2026-03-15T01:00:00+00:00"),
    )
    copy = shutil.copytree(rules_dir, tmp_path / "rules")
    parameters = copy / "parameters.yaml"
    parameters.write_text(parameters.read_text() + "\n# a new version of the rules\n")
    vet(database, clock, Vetter(Rulebook(engine, copy), home_authority="Birmingham"), payload)
    with database.reading() as session:
        rows = session.execute(
            select(DecisionRecord.vetted_level, DecisionRecord.ruleset_version).order_by(
                DecisionRecord.id
            )
        ).all()
        assert session.scalar(select(func.count()).select_from(DecisionRecord)) == 3
    assert [level for level, _ in rows] == ["no_apparent_risk", "high", "high"]
    assert rows[0][1] == first.ruleset_version == second.ruleset_version != rows[2][1]


def test_every_reason_names_its_rule_and_evidence(database, clock, vetter) -> None:
    decision = vet(database, clock, vetter, notification())
    assert decision.reasons
    for reason in decision.reasons:
        assert reason.rule_id.startswith("R") and reason.title and reason.effect
        assert reason.evidence


def test_batch_and_service_vetting_give_the_same_decisions(database, clock, vetter) -> None:
    from triage.notification import parse_notification
    from triage.vetting.batch import vet_batch

    tyler = {
        **AT_HOME,
        "police_person_id": "WMP-P-77",
        "given_name": "Tyler",
        "family_name": "Okafor",
        "sex": "male",
    }
    history = [
        quiet(
            child=tyler, episode={"indicators": ["drugs"]}, reported=REPORTED - timedelta(days=30)
        ),
        quiet(reported=REPORTED - timedelta(days=40), police_classification="absent"),
        quiet(
            reported=REPORTED - timedelta(days=5),
            episode={**QUIET, "companions": [{"police_person_id": "WMP-P-77"}]},
        ),
        notification(reported=REPORTED - timedelta(days=2)),
    ]
    for payload in history:
        vet(database, clock, vetter, payload)
    fresh = [
        quiet(),
        quiet(child=tyler, returned_after_hours=None, missing_hours=90),
        notification(
            child={"police_person_id": None, "local_child_id": None, "given_name": "Nobody"}
        ),
        quiet(
            police_classification="absent", episode={"indicators": [], "circumstances": "in a taxi"}
        ),
    ]
    notifications = [parse_notification(p) for p in history + fresh]
    with database.reading() as session:
        batch = vet_batch(session, notifications, vetter)
        from triage.vetting.batch import IdentityIndex

        index = IdentityIndex.load(session)
        for n, decided in zip(notifications, batch, strict=True):
            child, episode = index.child_of(n)
            one = vetter.vet(session, n, child_id=child, episode_id=episode)
            assert one == decided, n.police_reference


def test_a_return_stamped_minutes_after_sending_still_counts_as_returned(
    database, clock, vetter
) -> None:
    payload = quiet(returned_after_hours=3.0, missing_hours=1.0)
    returned = payload["episode"]["returned_at"]
    sent = (datetime.fromisoformat(returned) - timedelta(minutes=5)).isoformat()
    decision = vet(database, clock, vetter, changed(payload, sent_at=sent))
    assert "return_home_interview" in [a.type for a in decision.actions]
    assert "still_missing_72h" not in decision.flags


def test_the_home_authority_is_recognised_whatever_police_call_it(database, clock, vetter) -> None:
    for k, name in enumerate(
        ("Birmingham City Council", "birmingham", "Birmingham Children's Trust")
    ):
        child = {
            "legal_status": "looked_after",
            "responsible_authority": name,
            "placement_postcode": "B30 2LS",
            "police_person_id": f"P-{k}",
        }
        decision = vet(database, clock, vetter, quiet(child=child))
        assert decision.team == "South", name
    child = {
        "legal_status": "looked_after",
        "responsible_authority": "Sandwell Metropolitan Borough Council",
        "placement_postcode": "B30 2LS",
        "police_person_id": "P-S",
    }
    assert vet(database, clock, vetter, quiet(child=child)).team.startswith("Another authority")
