"""Every API endpoint, walked with every role and with nobody signed in: each answer is the one
the role table says (allowed, 401 or 403). A new endpoint must be added to the table."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import notification

ROLES = ("police_feed", "mash_worker", "panel_chair", "senior_manager", "analyst", "admin")
PUBLIC = "public"
CASE = {"mash_worker", "panel_chair", "senior_manager"}
ALLOWED: dict[tuple[str, str], set[str] | str] = {
    ("POST", "/api/v1/token"): PUBLIC,
    ("GET", "/api/v1/health"): PUBLIC,
    ("GET", "/api/v1/me"): set(ROLES),
    ("POST", "/api/v1/sign-out"): set(ROLES),
    ("POST", "/api/v1/users/{username}/unlock"): {"admin"},
    ("POST", "/api/v1/notifications"): {"police_feed"},
    ("POST", "/api/v1/notifications/batch"): {"police_feed"},
    ("GET", "/api/v1/receipts"): {"police_feed"},
    ("GET", "/api/v1/receipts/{receipt_id}"): {"police_feed"},
    ("GET", "/api/v1/notifications/{police_reference}"): CASE,
    ("GET", "/api/v1/notifications/{police_reference}/decisions"): CASE,
    ("POST", "/api/v1/notifications/{police_reference}/reviews"): CASE,
    ("GET", "/api/v1/notifications/{police_reference}/actions"): CASE,
    ("POST", "/api/v1/notifications/{police_reference}/actions/{action_type}/completion"): CASE,
    ("GET", "/api/v1/queue"): CASE,
    ("GET", "/api/v1/reviews/awaiting-agreement"): CASE,
    ("POST", "/api/v1/reviews/{review_id}/agreement"): CASE,
    ("GET", "/api/v1/children"): CASE,
    ("GET", "/api/v1/children/{child_id}"): CASE,
    ("GET", "/api/v1/quarantine"): {"mash_worker", "admin"},
    ("POST", "/api/v1/quarantine/{quarantine_id}/replay"): {"mash_worker", "admin"},
    ("GET", "/api/v1/audit"): {"admin"},
    ("GET", "/api/v1/audit/export"): {"admin"},
    ("GET", "/api/v1/analytics/decisions"): {"analyst", "admin"},
    ("GET", "/api/v1/reports/monthly"): {"panel_chair", "senior_manager", "analyst", "admin"},
}


def _api_routes(client: TestClient) -> set[tuple[str, str]]:
    """Every operation the OpenAPI document publishes."""
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def test_the_role_table_names_every_endpoint(client: TestClient) -> None:
    assert _api_routes(client) == set(ALLOWED)


def _seed(client: TestClient, headers: dict[str, dict[str, str]]) -> dict[str, Any]:
    police = headers["police_feed"]
    receipt = client.post(
        "/api/v1/notifications",
        json=notification(
            reference="WALK-1",
            police_risk_grade="medium",
            episode={"indicators": ["injury_on_return"]},
        ),
        headers=police,
    ).json()
    bad = client.post("/api/v1/notifications", json={"police_reference": "WALK-2"}, headers=police)
    view = client.get("/api/v1/notifications/WALK-1", headers=headers["mash_worker"]).json()
    review = client.post(
        "/api/v1/notifications/WALK-1/reviews",
        json={
            "decision_id": view["decision"]["decision_id"],
            "decision": "override",
            "level": "medium",
            "reason": "duplicate_episode",
        },
        headers=headers["alex"],
    ).json()
    return {
        "police_reference": "WALK-1",
        "receipt_id": receipt["receipt_id"],
        "child_id": view["child"]["child_id"],
        "review_id": review["review_id"],
        "quarantine_id": bad.json()["quarantine_id"],
        "action_type": view["actions"][0]["type"],
        "decision_id": view["decision"]["decision_id"],
        "username": "jo",
    }


def _call(client: TestClient, method: str, path: str, seed: dict[str, Any], auth: dict[str, str]):  # type: ignore[no-untyped-def]
    url = path.format(**seed)
    if path == "/api/v1/token":
        return client.post(url, data={"username": "sam", "password": "wrong password here"})
    bodies: dict[str, Any] = {
        "/api/v1/notifications": {"json": notification(reference="WALK-3")},
        "/api/v1/notifications/batch": {"json": [notification(reference="WALK-4")]},
        "/api/v1/notifications/{police_reference}/reviews": {
            "json": {"decision_id": seed["decision_id"], "decision": "confirm"}
        },
        "/api/v1/reviews/{review_id}/agreement": {"json": {"agree": True}},
        "/api/v1/notifications/{police_reference}/actions/{action_type}/completion": {"json": {}},
        "/api/v1/quarantine/{quarantine_id}/replay": {"json": {"record": notification()}},
        "/api/v1/reports/monthly": {"params": {"month": "2026-02"}},
    }
    return client.request(method, url, headers=auth, **bodies.get(path, {}))


@pytest.mark.parametrize("who", [None, *ROLES])
def test_every_endpoint_answers_each_role_as_the_table_says(
    client: TestClient, headers: dict[str, dict[str, str]], who: str | None
) -> None:
    seed = _seed(client, headers)
    wrong = []
    # Signing out ends the role's token, so it is walked last.
    for (method, path), allowed in sorted(
        ALLOWED.items(), key=lambda item: (item[0][1] == "/api/v1/sign-out", item)
    ):
        response = _call(client, method, path, seed, headers[who] if who else {})
        if allowed == PUBLIC:
            expected = {401} if path == "/api/v1/token" else {200}  # a wrong password is 401
            ok = response.status_code in expected
        elif who is None:
            ok = response.status_code == 401
        elif who in allowed:
            ok = response.status_code < 400 or (
                response.status_code in (404, 409, 422)
                and (response.json()["type"].endswith(("refused", "quarantine")))
            )
        else:
            ok = response.status_code == 403
        if not ok:
            wrong.append(f"{method} {path} as {who}: {response.status_code} {response.text[:120]}")
    assert wrong == []
