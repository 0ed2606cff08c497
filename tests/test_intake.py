"""Loading notifications: idempotent by police reference, every version kept, nothing lost."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import FrozenClock
from factories import changed, notification
from triage.errors import QuarantineError
from triage.intake import Outcome, ingest, load_file, load_records, replay
from triage.notification import RawRecord, parse_notification, to_csv_row
from triage.notification.reader import CSV_COLUMNS
from triage.store import Database
from triage.store.tables import EpisodeRecord, NotificationVersion, QuarantinedRecord


def raw(payload: dict, source: str = "test") -> RawRecord:
    return RawRecord(source, 1, json.dumps(payload), payload)


def count(database: Database, table: type) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_a_new_notification_is_accepted_as_a_new_episode(
    database: Database, clock: FrozenClock
) -> None:
    receipt = ingest(database, raw(notification(reference="WMP-1")), clock=clock)
    assert receipt.outcome is Outcome.ACCEPTED
    assert receipt.version == 1
    with database.reading() as session:
        episode = session.scalars(select(EpisodeRecord)).one()
        assert episode.police_reference == "WMP-1"
        assert episode.police_risk_grade == "medium"
        assert episode.last_seen_at.tzinfo is not None


def test_an_identical_resubmission_changes_nothing(database: Database, clock: FrozenClock) -> None:
    payload = notification(reference="WMP-2")
    ingest(database, raw(payload), clock=clock)
    receipt = ingest(database, raw(payload), clock=clock)
    assert receipt.outcome is Outcome.UNCHANGED
    assert count(database, NotificationVersion) == 1


def test_a_changed_resubmission_updates_the_episode_and_keeps_every_version(
    database: Database, clock: FrozenClock
) -> None:
    still_missing = notification(reference="WMP-3", returned_after_hours=None)
    returned = changed(
        still_missing,
        **{
            "sent_at": "2026-03-15T10:00:00+00:00",
            "episode.returned_at": "2026-03-15T09:30:00+00:00",
            "episode.return_location": "Found at a friend's house",
        },
    )
    ingest(database, raw(still_missing), clock=clock)
    receipt = ingest(database, raw(returned), clock=clock)
    assert receipt.outcome is Outcome.UPDATED and receipt.version == 2
    with database.reading() as session:
        episode = session.scalars(select(EpisodeRecord)).one()
        assert episode.returned_at is not None
        versions = [v.payload["episode"]["returned_at"] for v in episode.versions]
        assert versions == [None, "2026-03-15T09:30:00Z"]


def test_an_older_version_arriving_late_is_kept_but_does_not_roll_back(
    database: Database, clock: FrozenClock
) -> None:
    returned = notification(reference="WMP-4")
    earlier = changed(
        returned,
        **{
            "episode.returned_at": None,
            "episode.return_location": None,
            "sent_at": "2026-03-14T21:40:00+00:00",
        },
    )
    ingest(database, raw(returned), clock=clock)
    assert ingest(database, raw(earlier), clock=clock).outcome is Outcome.UPDATED
    with database.reading() as session:
        episode = session.scalars(select(EpisodeRecord)).one()
        assert episode.returned_at is not None
        assert episode.version_count == 2


def test_a_rejected_record_is_kept_with_its_raw_payload_and_errors(
    database: Database, clock: FrozenClock
) -> None:
    bad = changed(notification(reference="WMP-5"), **{"episode.indicators": ["drugz"]})
    receipt = ingest(database, raw(bad, source="feed.jsonl"), clock=clock)
    assert receipt.outcome is Outcome.REJECTED
    with database.reading() as session:
        kept = session.get_one(QuarantinedRecord, receipt.quarantine_id)
        assert json.loads(kept.raw) == bad
        assert kept.errors == [
            {
                "field": "episode.indicators[0]",
                "problem": "unknown code 'drugz'; did you mean 'drugs'?",
            }
        ]
        assert kept.received_at == clock.now
        assert kept.status == "open"
    assert count(database, EpisodeRecord) == 0


def test_a_fixed_record_replays_into_the_store(database: Database, clock: FrozenClock) -> None:
    bad = changed(notification(reference="WMP-6"), **{"episode.indicators": ["drugz"]})
    rejected = ingest(database, raw(bad), clock=clock)
    fixed = changed(bad, **{"episode.indicators": ["drugs"]})
    receipt = replay(database, rejected.quarantine_id, json.dumps(fixed), clock=clock)
    assert receipt.outcome is Outcome.ACCEPTED
    with database.reading() as session:
        kept = session.get_one(QuarantinedRecord, rejected.quarantine_id)
        assert (kept.status, kept.replayed_as) == ("replayed", "WMP-6")
    with pytest.raises(QuarantineError, match="replayed"):
        replay(database, rejected.quarantine_id, json.dumps(fixed), clock=clock)


def test_a_replay_that_is_still_wrong_is_kept_too(database: Database, clock: FrozenClock) -> None:
    bad = changed(notification(reference="WMP-7"), **{"child.date_of_birth": "2030-01-01"})
    rejected = ingest(database, raw(bad), clock=clock)
    still_bad = changed(bad, **{"child.date_of_birth": "1990-01-01"})
    receipt = replay(database, rejected.quarantine_id, json.dumps(still_bad), clock=clock)
    assert receipt.outcome is Outcome.REJECTED
    with database.reading() as session:
        first = session.get_one(QuarantinedRecord, rejected.quarantine_id)
        second = session.get_one(QuarantinedRecord, receipt.quarantine_id)
        assert first.status == "superseded"
        assert second.replay_of_id == first.id and second.status == "open"
        assert "18" in second.errors[0]["problem"]


def test_a_file_loads_with_a_summary_of_what_happened(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    first = notification(reference="WMP-10")
    lines = [
        first,
        notification(reference="WMP-11"),
        first,
        changed(first, **{"police_risk_grade": "high", "sent_at": "2026-03-15T01:00:00+00:00"}),
        changed(notification(reference="WMP-12"), **{"episode.reported_at": "not a time"}),
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + "{broken\n")
    summary = load_file(database, path, clock=clock)
    assert dict(summary.counts) == {
        Outcome.ACCEPTED: 2,
        Outcome.UNCHANGED: 1,
        Outcome.UPDATED: 1,
        Outcome.REJECTED: 2,
    }
    assert summary.bytes_read == path.stat().st_size
    assert count(database, QuarantinedRecord) == 2


def test_a_csv_file_loads_like_json_lines(
    database: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    path = tmp_path / "batch.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for k in range(3):
            writer.writerow(to_csv_row(parse_notification(notification(reference=f"WMP-CSV-{k}"))))
    summary = load_file(database, path, clock=clock)
    assert summary.counts[Outcome.ACCEPTED] == 3


def test_an_interrupted_load_keeps_every_record_acknowledged_before_it(
    database: Database, clock: FrozenClock
) -> None:
    acknowledged: list[str] = []

    def feed() -> Iterator[RawRecord]:
        for k in range(5):
            yield raw(notification(reference=f"WMP-CRASH-{k}"))
        raise KeyboardInterrupt  # the operator, or the machine, stops the load here

    with pytest.raises(KeyboardInterrupt):
        load_records(
            database,
            feed(),
            clock=clock,
            on_record=lambda _record, receipt: acknowledged.append(receipt.police_reference or ""),
            chunk=2,
        )
    # Two chunks committed and were acknowledged; the fifth record's chunk never committed, was
    # never acknowledged, and left nothing behind.
    assert acknowledged == [f"WMP-CRASH-{k}" for k in range(4)]
    with database.reading() as session:
        stored = session.scalars(select(EpisodeRecord.police_reference)).all()
    assert sorted(stored) == sorted(acknowledged)


def test_receipts_record_when_each_version_arrived(database: Database, clock: FrozenClock) -> None:
    payload = notification(reference="WMP-20")
    ingest(database, raw(payload), clock=clock)
    clock.now += timedelta(hours=2)
    ingest(database, raw(changed(payload, police_risk_grade="high")), clock=clock)
    with database.reading() as session:
        times = session.scalars(
            select(NotificationVersion.received_at).order_by(NotificationVersion.version)
        ).all()
    assert times[1] - times[0] == timedelta(hours=2)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"police_reference": ' + "1" * 5000 + "}", "a number in it is too long"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("{not json", "not valid JSON"),
    ],
)
def test_unreadable_text_is_quarantined_not_a_crash(
    database: Database, clock: FrozenClock, tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text(text + "\n" + json.dumps(notification(reference="AFTER")) + "\n")
    summary = load_file(database, path, clock=clock)
    assert (summary.counts[Outcome.REJECTED], summary.counts[Outcome.ACCEPTED]) == (1, 1)
    with database.reading() as session:
        kept = session.scalars(select(QuarantinedRecord)).one()
    assert problem in kept.errors[0]["problem"]
