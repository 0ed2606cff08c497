"""Records that feeds send at the same moment, taken in together: one transaction for a group.

Eight police feeds sending at once would otherwise each open a transaction, each read their
children's history, each hop to the rules engine and each wait for their own commit to reach
the disk; on SQLite they also queue for its one writer. Here every record goes to one writer
thread, which takes whatever has arrived while it was busy as a group (at most `MOST`): the
group is stored, matched and vetted as a chunk of a file is (`triage.intake.bulk`: a few
set-based reads, batched writes, one hop to the engine), its receipts and audit entries are
written in two batched statements, and it commits once. Each caller is answered only after
that commit, so an acknowledged record is stored, with its receipt and its audit entry.

A group is all or nothing, and a group the store refuses is taken again one record at a time
(`triage.intake.receipts.submit_record`: each in its own transaction with its retries), so one bad
record is quarantined and never sinks the others. A group of one costs what a lone request
did; nobody waits for a group to fill
(only, for a few milliseconds, for the callers just answered to send again).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from triage.intake import receipts
from triage.intake.bulk import load_group
from triage.intake.service import Receipt
from triage.notification import RawRecord
from triage.store import Database
from triage.store.tables import UserRecord
from triage.vetting.service import Vetter

log = logging.getLogger(__name__)

MOST = 64  # records in one group: enough to share a commit, few enough to answer quickly
IDLE_SECONDS = 1.0  # the writer thread ends after this long with nothing to do
LINGER_SECONDS = 0.005

Taken = tuple[Receipt, int]  # a record's receipt, and the id of its stored receipt row


@dataclass(slots=True)
class _Sent:
    record: RawRecord
    by: UserRecord
    answer: Future[Taken] = field(default_factory=Future)


class Gatherer:
    """One writer for a database: records in, each answered once its group has committed."""

    def __init__(self, database: Database, vetter: Vetter, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.vetter = vetter
        self.clock = clock
        self._waiting: queue.SimpleQueue[_Sent] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._writer: threading.Thread | None = None
        self._last = 1  # how many the last group held

    def submit(self, record: RawRecord, by: UserRecord) -> Future[Taken]:
        """Queue a record from `by`; the future gives its receipt once it is committed."""
        sent = _Sent(record, by)
        self._waiting.put(sent)
        with self._lock:  # after the put: a writer that is ending has not yet seen it, or has
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write, name="intake-writer", daemon=True
                )
                self._writer.start()
        return sent.answer

    def _write(self) -> None:
        while True:
            try:
                first = self._waiting.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._waiting.empty():
                        self._writer = None
                        return
                continue
            group = [first]
            # The callers of the last group, just answered, are most likely sending again:
            # wait a moment (at most LINGER_SECONDS) for as many, not for a group to fill.
            until = time.monotonic() + LINGER_SECONDS
            while len(group) < MOST:
                try:
                    group.append(self._waiting.get_nowait())
                    continue
                except queue.Empty:
                    pass
                left = until - time.monotonic()
                if len(group) >= self._last or left <= 0:
                    break
                try:
                    group.append(self._waiting.get(timeout=left))
                except queue.Empty:
                    break
            self._last = len(group)
            self._take(group)

    def _take(self, group: list[_Sent]) -> None:
        try:
            taken = self._together(group)
        except SQLAlchemyError as exc:
            # Name the kind only: the exception text can hold a record's values.
            log.warning(
                "a group of %d records failed in the store (%s): taking them one at a time",
                len(group),
                type(exc).__name__,
            )
            for sent in group:
                self._alone(sent)
            return
        except Exception as exc:  # the database refused us (503), or a fault: tell every caller
            for sent in group:
                sent.answer.set_exception(exc)
            return
        for sent, answer in zip(group, taken, strict=True):
            sent.answer.set_result(answer)

    def _together(self, group: list[_Sent]) -> list[Taken]:
        with self.database.transaction(writing=True) as session:
            now = self.clock()
            made = load_group(session, [s.record for s in group], now=now, vetter=self.vetter)
            ids = receipts.keep_many(
                session, [(s.by, r) for s, r in zip(group, made, strict=True)], now=now
            )
        return list(zip(made, ids, strict=True))

    def _alone(self, sent: _Sent) -> None:
        try:
            receipt, row = receipts.submit_record(
                self.database,
                sent.record,
                by=sent.by,
                clock=self.clock,
                vetter=self.vetter,
            )
        except Exception as exc:
            sent.answer.set_exception(exc)
        else:
            sent.answer.set_result((receipt, row.id))
