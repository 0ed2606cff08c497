"""The chair's panel pages in a real browser (Chromium, axe-core): a chair builds a meeting,
opens "since the last panel", records a decision and an action, and downloads the pack; any
notification page prints without navigation or forms."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select
from test_browser import _accessible, _sign_in, browser, serving  # noqa: F401

from factories import notification
from triage.accounts import get_by_username
from triage.casework.vocabulary import said
from triage.http import create_app
from triage.intake import ingest
from triage.notification.reader import raw_from_text
from triage.panels.meetings import add_item, create_meeting
from triage.panels.ranking import load_weights
from triage.settings import get_settings
from triage.store import create_database
from triage.store.tables import ChildIdentifier, UserRecord
from triage.vetting import Vetter

RULES = Path(__file__).resolve().parent.parent / "rules"


@pytest.fixture
def panel_service(tmp_path: Path, scored_vetter: Vetter, password_hash: str) -> Iterator[str]:
    """The service on SQLite with two children, a chair and a MASH worker, and a city panel
    that met two weeks ago with one of the children on its agenda."""
    settings = get_settings(database_url=f"sqlite:///{tmp_path / 'panels.db'}", secret_key="p" * 40)
    database = create_database(settings)
    now = datetime.now(UTC)
    with database.transaction() as session:
        for username, name, role in [
            ("jo", "Jo Williams", "panel_chair"),
            ("sam", "Sam Patel", "mash_worker"),
        ]:
            session.add(
                UserRecord(
                    username=username,
                    display_name=name,
                    role=role,
                    password_hash=password_hash,
                    active=True,
                    created_at=now,
                )
            )
    for payload in (
        notification(
            reference="PB-1",
            reported=now - timedelta(days=30),
            child={"police_person_id": "PB-A", "given_name": "Maya", "family_name": "Brooks"},
        ),
        notification(
            reference="PB-2",
            reported=now - timedelta(days=3),
            returned_after_hours=None,
            child={"police_person_id": "PB-A", "given_name": "Maya", "family_name": "Brooks"},
            episode={
                "indicators": ["older_controlling_adult"],
                "last_seen_location": "Bus station",
            },
        ),
        notification(
            reference="PB-3",
            reported=now - timedelta(days=10),
            child={"police_person_id": "PB-B", "given_name": "Leo", "family_name": "Hart"},
        ),
    ):
        ingest(database, raw_from_text(json.dumps(payload), source="test"), vetter=scored_vetter)
    with database.transaction() as session:
        chair = get_by_username(session, "jo")
        assert chair is not None
        weights = load_weights(RULES)
        held = now - timedelta(days=14)
        past = create_meeting(
            session,
            panel="city",
            area=None,
            meets_at=held,
            areas=(),
            weights=weights,
            by=chair,
            now=held,
        )
        child_id = session.scalar(
            select(ChildIdentifier.child_id).where(ChildIdentifier.value == "PB-A")
        )
        add_item(
            session,
            meeting_id=past.id,
            kind="child",
            child_id=child_id,
            description=None,
            postcode=None,
            weights=weights,
            by=chair,
            now=held,
        )
    try:
        with serving(create_app(settings, database=database, vetter=scored_vetter)) as base:
            yield base
    finally:
        database.dispose()


def test_a_chair_builds_a_meeting_records_a_decision_and_an_action_and_downloads_the_pack(
    browser: Any,  # noqa: F811
    panel_service: str,
    tmp_path: Path,
) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    _sign_in(page, panel_service, "jo")
    page.wait_for_url(f"{panel_service}/panels")
    assert page.get_by_role("heading", name="Children ranked for the panel").is_visible()
    assert page.get_by_role("link", name="Maya Brooks").is_visible()
    _accessible(page)

    page.get_by_role("link", name="Meetings", exact=True).click()
    soon = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    page.get_by_label("Date").fill(soon)
    page.get_by_label("Time").fill("10:00")
    page.get_by_role("button", name="Create the meeting").click()
    expect(page.get_by_text("Meeting created.")).to_be_visible()  # waits for the next page
    choice = page.locator("#add-child-child_id option", has_text="Maya Brooks").inner_text()
    page.get_by_label("Child (from the panel's list, highest first)").select_option(label=choice)
    page.get_by_role("button", name="Add the child").click()
    expect(page.get_by_text("Added to the agenda.")).to_be_visible()
    _accessible(page)

    page.get_by_role("link", name="What changed for Maya Brooks since the last panel").click()
    assert page.get_by_role("heading", name="Since the last panel: Maya Brooks").is_visible()
    assert page.locator("dl.since").get_by_role("link", name="PB-2").is_visible()  # new since
    assert page.get_by_text(said("older_controlling_adult")).is_visible()  # a new indicator
    _accessible(page)
    page.get_by_role("link", name="Back to the meeting").click()

    page.get_by_text("Record the panel's decision").click()
    page.get_by_label("Escalate: strategy discussion").check()
    page.get_by_label("What the panel decided").fill("Strategy discussion this week")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    page.get_by_text("Add an action").click()
    page.get_by_label("What is to be done").fill("Disruption visit to the flat")
    page.get_by_label("Owner's agency").fill("West Midlands Police")
    page.get_by_label("Owner (a person)").fill("DS Dev Sharma")
    page.get_by_label("Due").fill(soon)
    page.get_by_label("Share with partners").check()
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("Action added.")).to_be_visible()
    shared = page.get_by_role("cell", name="Disruption visit to the flat Shared with partners")
    assert shared.is_visible()
    _accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the full pack (PDF)").click()
    saved = tmp_path / "pack.pdf"
    download.value.save_as(saved)
    text = "\n".join(p.extract_text() for p in PdfReader(saved).pages)
    assert "OFFICIAL-SENSITIVE" in text and "Maya Brooks" in text
    assert "Strategy discussion this week" in text and "Disruption visit" in text
    page.close()


def test_a_notification_prints_without_navigation_or_forms(
    browser: Any,  # noqa: F811
    panel_service: str,
) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    _sign_in(page, panel_service, "sam")
    page.goto(f"{panel_service}/notifications/PB-2")
    assert page.get_by_role("button", name="Sign out").is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Sign out").is_visible()
    assert not page.get_by_role("navigation", name="Main").is_visible()
    assert page.locator("form:visible").count() == 0
    assert page.get_by_role("heading", level=1).is_visible()
    page.close()
