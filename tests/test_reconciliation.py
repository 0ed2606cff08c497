"""Reconciliation of counts: the three-way match gives every difference its reason, extracts
keep their good lines and their bad ones, and the synthetic city's divergences are explained."""

from __future__ import annotations

import collections
import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from triage.identity.names import name_key
from triage.notification.fields import UK
from triage.reconciliation.extract import ExtractRefused, read_extract
from triage.reconciliation.match import (
    Difference,
    Episode,
    Identity,
    Recorded,
    differences,
    match,
)
from triage.reconciliation.reasons import Reason, Source
from triage.reconciliation.tolerances import load
from triage.reports.months import Month
from triage.synth import SyntheticCity, generate_city
from triage.synth.extracts import _police_episodes, extract

JUNE = Month(2026, 6)
TOLERANCES = load()


def at(day: int, hour: int = 12, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UK).astimezone(UTC)


def record(
    source: Source,
    key: str,
    child: str,
    started: datetime,
    *,
    hours: float = 30.0,
    kind: str = "missing",
    given: str = "Jade",
    family: str = "Collins",
    born: date = date(2011, 5, 2),
    local: str | None = None,
    **more: object,
) -> Recorded:
    return Recorded(
        source=source,
        key=key,
        child=child,
        identity=Identity(
            frozenset({local} if local else set()), frozenset({name_key(given, family)}), born
        ),
        kind=kind,
        started=started,
        ended=started + timedelta(hours=hours),
        **more,  # type: ignore[arg-type]
    )


def three(key: str, child: str, started: datetime, **kw: object) -> list[Recorded]:
    """The same episode in all three sources (a fostered child)."""
    return [
        record(Source.POLICE, f"P-{key}", child, started, fostered=True, **kw),  # type: ignore[arg-type]
        record(Source.CASE_RECORD, f"C-{key}", child, started, **kw),  # type: ignore[arg-type]
        record(Source.FOSTERING, f"F-{key}", child, started, **kw),  # type: ignore[arg-type]
    ]


P, C, F = Source.POLICE, Source.CASE_RECORD, Source.FOSTERING


def crafted() -> tuple[list[Recorded], dict[str, Reason]]:
    """A June in which every reason code happens once, beside episodes all sources agree on."""
    a = {"local": "BIR100", "given": "Amy", "family": "Lee", "born": date(2010, 1, 8)}
    b = {"local": "BIR200", "given": "Ben", "family": "Khan", "born": date(2011, 3, 4)}
    records = [*three("agreed", "a", at(1), **a)]
    # Off by four hours: within the tolerance, still one agreed episode.
    records += [record(P, "P-late", "a", at(3), **a), record(C, "C-late", "a", at(3, 16), **a)]
    # Identity: the case record has a typo in the family name and no id.
    records += [
        record(P, "P-ident", "b", at(5), **b),
        record(C, "C-ident", "b2", at(5, 13), given="Ben", family="Kahn", born=b["born"]),
    ]
    # Two police calls two hours apart about one episode; the case record has one.
    records += [
        record(P, "P-call1", "b", at(7), **b),
        record(P, "P-call2", "b", at(7, 14), **b),
        record(C, "C-call", "b", at(7), **b),
    ]
    # A care leaver, 18 since May, in the case record only.
    records += [
        record(C, "C-leaver", "l", at(9), local="BIR300", born=date(2008, 5, 1),
               legal_status="care_leaver"),
    ]  # fmt: skip
    # Placed here by another authority: police only.
    records += [record(P, "P-placed", "p", at(11), local="SAN1", placed_elsewhere=True)]
    # Recorded in May by the case record, June by police (last seen just after midnight).
    records += [
        record(P, "P-edge", "a", at(1, 1), hours=4, **a),
        record(C, "C-edge", "a", at(1, 1) - timedelta(hours=3), hours=4, **a),
    ]
    # Absent to police, missing to the case record.
    records += [
        record(P, "P-absent", "a", at(13), kind="absent", **a),
        record(C, "C-absent", "a", at(13), **a),
    ]
    # Away to the fostering service, missing to the others.
    agreed = three("away", "a", at(15), **a)
    agreed[2] = record(F, "F-away", "a", at(15), kind="away", **a)
    records += agreed
    # A short episode the case record never recorded.
    records += [record(P, "P-short", "a", at(17), hours=5, **a)]
    # A long episode the case record lacks, for no reason anyone can give.
    records += [record(P, "P-lost", "a", at(19), hours=40, **a)]
    expected = {
        "police:P-ident": Reason.IDENTITY_NOT_MATCHED,
        "case-record:C-ident": Reason.IDENTITY_NOT_MATCHED,
        "police:P-call2": Reason.DUPLICATE_POLICE_CALL,
        "case-record:C-leaver": Reason.OVER_18_OR_CARE_LEAVER,
        "police:P-placed": Reason.PLACED_FROM_ANOTHER_AREA,
        "police:P-edge": Reason.OUTSIDE_THE_PERIOD,
        "police:P-absent": Reason.ABSENT_VERSUS_MISSING,
        "police:P-away": Reason.AWAY_VERSUS_MISSING,
        "police:P-short": Reason.UNDER_24_HOURS,
        "police:P-lost": Reason.NO_REASON_FOUND,
    }
    return records, expected


def test_every_difference_in_a_crafted_month_gets_its_own_reason() -> None:
    records, expected = crafted()
    found = {d.key: d.reason for d in differences(match(records, TOLERANCES), JUNE, TOLERANCES)}
    assert found == expected
    assert set(found.values()) == set(Reason)


def test_an_episode_recorded_hours_apart_within_the_tolerance_is_one_episode() -> None:
    records, _ = crafted()
    episodes = {e.key: e for e in match(records, TOLERANCES)}
    assert set(episodes["police:P-late"].records) == {P, C}
    assert episodes["police:P-late"].records[C].key == "C-late"


def test_the_edge_episode_is_outside_the_period_for_may_too() -> None:
    records, _ = crafted()
    may = {
        d.key: d.reason for d in differences(match(records, TOLERANCES), JUNE.plus(-1), TOLERANCES)
    }
    assert may == {"police:P-edge": Reason.OUTSIDE_THE_PERIOD}


FOSTERING_HEADER = (
    "record_id,local_child_id,given_name,family_name,date_of_birth,category,started_at,ended_at\n"
)


def test_an_extract_with_bad_rows_keeps_the_good_ones_and_the_bad_ones_naming_row_and_field() -> (
    None
):
    text = FOSTERING_HEADER + (
        "F1,,Amy,Lee,2011-02-03,missing,2026-06-01T10:00,2026-06-01T20:00\n"
        "F2,,Amy,,2011-02-30,lost,2026-06-01T10:00,\n"
        "F3,BIR1,Amy,Lee,2011-02-03,away,2026-06-02T10:00,2026-06-01T20:00\n"
        "F4,BIR1,Amy,Lee,2011-02-03,away,2026-06-03T10:00,\n"
    )
    result = read_extract(Source.FOSTERING, text)
    assert [r.record_id for r in result.rows] == ["F1", "F4"]
    assert result.rows[0].started_at == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # UK summer time
    problems = {(r.row_number, e["field"]) for r in result.rejected for e in r.errors}
    assert problems == {
        (3, "family_name"), (3, "date_of_birth"), (3, "category"), (4, "ended_at"),
    }  # fmt: skip
    assert (
        result.rejected[0].cells["family_name"] == ""
        and result.rejected[0].cells["record_id"] == "F2"
    )


def test_a_file_that_is_not_the_extract_is_refused_naming_its_columns() -> None:
    with pytest.raises(ExtractRefused, match="missing legal_status"):
        read_extract(Source.CASE_RECORD, FOSTERING_HEADER)


def test_the_first_of_two_police_calls_keeps_the_extract_s_record_and_its_own_reason() -> None:
    b = {"local": "BIR200", "given": "Ben", "family": "Khan", "born": date(2011, 3, 4)}
    records = [
        # The case record wrote the time three hours late, nearer the second call's start.
        record(P, "P-first", "b", at(7), **b),
        record(P, "P-second", "b", at(7) + timedelta(minutes=40), **b),
        record(C, "C-late", "b", at(7) + timedelta(hours=3), **b),
        # An absence the case record never held, called in twice.
        record(P, "P-absent1", "b", at(9), kind="absent", **b),
        record(P, "P-absent2", "b", at(9, 13), kind="absent", **b),
    ]
    episodes = match(records, TOLERANCES)
    found = {d.key: d.reason for d in differences(episodes, JUNE, TOLERANCES)}
    assert found == {
        "police:P-second": Reason.DUPLICATE_POLICE_CALL,
        "police:P-absent1": Reason.ABSENT_VERSUS_MISSING,
        "police:P-absent2": Reason.DUPLICATE_POLICE_CALL,
    }
    [first] = [e for e in episodes if e.key == "police:P-first"]
    assert first.records[C].key == "C-late"


@dataclasses.dataclass(frozen=True)
class Drawn:
    """The seed-7 city's year as the match sees it, and the truth of its divergences."""

    city: SyntheticCity
    episodes: list[Episode]
    truth: dict[str, set[str]]  # a source's key for a record -> the reasons the generator gave

    def differences(self) -> list[Difference]:
        return [
            d for m in Month(2026, 10).last(12) for d in differences(self.episodes, m, TOLERANCES)
        ]

    def said(self, d: Difference) -> set[str]:
        return set().union(
            *(self.truth[f"{s.value}:{r.key}"] for s, r in d.episode.records.items())
        )


@pytest.fixture(scope="module")
def seed_7() -> Drawn:
    city = generate_city(months=12, seed=7)
    drawn = extract(city)
    records = []
    for p in _police_episodes(city):
        ids, names = p.known
        records.append(
            Recorded(P, p.reference, p.child.child_key,
                     Identity(ids, frozenset(n.rsplit("|", 1)[0] for n in names),
                              p.child.date_of_birth),
                     p.classification, p.started, p.ended, p.child.legal_status,
                     p.placed_elsewhere,
                     p.child.looked_after and p.child.placement_type == "foster_care")
        )  # fmt: skip
    for source, rows in ((C, drawn.case_record), (F, drawn.fostering)):
        for r in rows:
            ended = r["ended_at"]
            records.append(
                Recorded(source, r["record_id"], r["local_child_id"] or r["record_id"],
                         Identity(frozenset({r["local_child_id"]} - {""}),
                                  frozenset({name_key(r["given_name"], r["family_name"])}),
                                  date.fromisoformat(r["date_of_birth"])),
                         r["category"], _uk(r["started_at"]), _uk(ended) if ended else None,
                         r.get("legal_status") or None, False,
                         r.get("placement_type") == "foster_care")
            )  # fmt: skip
    truth: dict[str, set[str]] = collections.defaultdict(set)
    for row in drawn.truth:
        if row["police_reference"]:
            truth[f"police:{row['police_reference']}"].add(row["reason"])
        if row["record_id"]:
            truth[f"{row['source']}:{row['record_id']}"].add(row["reason"])
    return Drawn(city, match(records, TOLERANCES), truth)


def test_the_synthetic_city_explains_95_percent_of_differences_as_its_truth_says(
    seed_7: Drawn,
) -> None:
    total = specific = agreed = 0
    for d in seed_7.differences():
        total += 1
        specific += d.reason is not Reason.NO_REASON_FOUND
        agreed += d.reason.value in seed_7.said(d)
    assert total > 1000
    assert specific / total >= 0.95
    assert agreed / total >= 0.95


def test_the_synthetic_city_s_second_police_calls_are_found_as_duplicate_calls(
    seed_7: Drawn,
) -> None:
    seconds = {f"police:{t.police_reference}" for t in seed_7.city.truth if t.duplicate_of}
    assert len(seconds) > 10
    duplicates = [d for d in seed_7.differences() if d.reason is Reason.DUPLICATE_POLICE_CALL]
    # Each second call, and nothing else, is a duplicate call, and the truth says so.
    assert {d.key for d in duplicates} == seconds
    assert all(seed_7.said(d) == {"duplicate_police_call"} for d in duplicates)
    # The extracts hold the episode once, with the first call, never with the second.
    assert all(set(d.episode.records) == {P} for d in duplicates)


def _uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UK).astimezone(UTC)
