"""What happened stays as it happened: history tables refuse change in the database itself, and a
rejected record that arrives again is counted on its open quarantine entry, not kept twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from conftest import FrozenClock
from factories import notification
from test_api import _review, detail, high, submit
from triage.intake import ingest, load_file
from triage.store import Database
from triage.store.tables import QuarantinedRecord

H = dict[str, dict[str, str]]

HISTORY = (
    "decisions",
    "notification_versions",
    "reviews",
    "review_agreements",
    "action_completions",
    "receipts",
)


def test_history_cannot_be_changed_or_deleted_even_directly(
    client: TestClient, headers: H, database: Database
) -> None:
    submit(client, headers, high("K-1"))
    decision_id = detail(client, headers, "K-1")["decision"]["decision_id"]
    review = _review(
        client,
        headers,
        "mash_worker",
        "K-1",
        decision_id=decision_id,
        decision="override",
        level="medium",
        reason="duplicate_episode",
        reason_text="Same episode as K-0",
    ).json()
    agreed = client.post(
        f"/api/v1/reviews/{review['review_id']}/agreement",
        json={"agree": True, "note": "Checked"},
        headers=headers["alex"],
    )
    assert agreed.status_code == 201, agreed.text
    done = client.post(
        "/api/v1/notifications/K-1/actions/strategy_discussion/completion",
        json={"note": "Held"},
        headers=headers["mash_worker"],
    )
    assert done.status_code == 201, done.text
    for table in HISTORY:
        with database.reading() as session:
            held = session.scalar(text(f"SELECT count(*) FROM {table}"))
        assert held, f"{table} has no row to try"
        for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(Exception, match="append-only"), database.transaction() as s:
                s.execute(text(statement))
        with database.reading() as session:
            assert session.scalar(text(f"SELECT count(*) FROM {table}")) == held


def test_a_reloaded_file_counts_its_rejected_records_on_their_open_entries(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    good = notification(reference="RL-1")
    bad = notification(reference="RL-2", child={"date_of_birth": "2099-01-01"})
    worse = {**notification(reference="RL-3"), "police_risk_grade": "severe"}
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (good, bad, worse)))
    first = []
    load_file(database, path, clock=clock, on_record=lambda _r, receipt: first.append(receipt))
    again = []
    load_file(database, path, clock=clock, on_record=lambda _r, receipt: again.append(receipt))
    assert [r.outcome for r in again] == ["unchanged", "rejected", "rejected"]
    assert [r.quarantine_id for r in again] == [r.quarantine_id for r in first]
    with database.reading() as session:
        rows = session.scalars(select(QuarantinedRecord).order_by(QuarantinedRecord.id)).all()
        assert [(r.times_received, r.last_received_at is not None) for r in rows] == [
            (2, True),
            (2, True),
        ]
    # Once a person has dealt with an entry, the same record arriving again is a new entry.
    with database.transaction() as session:
        session.get_one(QuarantinedRecord, first[1].quarantine_id).status = "superseded"
    third = []
    load_file(database, path, clock=clock, on_record=lambda _r, receipt: third.append(receipt))
    assert third[1].quarantine_id not in {r.quarantine_id for r in first}
    assert third[2].quarantine_id == first[2].quarantine_id
    with database.reading() as session:
        assert session.scalar(select(func.count()).select_from(QuarantinedRecord)) == 3


def test_a_feed_sending_a_bad_record_twice_is_told_the_same_entry(
    client: TestClient, headers: H
) -> None:
    bad = notification(reference="RL-9", child={"date_of_birth": "2099-01-01"})
    answers = [
        client.post("/api/v1/notifications", json=bad, headers=headers["police_feed"])
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json()["quarantine_id"] == answers[1].json()["quarantine_id"]
    listed = client.get("/api/v1/quarantine", headers=headers["mash_worker"]).json()
    assert [(r["times_received"], r["status"]) for r in listed["items"]] == [(2, "open")]


@pytest.mark.postgres
def test_one_child_one_record_when_feeds_race(postgres_url: str, clock: FrozenClock) -> None:
    """Eight feeds send notifications about the same new child at the same moment (by name and
    date of birth only, then with a council id too)."""
    import threading

    from triage.settings import get_settings
    from triage.store import create_database
    from triage.store.tables import ChildRecord

    database = create_database(get_settings(database_url=postgres_url))
    try:
        names = ["Riley", "Casey", "Rowan", "Avery"]
        for round_, name in enumerate(names):
            child = {"given_name": name, "family_name": "Quinn", "police_person_id": None}
            if round_ % 2:
                child["local_child_id"] = f"LC-RACE-{round_}"
            records = [notification(reference=f"RACE-{round_}-{n}", child=child) for n in range(8)]
            start = threading.Barrier(len(records))

            def send(record: dict, start: threading.Barrier = start) -> None:
                from triage.notification.reader import raw_from_text

                start.wait()
                ingest(
                    database,
                    raw_from_text(json.dumps(record), source="race", position=1),
                    clock=clock,
                )

            threads = [threading.Thread(target=send, args=(r,)) for r in records]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        with database.reading() as session:
            made = session.scalars(select(ChildRecord.given_name).order_by(ChildRecord.id)).all()
        assert made == names  # one record each, none split
    finally:
        database.dispose()
