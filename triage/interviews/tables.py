"""The return home interview tables, on the store's `Base` (so migrations and the schema check
see them). Every time is UTC. The monthly report reads these; each column says what it means.

team_memberships                  which area team a missing support worker works for
interview_tasks ──< interview_episodes     one task per returned episode (a merged task covers
      │                                    several: `interview_episodes.episode_id` is unique)
      ├──< interview_disclosures           indicators the child disclosed (history reads them)
      └──< interview_referrals             referrals the interview led to, one row each

A task's `status`: `open` (nothing recorded yet), `offered` (offered, not yet held or
declined), `held` or `declined` (done), or `withdrawn` (nothing recorded, and the newest
decisions no longer ask for an interview: not due; why is in the audit trail). Offered, held
and declined keep their own times, so "offered within 72 hours" is `offered_at <= due_at` and
"held within 72 hours" is `held_at <= due_at`; `successful` is the reports' definition (a
meaningful face-to-face or telephone conversation about the episode), only on a held
interview.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.store.tables import Base, ChildRecord, EpisodeRecord, UserRecord


class TeamMembership(Base):
    """The one area team (a team name of `rules/data/teams.csv`) a worker works for."""

    __tablename__ = "team_memberships"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    team: Mapped[str] = mapped_column(String(120), index=True)
    since: Mapped[datetime]


class InterviewTask(Base):
    """A return home interview to offer and hold, for the team of the child's area."""

    __tablename__ = "interview_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    team: Mapped[str] = mapped_column(String(120), index=True)  # the decision's routing
    status: Mapped[str] = mapped_column(String(20), index=True)
    returned_at: Mapped[datetime]  # the latest return of its episodes, as police last said it
    due_at: Mapped[datetime] = mapped_column(index=True)  # returned_at + rhi_due_hours
    created_at: Mapped[datetime]
    allocated_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    allocated_at: Mapped[datetime | None]
    offered_at: Mapped[datetime | None]
    offered_how: Mapped[str | None] = mapped_column(String(30))
    declined_at: Mapped[datetime | None]
    declined_by: Mapped[str | None] = mapped_column(String(20))  # child | parent | carer
    held_at: Mapped[datetime | None]
    held_how: Mapped[str | None] = mapped_column(String(20))  # face_to_face | telephone
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The statutory guidance's independence check, asked and kept: both must be false.
    interviewer_is_carer: Mapped[bool | None] = mapped_column(Boolean)
    interviewer_is_social_worker: Mapped[bool | None] = mapped_column(Boolean)
    successful: Mapped[bool | None] = mapped_column(Boolean)
    push_factors: Mapped[list[Any]] = mapped_column(default=list)
    pull_factors: Mapped[list[Any]] = mapped_column(default=list)
    harms: Mapped[list[Any]] = mapped_column(default=list)
    whereabouts: Mapped[str | None] = mapped_column(Text)  # free text: where, with whom
    shared_with_police: Mapped[bool | None] = mapped_column(Boolean)
    police_intelligence_reference: Mapped[str | None] = mapped_column(String(64))
    police_acknowledged: Mapped[bool | None] = mapped_column(Boolean)
    outcome_recorded_at: Mapped[datetime | None]
    outcome_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    episodes: Mapped[list[InterviewEpisode]] = relationship(
        back_populates="task", order_by="InterviewEpisode.returned_at"
    )
    disclosures: Mapped[list[InterviewDisclosure]] = relationship(
        order_by="InterviewDisclosure.indicator"
    )
    referrals: Mapped[list[InterviewReferral]] = relationship(order_by="InterviewReferral.id")
    child: Mapped[ChildRecord] = relationship()
    allocated_to: Mapped[UserRecord | None] = relationship(foreign_keys=[allocated_to_id])
    held_by: Mapped[UserRecord | None] = relationship(foreign_keys=[held_by_id])


class InterviewEpisode(Base):
    """An episode a task covers. Unique per episode: each episode has one interview."""

    __tablename__ = "interview_episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("interview_tasks.id"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), unique=True)
    returned_at: Mapped[datetime]  # the return police reported, as last seen by the service
    added_at: Mapped[datetime]
    merged: Mapped[bool] = mapped_column(Boolean)  # joined an open task: missing again before

    task: Mapped[InterviewTask] = relationship(back_populates="episodes")
    episode: Mapped[EpisodeRecord] = relationship()


class InterviewDisclosure(Base):
    """An indicator (the notification vocabulary) the child disclosed in a held interview: part
    of the child's history from `recorded_at`, with the interview as its source."""

    __tablename__ = "interview_disclosures"
    __table_args__ = (UniqueConstraint("task_id", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("interview_tasks.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime]


class InterviewReferral(Base):
    """A referral an interview led to: a CASS referral, a step up from family support, or a
    strategy discussion / section 47 enquiry."""

    __tablename__ = "interview_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("interview_tasks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    made_on: Mapped[datetime]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]

    recorded_by: Mapped[UserRecord] = relationship()
