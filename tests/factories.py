"""Realistic synthetic notifications for tests: a plausible record by default, changed by keyword.

No real person: names are common, dates are relative to a fixed report time.
"""

from __future__ import annotations

import copy
import itertools
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from privacy import submitted

UK = ZoneInfo("Europe/London")
REPORTED = datetime(2026, 3, 14, 21, 30, tzinfo=UK)
_references = itertools.count(1)


def notification(
    *,
    reference: str | None = None,
    reported: datetime = REPORTED,
    missing_hours: float = 3.5,
    returned_after_hours: float | None = 6.0,
    child: dict[str, Any] | None = None,
    episode: dict[str, Any] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """A valid notification payload (as police would send it, UK local times)."""
    last_seen = reported - timedelta(hours=missing_hours)
    returned = (
        None if returned_after_hours is None else last_seen + timedelta(hours=returned_after_hours)
    )
    sent = max(reported, returned or reported) + timedelta(minutes=20)
    payload: dict[str, Any] = {
        "schema_version": "1.0",
        "police_reference": reference or f"WMP-26-{next(_references):06d}",
        "force": "West Midlands Police",
        "sent_at": sent.isoformat(),
        "police_classification": "missing",
        "police_risk_grade": "medium",
        "child": {
            "local_child_id": None,
            "police_person_id": "WMP-P-40211",
            "given_name": "Jade",
            "family_name": "Collins",
            "date_of_birth": "2011-05-02",
            "sex": "female",
            "ethnicity": "white",
            "home_postcode": "B23 6TJ",
            "legal_status": "looked_after",
            "placement_type": "residential_home",
            "responsible_authority": "Birmingham",
            "placement_postcode": "B30 2LS",
        },
        "episode": {
            "reported_at": reported.isoformat(),
            "last_seen_at": last_seen.isoformat(),
            "last_seen_location": "Outside the children's home",
            "returned_at": returned.isoformat() if returned else None,
            "return_location": "Returned to the home" if returned_after_hours is not None else None,
            "circumstances": "Left after an argument with staff; picked up by a car.",
            "companions": [],
            "indicators": ["vehicle_unknown_adult"],
        },
    }
    payload["child"].update(child or {})
    payload["episode"].update(episode or {})
    payload.update(top)
    submitted([payload])
    return payload


def changed(payload: dict[str, Any], **paths: Any) -> dict[str, Any]:
    """A deep copy with dotted paths replaced: changed(p, **{"child.given_name": "Jayde"})."""
    out = copy.deepcopy(payload)
    for path, value in paths.items():
        *parents, leaf = path.split(".")
        target = out
        for part in parents:
            target = target[part]
        if value is _DELETE:
            del target[leaf]
        else:
            target[leaf] = value
    submitted([out])
    return out


_DELETE = object()
DELETE = _DELETE
