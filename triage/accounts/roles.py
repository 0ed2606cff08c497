"""The seven roles and what each is for. Which endpoint allows which role is said at it."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    POLICE_FEED = "police_feed"  # a police system: submits, reads its own receipts only
    MASH_WORKER = "mash_worker"  # works the queue: reads records, reviews, completes actions
    PANEL_CHAIR = "panel_chair"  # as a MASH worker, for the panel's most worrying children
    SENIOR_MANAGER = "senior_manager"  # told at once of every high; confirms the level
    ANALYST = "analyst"  # reads pseudonymised decisions only
    ADMIN = "admin"  # reads and exports the audit trail, runs the quarantine
    MISSING_SUPPORT_WORKER = "missing_support_worker"  # offers and holds return home interviews


# The roles that see children's records and act on them.
CASEWORK = frozenset({Role.MASH_WORKER, Role.PANEL_CHAIR, Role.SENIOR_MANAGER})

DESCRIPTIONS = {
    Role.POLICE_FEED: "Police feed",
    Role.MASH_WORKER: "MASH social worker",
    Role.PANEL_CHAIR: "Panel chair",
    Role.SENIOR_MANAGER: "Senior manager",
    Role.ANALYST: "Analyst",
    Role.ADMIN: "Administrator",
    Role.MISSING_SUPPORT_WORKER: "Missing support worker",
}
