"""Loading a file in chunks leaves exactly the store that taking it record by record leaves.

`triage load` reads a chunk's episodes, identities and history in a few set-based queries,
hands out row ids ahead, writes in batches and vets the chunk in one hop to the engine. None of
that may change an answer: the same children (and the same possible matches between them), the
same episodes, versions and decisions, the same quarantine entries, as `ingest` gives one record
at a time. And a chunk the store refuses is taken again one record at a time, so one bad record
never sinks the others.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from privacy import submitted
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from conftest import FrozenClock, postgres_schema
from triage.intake import Outcome, ingest, load_records
from triage.notification import RawRecord
from triage.notification.reader import raw_from_text
from triage.settings import Settings, get_settings
from triage.store import Database, create_database
from triage.store.tables import (
    ChildIdentifier,
    ChildRecord,
    DecisionRecord,
    EpisodeRecord,
    NotificationVersion,
    PossibleMatch,
    QuarantinedRecord,
    VettingFailure,
)
from triage.synth import generate_city
from triage.vetting import Vetter


@pytest.fixture(scope="module")
def city_records() -> list[str]:
    """A synthetic city's records as police sent them: new episodes, later versions, exact
    resubmissions, identities typed differently, and broken records."""
    city = generate_city(months=8, scale=0.5, seed=13)
    submitted(city.records)
    lines = [json.dumps(record) for record in city.records]
    return lines + lines[:40]  # a file sent again in part: unchanged, and rejected again


def records(lines: list[str]) -> list[RawRecord]:
    return [raw_from_text(line, source="city.jsonl", position=k) for k, line in enumerate(lines)]


@pytest.fixture
def twin(settings: Settings, tmp_path: Path) -> Iterator[Database]:
    """A second empty database on the same backend as `database`."""
    if settings.database_url.startswith("sqlite"):
        db = create_database(get_settings(database_url=f"sqlite:///{tmp_path / 'twin.db'}"))
        yield db
        db.dispose()
        return
    with postgres_schema() as url:
        db = create_database(get_settings(database_url=url))
        yield db
        db.dispose()


def snapshot(session: Session) -> dict[str, Any]:
    """The stored state by natural keys (police references, identities), not by row ids."""
    identifiers: dict[int, list[tuple[str, str]]] = {}
    for child, kind, value in session.execute(
        select(ChildIdentifier.child_id, ChildIdentifier.kind, ChildIdentifier.value)
    ):
        identifiers.setdefault(child, []).append((kind, value))
    children = {
        child.id: (
            child.name_key,
            str(child.date_of_birth),
            tuple(sorted(identifiers.get(child.id, []))),
        )
        for child in session.scalars(select(ChildRecord))
    }
    episodes = {
        e.police_reference: (
            children[e.child_id],
            e.match_method,
            e.match_note,
            e.version_count,
            e.sent_at,
            e.police_risk_grade,
            e.police_classification,
            e.last_seen_at,
            e.returned_at,
            tuple(e.indicators),
            tuple(sorted((c.kind, c.value) for c in e.companions)),
        )
        for e in session.scalars(select(EpisodeRecord))
    }
    reference = {
        e: ref
        for e, ref in session.execute(select(EpisodeRecord.id, EpisodeRecord.police_reference))
    }
    versions = {
        (reference[v.episode_id], v.version): (v.content_hash, v.sent_at, v.police_risk_grade)
        for v in session.scalars(select(NotificationVersion))
    }
    version_of = {
        v.id: (reference[v.episode_id], v.version)
        for v in session.scalars(select(NotificationVersion))
    }
    decisions = sorted(
        (
            version_of[d.version_id],
            d.as_of.isoformat(),
            d.vetted_level,
            d.team,
            d.trigger,
            json.dumps(d.body, sort_keys=True),
        )
        for d in session.scalars(select(DecisionRecord))
    )
    matches = sorted(
        (children[m.child_id], children[m.candidate_id], m.score, m.reason, m.status)
        for m in session.scalars(select(PossibleMatch))
    )
    quarantine = sorted(
        (q.position, q.raw_hash, json.dumps(q.errors, sort_keys=True), q.times_received, q.status)
        for q in session.scalars(select(QuarantinedRecord))
    )
    failures = session.scalars(select(VettingFailure)).all()
    return {
        "children": sorted(children.values()),
        "episodes": episodes,
        "versions": versions,
        "decisions": decisions,
        "matches": matches,
        "quarantine": quarantine,
        "failures": len(failures),
    }


def test_chunked_loading_stores_what_record_by_record_stores(
    database: Database, twin: Database, clock: FrozenClock, vetter: Vetter, city_records: list[str]
) -> None:
    one_by_one = [ingest(database, r, clock=clock, vetter=vetter) for r in records(city_records)]
    summary = load_records(twin, records(city_records), clock=clock, vetter=vetter, chunk=97)

    assert summary.total == len(one_by_one)
    for outcome in Outcome:
        assert summary.counts[outcome] == sum(1 for r in one_by_one if r.outcome is outcome)
    assert summary.counts[Outcome.UNCHANGED] > 0 and summary.counts[Outcome.REJECTED] > 0
    with database.reading() as a, twin.reading() as b:
        expected, got = snapshot(a), snapshot(b)
    assert expected["matches"], "the city should raise possible matches"
    for part in expected:
        assert got[part] == expected[part], part


def test_chunked_receipts_say_what_record_by_record_receipts_say(
    database: Database, twin: Database, clock: FrozenClock, vetter: Vetter, city_records: list[str]
) -> None:
    lines = city_records[:300]
    expected = [ingest(database, r, clock=clock, vetter=vetter) for r in records(lines)]
    got: list[Any] = []
    load_records(
        twin,
        records(lines),
        clock=clock,
        vetter=vetter,
        chunk=50,
        on_record=lambda _record, receipt: got.append(receipt),
    )

    def essentials(receipt: Any) -> tuple[Any, ...]:
        return (
            receipt.outcome,
            receipt.police_reference,
            receipt.version,
            receipt.match_method,
            receipt.possible_matches,
            receipt.vetted_level,
            receipt.vetting_failed,
            tuple(receipt.errors),
        )

    assert [essentials(r) for r in got] == [essentials(r) for r in expected]


def refuse_reference(database: Database, reference: str) -> None:
    """Make the database itself refuse one episode (as a constraint or a full disk would)."""
    with database.transaction() as session:
        if database.dialect == "postgresql":
            session.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.police_reference = '{reference}' THEN RAISE EXCEPTION 'refused'; "
                    "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            session.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON episodes "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )
        else:
            session.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON episodes "
                    f"WHEN NEW.police_reference = '{reference}' "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )


def test_a_chunk_the_store_refuses_is_taken_one_record_at_a_time(
    database: Database, clock: FrozenClock, vetter: Vetter, city_records: list[str]
) -> None:
    """The store refuses one record of a chunk: the chunk's batch fails, the chunk is taken
    again record by record, and only that record is quarantined, with the reason."""
    lines = city_records[:60]
    refused = json.loads(lines[10])["police_reference"]
    refuse_reference(database, refused)
    summary = load_records(database, records(lines), clock=clock, vetter=vetter, chunk=60)

    with database.reading() as session:
        stored = set(session.scalars(select(EpisodeRecord.police_reference)))
        kept = {q.position: q for q in session.scalars(select(QuarantinedRecord))}
    assert refused not in stored
    assert "could not be stored" in json.dumps(kept[10].errors)
    assert summary.total == 60
    assert summary.counts[Outcome.REJECTED] == len(kept)
    sent = {
        json.loads(line)["police_reference"]
        for k, line in enumerate(lines)
        if k not in kept and "police_reference" in json.loads(line)
    }
    assert sent - {refused} <= stored and len(stored) > 30
