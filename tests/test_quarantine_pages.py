"""The quarantine's pages: a MASH worker sees a rejected record with its raw text and each
field's problem, fixes it in a form and replays it through the API's checks; a replay that
still breaks the contract is kept again, linked, with its problems shown."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from factories import notification
from test_pages import _csrf, _sign_in


@pytest.fixture
def rejected(client: TestClient, headers: dict[str, dict[str, str]]) -> dict:
    payload = notification(reference="QP-1")
    del payload["child"]["family_name"]
    response = client.post("/api/v1/notifications", json=payload, headers=headers["police_feed"])
    assert response.status_code == 422
    return {"payload": payload, "quarantine_id": response.json()["quarantine_id"]}


def test_a_worker_fixes_a_rejected_record_and_it_becomes_a_notification(
    client: TestClient, rejected: dict
) -> None:
    _sign_in(client, "sam")
    listing = client.get("/quarantine")
    assert listing.status_code == 200
    assert f'href="/quarantine/{rejected["quarantine_id"]}"' in listing.text
    assert "child.family_name" in listing.text
    page = client.get(f"/quarantine/{rejected['quarantine_id']}")
    assert "Fix and replay" in page.text and "QP-1" in page.text
    fixed = dict(
        rejected["payload"], child={**rejected["payload"]["child"], "family_name": "Okafor"}
    )
    token = _csrf(client, f"/quarantine/{rejected['quarantine_id']}")
    replayed = client.post(
        f"/quarantine/{rejected['quarantine_id']}/replay",
        data={"record": json.dumps(fixed), "csrf_token": token},
        follow_redirects=False,
    )
    assert replayed.status_code == 303
    assert replayed.headers["location"] == "/notifications/QP-1"
    assert client.get("/notifications/QP-1").status_code == 200
    after = client.get(f"/quarantine/{rejected['quarantine_id']}")
    assert "Replayed" in after.text and 'href="/notifications/QP-1"' in after.text
    assert f'href="/quarantine/{rejected["quarantine_id"]}"' not in client.get("/quarantine").text


def test_a_replay_that_still_breaks_the_contract_is_kept_and_shown(
    client: TestClient, rejected: dict
) -> None:
    _sign_in(client, "sam")
    token = _csrf(client, f"/quarantine/{rejected['quarantine_id']}")
    replayed = client.post(
        f"/quarantine/{rejected['quarantine_id']}/replay",
        data={"record": '{"police_reference": "QP-1"', "csrf_token": token},
        follow_redirects=False,
    )
    assert replayed.status_code == 303
    again = re.match(r"/quarantine/(\d+)\?done=still", replayed.headers["location"])
    assert again and int(again[1]) != rejected["quarantine_id"]
    page = client.get(replayed.headers["location"])
    assert "still breaks the contract" in page.text
    assert f'href="/quarantine/{rejected["quarantine_id"]}"' in page.text  # linked to the first


@pytest.mark.parametrize("username", ["police", "priya", "jo"])
def test_only_mash_workers_and_admins_open_the_quarantine(
    client: TestClient, rejected: dict, username: str
) -> None:
    _sign_in(client, username)
    assert client.get("/quarantine").status_code == 403
    assert client.get(f"/quarantine/{rejected['quarantine_id']}").status_code == 403


def test_a_record_that_is_not_a_notification_is_marked_so_with_a_reason(
    client: TestClient, rejected: dict, headers: dict[str, dict[str, str]]
) -> None:
    record = rejected["quarantine_id"]
    _sign_in(client, "sam")
    token = _csrf(client, f"/quarantine/{record}")
    # "Another reason" needs words: refused, naming the note, back on the record's own page.
    refused = client.post(
        f"/quarantine/{record}/dismiss", data={"reason": "other", "csrf_token": token}
    )
    assert [r.status_code for r in refused.history] == [303]
    assert refused.url.path == f"/quarantine/{record}"
    assert [e.field for e in refused.context["errors"]] == ["note"]  # type: ignore[attr-defined]
    assert refused.context["values"]["reason"] == "other"  # type: ignore[attr-defined]
    done = client.post(
        f"/quarantine/{record}/dismiss",
        data={"reason": "test_message", "note": "", "csrf_token": token},
    )
    assert "marked as not a notification" in done.text
    assert f'href="/quarantine/{record}"' not in done.text  # off the open list
    page = client.get(f"/quarantine/{record}")
    assert "A test or training message" in page.text and "Dismissed" in page.text
    listed = client.get(
        "/api/v1/quarantine", params={"status": "dismissed"}, headers=headers["admin"]
    ).json()
    assert [r["quarantine_id"] for r in listed["items"]] == [record]
    trail = client.get(
        "/api/v1/audit", params={"action": "dismiss_quarantined"}, headers=headers["admin"]
    ).json()["items"]
    assert [(e["record_id"], e["detail"]["reason"]) for e in trail] == [
        (str(record), "test_message")
    ]
    again = client.post(
        f"/api/v1/quarantine/{record}/replay",
        json={"record": rejected["payload"]},
        headers=headers["mash_worker"],
    )
    assert again.status_code == 409  # a dismissed record is no longer open to replay


def test_the_api_refuses_a_dismissal_without_a_known_reason(
    client: TestClient, rejected: dict, headers: dict[str, dict[str, str]]
) -> None:
    answer = client.post(
        f"/api/v1/quarantine/{rejected['quarantine_id']}/dismiss",
        json={"reason": "bored"},
        headers=headers["mash_worker"],
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "reason"
    missing = client.post(
        "/api/v1/quarantine/999999/dismiss", json={"reason": "duplicate"}, headers=headers["admin"]
    )
    assert missing.status_code == 404
