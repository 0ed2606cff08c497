"""Shadow mode: an analyst asks, an admin (another person) approves; from then on every arrival
and every re-vet is decided by the candidate too and kept apart, never reaching a queue, a
receipt or the level in force; the report compares the two. SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_cli import run  # noqa: F401  (a fixture)
from test_decisions_over_time import quiet
from test_rule_data import _edited

from conftest import FrozenClock, issue_headers
from factories import notification
from test_api import detail, submit
from triage.accounts import get_by_username
from triage.analysis.pseudonymised import Pseudonymiser
from triage.decisions.revet import revet_due
from triage.errors import ShadowConflict, ShadowRefused
from triage.rules import RuleEngine
from triage.shadow import service
from triage.shadow.tables import ShadowDecision
from triage.store import Database
from triage.store.tables import DecisionRecord, SubmissionReceipt
from triage.vetting.service import Vetter

H = dict[str, dict[str, str]]
YOUNGER_THAN_15 = {
    "very_young_child_age": 15,
    "examples": {
        "R22-very-young-child.yaml": {"fires": [{"age": 14}], "does_not_fire": [{"age": 15}]}
    },
}


@pytest.fixture
def candidate(rules_dir: Path, tmp_path: Path) -> Path:
    """The live rules with every child under 15 very young (Jade, 14, becomes high)."""
    return _edited(rules_dir, tmp_path, **YOUNGER_THAN_15)


def _person(database: Database, username: str) -> Any:
    with database.reading() as session:
        return get_by_username(session, username)


def _start(
    database: Database, clock: FrozenClock, engine: RuleEngine, candidate: Path
) -> service.ShadowRun:
    with database.transaction() as session:
        service.request(
            session,
            by=_person(database, "priya"),
            rules_dir=candidate,
            model_dir=None,
            engine=engine,
            home_authority="Birmingham",
            now=clock(),
        )
    with database.transaction() as session:
        return service.approve(session, by=_person(database, "chris"), now=clock())


def _follow(database: Database, engine: RuleEngine, clock: FrozenClock) -> int:
    return service.follow_pass(database, engine, "Birmingham", now=clock())


def _count(database: Database, table: Any) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_a_shadow_run_needs_an_admin_other_than_the_analyst_who_asked(
    database: Database,
    accounts: dict[str, str],
    clock: FrozenClock,
    engine: RuleEngine,
    candidate: Path,
) -> None:
    def ask(username: str) -> None:
        with database.transaction() as session:
            service.request(
                session,
                by=_person(database, username),
                rules_dir=candidate,
                model_dir=None,
                engine=engine,
                home_authority="Birmingham",
                now=clock(),
            )

    with pytest.raises(ShadowRefused, match="only an analyst asks"):
        ask("sam")
    ask("priya")
    with pytest.raises(ShadowConflict, match="already asked for or running"):
        ask("priya")
    for username, problem in (("priya", "only an admin"), ("sam", "only an admin")):
        with pytest.raises(ShadowRefused, match=problem), database.transaction() as session:
            service.approve(session, by=_person(database, username), now=clock())
    with database.transaction() as session:
        assert service.current(session).status == service.REQUESTED  # type: ignore[union-attr]
        run = service.approve(session, by=_person(database, "chris"), now=clock())
        assert run.status == service.RUNNING and run.started_at is not None


def test_the_admin_who_asked_cannot_approve_it_too(
    database: Database,
    accounts: dict[str, str],
    clock: FrozenClock,
    engine: RuleEngine,
    candidate: Path,
) -> None:
    with database.transaction() as session:
        admin = _person(database, "chris")
        admin.role = "analyst"  # an analyst asks, then is made an admin and tries to approve
        session.merge(admin)
    with database.transaction() as session:
        service.request(
            session,
            by=_person(database, "chris"),
            rules_dir=candidate,
            model_dir=None,
            engine=engine,
            home_authority="Birmingham",
            now=clock(),
        )
    with database.transaction() as session:
        admin = _person(database, "chris")
        admin.role = "admin"
        session.merge(admin)
    with pytest.raises(ShadowRefused, match="cannot approve it too"), database.transaction() as s:
        service.approve(s, by=_person(database, "chris"), now=clock())


def test_a_candidate_that_fails_its_examples_is_refused(
    database: Database,
    accounts: dict[str, str],
    clock: FrozenClock,
    engine: RuleEngine,
    rules_dir: Path,
    tmp_path: Path,
) -> None:
    broken = _edited(rules_dir, tmp_path, very_young_child_age=15)  # R22's examples now fail
    with pytest.raises(ShadowRefused, match="cannot be used"), database.transaction() as session:
        service.request(
            session,
            by=_person(database, "priya"),
            rules_dir=broken,
            model_dir=None,
            engine=engine,
            home_authority="Birmingham",
            now=clock(),
        )


def test_every_arrival_and_re_vet_is_shadowed_and_nothing_a_mash_worker_sees_changes(
    client: TestClient,
    headers: H,
    accounts: dict[str, str],
    database: Database,
    clock: FrozenClock,
    engine: RuleEngine,
    scored_vetter: Vetter,
    candidate: Path,
) -> None:
    before = submit(client, headers, notification(reference="SH-0"))  # before the run: not shadowed
    clock.now += timedelta(minutes=1)
    _start(database, clock, engine, candidate)
    receipt = submit(client, headers, notification(reference="SH-1"))  # Jade, 14: medium live
    still_missing = quiet("SH-2", returned_after_hours=None, child={"date_of_birth": "2012-01-09"})
    submit(client, headers, still_missing)
    clock.now = datetime.fromisoformat(still_missing["episode"]["last_seen_at"]).astimezone(
        UTC
    ) + timedelta(hours=25)
    thresholds = scored_vetter.rulebook.current.hour_thresholds
    revetted = revet_due(database, scored_vetter, thresholds, as_of=clock.now, now=clock.now)
    assert revetted.decided >= 1
    live_since = _count(database, DecisionRecord) - 1  # every decision but SH-0's
    assert _follow(database, engine, clock) == live_since
    assert _follow(database, engine, clock) == 0  # each live decision is shadowed once
    with database.reading() as session:
        shadowed = {
            live: level
            for live, level in session.execute(
                select(ShadowDecision.live_decision_id, ShadowDecision.vetted_level)
            )
        }
        triggers = set(session.scalars(select(DecisionRecord.trigger)))
    assert len(shadowed) == live_since and "high" in shadowed.values()
    headers = issue_headers(client, database, clock, accounts)  # a day on: signed in again
    assert any(t.startswith("still_missing") for t in triggers)
    # What MASH workers and police see is the live decision alone.
    assert detail(client, headers, "SH-1")["level_in_force"] == "medium"
    assert receipt["vetted_level"] == "medium" and before["vetted_level"] == "medium"
    queue = client.get("/api/v1/queue?per_page=100", headers=headers["mash_worker"]).json()
    levels = {item["police_reference"]: item["level_in_force"] for item in queue["items"]}
    assert levels["SH-1"] == "medium" and "high" not in levels.values()
    receipts = client.get("/api/v1/receipts", headers=headers["police_feed"]).json()
    assert {r["vetted_level"] for r in receipts["items"]} <= {"medium", "low", None}
    assert _count(database, SubmissionReceipt) == 3


def test_the_report_compares_live_and_shadow_on_what_arrived_since_it_started(
    client: TestClient,
    headers: H,
    database: Database,
    clock: FrozenClock,
    engine: RuleEngine,
    scored_vetter: Vetter,
    candidate: Path,
) -> None:
    submit(client, headers, notification(reference="SR-0"))
    clock.now += timedelta(minutes=1)
    run_ = _start(database, clock, engine, candidate)
    submit(client, headers, notification(reference="SR-1"))
    submit(client, headers, quiet("SR-2", child={"date_of_birth": "2009-02-03"}))  # 17: low
    _follow(database, engine, clock)
    with database.reading() as session:
        result = service.report(
            session,
            run_,
            scored_vetter,
            service.candidate_of(run_, engine, "Birmingham"),
            pseudonyms=Pseudonymiser(b"k"),
        )
    assert result.summary["decisions"] == 2  # SR-0 arrived before the run
    matrix = {k: int(n) for k, n in result.transitions.stack().items() if n}
    assert matrix == {("low", "low"): 1, ("medium", "high"): 1}
    assert result.rules.set_index("rule").loc["R22", "change"] == 1
    with database.transaction() as session:
        service.stop(session, by=_person(database, "priya"), now=clock())
    submit(client, headers, notification(reference="SR-3"))
    assert _follow(database, engine, clock) == 0  # stopped: nothing more is shadowed


def test_the_commands_start_approve_report_and_stop(run, tmp_path: Path, rules_dir: Path) -> None:  # noqa: F811
    run(
        "users", "add", "priya", "--name", "Priya Shah", "--role", "analyst", "--password", "p" * 12
    )
    run("users", "add", "chris", "--name", "Chris Evans", "--role", "admin", "--password", "p" * 12)
    candidate = _edited(rules_dir, tmp_path, **YOUNGER_THAN_15)
    assert "asked for" in run("shadow", "start", "--candidate", str(candidate), "--by", "priya")
    refused = run("shadow", "approve", "--by", "priya", code=1)
    assert "only an admin approves" in refused
    assert "running from now" in run("shadow", "approve", "--by", "chris")
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(notification(reference="CLI-SH")) + "\n")
    run("load", str(path))
    assert "1 shadow decision made" in run("shadow", "follow")
    report = run("shadow", "report", "--out", str(tmp_path / "out"))
    assert "R22" in report and "1 change level" in report
    assert (tmp_path / "out" / "children.csv").exists()
    assert "stopped" in run("shadow", "stop", "--by", "priya")


def test_the_api_asks_approves_reports_and_stops(
    client: TestClient, headers: H, clock: FrozenClock, candidate: Path
) -> None:
    asked = client.post(
        "/api/v1/analytics/shadow", json={"candidate": str(candidate)}, headers=headers["analyst"]
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "requested" and asked.json()["requested_by"] == "priya"
    not_admin = client.post("/api/v1/analytics/shadow/approval", headers=headers["analyst"])
    assert not_admin.status_code == 403
    approved = client.post("/api/v1/analytics/shadow/approval", headers=headers["admin"])
    assert approved.status_code == 200 and approved.json()["approved_by"] == "chris"
    clock.now += timedelta(minutes=1)
    submit(client, headers, notification(reference="API-SH"))
    client.app.state.revet.run_once()  # type: ignore[attr-defined]  (the service's own pass)
    report = client.get("/api/v1/analytics/shadow/report", headers=headers["analyst"]).json()
    assert report["summary"]["decisions"] == 1
    assert report["rules"] == [
        {
            "rule": "R22",
            "title": "A very young child missing",
            "live": 0,
            "candidate": 1,
            "change": 1,
        }
    ]
    assert [row["candidate_level"] for row in report["children"]] == ["high"]
    assert "Jade" not in json.dumps(report) and "API-SH" not in json.dumps(report)
    assert detail(client, headers, "API-SH")["level_in_force"] != "high"
    stopped = client.post("/api/v1/analytics/shadow/stop", headers=headers["admin"])
    assert stopped.json()["status"] == "stopped" and stopped.json()["stopped_by"] == "chris"
    again = client.post("/api/v1/analytics/shadow/stop", headers=headers["admin"])
    assert again.status_code == 409


def test_an_unusable_candidate_is_refused_naming_the_field(client: TestClient, headers: H) -> None:
    refused = client.post(
        "/api/v1/analytics/shadow", json={"candidate": "/nowhere"}, headers=headers["analyst"]
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "rules_dir"


def test_an_unusable_candidate_model_is_refused_naming_the_field(
    client: TestClient, headers: H, rules_dir: Path
) -> None:
    """Found by the fuzzer: a model folder with no artefact answered 500."""
    refused = client.post(
        "/api/v1/analytics/shadow",
        json={"candidate": str(rules_dir), "model": "/nowhere"},
        headers=headers["analyst"],
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "model"
