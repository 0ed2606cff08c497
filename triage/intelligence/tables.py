"""The intelligence tables, on the store's `Base` (migration 0014). Every time is UTC.

places               a place a person has said something about: its note and its status
                     (`none` or `known_hotspot`, from `hotspot_since`, which the rules read as
                     the indicator `known_hotspot` for a child last seen or found there)
interview_mentions   what a return home interview said, structured: a place the child was
                     (`was`) or went (`went`), or another child named as an associate
                     (`associate`), each with the interview and who recorded it

Places police and interviews name are read from the notifications themselves (sightings.py);
a row here exists only once a person has noted it, marked it or put it on an agenda.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage.store.tables import Base

STATUSES = ("none", "known_hotspot")


class PlaceRecord(Base):
    """A place (by its key, see places.py) with a note and a status a chair gave it."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    label: Mapped[str] = mapped_column(String(300))
    district: Mapped[str | None] = mapped_column(String(8), index=True)
    status: Mapped[str] = mapped_column(String(20), default="none")
    hotspot_since: Mapped[datetime | None]  # when it was last marked a known hotspot
    note: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]


class InterviewMention(Base):
    """A place or an associate a return home interview named."""

    __tablename__ = "interview_mentions"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("interview_tasks.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # was | went | associate
    place_key: Mapped[str | None] = mapped_column(String(300), index=True)
    place_label: Mapped[str | None] = mapped_column(String(300))
    district: Mapped[str | None] = mapped_column(String(8))
    associate_child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
