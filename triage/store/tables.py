"""The database tables. Every time is stored in UTC; notification versions are never rewritten.

children ──< child_identifiers          (local child id, police person id: one owner each)
    │
    └──< episodes ──< notification_versions   (every version police sent, append-only;
             │                                  each with the fields history needs)
             └──< episode_companions          (children seen missing together)
possible_matches                              (fuzzy identity matches a person must confirm)
quarantine                                    (rejected records with their errors, replayable)
decisions ──< reviews ──< review_agreements   (the machine's decision; people's reviews beside it)
vetting_failures                              (a vetting that raised: retried until it succeeds)
action_completions                            (an action done for an episode, by whom)
users ──< receipts                            (people and police systems; what each feed sent)
revoked_tokens                                (sign-ins ended before their tokens expired)
audit_events                                  (append-only: the database refuses change)
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite would otherwise hand back naive times)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; every time must be aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class ChildRecord(Base):
    """A child as this service knows them; `merged_into_id` is set when a match is confirmed."""

    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(210), index=True)
    date_of_birth: Mapped[date] = mapped_column(Date, index=True)
    sex: Mapped[str] = mapped_column(String(20))
    ethnicity: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))

    identifiers: Mapped[list[ChildIdentifier]] = relationship(back_populates="child")


class ChildIdentifier(Base):
    """An identifier another system holds for a child. Each value belongs to one child only."""

    __tablename__ = "child_identifiers"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(String(64))

    child: Mapped[ChildRecord] = relationship(back_populates="identifiers")


class EpisodeRecord(Base):
    """One episode, holding the fields of its latest version (by `sent_at`) for history queries."""

    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    police_reference: Mapped[str] = mapped_column(String(64), unique=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    match_method: Mapped[str] = mapped_column(String(30))
    match_note: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime]
    police_classification: Mapped[str] = mapped_column(String(20))
    police_risk_grade: Mapped[str] = mapped_column(String(20))
    reported_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(index=True)
    returned_at: Mapped[datetime | None]
    indicators: Mapped[list[Any]]
    version_count: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]

    versions: Mapped[list[NotificationVersion]] = relationship(
        back_populates="episode", order_by="NotificationVersion.version"
    )
    companions: Mapped[list[EpisodeCompanion]] = relationship(
        back_populates="episode", cascade="all, delete-orphan"
    )


class NotificationVersion(Base):
    """Exactly what police sent, once per distinct payload. Never updated or deleted."""

    __tablename__ = "notification_versions"
    __table_args__ = (UniqueConstraint("episode_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"))
    version: Mapped[int]
    sent_at: Mapped[datetime]
    received_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    # The fields history needs, as this version said them: a child's history as of a moment is
    # built from the versions police had sent by then, not from today's episode row.
    last_seen_at: Mapped[datetime]
    returned_at: Mapped[datetime | None]
    police_classification: Mapped[str] = mapped_column(String(20))
    police_risk_grade: Mapped[str] = mapped_column(String(20))
    indicators: Mapped[list[Any]]

    episode: Mapped[EpisodeRecord] = relationship(back_populates="versions")


Index("ix_notification_versions_sent_at", NotificationVersion.sent_at)
Index(
    "ix_notification_versions_episode_id_sent_at",
    NotificationVersion.episode_id,
    NotificationVersion.sent_at,
)


class EpisodeCompanion(Base):
    """A child police saw missing with this one, by the identifier they gave."""

    __tablename__ = "episode_companions"
    __table_args__ = (UniqueConstraint("episode_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"))
    kind: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(String(64))

    episode: Mapped[EpisodeRecord] = relationship(back_populates="companions")


Index("ix_episode_companions_kind_value", EpisodeCompanion.kind, EpisodeCompanion.value)


class PossibleMatch(Base):
    """Two child records that may be one child. A person confirms or rejects; never automatic."""

    __tablename__ = "possible_matches"
    __table_args__ = (UniqueConstraint("child_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))


class QuarantinedRecord(Base):
    """A record that broke the contract, kept whole with its errors until a person replays it."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(200))
    position: Mapped[int]
    raw: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None]
    errors: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    resolved_at: Mapped[datetime | None]
    replayed_as: Mapped[str | None] = mapped_column(String(64))
    replay_of_id: Mapped[int | None] = mapped_column(ForeignKey("quarantine.id"))
    # The same raw text arriving again while this entry is open is counted here, not kept twice.
    raw_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    times_received: Mapped[int] = mapped_column(default=1, server_default="1")
    last_received_at: Mapped[datetime | None]


class DecisionRecord(Base):
    """A vetted decision as the machine made it. Never updated: a new version, a new ruleset or
    model, or time passing while the child is still missing adds a new row (`trigger` says why).
    """

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint(
            "version_id",
            "ruleset_version",
            "model_version",
            "as_of",
            name="uq_decisions_version_moment",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("notification_versions.id"))
    ruleset_version: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str] = mapped_column(String(64), default="")
    as_of: Mapped[datetime]
    decided_at: Mapped[datetime]
    vetted_level: Mapped[str] = mapped_column(String(20), index=True)
    classification: Mapped[str] = mapped_column(String(20))
    reclassified: Mapped[bool]
    team: Mapped[str] = mapped_column(String(120))
    trigger: Mapped[str] = mapped_column(String(40), default="version")
    body: Mapped[dict[str, Any]]


class VettingFailure(Base):
    """A vetting that raised. The notification is stored and shown as not vetted; the failure is
    retried until a decision lands (then `resolved_at` is set). `error` names the exception's
    kind and where it was raised, never the record's content."""

    __tablename__ = "vetting_failures"
    __table_args__ = (UniqueConstraint("version_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("notification_versions.id"))
    as_of: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(String(40))
    error: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer)
    first_failed_at: Mapped[datetime]
    last_failed_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)


class UserRecord(Base):
    """A person or a police system that signs in. Only a hash of the password is kept."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20).with_variant(String(40), "postgresql"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # Wrong passwords in a row; at the limit the account locks until an admin unlocks it.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None]


class RevokedToken(Base):
    """A sign-in ended before its token expired (signed out): refused on every request."""

    __tablename__ = "revoked_tokens"

    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ReviewRecord(Base):
    """A person's confirmation or override of one machine decision; the decision is untouched.

    `needs_agreement` is set when a "high" is lowered: the review takes effect only once a
    second person agrees (a `ReviewAgreement`).
    """

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(20))  # confirmed | overridden
    machine_level: Mapped[str] = mapped_column(String(20))
    reviewed_level: Mapped[str] = mapped_column(String(20))
    level_before: Mapped[str] = mapped_column(String(20))  # in force when the review was made
    reason_code: Mapped[str] = mapped_column(String(40))
    reason_text: Mapped[str | None] = mapped_column(Text)
    needs_agreement: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]

    reviewer: Mapped[UserRecord] = relationship(foreign_keys=[reviewer_id])
    agreement: Mapped[ReviewAgreement | None] = relationship(back_populates="review")


class ReviewAgreement(Base):
    """A second person's answer to a review that lowers a "high": agreed or refused, once."""

    __tablename__ = "review_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), unique=True)
    agreed: Mapped[bool] = mapped_column(Boolean)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    review: Mapped[ReviewRecord] = relationship(back_populates="agreement")
    by: Mapped[UserRecord] = relationship(foreign_keys=[by_id])


class ActionCompletion(Base):
    """An action a decision asked for (an RHI offer, a strategy discussion) marked done."""

    __tablename__ = "action_completions"
    __table_args__ = (UniqueConstraint("episode_id", "action_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    action_type: Mapped[str] = mapped_column(String(40))
    completed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime]

    completed_by: Mapped[UserRecord] = relationship()


class SubmissionReceipt(Base):
    """What a police feed sent and what it was told, so it can read its own receipts back."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    received_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(20))
    police_reference: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int | None]
    vetted_level: Mapped[str | None] = mapped_column(String(20))
    quarantine_id: Mapped[int | None] = mapped_column(ForeignKey("quarantine.id"))
    errors: Mapped[list[Any]]


class AuditEvent(Base):
    """Who did or saw what, when, to which record. Insert only: triggers refuse UPDATE and DELETE.

    `detail` never holds names, dates of birth or addresses; records are named by their ids.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20).with_variant(String(40), "postgresql"))
    action: Mapped[str] = mapped_column(String(40), index=True)
    record_type: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]


Index("ix_audit_events_record", AuditEvent.record_type, AuditEvent.record_id)
