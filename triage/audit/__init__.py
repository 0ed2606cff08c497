"""The append-only audit trail: every view of a child's record and every change."""

from triage.audit.service import Actor, export, export_csv, page_of_events, record

__all__ = ["Actor", "export", "export_csv", "page_of_events", "record"]
