"""The identity mess real notifications carry, put there on purpose, and the deliberately broken
records that give quarantine something to show.

Each child has a council id and a police person id per force that knows them; a few have a
second id of either kind, created by mistake. The home force holds its own version of the
child's identity (sometimes a transliterated or shortened name, occasionally day and month of
birth swapped), used on every notification it sends; on top of that each notification can
carry a keying error: a transposed, dropped, doubled or replaced letter, shouted or lower-case
names, a double-barrelled surname written differently. The true identity stays in the truth
(`ChildTruth`), so identity matching can be measured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from triage.notification.fields import UK
from triage.notification.models import age_on
from triage.synth import places
from triage.synth.names import SPELLINGS
from triage.synth.population import Population, Segment

# Assumptions (no published figures): how often each kind of mess appears.
_KNOWN_LOCAL_ID = {"looked_after": 0.6, "cp_plan": 0.5, "child_in_need": 0.35, "none": 0.2}
_KNOWN_LOCAL_ID_PLACED_IN = 0.15
_NO_POLICE_ID = 0.07
_SECOND_POLICE_ID = 0.015  # of children: a duplicate person record at the force
_SECOND_LOCAL_ID = 0.008  # of children: a duplicate case record at the council
_HELD_SPELLING = 0.25  # of children whose name has a common variant: the force holds it
_HELD_DATE_SWAP = 0.015  # of children (day <= 12): the force holds day and month swapped
_TYPO = 0.04  # of notifications
_CASE = 0.04
_DOUBLE_BARREL_VARIANT = 0.4
_DATE_SWAP = 0.004
_STATUS_RECORDED = 0.8  # a CP plan or child-in-need status is on the notification
_HOME_FORCE = places.FORCE_INDEX[places.WEST_MIDLANDS_POLICE]


@dataclass(frozen=True)
class Registry:
    """The ids and held identities of every child, as councils and forces know them."""

    local_id: list[str]
    police_id: dict[tuple[int, int], str]  # (child, force index) -> id
    second_police_id: dict[int, str]
    second_local_id: dict[int, str]
    held_given: list[str]
    held_family: list[str]
    held_birth: list[date]


def register(rng: np.random.Generator, population: Population, home_authority: str) -> Registry:
    """Give every child a council id and the ids the forces that report them hold."""
    n = len(population)
    prefix = re.sub(r"[^A-Z]", "", home_authority.upper())[:3] or "LA"
    numbers = rng.choice(9_000_000, n + n // 50 + 1, replace=False) + 1_000_000
    local_id = [f"{prefix}{x}" for x in numbers[:n]]
    spare = iter(numbers[n:])
    police_numbers = iter(rng.choice(9_000_000, 2 * n + n // 50 + 1, replace=False) + 1_000_000)
    home_force = _HOME_FORCE
    police_id: dict[tuple[int, int], str] = {}
    for child in range(n):
        for force in sorted({home_force, int(population.placement_force[child])}):
            police_id[(child, force)] = f"{places.FORCES[force].code}-P-{next(police_numbers)}"
    second_police = {
        int(c): f"{places.FORCES[home_force].code}-P-{next(police_numbers)}"
        for c in np.flatnonzero(rng.random(n) < _SECOND_POLICE_ID)
    }
    second_local = {
        int(c): f"{prefix}{next(spare)}" for c in np.flatnonzero(rng.random(n) < _SECOND_LOCAL_ID)
    }
    spelling = rng.random((2, n)) < _HELD_SPELLING
    swap = rng.random(n) < _HELD_DATE_SWAP
    return Registry(
        local_id=local_id,
        police_id=police_id,
        second_police_id=second_police,
        second_local_id=second_local,
        held_given=[
            _variant(rng, g) if s else g
            for g, s in zip(population.given_name, spelling[0], strict=True)
        ],
        held_family=[
            _variant(rng, f) if s else f
            for f, s in zip(population.family_name, spelling[1], strict=True)
        ],
        held_birth=[
            swapped(d) if s else d for d, s in zip(population.date_of_birth, swap, strict=True)
        ],
    )


def _variant(rng: np.random.Generator, name: str) -> str:
    choices = SPELLINGS.get(name)
    return choices[int(rng.integers(0, len(choices)))] if choices else name


def swapped(day: date) -> date:
    """Day and month exchanged, where that is still a date (day 12 or less); else unchanged."""
    return date(day.year, day.day, day.month) if day.day <= 12 else day


@dataclass(frozen=True)
class _Facts:
    """The population's per-child facts a notification repeats, as plain lists (fast to index)."""

    status: list[str]
    placed_in: list[bool]
    sex: list[str]
    ethnicity: list[str]
    placement_type: list[str]
    authority: list[str]
    home_postcode: list[str]
    placement_postcode: list[str | None]

    @classmethod
    def of(cls, population: Population) -> _Facts:
        return cls(
            status=population.legal_status.tolist(),
            placed_in=(population.segment == Segment.PLACED_IN).tolist(),
            sex=population.sex.tolist(),
            ethnicity=population.ethnicity.tolist(),
            placement_type=population.placement_type.tolist(),
            authority=population.responsible_authority.tolist(),
            home_postcode=population.home_postcode,
            placement_postcode=population.placement_postcode,
        )


def recorded_children(
    rng: np.random.Generator,
    registry: Registry,
    population: Population,
    *,
    child: np.ndarray,
    force: np.ndarray,
    reported: np.ndarray,
) -> list[dict[str, Any]]:
    """The `child` part of each notification, as the reporting force recorded it."""
    n = len(child)
    draws = rng.random((n, 13)).tolist()
    typo_in_given = (rng.random(n) < 0.5).tolist()
    facts = _Facts.of(population)
    out = []
    for i, (c, f, when) in enumerate(
        zip(child.tolist(), force.tolist(), reported.tolist(), strict=True)
    ):
        draw = draws[i]
        true_birth = population.date_of_birth[c]
        if f == _HOME_FORCE:
            given, family = registry.held_given[c], registry.held_family[c]
            birth = registry.held_birth[c]
        else:
            given, family, birth = population.given_name[c], population.family_name[c], true_birth
        if "-" in family and draw[0] < _DOUBLE_BARREL_VARIANT:
            family = _double_barrel_variant(rng, family)
        if draw[1] < _TYPO:
            if typo_in_given[i]:
                given = misspell(rng, given)
            else:
                family = misspell(rng, family)
        if draw[2] < _CASE:
            given, family = _recase(rng, given, family)
        if draw[3] < _DATE_SWAP:
            birth = swapped(birth)
        # A swapped date must not make the record invalid (an adult, or not yet born).
        if birth != true_birth and not _still_a_child(birth, when):
            birth = true_birth
        out.append(
            _child_block(registry, facts, c, f, draw[4:], given=given, family=family, birth=birth)
        )
    return out


def _child_block(
    registry: Registry,
    facts: _Facts,
    c: int,
    f: int,
    draw: list[float],
    *,
    given: str,
    family: str,
    birth: date,
) -> dict[str, Any]:
    status = facts.status[c]
    looked_after = status == "looked_after"
    known_local = _KNOWN_LOCAL_ID_PLACED_IN if facts.placed_in[c] else _KNOWN_LOCAL_ID[status]
    local: str | None = registry.local_id[c] if draw[0] < known_local else None
    if local and c in registry.second_local_id and draw[1] < 0.5:
        local = registry.second_local_id[c]
    police: str | None = registry.police_id[(c, f)]
    if c in registry.second_police_id and f == _HOME_FORCE and draw[2] < 0.5:
        police = registry.second_police_id[c]
    if draw[3] < _NO_POLICE_ID:
        police = None
    # Police nearly always know a child is looked after; a CP plan or child-in-need status
    # is missing from some notifications.
    recorded_status = status if looked_after or draw[4] < _STATUS_RECORDED else "none"
    return {
        "local_child_id": local,
        "police_person_id": police,
        "given_name": given,
        "family_name": family,
        "date_of_birth": birth.isoformat(),
        "sex": facts.sex[c],
        "ethnicity": "not_stated" if draw[5] < 0.05 else facts.ethnicity[c],
        "home_postcode": facts.home_postcode[c] if draw[6] < 0.95 else None,
        "legal_status": recorded_status,
        "placement_type": facts.placement_type[c] if looked_after or draw[7] < 0.6 else None,
        "responsible_authority": facts.authority[c] or None,
        "placement_postcode": facts.placement_postcode[c] if draw[8] < 0.97 else None,
    }


def _still_a_child(birth: date, reported: int) -> bool:
    day = datetime.fromtimestamp(reported, UTC).astimezone(UK).date()
    return birth <= day and age_on(birth, day) < 18


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def misspell(rng: np.random.Generator, name: str) -> str:
    """One keying error: two letters transposed, one dropped, doubled or replaced.

    The first letter is kept (people rarely mistype it), and names under four letters are left
    alone, so the result is still a plausible name.
    """
    spots = [i for i, ch in enumerate(name) if ch.isalpha() and i > 0]
    if len(name) < 4 or len(spots) < 2:
        return name
    i = spots[int(rng.integers(0, len(spots)))]
    kind = int(rng.integers(0, 4))
    if kind == 0 and i + 1 < len(name) and name[i + 1].isalpha() and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == 1:
        return name[:i] + name[i + 1 :]
    if kind == 2:
        return name[:i] + name[i] + name[i:]
    letter = _LETTERS[int(rng.integers(0, 26))]
    if letter == name[i].lower():
        letter = "e" if letter != "e" else "a"
    return name[:i] + letter + name[i + 1 :]


def _recase(rng: np.random.Generator, given: str, family: str) -> tuple[str, str]:
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return given, family.upper()
    if kind == 1:
        return given.upper(), family.upper()
    return given.lower(), family.lower()


def _double_barrel_variant(rng: np.random.Generator, family: str) -> str:
    first, second = family.split("-", 1)
    forms = (f"{first} {second}", f"{first}  {second}", f"{first}{second}", first, second)
    return forms[int(rng.integers(0, len(forms)))]
