"""Possible matches decided in the pages: both records side by side, confirmed (joined) or
rejected by a MASH worker, audited, and never decided twice."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import notification
from test_pages import _csrf, _sign_in
from triage.store import Database
from triage.store.tables import AuditEvent, EpisodeRecord, PossibleMatch


@pytest.fixture
def pair(client: TestClient, headers: dict[str, dict[str, str]], database: Database) -> int:
    for reference, person, born in (
        ("MP-1", "WMP-P-7001", "2011-05-02"),
        ("MP-2", "WMP-P-7002", "2011-02-05"),
    ):
        payload = notification(
            reference=reference,
            child={"police_person_id": person, "date_of_birth": born, "local_child_id": None},
        )
        response = client.post(
            "/api/v1/notifications", json=payload, headers=headers["police_feed"]
        )
        assert response.status_code == 201, response.text
    with database.reading() as session:
        [match] = session.scalars(select(PossibleMatch)).all()
        return match.id


def _decide(client: TestClient, match_id: int, decision: str) -> str:
    token = _csrf(client, "/matches")
    response = client.post(
        f"/matches/{match_id}/decision",
        data={"decision": decision, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_a_worker_sees_both_records_and_joins_them(
    client: TestClient, pair: int, database: Database
) -> None:
    _sign_in(client, "sam")
    page = client.get("/matches")
    assert page.status_code == 200
    assert "2 May 2011" in page.text and "5 February 2011" in page.text
    assert "day and month swapped" in page.text and "Older record" in page.text
    assert _decide(client, pair, "confirm") == "/matches?done=confirm"
    with database.reading() as session:
        children = set(session.scalars(select(EpisodeRecord.child_id)))
        assert len(children) == 1  # both episodes are now the one child's
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "confirm_match")
        ).one()
        assert event.username == "sam" and event.record_id == str(pair)
    assert _decide(client, pair, "reject") == "/matches?done=already"  # decided once only
    assert "No possible matches are waiting" in client.get("/matches").text


def test_a_rejection_keeps_two_children(client: TestClient, pair: int, database: Database) -> None:
    _sign_in(client, "sam")
    assert _decide(client, pair, "reject") == "/matches?done=reject"
    with database.reading() as session:
        assert len(set(session.scalars(select(EpisodeRecord.child_id)))) == 2
        assert session.get_one(PossibleMatch, pair).status == "rejected"


def test_a_decision_must_be_chosen(client: TestClient, pair: int) -> None:
    _sign_in(client, "sam")
    token = _csrf(client, "/matches")
    response = client.post(f"/matches/{pair}/decision", data={"csrf_token": token})
    # Post/redirect/get: back on the list, every pair still there, the error naming this one.
    assert [r.status_code for r in response.history] == [303] and response.url.path == "/matches"
    assert "Choose whether they are the same child" in response.text
    assert f'href="#same-{pair}"' in response.text and len(response.context["pairs"]) == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("username", ["police", "priya", "jo"])
def test_only_mash_workers_and_admins_decide_matches(
    client: TestClient, pair: int, username: str
) -> None:
    _sign_in(client, username)
    assert client.get("/matches").status_code == 403


def test_the_queue_by_child_follows_a_confirmed_match_at_once(
    client: TestClient, pair: int
) -> None:
    """The queue is read again whenever the store changes; a merge moves episodes without a
    new notification, and the queue must show one child at once."""
    _sign_in(client, "sam")
    before = client.get("/queue").context["items"]  # type: ignore[attr-defined]
    assert sorted(c.waiting for c in before) == [1, 1]
    _decide(client, pair, "confirm")
    (merged,) = client.get("/queue").context["items"]  # type: ignore[attr-defined]
    assert merged.waiting == 2
