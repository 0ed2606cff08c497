"""Small numbers in a table for sharing: primary and secondary cell suppression.

Every count under the threshold (5, as FOI practice uses) is hidden ("fewer than 5"): that is
primary suppression. A hidden cell must not be recoverable from the totals the table also
shows, so further cells are hidden (secondary suppression) until none can be worked out:

1. every line (a total and the cells that add up to it: a row, a column) that hides exactly one
   of its members hides another, the smallest it still shows (a cell or the total);
2. then an audit: for each hidden cell, the smallest and largest values it could take given
   every line's sum and what a reader knows of hidden cells (a primary one is 0 to 4, a
   secondary one at least 5) are found by linear programming (scipy's HiGHS). A cell whose
   smallest and largest agree is recoverable; a line through it hides one more cell and step 1
   runs again.

The result is a safe table, not an optimal one (it may hide more than the fewest cells
possible). No well-kept Python library does this: the standard tools (sdcTable, tau-Argus,
GaussSuppression) are R or Java, and ACRO, the Python output checker, suppresses small cells
without protecting them from the totals.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

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


def suppress(
    values: Mapping[Hashable, int], lines: Sequence[Line], *, threshold: int = THRESHOLD
) -> dict[Hashable, Hidden]:
    """Which cells to hide, and why. `values` holds every cell and total; `lines` say which
    add up to which. A cell in no line is hidden only if it is under the threshold."""
    for line in lines:
        if sum(values[p] for p in line.parts) != values[line.total]:
            raise ValueError(f"the parts of {line.total!r} do not add up to it")
    hidden = {key: Hidden.PRIMARY for key, value in values.items() if value < threshold}
    while True:
        _protect_lines(values, lines, hidden)
        exposed = recoverable(values, lines, hidden, threshold=threshold)
        if not exposed:
            return hidden
        # Hide one more cell beside the first exposed cell that still has a shown neighbour
        # (an exposed cell whose lines are all hidden is pinned through another line).
        if not any(_hide_beside(k, values, lines, hidden) for k in sorted(exposed, key=repr)):
            return hidden  # nothing left to hide: every line through them is hidden whole


def _smallest_shown(line: Line, values: Mapping[Hashable, int], hidden: Mapping) -> Hashable:
    shown = [m for m in line.members if m not in hidden]
    return min(shown, key=lambda m: (values[m], m == line.total, repr(m))) if shown else None


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


def _hide_beside(
    key: Hashable,
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    hidden: dict[Hashable, Hidden],
) -> bool:
    for line in sorted((ln for ln in lines if key in ln.members), key=lambda ln: repr(ln.total)):
        chosen = _smallest_shown(line, values, hidden)
        if chosen is not None:
            hidden[chosen] = Hidden.SECONDARY
            return True
    return False


def bounds(
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    hidden: Mapping[Hashable, Hidden],
    *,
    threshold: int = THRESHOLD,
) -> dict[Hashable, tuple[float, float]]:
    """What a reader of the table can work out about each hidden cell: its smallest and
    largest possible value (the largest may be infinite)."""
    unknown = sorted(hidden, key=repr)
    column = {key: k for k, key in enumerate(unknown)}
    rows, rhs = [], []
    for line in lines:
        if not any(m in hidden for m in line.members):
            continue
        coefficients = np.zeros(len(unknown))
        known = 0.0
        for member, sign in [(line.total, -1.0)] + [(p, 1.0) for p in line.parts]:
            if member in hidden:
                coefficients[column[member]] += sign
            else:
                known += sign * values[member]
        rows.append(coefficients)
        rhs.append(-known)
    limits = [
        (0, threshold - 1) if hidden[key] is Hidden.PRIMARY else (threshold, None)
        for key in unknown
    ]
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    found: dict[Hashable, tuple[float, float]] = {}
    for key in unknown:
        aim = np.zeros(len(unknown))
        aim[column[key]] = 1.0
        low = linprog(aim, A_eq=a_eq, b_eq=b_eq, bounds=limits, method="highs")
        high = linprog(-aim, A_eq=a_eq, b_eq=b_eq, bounds=limits, method="highs")
        found[key] = (
            float(low.fun) if low.status == 0 else float("-inf"),
            float(-high.fun) if high.status == 0 else float("inf"),
        )
    return found


def recoverable(
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    hidden: Mapping[Hashable, Hidden],
    *,
    threshold: int = THRESHOLD,
) -> set[Hashable]:
    """Hidden cells whose value a reader can work out exactly from what the table shows."""
    return {
        key
        for key, (low, high) in bounds(values, lines, hidden, threshold=threshold).items()
        if high - low < 0.5
    }
