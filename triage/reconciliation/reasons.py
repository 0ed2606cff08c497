"""The sources compared and the reason code every difference is given.

A difference is an episode the in-scope sources do not all count the same way: one holds it and
another lacks it, or they hold it as different kinds (missing, absent, away). Each gets exactly
one reason, the first in `Reason`'s order that fits, so a crafted history knows what to expect.
"""

from __future__ import annotations

from enum import StrEnum


class Source(StrEnum):
    """Where an episode was recorded. `police` is the notifications this service holds."""

    POLICE = "police"
    CASE_RECORD = "case-record"
    FOSTERING = "fostering"


EXTRACTS = (Source.CASE_RECORD, Source.FOSTERING)


class Reason(StrEnum):
    """Why the sources differ on one episode, in the order they are tried."""

    IDENTITY_NOT_MATCHED = "identity_not_matched"
    DUPLICATE_POLICE_CALL = "duplicate_police_call"
    OVER_18_OR_CARE_LEAVER = "over_18_or_care_leaver"
    PLACED_FROM_ANOTHER_AREA = "placed_from_another_area"
    OUTSIDE_THE_PERIOD = "outside_the_period"
    ABSENT_VERSUS_MISSING = "absent_versus_missing"
    AWAY_VERSUS_MISSING = "away_versus_missing"
    UNDER_24_HOURS = "under_24_hours"
    NO_REASON_FOUND = "no_reason_found"


DESCRIPTIONS = {
    Reason.IDENTITY_NOT_MATCHED: "Identity not matched (a near match by name, birth date or id)",
    Reason.DUPLICATE_POLICE_CALL: "Duplicate police call (a second reference, same episode)",
    Reason.OVER_18_OR_CARE_LEAVER: "Over 18 or a care leaver",
    Reason.PLACED_FROM_ANOTHER_AREA: "Placed here by another authority",
    Reason.OUTSIDE_THE_PERIOD: "Outside the period (recorded in another month)",
    Reason.ABSENT_VERSUS_MISSING: "Absent versus missing",
    Reason.AWAY_VERSUS_MISSING: "Away versus missing",
    Reason.UNDER_24_HOURS: "Under 24 hours (a short episode not recorded)",
    Reason.NO_REASON_FOUND: "No reason found",
}


class Status(StrEnum):
    """Where a data manager has got to with an unexplained difference."""

    OPEN = "open"
    FIXED_IN_SOURCE = "fixed_in_source"
    ACCEPTED = "accepted"


STATUS_DESCRIPTIONS = {
    Status.OPEN: "Open",
    Status.FIXED_IN_SOURCE: "Fixed in the source",
    Status.ACCEPTED: "Accepted as a known difference",
}
