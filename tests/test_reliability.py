"""Reliability under bad input, as a demanding user tests it: no 500 from any input, every error
in one problem shape, nothing lost. SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import notification
from test_api import detail, submit
from triage.intake import Outcome, load_file
from triage.store import Database
from triage.store.tables import EpisodeRecord, QuarantinedRecord

H = dict[str, dict[str, str]]
PROBLEM = "application/problem+json"


def _is_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert body["status"] == status
    return body


# Text that no store takes, and bytes that are not text -------------------------------------


def test_a_nul_in_a_review_or_a_note_is_refused_naming_the_field_and_never_logged(
    client: TestClient, headers: H, caplog: pytest.LogCaptureFixture
) -> None:
    submit(client, headers, notification(reference="NUL-1"))
    decision_id = detail(client, headers, "NUL-1")["decision"]["decision_id"]
    caplog.set_level(logging.DEBUG)
    review = client.post(
        "/api/v1/notifications/NUL-1/reviews",
        json={
            "decision_id": decision_id,
            "decision": "override",
            "level": "high",
            "reason": "professional_judgement",
            "reason_text": "Seen with an older man\x00 by the canal at night",
        },
        headers=headers["mash_worker"],
    )
    assert _is_problem(review, 422)["errors"][0]["field"] == "reason_text"
    note = client.post(
        "/api/v1/notifications/NUL-1/actions/return_home_interview/completion",
        json={"note": "Offered\x00 by phone"},
        headers=headers["mash_worker"],
    )
    assert _is_problem(note, 422)["errors"][0]["field"] == "note"
    assert "older man" not in caplog.text and "Offered" not in caplog.text


def test_a_nul_in_a_childs_name_is_quarantined_naming_the_field(
    client: TestClient, headers: H
) -> None:
    response = client.post(
        "/api/v1/notifications",
        json=notification(reference="NUL-2", child={"given_name": "Zo\x00e"}),
        headers=headers["police_feed"],
    )
    body = _is_problem(response, 422)
    assert body["errors"] == [
        {"field": "child.given_name", "problem": "contains a NUL character; remove it"}
    ]
    assert body["quarantine_id"] is not None and body["outcome"] == "rejected"


def test_a_name_that_is_not_utf8_is_refused_and_its_bytes_kept_for_a_person(
    client: TestClient, headers: H, database: Database
) -> None:
    text = json.dumps(
        notification(reference="LATIN-1", child={"given_name": "Zoë"}), ensure_ascii=False
    )
    body = text.encode("utf-8").replace("ë".encode(), "ë".encode("latin-1"))
    response = client.post(
        "/api/v1/notifications",
        content=body,
        headers={**headers["police_feed"], "content-type": "application/json"},
    )
    problem = _is_problem(response, 422)
    assert "not valid UTF-8: byte 0xeb" in problem["errors"][0]["problem"]
    with database.reading() as session:
        kept = session.get_one(QuarantinedRecord, problem["quarantine_id"])
        assert '"Zo\\xeb"' in kept.raw  # the bad byte shown, never replaced with "\ufffd"
        assert session.scalar(select(EpisodeRecord.id)) is None


def test_a_file_line_that_is_not_utf8_is_quarantined_alone(
    database: Database, tmp_path: Path
) -> None:
    good = json.dumps(notification(reference="FILE-1")).encode()
    bad = json.dumps(
        notification(reference="FILE-2", child={"given_name": "Zoë"}), ensure_ascii=False
    ).encode()
    bad = bad.replace("ë".encode(), b"\xeb")
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(good + b"\n" + bad + b"\n")
    summary = load_file(database, path)
    assert (summary.counts[Outcome.ACCEPTED], summary.counts[Outcome.REJECTED]) == (1, 1)
    csv_path = tmp_path / "mixed.csv"
    csv_path.write_bytes(b"police_reference,child.given_name\nCSV-1,Zo\xeb\n")
    assert load_file(database, csv_path).counts[Outcome.REJECTED] == 1
    with database.reading() as session:
        errors = [r.errors[0] for r in session.scalars(select(QuarantinedRecord))]
    assert errors[0]["problem"].startswith("not valid UTF-8")
    assert errors[1] == {
        "field": "child.given_name",
        "problem": "not valid UTF-8; send the file as UTF-8 text",
    }


# Batches, bodies and shapes ----------------------------------------------------------------


def test_one_over_nested_record_does_not_sink_its_batch(client: TestClient, headers: H) -> None:
    good = [json.dumps(notification(reference=f"NEST-{k}")) for k in range(10)]
    deep = "[" * 3000 + "]" * 3000
    body = "[" + ",".join([*good[:5], deep, *good[5:]]) + "]"
    response = client.post(
        "/api/v1/notifications/batch",
        content=body.encode(),
        headers={**headers["police_feed"], "content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["counts"] == {"accepted": 10, "rejected": 1}
    (rejected,) = [r for r in answer["receipts"] if r["outcome"] == "rejected"]
    assert "nested too deeply" in rejected["errors"][0]["problem"]


def test_an_oversized_body_is_refused_as_it_streams_in(client: TestClient, headers: H) -> None:
    sent = []

    def chunks() -> Any:
        for _ in range(40):  # 40 MB offered; the limit is 1 MB
            sent.append(1)
            yield b" " * 1_000_000

    response = client.post(
        "/api/v1/notifications",
        content=chunks(),
        headers={**headers["police_feed"], "content-type": "application/json"},
    )
    assert _is_problem(response, 413)["type"].endswith("too-large")
    declared = client.post(
        "/api/v1/notifications",
        content=b"{}",
        headers={**headers["police_feed"], "content-length": "50000000"},
    )
    assert declared.status_code == 413


def test_unknown_routes_and_methods_answer_problems(client: TestClient, headers: H) -> None:
    assert _is_problem(client.get("/api/v1/nowhere", headers=headers["mash_worker"]), 404)
    assert _is_problem(client.delete("/api/v1/queue", headers=headers["mash_worker"]), 405)


def test_an_anonymous_caller_is_told_to_sign_in_before_anything_about_its_body(
    client: TestClient,
) -> None:
    for body in (b"not json at all", json.dumps(notification()).encode()):
        response = client.post(
            "/api/v1/notifications", content=body, headers={"content-type": "application/json"}
        )
        assert _is_problem(response, 401)["type"].endswith("unauthenticated")


def test_a_rejected_notification_answers_a_problem_that_is_also_its_receipt(
    client: TestClient, headers: H
) -> None:
    response = client.post(
        "/api/v1/notifications",
        json={"police_reference": "BAD-1"},
        headers=headers["police_feed"],
    )
    body = _is_problem(response, 422)
    assert body["type"].endswith("/rejected") and body["outcome"] == "rejected"
    assert body["receipt_id"] is not None and body["quarantine_id"] is not None


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/queue?page=99999999999999999999",
        "/api/v1/children?page=10000001",
        "/api/v1/children/99999999999999",
        "/api/v1/receipts/99999999999999",
        "/api/v1/audit?page=99999999999999",
        "/api/v1/analytics/decisions?page=99999999999999",
        "/api/v1/notifications/X/decisions?page=99999999999999",
    ],
)
def test_huge_numbers_are_refused_not_a_server_error(
    client: TestClient, headers: H, path: str
) -> None:
    who = {"receipts": "police_feed", "audit": "admin", "analytics": "analyst"}
    role = next((r for key, r in who.items() if f"/{key}" in path), "mash_worker")
    body = _is_problem(client.get(path, headers=headers[role]), 422)
    assert body["errors"][0]["field"] in ("page", "child_id", "receipt_id")


def test_the_log_guard_finds_personal_data_in_a_line() -> None:
    """The suite-wide guard (conftest) would catch a leak: it finds a submitted value as a word."""
    from privacy import leaks, personal_values

    values = personal_values(notification(child={"given_name": "Tamsin"}))
    assert {"Tamsin", "Collins", "2011-05-02", "02/05/2011", "B23 6TJ"} <= values
    lines = ["triage.intake INFO stored episode 12", "triage.x ERROR could not store Tamsin, 12"]
    assert leaks(lines, values) == [("Tamsin", lines[1])]
    assert leaks(["triage.x INFO Tamsinford Road"], values) == []
