"""A missing support worker in a real browser (Chromium, axe-core on every page): they sign in
to their team's worklist, take a child's interview, record it held and successful with push and
pull factors and a disclosure, and the child's next decision shows what the child disclosed."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_browser import _accessible, _sign_in, browser, serving  # noqa: F401  (a fixture)

from factories import notification
from triage.http import create_app
from triage.intake import ingest
from triage.interviews import service as interviews
from triage.notification.reader import raw_from_text
from triage.settings import get_settings
from triage.store import create_database
from triage.store.tables import UserRecord
from triage.vetting import Vetter

SHOTS = Path(os.environ.get("TRIAGE_SHOTS", "/tmp/interview-shots"))


@pytest.fixture
def service(tmp_path: Path, scored_vetter: Vetter, password_hash: str) -> Iterator[str]:
    """The service on SQLite: a missing support worker of the South team, a MASH worker, and
    a looked-after child placed in the South (B30) who has just returned."""
    settings = get_settings(
        database_url=f"sqlite:///{tmp_path / 'rhi.db'}", secret_key="r" * 40, revet_seconds=0
    )
    database = create_database(settings)
    now = datetime.now(UTC)
    with database.transaction() as session:
        for username, name, role in [
            ("dana", "Dana Hughes", "missing_support_worker"),
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
        session.flush()
        dana = session.query(UserRecord).filter_by(username="dana").one()
        interviews.set_team(session, dana, "South", now=now)
    payload = notification(reference="WEB-RHI", police_risk_grade="low", episode={"indicators": []})
    ingest(database, raw_from_text(json.dumps(payload), source="test"), vetter=scored_vetter)
    with database.transaction() as session:
        interviews.plan(session, interviews.rules_of(scored_vetter.rulebook.current), now=now)
    try:
        with serving(create_app(settings, database=database, vetter=scored_vetter)) as base:
            yield base
    finally:
        database.dispose()


def _shots(page: Any, name: str) -> None:
    """Screenshots at a desktop and a phone width (looked at by hand), and no sideways scroll
    on the phone."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1100, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        if width == 390:
            assert page.evaluate("document.documentElement.scrollWidth <= 390"), name
    page.set_viewport_size({"width": 1100, "height": 900})


def test_a_worker_takes_an_interview_records_it_and_the_next_decision_shows_it(
    browser: Any,  # noqa: F811
    service: str,
) -> None:
    page = browser.new_context().new_page()
    _sign_in(page, service, "dana")
    assert page.url == f"{service}/interviews"  # their home is the team's worklist
    assert page.get_by_role("heading", name="South", exact=True).is_visible()
    unallocated = page.locator("#unallocated + table")
    assert "Jade Collins" in unallocated.inner_text()
    _accessible(page)
    _shots(page, "worklist")

    unallocated.get_by_role("link", name="Jade Collins").click()
    page.get_by_role("button", name="Allocate to me").click()
    assert page.get_by_text("The interview is allocated to you.").is_visible()
    # Saved with nothing chosen: the error summary names what to answer, on the task's page.
    task_url = page.url.partition("?")[0]
    page.get_by_role("button", name="Save").click()
    assert page.locator(".error-summary").is_visible() and page.url == task_url
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    _accessible(page)
    held_at = page.get_by_label("When was it held?")
    assert not held_at.is_visible()  # the held fields show once "Held" is chosen
    page.get_by_label("When was the interview offered?").fill("2026-03-15T07:00")
    page.get_by_label("By telephone").first.check()
    page.get_by_label("Held", exact=True).check()
    assert held_at.is_visible()
    held_at.fill("2026-03-15T08:00")
    page.get_by_label("Face to face").check()
    for question in ("interviewer_is_carer", "interviewer_is_social_worker"):
        page.locator(f"#{question}-no").check()
    page.locator("#successful-yes").check()
    page.get_by_label("Conflict with carers or staff in the placement").check()
    page.get_by_label("An older person or adult").check()
    page.get_by_label("Money, gifts or a phone").check()
    page.get_by_label("Drugs", exact=True).check()
    page.get_by_label("Where were they, and who with?").fill("A flat across the city")
    page.locator("#shared_with_police-no").check()
    _accessible(page)
    _shots(page, "task-form")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("The interview is recorded.").is_visible()
    assert page.get_by_text("An older person or adult, Money, gifts or a phone").is_visible()
    _accessible(page)
    _shots(page, "task-held")

    # The MASH worker opens the child's notification: the re-vet says why, with the disclosure.
    mash = browser.new_context().new_page()
    _sign_in(mash, service, "sam")
    mash.goto(f"{service}/notifications/WEB-RHI")
    text = mash.locator("main").inner_text()
    assert "Indicators disclosed in a return home interview" in text
    assert "Exploitation disclosed in a return home interview" in text
    _accessible(mash)
    _shots(mash, "notification")
    mash.get_by_role("link", name="Jade Collins").first.click()
    section = mash.locator("h2:has-text('Return home interviews') + table")
    assert "successful" in section.inner_text() and "Drugs" in section.inner_text()
    _accessible(mash)
    _shots(mash, "child")
