"""What analysts may see of places: postcode districts only, small counts suppressed.

The table for sharing has a row per district (places without a postcode in one "not known"
row) and a row for all districts; its columns are the episodes of the `TREND_DAYS` before the
last `TREND_DAYS`, those of the last `TREND_DAYS`, both together, the children and the
episodes with an exploitation indicator. Rows and the first three columns add up (an episode
that named two districts counts in each); children and exploitation episodes are each at most
the row's episodes. Cells are hidden by the monthly report's own suppression (primary under 5,
secondary until no total gives one away, audited by linear programming). Rows are in district
order, never ranked: an order by true counts would say something about hidden ones.

Suppressing a city's table takes seconds (a linear program per hidden cell), so the cells to
hide are kept for the last few tables asked for, by their every value: the same counts give the
same table at once, and any change of a count (a new episode, the window moving) makes it anew.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Protocol

from triage.intelligence.hotspots import Hotspot
from triage.reports.suppression import AtMost, Hidden, Line, suppress

ALL = "All districts"
PERIODS = ("before", "recent", "episodes")
COLUMNS = (*PERIODS, "children", "exploitation")
SHOWN = {Hidden.PRIMARY: "fewer than 5", Hidden.SECONDARY: "withheld"}


class Counts(Protocol):
    """What the table reads of a district (a `Hotspot` has these)."""

    @property
    def district(self) -> str: ...
    @property
    def before(self) -> int: ...
    @property
    def recent(self) -> int: ...
    @property
    def children(self) -> int: ...
    @property
    def exploitation(self) -> int: ...


class _Counts(NamedTuple):
    district: str
    before: int
    recent: int
    children: int
    exploitation: int


@dataclass(frozen=True, slots=True)
class Cell:
    value: int | None  # None when hidden
    shown: str  # the number, "fewer than 5" or "withheld"
    hidden: str | None  # primary | secondary | None


@dataclass(frozen=True, slots=True)
class DistrictRow:
    district: str
    cells: dict[str, Cell]

    @property
    def trend(self) -> str:
        before, recent = self.cells["before"].value, self.cells["recent"].value
        if before is None or recent is None:
            return "withheld"
        if recent > before:
            return "rising"
        return "falling" if recent < before else "steady"


def district_values(
    districts: Sequence[Counts],
) -> tuple[dict[Hashable, int], list[Line], list[AtMost]]:
    """Every cell of the table (by (district, column)), its lines and its relations."""
    values: dict[Hashable, int] = {}
    names = sorted(d.district for d in districts)
    for d in districts:
        values[d.district, "before"] = d.before
        values[d.district, "recent"] = d.recent
        values[d.district, "episodes"] = d.before + d.recent
        values[d.district, "children"] = d.children
        values[d.district, "exploitation"] = d.exploitation
    for column in PERIODS:
        values[ALL, column] = sum(values[n, column] for n in names)
    lines = [
        Line((row, "episodes"), ((row, "before"), (row, "recent"))) for row in (*names, ALL)
    ] + [Line((ALL, column), tuple((n, column) for n in names)) for column in PERIODS]
    relations = [
        AtMost(((n, column),), (n, "episodes"))
        for n in names
        for column in ("children", "exploitation")
    ]
    return values, lines, relations


def for_sharing(districts: list[Hotspot]) -> list[DistrictRow]:
    """The districts table with small numbers suppressed, rows in district order then all."""
    values, _lines, _relations = district_values(districts)
    counts = (
        _Counts(d.district, d.before, d.recent, d.children, d.exploitation) for d in districts
    )
    hidden = dict(_hidden(tuple(sorted(counts))))
    rows = []
    for name in [*sorted(d.district for d in districts), ALL]:
        cells = {}
        for column in COLUMNS if name != ALL else PERIODS:
            value = values[name, column]
            why = hidden.get((name, column))
            cells[column] = Cell(
                None if why else value,
                SHOWN[why] if why else str(value),
                why.value if why else None,
            )
        rows.append(DistrictRow(name, cells))
    return rows


@lru_cache(maxsize=8)
def _hidden(counts: tuple[_Counts, ...]) -> tuple[tuple[Hashable, Hidden], ...]:
    """The cells to hide for districts with these counts (district, before, recent, children,
    exploitation), kept for the last tables asked for."""
    values, lines, relations = district_values(counts)
    return tuple(suppress(values, lines, relations).items())
