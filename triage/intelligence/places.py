"""A place as police or an interviewer wrote it, normalised so that one place has one key.

A place is kept as given (its most used spelling is its label) and keyed by its words folded
(case, punctuation and spaces) with any postcode in it written the standard way. A postcode in
the text, or else a lone outward code ("Bus station, B5"), gives its postcode district; the
child's own addresses ("Home address", "Placement address") are that child's postcode, so two
children's homes are two places. A place with no postcode has no district ("not known").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FULL = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b", re.IGNORECASE)
_OUTWARD = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\b")
_NOT_WORDS = re.compile(r"[^\w\s]")

# Words police use for the child's own address: the place is the postcode they gave for it.
HOME_WORDS = frozenset({"home address", "home", "returned home", "at home"})
PLACEMENT_WORDS = frozenset(
    {"placement address", "placement", "outside the placement", "returned to the placement"}
)


@dataclass(frozen=True, slots=True)
class Place:
    """One place: `key` (one per place), `label` (as given), `district` (outward code or
    None when not known)."""

    key: str
    label: str
    district: str | None


def fold(text: str) -> str:
    """Case, punctuation and runs of spaces folded ("Bus Station, B5" -> "bus station b5")."""
    return " ".join(_NOT_WORDS.sub(" ", text.casefold()).split())


def district_in(text: str) -> str | None:
    """The postcode district a text names: a full postcode's outward code, else a lone
    outward code in capitals (B5, WS10); None if it names none."""
    if found := _FULL.search(text):
        return found.group(1).upper()
    found = _OUTWARD.search(text)  # capitals only: "b5" in prose is not trusted
    return found.group(1) if found else None


def _with_standard_postcode(text: str) -> str:
    return _FULL.sub(lambda m: f"{m.group(1).upper()} {m.group(2).upper()}", text)


def normalise(
    text: str | None,
    *,
    home_postcode: str | None = None,
    placement_postcode: str | None = None,
) -> Place | None:
    """The place `text` names, the child's addresses resolved to their postcodes (None for a
    blank, or for the child's address when its postcode is not known)."""
    if text is None or not (given := " ".join(text.split())):
        return None
    words = fold(given)
    for phrases, postcode, what in (
        (HOME_WORDS, home_postcode, "Home address"),
        (PLACEMENT_WORDS, placement_postcode, "Placement address"),
    ):
        if words in phrases:
            if not postcode:  # someone's home, unknown whose: no place to count it at
                return None
            return Place(fold(f"{what} {postcode}"), f"{what}, {postcode}", district_in(postcode))
    label = _with_standard_postcode(given)
    return Place(fold(label), label, district_in(label))
