"""The synthetic city: calibrated to the published figures, valid against the contract, messy
where real notifications are messy, with a hidden truth that measures the service."""

from __future__ import annotations

import collections
import dataclasses
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

import triage.synth
from triage.errors import NotificationRejected
from triage.notification import parse_notification, read_records, to_csv_row
from triage.notification.fields import UK
from triage.notification.reader import csv_row
from triage.notification.vocabulary import CSE_INDICATORS, EXPLOITATION_INDICATORS, Indicator
from triage.synth import CalibrationRow, SyntheticCity, calibrate, generate_city, write_city
from triage.synth.mess import misspell, swapped
from triage.synth.names import name_key
from triage.synth.places import CITY_DISTRICTS
from triage.synth.risk import averaged_over_luck, earlier_flagged

CSE_CODES = {i.value for i in CSE_INDICATORS}
PLACEMENTS_IN_CARE = {
    "foster_care",
    "kinship_care",
    "residential_home",
    "semi_independent",
    "secure",
    "other",
}


@pytest.fixture(scope="module")
def city() -> SyntheticCity:
    return generate_city(seed=7)


def _truth_of(city: SyntheticCity) -> dict[str, Any]:
    return {t.police_reference: t for t in city.truth}


def _valid(city: SyntheticCity) -> list[dict[str, Any]]:
    invalid = {t.police_reference for t in city.truth if t.invalid}
    return [
        r for r in city.records if "police_reference" in r and r["police_reference"] not in invalid
    ]


def _latest(city: SyntheticCity) -> dict[str, dict[str, Any]]:
    """Each valid episode's latest notification."""
    return {r["police_reference"]: r for r in _valid(city)}


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_public_surface_is_what_callers_import() -> None:
    assert sorted(triage.synth.__all__) == [
        "CalibrationRow",
        "ChildTruth",
        "EpisodeTruth",
        "SyntheticCity",
        "calibrate",
        "generate_city",
        "write_city",
    ]


def test_same_seed_writes_identical_bytes(tmp_path: Path) -> None:
    first = write_city(generate_city(seed=3), tmp_path / "a")
    second = write_city(generate_city(seed=3), tmp_path / "b")
    assert set(first) == {
        "notifications.jsonl", "notifications.csv", "truth.csv", "children.csv",
        "case-record.csv", "fostering.csv", "extracts-truth.csv",
    }  # fmt: skip
    for name, path in first.items():
        assert path.read_bytes() == second[name].read_bytes(), name
        assert path.read_bytes().endswith(b"\n")


def test_different_seeds_make_different_cities() -> None:
    assert generate_city(seed=1).records != generate_city(seed=2).records


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_every_figure_is_within_15_percent_of_its_target(seed: int) -> None:
    rows = calibrate(generate_city(seed=seed))
    assert len(rows) >= 8
    missed = [r for r in rows if not r.within(0.15)]
    assert not missed, missed


def test_a_calibration_row_says_whether_it_is_within_tolerance() -> None:
    row = CalibrationRow("episodes a month", 200.0, 189.0, "source report, 2018")
    assert row.within()
    assert not row.within(0.05)


def test_monthly_targets_scale_with_the_city() -> None:
    rows = {r.figure: r for r in calibrate(generate_city(seed=5, scale=3, months=24))}
    assert rows["episodes a month"].target == pytest.approx(3 * 189)
    assert rows["episodes a month"].within(0.15)
    assert rows["children missing a month"].within(0.15)
    assert rows["share of looked-after children who went missing in the year"].within(0.15)


def test_every_valid_record_meets_the_contract(city: SyntheticCity) -> None:
    valid = _valid(city)
    assert len(valid) > 2000
    for record in valid:
        assert parse_notification(record).model_dump(mode="json") == record


def test_broken_records_are_rejected_with_named_fields(city: SyntheticCity) -> None:
    invalid = {t.police_reference: t for t in city.truth if t.invalid}
    broken = [
        r
        for r in city.records
        if r.get("police_reference", "") in invalid or "police_reference" not in r
    ]
    assert len(broken) == len(invalid)
    assert 0.002 * len(city.records) <= len(broken) <= 0.008 * len(city.records)
    for record in broken:
        reference = record.get("police_reference")
        expected = invalid[reference].broken_field if reference else "police_reference"
        with pytest.raises(NotificationRejected) as rejected:
            parse_notification(record)
        named = [e.field for e in rejected.value.errors]
        assert any(field.startswith(str(expected)) for field in named), (expected, named)
    assert len({t.broken_field for t in invalid.values()}) >= 4


def test_files_hold_the_same_records_as_the_city(city: SyntheticCity, tmp_path: Path) -> None:
    paths = write_city(city, tmp_path)
    lines = paths["notifications.jsonl"].read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == city.records

    rows = list(read_records(paths["notifications.csv"]))
    assert len(rows) == len(city.records)
    invalid = {t.police_reference for t in city.truth if t.invalid}
    for row, record in zip(rows, city.records, strict=True):
        if record.get("police_reference", "") in invalid or "police_reference" not in record:
            continue
        assert row.payload is not None
        assert parse_notification(row.payload).model_dump(mode="json") == record

    truth_rows = paths["truth.csv"].read_text(encoding="utf-8").splitlines()
    assert len(truth_rows) == len(city.truth) + 1
    assert truth_rows[0].startswith("police_reference,child_key,true_risk,outcome")
    children_rows = paths["children.csv"].read_text(encoding="utf-8").splitlines()
    assert len(children_rows) == len(city.children) + 1


def test_csv_cells_are_the_contracts_flattening(city: SyntheticCity) -> None:
    for record in _valid(city)[:500]:
        assert csv_row(record) == to_csv_row(parse_notification(record))


def test_identity_mess_is_present(city: SyntheticCity) -> None:
    truth = _truth_of(city)
    children = {c.child_key: c for c in city.children}
    typos = case_changes = date_swaps = no_local = no_police = 0
    for record in _valid(city):
        child = children[truth[record["police_reference"]].child_key]
        sent = record["child"]
        recorded = (sent["given_name"], sent["family_name"])
        if recorded != (child.given_name, child.family_name):
            if name_key(*recorded) == name_key(child.given_name, child.family_name):
                case_changes += 1
            else:
                typos += 1
        if sent["date_of_birth"] != child.date_of_birth.isoformat():
            assert sent["date_of_birth"] == swapped(child.date_of_birth).isoformat()
            date_swaps += 1
        no_local += sent["local_child_id"] is None
        no_police += sent["police_person_id"] is None
    n = len(_valid(city))
    assert 0.03 * n < typos < 0.2 * n
    assert case_changes > 0.01 * n
    assert 0 < date_swaps < 0.05 * n
    assert 0.3 * n < no_local < 0.8 * n
    assert 0.02 * n < no_police < 0.15 * n
    assert any(c.second_local_child_id for c in city.children)
    assert any(
        c.police_person_ids[0].startswith("WMP") and len(c.police_person_ids) > 1
        for c in city.children
    )


def test_no_two_true_children_share_name_and_birth_date(city: SyntheticCity) -> None:
    keys = [(name_key(c.given_name, c.family_name), c.date_of_birth) for c in city.children]
    assert len(keys) == len(set(keys))
    assert len({c.child_key for c in city.children}) == len(city.children)


def test_a_few_children_make_most_episodes(city: SyntheticCity) -> None:
    truth = _truth_of(city)
    counts = collections.Counter(truth[ref].child_key for ref in _latest(city))
    ranked = sorted(counts.values(), reverse=True)
    assert sum(ranked[: len(ranked) // 10]) > 0.4 * sum(ranked)
    assert ranked[-1] == 1


def test_children_are_school_age_teenagers_mostly(city: SyntheticCity) -> None:
    ages = np.array([parse_notification(r).age_at_report for r in _latest(city).values()])
    assert ages.max() < 18
    assert 0.03 < (ages < 12).mean() < 0.12
    assert ((ages >= 14) & (ages <= 16)).mean() > 0.45


def test_outcome_follows_true_risk(city: SyntheticCity) -> None:
    risk = np.array([t.true_risk for t in city.truth])
    outcome = np.array([t.outcome for t in city.truth])
    assert 0.10 < outcome.mean() < 0.20
    low, high = np.quantile(risk, [0.1, 0.9])
    assert outcome[risk >= high].mean() > 5 * max(outcome[risk <= low].mean(), 0.01)
    assert risk.min() >= 0 and risk.max() <= 1


def test_true_risk_depends_on_what_the_notification_shows(city: SyntheticCity) -> None:
    truth = _truth_of(city)
    flagged: list[float] = []
    plain: list[float] = []
    for reference, record in _latest(city).items():
        shows_exploitation = bool(CSE_CODES & set(record["episode"]["indicators"]))
        (flagged if shows_exploitation else plain).append(truth[reference].true_risk)
    assert np.mean(flagged) > 1.5 * np.mean(plain)


def test_true_risk_is_the_outcome_probability_with_the_luck_averaged_out() -> None:
    logit = np.array([-4.0, -2.0, -1.0, 0.0, 1.5, 3.0])
    draws = np.random.default_rng(0).standard_normal(400_000)
    by_sampling = [np.mean(1 / (1 + np.exp(-(x + 0.6 * draws)))) for x in logit]
    assert averaged_over_luck(logit, 0.6) == pytest.approx(by_sampling, abs=2e-3)
    assert averaged_over_luck(logit, 0.0) == pytest.approx(1 / (1 + np.exp(-logit)))
    # Luck pulls a probability towards a half, never past it, and keeps the order.
    averaged = averaged_over_luck(logit, 0.6)
    assert np.all(np.diff(averaged) > 0)
    assert np.all(np.abs(averaged - 0.5) < np.abs(1 / (1 + np.exp(-logit)) - 0.5) + 1e-12)


def test_earlier_flagged_episodes_are_counted_per_child_in_time_order() -> None:
    flag = np.array([True, False, True, True, False])
    child = np.array([1, 2, 1, 1, 2])
    seen = np.array([10, 5, 30, 20, 1])
    assert earlier_flagged(flag, child, seen).tolist() == [0, 0, 2, 1, 0]


def test_the_hidden_state_shows_through_the_notifications(city: SyntheticCity) -> None:
    truth = _truth_of(city)
    children = {c.child_key: c for c in city.children}
    codes = {i.value for i in EXPLOITATION_INDICATORS}
    needs = {"mental_health", "learning_disability", "self_harm_suicide_risk"}
    shows: dict[str, list[bool]] = collections.defaultdict(list)
    for reference, record in _latest(city).items():
        indicators = set(record["episode"]["indicators"])
        shows[truth[reference].exploitation].append(bool(codes & indicators))
        vulnerability = children[truth[reference].child_key].vulnerability
        if vulnerability > 1 or vulnerability < 0:
            shows["vulnerable" if vulnerability > 1 else "not"].append(bool(needs & indicators))
    assert min(np.mean(shows["cse"]), np.mean(shows["cce"])) > 5 * np.mean(shows["none"])
    assert np.mean(shows["vulnerable"]) > 3 * np.mean(shows["not"])


def test_updates_share_a_police_reference_and_come_later(city: SyntheticCity) -> None:
    versions: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for record in _valid(city):
        if record not in versions[record["police_reference"]]:
            versions[record["police_reference"]].append(record)
    updated = [v for v in versions.values() if len(v) > 1]
    assert 0.15 * len(versions) < len(updated) < 0.5 * len(versions)
    for first, later in updated:
        assert first["episode"]["returned_at"] is None
        assert later["episode"]["returned_at"] is not None
        assert _moment(later["sent_at"]) > _moment(first["sent_at"])
        assert first["child"] == later["child"]
    still_open = [v[-1] for v in versions.values() if v[-1]["episode"]["returned_at"] is None]
    assert 0 < len(still_open) < 0.02 * len(versions)


def test_some_notifications_are_resent_unchanged(city: SyntheticCity) -> None:
    texts = collections.Counter(json.dumps(r, sort_keys=True) for r in city.records)
    resent = sum(count - 1 for count in texts.values())
    assert 0.002 * len(city.records) < resent < 0.03 * len(city.records)


def test_a_few_episodes_are_called_in_twice_under_two_references(city: SyntheticCity) -> None:
    truth = _truth_of(city)
    seconds = {t.police_reference: t for t in city.truth if t.duplicate_of}
    episodes = [t for t in city.truth if not t.duplicate_of]
    assert 0.007 * len(episodes) < len(seconds) < 0.013 * len(episodes)
    latest = _latest(city)
    for reference, second in seconds.items():
        first = truth[second.duplicate_of]
        assert reference != first.police_reference and not first.duplicate_of
        # The same episode's truth: one child, one risk, one outcome.
        assert (second.child_key, second.true_risk, second.outcome) == (
            first.child_key, first.true_risk, first.outcome,
        )  # fmt: skip
        a, b = latest[first.police_reference], latest[reference]
        after = _moment(b["episode"]["reported_at"]) - _moment(a["episode"]["reported_at"])
        assert 0.5 <= after.total_seconds() / 3600 <= 2.5
        later = _moment(b["episode"]["last_seen_at"]) - _moment(a["episode"]["last_seen_at"])
        assert 0 < later.total_seconds() / 3600 < 1  # within the match's duplicate_call_hours
        assert b["episode"]["returned_at"] == a["episode"]["returned_at"]
        assert b["episode"]["circumstances"] == a["episode"]["circumstances"]
    same_person = [
        latest[r]["child"] == latest[t.duplicate_of]["child"]
        for r, t in seconds.items()
        if latest[r]["force"] == latest[t.duplicate_of]["force"]
    ]
    assert same_person and all(same_person)
    # Calibration counts each episode once: a second call is not another episode.
    with_seconds = {r.figure: r.generated for r in calibrate(city)}
    without = dataclasses.replace(
        city,
        records=[r for r in city.records if r.get("police_reference") not in seconds],
        truth=episodes,
    )
    assert {r.figure: r.generated for r in calibrate(without)} == with_seconds


def test_records_arrive_in_order_sent_and_inside_the_window(city: SyntheticCity) -> None:
    start = datetime(2025, 11, 1, tzinfo=UK)
    end = datetime(2026, 11, 1, tzinfo=UK)
    first_seen: dict[str, datetime] = {}
    for record in _valid(city):
        sent = _moment(record["sent_at"])
        first_seen.setdefault(record["police_reference"], sent)
        episode = record["episode"]
        assert start <= _moment(episode["last_seen_at"]) <= _moment(episode["reported_at"])
        assert _moment(episode["reported_at"]) <= sent < end
        if episode["returned_at"]:
            assert _moment(episode["returned_at"]) < end
    firsts = list(first_seen.values())
    assert firsts == sorted(firsts)


def test_episodes_last_hours_with_a_long_tail(city: SyntheticCity) -> None:
    hours = np.array(
        [
            (
                _moment(r["episode"]["returned_at"]) - _moment(r["episode"]["last_seen_at"])
            ).total_seconds()
            / 3600
            for r in _latest(city).values()
            if r["episode"]["returned_at"]
        ]
    )
    assert 3 < np.median(hours) < 12
    assert 0.05 < (hours > 24).mean() < 0.25
    assert 0 < (hours > 72).mean() < 0.05


def test_looked_after_children_are_placed_consistently(city: SyntheticCity) -> None:
    placed_out = placed_in = 0
    for record in _valid(city):
        child = record["child"]
        if child["legal_status"] == "looked_after":
            assert child["placement_type"] in PLACEMENTS_IN_CARE
            assert child["responsible_authority"]
            district = (child["placement_postcode"] or "B1 1AA").split()[0]
            if child["responsible_authority"] == "Birmingham" and district not in CITY_DISTRICTS:
                placed_out += 1
            if child["responsible_authority"] != "Birmingham":
                assert district in CITY_DISTRICTS
                placed_in += 1
        else:
            assert child["placement_type"] in {"with_family", None}
            assert child["responsible_authority"] is None
            assert child["placement_postcode"] is None
    assert placed_out > 0
    assert placed_in > 0
    forces = collections.Counter(r["force"] for r in _valid(city))
    assert len(forces) > 1 and forces.most_common(1)[0][0] == "West Midlands Police"


def test_exploited_children_show_clusters_of_indicators(city: SyntheticCity) -> None:
    truth = _truth_of(city)
    shares: dict[str, list[bool]] = collections.defaultdict(list)
    together = alone = 0
    for reference, record in _latest(city).items():
        ticked = set(record["episode"]["indicators"])
        shares[truth[reference].exploitation].append(bool(CSE_CODES & ticked))
        if Indicator.VEHICLE_UNKNOWN_ADULT.value in ticked:
            if (CSE_CODES - {Indicator.VEHICLE_UNKNOWN_ADULT.value}) & ticked:
                together += 1
            else:
                alone += 1
    assert np.mean(shares["cse"]) > 5 * np.mean(shares["none"])
    assert together > 0.4 * (together + alone)


def test_circumstances_mention_words_police_did_not_tick(city: SyntheticCity) -> None:
    hints = ("taxi", "hotel", "older man", "new phone")
    unticked = [
        r
        for r in _latest(city).values()
        if any(h in r["episode"]["circumstances"].lower() for h in hints)
        and not CSE_CODES & set(r["episode"]["indicators"])
    ]
    assert len(unticked) > 20


def test_some_children_go_missing_together(city: SyntheticCity) -> None:
    truth = _truth_of(city)
    owner: dict[str, str] = {}
    for child in city.children:
        for identifier in (*child.police_person_ids, child.local_child_id):
            owner[identifier] = child.child_key
    latest = _latest(city)
    with_companions = [r for r in latest.values() if r["episode"]["companions"]]
    assert 0.03 * len(latest) < len(with_companions) < 0.25 * len(latest)
    for record in with_companions:
        me = truth[record["police_reference"]].child_key
        for companion in record["episode"]["companions"]:
            identifier = companion["police_person_id"] or companion["local_child_id"]
            assert owner[identifier] != me


def test_police_grades_are_noisy_and_absence_hides_risk(city: SyntheticCity) -> None:
    truth = _truth_of(city)
    latest = _latest(city)
    grades = collections.Counter(r["police_risk_grade"] for r in latest.values())
    assert 0.04 < grades["high"] / len(latest) < 0.09
    risky_absent = [
        ref
        for ref, r in latest.items()
        if r["police_classification"] == "absent" and truth[ref].true_risk > 0.3
    ]
    assert len(risky_absent) > 10


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["Jessica", "Hussain", "O'Connor", "Smith-Jones", "Amy", "Leah"]),
    st.integers(0, 2**32 - 1),
)
def test_a_misspelling_keeps_the_first_letter_and_changes_little(name: str, seed: int) -> None:
    wrong = misspell(np.random.default_rng(seed), name)
    if len(name) < 4:
        assert wrong == name
    else:
        assert wrong != name and wrong[0] == name[0]
        assert Levenshtein.distance(wrong, name) <= 2


def test_a_date_swap_only_happens_where_the_day_could_be_a_month() -> None:
    assert swapped(date(2011, 3, 7)) == date(2011, 7, 3)
    assert swapped(date(2011, 3, 17)) == date(2011, 3, 17)


def test_nonsense_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="months"):
        generate_city(months=0)
    with pytest.raises(ValueError, match="scale"):
        generate_city(scale=0)


def test_the_window_is_the_one_asked_for() -> None:
    city = generate_city(seed=11, start=date(2020, 3, 1), months=2)
    assert (city.start, city.months, city.seed) == (date(2020, 3, 1), 2, 11)
    start, end = datetime(2020, 3, 1, tzinfo=UK), datetime(2020, 5, 1, tzinfo=UK)
    assert all(start <= _moment(r["sent_at"]) < end for r in _valid(city))
