"""Small numbers in a table for sharing: primary and secondary cell suppression.

Every count under the threshold (5, as FOI practice uses) is hidden ("fewer than 5"): that is
primary suppression. A hidden cell must not be recoverable from what the table also shows, so
further cells are hidden (secondary suppression) until none can be worked out. A reader knows
two kinds of relation between counts:

- *lines*: a total and the cells that add up to it (a row, a column);
- *parts of a whole* (`AtMost`): counts that together are at most another, because each counts
  some of what the other counts (interviews held are at most those offered, offered at most
  those due; children missing at most their episodes; children missing plus those with two or
  more episodes at most the episodes).

1. every line that hides exactly one of its members hides another, the smallest it still shows
   (a cell or the total);
2. then an audit: for each hidden cell, the smallest and largest values it could take given
   every line's sum, every part-of-a-whole relation and what a reader knows of hidden cells (a
   primary one is 0 to 4, a secondary one at least 5) are found by linear programming (scipy's
   HiGHS). A cell left with fewer than 5 possible values (a primary cell narrowed below "0 to
   4", any cell pinned down exactly or to a range like "5 to 8") is exposed: the smallest cell
   beside it (in a line or relation through it) whose hiding protects it is hidden, else the
   smallest, and step 1 runs again. The one narrowing kept is one no hiding undoes, that a
   reader would make with the whole table hidden (two "fewer than 5" under a withheld total
   are each at least 1, as the total is at least 5).

The result is a safe table, not an optimal one (it may hide more than the fewest cells
possible). No well-kept Python library does this: the standard tools (sdcTable, tau-Argus,
GaussSuppression) are R or Java, and ACRO, the Python output checker, suppresses small cells
without protecting them from the totals.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from scipy.optimize import linprog

THRESHOLD = 5


class Hidden(StrEnum):
    PRIMARY = "primary"  # under the threshold: shown as "fewer than 5"
    SECONDARY = "secondary"  # hidden so that a total does not give a primary cell away


@dataclass(frozen=True, slots=True)
class Line:
    """A total and the cells that add up to it (a row or a column of a table)."""

    total: Hashable
    parts: tuple[Hashable, ...]

    @property
    def members(self) -> tuple[Hashable, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True, slots=True)
class AtMost:
    """Counts that together are at most `whole` (each counts some of what it counts)."""

    parts: tuple[Hashable, ...]
    whole: Hashable

    @property
    def members(self) -> tuple[Hashable, ...]:
        return (self.whole, *self.parts)


Relation = Line | AtMost


def suppress(
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    relations: Sequence[AtMost] = (),
    *,
    threshold: int = THRESHOLD,
) -> dict[Hashable, Hidden]:
    """Which cells to hide, and why. `values` holds every cell and total; `lines` say which
    add up to which, `relations` which are parts of which. A cell in neither is hidden only if
    it is under the threshold."""
    for line in lines:
        if sum(values[p] for p in line.parts) != values[line.total]:
            raise ValueError(f"the parts of {line.total!r} do not add up to it")
    for relation in relations:
        if sum(values[p] for p in relation.parts) > values[relation.whole]:
            raise ValueError(f"the parts of {relation.whole!r} are more than it")
    hidden = {key: Hidden.PRIMARY for key, value in values.items() if value < threshold}
    # What a reader could learn of each cell with every other cell hidden too: a narrowing that
    # remains then (two "fewer than 5" under a withheld total are each at least 1, as the total
    # is at least 5) no hiding undoes.
    everything = {key: hidden.get(key, Hidden.SECONDARY) for key in values}
    best = _Program(values, lines, relations, everything, threshold)
    at_best: dict[Hashable, float] = {}

    def target(key: Hashable) -> float:
        if key not in at_best:
            at_best[key] = min(threshold, _choices(*best.range_of(key)))
        return at_best[key]

    # Hiding a cell only widens what a reader can say of the others (a known value becomes one
    # of many): a cell found safe stays safe, and is not looked at again.
    safe: set[Hashable] = set()
    while True:
        _protect_lines(values, lines, hidden)
        program = _Program(values, lines, relations, hidden, threshold)
        found = {k: program.range_of(k) for k in program.unknown if k not in safe}
        exposed = []
        for k, (low, high) in sorted(found.items(), key=lambda item: repr(item[0])):
            if _choices(low, high) < threshold and _choices(low, high) < target(k):
                exposed.append(k)
            else:
                safe.add(k)
        # Hide one more cell beside an exposed cell: the smallest that protects it if one does,
        # else the smallest, and look again.
        if not any(
            _protect(k, target(k), values, lines, relations, hidden, threshold) for k in exposed
        ) and not any(_hide_smallest_beside(k, values, lines, relations, hidden) for k in exposed):
            return hidden


def _beside(
    key: Hashable,
    values: Mapping[Hashable, int],
    relations: Sequence[Relation],
    hidden: Mapping[Hashable, Hidden],
) -> list[Hashable]:
    """The shown cells of the lines and relations through `key`, smallest first."""
    found = {
        m
        for relation in relations
        if key in relation.members
        for m in relation.members
        if m not in hidden
    }
    return sorted(found, key=lambda m: (values[m], repr(m)))


def _protect_lines(
    values: Mapping[Hashable, int], lines: Sequence[Line], hidden: dict[Hashable, Hidden]
) -> None:
    """Until no line hides exactly one member: such a line hides one more, preferring a cell
    that also completes another such line (closing a rectangle hides the fewest), then the
    smallest."""
    through: dict[Hashable, list[Line]] = {}
    for line in lines:
        for member in line.members:
            through.setdefault(member, []).append(line)

    def lone(line: Line) -> bool:
        return sum(1 for m in line.members if m in hidden) == 1

    changed = True
    while changed:
        changed = False
        for line in lines:
            if not lone(line):
                continue
            shown = [m for m in line.members if m not in hidden]
            if not shown:
                continue
            chosen = min(
                shown,
                key=lambda m: (
                    not any(lone(other) for other in through[m] if other is not line),
                    values[m],
                    m == line.total,
                    repr(m),
                ),
            )
            hidden[chosen] = Hidden.SECONDARY
            changed = True


def _protect(
    key: Hashable,
    wanted: float,
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    relations: Sequence[AtMost],
    hidden: dict[Hashable, Hidden],
    threshold: int,
) -> bool:
    """Hide the smallest shown cell beside `key` whose hiding leaves `key` `wanted` possible
    values, if there is one."""
    for candidate in _beside(key, values, [*lines, *relations], hidden):
        trial = {**hidden, candidate: Hidden.SECONDARY}
        low, high = _Program(values, lines, relations, trial, threshold).range_of(key)
        if _choices(low, high) >= wanted:
            hidden[candidate] = Hidden.SECONDARY
            return True
    return False


def _hide_smallest_beside(
    key: Hashable,
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    relations: Sequence[AtMost],
    hidden: dict[Hashable, Hidden],
) -> bool:
    beside = _beside(key, values, [*lines, *relations], hidden)
    if beside:
        hidden[beside[0]] = Hidden.SECONDARY
    return bool(beside)


class _Program:
    """The linear program a reader can set up: one unknown per hidden cell, an equation per
    line and an inequality per relation through a hidden cell, and each unknown's limits."""

    def __init__(
        self,
        values: Mapping[Hashable, int],
        lines: Sequence[Line],
        relations: Sequence[AtMost],
        hidden: Mapping[Hashable, Hidden],
        threshold: int,
    ) -> None:
        self.unknown = sorted(hidden, key=repr)
        self.column = {key: k for k, key in enumerate(self.unknown)}
        self.a_eq, self.b_eq = self._rows(
            values, hidden, [(line.total, line.parts) for line in lines]
        )
        self.a_ub, self.b_ub = self._rows(values, hidden, [(r.whole, r.parts) for r in relations])
        self.limits = [
            (0, threshold - 1) if hidden[key] is Hidden.PRIMARY else (threshold, None)
            for key in self.unknown
        ]

    def _rows(
        self,
        values: Mapping[Hashable, int],
        hidden: Mapping[Hashable, Hidden],
        sums: Sequence[tuple[Hashable, tuple[Hashable, ...]]],
    ) -> tuple[Any, Any]:
        """Each `parts - whole (= or <=) 0`, the shown members moved to the right."""
        rows, rhs = [], []
        for whole, parts in sums:
            if whole not in hidden and not any(p in hidden for p in parts):
                continue
            coefficients = np.zeros(len(self.unknown))
            known = 0.0
            for member, sign in [(whole, -1.0)] + [(p, 1.0) for p in parts]:
                if member in hidden:
                    coefficients[self.column[member]] += sign
                else:
                    known += sign * values[member]
            rows.append(coefficients)
            rhs.append(-known)
        return (np.array(rows), np.array(rhs)) if rows else (None, None)

    def range_of(self, key: Hashable) -> tuple[float, float]:
        aim = np.zeros(len(self.unknown))
        aim[self.column[key]] = 1.0
        found = []
        for sign in (1.0, -1.0):
            result = linprog(
                sign * aim,
                A_ub=self.a_ub,
                b_ub=self.b_ub,
                A_eq=self.a_eq,
                b_eq=self.b_eq,
                bounds=self.limits,
                method="highs",
            )
            found.append(sign * float(result.fun) if result.status == 0 else -sign * math.inf)
        return found[0], found[1]


def _choices(low: float, high: float) -> float:
    """How many whole numbers lie between `low` and `high` (infinitely many, unbounded)."""
    if math.isinf(high):
        return math.inf
    return math.floor(high + 1e-6) - math.ceil(low - 1e-6) + 1


def bounds(
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    hidden: Mapping[Hashable, Hidden],
    relations: Sequence[AtMost] = (),
    *,
    threshold: int = THRESHOLD,
) -> dict[Hashable, tuple[float, float]]:
    """What a reader of the table can work out about each hidden cell: its smallest and
    largest possible value (the largest may be infinite)."""
    program = _Program(values, lines, relations, hidden, threshold)
    return {key: program.range_of(key) for key in program.unknown}


def recoverable(
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    hidden: Mapping[Hashable, Hidden],
    relations: Sequence[AtMost] = (),
    *,
    threshold: int = THRESHOLD,
) -> set[Hashable]:
    """Hidden cells a reader can narrow to fewer than `threshold` possible values (exactly, or
    "fewer than 5" narrowed further) from what the table shows."""
    found = bounds(values, lines, hidden, relations, threshold=threshold)
    return {key for key, (low, high) in found.items() if _choices(low, high) < threshold}
