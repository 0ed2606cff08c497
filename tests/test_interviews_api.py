"""The interviews API (/api/v1/interviews): a missing support worker lists their team's tasks,
takes one, records it held with push and pull factors, and adds referrals; casework roles read;
a missing task is 404; a bad outcome is 422 naming the field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from factories import notification
from test_api import submit

H = dict[str, dict[str, str]]
HELD = {
    "held_at": "2026-03-15T08:30:00Z",
    "held_how": "face_to_face",
    "interviewer_is_carer": False,
    "interviewer_is_social_worker": False,
    "successful": True,
    "push_factors": ["conflict_in_placement"],
    "pull_factors": ["older_person", "money_or_gifts"],
    "disclosed_indicators": ["drugs"],
    "offered_at": "2026-03-15T08:00:00Z",
    "offered_how": "telephone",
}


def a_task(client: TestClient, headers: H) -> dict[str, Any]:
    submit(client, headers, notification(reference="RHI-1"))
    client.app.state.revet.run_once()  # type: ignore[attr-defined]  # the service's pass
    response = client.get(
        "/api/v1/interviews/tasks",
        params={"team": "South", "due": "unallocated"},
        headers=headers["missing_support_worker"],
    )
    assert response.status_code == 200, response.text
    (task,) = response.json()["items"]
    return task


def test_a_worker_lists_the_teams_tasks_takes_one_and_records_it_held(
    client: TestClient, headers: H
) -> None:
    task = a_task(client, headers)
    worker = headers["missing_support_worker"]
    assert task["team"] == "South" and task["allocated_to"] is None
    assert task["episodes"][0]["police_reference"] == "RHI-1"
    assert (
        client.get("/api/v1/interviews/tasks", params={"team": "East"}, headers=worker).json()[
            "total"
        ]
        == 0
    )
    url = f"/api/v1/interviews/tasks/{task['task_id']}"
    taken = client.post(f"{url}/allocation", headers=worker)
    assert taken.status_code == 200 and taken.json()["allocated_to"] == "dana"
    held = client.post(f"{url}/held", json={**HELD, "referrals": ["cass_referral"]}, headers=worker)
    assert held.status_code == 200, held.text
    body = held.json()
    assert body["status"] == "held" and body["held_within_deadline"] is True
    assert body["pull_factors"] == ["older_person", "money_or_gifts"]
    assert body["disclosed_indicators"] == ["drugs"]
    more = client.post(
        f"{url}/referrals",
        json={"kind": "strategy_discussion_s47", "made_on": "2026-03-15T08:45:00Z"},
        headers=worker,
    )
    assert more.status_code == 201, more.text
    kinds = [r["kind"] for r in client.get(f"{url}/referrals", headers=worker).json()["items"]]
    assert kinds == ["cass_referral", "strategy_discussion_s47"]
    # A MASH worker reads it beside the child's work.
    read = client.get(url, headers=headers["mash_worker"])
    assert read.status_code == 200 and read.json()["successful"] is True


def test_a_task_that_does_not_exist_is_404(client: TestClient, headers: H) -> None:
    response = client.get("/api/v1/interviews/tasks/999", headers=headers["missing_support_worker"])
    assert response.status_code == 404
    assert response.json()["type"].endswith("not-found")


def test_a_held_interview_that_misses_a_field_or_is_not_independent_is_422_naming_it(
    client: TestClient, headers: H
) -> None:
    task = a_task(client, headers)
    url = f"/api/v1/interviews/tasks/{task['task_id']}/held"
    worker = headers["missing_support_worker"]
    missing = {k: v for k, v in HELD.items() if k != "successful"}
    response = client.post(url, json=missing, headers=worker)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["successful"]
    carer = client.post(url, json={**HELD, "interviewer_is_carer": True}, headers=worker)
    assert carer.status_code == 422
    (error,) = carer.json()["errors"]
    assert error["field"] == "interviewer_is_carer" and "independent" in error["problem"]
    unknown = client.post(url, json={**HELD, "harms": ["made_up"]}, headers=worker)
    assert [e["field"] for e in unknown.json()["errors"]] == ["harms"]


def test_only_a_missing_support_worker_records_and_police_cannot_read(
    client: TestClient, headers: H
) -> None:
    task = a_task(client, headers)
    url = f"/api/v1/interviews/tasks/{task['task_id']}"
    assert client.post(f"{url}/allocation", headers=headers["mash_worker"]).status_code == 403
    assert client.get(url, headers=headers["police_feed"]).status_code == 403
    assert client.get(url).status_code == 401
