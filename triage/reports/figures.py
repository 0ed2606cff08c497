"""A report's figures: counts kept with the sums that tie them together, and shown either in
full (inside the service) or for sharing (small numbers suppressed, so that no total gives a
hidden cell away).

A `Counts` holds every count of a report under a key, every line (a total and the counts that
add up to it) and every part of a whole (counts at most another: held at most offered) that a
reader could use to work one out. The same key used in two tables is
the same count: hidden in one, it is hidden in both.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from triage.reports.months import Month
from triage.reports.suppression import THRESHOLD, AtMost, Hidden, Line, suppress

FEWER = f"fewer than {THRESHOLD}"
WITHHELD = "withheld"  # secondary suppression: hidden so the totals do not reveal a small cell


@dataclass(frozen=True, slots=True)
class Figure:
    """One cell as the report shows it. `value` is None when the cell is hidden."""

    value: float | None
    text: str
    hidden: Hidden | None = None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One month of the success rate's trend (None where there is nothing to show, or it is
    hidden for sharing)."""

    month: Month
    offered: int | None
    successful: int | None
    success_rate: float | None


@dataclass(frozen=True, slots=True)
class FigureTable:
    key: str
    title: str
    row_heading: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Figure, ...]], ...]
    note: str = ""


@dataclass
class Counts:
    values: dict[Hashable, int] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    relations: list[AtMost] = field(default_factory=list)

    def put(self, key: Hashable, value: int) -> None:
        self.values[key] = int(value)

    def line(self, total: Hashable, parts: Sequence[Hashable]) -> None:
        self.lines.append(Line(total, tuple(parts)))

    def at_most(self, parts: Sequence[Hashable], whole: Hashable) -> None:
        """`parts` together count at most `whole` (each counts some of what it counts)."""
        self.relations.append(AtMost(tuple(parts), whole))

    def shown(self, *, for_sharing: bool) -> Shown:
        hidden = suppress(self.values, self.lines, self.relations) if for_sharing else {}
        return Shown(self.values, hidden)


@dataclass(frozen=True)
class Shown:
    """The counts as one version of the report shows them."""

    values: dict[Hashable, int]
    hidden: dict[Hashable, Hidden]

    def count(self, key: Hashable) -> Figure:
        reason = self.hidden.get(key)
        if reason is Hidden.PRIMARY:
            return Figure(None, FEWER, reason)
        if reason is Hidden.SECONDARY:
            return Figure(None, WITHHELD, reason)
        value = self.values[key]
        return Figure(value, f"{value:,}")

    def rate(self, part: Hashable, whole: Hashable) -> Figure:
        """A percentage, hidden with either of its counts (it would reveal them)."""
        if part in self.hidden or whole in self.hidden:
            return Figure(None, WITHHELD, Hidden.SECONDARY)
        if self.values[whole] == 0:
            return Figure(None, "none")
        share = 100 * self.values[part] / self.values[whole]
        return Figure(round(share, 1), f"{share:.0f}%")

    def average(self, total: Hashable, months: int) -> Figure:
        """A total over `months` as a monthly average, hidden with its total."""
        if total in self.hidden:
            return Figure(None, WITHHELD, Hidden.SECONDARY)
        if months == 0:
            return Figure(None, "none")
        mean = self.values[total] / months
        return Figure(round(mean, 1), f"{mean:,.1f}")
