"""The fact a ruleset sees: one notification, made flat, with its history and its context."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from triage.decisions.models import Suggestion
from triage.notification import Notification
from triage.notification.fields import postcode_district
from triage.notification.vocabulary import (
    CCE_INDICATORS,
    CSE_INDICATORS,
    EXPLOITATION_INDICATORS,
    Indicator,
    LegalStatus,
)
from triage.rules.catalogue import Ruleset

_HOUR = 3600.0


def placed_by_other_authority(n: Notification, home_authority: str) -> bool:
    authority = n.child.responsible_authority
    looked_after = n.child.legal_status is LegalStatus.LOOKED_AFTER
    if not looked_after or not authority:
        return False
    return authority_key(authority) != authority_key(home_authority)


# Words police add to an authority's name that do not change which authority it is.
_AUTHORITY_NOISE = re.compile(
    r"\b(metropolitan|borough|city|county|district|council|children'?s|trust|of|the|mbc|cc)\b"
)


def authority_key(name: str) -> str:
    """ "Birmingham City Council", "birmingham" and "Birmingham Children's Trust" are one."""
    return "".join(_AUTHORITY_NOISE.sub(" ", name.casefold()).split())


def placed_out_of_area(n: Notification, ruleset: Ruleset, home_authority: str) -> bool:
    if n.child.legal_status is not LegalStatus.LOOKED_AFTER:
        return False
    if placed_by_other_authority(n, home_authority):
        return False
    district = postcode_district(n.child.placement_postcode)
    return district is not None and district not in ruleset.teams


def suggestions(n: Notification, ruleset: Ruleset) -> list[Suggestion]:
    """Indicators the circumstances suggest that police did not tick, with the words found."""
    text = n.episode.circumstances
    if not text:
        return []
    found: dict[str, set[str]] = {}
    for match in ruleset.text_pattern.finditer(text):  # one pass, one named group per indicator
        indicator = match.lastgroup or ""
        found.setdefault(indicator, set()).add(match.group(0).lower())
    ticked = {i.value for i in n.episode.indicators}
    return [
        Suggestion(indicator=code.value, words=sorted(found[code.value]))
        for code in ruleset.suggestible  # in the order the data file lists them
        if code.value in found and code.value not in ticked
    ]


def build_fact(
    n: Notification,
    history: Mapping[str, Any],
    *,
    as_of: datetime,
    ruleset: Ruleset,
    home_authority: str,
    linked_exploited_children: int,
    suggested: list[Suggestion],
    disclosed: Collection[str] = (),
    at_known_hotspot: bool = False,
) -> dict[str, Any]:
    """The flat fact for the rules (field names as in triage/rules/fields.py). `disclosed` are
    the indicators the child disclosed in return home interviews known by `as_of`;
    `at_known_hotspot` (last seen or found at a place a panel marked a known hotspot) counts as
    the indicator `known_hotspot` whether or not police ticked it."""
    indicators = set(n.episode.indicators)
    if at_known_hotspot:
        indicators.add(Indicator.KNOWN_HOTSPOT)
    # A return is known once police report it (it may be stamped minutes after `sent_at`).
    returned = n.episode.returned_at is not None
    end = min(n.episode.returned_at, as_of) if n.episode.returned_at else as_of
    hours = max((end - n.episode.last_seen_at).total_seconds() / _HOUR, 0.0)
    return {
        "police_classification": n.police_classification.value,
        "police_risk_grade": n.police_risk_grade.value,
        "police_grade_rank": n.police_risk_grade.rank,
        "age": n.age_at_report,
        "legal_status": n.child.legal_status.value,
        "looked_after": n.child.legal_status is LegalStatus.LOOKED_AFTER,
        "cp_plan": n.child.legal_status is LegalStatus.CP_PLAN,
        "placed_by_other_authority": placed_by_other_authority(n, home_authority),
        "placed_out_of_area": placed_out_of_area(n, ruleset, home_authority),
        "indicators": sorted(i.value for i in indicators),
        "cse_indicators": len(indicators & CSE_INDICATORS),
        "cce_indicators": len(indicators & CCE_INDICATORS),
        "exploitation_indicators": len(indicators & EXPLOITATION_INDICATORS),
        "learning_disability": Indicator.LEARNING_DISABILITY in indicators,
        "hours_missing": round(hours, 2),
        "still_missing": not returned,
        "returned": returned,
        "companions": len(n.episode.companions),
        "text_suggestions": [s.indicator for s in suggested],
        "linked_exploited_children": linked_exploited_children,
        "policy_reclassify_every_absence": bool(
            ruleset.parameters.get("reclassify_every_absence", False)
        ),
        "disclosed_indicators": sorted(set(disclosed)),
        "disclosed_exploitation_indicators": len(
            {Indicator(code) for code in disclosed} & EXPLOITATION_INDICATORS
        ),
        "history": history,
    }
