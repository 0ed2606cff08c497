"""Decisions that keep up with the child: never below the police grade, one level in force in
every view, nothing unseen, decisions that follow the clock, history as it was known, reasons
that match effects, escalation of high, very young children. SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import FrozenClock, issue_headers
from factories import changed, notification
from test_api import detail, submit
from triage import decisions
from triage.decisions.revet import RevetSchedule, due, revet_due
from triage.history.store import features_as_of
from triage.notification import Notification
from triage.store import Database
from triage.store.tables import DecisionRecord, EpisodeRecord, VettingFailure
from triage.vetting.service import Vetter

H = dict[str, dict[str, str]]


def review(client: TestClient, headers: H, who: str, reference: str, **body: Any) -> Any:
    return client.post(
        f"/api/v1/notifications/{reference}/reviews", json=body, headers=headers[who]
    )


def newest_decision_id(client: TestClient, headers: H, reference: str) -> int:
    return int(detail(client, headers, reference)["decision"]["decision_id"])


def quiet(reference: str, **top: Any) -> dict[str, Any]:
    """A returned, unremarkable notification: police low, no indicators, not looked after."""
    return notification(
        reference=reference,
        police_risk_grade=top.pop("police_risk_grade", "low"),
        child={
            "legal_status": "none",
            "police_person_id": f"P-{reference}",
            **top.pop("child", {}),
        },
        episode={
            "indicators": [],
            "circumstances": "Stayed at a friend's house.",
            **top.pop("episode", {}),
        },
        **top,
    )


# Never below the police grade -----------------------------------------------------------------


def test_no_review_can_set_a_level_below_the_police_grade(client: TestClient, headers: H) -> None:
    submit(client, headers, notification(reference="NB-1"))  # police medium
    refused = review(
        client,
        headers,
        "mash_worker",
        "NB-1",
        decision_id=newest_decision_id(client, headers, "NB-1"),
        decision="override",
        level="no_apparent_risk",
        reason="wrong_child",
    )
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["field"] == "level"
    assert "never below the police grade" in error["problem"] and '"medium"' in error["problem"]
    assert detail(client, headers, "NB-1")["level_in_force"] == "medium"


def test_a_police_high_cannot_be_lowered_even_with_a_second_person(
    client: TestClient, headers: H
) -> None:
    submit(client, headers, notification(reference="NB-2", police_risk_grade="high"))
    refused = review(
        client,
        headers,
        "mash_worker",
        "NB-2",
        decision_id=newest_decision_id(client, headers, "NB-2"),
        decision="override",
        level="low",
        reason="duplicate_episode",
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "level"
    listed = client.get("/api/v1/reviews/awaiting-agreement", headers=headers["alex"]).json()
    assert listed["total"] == 0


def test_lowering_a_level_the_score_or_a_rule_raised_still_needs_a_second_person(
    client: TestClient, headers: H
) -> None:
    # Police low; a CSE indicator makes it at least medium (R04): lowering to low takes two.
    submit(client, headers, notification(reference="NB-3", police_risk_grade="low"))
    assert detail(client, headers, "NB-3")["level_in_force"] == "medium"
    lowered = review(
        client,
        headers,
        "mash_worker",
        "NB-3",
        decision_id=newest_decision_id(client, headers, "NB-3"),
        decision="override",
        level="low",
        reason="duplicate_episode",
    ).json()
    assert lowered["needs_agreement"] is True
    assert detail(client, headers, "NB-3")["level_in_force"] == "medium"


def test_the_review_page_refuses_a_level_below_the_police_grade_naming_the_field(
    client: TestClient, headers: H
) -> None:
    from test_pages import _csrf, _sign_in

    submit(client, headers, notification(reference="NB-4"))
    decision_id = newest_decision_id(client, headers, "NB-4")
    _sign_in(client, "sam")
    token = _csrf(client, "/notifications/NB-4")
    page = client.get("/notifications/NB-4")
    offered = [level.value for level in page.context["levels"]]  # type: ignore[attr-defined]
    assert offered == ["medium", "high"]  # the form offers nothing below the police grade
    refused = client.post(
        "/notifications/NB-4/review",
        data={
            "csrf_token": token,
            "decision_id": str(decision_id),
            "decision": "override",
            "level": "low",
            "reason": "wrong_child",
        },
    )
    assert [r.status_code for r in refused.history] == [303]  # post/redirect/get
    errors = refused.context["errors"]  # type: ignore[attr-defined]
    assert [e.field for e in errors] == ["level"]


# One level in force, everywhere ---------------------------------------------------------------


def _every_view(client: TestClient, headers: H, reference: str) -> dict[str, str]:
    """The level in force as each view shows it."""
    api = detail(client, headers, reference)
    queue = client.get(
        "/api/v1/queue", params={"per_page": 100}, headers=headers["mash_worker"]
    ).json()
    (item,) = [i for i in queue["items"] if i["police_reference"] == reference]
    child = client.get(
        f"/api/v1/children/{api['child']['child_id']}", headers=headers["mash_worker"]
    ).json()
    (entry,) = [t for t in child["timeline"] if t["police_reference"] == reference]
    rows = client.get(
        "/api/v1/analytics/decisions", params={"per_page": 100}, headers=headers["analyst"]
    ).json()["items"]
    page = client.get(f"/notifications/{reference}").context["view"]  # type: ignore[attr-defined]
    page_queue = client.get("/queue/notifications", params={"status": "all"}).context["items"]  # type: ignore[attr-defined]
    (page_item,) = [i for i in page_queue if i.police_reference == reference]
    child_page = client.get(f"/children/{api['child']['child_id']}")
    timeline = child_page.context["view"]  # type: ignore[attr-defined]
    # What the child page shows, not only what it was given: the level tag in the row.
    row = re.search(rf">{re.escape(reference)}</a></td>.*?</tr>", child_page.text, re.S)
    shown = re.search(r'class="tag tag-([a-z_]+)"', row[0]) if row else None
    (page_entry,) = [t for t in timeline.timeline if t.police_reference == reference]
    return {
        "api notification": api["level_in_force"],
        "api queue": item["level_in_force"],
        "api child timeline": entry["level_in_force"],
        "analysts' data": rows[-1]["level_in_force"],
        "notification page": page.level,
        "queue page": page_item.level,
        "child page": page_entry.level,
        "child page as shown": shown[1] if shown else "nothing shown",
        "review form asks about": page.level,
    }


def test_every_view_says_the_same_level_at_every_step(client: TestClient, headers: H) -> None:
    from test_pages import _sign_in

    _sign_in(client, "jo")  # the panel chair reads the pages; others act through the API
    payload = notification(reference="ONE-1", police_risk_grade="low")  # vetted medium (R04)

    def same(expected: str) -> None:
        seen = _every_view(client, headers, "ONE-1")
        assert set(seen.values()) == {expected}, seen

    submit(client, headers, payload)
    same("medium")
    raised = review(
        client,
        headers,
        "mash_worker",
        "ONE-1",
        decision_id=newest_decision_id(client, headers, "ONE-1"),
        decision="override",
        level="high",
        reason="known_exploitation",
    )
    assert raised.status_code == 201
    same("high")
    lowering = review(
        client,
        headers,
        "alex",
        "ONE-1",
        decision_id=newest_decision_id(client, headers, "ONE-1"),
        decision="override",
        level="medium",
        reason="duplicate_episode",
    ).json()
    assert lowering["needs_agreement"] is True
    same("high")  # a lowering waiting for agreement has no effect yet
    agreed = client.post(
        f"/api/v1/reviews/{lowering['review_id']}/agreement",
        json={"agree": True, "note": "Checked"},
        headers=headers["mash_worker"],
    )
    assert agreed.status_code == 201
    same("medium")
    form = client.get("/notifications/ONE-1")
    assert "Is Medium right?" in form.text
    submit(client, headers, changed(payload, police_risk_grade="high"))  # police now say high
    same("high")


def test_a_machine_decision_never_lowers_what_a_person_raised(
    client: TestClient, headers: H
) -> None:
    payload = notification(reference="ONE-2", police_risk_grade="low")
    submit(client, headers, payload)
    review(
        client,
        headers,
        "mash_worker",
        "ONE-2",
        decision_id=newest_decision_id(client, headers, "ONE-2"),
        decision="override",
        level="high",
        reason="known_exploitation",
    )
    # A new version that the machine vets medium: the person's high stands until a person
    # lowers it (and lowering it takes two).
    submit(client, headers, changed(payload, **{"episode.circumstances": "Came home by bus."}))
    after = detail(client, headers, "ONE-2")
    assert (after["decision"]["vetted_level"], after["level_in_force"]) == ("medium", "high")
    assert after["status"] == "awaiting_review"


# Nothing unseen --------------------------------------------------------------------------------


class FailingVetter(Vetter):
    """Fault injection: the real vetter, made to raise while `broken` is set (as an engine fault
    or a bad model artefact would). Nothing else of ours is replaced."""

    broken = True

    def vet(self, *args: Any, **kwargs: Any) -> Any:
        if self.broken:
            raise RuntimeError("the engine is down")
        return super().vet(*args, **kwargs)

    def score(self, *args: Any, **kwargs: Any) -> Any:  # the bulk load's batch path scores too
        if self.broken:
            raise RuntimeError("the model is unreadable")
        return super().score(*args, **kwargs)


@pytest.fixture
def failing(rulebook: Any, scored_model: Any) -> FailingVetter:
    return FailingVetter(rulebook, home_authority="Birmingham", model=scored_model)


@pytest.fixture
def failing_client(
    app_settings: Any, database: Database, failing: FailingVetter, clock: FrozenClock, accounts: Any
):
    from triage.http import create_app

    app = create_app(app_settings, database=database, vetter=failing, clock=clock)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def failing_headers(
    failing_client: TestClient, database: Database, clock: FrozenClock, accounts: Any
) -> H:
    return issue_headers(failing_client, database, clock, accounts)


def test_a_notification_whose_vetting_failed_is_queued_counted_and_revetted_once_fixed(
    failing_client: TestClient,
    failing_headers: H,
    failing: FailingVetter,
    database: Database,
    clock: FrozenClock,
) -> None:
    client, headers = failing_client, failing_headers
    receipt = client.post(
        "/api/v1/notifications",
        json=notification(reference="UNSEEN-1", police_risk_grade="medium"),
        headers=headers["police_feed"],
    )
    assert receipt.status_code == 201
    assert (receipt.json()["outcome"], receipt.json()["vetting_failed"]) == ("accepted", True)
    assert receipt.json()["vetted_level"] is None

    queue = client.get(
        "/api/v1/queue", params={"status": "not_vetted"}, headers=headers["mash_worker"]
    ).json()
    (item,) = queue["items"]
    assert (item["police_reference"], item["status"], item["level_in_force"]) == (
        "UNSEEN-1",
        "not_vetted",
        "medium",  # treated as the police grade or higher
    )
    assert item["vetted_level"] is None and item["decision_id"] is None
    health = client.get("/api/v1/health").json()
    assert health["counts"]["not_vetted"] == 1
    from test_pages import _sign_in

    _sign_in(client, "sam")
    page = client.get("/queue")  # the worker's default view: everything that needs a person
    (row,) = page.context["items"]  # type: ignore[attr-defined]
    assert row.top.police_reference == "UNSEEN-1" and "Not vetted" in page.text
    assert "treat as the police grade or higher" in page.text
    with database.reading() as session:
        (failure,) = session.scalars(select(VettingFailure)).all()
        assert failure.error.startswith("RuntimeError at vet")  # the kind and place, no content
        assert failure.resolved_at is None

    # Still broken: the schedule's pass keeps the failure, counts another attempt.
    schedule = client.app.state.revet  # type: ignore[attr-defined]
    assert schedule.run_once().failed == 1
    failing.broken = False  # the cause is fixed
    summary = schedule.run_once()
    assert (summary.decided, summary.failed) == (1, 0)
    after = detail(client, headers, "UNSEEN-1")
    assert after["status"] == "awaiting_review" and after["decision"]["trigger"] == "retry"
    assert client.get("/api/v1/health").json()["counts"]["not_vetted"] == 0
    with database.reading() as session:
        failure = session.scalars(select(VettingFailure)).one()
        assert (failure.attempts, failure.resolved_at is not None) == (2, True)


# Decisions that follow the clock -------------------------------------------------------------


def _open_episode(client: TestClient, headers: H, reference: str) -> datetime:
    """A child still missing (police low, nothing else of note); returns when last seen."""
    payload = quiet(reference, returned_after_hours=None)
    submit(client, headers, payload)
    return datetime.fromisoformat(payload["episode"]["last_seen_at"]).astimezone(UTC)


def test_a_child_still_missing_is_revetted_as_each_time_threshold_passes(
    client: TestClient,
    headers: H,
    database: Database,
    clock: FrozenClock,
    scored_vetter: Vetter,
    accounts: Any,
) -> None:
    last_seen = _open_episode(client, headers, "CLOCK-1")
    thresholds = scored_vetter.rulebook.current.hour_thresholds
    assert [t.hours for t in thresholds] == [24.0, 72.0]  # from rules/parameters.yaml
    first = detail(client, headers, "CLOCK-1")["decision"]

    clock.now = last_seen + timedelta(hours=30)
    headers = issue_headers(client, database, clock, accounts)
    summary = revet_due(database, scored_vetter, thresholds, as_of=clock.now, now=clock.now)
    assert summary.decided == 1 and summary.why == {"still missing at 24 hours": 1}
    after_24 = detail(client, headers, "CLOCK-1")
    assert after_24["decision"]["trigger"] == "still_missing_24h"
    assert after_24["decision"]["as_of"].startswith(
        (last_seen + timedelta(hours=24, minutes=1)).strftime("%Y-%m-%dT%H:%M")
    )
    assert "R13" in [r["rule_id"] for r in after_24["decision"]["body"]["reasons"]]
    assert after_24["level_in_force"] in ("medium", "high")

    # Nothing more is due until the next threshold, however often the schedule runs.
    assert (
        revet_due(database, scored_vetter, thresholds, as_of=clock.now, now=clock.now).decided == 0
    )

    clock.now = last_seen + timedelta(hours=80)
    headers = issue_headers(client, database, clock, accounts)
    summary = revet_due(database, scored_vetter, thresholds, as_of=clock.now, now=clock.now)
    assert summary.why == {"still missing at 72 hours": 1}
    after_72 = detail(client, headers, "CLOCK-1")
    assert after_72["decision"]["trigger"] == "still_missing_72h"
    assert after_72["level_in_force"] == "high"
    assert "strategy_discussion" in [a["type"] for a in after_72["actions"]]
    assert summary.changes[0].new_reasons[:1] == ("R14",)

    # Every decision is kept as it was made; none is rewritten.
    history = client.get(
        "/api/v1/notifications/CLOCK-1/decisions", headers=headers["mash_worker"]
    ).json()
    assert [d["trigger"] for d in history["items"]] == [
        "still_missing_72h",
        "still_missing_24h",
        "version",
    ]
    assert history["items"][-1] == first


def test_a_returned_child_is_not_revetted(
    client: TestClient, headers: H, database: Database, clock: FrozenClock, scored_vetter: Vetter
) -> None:
    submit(client, headers, quiet("CLOCK-2"))  # returned after 6 hours
    with database.reading() as session:
        assert (
            due(
                session,
                scored_vetter.rulebook.current.hour_thresholds,
                clock.now + timedelta(days=9),
            )
            == []
        )


def test_the_service_revets_by_itself_and_what_is_due_survives_a_restart(
    app_settings: Any,
    database: Database,
    scored_vetter: Vetter,
    clock: FrozenClock,
    accounts: Any,
    client: TestClient,
    headers: H,
) -> None:
    from triage.http import create_app

    last_seen = _open_episode(client, headers, "CLOCK-3")
    clock.now = last_seen + timedelta(hours=100)  # the service was down when 24 and 72 passed
    settings = app_settings.model_copy(update={"revet_seconds": 0.05})
    app = create_app(settings, database=database, vetter=scored_vetter, clock=clock)
    with TestClient(app):  # a fresh process: nothing in memory says what is due
        schedule = app.state.revet
        deadline = datetime.now(UTC) + timedelta(seconds=20)
        while schedule.runs == 0 and datetime.now(UTC) < deadline:
            time.sleep(0.02)
    with database.reading() as session:
        episode = session.scalars(
            select(EpisodeRecord).where(EpisodeRecord.police_reference == "CLOCK-3")
        ).one()
        triggers = [d.trigger for d in decisions.of_episode(session, episode.id)]
    # Each threshold it passed while down gets its own decision, speaking for its own moment.
    assert triggers == ["version", "still_missing_24h", "still_missing_72h"]


def test_overdue_actions_are_marked_in_the_queue_and_the_api(
    client: TestClient,
    headers: H,
    database: Database,
    clock: FrozenClock,
    scored_vetter: Vetter,
    accounts: Any,
) -> None:
    last_seen = _open_episode(client, headers, "CLOCK-4")
    clock.now = last_seen + timedelta(hours=73)
    revet_due(
        database,
        scored_vetter,
        scored_vetter.rulebook.current.hour_thresholds,
        as_of=clock.now,
        now=clock.now,
    )
    clock.now = last_seen + timedelta(hours=75)
    headers = issue_headers(client, database, clock, accounts)
    queue = client.get("/api/v1/queue", headers=headers["mash_worker"]).json()
    (item,) = [i for i in queue["items"] if i["police_reference"] == "CLOCK-4"]
    assert "strategy_discussion" in item["overdue_actions"]
    actions = client.get(
        "/api/v1/notifications/CLOCK-4/actions", headers=headers["mash_worker"]
    ).json()
    overdue = {a["type"]: a["overdue"] for a in actions["items"]}
    assert overdue["strategy_discussion"] is True


def test_two_processes_racing_for_the_same_revet_leave_one_decision(
    client: TestClient, headers: H, database: Database, clock: FrozenClock, scored_vetter: Vetter
) -> None:
    last_seen = _open_episode(client, headers, "CLOCK-5")
    moment = last_seen + timedelta(hours=30)
    thresholds = scored_vetter.rulebook.current.hour_thresholds
    with database.reading() as session:
        (item,) = due(session, thresholds, moment)
    for _process in range(2):  # both computed the same due item before either wrote
        with database.transaction() as session:
            version = decisions.current_version(session, item.episode_id)
            decisions.decide(
                session,
                scored_vetter,
                version=version,
                now=moment,
                as_of=item.as_of,
                trigger=item.trigger,
            )
    with database.reading() as session:
        assert len(decisions.of_episode(session, item.episode_id)) == 2  # the first and one re-vet


# History as it was known ---------------------------------------------------------------------


def test_an_old_decision_is_reproduced_exactly_after_police_correct_an_earlier_episode(
    client: TestClient, headers: H, database: Database, scored_vetter: Vetter
) -> None:
    child = {"police_person_id": "P-KNOWN"}
    earlier = quiet("KNOWN-1", child=child, missing_hours=30, returned_after_hours=4)
    later = quiet("KNOWN-2", child=child)
    submit(client, headers, earlier)
    submit(client, headers, later)
    before = detail(client, headers, "KNOWN-2")["decision"]
    # Police correct the earlier episode after the later one was vetted: it had an exploitation
    # indicator after all.
    correction = changed(
        earlier,
        sent_at=(datetime.fromisoformat(later["sent_at"]) + timedelta(hours=2)).isoformat(),
        **{"episode.indicators": ["hotels_taxis"]},
    )
    submit(client, headers, correction)
    with database.reading() as session:
        episode = session.scalars(
            select(EpisodeRecord).where(EpisodeRecord.police_reference == "KNOWN-2")
        ).one()
        version = decisions.current_version(session, episode.id)
        n = Notification.model_validate(version.payload)
        then = features_as_of(
            session,
            episode.child_id,
            episode.last_seen_at,
            exclude_episode_id=episode.id,
            known_at=version.sent_at,
        )
        now = features_as_of(
            session, episode.child_id, episode.last_seen_at, exclude_episode_id=episode.id
        )
        again = scored_vetter.vet(session, n, child_id=episode.child_id, episode_id=episode.id)
        today = scored_vetter.vet(
            session, n, child_id=episode.child_id, episode_id=episode.id, as_of=datetime.now(UTC)
        )
    assert (then.earlier_cse_episodes, now.earlier_cse_episodes) == (0, 1)
    assert decisions.to_json(again) == before["body"]  # reproduced exactly
    assert today.score is not None and before["body"]["score"] is not None
    assert today.score.total != before["body"]["score"]["total"] or (
        "R04" in [r.rule_id for r in today.reasons]
    )


# Reasons match effects -----------------------------------------------------------------------


def test_a_reason_is_listed_only_for_an_effect_that_applied(client: TestClient, headers: H) -> None:
    # An absence that stays an absence (nothing makes it missing) gets no interview, so R19,
    # which fires on every return, is not listed as a reason.
    submit(
        client,
        headers,
        quiet("RE-1", police_classification="absent", child={"date_of_birth": "2009-01-01"}),
    )
    after = detail(client, headers, "RE-1")
    body = after["decision"]["body"]
    assert body["classification"] == "absent"
    assert "R19" not in [r["rule_id"] for r in body["reasons"]]
    assert "return_home_interview" not in [a["type"] for a in after["actions"]]


def test_our_looked_after_child_placed_out_of_area_is_routed_to_a_team_with_the_interview(
    client: TestClient, headers: H
) -> None:
    away = {"placement_postcode": "LS1 4AB", "legal_status": "looked_after"}
    submit(
        client,
        headers,
        notification(reference="OUT-1", child={**away, "police_person_id": "P-OUT-1"}),
    )
    submit(
        client,
        headers,
        notification(
            reference="OUT-2",
            child={**away, "home_postcode": "CV1 2AA", "police_person_id": "P-OUT-2"},
        ),
    )
    home = detail(client, headers, "OUT-1")
    nowhere = detail(client, headers, "OUT-2")
    assert home["decision"]["body"]["team"] == "North, West & Central"  # home district B23
    assert nowhere["decision"]["body"]["team"] == "Out-of-area placements"
    for view in (home, nowhere):
        assert "no area" not in view["decision"]["body"]["team"]
        assert "return_home_interview" in [a["type"] for a in view["actions"]]


# Escalation of high, and very young children -------------------------------------------------


def test_a_high_asks_for_the_senior_manager_who_alone_marks_it_done(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    submit(
        client,
        headers,
        notification(reference="ESC-1", episode={"indicators": ["injury_on_return"]}),
    )
    actions = detail(client, headers, "ESC-1")["actions"]
    (escalation,) = [a for a in actions if a["type"] == "inform_senior_manager"]
    assert (escalation["role"], escalation["rule_id"]) == ("senior_manager", "escalation")
    path = "/api/v1/notifications/ESC-1/actions/inform_senior_manager/completion"
    refused = client.post(path, json={"note": "told"}, headers=headers["mash_worker"])
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "action_type"
    done = client.post(
        path, json={"note": "Level confirmed as high"}, headers=headers["senior_manager"]
    )
    assert done.status_code == 201 and done.json()["completed_by"] == "Morgan Reid"


def test_a_person_raising_to_high_also_asks_for_the_senior_manager(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    submit(client, headers, notification(reference="ESC-2"))
    assert "inform_senior_manager" not in [
        a["type"] for a in detail(client, headers, "ESC-2")["actions"]
    ]
    review(
        client,
        headers,
        "mash_worker",
        "ESC-2",
        decision_id=newest_decision_id(client, headers, "ESC-2"),
        decision="override",
        level="high",
        reason="known_exploitation",
    )
    (escalation,) = [
        a
        for a in detail(client, headers, "ESC-2")["actions"]
        if a["type"] == "inform_senior_manager"
    ]
    assert escalation["due_at"].startswith(
        (clock.now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )


def test_a_very_young_child_missing_is_high_from_the_start(client: TestClient, headers: H) -> None:
    receipt = submit(client, headers, quiet("YOUNG-1", child={"date_of_birth": "2018-06-01"}))
    assert receipt["vetted_level"] == "high"
    body = detail(client, headers, "YOUNG-1")["decision"]["body"]
    assert "very_young_child" in body["flags"] and "R22" in [r["rule_id"] for r in body["reasons"]]


def test_the_decision_row_is_never_rewritten_by_a_revet(
    client: TestClient, headers: H, database: Database, clock: FrozenClock, scored_vetter: Vetter
) -> None:
    last_seen = _open_episode(client, headers, "KEEP-1")
    with database.reading() as session:
        first = session.scalars(select(DecisionRecord)).one()
        kept = (first.id, first.vetted_level, first.as_of, first.body)
    clock.now = last_seen + timedelta(hours=80)
    revet_due(
        database,
        scored_vetter,
        scored_vetter.rulebook.current.hour_thresholds,
        as_of=clock.now,
        now=clock.now,
    )
    with database.reading() as session:
        again = session.get_one(DecisionRecord, kept[0])
        assert (again.id, again.vetted_level, again.as_of, again.body) == kept


def test_the_schedule_outlives_a_bad_pass(
    database: Database, scored_vetter: Vetter, clock: FrozenClock
) -> None:
    calls = []

    def thresholds() -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bad pass")
        return scored_vetter.rulebook.current.hour_thresholds

    schedule = RevetSchedule(database, scored_vetter, thresholds, interval=0.01, clock=clock)
    schedule.start()
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while schedule.runs < 1 and datetime.now(UTC) < deadline:
        time.sleep(0.02)
    schedule.stop()
    assert len(calls) >= 2 and schedule.runs >= 1


def test_a_bulk_load_keeps_a_notification_whose_vetting_failed(
    database: Database, failing: FailingVetter, clock: FrozenClock
) -> None:
    """The loader once swallowed a vetting failure, leaving a notification nobody would see."""
    import json

    from triage.intake import Outcome, load_records
    from triage.notification.reader import raw_from_text

    records = [
        raw_from_text(json.dumps(notification(reference=f"BULK-{k}")), source="t", position=k)
        for k in range(3)
    ]
    summary = load_records(database, records, vetter=failing, clock=clock)
    assert summary.counts[Outcome.ACCEPTED] == 3
    with database.reading() as session:
        assert len(session.scalars(select(VettingFailure)).all()) == 3
        assert session.scalars(select(DecisionRecord)).all() == []
        stored = session.scalars(select(EpisodeRecord.police_reference)).all()
    assert sorted(stored) == ["BULK-0", "BULK-1", "BULK-2"]
    failing.broken = False
    fixed = RevetSchedule(database, failing, lambda: (), interval=0, clock=clock).run_once()
    assert (fixed.decided, fixed.failed) == (3, 0)
