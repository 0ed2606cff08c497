"""Panels: children ranked by a child-level risk and each place explained, weights as data;
meetings with an agenda of children, people of concern and locations, attendance, decisions
and multi-agency actions that carry to the next meeting; "since the last panel". Service and
API, SQLite and PostgreSQL alike."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import FrozenClock, issue_headers
from factories import notification
from test_api import submit
from triage.accounts import get_by_username
from triage.casework.vocabulary import said
from triage.errors import RuleFileError
from triage.panels.ranking import WEIGHTS_FILE, load_weights, rank_children
from triage.store import Database
from triage.store.tables import AuditEvent, ChildIdentifier

H = dict[str, dict[str, str]]
RULES = Path(__file__).resolve().parent.parent / "rules"


def episode(clock: FrozenClock, reference: str, person: str, days_ago: float, **kw: Any) -> dict:
    """A notification for child `person`, last seen `days_ago` days before the clock."""
    child = {"police_person_id": person, "legal_status": "none", **kw.pop("child", {})}
    return notification(
        reference=reference,
        reported=clock() - timedelta(days=days_ago),
        child=child,
        **kw,
    )


def crafted_children(client: TestClient, headers: H, clock: FrozenClock) -> dict[str, int]:
    """Three children: Quiet (one low episode months ago), Often (three episodes in three
    weeks after a quiet spell), and Gone (missing now, with exploitation indicators)."""
    quiet = {"given_name": "Amy", "family_name": "Quiet", "date_of_birth": "2009-01-10"}
    often = {"given_name": "Ben", "family_name": "Often", "date_of_birth": "2010-02-11"}
    gone = {"given_name": "Cara", "family_name": "Gone", "date_of_birth": "2010-03-12"}
    plain = {"indicators": [], "circumstances": "Stayed at a friend's house."}
    submit(
        client,
        headers,
        episode(clock, "P-Q1", "Q", 200, police_risk_grade="low", child=quiet, episode=plain),
    )
    for k, days in enumerate((20, 12, 5)):
        submit(client, headers, episode(clock, f"P-O{k}", "O", days, child=often, episode=plain))
    submit(
        client,
        headers,
        episode(
            clock,
            "P-G1",
            "G",
            2,
            returned_after_hours=None,
            child=gone,
            episode={"indicators": ["older_controlling_adult", "multiple_phones"]},
        ),
    )
    return children_by_person(client)


def children_by_person(client: TestClient) -> dict[str, int]:
    database: Database = client.app.state.services.database  # type: ignore[attr-defined]
    with database.reading() as session:
        return {
            value: child
            for value, child in session.execute(
                select(ChildIdentifier.value, ChildIdentifier.child_id).where(
                    ChildIdentifier.kind == "police_person_id"
                )
            )
        }


def test_children_are_ranked_by_child_level_risk_and_each_place_is_explained(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    ids = crafted_children(client, headers, clock)
    answer = client.get("/api/v1/panels/children", headers=headers["panel_chair"])
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["child_id"] for i in items] == [ids["G"], ids["O"], ids["Q"]]
    assert [i["place"] for i in items] == [1, 2, 3]
    gone, often, quiet = items
    why = {c["factor"]: c["because"] for c in gone["contributions"]}
    assert why["still_missing"] == "Still missing now (P-G1)"
    for indicator in ("older_controlling_adult", "multiple_phones"):  # in words, not codes
        assert said(indicator).lower() in why["exploitation"]
        assert indicator not in why["exploitation"]
    assert gone["points"] == pytest.approx(sum(c["points"] for c in gone["contributions"]), abs=0.2)
    often_why = {c["factor"]: c["because"] for c in often["contributions"]}
    assert often_why["acceleration"] == (
        "3 episodes in the last 30 days against 0 in the 90 days before: going missing more often"
    )
    assert often_why["recent_episodes"] == "3 episodes in the last 30 days"
    assert "acceleration" not in {c["factor"] for c in quiet["contributions"]}
    # Largest contribution first, in words a person reads.
    assert [c["points"] for c in gone["contributions"]] == sorted(
        (c["points"] for c in gone["contributions"]), reverse=True
    )


def test_changing_a_weight_in_the_rules_file_changes_the_order(
    client: TestClient, headers: H, clock: FrozenClock, tmp_path: Path
) -> None:
    ids = crafted_children(client, headers, clock)
    (tmp_path / "data").mkdir()
    tuned = tmp_path / WEIGHTS_FILE
    shutil.copy(RULES / WEIGHTS_FILE, tuned)
    text = tuned.read_text()
    # Still missing and exploitation count for nothing; going missing more often counts more.
    text = text.replace("still_missing:\n  points: 25", "still_missing:\n  points: 0")
    text = text.replace("  points_each: 6\n  most: 30", "  points_each: 0\n  most: 0")
    text = text.replace("  points_each: 10\n  most: 30", "  points_each: 30\n  most: 90")
    tuned.write_text(text)
    database: Database = client.app.state.services.database  # type: ignore[attr-defined]
    with database.reading() as session:
        before = rank_children(session, weights=load_weights(RULES), now=clock())
        after = rank_children(session, weights=load_weights(tmp_path), now=clock())
    assert [r.child_id for r in before][:2] == [ids["G"], ids["O"]]
    assert [r.child_id for r in after][:2] == [ids["O"], ids["G"]]


def test_a_weights_file_that_cannot_be_used_names_the_field(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    broken = (RULES / WEIGHTS_FILE).read_text().replace("half_life_days: 14", "half_life_days: 0")
    (tmp_path / WEIGHTS_FILE).write_text(broken)
    with pytest.raises(RuleFileError, match=r"recency\.half_life_days: Input should be greater"):
        load_weights(tmp_path)
    (tmp_path / WEIGHTS_FILE).write_text(broken.replace("lookback_days: 365", "lookbak_days: 1"))
    with pytest.raises(RuleFileError, match="lookback_days: Field required"):
        load_weights(tmp_path)


def test_what_a_child_disclosed_in_a_return_home_interview_counts_as_exploitation(
    client: TestClient, headers: H, clock: FrozenClock, database: Database
) -> None:
    from triage.interviews.tables import InterviewDisclosure, InterviewTask

    ids = crafted_children(client, headers, clock)
    with database.transaction() as session:
        back = clock() - timedelta(days=4)
        task = InterviewTask(
            child_id=ids["O"],
            team="East",
            status="held",
            returned_at=back,
            due_at=back + timedelta(hours=72),
            created_at=back,
        )
        session.add(task)
        session.flush()
        for indicator, days in (("older_controlling_adult", -2), ("multiple_phones", 1)):
            session.add(
                InterviewDisclosure(
                    task_id=task.id,
                    child_id=ids["O"],
                    indicator=indicator,
                    recorded_at=clock() + timedelta(days=days),
                )
            )
    with database.reading() as session:
        (often,) = rank_children(
            session, weights=load_weights(RULES), now=clock(), child_ids=[ids["O"]]
        )
    # Disclosed two days ago: counted; recorded tomorrow: not known now.
    assert often.exploitation_indicators == ("older_controlling_adult",)
    assert "exploitation" in {c.factor for c in often.contributions}


def test_the_ranking_filters_by_area(client: TestClient, headers: H, clock: FrozenClock) -> None:
    crafted_children(client, headers, clock)
    every = client.get("/api/v1/panels/children", headers=headers["panel_chair"]).json()["items"]
    area = every[0]["area"]
    shown = client.get(
        "/api/v1/panels/children", params={"area": area}, headers=headers["panel_chair"]
    ).json()["items"]
    assert shown and {i["area"] for i in shown} == {area}
    typed = client.get(
        "/api/v1/panels/children",
        params={"area": f" {area.lower()} "},
        headers=headers["panel_chair"],
    ).json()["items"]
    assert typed == shown  # the area team, however it is typed
    unknown = client.get(
        "/api/v1/panels/children", params={"area": "Nowhere"}, headers=headers["panel_chair"]
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "area"


# Meetings -------------------------------------------------------------------------------------


def meeting(client: TestClient, headers: H, days: float, clock: FrozenClock, **body: Any) -> Any:
    answer = client.post(
        "/api/v1/panels/meetings",
        json={"panel": "city", "meets_at": (clock() + timedelta(days=days)).isoformat(), **body},
        headers=headers["panel_chair"],
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def add(client: TestClient, headers: H, meeting_id: int, **body: Any) -> Any:
    answer = client.post(
        f"/api/v1/panels/meetings/{meeting_id}/items", json=body, headers=headers["panel_chair"]
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_chair_builds_a_meeting_with_the_three_kinds_of_item_attendance_and_a_decision(
    client: TestClient, headers: H, clock: FrozenClock, database: Database
) -> None:
    ids = crafted_children(client, headers, clock)
    m = meeting(client, headers, 3, clock, panel="mase", area="East")
    assert m["name"] == "MASE panel, East" and m["agenda"] == []
    child = add(client, headers, m["meeting_id"], kind="child", child_id=ids["G"])
    assert child["child_name"] == "Cara Gone" and child["level_when_added"] == "high"
    person = add(client, headers, m["meeting_id"], kind="person", description="Adult known as T")
    place = add(
        client, headers, m["meeting_id"], kind="location", description="Takeaway", postcode="b6 4aa"
    )
    assert person["description"] == "Adult known as T" and place["postcode"] == "B6 4AA"
    chair = headers["panel_chair"]
    sent = client.post(
        f"/api/v1/panels/meetings/{m['meeting_id']}/attendance",
        json={
            "name": "Dev Sharma",
            "agency": "West Midlands Police",
            "role": "DS",
            "present": True,
        },
        headers=chair,
    )
    assert sent.status_code == 201, sent.text
    decided = client.post(
        f"/api/v1/panels/meetings/{m['meeting_id']}/items/{child['item_id']}/decisions",
        json={"outcome": "escalate", "text": "Strategy discussion this week"},
        headers=chair,
    )
    assert decided.status_code == 201 and decided.json()["decision"]["outcome"] == "escalate"
    read = client.get(
        f"/api/v1/panels/meetings/{m['meeting_id']}", headers=headers["senior_manager"]
    )
    assert read.status_code == 200
    body = read.json()
    assert [i["kind"] for i in body["agenda"]] == ["child", "person", "location"]
    assert body["attendance"][0]["agency"] == "West Midlands Police"
    with database.reading() as session:
        done = list(
            session.scalars(
                select(AuditEvent.action).where(AuditEvent.record_type == "panel_meeting")
            )
        )
        details = " ".join(str(d) for d in session.scalars(select(AuditEvent.detail)))
    assert {"create_panel_meeting", "add_agenda_item", "record_panel_attendance"} <= set(done)
    assert {"record_panel_decision", "view_panel_meeting"} <= set(done)
    assert "Strategy discussion" not in details and "Adult known as T" not in details


def test_an_open_action_carries_to_the_next_meeting_of_the_same_panel(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    ids = crafted_children(client, headers, clock)
    chair = headers["panel_chair"]
    first = meeting(client, headers, -14, clock)
    item = add(client, headers, first["meeting_id"], kind="child", child_id=ids["O"])
    url = f"/api/v1/panels/meetings/{first['meeting_id']}/items/{item['item_id']}/actions"
    action = {"owner_agency": "Children's services", "owner_person": "Sam Patel"}
    kept = client.post(
        url,
        json={
            "description": "Visit the placement",
            "due_on": str(clock().date() - timedelta(days=2)),
            **action,
        },
        headers=chair,
    ).json()
    closed = client.post(
        url,
        json={"description": "Call school", "due_on": str(clock().date()), **action},
        headers=chair,
    ).json()
    assert (
        client.patch(
            f"/api/v1/panels/actions/{closed['action_id']}", json={"status": "done"}, headers=chair
        ).json()["status"]
        == "done"
    )
    other_panel = meeting(client, headers, 7, clock, panel="mase", area="East")
    assert other_panel["agenda"] == []  # another panel does not take on the city panel's work
    second = meeting(client, headers, 14, clock)
    (carried,) = second["agenda"]
    assert carried["child_id"] == ids["O"] and carried["carried_from_id"] == item["item_id"]
    (shown,) = carried["actions"]
    assert shown["action_id"] == kept["action_id"] and shown["carried"] and shown["overdue"]
    since = client.get(
        f"/api/v1/panels/meetings/{second['meeting_id']}/items/{carried['item_id']}/since",
        headers=chair,
    ).json()
    assert since["previous_meeting_id"] == first["meeting_id"] and since["child_was_on_it"]
    assert [o["panel_action_id"] for o in since["overdue_actions"] if o["panel_action_id"]] == [
        kept["action_id"]
    ]


def test_since_the_last_panel_shows_new_episodes_indicators_places_children_and_level(
    client: TestClient,
    headers: H,
    clock: FrozenClock,
    database: Database,
    accounts: dict[str, str],
) -> None:
    ids = crafted_children(client, headers, clock)
    first = meeting(client, headers, 0, clock)
    add(client, headers, first["meeting_id"], kind="child", child_id=ids["O"])
    clock.now += timedelta(days=10)
    headers = issue_headers(client, database, clock, accounts)
    chair = headers["panel_chair"]
    often = {"given_name": "Ben", "family_name": "Often", "date_of_birth": "2010-02-11"}
    friend = {"given_name": "Dan", "family_name": "Friend", "date_of_birth": "2010-05-05"}
    submit(client, headers, episode(clock, "P-F1", "F", 30, child=friend))
    submit(
        client,
        headers,
        episode(
            clock,
            "P-O9",
            "O",
            1,
            child=often,
            episode={
                "indicators": ["weapon"],
                "last_seen_location": "Bus station",
                "companions": [{"police_person_id": "F"}],
            },
        ),
    )
    second = meeting(client, headers, 1, clock)
    item = add(client, headers, second["meeting_id"], kind="child", child_id=ids["O"])
    since = client.get(
        f"/api/v1/panels/meetings/{second['meeting_id']}/items/{item['item_id']}/since",
        headers=chair,
    ).json()
    assert since["previous_meeting_id"] == first["meeting_id"]
    assert [e["police_reference"] for e in since["new_episodes"]] == ["P-O9"]
    assert since["new_indicators"] == ["weapon"]
    assert (
        "Bus station" in since["new_places"]
        and "Outside the children's home" not in since["new_places"]
    )
    assert since["new_linked_children"] == [
        {"child_id": children_by_person(client)["F"], "name": "Dan Friend"}
    ]
    assert since["level_then"] is not None and since["level_now"] is not None
    with client.app.state.services.database.reading() as session:  # type: ignore[attr-defined]
        seen = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "view_since_last_panel")
        ).one()
    assert seen.username == "jo" and seen.detail == {"item": item["item_id"], "child": ids["O"]}


def test_panel_requests_are_checked_and_refusals_name_the_field(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    chair = headers["panel_chair"]
    when = clock().isoformat()
    no_area = client.post(
        "/api/v1/panels/meetings", json={"panel": "mase", "meets_at": when}, headers=chair
    )
    assert no_area.status_code == 422 and no_area.json()["errors"][0]["field"] == "area"
    naive = client.post(
        "/api/v1/panels/meetings",
        json={"panel": "city", "meets_at": "2026-12-10T10:00"},
        headers=chair,
    )
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "meets_at"
    m = meeting(client, headers, 1, clock)
    items = f"/api/v1/panels/meetings/{m['meeting_id']}/items"
    unknown = client.post(items, json={"kind": "child", "child_id": 999}, headers=chair)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "child_id"
    blank = client.post(items, json={"kind": "person", "description": " "}, headers=chair)
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "description"
    wrong = client.post(items, json={"kind": "car"}, headers=chair)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "kind"
    item = add(client, headers, m["meeting_id"], kind="location", postcode="B6 4AA")
    decided = client.post(
        f"{items}/{item['item_id']}/decisions",
        json={"outcome": "maybe", "text": "x"},
        headers=chair,
    )
    assert decided.status_code == 422 and decided.json()["errors"][0]["field"] == "outcome"
    action = client.post(
        f"{items}/{item['item_id']}/actions",
        json={
            "description": "Visit",
            "owner_agency": "Police",
            "owner_person": "DS Sharma",
            "due_on": "soon",
        },
        headers=chair,
    )
    assert action.status_code == 422 and action.json()["errors"][0]["field"] == "due_on"


def test_a_missing_meeting_item_or_action_is_not_found(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    chair = headers["panel_chair"]
    assert client.get("/api/v1/panels/meetings/999", headers=chair).status_code == 404
    assert client.get("/api/v1/panels/meetings/999/pack", headers=chair).status_code == 404
    m = meeting(client, headers, 1, clock)
    gone = client.post(
        f"/api/v1/panels/meetings/{m['meeting_id']}/items/999/decisions",
        json={"outcome": "close", "text": "Closed"},
        headers=chair,
    )
    assert gone.status_code == 404 and gone.json()["type"].endswith("not-found")
    assert (
        client.patch(
            "/api/v1/panels/actions/999", json={"status": "done"}, headers=chair
        ).status_code
        == 404
    )


def test_only_a_chair_changes_panels_senior_managers_read_and_admins_may_not(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    ids = crafted_children(client, headers, clock)
    m = meeting(client, headers, 1, clock)["meeting_id"]
    item = add(client, headers, m, kind="child", child_id=ids["G"])["item_id"]
    body = {"panel": "city", "meets_at": clock().isoformat()}
    for role in ("mash_worker", "admin", "analyst", "police_feed", "senior_manager"):
        refused = client.post("/api/v1/panels/meetings", json=body, headers=headers[role])
        assert refused.status_code == 403, role
    reads = (
        "/api/v1/panels/children",
        "/api/v1/panels/meetings",
        f"/api/v1/panels/meetings/{m}",
        f"/api/v1/panels/meetings/{m}/items/{item}/since",
    )
    for url in reads:
        # An admin reads no child's record here, as on /children/{id}.
        for role in ("mash_worker", "analyst", "police_feed", "admin"):
            assert client.get(url, headers=headers[role]).status_code == 403, (url, role)
        assert client.get(url, headers=headers["senior_manager"]).status_code == 200, url
    assert client.get("/api/v1/panels/meetings").status_code == 401


def test_a_chair_service_call_is_audited_with_ids_only(
    client: TestClient, headers: H, clock: FrozenClock, database: Database
) -> None:
    from triage.panels import minutes
    from triage.panels.meetings import add_item, create_meeting, meeting_view

    ids = crafted_children(client, headers, clock)
    weights = load_weights(RULES)
    written = {
        "person": "Man called Rico in a silver Astra near Larch Grove",
        "place": "Flat 3, 22 Moseley Road",
        "notes": "Mum says Rico gives her son cash and phones",
        "action": "Visit 22 Moseley Road with the housing officer",
        "owner": "PC Hannah Oduya",
        "attendee": "Priya Kaur",
    }
    with database.transaction() as session:
        chair = get_by_username(session, "jo")
        assert chair is not None
        made = create_meeting(
            session,
            panel="mase",
            area=" east ",
            meets_at=clock() + timedelta(days=1),
            areas={"East", "South"},
            weights=weights,
            by=chair,
            now=clock(),
        )
        child = add_item(
            session,
            meeting_id=made.id,
            kind="child",
            child_id=ids["Q"],
            description=None,
            postcode=None,
            weights=weights,
            by=chair,
            now=clock(),
        )
        for kind, words in (("person", written["person"]), ("location", written["place"])):
            add_item(
                session,
                meeting_id=made.id,
                kind=kind,
                child_id=None,
                description=words,
                postcode="B12 9QH" if kind == "location" else None,
                weights=weights,
                by=chair,
                now=clock(),
            )
        minutes.decide(
            session,
            meeting_id=made.id,
            item_id=child.id,
            outcome="keep_on_panel",
            text=written["notes"],
            by=chair,
            now=clock(),
        )
        action = minutes.add_action(
            session,
            meeting_id=made.id,
            item_id=child.id,
            description=written["action"],
            owner_agency="West Midlands Police",
            owner_person=written["owner"],
            due_on=clock().date(),
            by=chair,
            now=clock(),
        )
        minutes.set_action_status(
            session, action_id=action.id, status="done", by=chair, now=clock()
        )
        minutes.record_attendance(
            session,
            meeting_id=made.id,
            name=written["attendee"],
            agency="Children's services",
            role="Social worker",
            present=True,
            by=chair,
            now=clock(),
        )
        meeting_view(session, made.id, viewer=chair, weights=weights, now=clock())
    assert made.area == "East"  # the team as the routing table names it, not as typed
    with database.reading() as session:
        events = session.scalars(select(AuditEvent)).all()
    actions = {e.action for e in events}
    assert {"create_panel_meeting", "add_agenda_item", "record_panel_decision"} <= actions
    assert {"set_panel_action", "update_panel_action", "record_panel_attendance"} <= actions
    details = " ".join(str(e.detail) for e in events)
    for words in written.values():
        for piece in (words, words[:12], words.strip()):
            assert piece not in details, piece
    added = next(e for e in events if e.action == "add_agenda_item")
    assert added.username == "jo" and added.record_id == str(made.id)
    assert added.detail["child"] == ids["Q"] and added.detail["kind"] == "child"


def test_the_demo_gives_a_chair_a_past_and_an_upcoming_meeting_once(
    client: TestClient, headers: H, clock: FrozenClock, database: Database
) -> None:
    from triage.panels.demo import ensure_demo_panels
    from triage.panels.tables import PanelAction, PanelDecision, PanelMeeting

    crafted_children(client, headers, clock)
    submit(client, headers, episode(clock, "P-X1", "X", 8, child={"given_name": "Eve"}))
    with database.transaction() as session:
        chair = get_by_username(session, "jo")
        assert chair is not None
        weights = load_weights(RULES)
        made = ensure_demo_panels(session, chair=chair, weights=weights, now=clock())
        again = ensure_demo_panels(session, chair=chair, weights=weights, now=clock())
    assert made >= 2 and again == 0
    with database.reading() as session:
        meetings = session.scalars(select(PanelMeeting).order_by(PanelMeeting.meets_at)).all()
        past, upcoming = meetings[0], meetings[1]
        assert past.meets_at < clock() < upcoming.meets_at
        assert len(past.items) == 5 and len(past.attendance) == 5
        assert session.scalars(select(PanelDecision)).all()
        assert {a.status for a in session.scalars(select(PanelAction))} == {
            "open",
            "done",
            "cancelled",
        }
        assert any(i.carried_from_id for i in upcoming.items)
