"""Reconciliation in the store (SQLite and PostgreSQL): extracts imported with their bad lines
kept and replayable, the same file imported once, a crafted June whose every reason code is
known reported as such, discrepancies given owners and statuses (audited, history kept), and
the page shown to admins and analysts only."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from factories import notification
from test_pages import _csrf
from triage.cli import app, common
from triage.errors import Conflict, Refused
from triage.http.deps import SESSION_COOKIE
from triage.intake.service import submit
from triage.notification.fields import UK
from triage.notification.reader import RawRecord
from triage.reconciliation import discrepancies as listing
from triage.reconciliation import imports, runs
from triage.reconciliation.reasons import Reason, Source, Status
from triage.reconciliation.tables import (
    Discrepancy,
    DiscrepancyUpdate,
    ExtractImport,
    ExtractRecord,
    ExtractRejectedRow,
)
from triage.reports.months import Month
from triage.store import Database
from triage.store.tables import AuditEvent, UserRecord

JUNE = Month(2026, 6)
NOW = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)
CASE = [
    "record_id", "local_child_id", "given_name", "family_name", "date_of_birth",
    "legal_status", "placement_type", "responsible_authority", "category", "started_at",
    "ended_at",
]  # fmt: skip
FOSTER = [
    "record_id", "local_child_id", "given_name", "family_name", "date_of_birth", "category",
    "started_at", "ended_at",
]  # fmt: skip
# Children: (police person id, local id, given, family, born, placement, authority).
A = ("WMP-P-1", "BIR100", "Amy", "Lee", "2010-01-08", "residential_home", "Birmingham")
B = ("WMP-P-2", "BIR200", "Ben", "Khan", "2011-03-04", "residential_home", "Birmingham")
F = ("WMP-P-4", "BIR400", "Fay", "Ross", "2012-07-09", "foster_care", "Birmingham")
S = ("WMP-P-5", "SAN1", "Sid", "Vale", "2011-11-11", "residential_home", "Sandwell")


def at(day: int, hour: int = 12, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UK)


def local(moment: datetime) -> str:
    return moment.astimezone(UK).strftime("%Y-%m-%dT%H:%M")


def police(session, reference: str, child: tuple, seen: datetime, hours: float = 30, **kw) -> None:  # type: ignore[no-untyped-def]
    person, local_id, given, family, born, placement, authority = child
    payload = notification(
        reference=reference,
        reported=seen + timedelta(hours=1),
        missing_hours=1,
        returned_after_hours=hours,
        child={
            "police_person_id": person, "local_child_id": local_id, "given_name": given,
            "family_name": family, "date_of_birth": born, "placement_type": placement,
            "responsible_authority": authority,
        },
        **kw,
    )  # fmt: skip
    receipt = submit(session, RawRecord("t", 1, json.dumps(payload), payload), now=NOW)
    assert receipt.episode_id is not None, receipt.errors


def case(key: str, child: tuple, seen: datetime, hours: float = 30, **cells: str) -> dict:
    _, local_id, given, family, born, placement, authority = child
    row = {
        "record_id": key, "local_child_id": local_id, "given_name": given,
        "family_name": family, "date_of_birth": born, "legal_status": "looked_after",
        "placement_type": placement, "responsible_authority": authority,
        "category": "missing", "started_at": local(seen),
        "ended_at": local(seen + timedelta(hours=hours)),
    }  # fmt: skip
    return row | cells


def csv_of(columns: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


EXPECTED = {
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


def user(session, role: str = "analyst", name: str = "dm") -> UserRecord:  # type: ignore[no-untyped-def]
    found = session.scalar(select(UserRecord).where(UserRecord.username == name))
    if found is not None:
        return found
    made = UserRecord(
        username=name, display_name="Dee Manager", role=role, password_hash="x", active=True,
        created_at=NOW,
    )  # fmt: skip
    session.add(made)
    session.flush()
    return made


@pytest.fixture
def june(database: Database) -> Database:
    """A June in which every reason code happens once (the police feed stored, both extracts
    imported), beside episodes the sources agree on."""
    with database.transaction() as session:
        police(session, "P-agreed", A, at(1))
        police(session, "P-late", A, at(3))
        police(session, "P-ident", B, at(5))
        police(session, "P-call1", B, at(7))
        police(session, "P-call2", B, at(7, 14))
        police(session, "P-placed", S, at(11))
        police(session, "P-edge", A, at(1, 1), hours=4)
        police(session, "P-absent", A, at(13), police_classification="absent")
        police(session, "P-away", F, at(15))
        police(session, "P-short", A, at(17), hours=5)
        police(session, "P-lost", A, at(19), hours=40)
        rows = [
            case("C-agreed", A, at(1)),
            case("C-late", A, at(3, 16)),
            case("C-ident", B, at(5, 13), local_child_id="BIR201", family_name="Kahn"),
            case("C-call", B, at(7)),
            case("C-leaver", A, at(9), local_child_id="BIR300", date_of_birth="2008-05-01",
                 legal_status="care_leaver", given_name="Lia"),
            case("C-edge", A, at(1, 1) - timedelta(hours=3), hours=4),
            case("C-absent", A, at(13)),
            case("C-away", F, at(15)),
        ]  # fmt: skip
        who = user(session)
        imports.import_extract(
            session, Source.CASE_RECORD, csv_of(CASE, rows), file_name="c.csv", by=who, now=NOW
        )
        fostering = [case("F-away", F, at(15), category="away")]
        imports.import_extract(
            session, Source.FOSTERING, csv_of(FOSTER, fostering), file_name="f.csv", by=who,
            now=NOW,
        )  # fmt: skip
    return database


def _sign_in(client: TestClient, database: Database, username: str) -> None:
    """Signed in as `username` (the page's cookie holds the API's token; signing in through
    the form is tested elsewhere, and hashing passwords is slow on purpose)."""
    services = client.app.state.services  # type: ignore[attr-defined]
    with database.reading() as session:
        found = session.scalars(select(UserRecord).where(UserRecord.username == username)).one()
        issued = services.tokens.issue(user_id=found.id, role=found.role, now=services.clock())
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, issued)


def reconcile(session) -> runs.ReconciliationRun:  # type: ignore[no-untyped-def]
    return runs.reconcile(session, JUNE, by=None, now=NOW, home_authority="Birmingham")


def test_the_report_counts_a_crafted_june_by_source_and_gives_each_difference_its_reason(
    june: Database,
) -> None:
    with june.transaction() as session:
        run = reconcile(session)
        found = {d.episode_key: Reason(d.reason) for d in runs.rows_of(session, run)}
        summary = runs.summary_of(session, run)
    assert found == EXPECTED
    assert summary.per_source == {Source.POLICE: 11, Source.CASE_RECORD: 7, Source.FOSTERING: 1}
    assert (summary.agreed, summary.differences, summary.explained) == (3, 10, 9)
    by_reason = {line.reason: line.differences for line in summary.reasons}
    assert by_reason == {r: 2 if r is Reason.IDENTITY_NOT_MATCHED else 1 for r in Reason}
    held = next(line for line in summary.reasons if line.reason is Reason.AWAY_VERSUS_MISSING)
    assert held.held_by == {Source.POLICE: 1, Source.CASE_RECORD: 1, Source.FOSTERING: 1}


def test_an_extract_with_bad_rows_keeps_the_good_and_the_bad_naming_row_and_field(
    database: Database,
) -> None:
    rows = [
        case("C1", A, at(1)),
        case("C2", A, at(2), date_of_birth="2010-02-30", category="lost"),
        case("C3", A, at(3)),
    ]
    with database.transaction() as session:
        done = imports.import_extract(
            session, Source.CASE_RECORD, csv_of(CASE, rows), file_name="c.csv", by=user(session),
            now=NOW,
        )  # fmt: skip
    assert (done.record.rows_read, done.record.rows_kept, done.record.rows_rejected) == (3, 2, 1)
    with database.reading() as session:
        kept = session.scalars(select(ExtractRecord.record_id).order_by(ExtractRecord.id)).all()
        [bad] = session.scalars(select(ExtractRejectedRow)).all()
        assert kept == ["C1", "C3"]
        assert bad.row_number == 3 and bad.status == "open"
        assert {e["field"] for e in bad.errors} == {"date_of_birth", "category"}
        assert bad.raw.startswith("C2,BIR100,Amy,Lee,2010-02-30,")


def test_a_refused_line_replayed_after_a_fix_becomes_a_record_and_a_bad_fix_is_kept_again(
    database: Database,
) -> None:
    rows = [case("C2", A, at(2), date_of_birth="2010-02-30", category="lost")]
    with database.transaction() as session:
        who = user(session)
        imports.import_extract(
            session, Source.CASE_RECORD, csv_of(CASE, rows), file_name="c.csv", by=who, now=NOW
        )
        [first] = imports.list_rejected(session)[0]
        with pytest.raises(Refused, match="colour"):
            imports.replay(session, first.id, {"colour": "red"}, by=who, now=NOW)
        again = imports.replay(session, first.id, {"category": "missing"}, by=who, now=NOW)
        assert again.record is None and again.again is not None
        assert [e["field"] for e in again.again.errors] == ["date_of_birth"]
        assert first.status == "superseded" and again.again.replay_of_id == first.id
        with pytest.raises(Conflict, match="superseded"):
            imports.replay(session, first.id, {"date_of_birth": "2010-02-03"}, by=who, now=NOW)
        fixed = imports.replay(
            session, again.again.id, {"date_of_birth": "2010-02-03"}, by=who, now=NOW
        )
        assert fixed.record is not None and fixed.record.record_id == "C2"
        assert fixed.record.row_number == 2 and fixed.record.category == "missing"
        assert fixed.entry.status == "replayed" and fixed.entry.replayed_as_id == fixed.record.id
        assert imports.list_rejected(session) == ([], 0)
        actions = session.scalars(select(AuditEvent.action)).all()
        assert actions.count("replay_extract_line") == 2


def test_re_importing_the_same_file_stores_nothing_and_a_corrected_file_settles_its_lines(
    database: Database,
) -> None:
    bad = csv_of(CASE, [case("C1", A, at(1)), case("C2", A, at(2), category="lost")])
    good = csv_of(CASE, [case("C1", A, at(1)), case("C2", A, at(2))])
    with database.transaction() as session:
        who = user(session)
        first = imports.import_extract(
            session, Source.CASE_RECORD, bad, file_name="c.csv", by=who, now=NOW
        )
        again = imports.import_extract(
            session, Source.CASE_RECORD, bad, file_name="renamed.csv", by=who, now=NOW
        )
        assert again.repeated and again.record.id == first.record.id
        assert len(again.rejected) == 1
        assert session.scalar(select(text("count(*)")).select_from(ExtractRecord)) == 1
        corrected = imports.import_extract(
            session, Source.CASE_RECORD, good, file_name="c2.csv", by=who, now=NOW
        )
        assert not corrected.repeated and corrected.corrected == 1
        assert imports.list_rejected(session) == ([], 0)
        assert len(session.scalars(select(ExtractImport)).all()) == 2
        with pytest.raises(Refused, match="source"):
            imports.source_of("police")


def test_a_discrepancy_owner_and_status_are_new_rows_audited_and_carried_to_later_runs(
    june: Database,
) -> None:
    with june.transaction() as session:
        who = user(session)
        run = reconcile(session)
        [lost] = listing.listed(session, run, reason=Reason.NO_REASON_FOUND)
        listing.update(session, lost.row.id, by=who, now=NOW, owner="Case records team")
        with pytest.raises(Refused, match="note"):
            listing.update(session, lost.row.id, by=who, now=NOW, status=Status.ACCEPTED)
        listing.update(
            session, lost.row.id, by=who, now=NOW, status=Status.FIXED_IN_SOURCE,
            note="Added to the case record",
        )  # fmt: skip
        listing.update(
            session, lost.row.id, by=who, now=NOW, owner="Case records team",
            status=Status.FIXED_IN_SOURCE,
        )  # fmt: skip
        assert reconcile(session).id == run.id  # nothing changed: the same run
        [item] = listing.listed(session, run, status=Status.FIXED_IN_SOURCE)
        assert item.owner == "Case records team" and item.note == "Added to the case record"
        assert [u.note for u in listing.history(session, item.row)] == [
            None, "Added to the case record", "Added to the case record",
        ]  # fmt: skip
        assert len(listing.listed(session, run, status=Status.OPEN)) == 9
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "update_discrepancy")
        ).all()
        assert [e.detail["status"] for e in events] == ["open", *["fixed_in_source"] * 2]
        assert all("Case records" not in json.dumps(e.detail) for e in events)
    with june.transaction() as session:  # the case record sends the lost episode
        extra = csv_of(CASE, [case("C-lost", A, at(19), hours=40)])
        imports.import_extract(
            session, Source.CASE_RECORD, extra, file_name="c3.csv", by=user(session), now=NOW
        )
        later = reconcile(session)
        assert later.id != run.id
        keys = {d.episode_key for d in runs.rows_of(session, later)}
        assert "police:P-lost" not in keys and len(keys) == 9
        with pytest.raises(Conflict, match="no longer a difference"):
            listing.update(session, lost.row.id, by=user(session), now=NOW, owner="x")
        absent = next(
            i for i in listing.listed(session, later) if i.row.reason == "absent_versus_missing"
        )
        listing.update(session, absent.row.id, by=user(session), now=NOW, owner="Police liaison")
        assert len(listing.history(session, absent.row)) == 1
    for table in ("discrepancy_updates", "discrepancies"):
        with pytest.raises(Exception, match="append-only"), june.transaction() as session:
            session.execute(text(f"UPDATE {table} SET month = '2026-05'"))
    with june.reading() as session:
        assert session.scalar(select(text("count(*)")).select_from(DiscrepancyUpdate)) == 4
        assert session.scalar(select(text("count(*)")).select_from(Discrepancy)) == 19


def test_the_page_shows_the_table_and_list_to_analysts_and_admins_only(
    june: Database, client: TestClient
) -> None:
    for username in ("priya", "chris"):
        _sign_in(client, june, username)
        page = client.get("/reconciliation?month=2026-06")
        assert page.status_code == 200, page.text
        assert "June 2026" in page.text and "9 of 10" in page.text
        assert "P-lost" in page.text and "No reason found" in page.text
        assert "Lee" not in page.text and "2010-01-08" not in page.text  # ids, never names
        assert 'href="/reconciliation"' in page.text  # in the navigation
    assert client.get("/reconciliation?month=June").status_code == 422
    for username in ("sam", "jo", "dana"):
        _sign_in(client, june, username)
        assert client.get("/reconciliation?month=2026-06").status_code == 403
        assert 'href="/reconciliation"' not in client.get("/").text


def test_a_discrepancy_is_given_an_owner_and_status_by_form_audited(
    june: Database, client: TestClient
) -> None:
    _sign_in(client, june, "priya")
    client.get("/reconciliation?month=2026-06")
    with june.reading() as session:
        row = session.scalars(
            select(Discrepancy).where(Discrepancy.reason == "no_reason_found")
        ).one()
    here = f"/reconciliation/discrepancies/{row.id}"
    token = _csrf(client, here)
    refused = client.post(
        here, data={"status": "accepted", "owner": "Data team", "csrf_token": token}
    )
    assert refused.url.path == here and "Say in the note why" in refused.text
    done = client.post(
        here,
        data={"status": "accepted", "owner": "Data team", "note": "Known gap", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"{here}?done=saved"
    page = client.get(here)
    assert "Accepted as a known difference" in page.text and "Data team" in page.text
    with june.reading() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "update_discrepancy")
        ).one()
        assert event.username == "priya" and event.detail["status"] == "accepted"
    listed = client.get("/reconciliation?month=2026-06&status=accepted")
    assert "1 discrepancy accepted as a known difference" in listed.text


def test_the_command_line_imports_reports_and_resolves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules_dir: Path
) -> None:
    from triage.settings import get_settings
    from triage.store import create_database

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TRIAGE_DATABASE_URL", url)
    monkeypatch.setenv("TRIAGE_RULES_DIR", str(rules_dir))
    monkeypatch.setattr(common.console, "width", 200)
    database = create_database(get_settings())
    with database.transaction() as session:
        user(session)
        police(session, "P-lost", A, at(19), hours=40)
    database.dispose()
    file = tmp_path / "c.csv"
    file.write_bytes(csv_of(CASE, [case("C1", A, at(2), hours=5, category="lost")]))
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    said = run("reconcile", "import", "--source", "case-record", str(file), "--by", "dm")
    assert "1 refused" in said and "row 2" in said and "category" in said
    assert "nothing stored" in run(
        "reconcile", "import", "--source", "case-record", str(file), "--by", "dm"
    )
    assert "lost" in run("reconcile", "rejected")
    assert "record C1 kept" in run(
        "reconcile", "replay", "1", "--set", "category=missing", "--by", "dm"
    )
    report = run("reconcile", "report", "--month", "2026-06")
    assert "no_reason_found" in report and "explained by a specific reason: 1 of 2" in report
    listed = run("reconcile", "discrepancies", "--month", "2026-06", "--status", "open")
    assert "P-lost" in listed and "C1" in listed
    assert "owner Data team" in run(
        "reconcile", "assign", "1", "--owner", "Data team", "--by", "dm"
    )
    run("reconcile", "resolve", "1", "--status", "accepted", "--note", "", "--by", "dm", code=1)
    assert "accepted" in run(
        "reconcile", "resolve", "1", "--status", "accepted", "--note", "Known", "--by", "dm"
    )


def test_the_monthly_report_carries_the_reconciled_count_and_the_explained_differences(
    june: Database,
) -> None:
    from triage.reports.monthly import build

    with june.reading() as session:
        before = build(session, JUNE, areas=[], for_sharing=False).table("reconciliation")
    assert before.rows == () and "not reconciled yet" in before.note
    with june.transaction() as session:
        reconcile(session)
    with june.reading() as session:
        full = build(session, JUNE, areas=[], for_sharing=False).table("reconciliation")
        shared = build(session, JUNE, areas=[], for_sharing=True).table("reconciliation")
    cells = {label: cells[0].text for label, cells in full.rows}
    assert cells["Episodes police notified"] == "11"
    assert cells["Reconciled: held alike by every source that should hold them"] == "3"
    assert cells["Differences"] == "10" and cells["Explained by a specific reason"] == "9"
    assert cells["Reason: No reason found"] == "1"
    hidden = {label: cells[0].text for label, cells in shared.rows}
    assert hidden["Reason: No reason found"] == "fewer than 5"
