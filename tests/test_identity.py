"""Matching notifications to children: exact on identifiers, never a silent fuzzy merge."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from conftest import FrozenClock
from factories import notification
from triage.identity import service
from triage.identity.names import name_key, similarity
from triage.intake import ingest
from triage.notification import RawRecord
from triage.store import Database
from triage.store.tables import ChildRecord, EpisodeRecord, PossibleMatch

ANON = {"local_child_id": None, "police_person_id": None}


def submit(database: Database, clock: FrozenClock, **kwargs) -> int:
    payload = notification(**kwargs)
    receipt = ingest(database, RawRecord("t", 1, json.dumps(payload), payload), clock=clock)
    assert receipt.child_id is not None, receipt.errors
    return receipt.child_id


def open_matches(database: Database) -> list[PossibleMatch]:
    with database.reading() as session:
        return list(session.scalars(select(PossibleMatch).where(PossibleMatch.status == "open")))


def test_the_local_child_id_matches_first(database: Database, clock: FrozenClock) -> None:
    a = submit(database, clock, child={"local_child_id": "LC-100", "police_person_id": None})
    b = submit(
        database,
        clock,
        child={"local_child_id": "LC-100", "police_person_id": "WMP-P-7", "given_name": "Jayde"},
    )
    assert a == b


def test_the_police_person_id_matches_when_no_local_id_is_known(
    database: Database, clock: FrozenClock
) -> None:
    a = submit(database, clock, child={"police_person_id": "WMP-P-8"})
    b = submit(database, clock, child={"police_person_id": "WMP-P-8", "family_name": "Colins"})
    assert a == b


def test_a_new_identifier_learnt_on_one_notification_matches_the_next(
    database: Database, clock: FrozenClock
) -> None:
    a = submit(database, clock, child={"police_person_id": "WMP-P-9"})
    submit(database, clock, child={"police_person_id": "WMP-P-9", "local_child_id": "LC-9"})
    c = submit(
        database,
        clock,
        child={"local_child_id": "LC-9", "police_person_id": None, "given_name": "Zed"},
    )
    assert a == c


@pytest.mark.parametrize(
    ("given", "family"),
    [("JADE", "collins"), ("  Jade ", "Collins "), ("Jadé", "Collins")],
)
def test_name_and_date_of_birth_match_despite_case_spacing_and_accents(
    database: Database, clock: FrozenClock, given: str, family: str
) -> None:
    a = submit(database, clock, child=ANON)
    b = submit(database, clock, child={**ANON, "given_name": given, "family_name": family})
    assert a == b
    assert open_matches(database) == []


def test_a_hyphenated_surname_variant_shares_a_key() -> None:
    assert name_key("Mary-Jane", "O'Neil") == name_key("mary jane", "ONeil")


def test_a_typo_in_the_name_makes_a_possible_match_not_a_merge(
    database: Database, clock: FrozenClock
) -> None:
    a = submit(database, clock, child=ANON)
    b = submit(database, clock, child={**ANON, "given_name": "Jdae"})
    assert a != b
    [match] = open_matches(database)
    assert {match.child_id, match.candidate_id} == {a, b}
    assert "same date of birth" in match.reason


def test_swapped_day_and_month_of_birth_makes_a_possible_match(
    database: Database, clock: FrozenClock
) -> None:
    a = submit(database, clock, child=ANON)
    b = submit(database, clock, child={**ANON, "date_of_birth": "2011-02-05"})
    assert a != b
    [match] = open_matches(database)
    assert "day and month swapped" in match.reason


def test_a_different_child_born_the_same_day_is_left_alone(
    database: Database, clock: FrozenClock
) -> None:
    submit(database, clock, child=ANON)
    submit(
        database,
        clock,
        child={**ANON, "given_name": "Tyler", "family_name": "Okafor", "sex": "male"},
    )
    assert open_matches(database) == []


def test_an_identifier_already_held_by_another_child_is_raised_for_a_person(
    database: Database, clock: FrozenClock
) -> None:
    a = submit(database, clock, child={"local_child_id": "LC-1", "police_person_id": "WMP-P-1"})
    b = submit(
        database,
        clock,
        child={
            "local_child_id": "LC-2",
            "police_person_id": "WMP-P-1",
            "given_name": "Kai",
            "sex": "male",
        },
    )
    assert b != a  # the council's own id wins, the conflict is raised
    [match] = open_matches(database)
    assert "police person id is held by this other child" in match.reason


def test_an_identifier_match_with_a_different_name_is_noted_on_the_episode(
    database: Database, clock: FrozenClock
) -> None:
    submit(database, clock, child={"police_person_id": "WMP-P-30"}, reference="WMP-A")
    submit(
        database,
        clock,
        child={"police_person_id": "WMP-P-30", "given_name": "Marcus", "family_name": "Bell"},
        reference="WMP-B",
    )
    with database.reading() as session:
        note = session.scalar(
            select(EpisodeRecord.match_note).where(EpisodeRecord.police_reference == "WMP-B")
        )
    assert note is not None and "name differs" in note


def test_confirming_a_match_joins_the_two_histories(database: Database, clock: FrozenClock) -> None:
    a = submit(database, clock, child=ANON)
    b = submit(
        database, clock, child={**ANON, "given_name": "Jdae", "police_person_id": "WMP-P-50"}
    )
    [match] = open_matches(database)
    with database.transaction() as session:
        survivor = service.confirm(session, match.id, decided_by="mash.worker", now=clock.now)
    assert survivor == min(a, b)
    with database.reading() as session:
        owners = set(session.scalars(select(EpisodeRecord.child_id)))
        merged = session.get_one(ChildRecord, max(a, b))
    assert owners == {survivor}
    assert merged.merged_into_id == survivor
    # The identifier the merged record held now finds the surviving child.
    assert (
        submit(database, clock, child={"police_person_id": "WMP-P-50", "given_name": "X"})
        == survivor
    )


def test_rejecting_a_match_keeps_the_children_apart_and_it_cannot_be_decided_twice(
    database: Database, clock: FrozenClock
) -> None:
    submit(database, clock, child=ANON)
    submit(database, clock, child={**ANON, "given_name": "Jdae"})
    [match] = open_matches(database)
    with database.transaction() as session:
        service.reject(session, match.id, decided_by="mash.worker", now=clock.now)
    assert open_matches(database) == []
    with (
        pytest.raises(service.MatchDecisionError, match="already rejected"),
        database.transaction() as session,
    ):
        service.confirm(session, match.id, decided_by="someone", now=clock.now)


def test_similarity_weighs_both_names() -> None:
    same = name_key("Jade", "Collins")
    assert similarity(same, name_key("Jdae", "Collins")) >= 80
    assert similarity(same, name_key("Jade", "Okafor")) < 80


def test_confirming_matches_in_a_chain_keeps_every_episode_on_the_living_record(
    database: Database, clock: FrozenClock
) -> None:
    jade = submit(database, clock, child=ANON)
    jdae = submit(database, clock, child={**ANON, "given_name": "Jdae"})
    jdea = submit(database, clock, child={**ANON, "given_name": "Jdea"})
    matches = {frozenset((m.child_id, m.candidate_id)): m.id for m in open_matches(database)}
    with database.transaction() as session:
        service.confirm(session, matches[frozenset((jade, jdae))], decided_by="w", now=clock.now)
    with database.transaction() as session:
        survivor = service.confirm(
            session, matches[frozenset((jdae, jdea))], decided_by="w", now=clock.now
        )
    assert survivor == jade
    with database.reading() as session:
        assert set(session.scalars(select(EpisodeRecord.child_id))) == {jade}


def test_the_same_name_and_birthday_with_two_council_ids_is_asked_not_merged(
    database: Database, clock: FrozenClock
) -> None:
    first = submit(database, clock, child={"local_child_id": "LC-1", "police_person_id": None})
    second = submit(database, clock, child={"local_child_id": "LC-2", "police_person_id": None})
    assert first != second
    [match] = open_matches(database)
    assert "different council ids" in match.reason


@pytest.mark.postgres
def test_two_stores_sharing_a_database_never_wait_on_each_others_identity_locks(
    postgres_template: str | None,
) -> None:
    """Intake's advisory locks are the whole database's; each store's are its own."""
    from conftest import postgres_schema
    from triage.identity.directory import Directory
    from triage.notification import Notification
    from triage.settings import get_settings
    from triage.store import create_database

    child = Notification.model_validate(notification()).child
    with (
        postgres_schema(restore=postgres_template) as one,
        postgres_schema(restore=postgres_template) as other,
    ):
        first = create_database(get_settings(database_url=one))
        second = create_database(get_settings(database_url=other))
        try:
            with first.transaction() as holding:
                Directory(holding).lock([child])
                with second.transaction() as session:  # waits past its timeout if shared
                    Directory(session).lock([child])
        finally:
            first.dispose()
            second.dispose()
