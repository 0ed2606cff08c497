"""Every API endpoint, walked with every role and with nobody signed in: each answer is the one
the role table says (allowed, 401 or 403). A new endpoint must be added to the table."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import notification

ROLES = (
    "police_feed",
    "mash_worker",
    "panel_chair",
    "senior_manager",
    "analyst",
    "admin",
    "missing_support_worker",
)
RHI = {"missing_support_worker"}
PUBLIC = "public"
CASE = {"mash_worker", "panel_chair", "senior_manager"}
CHAIR = {"panel_chair"}
PANEL_READ = {"panel_chair", "senior_manager"}  # not admin: children's records
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
    ("POST", "/api/v1/quarantine/{quarantine_id}/dismiss"): {"mash_worker", "admin"},
    ("GET", "/api/v1/audit"): {"admin"},
    ("GET", "/api/v1/audit/export"): {"admin"},
    ("GET", "/api/v1/analytics/decisions"): {"analyst", "admin"},
    ("GET", "/api/v1/analytics/overrides"): {"analyst", "admin"},
    ("GET", "/api/v1/analytics/review-times"): {"analyst", "admin"},
    ("GET", "/api/v1/analytics/calibration"): {"analyst", "admin"},
    ("GET", "/api/v1/analytics/fairness"): {"analyst", "admin"},
    ("POST", "/api/v1/analytics/shadow"): {"analyst"},
    ("POST", "/api/v1/analytics/shadow/approval"): {"admin"},
    ("POST", "/api/v1/analytics/shadow/stop"): {"analyst", "admin"},
    ("GET", "/api/v1/analytics/shadow/report"): {"analyst", "admin"},
    ("GET", "/api/v1/rulesets/history"): {"analyst", "admin"},
    ("GET", "/api/v1/rulesets/versions/{version}"): {"analyst", "admin"},
    ("POST", "/api/v1/rulesets/promotions"): {"admin"},
    ("POST", "/api/v1/rulesets/rollbacks"): {"admin"},
    ("GET", "/api/v1/interviews/tasks"): RHI | CASE,
    ("GET", "/api/v1/interviews/tasks/{task_id}"): RHI | CASE,
    ("POST", "/api/v1/interviews/tasks/{task_id}/allocation"): RHI,
    ("POST", "/api/v1/interviews/tasks/{task_id}/offer"): RHI,
    ("POST", "/api/v1/interviews/tasks/{task_id}/decline"): RHI,
    ("POST", "/api/v1/interviews/tasks/{task_id}/held"): RHI,
    ("GET", "/api/v1/interviews/tasks/{task_id}/referrals"): RHI | CASE,
    ("POST", "/api/v1/interviews/tasks/{task_id}/referrals"): RHI,
    ("GET", "/api/v1/reports/monthly"): {"panel_chair", "senior_manager", "analyst", "admin"},
    ("GET", "/api/v1/panels/children"): PANEL_READ,
    ("POST", "/api/v1/panels/meetings"): CHAIR,
    ("GET", "/api/v1/panels/meetings"): PANEL_READ,
    ("GET", "/api/v1/panels/meetings/{meeting_id}"): PANEL_READ,
    ("POST", "/api/v1/panels/meetings/{meeting_id}/items"): CHAIR,
    ("GET", "/api/v1/panels/meetings/{meeting_id}/items/{item_id}/since"): PANEL_READ,
    ("POST", "/api/v1/panels/meetings/{meeting_id}/attendance"): CHAIR,
    ("POST", "/api/v1/panels/meetings/{meeting_id}/items/{item_id}/decisions"): CHAIR,
    ("POST", "/api/v1/panels/meetings/{meeting_id}/items/{item_id}/actions"): CHAIR,
    ("PATCH", "/api/v1/panels/actions/{action_id}"): CHAIR,
    ("GET", "/api/v1/panels/meetings/{meeting_id}/pack"): PANEL_READ,
    ("GET", "/api/v1/intelligence/places"): CASE | {"analyst", "admin"},
    ("GET", "/api/v1/intelligence/places/{place_ref}"): CASE | {"admin"},
    ("POST", "/api/v1/intelligence/places/{place_ref}/status"): {"panel_chair", "admin"},
    ("POST", "/api/v1/intelligence/places/{place_ref}/agenda"): CHAIR,
    ("GET", "/api/v1/intelligence/groups"): CASE,
}


def _api_routes(client: TestClient) -> set[tuple[str, str]]:
    """Every operation the OpenAPI document publishes."""
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def test_the_role_table_names_every_endpoint(client: TestClient) -> None:
    assert _api_routes(client) == set(ALLOWED)


def _kept_version(client: TestClient) -> str:
    """A ruleset version kept as data (as a promotion keeps it), to read back."""
    from datetime import UTC, datetime

    from triage.rulesets.tables import RulesetVersion

    version = "0" * 64
    with client.app.state.services.database.transaction() as session:  # type: ignore[attr-defined]
        session.add(RulesetVersion(version=version, kept_at=datetime(2026, 3, 15, tzinfo=UTC)))
    return version


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
    client.app.state.revet.run_once()  # type: ignore[attr-defined]  # makes the interview task
    tasks = client.get("/api/v1/interviews/tasks", headers=headers["missing_support_worker"])
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
    chair = headers["panel_chair"]
    meeting = client.post(
        "/api/v1/panels/meetings",
        json={"panel": "city", "meets_at": "2026-03-20T10:00:00Z"},
        headers=chair,
    ).json()
    item = client.post(
        f"/api/v1/panels/meetings/{meeting['meeting_id']}/items",
        json={"kind": "child", "child_id": view["child"]["child_id"]},
        headers=chair,
    ).json()
    action = client.post(
        f"/api/v1/panels/meetings/{meeting['meeting_id']}/items/{item['item_id']}/actions",
        json={
            "description": "Visit",
            "owner_agency": "Police",
            "owner_person": "DS Sharma",
            "due_on": "2026-03-27",
        },
        headers=chair,
    ).json()
    return {
        "version": _kept_version(client),
        "meeting_id": meeting["meeting_id"],
        "item_id": item["item_id"],
        "action_id": action["action_id"],
        "police_reference": "WALK-1",
        "receipt_id": receipt["receipt_id"],
        "child_id": view["child"]["child_id"],
        "review_id": review["review_id"],
        "quarantine_id": bad.json()["quarantine_id"],
        "action_type": view["actions"][0]["type"],
        "decision_id": view["decision"]["decision_id"],
        "username": "jo",
        "task_id": tasks.json()["items"][0]["task_id"],
        "place_ref": client.get("/api/v1/intelligence/places", headers=chair).json()["places"][0][
            "ref"
        ],
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
        "/api/v1/quarantine/{quarantine_id}/dismiss": {"json": {"reason": "test_message"}},
        # An offer that stands; a decline, a held interview and a referral each refused (422).
        "/api/v1/interviews/tasks/{task_id}/offer": {
            "json": {"offered_at": "2026-03-15T08:00:00Z", "offered_how": "telephone"}
        },
        "/api/v1/interviews/tasks/{task_id}/decline": {
            "json": {"declined_at": "2026-03-14T12:00:00Z", "declined_by": "child"}
        },
        "/api/v1/interviews/tasks/{task_id}/held": {
            "json": {
                "held_at": "2026-03-15T08:30:00Z",
                "held_how": "telephone",
                "interviewer_is_carer": True,
                "interviewer_is_social_worker": False,
                "successful": True,
            }
        },
        "/api/v1/interviews/tasks/{task_id}/referrals": {
            "json": {"kind": "cass_referral", "made_on": "2026-03-20T00:00:00Z"}
        },
        "/api/v1/reports/monthly": {"params": {"month": "2026-02"}},
        # Refused (422): no such candidate folder; nothing promoted to roll back.
        "/api/v1/rulesets/promotions": {
            "json": {"candidate": "/nowhere", "asked_by": "priya", "equality_note": "None"}
        },
        "/api/v1/rulesets/rollbacks": {"json": {"asked_by": "priya", "reason": "A test"}},
        "/api/v1/panels/meetings": {"json": {"panel": "city", "meets_at": "2026-04-01T10:00:00Z"}}
        if method == "POST"
        else {},
        "/api/v1/panels/meetings/{meeting_id}/items": {
            "json": {"kind": "person", "description": "A man called T"}
        },
        "/api/v1/panels/meetings/{meeting_id}/attendance": {
            "json": {"name": "Dev", "agency": "Police", "role": "DS", "present": True}
        },
        "/api/v1/panels/meetings/{meeting_id}/items/{item_id}/decisions": {
            "json": {"outcome": "keep_on_panel", "text": "Keep on the list"}
        },
        "/api/v1/panels/meetings/{meeting_id}/items/{item_id}/actions": {
            "json": {
                "description": "Call the school",
                "owner_agency": "Education",
                "owner_person": "Tom Baker",
                "due_on": "2026-03-30",
            }
        },
        "/api/v1/panels/actions/{action_id}": {"json": {"status": "done"}},
        "/api/v1/analytics/shadow": {"json": {"candidate": "/nowhere"}},
        "/api/v1/intelligence/places/{place_ref}/status": {"json": {"status": "none"}},
        "/api/v1/intelligence/places/{place_ref}/agenda": {
            "json": {"meeting_id": seed["meeting_id"]}
        },
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
                and (response.json()["type"].endswith(("refused", "quarantine", "shadow")))
            )
        else:
            ok = response.status_code == 403
        if not ok:
            wrong.append(f"{method} {path} as {who}: {response.status_code} {response.text[:120]}")
    assert wrong == []
