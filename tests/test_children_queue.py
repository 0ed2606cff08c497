"""The queue by child: one row for each child with notifications that need a person, at their
most urgent one, with how many await a person; a child still missing comes first in a level."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from conftest import FrozenClock
from factories import notification
from test_pages import _sign_in


def _send(client: TestClient, headers: dict[str, dict[str, str]], payload: dict) -> None:
    response = client.post("/api/v1/notifications", json=payload, headers=headers["police_feed"])
    assert response.status_code == 201, response.text


def test_one_row_per_child_at_their_most_urgent_notification(
    client: TestClient, headers: dict[str, dict[str, str]], clock: FrozenClock
) -> None:
    often = {"police_person_id": "WMP-P-C1", "given_name": "Rae", "family_name": "Often"}
    for k, grade in enumerate(("low", "high", "medium")):
        clock.now += timedelta(minutes=5)
        _send(
            client,
            headers,
            notification(
                reference=f"C1-{k}",
                reported=clock() - timedelta(days=30 - k * 10),
                police_risk_grade=grade,
                child=often,
            ),
        )
    away = {"police_person_id": "WMP-P-C2", "given_name": "Sol", "family_name": "Away"}
    _send(
        client,
        headers,
        notification(
            reference="C2-0",
            police_risk_grade="high",
            returned_after_hours=None,
            child=away,
            episode={"indicators": []},
        ),
    )
    _sign_in(client, "sam")
    page = client.get("/queue/children")
    assert page.status_code == 200
    items = page.context["items"]  # type: ignore[attr-defined]
    assert [(c.top.child_name, c.top.police_reference, c.waiting) for c in items] == [
        ("Sol Away", "C2-0", 1),  # high and still missing: first
        ("Rae Often", "C1-1", 3),  # high, at their most urgent notification, three waiting
    ]
    assert "3 notifications" in page.text and "Still missing" in page.text
    only = client.get("/queue/children", params={"missing": "yes"}).context["items"]  # type: ignore[attr-defined]
    assert [c.top.child_name for c in only] == ["Sol Away"]
    assert 'href="/queue"' in page.text  # the list of every notification stays reachable
