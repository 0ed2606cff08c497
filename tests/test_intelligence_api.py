"""Places and groups reachable by their users: the API, the pages, the CSV exports and the
CLI, each showing a role what it may see. On the crafted history of test_intelligence (the
bus station B5 4BU is named by six episodes of A, B, C and F; A, B and C go missing together,
so do D and E), SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from test_cli import run, write_jsonl  # noqa: F401  (a fixture)
from test_intelligence import BUS, QUIET, _database, _episode, crafted

from conftest import FrozenClock
from factories import notification
from test_api import submit
from test_pages import _csrf, _sign_in
from triage.audit.service import AuditEvent
from triage.intelligence.places import normalise
from triage.intelligence.service import place_ref

H = dict[str, dict[str, str]]
PLACES = "/api/v1/intelligence/places"
BUS_REF = place_ref(normalise(BUS).key)  # type: ignore[union-attr]
PARK_REF = place_ref(normalise("Local park").key)  # type: ignore[union-attr]
SHOPS = "Shopping centre, B1 1BB"
NAMES = ("Bus station", "bus station", "Local park", "Shopping centre", "Kid")


def _shops(client: TestClient, headers: H, clock: FrozenClock) -> None:
    """Six more children each last seen at the shopping centre in the last month: a district
    whose recent count is large enough to show."""
    for n in range(6):
        submit(
            client, headers, _episode(clock, f"R-S{n}", f"S{n}", 5 + n, last_seen_location=SHOPS)
        )


def _problem_fields(response: Any) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


def _numbers(cells: list[str]) -> list[int]:
    return [int(c) for c in cells if re.fullmatch(r"\d+", c)]


def test_chairs_and_mash_workers_see_places_by_name_with_their_children(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    ids = crafted(client, headers, clock)
    for who in ("panel_chair", "mash_worker", "senior_manager"):
        body = client.get(PLACES, headers=headers[who]).json()
        assert body["shown_as"] == "places" and body["districts"] == []
        top = body["places"][0]
        assert (top["rank"], top["ref"], top["label"], top["district"]) == (1, BUS_REF, BUS, "B5")
        assert (top["episodes"], top["children"], top["trend"]) == (6, 4, "rising")
        assert set(top["child_ids"]) == {ids["A"], ids["B"], ids["C"], ids["F"]}
    by_children = client.get(PLACES, params={"order": "children"}, headers=headers["mash_worker"])
    assert by_children.json()["places"][0]["label"] == BUS
    every = [
        p["label"] for p in client.get(PLACES, headers=headers["panel_chair"]).json()["places"]
    ]
    paged = client.get(PLACES, params={"per_page": 1, "page": 2}, headers=headers["panel_chair"])
    assert [p["label"] for p in paged.json()["places"]] == every[1:2]
    assert paged.json()["total"] == len(every) and "Local park" in every
    admin = client.get(PLACES, headers=headers["admin"]).json()
    assert admin["places"][0]["label"] == BUS and admin["places"][0]["child_ids"] is None
    # An area team: none of the crafted episodes was routed to the East team's area.
    area = client.get(PLACES, params={"area": "east"}, headers=headers["panel_chair"]).json()
    assert area["area"] == "East" and all(p["label"] for p in area["places"])


def test_bad_parameters_and_ids_are_problems_naming_the_field(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    crafted(client, headers, clock)
    chair = headers["panel_chair"]
    assert _problem_fields(client.get(PLACES, params={"area": "Atlantis"}, headers=chair)) == [
        "area"
    ]
    assert _problem_fields(client.get(PLACES, params={"order": "size"}, headers=chair)) == ["order"]
    bad = client.get(f"{PLACES}/not-a-place", headers=chair)
    assert bad.status_code == 422 and _problem_fields(bad) == ["place_ref"]
    unknown = client.get(f"{PLACES}/{'0' * 16}", headers=chair)
    assert unknown.status_code == 404 and unknown.json()["type"].endswith("not-found")
    status = client.post(f"{PLACES}/{BUS_REF}/status", json={"status": "maybe"}, headers=chair)
    assert status.status_code == 422 and _problem_fields(status) == ["status"]
    extra = client.post(
        f"{PLACES}/{BUS_REF}/status", json={"status": "none", "colour": "red"}, headers=chair
    )
    assert _problem_fields(extra) == ["colour"]
    long = client.post(
        f"{PLACES}/{BUS_REF}/status", json={"status": "none", "note": "x" * 2001}, headers=chair
    )
    assert _problem_fields(long) == ["note"]
    nul = client.post(
        f"{PLACES}/{BUS_REF}/status", json={"status": "none", "note": "late\x00"}, headers=chair
    )
    assert nul.status_code == 422 and _problem_fields(nul) == ["note"]


def test_an_analyst_sees_districts_only_and_never_a_name_or_a_count_under_5(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    crafted(client, headers, clock)
    _shops(client, headers, clock)
    analyst = headers["analyst"]
    response = client.get(PLACES, headers=analyst)
    body = response.json()
    assert body["shown_as"] == "districts" and body["places"] == []
    assert [d["district"] for d in body["districts"]] == ["B1", "B5", "not known", "All districts"]
    text = response.text
    assert not any(name in text for name in NAMES), "a place's or child's name reached an analyst"
    cells = [c for d in body["districts"] for c in d["cells"].values()]
    shown = _numbers([c["shown"] for c in cells])
    assert shown and min(shown) >= 5, shown
    assert all(c["value"] is None or c["value"] >= 5 for c in cells)
    assert any(c["hidden"] == "secondary" for c in cells) or all(
        c["hidden"] != "primary" for c in cells
    )
    # The CSV follows the same rules.
    _sign_in(client, "priya")
    export = client.get("/intelligence/places.csv")
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.text)))
    assert rows[0][0] == "district" and [r[0] for r in rows[1:]] == [
        d["district"] for d in body["districts"]
    ]
    assert not any(name in export.text for name in NAMES)
    assert min(_numbers([c for r in rows[1:] for c in r[1:]])) >= 5
    # No area (it could be subtracted from the city's), no place, no groups.
    refused = client.get(PLACES, params={"area": "East"}, headers=analyst)
    assert refused.status_code == 422 and _problem_fields(refused) == ["area"]
    assert client.get(f"{PLACES}/{BUS_REF}", headers=analyst).status_code == 403
    assert client.get("/api/v1/intelligence/groups", headers=analyst).status_code == 403
    for who in ("missing_support_worker", "police_feed"):
        assert client.get(PLACES, headers=headers[who]).status_code == 403


def test_a_place_opens_its_children_and_episodes_for_those_allowed(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    ids = crafted(client, headers, clock)
    place = client.get(f"{PLACES}/{BUS_REF}", headers=headers["mash_worker"]).json()
    assert place["place"]["label"] == BUS and place["children_shown"]
    assert {c["child_id"]: c["episodes"] for c in place["children"]} == {
        ids["A"]: 1, ids["B"]: 1, ids["C"]: 1, ids["F"]: 3,
    }  # fmt: skip
    assert place["children"][0] == {"child_id": ids["F"], "name": "KidF Test", "episodes": 3}
    seen = place["sightings"]
    assert {s["police_reference"] for s in seen[:3]} == {"R-A1", "R-B1", "R-C1"}  # 10 days ago
    assert [s["police_reference"] for s in seen[3:]] == ["R-F1", "R-F2", "R-F3"]
    assert {s["source"] for s in seen} == {"last_seen", "found"}
    assert next(s for s in seen if s["police_reference"] == "R-A1")["exploitation"] == ["drugs"]
    admin = client.get(f"{PLACES}/{BUS_REF}", headers=headers["admin"]).json()
    assert admin["children_shown"] is False and admin["children"] == admin["sightings"] == []
    with _database(client).reading() as session:
        viewed = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "view_place", AuditEvent.record_id == BUS_REF)
            .order_by(AuditEvent.id)
        ).all()
    assert sorted(viewed[0].detail["children"]) == sorted([ids["A"], ids["B"], ids["C"], ids["F"]])
    assert viewed[1].username == "chris" and viewed[1].detail["children"] == []  # saw none


def test_marking_a_known_hotspot_is_audited_and_raises_the_next_vetting(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    crafted(client, headers, clock)
    before = submit(client, headers, _episode(clock, "R-G1", "G", 0.5, last_seen_location=BUS))
    assert before["vetted_level"] == "low"
    url = f"{PLACES}/{BUS_REF}/status"
    assert (
        client.post(
            url, json={"status": "known_hotspot"}, headers=headers["mash_worker"]
        ).status_code
        == 403
    )
    marked = client.post(
        url, json={"status": "known_hotspot", "note": "Seen often"}, headers=headers["panel_chair"]
    )
    assert marked.status_code == 200, marked.text
    assert (marked.json()["status"], marked.json()["note"]) == ("known_hotspot", "Seen often")
    with _database(client).reading() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "mark_place")).one()
    assert (event.username, event.record_id, event.detail["status"]) == (
        "jo",
        BUS_REF,
        "known_hotspot",
    )
    clock.now += timedelta(minutes=1)
    after = submit(
        client, headers, _episode(clock, "R-H1", "H", 0, last_seen_location="bus station b5 4bu")
    )
    assert after["vetted_level"] == "medium"  # known_hotspot, without police ticking it
    listed = client.get(PLACES, headers=headers["panel_chair"]).json()["places"]
    assert [(p["ref"], p["status"]) for p in listed if p["status"] != "none"] == [
        (BUS_REF, "known_hotspot")
    ], listed
    # Unmarked by an admin: the next one is low again.
    client.post(url, json={"status": "none"}, headers=headers["admin"])
    clock.now += timedelta(minutes=1)
    again = submit(client, headers, _episode(clock, "R-I1", "I", 0, last_seen_location=BUS))
    assert again["vetted_level"] == "low"


def test_a_chair_puts_a_place_on_a_panel_s_agenda_once(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    crafted(client, headers, clock)
    chair = headers["panel_chair"]
    meets = (clock() + timedelta(days=3)).isoformat()
    meeting = client.post(
        "/api/v1/panels/meetings", json={"panel": "mase", "area": "East", "meets_at": meets},
        headers=chair,
    ).json()["meeting_id"]  # fmt: skip
    url = f"{PLACES}/{BUS_REF}/agenda"
    added = client.post(url, json={"meeting_id": meeting}, headers=chair)
    assert added.status_code == 201, added.text
    assert (added.json()["description"], added.json()["postcode"]) == (BUS, "B5")
    again = client.post(url, json={"meeting_id": meeting}, headers=chair)
    assert again.status_code == 422 and _problem_fields(again) == ["meeting_id"]
    assert client.post(url, json={"meeting_id": 999}, headers=chair).status_code == 404
    assert _problem_fields(client.post(url, json={"meeting_id": 0}, headers=chair)) == [
        "meeting_id"
    ]
    assert (
        client.post(url, json={"meeting_id": meeting}, headers=headers["admin"]).status_code == 403
    )
    agenda = client.get(f"/api/v1/panels/meetings/{meeting}", headers=chair).json()["agenda"]
    assert [(i["kind"], i["description"]) for i in agenda] == [("location", BUS)]
    # The page offers the meetings booked, and the form does the same.
    _sign_in(client, "jo")
    page = client.get(f"/intelligence/places/{PARK_REF}")
    assert "MASE panel, East" in page.text
    token = _csrf(client, f"/intelligence/places/{PARK_REF}")
    done = client.post(
        f"/intelligence/places/{PARK_REF}/agenda",
        data={"csrf_token": token, "meeting_id": str(meeting)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith(
        f"/panels/meetings/{meeting}"
    )
    twice = client.post(
        f"/intelligence/places/{PARK_REF}/agenda",
        data={"csrf_token": token, "meeting_id": str(meeting)},
    )
    assert "This place is on that meeting" in twice.text


def test_groups_show_children_links_and_what_changed_since_the_last_panel(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    ids = crafted(client, headers, clock)
    chair = headers["panel_chair"]
    met = (clock() - timedelta(days=15)).isoformat()  # after D and E, before A, B and C
    client.post("/api/v1/panels/meetings", json={"panel": "city", "meets_at": met}, headers=chair)
    body = client.get("/api/v1/intelligence/groups", headers=headers["mash_worker"]).json()
    assert body["total"] == 2 and body["last_panel"]["name"] == "City panel"
    first, second = body["groups"]
    assert {c["child_id"] for c in first["children"]} == {ids["A"], ids["B"], ids["C"]}
    assert {c["child_id"] for c in second["children"]} == {ids["D"], ids["E"]}
    assert sorted(first["joined_since_last_panel"]) == sorted([ids["A"], ids["B"], ids["C"]])
    assert second["joined_since_last_panel"] == [] and second["new_links"] == 0
    review = {c["child_id"]: (c["review_due"], c["indicators"]) for c in first["children"]}
    assert review[ids["A"]] == (False, ["drugs"]) and review[ids["B"]] == (True, [])
    kinds = {e["kind"] for link in first["links"] for e in link["evidence"]}
    assert kinds == {"named_companion", "found_together"}
    assert all(e["reference"].startswith("R-") for k in first["links"] for e in k["evidence"])
    assert first["places"][0] == {"label": BUS, "district": "B5", "children": 3}
    assert client.get("/api/v1/intelligence/groups", headers=headers["admin"]).status_code == 403


def test_the_pages_render_for_each_role_with_the_nav_links(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    ids = crafted(client, headers, clock)
    _sign_in(client, "jo")
    home = client.get("/panels")
    assert 'href="/intelligence/places"' in home.text and 'href="/intelligence/groups"' in home.text
    page = client.get("/intelligence/places", params={"order": "recency"})
    assert page.status_code == 200 and f'href="/intelligence/places/{BUS_REF}"' in page.text
    assert "Rising" in page.text and 'data-label="Trend"' in page.text
    place = client.get(f"/intelligence/places/{BUS_REF}")
    assert "KidF Test" in place.text and f'href="/children/{ids["F"]}"' in place.text
    token = _csrf(client, f"/intelligence/places/{BUS_REF}")
    done = client.post(
        f"/intelligence/places/{BUS_REF}/status",
        data={"csrf_token": token, "status": "known_hotspot", "note": "Dealers seen"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=status#status")
    assert "Marked a known hotspot" in client.get(done.headers["location"]).text
    refused = client.post(
        f"/intelligence/places/{BUS_REF}/status", data={"csrf_token": token, "status": "perhaps"}
    )
    assert "Choose whether it is a known hotspot" in refused.text
    groups = client.get("/intelligence/groups")
    assert "KidA Test and KidB Test" in groups.text and "Review due" in groups.text
    rows = list(csv.reader(io.StringIO(client.get("/intelligence/groups.csv").text)))
    assert rows[0][:3] == ["group", "child_id", "name"] and len(rows) == 1 + 5
    places_csv = list(csv.reader(io.StringIO(client.get("/intelligence/places.csv").text)))
    assert places_csv[1][1] == BUS and places_csv[1][10] == "known_hotspot"
    assert client.get("/intelligence/places/xyz").status_code == 422
    assert client.get("/intelligence/places", params={"area": "Atlantis"}).status_code == 422
    client.post("/sign-out", data={"csrf_token": token})
    _sign_in(client, "priya")
    analyst = client.get("/intelligence/places")
    assert analyst.status_code == 200 and "B5" in analyst.text and "Bus station" not in analyst.text
    assert client.get("/intelligence/groups").status_code == 403
    assert client.get(f"/intelligence/places/{BUS_REF}").status_code == 403


def test_the_cli_prints_the_tables_for_a_role(run, tmp_path: Path) -> None:  # noqa: F811
    seen = datetime.now(UTC) - timedelta(days=3)  # the CLI reads the real clock
    people = (
        ("P0", "Amara", "2010-02-03"),
        ("P1", "Bilal", "2011-05-06"),
        ("P2", "Chloe", "2009-08-09"),
    )
    payloads = [
        notification(
            reference=f"CLI-{person}",
            reported=seen,
            child={"police_person_id": person, "given_name": name, "family_name": "Okafor",
                   "date_of_birth": born},
            episode={**QUIET, "last_seen_location": SHOPS,
                     "companions": [{"police_person_id": "P0"}] if person != "P0" else []},
        )
        for person, name, born in people
    ]  # fmt: skip
    run("load", str(write_jsonl(tmp_path / "in.jsonl", payloads)))
    chair = run("intelligence", "places", "--order", "children")
    assert SHOPS in chair and "B1" in chair
    analyst = run("intelligence", "places", "--as-role", "analyst")
    assert "Shopping centre" not in analyst and "fewer than 5" in analyst
    assert "--area" in run("intelligence", "places", "--area", "Atlantis", code=1)
    assert "--as-role" in run("intelligence", "places", "--as-role", "police_feed", code=1)
    groups = run("intelligence", "groups")
    assert "Groups: 1" in groups and "G" in groups
    assert "analyst" in run("intelligence", "groups", "--as-role", "analyst", code=1)
