"""The reconciliation's tables, on the store's one `Base` (migration 0015).

extract_imports ──< extract_records             (each good line as imported: append-only)
       └──────────< extract_rejected_rows       (each refused line, raw, with its problems:
                                                  open until replayed or superseded)
reconciliation_runs ──< discrepancies           (one per difference a run found: append-only)
discrepancy_updates                             (each owner or status given: append-only)

An import is one file of one source; the same file (by its SHA-256) is imported once. A
record's newest import speaks for it: a later extract holding the same record id corrects it.
A run is one month reconciled on the records held at the time (its `inputs` say which); it is
stored once for the same inputs. A discrepancy is named across runs by its month and episode
key, so an owner or status given to it holds in the month's later runs too: its state is its
newest update for that month and key (none: open, no owner).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.store.tables import Base


class ExtractImport(Base):
    """One file of one source, as imported: who, when, its hash and what it held."""

    __tablename__ = "extract_imports"
    __table_args__ = (UniqueConstraint("source", "file_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # case-record | fostering
    file_name: Mapped[str] = mapped_column(String(300))
    file_hash: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_kept: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]


class ExtractRecord(Base):
    """A good line of an extract, typed (times in UTC). Never changed."""

    __tablename__ = "extract_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("extract_imports.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    row_number: Mapped[int] = mapped_column(Integer)
    record_id: Mapped[str] = mapped_column(String(100))
    local_child_id: Mapped[str | None] = mapped_column(String(64))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    legal_status: Mapped[str | None] = mapped_column(String(30))
    placement_type: Mapped[str | None] = mapped_column(String(30))
    responsible_authority: Mapped[str | None] = mapped_column(String(120))
    replay_of_id: Mapped[int | None] = mapped_column(ForeignKey("extract_rejected_rows.id"))


Index("ix_extract_records_source_record_id", ExtractRecord.source, ExtractRecord.record_id)


class ExtractRejectedRow(Base):
    """A refused line, kept as it came (`raw`, and its cells by column) with each field's
    problem, until a person replays it fixed. `status`: open, replayed (it became
    `replayed_as_id`), superseded (a replay failed again: see the entry pointing back)."""

    __tablename__ = "extract_rejected_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("extract_imports.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    row_number: Mapped[int] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)
    cells: Mapped[dict[str, Any]]
    errors: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(20), index=True)
    replay_of_id: Mapped[int | None] = mapped_column(ForeignKey("extract_rejected_rows.id"))
    replayed_as_id: Mapped[int | None] = mapped_column(Integer)  # extract_records.id
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]


class ReconciliationRun(Base):
    """One month reconciled: the counts each source holds, and what it was run on."""

    __tablename__ = "reconciliation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    inputs_hash: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any]]  # the newest import and version ids, the tolerances
    counts: Mapped[dict[str, Any]]  # episodes per source, agreed, differences
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # none: the service
    by_name: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class Discrepancy(Base):
    """One difference a run found: which sources hold the episode in the month (as what) and
    which lack it, and its reason code. Never changed; its owner and status are updates."""

    __tablename__ = "discrepancies"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_runs.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    episode_key: Mapped[str] = mapped_column(String(130))
    child_key: Mapped[str] = mapped_column(String(130))
    police_reference: Mapped[str | None] = mapped_column(String(64))
    case_record_id: Mapped[str | None] = mapped_column(String(100))
    fostering_id: Mapped[str | None] = mapped_column(String(100))
    held: Mapped[dict[str, Any]]  # source -> missing | absent | away
    lacking: Mapped[list[Any]]
    reason: Mapped[str] = mapped_column(String(40), index=True)
    started_at: Mapped[datetime]


Index("ix_discrepancies_month_episode_key", Discrepancy.month, Discrepancy.episode_key)


class DiscrepancyUpdate(Base):
    """An owner or a status given to a discrepancy (by month and episode key), by whom and
    when, with the note; the newest says where it stands. Never changed."""

    __tablename__ = "discrepancy_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    discrepancy_id: Mapped[int] = mapped_column(ForeignKey("discrepancies.id"))
    month: Mapped[str] = mapped_column(String(7))
    episode_key: Mapped[str] = mapped_column(String(130))
    owner: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]


Index(
    "ix_discrepancy_updates_month_episode_key",
    DiscrepancyUpdate.month,
    DiscrepancyUpdate.episode_key,
)

# The tables the database itself refuses to change (migration 0015's triggers).
APPEND_ONLY = (
    "extract_imports",
    "extract_records",
    "reconciliation_runs",
    "discrepancies",
    "discrepancy_updates",
)
