"""The analysts' back-test and shadow pages: the figures the back-test gives, the CSV of the
per-child diff, refused to a MASH worker."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient

from conftest import PASSWORD
from factories import notification
from test_pages import _csrf
from triage.analysis.backtest import compare
from triage.analysis.replay import edited_rules
from triage.store import Database


def _sign_in(client: TestClient, username: str) -> None:
    response = client.post(
        "/sign-in",
        data={"username": username, "password": PASSWORD, "csrf_token": _csrf(client), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def _seed(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    for k in range(3):
        payload = notification(
            reference=f"P-{k}",
            child={"police_person_id": f"P-P-{k}"},
            police_classification="absent",
            police_risk_grade="low",
        )
        response = client.post(
            "/api/v1/notifications", json=payload, headers=headers["police_feed"]
        )
        assert response.status_code == 201, response.text


def test_an_analyst_back_tests_the_absent_switch_and_downloads_the_diff(
    client: TestClient, headers: dict[str, dict[str, str]], tmp_path: Path, rules_dir: Path
) -> None:
    _seed(client, headers)
    candidate = edited_rules(rules_dir, tmp_path / "rules", reclassify_every_absence=True)
    _sign_in(client, "priya")
    page = client.get("/analysis/backtest", params={"candidate": str(candidate)})
    assert page.status_code == 200, page.text[-2000:]
    app = client.app
    svc = app.state.services  # type: ignore[attr-defined]
    database: Database = svc.database
    from triage.analysis.replay import candidate_vetter

    trial = candidate_vetter(
        svc.vetter.rulebook.engine, candidate, home_authority=svc.settings.home_authority
    )
    with database.reading() as session:
        expected = compare(session, svc.vetter, trial, pseudonyms=svc.pseudonyms)
    assert f'id="decisions">{expected.summary["decisions"]}<' in page.text
    assert f'id="level-changes">{expected.summary["decisions_whose_level_changes"]}<' in page.text
    assert "<svg" in page.text
    download = client.get("/analysis/backtest.csv", params={"candidate": str(candidate)})
    assert download.headers["content-type"].startswith("text/csv")
    got = pd.read_csv(io.StringIO(download.text))
    assert len(got) == len(expected.children)
    assert list(got["child"]) == list(expected.children["child"])


def test_a_bad_candidate_folder_is_refused_naming_the_field(client: TestClient) -> None:
    _sign_in(client, "priya")
    page = client.get("/analysis/backtest", params={"candidate": "/no/such/folder"})
    assert page.status_code == 422 and "There is no folder /no/such/folder" in page.text


def test_the_shadow_page_says_when_there_is_no_run(client: TestClient) -> None:
    _sign_in(client, "priya")
    page = client.get("/analysis/shadow")
    assert page.status_code == 200 and "No shadow run yet" in page.text


def test_a_mash_worker_cannot_open_the_analyst_pages(client: TestClient) -> None:
    _sign_in(client, "alex")
    for path in ("/analysis/backtest", "/analysis/backtest.csv", "/analysis/shadow"):
        assert client.get(path).status_code == 403, path
