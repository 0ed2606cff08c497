"""Intake: accept, update, leave unchanged, or reject one record. The caller owns the transaction.

Idempotent by police reference. A payload identical to any version already held changes nothing.
A changed one becomes the next version; the episode takes its fields only if it is the newest
by `sent_at`, so a late-arriving older version is kept but does not roll the episode back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import decisions
from triage.decisions.service import Vetter
from triage.errors import FieldError, NotificationRejected
from triage.identity.matching import (
    LOCAL_CHILD_ID,
    POLICE_PERSON_ID,
    Directory,
    Resolution,
    claim_identifiers,
    record_possible_matches,
    resolve_child,
)
from triage.notification import Notification, RawRecord, parse_notification
from triage.notification.reader import canonical_json
from triage.quarantine import service as quarantine
from triage.store.tables import EpisodeCompanion, EpisodeRecord, NotificationVersion


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Receipt:
    """What happened to one record: enough for a police system or a person to act on."""

    outcome: Outcome
    police_reference: str | None = None
    episode_id: int | None = None
    version: int | None = None
    child_id: int | None = None
    match_method: str | None = None
    possible_matches: int = 0
    quarantine_id: int | None = None
    errors: tuple[FieldError, ...] = field(default_factory=tuple)
    version_id: int | None = None
    vetted_level: str | None = None
    vetting_failed: bool = False  # stored, but not vetted: shown as the police grade or higher


def submit(
    session: Session, record: RawRecord, *, now: datetime, vetter: Vetter | None = None
) -> Receipt:
    """Validate a raw record and store it (and vet it, given a vetter), or quarantine it.

    A vetting that fails never loses the record: it is stored, counted as not vetted, shown in
    the queue as such, and vetted again automatically (`triage.decisions.revet`)."""
    if record.read_error is not None or record.payload is None:
        errors = [record.read_error] if record.read_error else []
        return reject(session, record, errors, now=now)
    try:
        notification = parse_notification(record.payload)
    except NotificationRejected as exc:
        return reject(session, record, exc.errors, now=now)
    receipt = store(session, notification, now=now)
    if vetter is None:
        return receipt
    # The decision is always on the episode's current version (the newest sent): an unchanged
    # resubmission, or an older version arriving late, must not displace the newest decision.
    version = decisions.current_version(session, receipt.episode_id or 0)
    parsed = notification if version.id == receipt.version_id else None
    decision = decisions.decide(session, vetter, version=version, now=now, notification=parsed)
    if decision is None:
        return replace(receipt, vetting_failed=True)
    return replace(receipt, vetted_level=decision.vetted_level)


def reject(
    session: Session,
    record: RawRecord,
    errors: list[FieldError],
    *,
    now: datetime,
    replay_of: int | None = None,
) -> Receipt:
    kept = quarantine.keep(
        session,
        source=record.source,
        position=record.position,
        raw=record.raw,
        payload=record.payload,
        errors=errors,
        now=now,
        replay_of=replay_of,
    )
    reference = record.payload.get("police_reference") if record.payload else None
    return Receipt(
        Outcome.REJECTED,
        police_reference=reference if isinstance(reference, str) else None,
        quarantine_id=kept.id,
        errors=tuple(errors),
    )


def content_hash(notification: Notification) -> str:
    return hashlib.sha256(canonical_json(notification).encode("utf-8")).hexdigest()


class Ledger:
    """What intake reads and writes in one transaction: episodes by police reference, the
    payloads each already holds, and who each child is (a `Directory`). This one asks the store
    each question as it comes; `triage.intake.bulk` answers a whole chunk's from a few queries."""

    def __init__(self, session: Session, directory: Directory | None = None) -> None:
        self.session = session
        self.directory = directory or Directory(session)

    def lock(self, notification: Notification) -> None:
        self.directory.lock([notification.child])

    def episode(self, police_reference: str) -> EpisodeRecord | None:
        return self.session.scalar(
            select(EpisodeRecord).where(EpisodeRecord.police_reference == police_reference)
        )

    def held(self, episode: EpisodeRecord) -> set[str]:
        """The content hashes of the versions the episode holds."""
        return set(
            self.session.scalars(
                select(NotificationVersion.content_hash).where(
                    NotificationVersion.episode_id == episode.id
                )
            )
        )

    def added(self, episode: EpisodeRecord, version: NotificationVersion) -> None:
        """A version was added (and with it, perhaps, its episode)."""


@dataclass(frozen=True, slots=True)
class Stored:
    """What `keep` did with a notification; its receipt can be read once the store has flushed
    (that is when new rows get their ids)."""

    outcome: Outcome
    episode: EpisodeRecord
    version: NotificationVersion | None
    possible_matches: int = 0

    def receipt(self) -> Receipt:
        episode = self.episode
        return Receipt(
            self.outcome,
            episode.police_reference,
            episode.id,
            self.version.version if self.version else episode.version_count,
            episode.child_id,
            episode.match_method,
            self.possible_matches,
            version_id=self.version.id if self.version else None,
        )


def store(
    session: Session, notification: Notification, *, now: datetime, ledger: Ledger | None = None
) -> Receipt:
    """Store a valid notification as a new episode or a new version of its episode."""
    stored = keep(ledger or Ledger(session), notification, now=now)
    session.flush()
    return stored.receipt()


def keep(ledger: Ledger, notification: Notification, *, now: datetime) -> Stored:
    """A valid notification as a new episode, a new version of its episode, or nothing new;
    added to the session, not yet flushed."""
    digest = content_hash(notification)
    ledger.lock(notification)
    episode = ledger.episode(notification.police_reference)
    if episode is None:
        resolution = resolve_child(ledger.directory, notification.child, now=now)
        episode = EpisodeRecord(
            police_reference=notification.police_reference,
            child_id=resolution.child_id,
            match_method=resolution.method,
            match_note=resolution.note,
            version_count=1,
        )
        _apply(episode, notification, now)
        ledger.session.add(episode)
        version = _add_version(ledger, episode, notification, digest, now)
        return Stored(Outcome.ACCEPTED, episode, version, len(resolution.possible_matches))

    if digest in ledger.held(episode):
        return Stored(Outcome.UNCHANGED, episode, None)

    episode.version_count += 1
    version = _add_version(ledger, episode, notification, digest, now)
    resolution = Resolution(episode.child_id, episode.match_method)
    claim_identifiers(ledger.directory, resolution, notification.child)
    record_possible_matches(ledger.directory, resolution, now)
    if notification.sent_at >= episode.sent_at:
        _apply(episode, notification, now)
    return Stored(Outcome.UPDATED, episode, version, len(resolution.possible_matches))


def _add_version(
    ledger: Ledger, episode: EpisodeRecord, n: Notification, digest: str, now: datetime
) -> NotificationVersion:
    version = NotificationVersion(
        episode=episode,
        version=episode.version_count,
        sent_at=n.sent_at,
        received_at=now,
        content_hash=digest,
        payload=n.model_dump(mode="json"),
        last_seen_at=n.episode.last_seen_at,
        returned_at=n.episode.returned_at,
        police_classification=n.police_classification.value,
        police_risk_grade=n.police_risk_grade.value,
        indicators=sorted(set(n.episode.indicators)),
    )
    ledger.session.add(version)
    ledger.added(episode, version)
    return version


def _apply(episode: EpisodeRecord, n: Notification, now: datetime) -> None:
    """Copy the fields history needs from the newest version onto the episode."""
    episode.sent_at = n.sent_at
    episode.police_classification = n.police_classification
    episode.police_risk_grade = n.police_risk_grade
    episode.reported_at = n.episode.reported_at
    episode.last_seen_at = n.episode.last_seen_at
    episode.returned_at = n.episode.returned_at
    episode.indicators = sorted(set(n.episode.indicators))
    episode.updated_at = now
    wanted = {
        (kind, value)
        for c in n.episode.companions
        for kind, value in (
            (LOCAL_CHILD_ID, c.local_child_id),
            (POLICE_PERSON_ID, c.police_person_id),
        )
        if value
    }
    episode.companions = [c for c in episode.companions if (c.kind, c.value) in wanted]
    have = {(c.kind, c.value) for c in episode.companions}
    episode.companions.extend(
        EpisodeCompanion(kind=kind, value=value) for kind, value in sorted(wanted - have)
    )
