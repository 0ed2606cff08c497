"""Monitoring: override rates by rule, level, team and reviewer; time to review; live calibration;
fairness with intervals and small-number suppression. Crafted decisions and reviews whose rates
are known, on both databases, through the API and the page."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from conftest import FrozenClock, issue_headers
from factories import notification
from test_pages import _sign_in
from triage.settings import Settings
from triage.store import Database
from triage.store.tables import AuditEvent

H = dict[str, dict[str, str]]
NAMES = [
    "Amara", "Bethany", "Chloe", "Daisy", "Esme", "Freya", "Grace", "Hana", "Isla", "Jasmine",
    "Keira", "Layla", "Maya", "Nadia", "Olivia", "Poppy", "Quinn", "Rosa", "Sofia", "Tia",
    "Uma", "Violet", "Willow", "Xena", "Yasmin", "Zara", "Aisha", "Bella", "Cora", "Delia",
    "Ella", "Fatima", "Gemma", "Holly", "Imogen", "Julia", "Kiran", "Lucy", "Mia", "Nina",
    "Orla", "Priya", "Ruby", "Sara", "Tara",
]  # fmt: skip
_count = iter(range(10_000))


@pytest.fixture
def app_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The service told of an outcomes file (empty until a test writes labels into it)."""
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text("police_reference,outcome\n", encoding="utf-8")
    return settings.model_copy(
        update={"secret_key": SecretStr("s" * 40), "revet_seconds": 0, "outcomes_file": outcomes}
    )


def _child(**extra: Any) -> dict[str, Any]:
    """A child of their own: no two share an identifier or a name, so no episode is a repeat."""
    n = next(_count)
    return {
        "police_person_id": f"P-MON-{n}",
        "given_name": NAMES[n % len(NAMES)],
        "family_name": f"Family{chr(65 + n // len(NAMES))}{NAMES[n % len(NAMES)][::-1]}",
        **extra,
    }


def high(reference: str, **child: Any) -> dict[str, Any]:
    """Police say medium; an injury on return makes it high (R01, R04, R07, R11, R19 fire)."""
    return notification(
        reference=reference,
        child=_child(**child),
        episode={"indicators": ["vehicle_unknown_adult", "injury_on_return"]},
    )


def low(reference: str, **child: Any) -> dict[str, Any]:
    """An older child, no indicators: low (R01 and R19 fire)."""
    return notification(
        reference=reference,
        police_risk_grade="low",
        child=_child(
            date_of_birth="2009-01-10",
            legal_status="none",
            placement_type=None,
            responsible_authority=None,
            placement_postcode=None,
            **child,
        ),
        episode={"indicators": [], "circumstances": "Stayed at a friend's house."},
    )


def _submit(client: TestClient, headers: H, payload: dict[str, Any]) -> int:
    response = client.post("/api/v1/notifications", json=payload, headers=headers["police_feed"])
    assert response.status_code == 201, response.text
    view = client.get(
        f"/api/v1/notifications/{payload['police_reference']}", headers=headers["mash_worker"]
    ).json()
    return int(view["decision"]["decision_id"])


def _review(
    client: TestClient, headers: H, who: str, reference: str, decision_id: int, level: str | None
) -> None:
    body: dict[str, Any] = {"decision_id": decision_id, "decision": "confirm"}
    if level is not None:
        body = {"decision_id": decision_id, "decision": "override", "level": level}
        body["reason"] = "partner_information"
    response = client.post(
        f"/api/v1/notifications/{reference}/reviews", json=body, headers=headers[who]
    )
    assert response.status_code == 201, response.text


@pytest.fixture
def reviewed(client: TestClient, headers: H) -> TestClient:
    """Five highs reviewed by Sam (two lowered to medium), five lows by Alex (one raised)."""
    for i in range(5):
        ref = f"MH-{i}"
        decision = _submit(client, headers, high(ref))
        _review(client, headers, "mash_worker", ref, decision, "medium" if i < 2 else None)
    for i in range(5):
        ref = f"ML-{i}"
        decision = _submit(client, headers, low(ref))
        _review(client, headers, "alex", ref, decision, "medium" if i < 1 else None)
    return client


def _by(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["group"]: row for row in rows}


def test_override_rates_by_rule_level_and_team_are_exact(reviewed: TestClient, headers: H) -> None:
    answer = reviewed.get("/api/v1/analytics/overrides", headers=headers["analyst"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["reviewed"], body["overridden"]) == (10, 3)
    rules = _by(body["by_rule"])
    assert {k: rules["R07"][k] for k in ("reviewed", "overridden", "raised", "lowered")} == {
        "reviewed": 5,
        "overridden": 2,
        "raised": 0,
        "lowered": 2,
    }
    assert rules["R07"]["override_rate"] == 0.4
    assert rules["R07"]["override_low"] < 0.4 < rules["R07"]["override_high"]
    assert (rules["R01"]["reviewed"], rules["R01"]["overridden"]) == (10, 3)
    assert rules["R01"]["difference_low"] is None  # it fired on every one: no rest to compare
    levels = _by(body["by_level"])
    assert [row["group"] for row in body["by_level"]] == ["high", "low"]
    assert (levels["high"]["lowered"], levels["low"]["raised"]) == (2, 1)
    assert levels["low"]["override_rate"] == 0.2
    assert {row["group"] for row in body["by_team"]} == {"South", "North, West & Central"}


def test_analysts_see_reviewers_by_pseudonym_and_admins_by_name(
    reviewed: TestClient, headers: H
) -> None:
    analyst = reviewed.get("/api/v1/analytics/overrides", headers=headers["analyst"]).json()
    workers = _by(analyst["by_worker"])
    assert not analyst["workers_named"]
    assert all(key.startswith("W-") for key in workers)
    assert sorted((w["reviewed"], w["overridden"]) for w in workers.values()) == [(5, 1), (5, 2)]
    text = str(analyst)
    for secret in ("Sam Patel", "Alex Morgan", "MH-0", "Amara", "2011-05-02"):
        assert secret not in text
    admin = reviewed.get("/api/v1/analytics/overrides", headers=headers["admin"]).json()
    assert admin["workers_named"]
    assert _by(admin["by_worker"])["Sam Patel"]["overridden"] == 2


def test_a_mash_worker_may_not_read_monitoring(client: TestClient, headers: H) -> None:
    for path in ("overrides", "review-times", "calibration", "fairness"):
        answer = client.get(f"/api/v1/analytics/{path}", headers=headers["mash_worker"])
        assert answer.status_code == 403, path
    _sign_in(client, "sam")
    assert client.get("/monitoring").status_code == 403


def test_every_reading_is_audited(reviewed: TestClient, headers: H, database: Database) -> None:
    reviewed.get("/api/v1/analytics/fairness", headers=headers["analyst"])
    with database.reading() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "read_analytics")
        ).all()
    assert [(e.username, e.record_type, e.record_id) for e in events] == [
        ("priya", "monitoring", "fairness")
    ]


def test_time_to_review_by_level_against_the_deadline(
    client: TestClient, database: Database, clock: FrozenClock, accounts: dict[str, str]
) -> None:
    """Three highs arrive five minutes after police sent them (00:25); a senior manager must be
    told within the hour of sending (by 01:20). One is reviewed after 30 minutes (in time), one
    after three hours (late), one not yet (late by now)."""
    clock.now = datetime(2026, 3, 15, 0, 25, tzinfo=UTC)
    headers = issue_headers(client, database, clock, accounts)
    ids = {ref: _submit(client, headers, high(ref)) for ref in ("T-1", "T-2", "T-3")}
    clock.now += timedelta(minutes=30)
    headers = issue_headers(client, database, clock, accounts)  # a sign-in lasts 30 minutes
    _review(client, headers, "mash_worker", "T-1", ids["T-1"], None)
    clock.now += timedelta(hours=2, minutes=30)
    headers = issue_headers(client, database, clock, accounts)
    _review(client, headers, "mash_worker", "T-2", ids["T-2"], None)
    rows = client.get("/api/v1/analytics/review-times", headers=headers["analyst"]).json()
    high_row = next(row for row in rows["levels"] if row["level"] == "high")
    assert (high_row["episodes"], high_row["reviewed"], high_row["awaiting"]) == (3, 2, 1)
    assert (high_row["median_hours"], high_row["p90_hours"]) == (1.75, 2.75)
    assert (high_row["with_deadline"], high_row["median_deadline_hours"]) == (3, 0.92)
    assert (high_row["reviewed_by_deadline"], high_row["awaiting_past_deadline"]) == (1, 1)
    assert [row["level"] for row in rows["levels"]] == ["high", "medium", "low", "no_apparent_risk"]


def test_live_calibration_counts_outcomes_not_yet_known_apart(
    client: TestClient,
    database: Database,
    clock: FrozenClock,
    accounts: dict[str, str],
    app_settings: Settings,
) -> None:
    headers = issue_headers(client, database, clock, accounts)
    refs = [f"CAL-{i}" for i in range(6)]
    for ref in refs:
        _submit(client, headers, low(ref))
    assert app_settings.outcomes_file is not None
    _outcomes(
        app_settings.outcomes_file,
        {refs[0]: True, refs[1]: False, refs[2]: False, refs[3]: False, refs[4]: None},
    )
    soon = client.get("/api/v1/analytics/calibration", headers=headers["analyst"]).json()
    assert (soon["known"], soon["not_yet_known"], soon["unlabelled"]) == (0, 4, 2)
    (band,) = soon["bands"]
    assert band["observed"] is None and band["calibrated"] is None and band["predicted"] > 0
    clock.now += timedelta(days=100)  # the 90 days' window has passed
    headers = issue_headers(client, database, clock, accounts)
    later = client.get("/api/v1/analytics/calibration", headers=headers["analyst"]).json()
    assert (later["known"], later["not_yet_known"], later["unlabelled"]) == (4, 0, 2)
    (band,) = later["bands"]
    assert (band["scored"], band["known"], band["observed"]) == (6, 4, 0.25)
    assert band["observed_low"] < 0.25 < band["observed_high"]
    assert later["outcomes_source"] == "outcomes.csv"


def _outcomes(path: Path, labels: dict[str, bool | None]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["police_reference", "outcome"])
        for reference, label in labels.items():
            writer.writerow([reference, "" if label is None else ("1" if label else "0")])


@pytest.fixture
def groups(client: TestClient, headers: H) -> TestClient:
    """Girls are vetted high three times in four, boys one in four (every high is a looked-after
    14-year-old, every low a 17-year-old not looked after); white and black children alike
    (half high); three children of unknown sex."""
    plan = [
        ("female", "white", 8, 2),
        ("female", "black", 7, 3),
        ("male", "white", 2, 8),
        ("male", "black", 3, 7),
        ("not_known", "white", 0, 3),
    ]
    n = 0
    for sex, ethnicity, highs, lows in plan:
        for make, times in ((high, highs), (low, lows)):
            for _ in range(times):
                n += 1
                _submit(client, headers, make(f"FG-{n}", sex=sex, ethnicity=ethnicity))
    return client


def _row(body: dict[str, Any], measure: str, feature: str, group: str) -> dict[str, Any]:
    return next(
        r
        for r in body["groups"]
        if (r["measure"], r["feature"], r["group"]) == (measure, feature, group)
    )


def test_fairness_calls_out_a_gap_only_where_its_interval_excludes_zero(
    groups: TestClient, headers: H
) -> None:
    body = groups.get("/api/v1/analytics/fairness", headers=headers["analyst"]).json()
    girls = _row(body, "vetted_high", "sex", "female")
    assert (girls["count"], girls["events"], girls["rate"]) == (20, 15, 0.75)
    assert girls["rate_low"] < 0.75 < girls["rate_high"]
    assert girls["called_out"] and girls["difference_low"] > 0
    boys = _row(body, "vetted_high", "sex", "male")
    assert boys["called_out"] and boys["difference_high"] < 0
    white = _row(body, "vetted_high", "ethnicity", "white")
    black = _row(body, "vetted_high", "ethnicity", "black")
    assert (white["events"], white["count"], black["events"], black["count"]) == (10, 23, 10, 20)
    assert not white["called_out"] and not black["called_out"]
    assert white["difference_low"] < 0 < white["difference_high"]
    assert any(
        f.startswith("sex female: the share vetted high is higher") for f in body["findings"]
    )
    assert not any("ethnicity" in f for f in body["findings"])


def test_fairness_suppresses_small_cells_and_judges_no_small_group(
    groups: TestClient, headers: H
) -> None:
    body = groups.get("/api/v1/analytics/fairness", headers=headers["analyst"]).json()
    assert (body["minimum_group"], body["suppressed_under"]) == (10, 5)
    unknown = _row(body, "vetted_high", "sex", "not_known")
    assert (unknown["count"], unknown["status"], unknown["rate"]) == (3, "too few to judge", None)
    assert not unknown["called_out"]
    # Every looked-after child here was vetted high: 20 of 20, so those not vetted high are 0,
    # a cell under 5. Nothing but the group's size is shown, and the gap only in words.
    cared = _row(body, "vetted_high", "looked_after", "looked after")
    assert (cared["count"], cared["status"]) == (20, "suppressed")
    assert cared["events"] is None and cared["rate"] is None and cared["difference_low"] is None
    assert cared["called_out"]
    assert "looked after looked after: the share vetted high is higher" in cared["finding"]
    assert "small numbers" in cared["finding"] and "%" not in cared["finding"]


def test_the_page_shows_what_the_api_answers(
    groups: TestClient, headers: H, client: TestClient
) -> None:
    api = {
        path: client.get(f"/api/v1/analytics/{path}", headers=headers["analyst"]).json()
        for path in ("overrides", "review-times", "calibration", "fairness")
    }
    _sign_in(client, "priya")
    page = client.get("/monitoring")
    assert page.status_code == 200
    assert page.template.name == "monitoring.html"  # type: ignore[attr-defined]
    context = page.context  # type: ignore[attr-defined]
    assert context["overrides"].model_dump(mode="json") == api["overrides"]
    assert context["review_times"].model_dump(mode="json") == api["review-times"]
    assert context["calibration"].model_dump(mode="json") == api["calibration"]
    assert context["fairness"].model_dump(mode="json") == api["fairness"]
    assert "Suppressed (small numbers)" in page.text and "Too few to judge" in page.text
    assert "Jade" not in page.text and "FG-1" not in page.text
    _sign_in(client, "priya")
    home = client.get("/")
    assert 'href="/monitoring"' in home.text
