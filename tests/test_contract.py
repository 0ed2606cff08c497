"""The notification contract: what is accepted, what is refused, and in what words."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import DELETE, changed, notification
from triage.errors import NotificationRejected
from triage.notification import Notification, parse_notification, read_records, to_csv_row
from triage.notification import schema as contract
from triage.notification.reader import CSV_COLUMNS
from triage.notification.vocabulary import Indicator, LegalStatus, RiskGrade


def errors_of(payload: dict) -> dict[str, str]:
    with pytest.raises(NotificationRejected) as caught:
        parse_notification(payload)
    return {e.field: e.problem for e in caught.value.errors}


def test_a_complete_notification_is_accepted() -> None:
    n = parse_notification(notification())
    assert n.police_risk_grade is RiskGrade.MEDIUM
    assert n.child.legal_status is LegalStatus.LOOKED_AFTER
    assert n.episode.indicators == [Indicator.VEHICLE_UNKNOWN_ADULT]


def local(day: str) -> dict:
    """A notification whose times are written as UK wall-clock times, without an offset."""
    return changed(
        notification(),
        **{
            "sent_at": f"{day}T22:00",
            "episode.reported_at": f"{day}T21:30",
            "episode.last_seen_at": f"{day}T18:00",
            "episode.returned_at": None,
            "episode.return_location": None,
        },
    )


def test_uk_local_times_are_stored_in_utc_across_summer_time() -> None:
    winter = parse_notification(local("2026-01-10"))
    summer = parse_notification(local("2026-07-10"))
    assert winter.episode.reported_at == datetime(2026, 1, 10, 21, 30, tzinfo=UTC)
    assert summer.episode.reported_at == datetime(2026, 7, 10, 20, 30, tzinfo=UTC)


def test_a_time_with_an_offset_is_taken_as_given() -> None:
    n = parse_notification(notification(sent_at="2026-03-15T01:00:00+01:00"))
    assert n.sent_at == datetime(2026, 3, 15, 0, 0, tzinfo=UTC)


def test_uk_day_first_dates_and_loose_codes_are_understood() -> None:
    n = parse_notification(
        changed(
            notification(),
            **{
                "child.date_of_birth": "02/05/2011",
                "police_risk_grade": "No apparent risk",
                "child.legal_status": "Looked-After",
                "child.home_postcode": "b236tj",
            },
        )
    )
    assert n.child.date_of_birth.isoformat() == "2011-05-02"
    assert n.police_risk_grade is RiskGrade.NO_APPARENT_RISK
    assert n.child.home_postcode == "B23 6TJ"


def test_a_date_of_birth_in_the_future_is_refused() -> None:
    errors = errors_of(changed(notification(), **{"child.date_of_birth": "2027-01-01"}))
    assert "in the future" in errors["child.date_of_birth"]


def test_a_person_of_18_or_over_at_the_report_is_refused() -> None:
    errors = errors_of(changed(notification(), **{"child.date_of_birth": "2008-03-14"}))
    assert "18" in errors["child.date_of_birth"]
    assert "only children" in errors["child.date_of_birth"]


def test_a_child_a_day_short_of_18_is_accepted() -> None:
    parse_notification(changed(notification(), **{"child.date_of_birth": "2008-03-15"}))


def test_returned_before_last_seen_is_refused() -> None:
    payload = notification(missing_hours=2, returned_after_hours=-1)
    errors = errors_of(payload)
    assert "before last seen" in errors["episode.returned_at"]


def test_an_unknown_indicator_code_names_the_nearest_known_one() -> None:
    errors = errors_of(changed(notification(), **{"episode.indicators": ["drugs", "wepon"]}))
    assert errors["episode.indicators[1]"] == "unknown code 'wepon'; did you mean 'weapon'?"


def test_an_unknown_code_far_from_any_lists_the_known_ones() -> None:
    errors = errors_of(changed(notification(), police_classification="gone"))
    assert "known codes are missing, absent" in errors["police_classification"]


@pytest.mark.parametrize(
    "path", ["police_reference", "child.date_of_birth", "episode.last_seen_at"]
)
def test_a_missing_required_field_is_named(path: str) -> None:
    errors = errors_of(changed(notification(), **{path: DELETE}))
    assert errors == {path: "required field is missing"}


def test_an_unparseable_date_is_named_with_what_was_expected() -> None:
    errors = errors_of(
        changed(
            notification(),
            **{"child.date_of_birth": "31/13/2011", "episode.reported_at": "last Tuesday"},
        )
    )
    assert errors["child.date_of_birth"] == "not a real date: '31/13/2011'"
    assert errors["episode.reported_at"].startswith(
        "not a date and time: 'last Tuesday' (expected ISO 8601"
    )


def test_a_field_outside_the_contract_is_named() -> None:
    errors = errors_of(changed(notification(), **{"child.nickname": "JJ"}))
    assert errors == {"child.nickname": "unknown field: not part of the notification contract"}


def test_a_companion_needs_an_identifier() -> None:
    errors = errors_of(changed(notification(), **{"episode.companions": [{}]}))
    assert "police_person_id or a local_child_id" in errors["episode.companions[0]"]


def test_a_bad_postcode_is_named() -> None:
    errors = errors_of(changed(notification(), **{"child.home_postcode": "not a postcode"}))
    assert errors["child.home_postcode"] == "not a UK postcode: 'not a postcode'"


def test_json_lines_and_csv_read_to_the_same_notifications(tmp_path: Path) -> None:
    payloads = [
        notification(
            episode={
                "companions": [{"police_person_id": "WMP-P-1"}],
                "indicators": ["drugs", "weapon"],
            }
        ),
        notification(
            returned_after_hours=None, child={"local_child_id": "LC-1", "police_person_id": None}
        ),
    ]
    jsonl = tmp_path / "batch.jsonl"
    jsonl.write_text("".join(json.dumps(p) + "\n" for p in payloads))
    csv_path = tmp_path / "batch.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for p in payloads:
            writer.writerow(to_csv_row(parse_notification(p)))
    from_json = [parse_notification(r.payload) for r in read_records(jsonl)]
    from_csv = [parse_notification(r.payload) for r in read_records(csv_path)]
    assert from_json == from_csv
    assert len(from_json) == 2


def test_unreadable_lines_are_reported_not_skipped(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps(notification()) + "\n{not json\n[1, 2]\n")
    records = list(read_records(path))
    assert [r.position for r in records] == [1, 2, 3]
    assert records[1].read_error is not None and "not valid JSON" in records[1].read_error.problem
    assert records[2].read_error is not None and "JSON object" in records[2].read_error.problem


def test_the_published_schema_and_contract_page_are_current() -> None:
    root = Path(__file__).resolve().parent.parent
    assert (root / contract.SCHEMA_PATH).read_text() == contract.schema_text()
    assert (root / contract.CONTRACT_PAGE).read_text() == contract.contract_page()


def test_every_field_is_documented() -> None:
    page = contract.contract_page()
    for column in CSV_COLUMNS:
        assert f"`{column}`" in page
    schema = Notification.model_json_schema()
    assert schema["properties"]["police_reference"]["description"]


# --- round trips -------------------------------------------------------------------------------

names = st.text(
    alphabet=st.characters(categories=("L",), max_codepoint=0x17F), min_size=1, max_size=20
)
# Any text a person could write: every character but control characters (refused, see below)
# and lone surrogates (not text at all).
TEXT = st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from("\t\n")
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@st.composite
def notifications(draw: st.DrawFn) -> Notification:
    reported = draw(moments)
    from datetime import timedelta

    last_seen = reported - timedelta(minutes=draw(st.integers(0, 72 * 60)))
    back = draw(st.one_of(st.none(), st.integers(0, 200 * 60)))
    age_days = draw(st.integers(1, 17 * 365))
    payload = notification(
        child={
            "given_name": draw(names).strip() or "A",
            "family_name": draw(names).strip() or "B",
            "date_of_birth": (reported.date() - timedelta(days=age_days)).isoformat(),
            "legal_status": draw(st.sampled_from(list(LegalStatus))).value,
        },
        episode={
            "reported_at": reported.isoformat(),
            "last_seen_at": last_seen.isoformat(),
            "returned_at": None
            if back is None
            else (last_seen + timedelta(minutes=back)).isoformat(),
            "return_location": None,
            "circumstances": draw(st.text(TEXT, max_size=80)).strip(),
            "indicators": [
                i.value
                for i in draw(st.lists(st.sampled_from(list(Indicator)), max_size=4, unique=True))
            ],
            "companions": [
                {"police_person_id": f"P{k}"}
                for k in draw(st.lists(st.integers(1, 99), max_size=2, unique=True))
            ],
        },
        sent_at=(
            max(reported, last_seen + timedelta(minutes=back or 0))
            + timedelta(minutes=draw(st.integers(0, 600)))
        ).isoformat(),
        police_risk_grade=draw(st.sampled_from(list(RiskGrade))).value,
    )
    return parse_notification(payload)


@settings(max_examples=60, deadline=None)
@given(notifications())
def test_a_notification_survives_a_json_round_trip(n: Notification) -> None:
    assert parse_notification(json.loads(n.model_dump_json())) == n


@settings(max_examples=60, deadline=None)
@given(notifications())
def test_a_notification_survives_a_csv_round_trip(n: Notification) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerow(to_csv_row(n))
    row = next(csv.DictReader(io.StringIO(buffer.getvalue())))
    from triage.notification.reader import from_csv_row

    assert parse_notification(from_csv_row(row)) == n


def test_an_identifier_with_spaces_is_named_plainly() -> None:
    errors = errors_of(changed(notification(), **{"child.police_person_id": "P 12"}))
    assert errors["child.police_person_id"].startswith("not a valid identifier: 'P 12'")


def test_a_nul_or_control_character_is_refused_naming_the_field() -> None:
    payload = notification(
        child={"given_name": "Jade\x00"}, episode={"circumstances": "Left \x1b[31mat night"}
    )
    with pytest.raises(NotificationRejected) as refused:
        parse_notification(payload)
    assert [(e.field, e.problem) for e in refused.value.errors] == [
        ("child.given_name", "contains a NUL character; remove it"),
        ("episode.circumstances", "contains a control character (U+001B); remove it"),
    ]
