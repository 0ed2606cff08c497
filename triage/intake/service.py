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
    Resolution,
    claim_identifiers,
    lock_identity,
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


def store(session: Session, notification: Notification, *, now: datetime) -> Receipt:
    """Store a valid notification as a new episode or a new version of its episode."""
    digest = content_hash(notification)
    lock_identity(session, notification.child)
    episode = session.scalar(
        select(EpisodeRecord).where(EpisodeRecord.police_reference == notification.police_reference)
    )
    if episode is None:
        return _accept(session, notification, digest, now)

    held = session.scalars(
        select(NotificationVersion.content_hash).where(NotificationVersion.episode_id == episode.id)
    ).all()
    if digest in held:
        return Receipt(
            Outcome.UNCHANGED,
            notification.police_reference,
            episode.id,
            episode.version_count,
            episode.child_id,
            episode.match_method,
        )

    episode.version_count += 1
    version = _add_version(session, episode, notification, digest, now)
    resolution = Resolution(episode.child_id, episode.match_method)
    claim_identifiers(session, resolution, notification.child)
    record_possible_matches(session, resolution, now)
    if notification.sent_at >= episode.sent_at:
        _apply(episode, notification, now)
    session.flush()
    return Receipt(
        Outcome.UPDATED,
        notification.police_reference,
        episode.id,
        episode.version_count,
        episode.child_id,
        episode.match_method,
        len(resolution.possible_matches),
        version_id=version.id,
    )


def _accept(session: Session, notification: Notification, digest: str, now: datetime) -> Receipt:
    resolution = resolve_child(session, notification.child, now=now)
    episode = EpisodeRecord(
        police_reference=notification.police_reference,
        child_id=resolution.child_id,
        match_method=resolution.method,
        match_note=resolution.note,
        version_count=1,
    )
    _apply(episode, notification, now)
    session.add(episode)
    session.flush()
    version = _add_version(session, episode, notification, digest, now)
    return Receipt(
        Outcome.ACCEPTED,
        notification.police_reference,
        episode.id,
        1,
        resolution.child_id,
        resolution.method,
        len(resolution.possible_matches),
        version_id=version.id,
    )


def _add_version(
    session: Session, episode: EpisodeRecord, n: Notification, digest: str, now: datetime
) -> NotificationVersion:
    version = NotificationVersion(
        episode_id=episode.id,
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
    session.add(version)
    session.flush()
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
