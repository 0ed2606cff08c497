"""The controlled vocabularies of the notification contract.

Indicator codes come from regional CSE screening tools, SERAF, the Home Office county-lines list
and the police risk questions (see shared/product.md). Each code has a category, which the
history features and the rules use to tell sexual from criminal exploitation.
"""

from __future__ import annotations

from enum import StrEnum


class Classification(StrEnum):
    """How police recorded the episode."""

    MISSING = "missing"
    ABSENT = "absent"


class RiskGrade(StrEnum):
    """College of Policing APP grades; the vetted level uses the same four words."""

    NO_APPARENT_RISK = "no_apparent_risk"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """0 for no apparent risk up to 3 for high."""
        return _GRADE_RANKS[self]


_GRADE_RANKS = {grade: rank for rank, grade in enumerate(RiskGrade)}


class Sex(StrEnum):
    """Recorded for fairness monitoring only; never a factor."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_KNOWN = "not_known"


class Ethnicity(StrEnum):
    """ONS 2021 high-level groups. Recorded for fairness monitoring only; never a factor."""

    ASIAN = "asian"
    BLACK = "black"
    MIXED = "mixed"
    WHITE = "white"
    OTHER = "other"
    NOT_STATED = "not_stated"


class LegalStatus(StrEnum):
    NONE = "none"
    CHILD_IN_NEED = "child_in_need"
    CP_PLAN = "cp_plan"
    LOOKED_AFTER = "looked_after"


class PlacementType(StrEnum):
    WITH_FAMILY = "with_family"
    FOSTER_CARE = "foster_care"
    KINSHIP_CARE = "kinship_care"
    RESIDENTIAL_HOME = "residential_home"
    SEMI_INDEPENDENT = "semi_independent"
    SECURE = "secure"
    OTHER = "other"


class IndicatorCategory(StrEnum):
    CSE = "cse"
    CCE = "cce"
    HARM = "harm"
    VULNERABILITY = "vulnerability"


class Indicator(StrEnum):
    """Structured indicators police may tick on a notification."""

    VEHICLE_UNKNOWN_ADULT = "vehicle_unknown_adult"
    OLDER_CONTROLLING_ADULT = "older_controlling_adult"
    UNEXPLAINED_MONEY_GIFTS = "unexplained_money_gifts"
    KNOWN_HOTSPOT = "known_hotspot"
    HOTELS_TAXIS = "hotels_taxis"
    SEXUAL_HEALTH_CONCERN = "sexual_health_concern"
    ONLINE_GROOMING = "online_grooming"
    PEERS_EXPLOITED = "peers_exploited"
    SEXUAL_ASSAULT_DISCLOSED = "sexual_assault_disclosed"
    FOUND_OUT_OF_AREA = "found_out_of_area"
    DRUGS = "drugs"
    WEAPON = "weapon"
    MULTIPLE_PHONES = "multiple_phones"
    ARRESTED_ELSEWHERE = "arrested_elsewhere"
    UNUSUAL_TRAVEL = "unusual_travel"
    INJURY_ON_RETURN = "injury_on_return"
    INTOXICATED = "intoxicated"
    SELF_HARM_SUICIDE_RISK = "self_harm_suicide_risk"
    MEDICAL_NEEDS = "medical_needs"
    MENTAL_HEALTH = "mental_health"
    LEARNING_DISABILITY = "learning_disability"
    OUT_OF_CHARACTER = "out_of_character"
    FAMILY_CONFLICT_ABUSE = "family_conflict_abuse"


_C = IndicatorCategory
INDICATOR_CATEGORIES: dict[Indicator, frozenset[IndicatorCategory]] = {
    Indicator.VEHICLE_UNKNOWN_ADULT: frozenset({_C.CSE}),
    Indicator.OLDER_CONTROLLING_ADULT: frozenset({_C.CSE}),
    Indicator.UNEXPLAINED_MONEY_GIFTS: frozenset({_C.CSE, _C.CCE}),
    Indicator.KNOWN_HOTSPOT: frozenset({_C.CSE, _C.CCE}),
    Indicator.HOTELS_TAXIS: frozenset({_C.CSE}),
    Indicator.SEXUAL_HEALTH_CONCERN: frozenset({_C.CSE}),
    Indicator.ONLINE_GROOMING: frozenset({_C.CSE}),
    Indicator.PEERS_EXPLOITED: frozenset({_C.CSE, _C.CCE}),
    Indicator.SEXUAL_ASSAULT_DISCLOSED: frozenset({_C.CSE, _C.HARM}),
    Indicator.FOUND_OUT_OF_AREA: frozenset({_C.CCE}),
    Indicator.DRUGS: frozenset({_C.CCE}),
    Indicator.WEAPON: frozenset({_C.CCE}),
    Indicator.MULTIPLE_PHONES: frozenset({_C.CCE}),
    Indicator.ARRESTED_ELSEWHERE: frozenset({_C.CCE}),
    Indicator.UNUSUAL_TRAVEL: frozenset({_C.CCE}),
    Indicator.INJURY_ON_RETURN: frozenset({_C.HARM}),
    Indicator.INTOXICATED: frozenset({_C.VULNERABILITY}),
    Indicator.SELF_HARM_SUICIDE_RISK: frozenset({_C.VULNERABILITY}),
    Indicator.MEDICAL_NEEDS: frozenset({_C.VULNERABILITY}),
    Indicator.MENTAL_HEALTH: frozenset({_C.VULNERABILITY}),
    Indicator.LEARNING_DISABILITY: frozenset({_C.VULNERABILITY}),
    Indicator.OUT_OF_CHARACTER: frozenset({_C.VULNERABILITY}),
    Indicator.FAMILY_CONFLICT_ABUSE: frozenset({_C.VULNERABILITY}),
}

CSE_INDICATORS = frozenset(i for i, cats in INDICATOR_CATEGORIES.items() if _C.CSE in cats)
CCE_INDICATORS = frozenset(i for i, cats in INDICATOR_CATEGORIES.items() if _C.CCE in cats)
EXPLOITATION_INDICATORS = CSE_INDICATORS | CCE_INDICATORS
