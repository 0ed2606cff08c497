"""The quarantine's own table, on the store's `Base`: a record a person judged not to be a
notification at all (a test message, a record about an adult, one sent to us in error), with
the reason from a fixed list and, where given, a note. The record itself stays, marked
`dismissed`; nothing is deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage.store.tables import Base


class QuarantineDismissal(Base):
    __tablename__ = "quarantine_dismissals"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarantine_id: Mapped[int] = mapped_column(ForeignKey("quarantine.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
