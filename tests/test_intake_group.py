"""Records sent at the same moment are taken in together (`triage.intake.group`): nothing lost,
nothing stored twice, one child one record, and every record with its receipt and audit entry.
A group the store refuses is taken again one record at a time, so only the bad one is kept
aside. Both databases."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from test_bulk_load import refuse_reference

from conftest import FrozenClock
from factories import notification
from triage.accounts.roles import Role
from triage.accounts.service import create_user
from triage.intake import Outcome
from triage.intake.group import Gatherer
from triage.notification.reader import raw_from_text
from triage.store import Database
from triage.store.tables import (
    AuditEvent,
    ChildRecord,
    DecisionRecord,
    EpisodeRecord,
    QuarantinedRecord,
    SubmissionReceipt,
    UserRecord,
)
from triage.vetting import Vetter


def feed(database: Database, clock: FrozenClock) -> UserRecord:
    with database.transaction() as session:
        return create_user(
            session,
            username="group-feed",
            display_name="Group feed",
            role=Role.POLICE_FEED,
            password="group-feed-password-1",
            now=clock(),
        )


def send_all(gatherer: Gatherer, by: UserRecord, payloads: list[dict]) -> list:
    """Every record queued before any is answered, so the writer takes them in groups."""
    answers = [
        gatherer.submit(raw_from_text(json.dumps(p), source="api:group-feed", position=1), by)
        for p in payloads
    ]
    return [answer.result(timeout=120) for answer in answers]


def count(database: Database, table: type) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_records_sent_together_are_each_stored_once_with_a_receipt_and_an_audit_entry(
    database: Database, clock: FrozenClock, vetter: Vetter
) -> None:
    by = feed(database, clock)
    gatherer = Gatherer(database, vetter, clock)
    same_child = {"given_name": "Rowan", "family_name": "Quill", "police_person_id": None}
    payloads = [notification(reference=f"GRP-{k}", child=same_child) for k in range(12)]
    broken = {**notification(reference="GRP-BAD"), "police_risk_grade": "purple"}
    taken = send_all(gatherer, by, [*payloads, broken, payloads[3]])

    outcomes = [receipt.outcome for receipt, _row in taken]
    assert outcomes == [Outcome.ACCEPTED] * 12 + [Outcome.REJECTED, Outcome.UNCHANGED]
    assert all(receipt.vetted_level for receipt, _row in taken[:12])
    assert len({row for _receipt, row in taken}) == len(taken)  # a receipt row each
    assert count(database, ChildRecord) == 1  # one child, however the group fell
    assert count(database, EpisodeRecord) == 12
    assert count(database, DecisionRecord) == 12
    assert count(database, QuarantinedRecord) == 1
    with database.reading() as session:
        stored = {
            r.id: (r.outcome, r.police_reference)
            for r in session.scalars(select(SubmissionReceipt))
        }
        audited = [
            (e.record_id, e.detail)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "submit"))
        ]
    assert {row: (r.outcome.value, r.police_reference) for r, row in taken} == stored
    assert sorted(detail["receipt"] for _id, detail in audited) == sorted(stored)
    assert sum(1 for record_id, _d in audited if record_id == "GRP-3") == 2


def test_a_group_the_store_refuses_is_taken_one_record_at_a_time(
    database: Database, clock: FrozenClock, vetter: Vetter
) -> None:
    by = feed(database, clock)
    refuse_reference(database, "GRP-REFUSED")
    payloads = [notification(reference=f"GRP-OK-{k}") for k in range(6)]
    payloads.insert(3, notification(reference="GRP-REFUSED"))
    taken = send_all(Gatherer(database, vetter, clock), by, payloads)

    outcomes = [receipt.outcome for receipt, _row in taken]
    assert outcomes.count(Outcome.REJECTED) == 1
    assert taken[3][0].outcome is Outcome.REJECTED
    assert "could not be stored" in taken[3][0].errors[0].problem
    assert count(database, EpisodeRecord) == 6
    assert count(database, SubmissionReceipt) == 7
    with database.reading() as session:
        audited = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "submit")
        )
    assert audited == 7
