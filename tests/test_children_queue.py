"""The MASH worker's queue: one row for each child with open work, most urgent first; a child
still missing comes first in a level, then overdue and soon-due deadlines, then the rest."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from conftest import FrozenClock
from factories import notification
from test_api import detail
from test_pages import _sign_in


def _send(client: TestClient, headers: dict[str, dict[str, str]], payload: dict) -> None:
    response = client.post("/api/v1/notifications", json=payload, headers=headers["police_feed"])
    assert response.status_code == 201, response.text


def _child(key: str, given: str, family: str, born: str = "2011-05-02") -> dict[str, str]:
    return {
        "police_person_id": f"WMP-P-{key}",
        "given_name": given,
        "family_name": family,
        "date_of_birth": born,
    }


def test_one_row_per_child_with_the_newest_and_most_urgent_notification(
    client: TestClient, headers: dict[str, dict[str, str]], clock: FrozenClock
) -> None:
    often = _child("C1", "Rae", "Often")
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
    away = _child("C2", "Sol", "Away")
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
    page = client.get("/queue")
    assert page.status_code == 200 and page.template.name == "children_queue.html"  # type: ignore[attr-defined]
    items = page.context["items"]  # type: ignore[attr-defined]
    assert [
        (c.top.child_name, c.top.police_reference, c.newest.police_reference, c.waiting)
        for c in items
    ] == [
        ("Sol Away", "C2-0", "C2-0", 1),  # high and still missing: first
        ("Rae Often", "C1-1", "C1-2", 3),  # high at their most urgent; newest is C1-2
    ]
    assert "3 notifications" in page.text and "Still missing" in page.text
    assert "most urgent:" in page.text  # Rae's newest is not their most urgent
    only = client.get("/queue", params={"missing": "yes"}).context["items"]  # type: ignore[attr-defined]
    assert [c.top.child_name for c in only] == ["Sol Away"]
    medium = client.get("/queue", params={"level": "medium"}).context["items"]  # type: ignore[attr-defined]
    assert medium == []  # each child at their highest level: both are high
    assert 'href="/queue/notifications"' in page.text  # every notification stays reachable
    every = client.get("/queue/notifications").context["items"]  # type: ignore[attr-defined]
    assert len(every) == 4


def test_within_a_level_overdue_then_soon_due_deadlines_come_before_the_rest(
    client: TestClient, headers: dict[str, dict[str, str]], clock: FrozenClock
) -> None:
    # Three returned children at medium, sent at different times: the interview each decision
    # asks for falls due 72 hours after the return.
    children = {
        "D1": ("Ava", "Stone", "2010-01-04"),
        "D2": ("Ben", "Okafor", "2012-07-19"),
        "D3": ("Cal", "Murray", "2009-11-30"),
    }
    for key, days_ago in (("D1", 1), ("D2", 6), ("D3", 2.5)):
        reported = clock() - timedelta(days=days_ago)
        _send(
            client,
            headers,
            notification(
                reference=f"{key}-0",
                reported=reported,
                police_risk_grade="medium",
                returned_after_hours=2,
                child=_child(key, *children[key]),
                episode={"indicators": []},
            ),
        )
    _sign_in(client, "sam")
    items = client.get("/queue").context["items"]  # type: ignore[attr-defined]
    now = clock()
    order = [c.top.police_reference for c in items]
    deadlines = {c.top.police_reference: c.next_deadline for c in items}
    assert all(d is not None for d in deadlines.values()), deadlines
    overdue = [r for r in order if deadlines[r].due_at < now]
    soon = [r for r in order if now <= deadlines[r].due_at < now + timedelta(hours=24)]
    later = [r for r in order if deadlines[r].due_at >= now + timedelta(hours=24)]
    assert order == overdue + soon + later, (order, deadlines)
    assert overdue and later, deadlines  # the city made both kinds
    page = client.get("/queue", params={"overdue": "yes"})
    assert [c.top.police_reference for c in page.context["items"]] == overdue  # type: ignore[attr-defined]
    assert "Overdue" in page.text


def test_the_queue_has_page_numbers(
    client: TestClient, headers: dict[str, dict[str, str]], clock: FrozenClock
) -> None:
    for k in range(27):
        _send(
            client,
            headers,
            notification(
                reference=f"N-{k}",
                child=_child(
                    f"N{k}", "Kid", f"Number{k}", born=f"20{10 + k % 5}-0{1 + k % 9}-1{k % 9}"
                ),
            ),
        )
    _sign_in(client, "sam")
    page = client.get("/queue", params={"page": 2})
    assert page.context["pages"] == 2 and len(page.context["items"]) == 2  # type: ignore[attr-defined]
    assert 'aria-current="page"' in page.text and 'aria-label="Page 1"' in page.text


def test_reviewing_the_newest_notification_settles_the_older_ones_it_supersedes(
    client: TestClient, headers: dict[str, dict[str, str]], clock: FrozenClock
) -> None:
    often = _child("S1", "Rae", "Often")
    for k in range(3):
        clock.now += timedelta(minutes=5)
        _send(
            client,
            headers,
            notification(
                reference=f"S1-{k}",
                reported=clock() - timedelta(days=30 - k * 10),
                police_risk_grade="medium",
                child=often,
            ),
        )
    _send(client, headers, notification(reference="OTHER-1", child=_child("S2", "Sol", "Away")))
    newest = detail(client, headers, "S1-2")["decision"]["decision_id"]

    refused = client.post(
        "/api/v1/notifications/S1-2/reviews",
        json={"decision_id": newest, "decision": "confirm", "settle": ["OTHER-1"]},
        headers=headers["mash_worker"],
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "settle"
    assert detail(client, headers, "S1-2")["reviews"] == []  # nothing was written

    saved = client.post(
        "/api/v1/notifications/S1-2/reviews",
        json={"decision_id": newest, "decision": "confirm", "settle": ["S1-0", "S1-1"]},
        headers=headers["mash_worker"],
    )
    assert saved.status_code == 201, saved.text
    for older in ("S1-0", "S1-1"):
        (settled,) = detail(client, headers, older)["reviews"]
        assert settled["outcome"] == "confirmed" and settled["reason"] == "settled_with_newer"
    trail = client.get(
        "/api/v1/audit", params={"action": "review"}, headers=headers["admin"]
    ).json()["items"]
    settled_by = {e["record_id"]: e["detail"].get("settled_by") for e in trail}
    assert settled_by == {"S1-0": "S1-2", "S1-1": "S1-2", "S1-2": None}
    _sign_in(client, "sam")
    rows = client.get("/queue").context["items"]  # type: ignore[attr-defined]
    assert [c.top.police_reference for c in rows] == ["OTHER-1"]  # Rae's work is all done


def test_the_review_form_offers_to_settle_the_child_s_older_notifications(
    client: TestClient, headers: dict[str, dict[str, str]], clock: FrozenClock
) -> None:
    often = _child("S3", "Kit", "Often")
    for k in range(2):
        clock.now += timedelta(minutes=5)
        _send(
            client,
            headers,
            notification(
                reference=f"S3-{k}", reported=clock() - timedelta(days=20 - k * 10), child=often
            ),
        )
    _sign_in(client, "sam")
    page = client.get("/notifications/S3-1")
    assert [s.police_reference for s in page.context["settleable"]] == ["S3-0"]  # type: ignore[attr-defined]
    assert 'name="settle" value="S3-0"' in page.text
    assert client.get("/notifications/S3-0").context["settleable"] == []  # type: ignore[attr-defined]
    from test_pages import _csrf

    saved = client.post(
        "/notifications/S3-1/review",
        data={
            "csrf_token": _csrf(client, "/notifications/S3-1"),
            "decision_id": str(page.context["view"].decision_record.id),  # type: ignore[attr-defined]
            "decision": "confirm",
            "settle": ["S3-0"],
        },
    )
    assert "Your review is saved" in saved.text
    older = client.get("/notifications/S3-0")
    assert older.context["view"].status.value == "reviewed"  # type: ignore[attr-defined]
    assert "settled with the review of S3-1" in older.text
