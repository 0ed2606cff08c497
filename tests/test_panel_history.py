"""Panel actions over time: an action set after the next meeting was booked still reaches its
agenda, a past meeting shows its actions as they stood then (each status is kept), a subject
is on an agenda once (the database keeps it so), overdue is by the UK date, and an action is
changed only through a meeting that shows it. SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conftest import FrozenClock, issue_headers
from test_panels import H, add, crafted_children, meeting
from triage.accounts import get_by_username
from triage.errors import RecordNotFound
from triage.panels import minutes
from triage.panels.tables import PanelActionUpdate, PanelAgendaItem
from triage.store import Database


def action(client: TestClient, headers: H, meeting_id: int, item_id: int, due: date) -> dict:
    answer = client.post(
        f"/api/v1/panels/meetings/{meeting_id}/items/{item_id}/actions",
        json={
            "description": "Visit the placement",
            "owner_agency": "Children's services",
            "owner_person": "Sam Patel",
            "due_on": str(due),
        },
        headers=headers["panel_chair"],
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def read(client: TestClient, headers: H, meeting_id: int) -> dict:
    answer = client.get(f"/api/v1/panels/meetings/{meeting_id}", headers=headers["panel_chair"])
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_action_set_after_the_next_meeting_was_booked_reaches_its_agenda(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    ids = crafted_children(client, headers, clock)
    this = meeting(client, headers, 0.1, clock)["meeting_id"]
    booked = meeting(client, headers, 14, clock)["meeting_id"]  # the next, booked first
    item = add(client, headers, this, kind="child", child_id=ids["O"])["item_id"]
    set_ = action(client, headers, this, item, clock().date() + timedelta(days=7))
    (carried,) = read(client, headers, booked)["agenda"]
    assert carried["child_id"] == ids["O"] and carried["carried_from_id"] == item
    assert [a["action_id"] for a in carried["actions"]] == [set_["action_id"]]
    assert read(client, headers, booked)["agenda"] == [carried]  # once, however often read
    pack = client.get(f"/api/v1/panels/meetings/{booked}/pack", headers=headers["panel_chair"])
    assert pack.status_code == 200


def test_a_past_meeting_shows_its_actions_as_they_stood_then(
    client: TestClient, headers: H, clock: FrozenClock, database: Database
) -> None:
    ids = crafted_children(client, headers, clock)
    today = clock.now
    clock.now = today - timedelta(days=14)
    held = meeting(client, headers, 0.05, clock)["meeting_id"]
    item = add(client, headers, held, kind="child", child_id=ids["O"])["item_id"]
    late = action(client, headers, held, item, clock().date() - timedelta(days=1))
    clock.now = today
    done = client.patch(
        f"/api/v1/panels/actions/{late['action_id']}",
        json={"status": "done"},
        headers=headers["panel_chair"],
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    ((then,),) = [i["actions"] for i in read(client, headers, held)["agenda"]]
    assert then["status"] == "open" and then["overdue"]  # as at the meeting's day
    with database.reading() as session:
        kept = session.scalars(
            select(PanelActionUpdate)
            .where(PanelActionUpdate.action_id == late["action_id"])
            .order_by(PanelActionUpdate.id)
        ).all()
    assert [(u.status, u.at) for u in kept] == [
        ("open", today - timedelta(days=14)),
        ("done", today),
    ]
    assert kept[0].meeting_id == held and kept[1].meeting_id is None


def test_a_subject_is_on_an_agenda_once_in_the_database(
    client: TestClient, headers: H, clock: FrozenClock, database: Database
) -> None:
    ids = crafted_children(client, headers, clock)
    m = meeting(client, headers, 1, clock)["meeting_id"]
    first = add(client, headers, m, kind="child", child_id=ids["G"])
    again = client.post(
        f"/api/v1/panels/meetings/{m}/items",
        json={"kind": "child", "child_id": ids["G"]},
        headers=headers["panel_chair"],
    )
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "child_id"
    with pytest.raises(IntegrityError), database.transaction() as session:
        row = session.get_one(PanelAgendaItem, first["item_id"])
        session.add(
            PanelAgendaItem(
                meeting_id=m,
                kind="child",
                subject_key=row.subject_key,
                position=2,
                child_id=ids["G"],
                added_by_id=row.added_by_id,
                added_at=clock(),
            )
        )
        session.flush()


def test_an_action_due_yesterday_is_overdue_by_the_uk_date_after_midnight(
    client: TestClient, database: Database, clock: FrozenClock, accounts: dict[str, str]
) -> None:
    clock.now = datetime(2026, 7, 10, 23, 30, tzinfo=UTC)  # 00:30 on 11 July in the UK
    headers = issue_headers(client, database, clock, accounts)
    m = meeting(client, headers, 1, clock)["meeting_id"]
    item = add(client, headers, m, kind="person", description="Adult known as T")["item_id"]
    due = action(client, headers, m, item, date(2026, 7, 10))
    assert due["overdue"]
    ((shown,),) = [i["actions"] for i in read(client, headers, m)["agenda"]]
    assert shown["overdue"]


def test_an_action_is_changed_only_through_a_meeting_that_shows_it(
    client: TestClient, headers: H, clock: FrozenClock, database: Database
) -> None:
    ids = crafted_children(client, headers, clock)
    city = meeting(client, headers, 1, clock)["meeting_id"]
    item = add(client, headers, city, kind="child", child_id=ids["G"])["item_id"]
    set_ = action(client, headers, city, item, clock().date())
    other = meeting(client, headers, 2, clock, panel="mase", area="East")["meeting_id"]
    with database.transaction() as session:
        chair = get_by_username(session, "jo")
        assert chair is not None
        with pytest.raises(RecordNotFound):
            minutes.set_action_status(
                session,
                action_id=set_["action_id"],
                status="done",
                by=chair,
                now=clock(),
                meeting_id=other,
            )
        changed = minutes.set_action_status(
            session,
            action_id=set_["action_id"],
            status="done",
            by=chair,
            now=clock(),
            meeting_id=city,
        )
    assert changed.status == "done"
