"""The factors of the additive score: what each one reads from the vetting fact, and its levels.

A factor turns one value of the fact (the same fact the rules see) into a level, such as
"2 to 3" earlier episodes in 90 days. Each level of each factor earns a whole number of points.
Protected characteristics (sex, ethnicity) and names are not in the fact, so they can never be
factors; they are kept beside the score only to monitor fairness.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from triage.notification.vocabulary import INDICATOR_CATEGORIES, Indicator, IndicatorCategory

Fact = Mapping[str, Any]

_VULNERABILITIES = frozenset(
    i for i, cats in INDICATOR_CATEGORIES.items() if IndicatorCategory.VULNERABILITY in cats
)
_HARM = frozenset({Indicator.SEXUAL_ASSAULT_DISCLOSED, Indicator.INJURY_ON_RETURN})


# How a factor's points may move along its levels (in their order), by constraint in fitting:
RISES = 1  # never fall as the level rises (more episodes, more indicators, a higher grade)
FALLS = -1  # never rise as the level rises (more days since the last episode)
FREE = 0  # categories with no order of risk, or a reading with no known direction (age)


@dataclass(frozen=True)
class Factor:
    """A named reading of the fact, cut into levels by `edges` (numbers) or `categories`;
    `direction` says how its points may move along its levels."""

    name: str
    meaning: str
    read: Callable[[Fact], Any]
    edges: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()
    direction: int = RISES
    # Levels an older artefact may hold instead of some of these: each older level and the
    # levels it stood for (such a model scores them all alike, as it did when it was trained).
    older: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)

    @cached_property
    def levels(self) -> list[str]:
        if self.categories:
            return list(self.categories)
        labels = [f"under {_number(self.edges[0])}"]
        labels += [
            f"{_number(low)} to under {_number(high)}"
            for low, high in zip(self.edges, self.edges[1:], strict=False)
        ]
        return [*labels, f"{_number(self.edges[-1])} or more"]

    def level(self, fact: Fact) -> str:
        value = self.read(fact)
        if self.categories:
            if value not in self.categories:
                raise ValueError(f"factor {self.name}: unexpected value {value!r}")
            return str(value)
        return self.levels[bisect_right(self.edges, value)]

    def as_in(self, table: Mapping[str, Any]) -> dict[str, str]:
        """Each of this factor's levels, as the key a model's points `table` holds it under:
        itself, or the older level that stood for it (`older`). A table with neither, or with
        a level that is neither, gets a ValueError naming what it lacks."""
        keys = {}
        for older, stood_for in self.older.items():
            if older in table:
                keys.update(dict.fromkeys(stood_for, older))
        keys.update({level: level for level in self.levels if level not in keys})
        if set(keys.values()) != set(table):
            raise ValueError(f"factor {self.name}: levels {sorted(table)}, not {self.levels}")
        return keys


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _history(name: str, missing: float = 0.0) -> Callable[[Fact], Any]:
    return lambda fact: fact["history"].get(name, missing)


def _count(codes: frozenset[Indicator]) -> Callable[[Fact], int]:
    return lambda fact: len(codes.intersection(fact["indicators"]))


# Still missing, split at a day. Under a day, "still missing" stands for hours yet to come that
# hours missing so far cannot show; past a day, hours missing (24 to 72, 72 or more) already
# carries most of that. With one "yes", the points a first notification's short open case earns
# went to every re-vet at 24 and 72 hours too, and the re-vets' totals ran about 2 points (5
# probability points at the high band) above their risk, which one calibration of the total
# then split between the moments. In this order, by constraint, still missing never scores
# below returned, and past a day never above under a day.
_A_DAY = 24.0
STILL_MISSING = ("no", "yes, 24 hours or more", "yes, under 24 hours")


def _still_missing(fact: Fact) -> str:
    if not fact["still_missing"]:
        return STILL_MISSING[0]
    return STILL_MISSING[1] if fact["hours_missing"] >= _A_DAY else STILL_MISSING[2]


FACTORS: tuple[Factor, ...] = (
    Factor(
        "police_grade",
        "the police risk grade",
        lambda f: f["police_risk_grade"],
        categories=("no_apparent_risk", "low", "medium", "high"),
    ),
    Factor(
        "police_classification",
        "missing or absent, as police recorded it",
        lambda f: f["police_classification"],
        categories=("missing", "absent"),
        direction=FREE,
    ),
    Factor("age", "age at the report", lambda f: f["age"], edges=(12, 14, 16), direction=FREE),
    Factor(
        "legal_status",
        "looked after, CP plan, child in need or none",
        lambda f: f["legal_status"],
        categories=("none", "child_in_need", "cp_plan", "looked_after"),
        direction=FREE,
    ),
    Factor(
        "episodes_90d",
        "earlier episodes in the last 90 days",
        _history("episodes_90d"),
        edges=(1, 2, 4),
    ),
    Factor(
        "episodes_365d",
        "earlier episodes in the last 365 days",
        _history("episodes_365d"),
        edges=(1, 3, 6, 12),
    ),
    Factor(
        "days_since_last",
        "days since the last episode (none: 10,000)",
        _history("days_since_last_episode", 10_000.0),
        edges=(7, 30, 365),
        direction=FALLS,
    ),
    Factor(
        "hours_missing", "hours missing so far", lambda f: f["hours_missing"], edges=(6, 24, 72)
    ),
    Factor(
        "still_missing",
        "still missing when the decision is made (not yet returned or found)",
        _still_missing,
        categories=STILL_MISSING,
        older={"yes": STILL_MISSING[1:]},
    ),
    Factor(
        "cse_indicators",
        "sexual exploitation indicators ticked",
        lambda f: f["cse_indicators"],
        edges=(1, 2),
    ),
    Factor(
        "cce_indicators",
        "criminal exploitation indicators ticked",
        lambda f: f["cce_indicators"],
        edges=(1, 2),
    ),
    Factor(
        "harm", "a disclosure of sexual assault or an injury on return", _count(_HARM), edges=(1,)
    ),
    Factor(
        "vulnerabilities",
        "vulnerability indicators ticked (mental health, self-harm, ...)",
        _count(_VULNERABILITIES),
        edges=(1, 2),
    ),
    Factor(
        "earlier_cse",
        "earlier episodes with a sexual exploitation indicator",
        _history("earlier_cse_episodes"),
        edges=(1, 3),
    ),
    Factor(
        "earlier_cce",
        "earlier episodes with a criminal exploitation indicator",
        _history("earlier_cce_episodes"),
        edges=(1, 3),
    ),
    Factor(
        "earlier_high",
        "earlier episodes police graded high",
        _history("earlier_high_grades"),
        edges=(1,),
    ),
    Factor(
        "linked_exploited",
        "children seen missing with them who show exploitation",
        lambda f: f["linked_exploited_children"],
        edges=(1,),
    ),
    Factor(
        "text_suggestions",
        "indicators the free text suggests",
        lambda f: len(f["text_suggestions"]),
        edges=(1, 2),
    ),
)

BY_NAME = {factor.name: factor for factor in FACTORS}
