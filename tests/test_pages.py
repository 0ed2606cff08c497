"""The pages without a browser: sign-in, CSRF protection, security headers, who may see what,
and the context each template is given."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import PASSWORD
from factories import notification


def _csrf(client: TestClient, path: str = "/sign-in") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


def _sign_in(client: TestClient, username: str) -> None:
    token = _csrf(client)
    response = client.post(
        "/sign-in",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def seeded(client: TestClient, headers: dict[str, dict[str, str]]) -> TestClient:
    for payload in (
        notification(reference="P-1", episode={"indicators": ["injury_on_return"]}),
        notification(reference="P-2", child={"police_person_id": "P-P-2"}),
    ):
        assert (
            client.post(
                "/api/v1/notifications", json=payload, headers=headers["police_feed"]
            ).status_code
            == 201
        )
    return client


def test_pages_send_security_headers(client: TestClient) -> None:
    page = client.get("/sign-in")
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"]
    assert "triage_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_a_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    _csrf(client)
    response = client.post("/sign-in", data={"username": "sam", "password": PASSWORD})
    assert response.status_code == 403
    assert response.template.name == "error.html"  # type: ignore[attr-defined]
    assert "triage_session" not in response.headers.get("set-cookie", "")
    forged = client.post(
        "/sign-in",
        data={"username": "sam", "password": PASSWORD, "csrf_token": "made.up"},
    )
    assert forged.status_code == 403


def test_a_wrong_password_names_the_problem(client: TestClient) -> None:
    token = _csrf(client)
    response = client.post(
        "/sign-in", data={"username": "sam", "password": "not it at all", "csrf_token": token}
    )
    assert [r.status_code for r in response.history] == [303]  # post/redirect/get
    assert response.url.path == "/sign-in" and response.request.method == "GET"
    assert response.context["errors"][0].field == "username"  # type: ignore[attr-defined]
    assert response.context["username"] == "sam"  # type: ignore[attr-defined]
    assert "There is a problem" in response.text and "not it at all" not in response.text


def test_nobody_signed_in_is_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/notifications/P-1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/notifications/P-1"


def test_a_worker_sees_the_queue_and_a_notification_with_reasons_and_points(
    seeded: TestClient,
) -> None:
    _sign_in(seeded, "sam")
    queue = seeded.get("/queue/notifications")
    assert queue.template.name == "queue.html"  # type: ignore[attr-defined]
    items = queue.context["items"]  # type: ignore[attr-defined]
    assert [i.police_reference for i in items] == ["P-1", "P-2"]
    detail = seeded.get("/notifications/P-1")
    view = detail.context["view"]  # type: ignore[attr-defined]
    assert view.decision.vetted_level == "high"
    assert view.decision.reasons and view.decision.score is not None
    for reason in view.decision.reasons:
        assert reason.rule_id in detail.text
    assert f"The score: {view.decision.score.total} points" in detail.text


def test_a_review_from_the_page_is_saved_and_audited(
    seeded: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    _sign_in(seeded, "sam")
    page = seeded.get("/notifications/P-2")
    decision_id = page.context["view"].decision_record.id  # type: ignore[attr-defined]
    token = _csrf(seeded, "/notifications/P-2")
    refused = seeded.post(
        "/notifications/P-2/review",
        data={
            "csrf_token": token,
            "decision_id": decision_id,
            "decision": "override",
            "level": "high",
        },
    )
    # Post/redirect/get: the refusal lands on the notification's own page, as a GET, with the
    # form as sent and its errors; a refresh would not send the form again.
    assert [r.status_code for r in refused.history] == [303]
    assert refused.request.method == "GET" and refused.url.path == "/notifications/P-2"
    assert refused.context["errors"][0].field == "reason"  # type: ignore[attr-defined]
    assert refused.context["values"]["level"] == "high"  # type: ignore[attr-defined]
    assert "<title>Error: " in refused.text
    again = seeded.get("/notifications/P-2")  # shown once: the carried form is forgotten
    assert again.context["errors"] == []  # type: ignore[attr-defined]
    saved = seeded.post(
        "/notifications/P-2/review",
        data={
            "csrf_token": token,
            "decision_id": decision_id,
            "decision": "override",
            "level": "high",
            "reason": "known_exploitation",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    after = seeded.get("/api/v1/notifications/P-2", headers=headers["mash_worker"]).json()
    assert (after["level_in_force"], after["reviews"][0]["reason"]) == (
        "high",
        "known_exploitation",
    )
    trail = seeded.get("/api/v1/audit", params={"action": "review"}, headers=headers["admin"])
    assert [e["record_id"] for e in trail.json()["items"]] == ["P-2"]


@pytest.mark.parametrize("username", ["police", "priya"])
def test_police_feeds_and_analysts_cannot_open_casework_pages(
    seeded: TestClient, username: str
) -> None:
    _sign_in(seeded, username)
    for path in ("/queue", "/notifications/P-1", "/children/1", "/audit", "/search?q=P-1"):
        response = seeded.get(path)
        assert response.status_code == 403, path
        assert "P-1" not in response.text
    home = seeded.get("/", follow_redirects=False)  # their own home: what they can use
    assert home.status_code == 200 and "Sign out" in home.text
    if username == "priya":
        assert "P-1" not in home.text  # an analyst sees no police reference


def test_an_admin_reads_and_exports_the_audit_trail_from_the_pages(seeded: TestClient) -> None:
    _sign_in(seeded, "chris")
    assert seeded.get("/", follow_redirects=False).headers["location"] == "/audit"
    page = seeded.get("/audit")
    assert page.context["total"] >= 1  # type: ignore[attr-defined]
    export = seeded.get("/audit/export.csv")
    assert export.headers["content-type"].startswith("text/csv")
    assert "export_audit" in export.text
    assert seeded.get("/queue").status_code == 403


def test_an_admin_filters_the_trail_by_who_what_which_record_and_when(
    seeded: TestClient, clock: Any
) -> None:
    _sign_in(seeded, "sam")
    seeded.get("/notifications/P-1")  # sam views a notification: audited
    _sign_in(seeded, "chris")
    page = seeded.get("/audit", params={"who": "sam"})
    events = page.context["events"]  # type: ignore[attr-defined]
    assert events and {e.username for e in events} == {"sam"}
    assert "sam" in page.context["users"] and "view_notification" in page.context["actions"]  # type: ignore[attr-defined]
    assert '<option value="view_notification"' in page.text  # shown in words, kept as a code
    seen = seeded.get("/audit", params={"record": "P-1", "action": "view_notification"})
    [event] = seen.context["events"]  # type: ignore[attr-defined]
    assert event.record_id == "P-1"
    assert 'href="/notifications/P-1"' in seen.text  # the record is a link
    today = clock().date()
    assert (
        seeded.get(
            "/audit", params={"since": today.isoformat(), "until": today.isoformat()}
        ).context["total"]
        >= 1
    )  # type: ignore[attr-defined]
    later = (today.replace(year=today.year + 1)).isoformat()
    assert seeded.get("/audit", params={"since": later}).context["total"] == 0  # type: ignore[attr-defined]
    assert seeded.get("/audit", params={"since": "not a day"}).status_code == 422


def test_every_form_refuses_a_post_without_its_csrf_token(seeded: TestClient) -> None:
    _sign_in(seeded, "sam")
    for path in (
        "/sign-out",
        "/notifications/P-1/review",
        "/reviews/1/agreement",
        "/notifications/P-1/actions/return_home_interview/complete",
    ):
        response = seeded.post(path, data={"decision": "confirm", "agree": "yes"})
        assert response.status_code == 403, path
        assert response.context["problem"].kind == "csrf"  # type: ignore[attr-defined]


def test_an_agreement_is_audited_against_the_reviews_own_notification(
    seeded: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    decision_id = seeded.get("/api/v1/notifications/P-1", headers=headers["mash_worker"]).json()[
        "decision"
    ]["decision_id"]
    review = seeded.post(
        "/api/v1/notifications/P-1/reviews",
        json={
            "decision_id": decision_id,
            "decision": "override",
            "level": "medium",
            "reason": "duplicate_episode",
        },
        headers=headers["alex"],
    ).json()
    _sign_in(seeded, "sam")
    token = _csrf(seeded, "/notifications/P-1")
    answer = seeded.post(
        f"/reviews/{review['review_id']}/agreement",
        data={"csrf_token": token, "agree": "yes", "police_reference": "P-2"},
        follow_redirects=False,
    )
    assert answer.headers["location"].startswith("/notifications/P-1")
    trail = seeded.get("/api/v1/audit", params={"action": "agree"}, headers=headers["admin"])
    assert [e["record_id"] for e in trail.json()["items"]] == ["P-1"]
