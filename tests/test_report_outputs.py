"""The monthly report as a chair or an analyst gets it: files from `triage report monthly`
(CSV tables, the trend chart as PNG and SVG, a Markdown summary), the API and the page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from test_reports import the_city
from typer.testing import CliRunner

from conftest import FrozenClock
from test_pages import _sign_in
from triage.cli import app, common
from triage.settings import Settings
from triage.store import Database
from triage.vetting.service import Vetter

H = dict[str, dict[str, str]]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def run(settings: Settings, monkeypatch: pytest.MonkeyPatch, rules_dir: Path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRIAGE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TRIAGE_RULES_DIR", str(rules_dir))
    monkeypatch.setattr(common.console, "width", 200)

    def invoke(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return invoke


def test_the_command_writes_the_tables_as_csv_and_the_chart_as_png_and_svg(
    run, database: Database, vetter: Vetter, clock: FrozenClock, tmp_path: Path
) -> None:
    the_city(database, vetter, clock)
    output = run("report", "monthly", "--month", "2026-06", "--out", str(tmp_path))
    assert "Children missing: 5" in output and "Episodes: 6" in output
    by_area = pd.read_csv(tmp_path / "monthly-2026-06-by-area.csv")
    assert list(by_area.columns[:3]) == ["Area", "Children missing", "Episodes"]
    assert by_area.set_index("Area").loc["All"].tolist() == [5, 6, 5, 1, 1, 1, 3]
    trend = pd.read_csv(tmp_path / "monthly-2026-06-success-rate.csv")
    assert trend["month"].tolist()[-1] == "2026-06"
    assert (tmp_path / "monthly-2026-06-success-rate.png").read_bytes()[:8] == PNG_SIGNATURE
    svg = ET.parse(tmp_path / "monthly-2026-06-success-rate.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.find("{http://www.w3.org/2000/svg}title") is not None
    summary = (tmp_path / "monthly-2026-06.md").read_text()
    assert summary.startswith("# Children missing from home or care: June 2026")
    assert "monthly-2026-06-success-rate.png" in summary


def test_the_version_for_sharing_hides_small_counts_and_the_totals_do_not_give_them_away(
    run, database: Database, vetter: Vetter, clock: FrozenClock, tmp_path: Path
) -> None:
    the_city(database, vetter, clock)
    run("report", "monthly", "--month", "2026-06", "--out", str(tmp_path), "--for-sharing")
    table = pd.read_csv(tmp_path / "monthly-2026-06-for-sharing-by-area.csv", dtype=str)
    table = table.set_index("Area")
    assert (table == "fewer than 5").to_numpy().any()
    assert not table.isin([str(n) for n in range(5)]).to_numpy().any()
    # Subtraction down each column: with one cell hidden and the rest shown, it would give
    # that cell away. Every column hides none or at least two of its cells and total.
    for column in table.columns:
        hidden = table[column].isin(["fewer than 5", "withheld"]).sum()
        assert hidden != 1, column


def test_a_month_that_is_not_a_month_is_refused_naming_the_option(run, tmp_path: Path) -> None:
    output = run("report", "monthly", "--month", "June", "--out", str(tmp_path), code=1)
    assert "--month" in output and "YYYY-MM" in output


@pytest.fixture
def city(
    client: TestClient, database: Database, clock: FrozenClock, scored_vetter: Vetter
) -> TestClient:
    the_city(database, scored_vetter, clock)
    return client


def test_chairs_and_senior_managers_read_the_report_analysts_and_admins_only_for_sharing(
    city: TestClient, headers: H
) -> None:
    url = "/api/v1/reports/monthly?month=2026-06"
    for who in ("panel_chair", "senior_manager"):
        response = city.get(url, headers=headers[who])
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["for_sharing"] is False and body["title"] == "June 2026"
        by_area = next(t for t in body["tables"] if t["key"] == "by_area")
        assert [c["value"] for c in by_area["rows"][-1]["cells"]] == [5, 6, 5, 1, 1, 1, 3]
    for who in ("analyst", "admin"):
        assert city.get(url, headers=headers[who]).json()["for_sharing"] is True
    analyst = city.get(url, headers=headers["analyst"]).json()
    by_area = next(t for t in analyst["tables"] if t["key"] == "by_area")
    south = by_area["rows"][0]["cells"]
    assert south[0] == {"value": None, "text": "fewer than 5", "hidden": "primary"}
    shared = city.get(url + "&for_sharing=true", headers=headers["panel_chair"]).json()
    assert shared["for_sharing"] is True
    for who in ("mash_worker", "police_feed"):
        assert city.get(url, headers=headers[who]).status_code == 403


@pytest.mark.parametrize("month", ["2026-13", "June 2026", ""])
def test_a_bad_month_is_a_422_naming_the_field_and_the_form(
    client: TestClient, headers: H, month: str
) -> None:
    response = client.get(
        "/api/v1/reports/monthly", params={"month": month}, headers=headers["analyst"]
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "month" and "YYYY-MM" in error["problem"]


def test_the_page_shows_the_tables_and_the_chart_for_a_chair(
    city: TestClient, database: Database
) -> None:
    _sign_in(city, "jo")
    response = city.get("/reports/monthly?month=2026-06")
    assert response.status_code == 200
    page = response.text
    assert "Children missing from home or care: June 2026" in page
    assert 'class="table table-reflow report-table"' in page and 'data-label="Episodes"' in page
    assert "Version for sharing." not in page
    shared = city.get("/reports/monthly?month=2026-06&for_sharing=true").text
    assert "Version for sharing." in shared and "fewer than 5" in shared


def test_the_page_names_a_bad_month_in_an_error_summary(city: TestClient) -> None:
    _sign_in(city, "priya")
    response = city.get("/reports/monthly?month=2026-6")
    assert response.status_code == 422
    assert "There is a problem" in response.text and 'href="#month"' in response.text
    assert "expected a month as YYYY-MM" in response.text
    assert 'id="for_sharing"' not in response.text  # an analyst has no choice to make


def test_a_mash_worker_cannot_open_the_report_page(city: TestClient) -> None:
    _sign_in(city, "sam")
    assert city.get("/reports/monthly?month=2026-06").status_code == 403


def test_the_page_opens_on_the_newest_month_the_store_has(
    city: TestClient, clock: FrozenClock
) -> None:
    clock.now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # the newest episode is in June
    _sign_in(city, "jo")
    page = city.get("/reports/monthly").text
    assert "Children missing from home or care: June 2026" in page


def test_a_chart_stays_in_the_svg_namespace_after_another_library_takes_the_default_prefix() -> (
    None
):
    """WeasyPrint registers a default prefix of its own when it writes a PDF's metadata; a chart
    drawn after that must still open with `<svg`, or the page shows nothing."""
    from triage.reports.chart import svg_text

    ET.register_namespace("", "adobe:ns:meta/")
    root = ET.fromstring('<svg xmlns="http://www.w3.org/2000/svg"><title>t</title></svg>')
    assert svg_text(root).startswith("<svg ")
