"""The panel pack as a PDF, read back with pypdf: the protective marking on every page, more
than one page, each child on the agenda present, and none of the free text in the partners'
version. Making a pack is audited."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from conftest import FrozenClock
from test_panels import H, add, crafted_children, meeting
from triage.store import Database
from triage.store.tables import AuditEvent

DECISION_NOTES = "Strategy discussion on Thursday; share the flat's address with police"
PERSON = "Older man called Rico who waits outside the school gates"
PLACE = "Derelict garages behind the parade of shops"
KEPT_IN = "Speak to the family at 14 Larch Grove about the older man"
KEPT_OWNER = "PC Hannah Oduya"
SHARED = "Disruption visit"


def built(client: TestClient, headers: H, clock: FrozenClock) -> tuple[int, dict[str, int]]:
    ids = crafted_children(client, headers, clock)
    m = meeting(client, headers, 2, clock)["meeting_id"]
    chair = headers["panel_chair"]
    gone = add(client, headers, m, kind="child", child_id=ids["G"])
    add(client, headers, m, kind="child", child_id=ids["O"])
    add(client, headers, m, kind="person", description=PERSON)
    add(client, headers, m, kind="location", description=PLACE, postcode="B6 4AA")
    decided = client.post(
        f"/api/v1/panels/meetings/{m}/items/{gone['item_id']}/decisions",
        json={"outcome": "escalate", "text": DECISION_NOTES},
        headers=chair,
    )
    assert decided.status_code == 201
    url = f"/api/v1/panels/meetings/{m}/items/{gone['item_id']}/actions"
    for description, owner, shared in (
        (SHARED, "DS Dev Sharma", True),
        (KEPT_IN, KEPT_OWNER, None),
    ):
        body: dict[str, Any] = {
            "description": description,
            "owner_agency": "West Midlands Police",
            "owner_person": owner,
            "due_on": str(clock().date() - timedelta(days=1)),
        }
        if shared is not None:
            body["share_with_partners"] = shared
        set_ = client.post(url, json=body, headers=chair)
        assert set_.status_code == 201 and set_.json()["shared_with_partners"] is bool(shared)
    return m, ids


def text_of(pdf: bytes) -> list[str]:
    """Each page's text, as a library reads it back."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pack(client: TestClient, headers: H, meeting_id: int, **params: Any) -> bytes:
    answer = client.get(
        f"/api/v1/panels/meetings/{meeting_id}/pack", params=params, headers=headers["panel_chair"]
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith('attachment; filename="city-panel-')
    return answer.content


def test_the_pack_is_marked_numbered_and_has_every_agenda_child(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    m, _ = built(client, headers, clock)
    pages = text_of(pack(client, headers, m))
    assert len(pages) > 1
    assert all("OFFICIAL-SENSITIVE" in page for page in pages)
    assert (
        f"Page 1 of {len(pages)}" in pages[0] and f"Page {len(pages)} of {len(pages)}" in pages[-1]
    )
    whole = "\n".join(pages)
    assert "Cara Gone" in whole and "Ben Often" in whole  # each child on the agenda
    assert "Amy Quiet" not in whole  # not on the agenda
    assert "Printed by" in pages[0] and "Jo Williams" in pages[0]
    assert DECISION_NOTES in whole.replace("\n", " ") and PERSON[:30] in whole
    assert "Since the last panel" in whole and "Place on the panel's list" in whole
    assert "Episodes in the last 12 months" in whole or "episodes in the last 12 months" in whole


def test_the_partners_version_leaves_out_the_free_text(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    m, _ = built(client, headers, clock)
    pages = text_of(pack(client, headers, m, version="partners"))
    whole = " ".join(pages).replace("\n", " ")
    assert "Partners' version" in whole and "Cara Gone" in whole and "B6 4AA" in whole
    for free_text in (DECISION_NOTES, PERSON, PLACE, "Outside the children's home"):
        for piece in (free_text[:20], free_text[-20:]):
            assert piece not in whole, piece
    assert "Left out of the partners' version" in whole
    assert "Escalate: strategy discussion" in whole  # the outcome stays, the notes go
    # An action the chair shared is printed; one not shared keeps only its agency, due date
    # and status, here and in the list of overdue actions.
    assert SHARED in whole and "DS Dev Sharma" in whole
    for free_text in (KEPT_IN, KEPT_OWNER):
        for piece in (free_text[:15], free_text[-15:]):
            assert piece not in whole, piece
    assert "Not shared with partners" in whole and "an action not shared with partners" in whole
    full = " ".join(text_of(pack(client, headers, m))).replace("\n", " ")
    assert KEPT_IN[:20] in full and KEPT_OWNER in full


def test_making_a_pack_is_audited_and_only_chairs_and_senior_managers_may(
    client: TestClient, headers: H, clock: FrozenClock, database: Database
) -> None:
    m, _ = built(client, headers, clock)
    pack(client, headers, m, version="partners")
    reader = headers["senior_manager"]
    assert client.get(f"/api/v1/panels/meetings/{m}/pack", headers=reader).status_code == 200
    for role in ("mash_worker", "analyst", "police_feed", "admin"):
        assert (
            client.get(f"/api/v1/panels/meetings/{m}/pack", headers=headers[role]).status_code
            == 403
        )
    bad = client.get(
        f"/api/v1/panels/meetings/{m}/pack", params={"version": "public"}, headers=reader
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "version"
    with database.reading() as session:
        made = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "generate_panel_pack")
        ).all()
    assert [(e.username, e.detail["version"]) for e in made] == [
        ("jo", "partners"),
        ("morgan", "full"),
    ]
    assert all(e.record_id == str(m) for e in made)
