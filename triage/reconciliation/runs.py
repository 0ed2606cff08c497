"""A month reconciled and stored: the counts each source holds, and every difference as a
discrepancy with its reason.

    run = reconcile(session, Month(2026, 6), by=user, now=now, home_authority="Birmingham")
    table = summary_of(session, run)      # counts per source, and differences by reason

A run reads every source's records that started in the month or within the tolerances'
margin of it (an episode recorded across the month's boundary is found, and said to be outside
the period). It is stored once for the same inputs: asked again with nothing new imported, no
new police version, no identity merged and the same tolerances, the month's last run is the
answer (audited as read). Its discrepancies are never changed; their owners and statuses are
in `triage.reconciliation.discrepancies`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.reconciliation import tolerances as tolerances_file
from triage.reconciliation.match import Difference, differences, match
from triage.reconciliation.reasons import DESCRIPTIONS, Reason, Source
from triage.reconciliation.sources import records_between
from triage.reconciliation.tables import Discrepancy, ExtractRecord, ReconciliationRun
from triage.reconciliation.tolerances import Tolerances
from triage.reports.months import Month
from triage.store.tables import ChildRecord, EpisodeRecord, NotificationVersion, UserRecord
from triage.vetting.facts import authority_key

SOURCES = (Source.POLICE, Source.CASE_RECORD, Source.FOSTERING)
SERVICE = Actor(user_id=None, username="service", role="service")
AGREED, DIFFERENCES = "agreed", "differences"


@dataclass(frozen=True)
class ReasonLine:
    reason: Reason
    words: str
    differences: int
    held_by: dict[Source, int]  # of these, how many each source holds in the month


@dataclass(frozen=True)
class Summary:
    """A run's table: episodes each source holds in the month, how many they all agree on,
    and the differences by reason (every reason, in order, even at 0)."""

    run: ReconciliationRun
    month: Month
    per_source: dict[Source, int]
    agreed: int
    differences: int
    explained: int  # by a specific reason (not "no reason found")
    reasons: list[ReasonLine]

    @property
    def share_explained(self) -> float | None:
        return self.explained / self.differences if self.differences else None


def inputs_of(
    session: Session, month: Month, tolerances: Tolerances, home_authority: str
) -> dict[str, object]:
    """What a run of `month` depends on, as plain values (equal inputs, equal run): every
    extract record (imports are few), the police episodes in the window read and their newest
    version, identity merges, the home authority and the tolerances."""
    start, end = window_of(month, tolerances)
    in_window = (EpisodeRecord.last_seen_at >= start, EpisodeRecord.last_seen_at < end)
    episodes, newest = session.execute(
        select(func.count(func.distinct(EpisodeRecord.id)), func.max(NotificationVersion.id))
        .join(NotificationVersion, NotificationVersion.episode_id == EpisodeRecord.id)
        .where(*in_window)
    ).one()
    return {
        "month": str(month),
        "extract_records": session.scalar(select(func.max(ExtractRecord.id))) or 0,
        "police_episodes": episodes or 0,
        "notification_versions": newest or 0,
        "merged_children": session.scalar(
            select(func.count()).where(ChildRecord.merged_into_id.is_not(None))
        )
        or 0,
        "home_authority": authority_key(home_authority),
        "tolerances": asdict(tolerances),
    }


def window_of(month: Month, tolerances: Tolerances) -> tuple[datetime, datetime]:
    """The starts a run of `month` reads: the month and `margin_hours` either side."""
    margin = timedelta(hours=tolerances.margin_hours)
    return month.start - margin, month.end + margin


def latest_run(session: Session, month: Month) -> ReconciliationRun | None:
    return session.scalar(
        select(ReconciliationRun)
        .where(ReconciliationRun.month == str(month))
        .order_by(ReconciliationRun.id.desc())
        .limit(1)
    )


def reconcile(
    session: Session,
    month: Month,
    *,
    by: UserRecord | None,
    now: datetime,
    home_authority: str,
    tolerances: Tolerances | None = None,
) -> ReconciliationRun:
    """The month's run on the records held now: the last one if its inputs are the same,
    else a new one with its discrepancies. Audited either way (`by` None: the service)."""
    rules = tolerances or tolerances_file.load()
    inputs = inputs_of(session, month, rules, home_authority)
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    actor = Actor.of(by) if by is not None else SERVICE
    last = latest_run(session, month)
    if last is not None and last.inputs_hash == digest:
        _audit(session, actor, last, now, stored=False)
        return last
    start, end = window_of(month, rules)
    records = records_between(session, start, end, home_authority=home_authority)
    episodes = match(records, rules)
    found = differences(episodes, month, rules)
    per_source = Counter(r.source.value for r in records if r.month == month)
    touching = sum(1 for e in episodes if e.touches(month))
    run = ReconciliationRun(
        month=str(month),
        inputs_hash=digest,
        inputs=inputs,
        counts={
            **{s.value: per_source.get(s.value, 0) for s in SOURCES},
            AGREED: touching - len(found),
            DIFFERENCES: len(found),
        },
        by_id=by.id if by is not None else None,
        by_name=actor.username,
        at=now,
    )
    session.add(run)
    session.flush()
    session.add_all(_discrepancy(run, d) for d in found)
    session.flush()
    _audit(session, actor, run, now, stored=True)
    return run


def _discrepancy(run: ReconciliationRun, d: Difference) -> Discrepancy:
    records = d.episode.records
    first = next(records[s] for s in SOURCES if s in records)

    def key_of(source: Source) -> str | None:
        return records[source].key if source in records else None

    return Discrepancy(
        run_id=run.id,
        month=run.month,
        episode_key=d.key[:130],
        child_key=first.child[:130],
        police_reference=key_of(Source.POLICE),
        case_record_id=key_of(Source.CASE_RECORD),
        fostering_id=key_of(Source.FOSTERING),
        held={s.value: kind for s, kind in d.held.items()},
        lacking=[s.value for s in d.lacking],
        reason=d.reason.value,
        started_at=d.started,
    )


def _audit(
    session: Session, actor: Actor, run: ReconciliationRun, now: datetime, *, stored: bool
) -> None:
    audit.record(
        session,
        actor,
        "reconcile_month",
        record_type="reconciliation_run",
        record_id=run.id,
        now=now,
        month=run.month,
        stored=stored,
    )


def rows_of(session: Session, run: ReconciliationRun) -> list[Discrepancy]:
    return list(
        session.scalars(
            select(Discrepancy).where(Discrepancy.run_id == run.id).order_by(Discrepancy.id)
        )
    )


def summary_of(
    session: Session, run: ReconciliationRun, rows: list[Discrepancy] | None = None
) -> Summary:
    """The run's table (see `Summary`), from its `rows` if they have been read already."""
    tally: Counter[str] = Counter()
    held: Counter[tuple[str, str]] = Counter()
    for row in rows_of(session, run) if rows is None else rows:
        tally[row.reason] += 1
        for source in row.held:
            held[row.reason, source] += 1
    reasons = [
        ReasonLine(
            reason,
            DESCRIPTIONS[reason],
            tally[reason.value],
            {s: held[reason.value, s.value] for s in SOURCES},
        )
        for reason in Reason
    ]
    total = sum(tally.values())
    return Summary(
        run=run,
        month=Month.parse(run.month),
        per_source={s: int(run.counts.get(s.value, 0)) for s in SOURCES},
        agreed=int(run.counts.get(AGREED, 0)),
        differences=total,
        explained=total - tally[Reason.NO_REASON_FOUND.value],
        reasons=reasons,
    )
