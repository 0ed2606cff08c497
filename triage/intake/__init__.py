"""Intake: validating, storing and quarantining notifications."""

from triage.intake.loader import LoadSummary, ingest, load_file, load_records, replay
from triage.intake.service import Outcome, Receipt, store, submit

__all__ = [
    "LoadSummary",
    "Outcome",
    "Receipt",
    "ingest",
    "load_file",
    "load_records",
    "replay",
    "store",
    "submit",
]
