"""Where synthetic children live and are placed: real postcode districts, random inward codes.

Outward codes (districts) are real, so routing by area works on the synthetic data; inward codes
(`9QX`) are random, so no address is real. Each district belongs to a local authority and to the
police force that covers it, which decides who sends the notification.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WEST_MIDLANDS_POLICE = "West Midlands Police"


@dataclass(frozen=True, slots=True)
class Force:
    """A police force: its name, and the prefixes of its references and person ids."""

    name: str
    code: str


FORCES: tuple[Force, ...] = (
    Force(WEST_MIDLANDS_POLICE, "WMP"),
    Force("Staffordshire Police", "STP"),
    Force("Warwickshire Police", "WKP"),
    Force("West Mercia Police", "WMC"),
)
FORCE_INDEX = {force.name: i for i, force in enumerate(FORCES)}


def _districts(prefix: str, *numbers: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{n}" for n in numbers)


CITY_DISTRICTS = _districts("B", *range(1, 39), 40, 42, 44, 72, 73, 74, 75, 76)
"""Birmingham's own districts (B39 and B41 do not exist; B43 and B62-B71 are mostly Sandwell)."""


@dataclass(frozen=True, slots=True)
class Area:
    """A placing or host area: its authority, its districts and the force that covers it."""

    authority: str
    districts: tuple[str, ...]
    force: str = WEST_MIDLANDS_POLICE


NEIGHBOURS: tuple[Area, ...] = (
    Area("Sandwell", _districts("B", 64, 65, 66, 67, 68, 69, 70, 71)),
    Area("Walsall", _districts("WS", 1, 2, 3, 4, 5, 9)),
    Area("Solihull", _districts("B", 90, 91, 92, 93)),
    Area("Coventry", _districts("CV", 1, 2, 3, 4, 5, 6)),
    Area("Wolverhampton", _districts("WV", 1, 2, 3, 4, 6, 10, 11)),
    Area("Dudley", _districts("DY", 1, 2, 3, 5, 6, 8, 9)),
)
"""Neighbouring authorities, all covered by West Midlands Police."""

FURTHER_AWAY: tuple[Area, ...] = (
    Area(
        "Staffordshire",
        _districts("WS", 11, 12, 13, 14) + _districts("B", 77, 78, 79),
        "Staffordshire Police",
    ),
    Area("Warwickshire", _districts("CV", 10, 11, 21, 22, 34), "Warwickshire Police"),
    Area(
        "Worcestershire", _districts("DY", 10, 11) + _districts("WR", 1, 2, 3), "West Mercia Police"
    ),
)
"""Placements further out, where another force sends the notification."""

_INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))  # inward codes never use C, I, K, M, O, V


def random_postcodes(rng: np.random.Generator, districts: list[str] | np.ndarray) -> list[str]:
    """A random inward code on each given district, normalised as the contract stores it."""
    n = len(districts)
    digits = rng.integers(1, 10, n)
    letters = _INWARD_LETTERS[rng.integers(0, len(_INWARD_LETTERS), (n, 2))]
    return [
        f"{d} {digit}{a}{b}" for d, digit, (a, b) in zip(districts, digits, letters, strict=True)
    ]


@dataclass(frozen=True)
class Homes:
    """Per child: home and placement postcodes, responsible authority ("" for none), and the
    index in FORCES of the force covering where the child lives."""

    home_postcode: list[str]
    placement_postcode: list[str | None]
    responsible_authority: np.ndarray
    force: np.ndarray


def homes(
    rng: np.random.Generator,
    *,
    home_looked_after: np.ndarray,
    placed_in: np.ndarray,
    home_authority: str,
) -> Homes:
    """Where each child lives, given which are looked after by the home authority and which
    were placed in the city by another authority (the rest live at home in the city).

    Assumption: a quarter of the home authority's missing looked-after children are placed out
    of the city (most nearby, about a third further away, where another force reports them).
    Children placed in the city by another authority come from its neighbours.
    """
    n = len(home_looked_after)
    city = np.array(CITY_DISTRICTS)
    home_district = city[rng.integers(0, len(city), n)].astype(object)
    placement_district = np.full(n, "", dtype=object)
    authority = np.full(n, "", dtype=object)
    force = np.zeros(n, dtype=np.int64)

    looked_after = np.flatnonzero(home_looked_after)
    authority[looked_after] = home_authority
    placement_district[looked_after] = city[rng.integers(0, len(city), len(looked_after))]
    away = looked_after[rng.random(len(looked_after)) < 0.25]
    further = rng.random(len(away)) < 0.35
    for child, far in zip(away, further, strict=True):
        areas = FURTHER_AWAY if far else NEIGHBOURS
        area = areas[int(rng.integers(0, len(areas)))]
        placement_district[child] = area.districts[int(rng.integers(0, len(area.districts)))]
        force[child] = FORCE_INDEX[area.force]

    for child in np.flatnonzero(placed_in):
        area = NEIGHBOURS[int(rng.integers(0, len(NEIGHBOURS)))]
        authority[child] = area.authority
        home_district[child] = area.districts[int(rng.integers(0, len(area.districts)))]
        placement_district[child] = city[int(rng.integers(0, len(city)))]

    placed = np.flatnonzero(placement_district != "")
    placement_postcode: list[str | None] = [None] * n
    codes = random_postcodes(rng, placement_district[placed])
    home_postcode = random_postcodes(rng, home_district)
    for child, code in zip(placed, codes, strict=True):
        placement_postcode[child] = code
    return Homes(home_postcode, placement_postcode, authority, force)
