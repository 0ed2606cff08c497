"""The monthly report's page in a real browser: an analyst reads the version for sharing, the
chart and tables pass axe-core, and nothing scrolls sideways on a 320 px phone."""

from __future__ import annotations

from typing import Any

from test_browser import _accessible, _sign_in, browser, service  # noqa: F401  (fixtures)


def test_an_analyst_reads_the_monthly_report_for_sharing_and_it_reflows_on_a_phone(
    browser: Any,  # noqa: F811
    service: str,  # noqa: F811
) -> None:
    page = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    _sign_in(page, service, "ana")
    page.get_by_role("link", name="Monthly report", exact=True).click()
    page.get_by_role("textbox", name="Month").fill("2026-03")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_role("heading", level=1).inner_text().endswith("March 2026")
    assert "Version for sharing." in page.inner_text("main")
    assert page.get_by_role("cell", name="fewer than 5").count() > 0
    _accessible(page)
    phone = browser.new_context(viewport={"width": 320, "height": 800}).new_page()
    _sign_in(phone, service, "ana")
    phone.goto(f"{service}/reports/monthly?month=2026-03")
    wide = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert wide <= 0, "the report scrolls sideways at 320 px"
    label = phone.locator(".report-table td").first.evaluate(
        "cell => getComputedStyle(cell, '::before').content"
    )
    assert label == '"Children missing"'  # each cell says what it is once reflowed
