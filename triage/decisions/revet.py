"""Decisions that follow the clock: re-vetting open episodes as time thresholds pass, and
retrying vettings that failed.

What is due is computed from the database every time, never held in memory, so it survives a
restart and several processes agree on it (a decision is unique per version, ruleset, model and
moment: two that race for the same re-vet leave one row). The thresholds are the rules' own:
every `hours_missing` comparison in `rules/` (today: a long episode after 24 hours, a strategy
discussion at 72), so changing `rules/parameters.yaml` changes when re-vets happen.

A version of an episode is *due* at a moment T when it says the child is still missing, T is
a threshold crossing (last seen + the threshold's hours) after police sent it and before they
sent the next version (if any), T has passed, and no decision on that version speaks for T or
later. The re-vet speaks for T: it reads the history as known at T, and its reasons say why
("still missing at 72 hours"). Each crossing gets its own decision, in time order, so after a
pause the record still shows what was known at 24 hours and at 72. Run as of a past moment
(`triage revet --as-of`, say on a loaded history), it re-vets each version as the service
would have at the time; those decisions speak for their moments and never displace the
decision on the newest version.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.decisions import service
from triage.decisions.level import LevelInForce, ReviewStatus, in_force, levels_in_force
from triage.decisions.service import Trigger, Vetter
from triage.errors import DatabaseUnavailable
from triage.notification.vocabulary import RiskGrade
from triage.rules.catalogue import HourThreshold
from triage.store import Database
from triage.store.tables import DecisionRecord, EpisodeRecord, NotificationVersion, UTCDateTime

log = logging.getLogger(__name__)
_STRICT_MARGIN = timedelta(minutes=1)  # `$gt` thresholds: look just after the hours pass


@dataclass(frozen=True, slots=True)
class Due:
    episode_id: int
    police_reference: str
    version_id: int
    as_of: datetime
    trigger: str
    why: str  # in words, e.g. "still missing at 72 hours"


@dataclass(frozen=True, slots=True)
class Change:
    police_reference: str
    before: RiskGrade  # the vetted level of the decision on the same version before the re-vet
    after: RiskGrade
    why: str
    new_reasons: tuple[str, ...]  # rule ids that fired now and not on the decision before


@dataclass(frozen=True, slots=True)
class Moved:
    """An episode whose level in force is not what it was before the pass."""

    police_reference: str
    before: RiskGrade
    after: RiskGrade


@dataclass(slots=True)
class RevetSummary:
    examined: int = 0
    decided: int = 0
    failed: int = 0
    changes: list[Change] = field(default_factory=list)  # re-vets that changed a vetted level
    why: dict[str, int] = field(default_factory=dict)  # re-vets by reason
    moved: list[Moved] = field(default_factory=list)  # episodes whose level in force changed

    @property
    def raised(self) -> int:
        return sum(1 for c in self.changes if c.after.rank > c.before.rank)


def crossing(last_seen: datetime, threshold: HourThreshold) -> datetime:
    """The moment an episode last seen at `last_seen` passes the threshold."""
    moment = last_seen + timedelta(hours=threshold.hours)
    return moment + _STRICT_MARGIN if threshold.strict else moment


def due(session: Session, thresholds: tuple[HourThreshold, ...], as_of: datetime) -> list[Due]:
    """Every (open version, threshold crossing) passed by `as_of` and not yet judged, in time
    order."""
    if not thresholds:
        return []
    following = (
        func.lead(NotificationVersion.sent_at)
        .over(
            partition_by=NotificationVersion.episode_id,
            order_by=(NotificationVersion.sent_at, NotificationVersion.version),
        )
        .label("until")
    )
    versions = select(
        NotificationVersion.id,
        NotificationVersion.episode_id,
        NotificationVersion.last_seen_at,
        NotificationVersion.returned_at,
        NotificationVersion.sent_at,
        following,
    ).subquery("versions")
    rows = session.execute(
        select(
            versions.c.id,
            versions.c.episode_id,
            EpisodeRecord.police_reference,
            type_coerce(versions.c.last_seen_at, UTCDateTime),
            type_coerce(versions.c.sent_at, UTCDateTime),
            type_coerce(versions.c.until, UTCDateTime),
        )
        .join(EpisodeRecord, EpisodeRecord.id == versions.c.episode_id)
        .where(versions.c.returned_at.is_(None), versions.c.sent_at <= as_of)
        .order_by(versions.c.episode_id, versions.c.sent_at)
    ).all()
    judged = _latest_moments(session, [row[0] for row in rows])
    found = []
    for version_id, episode_id, reference, last_seen, sent_at, until in rows:
        for threshold in thresholds:
            moment = crossing(last_seen, threshold)
            if not (sent_at < moment <= as_of) or (until is not None and moment >= until):
                continue
            if judged.get(version_id, sent_at) >= moment:
                continue
            found.append(
                Due(
                    episode_id,
                    reference,
                    version_id,
                    moment,
                    Trigger.hours(threshold.hours),
                    threshold.label,
                )
            )
    return sorted(found, key=lambda d: (d.as_of, d.episode_id))


def _latest_moments(session: Session, version_ids: list[int]) -> dict[int, datetime]:
    """The latest moment any decision on each version speaks for."""
    moments: dict[int, datetime] = {}
    for start in range(0, len(version_ids), 500):
        chunk = version_ids[start : start + 500]
        for version_id, moment in session.execute(
            select(DecisionRecord.version_id, DecisionRecord.as_of).where(
                DecisionRecord.version_id.in_(chunk)
            )
        ):
            if version_id not in moments or moment > moments[version_id]:
                moments[version_id] = moment
    return moments


def not_vetted(session: Session) -> list[tuple[int, str]]:
    """(episode id, police reference) of every episode whose newest version has no decision."""
    rows = in_force()
    return [
        (episode_id, reference)
        for episode_id, reference in session.execute(
            select(EpisodeRecord.id, EpisodeRecord.police_reference)
            .join(rows, rows.c.episode_id == EpisodeRecord.id)
            .where(rows.c.status == ReviewStatus.NOT_VETTED.value)
            .order_by(EpisodeRecord.id)
        )
    ]


def _one(
    database: Database,
    vetter: Vetter,
    *,
    episode_id: int,
    police_reference: str,
    version_id: int | None,
    as_of: datetime | None,
    trigger: str,
    why: str,
    now: datetime,
    summary: RevetSummary,
) -> None:
    """Vet one version (default: the episode's newest) in its own transaction and note what
    changed: the vetted level against the decision on the same version just before it."""
    try:
        with database.transaction() as session:
            version = (
                session.get_one(NotificationVersion, version_id)
                if version_id is not None
                else service.current_version(session, episode_id)
            )
            previous = session.scalar(
                select(DecisionRecord)
                .where(DecisionRecord.version_id == version.id)
                .order_by(DecisionRecord.as_of.desc(), DecisionRecord.id.desc())
                .limit(1)
            )
            record = service.decide(
                session, vetter, version=version, now=now, as_of=as_of, trigger=trigger
            )
            if record is None:
                summary.failed += 1
                return
    except IntegrityError:  # another process made the same decision at the same moment
        return
    summary.decided += 1
    summary.why[why] = summary.why.get(why, 0) + 1
    if previous is None or previous.vetted_level == record.vetted_level:
        return
    fired_before = {r.rule_id for r in service.read(previous).reasons}
    summary.changes.append(
        Change(
            police_reference=police_reference,
            before=RiskGrade(previous.vetted_level),
            after=RiskGrade(record.vetted_level),
            why=why,
            new_reasons=tuple(
                r.rule_id for r in service.read(record).reasons if r.rule_id not in fired_before
            ),
        )
    )


def revet_due(
    database: Database,
    vetter: Vetter,
    thresholds: tuple[HourThreshold, ...],
    *,
    as_of: datetime,
    now: datetime,
    failed: bool = True,
) -> RevetSummary:
    """Retry every failed vetting (unless told not to), then re-vet every episode due by
    `as_of`. One transaction per episode: one that fails again is kept as a failure."""
    summary = RevetSummary()
    with database.reading() as session:
        unvetted = not_vetted(session) if failed else []
        pending = due(session, thresholds, as_of)
        touched = {e for e, _ in unvetted} | {item.episode_id for item in pending}
        before = levels_in_force(session, sorted(touched))
    if failed:
        for episode_id, reference in unvetted:
            summary.examined += 1
            _one(
                database,
                vetter,
                episode_id=episode_id,
                police_reference=reference,
                version_id=None,
                as_of=None,
                trigger=Trigger.RETRY,
                why="vetting failed before",
                now=now,
                summary=summary,
            )
    for item in pending:
        summary.examined += 1
        _one(
            database,
            vetter,
            episode_id=item.episode_id,
            police_reference=item.police_reference,
            version_id=item.version_id,
            as_of=item.as_of,
            trigger=item.trigger,
            why=item.why,
            now=now,
            summary=summary,
        )
    if touched:
        summary.moved = _moved(database, before)
    return summary


def _moved(database: Database, before: dict[int, LevelInForce]) -> list[Moved]:
    """The episodes among `before` whose level in force is now different, by reference."""
    with database.reading() as session:
        after = levels_in_force(session, sorted(before))
        references: dict[int, str] = {
            row.id: row.police_reference
            for row in session.execute(
                select(EpisodeRecord.id, EpisodeRecord.police_reference).where(
                    EpisodeRecord.id.in_(sorted(before))
                )
            )
        }
    return [
        Moved(references[episode_id], was.level, after[episode_id].level)
        for episode_id, was in sorted(before.items())
        if episode_id in after and after[episode_id].level is not was.level
    ]


class RevetSchedule:
    """The service's own clock: every `interval` seconds, retries failed vettings and re-vets
    what is due. A background thread; what is due is read from the database each time."""

    def __init__(
        self,
        database: Database,
        vetter: Vetter,
        thresholds: Callable[[], tuple[HourThreshold, ...]],
        *,
        interval: float,
        clock: Callable[[], datetime],
        followers: Sequence[Callable[[datetime], object]] = (),
    ) -> None:
        self.database, self.vetter, self.thresholds = database, vetter, thresholds
        self.interval, self.clock = interval, clock
        self.followers = tuple(followers)  # passes that follow each re-vet (interview tasks)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def run_once(self) -> RevetSummary:
        now = self.clock()
        summary = revet_due(self.database, self.vetter, self.thresholds(), as_of=now, now=now)
        for follower in self.followers:
            follower(now)
        self.runs += 1
        if summary.decided or summary.failed:
            log.info(
                "re-vetted %d episodes (%d changed level, %d failed)",
                summary.decided,
                len(summary.changes),
                summary.failed,
            )
        return summary

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except DatabaseUnavailable:
                log.warning(
                    "the database is not answering; the next re-vetting runs in %ss", self.interval
                )
            except Exception:  # the schedule must outlive a bad pass (say, the database down)
                log.exception("a re-vetting pass failed; the next runs in %ss", self.interval)
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="revet", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
