"""The HTTP service's first slice: police systems submit, and a resubmission is safe."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from factories import changed, notification
from triage.api import create_app
from triage.settings import Settings
from triage.store import Database
from triage.vetting import Vetter


@pytest.fixture
def client(settings: Settings, database: Database, vetter: Vetter) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database=database, vetter=vetter)) as test_client:
        yield test_client


def test_a_new_notification_gets_a_receipt(client: TestClient) -> None:
    response = client.post("/api/v1/notifications", json=notification(reference="API-1"))
    assert response.status_code == 201
    assert response.json() == {
        "outcome": "accepted",
        "police_reference": "API-1",
        "version": 1,
        "vetted_level": "medium",  # police said medium; one CSE indicator keeps it there
    }


def test_a_resubmission_is_safe(client: TestClient) -> None:
    payload = notification(reference="API-2")
    client.post("/api/v1/notifications", json=payload)
    again = client.post("/api/v1/notifications", json=payload)
    update = client.post("/api/v1/notifications", json=changed(payload, police_risk_grade="high"))
    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")
    assert (update.status_code, update.json()["outcome"], update.json()["version"]) == (
        200,
        "updated",
        2,
    )


def test_a_bad_notification_is_refused_naming_the_field_and_kept(client: TestClient) -> None:
    bad = changed(notification(reference="API-3"), **{"child.date_of_birth": "2031-01-01"})
    response = client.post("/api/v1/notifications", json=bad)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["errors"][0]["field"] == "child.date_of_birth"
    assert "in the future" in body["errors"][0]["problem"]
    assert body["quarantine_id"] >= 1
    health = client.get("/api/v1/health").json()
    assert health["counts"]["quarantined_open"] == 1


def test_a_body_that_is_not_json_is_kept_too(client: TestClient) -> None:
    response = client.post(
        "/api/v1/notifications", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "(record)"


def test_health_reports_the_database_and_counts(client: TestClient, database: Database) -> None:
    client.post("/api/v1/notifications", json=notification(reference="API-4"))
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["database"] == database.dialect
    assert body["counts"]["episodes"] == 1


def test_the_openapi_document_publishes_the_contract(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    body = spec["paths"]["/api/v1/notifications"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert "police_reference" in json.dumps(schema)
