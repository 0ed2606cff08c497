"""Deliberately broken notifications, the kinds of error a police system really sends.

Each broken record has exactly one problem, and `break_record` says which field it is in (the
dotted path the contract's reader names in its error), so tests and demos can check that
quarantine names the right field.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

_TYPOS = {
    "drugs": "drugz",
    "older_controlling_adult": "older_controling_adult",
    "hotels_taxis": "hotel_taxis",
    "multiple_phones": "multiple_fones",
    "weapon": "weapons",
    "vehicle_unknown_adult": "vehicle_unknown_adlt",
}
_REQUIRED = (
    ("police_reference",),
    ("sent_at",),
    ("police_risk_grade",),
    ("child", "date_of_birth"),
    ("child", "family_name"),
    ("episode", "last_seen_at"),
)
KINDS = (
    "returned_before_last_seen",
    "indicator_typo",
    "unparseable_date",
    "missing_field",
    "not_a_child",
    "bad_postcode",
    "unknown_grade",
)


def break_record(rng: np.random.Generator, record: dict[str, Any], kind: str) -> str:
    """Break `record` in place in the given way; return the dotted path of the broken field."""
    child, episode = record["child"], record["episode"]
    if kind == "returned_before_last_seen":
        seen = datetime.fromisoformat(episode["last_seen_at"])
        episode["returned_at"] = _iso(seen - timedelta(hours=int(rng.integers(1, 48))))
        episode["return_location"] = episode["return_location"] or "Home address"
        return "episode.returned_at"
    if kind == "indicator_typo":
        codes = list(episode["indicators"])
        wrong = list(_TYPOS.values())[int(rng.integers(0, len(_TYPOS)))]
        codes = [_TYPOS.get(c, c) for c in codes] if set(codes) & set(_TYPOS) else [*codes, wrong]
        episode["indicators"] = codes
        return "episode.indicators"
    if kind == "unparseable_date":
        born = date.fromisoformat(child["date_of_birth"])
        child["date_of_birth"] = (
            f"{born.year}-{born.day:02d}-{born.month:02d}"
            if born.day > 12
            else f"{born.day:02d}.{born.month:02d}.{born.year}"
        )
        return "child.date_of_birth"
    if kind == "missing_field":
        *parents, leaf = _REQUIRED[int(rng.integers(0, len(_REQUIRED)))]
        target = record
        for part in parents:
            target = target[part]
        del target[leaf]
        return ".".join((*parents, leaf))
    if kind == "not_a_child":
        born = date.fromisoformat(child["date_of_birth"])
        reported = datetime.fromisoformat(episode["reported_at"])
        # The year keyed wrong: the person appears to be 19 or 20.
        child["date_of_birth"] = born.replace(year=reported.year - 20).isoformat()
        return "child.date_of_birth"
    if kind == "bad_postcode":
        code = child["home_postcode"] or "B12 9QX"
        child["home_postcode"] = code[:-1]
        return "child.home_postcode"
    if kind == "unknown_grade":
        record["police_risk_grade"] = "urgent"
        return "police_risk_grade"
    raise ValueError(f"unknown kind of breakage: {kind!r}")


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
