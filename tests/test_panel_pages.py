"""The panel chair's pages: the chair starts at the ranked children; builds a meeting with
forms (CSRF, post/redirect/get); a refused form comes back naming its field; "since the last
panel"; the pack downloads; other roles are refused. SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from conftest import FrozenClock
from test_pages import _csrf, _sign_in
from test_panels import H, crafted_children


def test_a_chair_starts_at_the_ranked_children_each_with_why(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    crafted_children(client, headers, clock)
    _sign_in(client, "jo")
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/panels"
    page = client.get("/panels")
    assert page.template.name == "panels.html"  # type: ignore[attr-defined]
    rows = page.context["rows"]  # type: ignore[attr-defined]
    assert [r.name for r in rows] == ["Cara Gone", "Ben Often", "Amy Quiet"]
    assert "Still missing now (P-G1)" in page.text and "going missing more often" in page.text
    assert 'data-label="Why they are here"' in page.text


def test_a_chair_builds_a_meeting_through_the_forms(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    ids = crafted_children(client, headers, clock)
    _sign_in(client, "jo")
    token = _csrf(client, "/panels/meetings")
    day = (clock() + timedelta(days=3)).date().isoformat()
    made = client.post(
        "/panels/meetings",
        data={"csrf_token": token, "panel": "city", "date": day, "time": "10:00"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    url = made.headers["location"].partition("?")[0]
    meeting_id = int(url.rsplit("/", 1)[1])
    added = client.post(
        f"{url}/items",
        data={"csrf_token": token, "kind": "child", "child_id": str(ids["G"])},
        follow_redirects=False,
    )
    assert added.status_code == 303 and added.headers["location"].endswith("?done=item#agenda")
    client.post(
        f"{url}/items",
        data={"csrf_token": token, "kind": "person", "description": "A man called T"},
    )
    page = client.get(url)
    (child, person) = page.context["view"].items  # type: ignore[attr-defined]
    assert child.child_name == "Cara Gone" and person.item.description == "A man called T"
    item = child.item.id
    client.post(
        f"{url}/items/{item}/decision",
        data={"csrf_token": token, "outcome": "escalate", "text": "Strategy discussion"},
    )
    client.post(
        f"{url}/items/{item}/actions",
        data={
            "csrf_token": token,
            "description": "Visit",
            "owner_agency": "Police",
            "owner_person": "DS Sharma",
            "due_on": day,
        },
    )
    client.post(
        f"{url}/attendance",
        data={
            "csrf_token": token,
            "name": "Dev",
            "agency": "Police",
            "role": "DS",
            "present": "no",
        },
    )
    page = client.get(url)
    (child, _person) = page.context["view"].items  # type: ignore[attr-defined]
    assert child.decision.outcome == "escalate" and child.actions[0].owner_person == "DS Sharma"
    assert page.context["view"].attendance[0].present is False  # type: ignore[attr-defined]
    since = client.get(f"{url}/items/{item}/since")
    assert since.status_code == 200 and "The panel has not met before" in since.text
    pdf = client.get(f"/panels/meetings/{meeting_id}/pack?version=partners")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_refused_form_comes_back_with_its_field_named_and_what_was_typed(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    _sign_in(client, "jo")
    token = _csrf(client, "/panels/meetings")
    refused = client.post(
        "/panels/meetings",
        data={
            "csrf_token": token,
            "panel": "mase",
            "area": "",
            "date": "2026-13-40",
            "time": "10:00",
        },
        follow_redirects=False,
    )
    assert refused.status_code == 303
    page = client.get(refused.headers["location"])
    assert page.template.name == "panel_meetings.html"  # type: ignore[attr-defined]
    (error,) = page.context["errors"]  # type: ignore[attr-defined]
    assert error.field == "meeting-meets_at" and "date and time" in error.problem
    assert 'href="#meeting-date"' in page.text and "<title>Error: " in page.text
    made = client.post(
        "/panels/meetings",
        data={"csrf_token": token, "panel": "city", "date": "2026-04-01", "time": "10:00"},
        follow_redirects=False,
    )
    url = made.headers["location"].partition("?")[0]
    page = client.post(f"{url}/items", data={"csrf_token": token, "kind": "location"})
    (error,) = page.context["errors"]  # type: ignore[attr-defined]
    assert error.field == "add-location-description"
    assert re.search(r'href="#add-location-description"', page.text)


def test_panel_pages_are_for_chairs_and_senior_managers_read_only(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    for who in ("sam", "chris"):  # a MASH worker, an admin
        _sign_in(client, who)
        assert client.get("/panels").status_code == 403, who
        assert client.get("/panels/meetings").status_code == 403, who
        assert 'href="/panels"' not in client.get("/").text, who
    _sign_in(client, "morgan")
    assert client.get("/panels").status_code == 200
    page = client.get("/panels/meetings")
    assert page.status_code == 200 and "Create a meeting" not in page.text
    token = _csrf(client, "/panels/meetings")
    refused = client.post(
        "/panels/meetings",
        data={"csrf_token": token, "panel": "city", "date": "2026-04-01", "time": "10:00"},
    )
    assert refused.status_code == 403
    no_token = client.post("/panels/meetings", data={"panel": "city"})
    assert no_token.status_code == 403
