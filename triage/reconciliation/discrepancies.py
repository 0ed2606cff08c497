"""The discrepancy list for data managers: each difference of a month's last run with its
owner and status (open, fixed in the source, accepted as a known difference) and a note.

An owner or status given is a new `DiscrepancyUpdate` row (never an update in place), audited;
the newest for the month and episode key is where the discrepancy stands, in this run and in
the month's later runs (a difference fixed in the source is gone from the next run once the
corrected extract is imported). Only a discrepancy of the month's last run can be changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.errors import Conflict, RecordNotFound, Refused
from triage.notification.fields import control_problem
from triage.reconciliation.reasons import STATUS_DESCRIPTIONS, Reason, Status
from triage.reconciliation.runs import latest_run, rows_of
from triage.reconciliation.tables import Discrepancy, DiscrepancyUpdate, ReconciliationRun
from triage.reports.months import Month
from triage.store.tables import UserRecord

MAX_OWNER = 100
MAX_NOTE = 2000


@dataclass(frozen=True)
class Listed:
    """A discrepancy as it stands: its newest update's owner, status and note (if any)."""

    row: Discrepancy
    owner: str | None
    status: Status
    note: str | None
    updated: DiscrepancyUpdate | None

    @property
    def explained(self) -> bool:
        return self.row.reason != Reason.NO_REASON_FOUND.value


def _states(session: Session, month: str) -> dict[str, DiscrepancyUpdate]:
    newest: dict[str, DiscrepancyUpdate] = {}
    for update in session.scalars(
        select(DiscrepancyUpdate)
        .where(DiscrepancyUpdate.month == month)
        .order_by(DiscrepancyUpdate.id)
    ):
        newest[update.episode_key] = update
    return newest


def listed(
    session: Session,
    run: ReconciliationRun,
    *,
    status: Status | None = None,
    reason: Reason | None = None,
    rows: list[Discrepancy] | None = None,
) -> list[Listed]:
    """The run's discrepancies as they stand: the unexplained first, then by start (from its
    `rows` if they have been read already)."""
    states = _states(session, run.month)
    out = []
    for row in rows_of(session, run) if rows is None else rows:
        state = states.get(row.episode_key)
        item = Listed(
            row,
            state.owner if state else None,
            Status(state.status) if state else Status.OPEN,
            state.note if state else None,
            state,
        )
        if (status is None or item.status is status) and (
            reason is None or row.reason == reason.value
        ):
            out.append(item)
    out.sort(key=lambda i: (i.explained, i.row.started_at, i.row.id))
    return out


def status_of(text: str, *, field: str = "status") -> Status:
    try:
        return Status(text.strip())
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise Refused(field, f"{text!r} is not a status: one of {allowed}") from None


def reason_of(text: str) -> Reason:
    try:
        return Reason(text.strip())
    except ValueError:
        allowed = ", ".join(r.value for r in Reason)
        raise Refused("reason", f"{text!r} is not a reason code: one of {allowed}") from None


def read(
    session: Session, discrepancy_id: int, *, viewer: UserRecord, now: datetime
) -> Discrepancy:
    """One discrepancy as a person opens it (audited)."""
    row = session.get(Discrepancy, discrepancy_id)
    if row is None:
        raise RecordNotFound("discrepancy", discrepancy_id)
    audit.record(
        session,
        Actor.of(viewer),
        "read_discrepancy",
        record_type="discrepancy",
        record_id=row.id,
        now=now,
    )
    return row


def history(session: Session, discrepancy: Discrepancy) -> list[DiscrepancyUpdate]:
    """Every owner and status it was given, oldest first (across the month's runs)."""
    return list(
        session.scalars(
            select(DiscrepancyUpdate)
            .where(
                DiscrepancyUpdate.month == discrepancy.month,
                DiscrepancyUpdate.episode_key == discrepancy.episode_key,
            )
            .order_by(DiscrepancyUpdate.id)
        )
    )


def update(
    session: Session,
    discrepancy_id: int,
    *,
    by: UserRecord,
    now: datetime,
    owner: str | None = None,
    status: Status | None = None,
    note: str | None = None,
) -> DiscrepancyUpdate:
    """Give a discrepancy an owner, a status and a note (what is not given stays as it was;
    an empty owner clears it; changing only the owner keeps the note). Becoming fixed in the
    source or accepted needs a note saying what was done or why it is known. Audited (the
    status and whether an owner is set, never the note or the name)."""
    row = session.get(Discrepancy, discrepancy_id)
    if row is None:
        raise RecordNotFound("discrepancy", discrepancy_id)
    last = latest_run(session, Month.parse(row.month))
    if last is not None and last.id != row.run_id:
        newer = session.scalar(
            select(Discrepancy.id).where(
                Discrepancy.run_id == last.id, Discrepancy.episode_key == row.episode_key
            )
        )
        where = f"it is discrepancy {newer} there" if newer else "it is no longer a difference"
        raise Conflict(
            f"discrepancy {discrepancy_id} is from an earlier run of {row.month} "
            f"(run {row.run_id}; the last is run {last.id}): {where}"
        )
    before = _states(session, row.month).get(row.episode_key)
    new_owner = (before.owner if before else None) if owner is None else owner.strip() or None
    new_status = status or (Status(before.status) if before else Status.OPEN)
    text = (note or "").strip() or None
    for field, value, most in (("owner", new_owner, MAX_OWNER), ("note", text, MAX_NOTE)):
        if value is None:
            continue
        if len(value) > most:
            raise Refused(field, f"is {len(value)} characters; at most {most}")
        if (problem := control_problem(value)) is not None:
            raise Refused(field, problem)
    unchanged = before is not None and before.status == new_status.value
    if status in (Status.FIXED_IN_SOURCE, Status.ACCEPTED) and text is None and not unchanged:
        words = STATUS_DESCRIPTIONS[status].lower()
        raise Refused("note", f"say in the note why this is {words}")
    if before is None and owner is None and status is None:
        raise Refused("status", "give an owner or a status")
    made = DiscrepancyUpdate(
        discrepancy_id=row.id,
        month=row.month,
        episode_key=row.episode_key,
        owner=new_owner,
        status=new_status.value,
        note=text if text is not None else (before.note if before and unchanged else None),
        by_id=by.id,
        at=now,
    )
    session.add(made)
    session.flush()
    audit.record(
        session,
        Actor.of(by),
        "update_discrepancy",
        record_type="discrepancy",
        record_id=row.id,
        now=now,
        month=row.month,
        status=new_status.value,
        status_before=before.status if before else Status.OPEN.value,
        owner_set=new_owner is not None,
        owner_changed=new_owner != (before.owner if before else None),
        update=made.id,
    )
    return made
