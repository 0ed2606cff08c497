"""A synthetic city's year, loaded and vetted end to end: the messy identities it carries on
purpose are never merged silently, and every notification gets a decision."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from privacy import submitted
from sqlalchemy import func, select

from triage.history import features_for_episode, history_features
from triage.intake import LoadSummary, Outcome, load_file
from triage.settings import get_settings
from triage.store import Database, create_database
from triage.store.tables import (
    DecisionRecord,
    EpisodeRecord,
    NotificationVersion,
    PossibleMatch,
    QuarantinedRecord,
)
from triage.synth import generate_city, write_city
from triage.vetting import Vetter


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    city = generate_city(months=12, seed=7)
    submitted(city.records)
    return write_city(city, tmp_path_factory.mktemp("city"))


@pytest.fixture(scope="module")
def loaded(
    city: dict[str, Path], tmp_path_factory: pytest.TempPathFactory, engine
) -> Iterator[tuple[Database, LoadSummary]]:
    from triage.rules.book import Rulebook

    rules = Path(__file__).resolve().parent.parent / "rules"
    vetter = Vetter(Rulebook(engine, rules), home_authority="Birmingham")
    path = tmp_path_factory.mktemp("db") / "city.db"
    database = create_database(get_settings(database_url=f"sqlite:///{path}"))
    summary = load_file(database, city["notifications.jsonl"], vetter=vetter)
    yield database, summary
    database.dispose()


def truth(city: dict[str, Path]) -> dict[str, dict[str, str]]:
    with city["truth.csv"].open() as handle:
        return {row["police_reference"]: row for row in csv.DictReader(handle)}


def test_every_record_is_accounted_for(loaded, city) -> None:
    database, summary = loaded
    broken = sum(1 for row in truth(city).values() if row["invalid"] == "true")
    assert summary.counts[Outcome.REJECTED] == broken > 0
    with database.reading() as session:
        quarantined = session.scalar(select(func.count()).select_from(QuarantinedRecord))
    assert quarantined == broken
    with city["notifications.jsonl"].open() as handle:
        assert summary.total == sum(1 for _ in handle)


def test_no_two_true_children_are_ever_merged_silently(loaded, city) -> None:
    database, _ = loaded
    true_child = {ref: row["child_key"] for ref, row in truth(city).items()}
    with database.reading() as session:
        stored = session.execute(select(EpisodeRecord.police_reference, EpisodeRecord.child_id))
        children_of_record: dict[int, set[str]] = defaultdict(set)
        for reference, child_id in stored:
            children_of_record[child_id].add(true_child[reference])
    mixed = {record: kids for record, kids in children_of_record.items() if len(kids) > 1}
    assert mixed == {}


def test_every_child_split_by_messy_data_is_offered_as_a_possible_match(loaded, city) -> None:
    database, _ = loaded
    true_child = {ref: row["child_key"] for ref, row in truth(city).items()}
    with database.reading() as session:
        records_of: dict[str, set[int]] = defaultdict(set)
        for reference, child_id in session.execute(
            select(EpisodeRecord.police_reference, EpisodeRecord.child_id)
        ):
            records_of[true_child[reference]].add(child_id)
        links = {
            frozenset(pair)
            for pair in session.execute(select(PossibleMatch.child_id, PossibleMatch.candidate_id))
        }
    split = {child: records for child, records in records_of.items() if len(records) > 1}
    assert split, "the synthetic city should carry identity mess"
    for child, records in split.items():
        reached, frontier = {min(records)}, [min(records)]
        while frontier:
            here = frontier.pop()
            for link in links:
                if here in link:
                    (other,) = link - {here}
                    if other in records and other not in reached:
                        reached.add(other)
                        frontier.append(other)
        assert reached == records, child


def test_every_stored_version_has_a_decision(loaded) -> None:
    database, _ = loaded
    with database.reading() as session:
        versions = session.scalar(select(func.count()).select_from(NotificationVersion))
        decided = session.scalar(select(func.count(func.distinct(DecisionRecord.version_id))))
        levels = dict(
            session.execute(
                select(DecisionRecord.vetted_level, func.count()).group_by(
                    DecisionRecord.vetted_level
                )
            ).all()
        )
    assert decided == versions
    assert set(levels) == {"no_apparent_risk", "low", "medium", "high"}


def test_history_features_agree_in_batch_and_one_at_a_time_on_the_city(loaded) -> None:
    database, _ = loaded
    with database.reading() as session:
        batch = history_features(session)
        for episode_id in batch.index[::15]:
            single = features_for_episode(session, int(episode_id)).as_dict()
            expected = {
                k: list(v) if isinstance(v, tuple) else v
                for k, v in batch.loc[episode_id].to_dict().items()
            }
            expected["days_since_last_episode"] = (
                None
                if expected["days_since_last_episode"] != expected["days_since_last_episode"]
                else expected["days_since_last_episode"]
            )
            assert single == expected, episode_id


def test_revetting_the_city_as_of_its_end_follows_every_child_while_missing(loaded, engine) -> None:
    """Run last: it adds decisions to the shared city. As of the end of the year, every version
    that said a child was still missing is re-vetted at each threshold it passed before the
    next version arrived; each re-vet speaks for its moment and changes no earlier decision."""
    from datetime import UTC, datetime

    from triage.decisions.revet import revet_due
    from triage.rules.book import Rulebook

    database, _ = loaded
    rules = Path(__file__).resolve().parent.parent / "rules"
    vetter = Vetter(Rulebook(engine, rules), home_authority="Birmingham")
    thresholds = vetter.rulebook.current.hour_thresholds
    end = datetime(2026, 11, 1, tzinfo=UTC)
    with database.reading() as session:
        before = {d.id: (d.vetted_level, d.body) for d in session.scalars(select(DecisionRecord))}
    summary = revet_due(database, vetter, thresholds, as_of=end, now=end)
    assert summary.failed == 0 and summary.decided > 100
    assert set(summary.why) == {"still missing at 24 hours", "still missing at 72 hours"}
    assert summary.changes and all(c.after.rank > c.before.rank for c in summary.changes)
    assert revet_due(database, vetter, thresholds, as_of=end, now=end).decided == 0
    with database.reading() as session:
        after = {d.id: (d.vetted_level, d.body) for d in session.scalars(select(DecisionRecord))}
        revets = session.scalars(
            select(DecisionRecord).where(DecisionRecord.trigger.like("still_missing_%"))
        ).all()
        for decision in revets:
            version = session.get_one(NotificationVersion, decision.version_id)
            assert version.returned_at is None and version.sent_at < decision.as_of <= end
    assert {k: after[k] for k in before} == before
    assert len(after) - len(before) == summary.decided == len(revets)
