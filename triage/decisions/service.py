"""Storing and reading vetted decisions; a vetting that raises is kept, never lost.

The ladder: `get_or_raise`, `newest`, `of_episode`, `read` (the stored JSON back as a typed
`VettedDecision`), `decide` (vet a stored version as of a moment and keep the decision) and
the failures (`open_failures`). The caller owns the transaction; `decide` works inside a
savepoint, so a vetting that fails leaves the caller's transaction (the stored notification,
its receipt, its audit entry) whole.
"""

from __future__ import annotations

import logging
import traceback
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.decisions.models import VettedDecision, from_json, to_json
from triage.errors import RecordNotFound
from triage.notification import Notification
from triage.store.tables import (
    DecisionRecord,
    EpisodeRecord,
    NotificationVersion,
    VettingFailure,
)

log = logging.getLogger(__name__)


class Trigger:
    """Why a decision was made (stored on it as `trigger`)."""

    VERSION = "version"  # police sent this version
    RETRY = "retry"  # vetting this version failed before and has now succeeded
    REVET = "revet"  # a person asked for a re-vet (`triage revet`)

    @staticmethod
    def hours(hours: float) -> str:
        """An open episode passed a time threshold in the rules."""
        return f"still_missing_{hours:g}h"


class Vetter(Protocol):
    """What makes a decision (`triage.vetting.Vetter`)."""

    @property
    def ruleset_version(self) -> str: ...

    @property
    def model_version(self) -> str: ...

    def vet(
        self,
        session: Session,
        n: Notification,
        *,
        child_id: int | None,
        episode_id: int | None = None,
        as_of: datetime | None = None,
    ) -> VettedDecision: ...


def get_or_raise(session: Session, decision_id: int) -> DecisionRecord:
    record = session.get(DecisionRecord, decision_id)
    if record is None:
        raise RecordNotFound("decision", decision_id)
    return record


def newest(session: Session, episode_id: int) -> DecisionRecord | None:
    """The episode's newest decision: the one that speaks for the latest moment (see
    `triage.decisions.level`)."""
    return session.scalar(
        select(DecisionRecord)
        .where(DecisionRecord.episode_id == episode_id)
        .order_by(DecisionRecord.as_of.desc(), DecisionRecord.id.desc())
        .limit(1)
    )


def of_episode(session: Session, episode_id: int) -> list[DecisionRecord]:
    """Every decision on the episode, by the moment each speaks for, oldest first."""
    return list(
        session.scalars(
            select(DecisionRecord)
            .where(DecisionRecord.episode_id == episode_id)
            .order_by(DecisionRecord.as_of, DecisionRecord.id)
        )
    )


def read(record: DecisionRecord) -> VettedDecision:
    """A stored decision as the typed decision it was made as."""
    return from_json(record.body)


def current_version(session: Session, episode_id: int) -> NotificationVersion:
    """The version the episode's fields come from: the newest sent."""
    version = session.scalars(
        select(NotificationVersion)
        .where(NotificationVersion.episode_id == episode_id)
        .order_by(NotificationVersion.sent_at.desc(), NotificationVersion.version.desc())
        .limit(1)
    ).first()
    if version is None:
        raise RecordNotFound("notification version of episode", episode_id)
    return version


def decide(
    session: Session,
    vetter: Vetter,
    *,
    version: NotificationVersion,
    now: datetime,
    as_of: datetime | None = None,
    trigger: str = Trigger.VERSION,
    notification: Notification | None = None,
) -> DecisionRecord | None:
    """Vet a stored version as of `as_of` (default: when police sent it) and keep the decision.

    An existing decision for the same version, ruleset, model and moment stands. If vetting
    raises, nothing of it is kept but a `VettingFailure` row, and None is returned: the
    notification then shows as not vetted until a retry succeeds. `notification` is the
    version already parsed, when the caller has it."""
    moment = as_of or version.sent_at
    existing = session.scalar(
        select(DecisionRecord).where(
            DecisionRecord.version_id == version.id,
            DecisionRecord.ruleset_version == vetter.ruleset_version,
            DecisionRecord.model_version == vetter.model_version,
            DecisionRecord.as_of == moment,
        )
    )
    if existing is not None:
        return existing
    episode = session.get_one(EpisodeRecord, version.episode_id)
    try:
        with session.begin_nested():
            n = notification or Notification.model_validate(version.payload)
            decision = vetter.vet(
                session, n, child_id=episode.child_id, episode_id=episode.id, as_of=moment
            )
            record = as_record(decision, version, now=now, trigger=trigger)
            session.add(record)
            session.flush()
    except IntegrityError:  # another process made this very decision a moment ago: it stands
        return session.scalar(
            select(DecisionRecord).where(
                DecisionRecord.version_id == version.id,
                DecisionRecord.ruleset_version == vetter.ruleset_version,
                DecisionRecord.model_version == vetter.model_version,
                DecisionRecord.as_of == moment,
            )
        )
    except Exception as exc:  # any failure of vetting: the notification must not go unseen
        _keep_failure(session, episode.id, version.id, moment, trigger, exc, now)
        return None
    session.execute(
        update(VettingFailure)
        .where(VettingFailure.version_id == version.id, VettingFailure.resolved_at.is_(None))
        .values(resolved_at=now)
    )
    return record


def as_record(
    decision: VettedDecision, version: NotificationVersion, *, now: datetime, trigger: str
) -> DecisionRecord:
    """The row that keeps a decision on a stored (flushed) version."""
    return DecisionRecord(
        episode_id=version.episode_id,
        version_id=version.id,
        ruleset_version=decision.ruleset_version,
        model_version=decision.model_version,
        as_of=decision.as_of,
        decided_at=now,
        vetted_level=decision.vetted_level.value,
        classification=decision.classification.value,
        reclassified=decision.reclassified,
        team=decision.team,
        trigger=trigger,
        body=to_json(decision),
    )


def _where(exc: BaseException) -> str:
    """The exception's kind and the place it was raised: never its message, which can hold a
    record's values (names, dates of birth)."""
    frames = traceback.extract_tb(exc.__traceback__)
    place = f" at {frames[-1].name} ({frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})"
    return (type(exc).__name__ + (place if frames else ""))[:200]


def _keep_failure(
    session: Session,
    episode_id: int,
    version_id: int,
    as_of: datetime,
    trigger: str,
    exc: BaseException,
    now: datetime,
) -> None:
    error = _where(exc)
    log.error("vetting failed for episode %s (version %s): %s", episode_id, version_id, error)
    failure = session.scalar(
        select(VettingFailure).where(
            VettingFailure.version_id == version_id, VettingFailure.as_of == as_of
        )
    )
    if failure is None:
        session.add(
            VettingFailure(
                episode_id=episode_id,
                version_id=version_id,
                as_of=as_of,
                trigger=trigger,
                error=error,
                attempts=1,
                first_failed_at=now,
                last_failed_at=now,
            )
        )
    else:
        failure.attempts += 1
        failure.error, failure.last_failed_at, failure.resolved_at = error, now, None
    session.flush()


def open_failures(session: Session) -> list[VettingFailure]:
    """Vettings that failed and have not yet succeeded, oldest first."""
    return list(
        session.scalars(
            select(VettingFailure)
            .where(VettingFailure.resolved_at.is_(None))
            .order_by(VettingFailure.first_failed_at, VettingFailure.id)
        )
    )
