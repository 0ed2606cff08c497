"""The append-only audit trail: every view of a child's record and every change."""

from triage.audit.service import (
    Actor,
    Entry,
    export,
    export_csv,
    page_of_events,
    record,
    record_many,
)

__all__ = [
    "Actor",
    "Entry",
    "export",
    "export_csv",
    "page_of_events",
    "record",
    "record_many",
]
