"""The pages in a real browser (Debian's Chromium driven by Playwright), with axe-core checking
each page for accessibility problems. The service runs under uvicorn on a free local port."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from conftest import PASSWORD
from factories import notification
from triage.http import create_app
from triage.intake import ingest
from triage.notification.reader import raw_from_text
from triage.settings import get_settings
from triage.store import create_database
from triage.vetting import Vetter

CHROMIUM = os.environ.get("TRIAGE_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests: no Chromium at {CHROMIUM}")
        pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def service(tmp_path: Path, scored_vetter: Vetter, password_hash: str) -> Iterator[str]:
    """The service on SQLite with three notifications and an account per role; its address."""
    from datetime import UTC, datetime

    from triage.store.tables import UserRecord

    settings = get_settings(database_url=f"sqlite:///{tmp_path / 'pages.db'}", secret_key="p" * 40)
    database = create_database(settings)
    now = datetime.now(UTC)
    with database.transaction() as session:
        for username, name, role in [
            ("sam", "Sam Patel", "mash_worker"),
            ("chris", "Chris Evans", "admin"),
            ("police", "West Midlands Police feed", "police_feed"),
            ("ana", "Ana Lytic", "analyst"),
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
        notification(reference="WEB-HIGH", episode={"indicators": ["injury_on_return"]}),
        notification(
            reference="WEB-MED",
            child={"police_person_id": "WEB-P-2", "given_name": "Maya", "family_name": "Brooks"},
        ),
    ):
        import json

        ingest(database, raw_from_text(json.dumps(payload), source="test"), vetter=scored_vetter)
    try:
        with serving(create_app(settings, database=database, vetter=scored_vetter)) as base:
            yield base
    finally:
        database.dispose()


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """`app` served by uvicorn on a free local port, in a thread; its address."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _police_feed(context: Any, service: str) -> dict[str, str]:
    """Bearer headers for the police feed, signed in through the API from `context`."""
    signed = context.request.post(
        f"{service}/api/v1/token", form={"username": "police", "password": PASSWORD}
    )
    return {"Authorization": f"Bearer {signed.json()['access_token']}"}


def _accessible(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_worker_overrides_the_top_of_the_queue_and_an_admin_sees_it_audited(
    browser: Any, service: str
) -> None:
    worker = browser.new_context().new_page()
    worker.goto(f"{service}/queue")
    assert worker.url.startswith(f"{service}/sign-in")  # nobody is signed in yet
    _accessible(worker)
    _sign_in(worker, service, "sam")
    assert worker.url == f"{service}/queue"
    _accessible(worker)
    rows = worker.locator("table tbody tr")
    assert rows.count() == 2
    assert "high" in rows.first.inner_text().lower()
    rows.first.locator('a[href^="/notifications/"]').first.click()
    assert worker.get_by_role("heading", name="Why: the rules that fired").is_visible()
    _accessible(worker)

    # A discretionary override without words is refused, naming the field, and keeps the choices.
    worker.get_by_label("No, override it").check()
    worker.get_by_label("If you override: the level it should be").select_option("medium")
    worker.get_by_label("Professional judgement (say why) (a discretionary override)").check()
    worker.get_by_role("button", name="Save review").click()
    assert worker.get_by_role("alert").is_visible()
    assert "needs your reasons in words" in worker.get_by_role("alert").inner_text()
    _accessible(worker)

    worker.get_by_label("Your reasons in words").fill(
        "Police confirm the child was with family all along; no exploitation concern."
    )
    worker.get_by_role("button", name="Save review").click()
    assert "Your review is saved" in worker.get_by_role("status").inner_text()
    reviews = worker.locator("ol.reviews").inner_text()
    assert "Sam Patel overridden" in reviews and "High to Medium" in reviews
    assert "with family all along" in reviews
    assert "Waiting for a second person" in reviews  # lowering a high needs another person
    # Then on to the next notification that needs a person, with a way back to the queue.
    assert worker.get_by_role("link", name="Back to the queue").is_visible()
    worker.get_by_role(
        "link", name="Next child in the queue: Maya Brooks, WEB-MED (medium)"
    ).click()
    assert worker.url == f"{service}/notifications/WEB-MED"
    worker.go_back()

    child = worker.get_by_role("link", name="History of")
    child.click()
    assert worker.get_by_role("heading", name="Timeline").is_visible()
    _accessible(worker)

    admin = browser.new_context().new_page()
    _sign_in(admin, service, "chris")
    assert admin.url == f"{service}/audit"
    trail = admin.locator("table tbody").inner_text()
    assert "sam (Mash worker)" in trail and "Review" in trail
    _accessible(admin)


def test_a_police_feed_has_a_home_with_sign_out_but_no_child_s_pages(
    browser: Any, service: str
) -> None:
    page = browser.new_context().new_page()
    _sign_in(page, service, "police")
    assert page.url == f"{service}/"
    assert page.get_by_role("heading", name="West Midlands Police feed").is_visible()
    assert page.get_by_role("heading", name="How to send notifications").is_visible()
    assert "Nothing sent yet" in page.content()  # this feed's own receipts, none so far
    _accessible(page)
    response = page.goto(f"{service}/queue")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", name="You cannot see this page").is_visible()
    assert "WEB-HIGH" not in page.content()
    _accessible(page)
    page.goto(f"{service}/")
    page.get_by_role("button", name="Sign out").click()
    assert page.url.startswith(f"{service}/sign-in")


def test_an_analyst_has_a_home_that_says_what_they_may_read(browser: Any, service: str) -> None:
    page = browser.new_context(viewport={"width": 320, "height": 700}).new_page()
    _sign_in(page, service, "ana")
    assert page.get_by_role("heading", name="Analysis").is_visible()
    assert "/api/v1/analytics/decisions" in page.content()
    assert page.get_by_role("button", name="Sign out").is_visible()
    wide = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert wide <= 0, "the page scrolls sideways at 320 px"
    _accessible(page)


def test_the_api_documentation_works_without_the_internet(browser: Any, service: str) -> None:
    page = browser.new_context().new_page()
    outside: list[str] = []

    def only_here(route: Any) -> None:
        if route.request.url.startswith(service):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    page.goto(f"{service}/api/v1/docs")
    title = page.locator(".swagger-ui .info .title")
    title.wait_for(timeout=15_000)
    assert "Missing children notification triage" in title.inner_text()
    assert page.get_by_text("POST/api/v1/notifications", exact=False).first.is_visible() or (
        page.locator(".opblock-summary-path", has_text="/api/v1/notifications").count() > 0
    )
    assert outside == []


def _follow(page: Any, control: Any) -> None:
    """Click a link or button and wait for the page it opens to load: measured mid-way
    through the navigation, there is no document to measure (seen in CI)."""
    with page.expect_navigation(wait_until="load"):
        control.click()


def test_a_worker_finds_a_child_by_name_on_a_phone(browser: Any, service: str) -> None:
    page = browser.new_context(viewport={"width": 320, "height": 800}).new_page()
    _sign_in(page, service, "sam")
    page.get_by_role("link", name="Find a child").click()
    page.get_by_label("Police reference, name, or council child id").fill("maya BROOKS")
    _follow(page, page.get_by_role("button", name="Search"))
    assert "1 child found" in page.content()
    wide = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert wide <= 0, "the results scroll sideways at 320 px"
    _accessible(page)
    page.get_by_role("link", name="Maya Brooks").click()
    assert page.get_by_role("heading", name="Timeline").is_visible()
    page.goto(f"{service}/search?q=web-high")  # a police reference opens its notification
    assert page.url == f"{service}/notifications/WEB-HIGH"


def test_the_queue_marks_a_child_still_missing_and_fits_a_phone(browser: Any, service: str) -> None:
    page = browser.new_context(viewport={"width": 320, "height": 800}).new_page()
    _sign_in(page, service, "sam")
    assert page.url == f"{service}/queue"
    wide = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert wide <= 0, "the queue scrolls sideways at 320 px"
    _accessible(page)
    page.get_by_label("Still missing only").check()
    page.get_by_role("button", name="Filter").click()
    assert "missing=yes" in page.url
    _accessible(page)


def test_a_worker_opens_a_rejected_record_to_fix_it(browser: Any, service: str) -> None:
    context = browser.new_context()
    bearer = _police_feed(context, service)
    broken = notification(reference="WEB-BAD")
    del broken["child"]["family_name"]
    sent = context.request.post(f"{service}/api/v1/notifications", data=broken, headers=bearer)
    assert sent.status == 422
    page = context.new_page()
    _sign_in(page, service, "sam")
    page.get_by_role("link", name="Quarantine").click()
    assert "child.family_name" in page.content()
    _accessible(page)
    page.get_by_role("link", name=re.compile(r"Record \d+")).first.click()
    assert page.get_by_role("heading", name="Fix and replay").is_visible()
    assert (
        "WEB-BAD"
        in page.get_by_label("The record, corrected (JSON, as police would send it)").input_value()
    )
    _accessible(page)


def test_a_worker_decides_a_possible_match_side_by_side(browser: Any, service: str) -> None:
    context = browser.new_context()
    bearer = _police_feed(context, service)
    for reference, person, born in (
        ("WEB-M1", "WEB-PX1", "2011-05-02"),
        ("WEB-M2", "WEB-PX2", "2011-02-05"),
    ):
        payload = notification(
            reference=reference,
            child={
                "police_person_id": person,
                "date_of_birth": born,
                "given_name": "Ayla",
                "family_name": "Khan",
            },
        )
        assert context.request.post(
            f"{service}/api/v1/notifications", data=payload, headers=bearer
        ).ok
    page = context.new_page()
    _sign_in(page, service, "sam")
    page.get_by_role("link", name="Possible matches").click()
    assert "day and month swapped" in page.content()
    _accessible(page)
    page.get_by_label("No, two different children").check()
    page.get_by_role("button", name="Save decision").click()
    assert "Recorded as two different children" in page.get_by_role("status").inner_text()
    _accessible(page)


def test_the_review_form_shows_override_fields_only_for_an_override_and_focuses_its_errors(
    browser: Any, service: str
) -> None:
    page = browser.new_context().new_page()
    _sign_in(page, service, "sam")
    page.goto(f"{service}/notifications/WEB-MED")
    level = page.get_by_label("If you override: the level it should be")
    page.get_by_label("Yes, confirm it").check()
    assert not level.is_visible()
    page.get_by_label("No, override it").check()
    assert level.is_visible()
    # Nothing chosen: the problem is summarised, the summary has the focus, its link works.
    page.goto(f"{service}/notifications/WEB-MED")
    page.get_by_role("button", name="Save review").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    target = summary.get_by_role("link").first.get_attribute("href")
    assert target == "#decision-confirm" and page.locator(target).count() == 1
    _accessible(page)
    # Post/redirect/get: the errors are on the notification's own address, and a refresh
    # shows the page afresh rather than sending the form again.
    assert page.url.startswith(f"{service}/notifications/WEB-MED")
    page.reload()
    assert page.locator(".error-summary").count() == 0


def test_a_child_still_missing_tops_the_queue_and_every_casework_page_fits_a_phone(
    browser: Any, service: str
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 800})
    bearer = _police_feed(context, service)
    away = notification(
        reference="WEB-AWAY",
        police_risk_grade="high",
        returned_after_hours=None,
        child={"police_person_id": "WEB-P-9", "given_name": "Remi", "family_name": "Osei"},
    )
    assert context.request.post(f"{service}/api/v1/notifications", data=away, headers=bearer).ok
    page = context.new_page()
    _sign_in(page, service, "sam")
    first = page.locator("table tbody tr").first
    assert "Remi Osei" in first.inner_text() and "still missing" in first.inner_text().lower()
    for link in ("WEB-AWAY", "Remi Osei"):  # the notification, then the child
        page.goto(f"{service}/queue")
        _follow(page, page.locator("table tbody tr").first.get_by_role("link", name=link).first)
        wide = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert wide <= 0, f"{page.url} scrolls sideways at 320 px"
        _accessible(page)
