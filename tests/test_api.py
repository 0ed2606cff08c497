"""The HTTP API: police systems submit with their own credentials; casework roles work the queue,
review, agree and complete actions; admins read the audit trail; analysts read pseudonyms."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from conftest import FrozenClock, token
from factories import changed, notification
from triage.store import Database
from triage.store.tables import DecisionRecord

H = dict[str, dict[str, str]]


def low(reference: str, child: dict[str, Any] | None = None) -> dict[str, Any]:
    """A notification the rules and score leave low: an older child, no indicators."""
    return notification(
        reference=reference,
        police_risk_grade="low",
        child={
            "date_of_birth": "2009-01-10",
            "legal_status": "none",
            "placement_type": None,
            "responsible_authority": None,
            "placement_postcode": None,
            "police_person_id": f"P-{reference}",
            **(child or {}),
        },
        episode={"indicators": [], "circumstances": "Stayed at a friend's house."},
    )


def high(reference: str) -> dict[str, Any]:
    """Police say medium; an injury on return makes the vetted level high (R07)."""
    return notification(
        reference=reference,
        police_risk_grade="medium",
        episode={"indicators": ["vehicle_unknown_adult", "injury_on_return"]},
    )


def submit(client: TestClient, headers: H, payload: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/notifications", json=payload, headers=headers["police_feed"])
    assert response.status_code in (200, 201), response.text
    return response.json()


def detail(client: TestClient, headers: H, reference: str, who: str = "mash_worker") -> Any:
    response = client.get(f"/api/v1/notifications/{reference}", headers=headers[who])
    assert response.status_code == 200, response.text
    return response.json()


# Submitting --------------------------------------------------------------------------------


def test_a_police_feed_submits_and_gets_a_receipt_with_the_vetted_level(
    client: TestClient, headers: H
) -> None:
    response = client.post(
        "/api/v1/notifications",
        json=notification(reference="API-1"),
        headers=headers["police_feed"],
    )
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("outcome", "police_reference", "version", "vetted_level")} == {
        "outcome": "accepted",
        "police_reference": "API-1",
        "version": 1,
        "vetted_level": "medium",  # police said medium; one CSE indicator keeps it there
    }
    assert body["receipt_id"] >= 1


def test_submitting_needs_a_police_feed_credential(client: TestClient, headers: H) -> None:
    payload = notification(reference="API-AUTH")
    assert client.post("/api/v1/notifications", json=payload).status_code == 401
    as_worker = client.post("/api/v1/notifications", json=payload, headers=headers["mash_worker"])
    assert as_worker.status_code == 403
    assert as_worker.headers["content-type"] == "application/problem+json"
    assert "police_feed" in as_worker.json()["detail"]


def test_a_resubmission_is_safe(client: TestClient, headers: H) -> None:
    payload = notification(reference="API-2")
    submit(client, headers, payload)
    again = submit(client, headers, payload)
    update = submit(client, headers, changed(payload, police_risk_grade="high"))
    assert again["outcome"] == "unchanged"
    assert (update["outcome"], update["version"], update["vetted_level"]) == ("updated", 2, "high")


def test_a_bad_notification_is_refused_naming_the_field_and_kept(
    client: TestClient, headers: H
) -> None:
    bad = changed(notification(reference="API-3"), **{"child.date_of_birth": "2031-01-01"})
    response = client.post("/api/v1/notifications", json=bad, headers=headers["police_feed"])
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["errors"][0]["field"] == "child.date_of_birth"
    assert "in the future" in body["errors"][0]["problem"]
    listed = client.get("/api/v1/quarantine", headers=headers["mash_worker"]).json()
    assert [item["quarantine_id"] for item in listed["items"]] == [body["quarantine_id"]]


def test_a_body_that_is_not_json_is_kept_too(client: TestClient, headers: H) -> None:
    response = client.post(
        "/api/v1/notifications",
        content=b"{not json",
        headers={"content-type": "application/json", **headers["police_feed"]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "(record)"


def test_a_batch_gets_a_receipt_for_each_record_and_keeps_the_bad_ones(
    client: TestClient, headers: H
) -> None:
    batch = [
        notification(reference="B-1"),
        changed(notification(reference="B-2"), **{"sent_at": "not a time"}),
        low("B-3"),
    ]
    response = client.post(
        "/api/v1/notifications/batch", json=batch, headers=headers["police_feed"]
    )
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"accepted": 2, "rejected": 1}
    rejected = body["receipts"][1]
    assert rejected["errors"][0]["field"] == "sent_at"
    assert rejected["quarantine_id"] is not None


def test_a_batch_that_is_not_an_array_is_refused_and_kept(client: TestClient, headers: H) -> None:
    response = client.post(
        "/api/v1/notifications/batch",
        json={"police_reference": "X"},
        headers=headers["police_feed"],
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "problem": "is not a JSON array"}]
    assert client.get("/api/v1/health").json()["counts"]["quarantined_open"] == 1


def test_a_police_feed_reads_its_own_receipts_only(
    client: TestClient, headers: H, database: Database, clock: FrozenClock
) -> None:
    from triage.accounts import Role, create_user

    with database.transaction() as session:
        create_user(
            session,
            username="other-feed",
            display_name="Another force",
            role=Role.POLICE_FEED,
            password="correct horse battery staple",
            now=clock(),
        )
    mine = submit(client, headers, notification(reference="R-1"))
    other = client.post(
        "/api/v1/notifications",
        json=notification(reference="R-2"),
        headers=token(client, "other-feed"),
    ).json()
    listed = client.get("/api/v1/receipts", headers=headers["police_feed"]).json()
    assert [r["police_reference"] for r in listed["items"]] == ["R-1"]
    assert listed["total"] == 1
    own = client.get(f"/api/v1/receipts/{mine['receipt_id']}", headers=headers["police_feed"])
    theirs = client.get(f"/api/v1/receipts/{other['receipt_id']}", headers=headers["police_feed"])
    assert own.status_code == 200 and own.json()["vetted_level"] == "medium"
    assert theirs.status_code == 404


# The queue --------------------------------------------------------------------------------


def test_the_queue_is_ordered_by_level_then_score_then_time_waiting(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    for reference, payload in [
        ("Q-LOW", low("Q-LOW")),
        ("Q-HIGH-1", high("Q-HIGH-1")),
        ("Q-MED", notification(reference="Q-MED", child={"police_person_id": "P-Q-MED"})),
        ("Q-HIGH-2", high("Q-HIGH-2")),
    ]:
        clock.now += timedelta(minutes=5)
        assert submit(client, headers, payload)["police_reference"] == reference
    queue = client.get("/api/v1/queue", headers=headers["mash_worker"]).json()
    levels = [item["vetted_level"] for item in queue["items"]]
    assert levels == sorted(levels, key=["high", "medium", "low", "no_apparent_risk"].index)
    highs = [item for item in queue["items"] if item["vetted_level"] == "high"]
    keys = [
        (not item["still_missing"], -(item["probability"] or 0), item["received_at"])
        for item in highs
    ]
    assert keys == sorted(keys)
    assert queue["total"] == 4 and queue["page"] == 1
    assert queue["items"][0]["waiting_minutes"] >= 5


def test_a_child_still_missing_comes_first_within_a_level(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    """A returned child with the higher score, a still-missing one with the lower: the one still
    missing is first, marked, and the filter finds only them."""
    back = notification(
        reference="M-BACK",
        police_risk_grade="high",
        child={"police_person_id": "P-M-BACK"},
        episode={
            "indicators": ["vehicle_unknown_adult", "injury_on_return", "self_harm_suicide_risk"]
        },
    )
    away = notification(
        reference="M-AWAY",
        police_risk_grade="high",
        returned_after_hours=None,
        child={"police_person_id": "P-M-AWAY", "date_of_birth": "2009-01-10"},
        episode={"indicators": []},
    )
    for payload in (back, away):
        clock.now += timedelta(minutes=5)
        submit(client, headers, payload)
    items = client.get("/api/v1/queue", headers=headers["mash_worker"]).json()["items"]
    assert [i["police_reference"] for i in items][:2] == ["M-AWAY", "M-BACK"]
    assert items[0]["still_missing"] is True and items[0]["returned_at"] is None
    assert items[1]["still_missing"] is False
    only = client.get(
        "/api/v1/queue", params={"still_missing": "true"}, headers=headers["mash_worker"]
    ).json()
    assert [i["police_reference"] for i in only["items"]] == ["M-AWAY"]


def test_the_queue_filters_by_area_and_status_and_pages(client: TestClient, headers: H) -> None:
    submit(client, headers, high("F-1"))
    submit(client, headers, low("F-2"))
    everything = client.get("/api/v1/queue", headers=headers["mash_worker"]).json()["items"]
    team = everything[0]["team"]
    by_team = client.get("/api/v1/queue", params={"team": team}, headers=headers["mash_worker"])
    assert {i["team"] for i in by_team.json()["items"]} == {team}
    top = everything[0]
    client.post(
        f"/api/v1/notifications/{top['police_reference']}/reviews",
        json={"decision_id": top["decision_id"], "decision": "confirm"},
        headers=headers["mash_worker"],
    )
    waiting = client.get(
        "/api/v1/queue", params={"status": "awaiting_review"}, headers=headers["mash_worker"]
    ).json()
    assert top["police_reference"] not in [i["police_reference"] for i in waiting["items"]]
    paged = client.get(
        "/api/v1/queue", params={"per_page": 1, "page": 2}, headers=headers["mash_worker"]
    ).json()
    assert (paged["total"], len(paged["items"]), paged["per_page"]) == (2, 1, 1)
    bad = client.get("/api/v1/queue", params={"status": "sleeping"}, headers=headers["mash_worker"])
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"


# Reviews ------------------------------------------------------------------------------------


def _review(client: TestClient, headers: H, who: str, reference: str, **body: Any) -> Any:
    return client.post(
        f"/api/v1/notifications/{reference}/reviews", json=body, headers=headers[who]
    )


def test_a_worker_confirms_a_decision(client: TestClient, headers: H) -> None:
    submit(client, headers, notification(reference="C-1"))
    decision_id = detail(client, headers, "C-1")["decision"]["decision_id"]
    response = _review(
        client, headers, "mash_worker", "C-1", decision_id=decision_id, decision="confirm"
    )
    assert response.status_code == 201
    assert response.json()["outcome"] == "confirmed"
    after = detail(client, headers, "C-1")
    assert (after["status"], after["level_in_force"]) == ("reviewed", "medium")


def test_an_override_needs_a_reason_and_keeps_the_machine_decision(
    client: TestClient, headers: H, database: Database
) -> None:
    submit(client, headers, notification(reference="O-1"))
    decision = detail(client, headers, "O-1")["decision"]
    missing = _review(
        client,
        headers,
        "mash_worker",
        "O-1",
        decision_id=decision["decision_id"],
        decision="override",
        level="high",
    )
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"field": "reason", "problem": "choose the reason for the override"}
    ]
    vague = _review(
        client,
        headers,
        "mash_worker",
        "O-1",
        decision_id=decision["decision_id"],
        decision="override",
        level="high",
        reason="discretionary",
        reason_text="gut",
    )
    assert vague.json()["errors"][0]["field"] == "reason_text"
    wrong_way = _review(
        client,
        headers,
        "mash_worker",
        "O-1",
        decision_id=decision["decision_id"],
        decision="override",
        level="low",
        reason="known_exploitation",
    )
    assert "cannot lower" in wrong_way.json()["errors"][0]["problem"]
    done = _review(
        client,
        headers,
        "mash_worker",
        "O-1",
        decision_id=decision["decision_id"],
        decision="override",
        level="high",
        reason="known_exploitation",
    )
    assert done.status_code == 201
    after = detail(client, headers, "O-1")
    assert (after["level_in_force"], after["status"]) == ("high", "reviewed")
    assert after["decision"]["vetted_level"] == "medium"  # the machine's decision stands beside
    with database.reading() as session:
        stored = session.scalars(select(DecisionRecord)).one()
        assert (stored.vetted_level, stored.body) == ("medium", decision["body"])


def test_lowering_a_high_needs_a_second_person(client: TestClient, headers: H) -> None:
    submit(client, headers, high("L-1"))
    decision_id = detail(client, headers, "L-1")["decision"]["decision_id"]
    review = _review(
        client,
        headers,
        "mash_worker",
        "L-1",
        decision_id=decision_id,
        decision="override",
        level="medium",
        reason="duplicate_episode",
        reason_text="Same episode as L-0",
    ).json()
    assert review["needs_agreement"] is True
    waiting = detail(client, headers, "L-1")
    assert (waiting["status"], waiting["level_in_force"]) == ("awaiting_agreement", "high")
    own = client.post(
        f"/api/v1/reviews/{review['review_id']}/agreement",
        json={"agree": True},
        headers=headers["mash_worker"],
    )
    assert own.status_code == 422
    assert "second person" in own.json()["errors"][0]["problem"]
    listed = client.get("/api/v1/reviews/awaiting-agreement", headers=headers["alex"]).json()
    assert [r["review_id"] for r in listed["items"]] == [review["review_id"]]
    agreed = client.post(
        f"/api/v1/reviews/{review['review_id']}/agreement",
        json={"agree": True, "note": "Checked: duplicate"},
        headers=headers["alex"],
    )
    assert agreed.status_code == 201
    assert agreed.json()["agreement"]["by"] == "Alex Morgan"
    after = detail(client, headers, "L-1")
    assert (after["status"], after["level_in_force"]) == ("reviewed", "medium")
    again = client.post(
        f"/api/v1/reviews/{review['review_id']}/agreement",
        json={"agree": True},
        headers=headers["panel_chair"],
    )
    assert "already" in again.json()["errors"][0]["problem"]


def test_a_refused_lowering_sends_the_notification_back_for_review(
    client: TestClient, headers: H
) -> None:
    submit(client, headers, high("L-2"))
    decision_id = detail(client, headers, "L-2")["decision"]["decision_id"]
    review = _review(
        client,
        headers,
        "mash_worker",
        "L-2",
        decision_id=decision_id,
        decision="override",
        level="medium",
        reason="wrong_child",
    ).json()
    no_note = client.post(
        f"/api/v1/reviews/{review['review_id']}/agreement",
        json={"agree": False},
        headers=headers["panel_chair"],
    )
    assert no_note.json()["errors"][0]["field"] == "note"
    client.post(
        f"/api/v1/reviews/{review['review_id']}/agreement",
        json={"agree": False, "note": "Identifiers match this child"},
        headers=headers["panel_chair"],
    )
    after = detail(client, headers, "L-2")
    assert (after["status"], after["level_in_force"]) == ("awaiting_review", "high")


def test_a_review_of_an_older_decision_is_refused(client: TestClient, headers: H) -> None:
    payload = notification(reference="S-1")
    submit(client, headers, payload)
    first = detail(client, headers, "S-1")["decision"]["decision_id"]
    submit(client, headers, changed(payload, police_risk_grade="high"))
    response = _review(client, headers, "mash_worker", "S-1", decision_id=first, decision="confirm")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "decision_id"
    decisions = client.get(
        "/api/v1/notifications/S-1/decisions", headers=headers["mash_worker"]
    ).json()
    assert [d["vetted_level"] for d in decisions["items"]] == ["high", "medium"]


def test_an_unknown_notification_is_not_found(client: TestClient, headers: H) -> None:
    response = client.get("/api/v1/notifications/NOPE", headers=headers["mash_worker"])
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


# Actions and children -----------------------------------------------------------------------


def test_actions_are_listed_with_deadlines_and_completed_once(
    client: TestClient, headers: H
) -> None:
    submit(client, headers, notification(reference="A-1"))
    actions = client.get(
        "/api/v1/notifications/A-1/actions", headers=headers["mash_worker"]
    ).json()["items"]
    types = [a["type"] for a in actions]
    assert "return_home_interview" in types
    assert [a["due_at"] for a in actions] == sorted(a["due_at"] for a in actions)
    url = "/api/v1/notifications/A-1/actions/return_home_interview/completion"
    done = client.post(url, json={"note": "Offered by phone"}, headers=headers["mash_worker"])
    assert done.status_code == 201
    assert (done.json()["completed_by"], done.json()["note"]) == ("Sam Patel", "Offered by phone")
    twice = client.post(url, json={}, headers=headers["mash_worker"])
    assert "already done" in twice.json()["errors"][0]["problem"]
    unknown = client.post(
        "/api/v1/notifications/A-1/actions/tea/completion", json={}, headers=headers["mash_worker"]
    )
    assert unknown.json()["errors"][0]["field"] == "action_type"


def test_a_child_shows_a_timeline_and_the_children_seen_with_them(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    companion = {"police_person_id": "WMP-P-9"}
    submit(
        client,
        headers,
        low(
            "T-FRIEND",
            child={
                "police_person_id": "WMP-P-9",
                "given_name": "Leah",
                "family_name": "Hussain",
                "date_of_birth": "2010-02-02",
            },
        ),
    )
    first = notification(reference="T-1", episode={"companions": [companion]})
    submit(client, headers, first)
    later = notification(reference="T-2", reported=clock.now + timedelta(days=3))
    submit(client, headers, later)
    child_id = detail(client, headers, "T-2")["child"]["child_id"]
    child = client.get(f"/api/v1/children/{child_id}", headers=headers["panel_chair"]).json()
    assert [t["police_reference"] for t in child["timeline"]] == ["T-2", "T-1"]
    assert [c["name"] for c in child["linked_children"]] == ["Leah Hussain"]
    listed = client.get("/api/v1/children", headers=headers["mash_worker"]).json()
    assert listed["total"] == 2


# Audit and analysts -------------------------------------------------------------------------


def test_every_view_and_change_is_audited_without_personal_details(
    client: TestClient, headers: H
) -> None:
    submit(client, headers, notification(reference="AU-1"))
    view = detail(client, headers, "AU-1")
    _review(
        client,
        headers,
        "mash_worker",
        "AU-1",
        decision_id=view["decision"]["decision_id"],
        decision="confirm",
    )
    client.get(f"/api/v1/children/{view['child']['child_id']}", headers=headers["mash_worker"])
    trail = client.get("/api/v1/audit", params={"username": "sam"}, headers=headers["admin"])
    actions = [e["action"] for e in trail.json()["items"]]
    assert actions[:3] == ["view_child", "review", "view_notification"]
    export = client.get("/api/v1/audit/export", headers=headers["admin"])
    assert export.headers["content-type"].startswith("text/csv")
    lines = export.text.splitlines()
    assert lines[0] == "id,at,username,role,action,record_type,record_id,detail"
    assert any(",review,episode,AU-1," in line for line in lines)
    assert "export_audit" in lines[-1]
    assert (
        "Jade" not in export.text
        and "Collins" not in export.text
        and "2011-05-02" not in export.text
    )


def test_the_audit_trail_cannot_be_changed_even_directly(
    client: TestClient, headers: H, database: Database
) -> None:
    client.get("/api/v1/queue", headers=headers["mash_worker"])
    for statement in ("UPDATE audit_events SET username = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"), database.transaction() as session:
            session.execute(text(statement))
    assert client.get("/api/v1/audit", headers=headers["admin"]).json()["total"] >= 1


def test_analysts_read_pseudonymised_decisions_only(client: TestClient, headers: H) -> None:
    submit(client, headers, notification(reference="AN-1"))
    submit(client, headers, changed(notification(reference="AN-2"), police_risk_grade="high"))
    rows = client.get("/api/v1/analytics/decisions", headers=headers["analyst"]).json()
    assert rows["total"] == 2
    text_ = json.dumps(rows)
    for secret in ("AN-1", "Jade", "Collins", "2011-05-02", "B23", "taxi", "WMP-P-40211"):
        assert secret not in text_
    first, second = rows["items"]
    assert first["child"] == second["child"]  # the same child, recognisable only by pseudonym
    assert first["age_band"] == "14-15"
    assert client.get("/api/v1/notifications/AN-1", headers=headers["analyst"]).status_code == 403


# Tokens -------------------------------------------------------------------------------------


def test_an_expired_token_or_deactivated_account_is_refused(
    client: TestClient, headers: H, clock: FrozenClock, database: Database
) -> None:
    worker = headers["mash_worker"]
    assert client.get("/api/v1/me", headers=worker).json()["role"] == "mash_worker"
    with database.transaction() as session:
        from triage.accounts import get_by_username

        user = get_by_username(session, "alex")
        assert user is not None
        user.active = False
    gone = client.get("/api/v1/me", headers=headers["alex"])
    assert gone.status_code == 401 and gone.headers["www-authenticate"] == "Bearer"
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    wrong = client.post("/api/v1/token", data={"username": "sam", "password": "nope nope nope"})
    assert wrong.status_code == 401


def test_tokens_expire_and_forged_ones_are_refused() -> None:
    from datetime import UTC, datetime

    from triage.accounts import TokenError, TokenIssuer

    issuer = TokenIssuer("k" * 40, lifetime=timedelta(minutes=30))
    now = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)
    issued = issuer.issue(user_id=1, role="mash_worker", now=now)
    assert issuer.read(issued, now=now + timedelta(minutes=29)).user_id == 1
    with pytest.raises(TokenError, match="expired"):
        issuer.read(issued, now=now + timedelta(minutes=30))
    forged = TokenIssuer("f" * 40, lifetime=timedelta(minutes=30)).issue(
        user_id=1, role="admin", now=now
    )
    with pytest.raises(TokenError, match="not valid"):
        issuer.read(forged, now=now)


def test_health_reports_the_database_and_counts(
    client: TestClient, headers: H, database: Database
) -> None:
    submit(client, headers, notification(reference="API-4"))
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["database"] == database.dialect
    assert body["counts"]["episodes"] == 1


# The published document ----------------------------------------------------------------------


def test_every_request_and_answer_in_the_openapi_document_has_an_example(
    client: TestClient,
) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    components = spec["components"]["schemas"]

    def has_example(media: dict[str, Any]) -> bool:
        schema = media.get("schema", {})
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        return any(key in media or key in schema for key in ("example", "examples"))

    missing = [
        f"{method} {path} {part}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        for part, media in [
            *(
                (f"request {t}", m)
                for t, m in operation.get("requestBody", {}).get("content", {}).items()
            ),
            *(
                (f"{status} {t}", m)
                for status, answer in operation["responses"].items()
                for t, m in answer.get("content", {}).items()
            ),
        ]
        if not has_example(media)
    ]
    assert missing == []
    assert "police_reference" in json.dumps(
        spec["paths"]["/api/v1/notifications"]["post"]["requestBody"]["content"][
            "application/json"
        ]["schema"]
    )


# Found in review: the level that stands, late versions, stale agreements -----------------------


def test_an_older_version_arriving_late_does_not_displace_the_newest_decision(
    client: TestClient, headers: H
) -> None:
    payload = notification(reference="LATE-1", police_risk_grade="high")
    submit(client, headers, payload)
    sent = payload["sent_at"]
    older = changed(low("LATE-1"), sent_at=sent.replace("00:20", "00:10"))
    receipt = submit(client, headers, older)
    assert (receipt["outcome"], receipt["vetted_level"]) == ("updated", "high")
    after = detail(client, headers, "LATE-1")
    assert after["level_in_force"] == "high"
    assert after["notification"]["police_risk_grade"] == "high"


def test_undoing_a_persons_raise_to_high_also_needs_a_second_person(
    client: TestClient, headers: H
) -> None:
    submit(client, headers, notification(reference="RAISE-1"))
    decision_id = detail(client, headers, "RAISE-1")["decision"]["decision_id"]
    _review(
        client,
        headers,
        "alex",
        "RAISE-1",
        decision_id=decision_id,
        decision="override",
        level="high",
        reason="known_exploitation",
    )
    undo = _review(
        client,
        headers,
        "mash_worker",
        "RAISE-1",
        decision_id=decision_id,
        decision="override",
        level="medium",
        reason="duplicate_episode",
    ).json()
    assert undo["needs_agreement"] is True
    waiting = detail(client, headers, "RAISE-1")
    assert (waiting["status"], waiting["level_in_force"]) == ("awaiting_agreement", "high")
    analyst_row = client.get("/api/v1/analytics/decisions", headers=headers["analyst"]).json()
    assert (
        analyst_row["items"][0]["review_status"],
        analyst_row["items"][0]["level_in_force"],
    ) == (
        "awaiting_agreement",
        "high",
    )


def test_a_replaced_review_cannot_be_agreed_to_or_listed(client: TestClient, headers: H) -> None:
    submit(client, headers, high("STALE-1"))
    decision_id = detail(client, headers, "STALE-1")["decision"]["decision_id"]
    lowering = _review(
        client,
        headers,
        "mash_worker",
        "STALE-1",
        decision_id=decision_id,
        decision="override",
        level="medium",
        reason="duplicate_episode",
    ).json()
    _review(client, headers, "panel_chair", "STALE-1", decision_id=decision_id, decision="confirm")
    listed = client.get("/api/v1/reviews/awaiting-agreement", headers=headers["alex"]).json()
    assert listed["total"] == 0
    late = client.post(
        f"/api/v1/reviews/{lowering['review_id']}/agreement",
        json={"agree": True},
        headers=headers["alex"],
    )
    assert late.status_code == 422
    assert "newer review" in late.json()["errors"][0]["problem"]
    assert detail(client, headers, "STALE-1")["level_in_force"] == "high"


def test_every_missing_record_answers_the_same_not_found(client: TestClient, headers: H) -> None:
    worker, admin = headers["mash_worker"], headers["admin"]
    answers = [
        client.get("/api/v1/notifications/NOPE", headers=worker),
        client.get("/api/v1/children/99999", headers=worker),
        client.post("/api/v1/reviews/99999/agreement", json={"agree": True}, headers=worker),
        client.post(
            "/api/v1/quarantine/99999/replay",
            json={"record": {"police_reference": "X"}},
            headers=admin,
        ),
    ]
    for response in answers:
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert (response.json()["type"].rsplit("/", 1)[1], response.json()["title"]) == (
            "not-found",
            "Not found",
        )


def test_an_audit_filter_holding_a_nul_is_refused_naming_the_parameter(
    client: TestClient, headers: H
) -> None:
    for name in ("action", "username", "record_type"):
        refused = client.get("/api/v1/audit", params={name: "view\x00"}, headers=headers["admin"])
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == name
