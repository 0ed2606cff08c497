"""A child's history at a glance: age, legal status and placement as police last said them,
episodes in 30, 90 and 365 days, a still-missing notice, and a chart that reads without colour
and says in words what it shows."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from conftest import FrozenClock
from factories import notification
from test_pages import _sign_in
from triage.casework.glance import chart
from triage.casework.records import TimelineEntry
from triage.decisions.level import ReviewStatus

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def entry(days_ago: float, hours_away: float | None, reference: str = "G-1") -> TimelineEntry:
    seen = NOW - timedelta(days=days_ago)
    return TimelineEntry(
        police_reference=reference,
        last_seen_at=seen,
        returned_at=None if hours_away is None else seen + timedelta(hours=hours_away),
        police_classification="missing",
        police_risk_grade="medium",
        level="medium",
        status=ReviewStatus.AWAITING_REVIEW,
        flags=[],
        indicators=[],
    )


def test_the_chart_marks_an_open_episode_apart_without_colour_and_says_it_in_words() -> None:
    svg = chart([entry(2, None, "G-OPEN"), entry(40, 6), entry(200, 80), entry(500, 3)], now=NOW)
    assert svg.startswith("<svg") and 'role="img"' in svg
    # Three of the four are in the last 12 months; the one still missing is an open bar.
    assert "3 episodes in the last 12 months" in svg and "still missing now" in svg
    assert svg.count("<rect") == 3
    assert 'fill="#ffffff" stroke="#0b0c0c"' in svg  # open, by shape not colour
    assert "G-OPEN: away 2 days, still missing" in svg
    assert "style=" not in svg and "<script" not in svg  # the pages' policy allows neither


def test_a_name_in_the_chart_is_escaped() -> None:
    svg = chart([entry(2, 4, "<b>X</b>")], now=NOW)
    assert "<b>" not in svg and "&lt;b&gt;" in svg


def test_the_child_page_shows_the_history_at_a_glance(
    client: TestClient, headers: dict[str, dict[str, str]], clock: FrozenClock
) -> None:
    for k, (days, back) in enumerate([(200, 5.0), (60, 30.0), (10, None)]):
        payload = notification(
            reference=f"G-{k}",
            reported=clock() - timedelta(days=days),
            returned_after_hours=back,
            child={"police_person_id": "WMP-P-G"},
        )
        assert (
            client.post(
                "/api/v1/notifications", json=payload, headers=headers["police_feed"]
            ).status_code
            == 201
        )
    _sign_in(client, "sam")
    notification_page = client.get("/notifications/G-2").text
    child = re.search(r'href="(/children/\d+)"', notification_page)
    assert child
    page = client.get(child[1]).text
    assert "1 in 30 days, 2 in 90 days, 3 in 12 months" in page
    assert "Still missing" in page and 'href="/notifications/G-2"' in page
    assert "Looked after" in page and "(age " in page
    assert "<svg" in page and "3 episodes in the last 12 months" in page


def test_the_notification_page_shows_the_history_at_a_glance_too(
    client: TestClient, headers: dict[str, dict[str, str]], clock: FrozenClock
) -> None:
    for k, days in enumerate((80, 5)):
        payload = notification(
            reference=f"GN-{k}",
            reported=clock() - timedelta(days=days),
            child={"police_person_id": "WMP-P-GN"},
            episode={
                "indicators": ["vehicle_unknown_adult"],
                "last_seen_location": "Outside the bus station",
                "return_location": "A friend's flat",
            },
        )
        sent = client.post("/api/v1/notifications", json=payload, headers=headers["police_feed"])
        assert sent.status_code == 201, sent.text
    _sign_in(client, "sam")
    page = client.get("/notifications/GN-1")
    glance = page.context["glance"]  # type: ignore[attr-defined]
    assert (glance.episodes_30d, glance.episodes_90d, glance.episodes) == (1, 2, 2)
    text = page.text
    assert "History at a glance" in text and "1 in 30 days, 2 in 90 days" in text
    assert "Outside the bus station" in text and "A friend&#39;s flat" in text
    assert "West Midlands Police" in text and "2 episodes in the last 12 months" in text
    assert "Open actions" in text
