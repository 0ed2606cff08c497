"""Loading a file at speed: a chunk of records to a transaction, each question asked in bulk.

The outcome is the one `ingest` gives record by record (a test holds the two to the same stored
state): each valid record becomes a new episode, a new version or nothing new, matched to its
child by the same ladder, and vetted as of when police sent it; each invalid one is quarantined
with its fields named. What changes is the number of round trips. A chunk's episodes, versions,
identifiers and children are read in a few set-based queries up front (`ChunkLedger`,
`ChunkDirectory`), its rows are written in batches when the chunk flushes, and its decisions are
made in one hop to the engine from one history read for all its children (the batch vetting
path, `triage.vetting.batch`).

Nothing is lost and nothing is half-written: a chunk commits whole or not at all, and if the
store refuses anything in it (a constraint, a value it cannot hold), the chunk is rolled back
and its records go one at a time through `ingest`, each in its own transaction with its
retries, so one bad record is quarantined and never sinks the others. A vetting that fails is
kept the way `decide` keeps it: the notification is stored, shown as not vetted, re-vetted.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from triage import decisions
from triage.decisions.models import VettedDecision
from triage.decisions.service import Trigger, as_record
from triage.errors import NotificationRejected
from triage.identity.directory import ChunkDirectory
from triage.intake.service import Ledger, Receipt, Stored, keep, reject
from triage.notification import Notification, RawRecord, parse_notification
from triage.store import Database
from triage.store.ids import Ids
from triage.store.tables import DecisionRecord, EpisodeRecord, NotificationVersion
from triage.vetting.group import Target, vet_many
from triage.vetting.service import Vetter

log = logging.getLogger(__name__)

CHUNK = 1_000
Clock = Callable[[], datetime]


class ChunkLedger(Ledger):
    """A chunk's episodes and the versions they hold, read in two queries; kept up to date as
    the chunk adds to them. Its identities are locked for the whole chunk (`ChunkDirectory`)."""

    def __init__(self, session: Session, notifications: Sequence[Notification]) -> None:
        self.ids = Ids(session)
        directory = ChunkDirectory(
            session,
            [n.child for n in notifications],
            also=[c for n in notifications for c in n.episode.companions],
            ids=self.ids,
        )
        super().__init__(session, directory)
        self.directory: ChunkDirectory = directory
        references = sorted({n.police_reference for n in notifications})
        self._episodes = {
            episode.police_reference: episode
            for episode in session.scalars(
                select(EpisodeRecord)
                .where(EpisodeRecord.police_reference.in_(references))
                .options(selectinload(EpisodeRecord.companions))
            )
        }
        by_id = {episode.id: episode for episode in self._episodes.values()}
        self._held: dict[str, set[str]] = defaultdict(set)
        # The version each episode's fields come from (the newest sent): its id if stored before
        # this chunk, the version itself if the chunk added it.
        self.current: dict[str, tuple[datetime, int, int | NotificationVersion]] = {}
        rows = session.execute(
            select(
                NotificationVersion.episode_id,
                NotificationVersion.id,
                NotificationVersion.content_hash,
                NotificationVersion.sent_at,
                NotificationVersion.version,
            ).where(NotificationVersion.episode_id.in_(sorted(by_id)))
        )
        for episode_id, version_id, digest, sent_at, number in rows:
            reference = by_id[episode_id].police_reference
            self._held[reference].add(digest)
            self._newer(reference, sent_at, number, version_id)

    def _newer(
        self, reference: str, sent_at: datetime, number: int, version: int | NotificationVersion
    ) -> None:
        held = self.current.get(reference)
        if held is None or (sent_at, number) > held[:2]:
            self.current[reference] = (sent_at, number, version)

    def lock(self, notification: Notification) -> None:
        """Already held: the chunk locked every identity it holds when it began."""

    def episode(self, police_reference: str) -> EpisodeRecord | None:
        return self._episodes.get(police_reference)

    def held(self, episode: EpisodeRecord) -> set[str]:
        return self._held[episode.police_reference]

    def added(self, episode: EpisodeRecord, version: NotificationVersion) -> None:
        # Ids now, in the order rows arrive, so each table's rows go in one batch at the flush.
        if episode.id is None:
            episode.id = self.ids.one(EpisodeRecord)
        version.id = self.ids.one(NotificationVersion)
        self._episodes[episode.police_reference] = episode
        self._held[episode.police_reference].add(version.content_hash)
        self._newer(episode.police_reference, version.sent_at, version.version, version)


@dataclass(slots=True)
class _Valid:
    position: int  # in the chunk
    notification: Notification
    stored: Stored | None = None
    # The version its episode decides from right after this record (a stored one's id, or one
    # this chunk added): what its receipt reports, as record-by-record intake would.
    current: int | NotificationVersion | None = None


def load_chunked(
    database: Database,
    records: Iterable[RawRecord],
    *,
    clock: Clock,
    vetter: Vetter | None,
    size: int = CHUNK,
) -> Iterator[tuple[RawRecord, Receipt]]:
    """Every record with its receipt, a chunk at a time, each chunk once it has committed."""
    from triage.intake.loader import ingest

    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        try:
            with database.transaction(writing=True) as session:
                receipts = load_group(session, chunk, now=clock(), vetter=vetter)
        except SQLAlchemyError as exc:
            # Name the kind only: the exception text can hold a record's values.
            log.warning(
                "a chunk of %d records failed in the store (%s): loading them one at a time",
                len(chunk),
                type(exc).__name__,
            )
            receipts = [ingest(database, r, clock=clock, vetter=vetter) for r in chunk]
        yield from zip(chunk, receipts, strict=True)


def load_group(
    session: Session, chunk: Sequence[RawRecord], *, now: datetime, vetter: Vetter | None
) -> list[Receipt]:
    """Store (and vet, given a vetter) or quarantine a chunk of records in the caller's
    transaction, each as `ingest` would alone: their receipts, in order."""
    receipts: list[Receipt | None] = [None] * len(chunk)
    valid: list[_Valid] = []
    refused: list[tuple[int, list]] = []
    for k, record in enumerate(chunk):
        if record.read_error is not None or record.payload is None:
            refused.append((k, [record.read_error] if record.read_error else []))
            continue
        try:
            valid.append(_Valid(k, parse_notification(record.payload)))
        except NotificationRejected as exc:
            refused.append((k, list(exc.errors)))

    ledger = ChunkLedger(session, [v.notification for v in valid])
    # Which version each record leaves its episode deciding from, in the chunk's order.
    planned: dict[int, tuple[NotificationVersion, Notification]] = {}
    earlier: dict[int, _Valid] = {}  # stored before this chunk, current after a record
    made_by: dict[int, Notification] = {}
    with session.no_autoflush:  # every answer the chunk needs is read ahead or in hand
        for item in valid:
            item.stored = keep(ledger, item.notification, now=now)
            if item.stored.version is not None:
                made_by[id(item.stored.version)] = item.notification
            current = item.current = ledger.current[item.notification.police_reference][2]
            if isinstance(current, NotificationVersion):
                planned.setdefault(id(current), (current, made_by[id(current)]))
            else:
                earlier.setdefault(current, item)
    session.flush()

    for k, errors in refused:
        receipts[k] = reject(session, chunk[k], errors, now=now)
    if vetter is None:
        for item in valid:
            receipts[item.position] = item.stored.receipt()  # type: ignore[union-attr]
        return receipts  # type: ignore[return-value]

    levels = _vet_new(session, ledger, list(planned.values()), vetter, now=now)
    for version_id in earlier:
        version = session.get_one(NotificationVersion, version_id)
        made = decisions.decide(session, vetter, version=version, now=now)
        levels[version_id] = made.vetted_level if made else None
    for item in valid:
        receipt = item.stored.receipt()  # type: ignore[union-attr]
        held = item.current
        level = levels.get(held.id if isinstance(held, NotificationVersion) else held or 0)
        receipts[item.position] = replace(receipt, vetted_level=level, vetting_failed=level is None)
    return receipts  # type: ignore[return-value]


def _vet_new(
    session: Session,
    ledger: ChunkLedger,
    planned: list[tuple[NotificationVersion, Notification]],
    vetter: Vetter,
    *,
    now: datetime,
) -> dict[int, str | None]:
    """Decisions on the chunk's new versions, all in one hop; one at a time through `decide`
    (which keeps each failure) if the batch cannot be made."""
    if not planned:
        return {}
    try:
        with session.begin_nested():
            vetted = _decide_all(session, ledger.directory, planned, vetter)
            records = [
                as_record(decision, version, now=now, trigger=Trigger.VERSION)
                for (version, _n), decision in zip(planned, vetted, strict=True)
            ]
            for record, record_id in zip(
                records, ledger.ids.take(DecisionRecord, len(records)), strict=True
            ):
                record.id = record_id
            session.add_all(records)
            session.flush()
        return {r.version_id: r.vetted_level for r in records}
    except Exception as exc:  # vetting a batch failed: each version gets its own chance
        log.warning("batch vetting failed (%s): vetting one at a time", type(exc).__name__)
    levels: dict[int, str | None] = {}
    for version, notification in planned:
        made = decisions.decide(
            session, vetter, version=version, now=now, notification=notification
        )
        levels[version.id] = made.vetted_level if made else None
    return levels


def _decide_all(
    session: Session,
    directory: ChunkDirectory,
    planned: list[tuple[NotificationVersion, Notification]],
    vetter: Vetter,
) -> list[VettedDecision]:
    """Each new version's decision as of when police sent it, from one history read."""
    targets = [Target(n, v.episode.child_id, v.episode_id, v.sent_at) for v, n in planned]
    return vet_many(session, vetter, targets, owner=directory.owner)
