"""Normalising identity fields typed by hand, so that spelling noise does not split a child.

`name_key` folds case, accents, spaces, hyphens and apostrophes: "Mary-Jane  O'Neil" and
"mary jane oneil" share one key. Typos are left for `similarity` to weigh; they never merge alone.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from rapidfuzz import fuzz


def fold(name: str) -> str:
    """Lower-case letters only, accents removed."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed.casefold() if ch.isalpha())


def name_key(given_name: str, family_name: str) -> str:
    return f"{fold(given_name)}|{fold(family_name)}"


def similarity(key_a: str, key_b: str) -> float:
    """0-100: how alike two name keys are, given and family names weighed separately."""
    given_a, family_a = key_a.split("|", 1)
    given_b, family_b = key_b.split("|", 1)
    given = fuzz.ratio(given_a, given_b)
    family = fuzz.ratio(family_a, family_b)
    # A double-barrelled surname recorded once in full and once in part is a common variant.
    if family_a and family_b and (family_a in family_b or family_b in family_a):
        family = max(family, 90.0)
    return min(given, family) * 0.5 + (given + family) * 0.25


def swapped_day_month(day: date) -> date | None:
    """The date with day and month exchanged, where that is a different real date."""
    if day.day > 12 or day.day == day.month:
        return None
    return day.replace(month=day.day, day=day.month)


def dates_nearly_equal(a: date, b: date) -> bool:
    """True when two dates differ by one typed digit or by day and month swapped."""
    if swapped_day_month(a) == b:
        return True
    text_a, text_b = a.isoformat(), b.isoformat()
    return sum(x != y for x, y in zip(text_a, text_b, strict=True)) == 1
