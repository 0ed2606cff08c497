"""The panels' tables, on the store's one `Base` (migrations 0008 and 0012).

panel_meetings ──< panel_agenda_items ──< panel_decisions    (the panel's decision; newest counts)
      │                    └──< panel_actions                (multi-agency actions, by subject)
      │                              └──< panel_action_updates (each status it had, append-only)
      └──< panel_attendance                                   (present or apologies)

A *panel* is a kind (`city`, or `mase` with its area): meetings of the same kind and area are
the same panel, one after another. An agenda item is about a *subject* (a child, a person of
concern or a location) named by `subject_key`: a child's is `child:<id>`; a person's or a
location's is the key of the item it was carried from, or `item:<id>` when first added. A
subject is on a meeting's agenda once. An action belongs to the subject, so an open one is
shown again at the panel's next meeting; its status is kept as it changed, so a past meeting
shows each action as it stood then.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.store.tables import Base, UserRecord


class PanelMeeting(Base):
    """One meeting of the city panel or of an area's MASE panel."""

    __tablename__ = "panel_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    panel: Mapped[str] = mapped_column(String(20))  # city | mase
    area: Mapped[str | None] = mapped_column(String(120))  # the MASE panel's area team
    meets_at: Mapped[datetime] = mapped_column(index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]

    items: Mapped[list[PanelAgendaItem]] = relationship(
        back_populates="meeting", order_by="PanelAgendaItem.position"
    )
    attendance: Mapped[list[PanelAttendance]] = relationship(order_by="PanelAttendance.id")
    created_by: Mapped[UserRecord] = relationship()


Index("ix_panel_meetings_panel_area", PanelMeeting.panel, PanelMeeting.area)


class PanelAgendaItem(Base):
    """A child, a person of concern or a location on a meeting's agenda."""

    __tablename__ = "panel_agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "subject_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("panel_meetings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # child | person | location
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    position: Mapped[int] = mapped_column(Integer)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)  # a person's or a place's, as written
    postcode: Mapped[str | None] = mapped_column(String(10))  # a location's
    level_when_added: Mapped[str | None] = mapped_column(String(20))  # a child's level then
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("panel_agenda_items.id"))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime]

    meeting: Mapped[PanelMeeting] = relationship(back_populates="items")
    decisions: Mapped[list[PanelDecision]] = relationship(order_by="PanelDecision.id")


class PanelAttendance(Base):
    """Who was at a meeting, or sent apologies."""

    __tablename__ = "panel_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("panel_meetings.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    agency: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(100))
    present: Mapped[bool] = mapped_column(Boolean)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class PanelDecision(Base):
    """What the panel decided for an agenda item. Never rewritten: a later one stands."""

    __tablename__ = "panel_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("panel_agenda_items.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]


class PanelAction(Base):
    """A multi-agency action the panel set: an owner (agency and person), a due date and a
    status. It belongs to the item's subject, so it carries to the panel's next meeting while
    it is open."""

    __tablename__ = "panel_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("panel_agenda_items.id"), index=True)
    subject_key: Mapped[str] = mapped_column(String(64), index=True)
    panel: Mapped[str] = mapped_column(String(20))
    area: Mapped[str | None] = mapped_column(String(120))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_agency: Mapped[str] = mapped_column(String(100))
    owner_person: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True)  # now: the newest update's
    # Whether the partners' pack may print the description and the owner's name (the chair's
    # choice; otherwise partners see the agency, the due date and the status only).
    shared_with_partners: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def overdue(self, today: date) -> bool:
        return self.status == "open" and self.due_on < today


class PanelActionUpdate(Base):
    """A status an action was given, by whom and when (its first is `open`, when set), and the
    meeting whose page it was given through, if any. Never rewritten."""

    __tablename__ = "panel_action_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("panel_actions.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("panel_meetings.id"))
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
