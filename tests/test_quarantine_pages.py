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
