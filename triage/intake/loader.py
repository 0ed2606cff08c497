"""Taking records in: one at a time (`ingest`, the API's path) or a file in chunks (`load_file`).

Either way a crash loses nothing acknowledged. A record that the store cannot take for a reason
outside the contract (say, two requests racing to create the same episode) is retried and then
quarantined with the reason, never dropped.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from triage.decisions.service import Vetter
from triage.errors import FieldError
from triage.intake.bulk import CHUNK, load_chunked
from triage.intake.service import Outcome, Receipt, reject, submit
from triage.notification import RawRecord, read_records
from triage.notification.reader import RECORD, raw_from_text
from triage.quarantine import service as quarantine
from triage.store import Database
from triage.vetting import service as vetting

Clock = Callable[[], datetime]
# Called inside the record's own transaction once it is stored or quarantined: whatever it
# writes (a receipt, an audit entry) is committed with the record or not at all.
After = Callable[[Session, Receipt], None]
log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class LoadSummary:
    counts: Counter[Outcome] = field(default_factory=Counter)
    bytes_read: int = 0

    def add(self, receipt: Receipt) -> None:
        self.counts[receipt.outcome] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def ingest(
    database: Database,
    record: RawRecord,
    *,
    clock: Clock = utc_now,
    vetter: Vetter | None = None,
    after: After | None = None,
) -> Receipt:
    """Take one record in its own transaction; what cannot be stored is quarantined instead.

    Given a vetter, the record is vetted in the same transaction. If vetting itself fails, the
    record is still stored, without a decision, and the failure is kept (never its content).
    """
    failure: Exception | None = None
    for _attempt in range(3):
        try:
            with database.transaction(writing=True) as session:
                receipt = submit(session, record, now=clock(), vetter=vetter)
                if after:
                    after(session, receipt)
                return receipt
        except SQLAlchemyError as exc:
            failure = exc
    # The exception text can hold the record's values (names, dates of birth): name its kind only.
    problem = f"could not be stored ({type(failure).__name__}); replay it once the cause is fixed"
    with database.transaction(writing=True) as session:
        receipt = reject(session, record, [FieldError(RECORD, problem)], now=clock())
        if after:
            after(session, receipt)
        return receipt


def load_records(
    database: Database,
    records: Iterable[RawRecord],
    *,
    clock: Clock = utc_now,
    on_record: Callable[[RawRecord, Receipt], None] | None = None,
    vetter: vetting.Vetter | None = None,
    chunk: int = CHUNK,
) -> LoadSummary:
    """Load records a chunk to a transaction (`triage.intake.bulk`); `on_record` hears of each
    once its chunk has committed."""
    summary = LoadSummary()
    for record, receipt in load_chunked(database, records, clock=clock, vetter=vetter, size=chunk):
        summary.add(receipt)
        summary.bytes_read += record.size
        if on_record:
            on_record(record, receipt)
    return summary


def load_file(
    database: Database,
    path: Path,
    *,
    clock: Clock = utc_now,
    on_record: Callable[[RawRecord, Receipt], None] | None = None,
    vetter: vetting.Vetter | None = None,
) -> LoadSummary:
    """Stream a JSON lines or CSV file into the store."""
    return load_records(
        database, read_records(path), clock=clock, on_record=on_record, vetter=vetter
    )


def replay(
    database: Database,
    record_id: int,
    fixed: str,
    *,
    clock: Clock = utc_now,
    vetter: Vetter | None = None,
    after: After | None = None,
) -> Receipt:
    """Submit a corrected version of a quarantined record (its JSON text)."""
    with database.transaction(writing=True) as session:
        original = quarantine.open_for_replay(session, record_id)
        source = f"replay of quarantine #{record_id}"
        record = raw_from_text(fixed, source=source, position=original.position)
        now = clock()
        receipt = submit(session, record, now=now, vetter=vetter)
        if receipt.outcome is Outcome.REJECTED:
            session.get_one(type(original), receipt.quarantine_id).replay_of_id = original.id
            quarantine.mark_superseded(original, now=now)
        else:
            quarantine.mark_replayed(
                original, police_reference=receipt.police_reference or "", now=now
            )
        if after:
            after(session, receipt)
        return receipt
