"""Finding a child: by police reference (straight to the notification), by the council's child
id or the force's person id, by name however it is typed, and by a name that is nearly it;
casework roles only, and audited without the words typed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import notification
from test_pages import _sign_in
from triage.store import Database
from triage.store.tables import AuditEvent, EpisodeRecord


@pytest.fixture
def children(client: TestClient, headers: dict[str, dict[str, str]]) -> TestClient:
    for payload in (
        notification(
            reference="S-1",
            child={
                "given_name": "Mary-Jane",
                "family_name": "O'Neil",
                "local_child_id": "LC-771",
                "police_person_id": "WMP-P-9000",
            },
        ),
        notification(
            reference="S-2",
            child={
                "given_name": "Maryjane",
                "family_name": "Oneill",
                "police_person_id": "WMP-P-9001",
                "date_of_birth": "2011-02-03",
            },
        ),
        notification(
            reference="S-3",
            child={"given_name": "Tom", "family_name": "Brooks", "police_person_id": "WMP-P-9002"},
        ),
    ):
        response = client.post(
            "/api/v1/notifications", json=payload, headers=headers["police_feed"]
        )
        assert response.status_code == 201, response.text
    return client


def _found(client: TestClient, query: str) -> list[tuple[str, str]]:
    response = client.get("/search", params={"q": query})
    assert response.status_code == 200, response.text
    return [
        (f"{f.given_name} {f.family_name}", f.matched_by)
        for f in response.context["results"].found  # type: ignore[attr-defined]
    ]


def test_a_police_reference_opens_its_notification(children: TestClient) -> None:
    _sign_in(children, "sam")
    response = children.get("/search", params={"q": "s-3"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/notifications/S-3"


def test_a_name_is_found_however_it_is_typed_and_a_near_one_is_offered(
    children: TestClient,
) -> None:
    _sign_in(children, "sam")
    assert _found(children, "mary jane  ONEIL") == [
        ("Mary-Jane O'Neil", "name"),
        ("Maryjane Oneill", "similar name"),
    ]
    assert _found(children, "brooks") == [("Tom Brooks", "name")]
    assert _found(children, "Nobody Known") == []


def test_identifiers_held_for_a_child_find_them(children: TestClient) -> None:
    _sign_in(children, "sam")
    assert _found(children, "LC-771") == [("Mary-Jane O'Neil", "council child id")]
    assert _found(children, "WMP-P-9001") == [("Maryjane Oneill", "police id")]


def test_search_is_audited_without_the_words_typed(
    children: TestClient, database: Database
) -> None:
    _sign_in(children, "sam")
    _found(children, "Mary-Jane O'Neil")
    with database.reading() as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "search_children")
        ).all()
    assert event.username == "sam" and event.detail == {
        "found": 2,
        "matched_by": ["name", "similar name"],
    }
    assert "Mary" not in str(event.detail) and "Neil" not in str(event.detail)


def test_only_casework_roles_may_search(children: TestClient) -> None:
    _sign_in(children, "police")
    assert children.get("/search", params={"q": "brooks"}).status_code == 403


def test_a_possible_match_shows_a_percentage_that_is_one(
    children: TestClient, headers: dict[str, dict[str, str]], database: Database
) -> None:
    twin = notification(
        reference="S-4",
        child={
            "given_name": "Mary-Jane",
            "family_name": "O'Neil",
            "police_person_id": "WMP-P-9004",
            "date_of_birth": "2011-02-05",  # day and month of 2011-05-02 swapped
        },
    )
    response = children.post("/api/v1/notifications", json=twin, headers=headers["police_feed"])
    assert response.status_code == 201
    with database.reading() as session:
        child_id = session.scalar(
            select(EpisodeRecord.child_id).where(EpisodeRecord.police_reference == "S-4")
        )
    _sign_in(children, "sam")
    page = children.get(f"/children/{child_id}")
    assert (
        "day and month swapped" in page.text and "(names and dates of birth 90% alike)" in page.text
    )
