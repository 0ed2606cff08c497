"""Small numbers in the version for sharing: every count under 5 is hidden, and enough other
cells are hidden that no total gives one away. An attacker who knows the rule (a cell shown as
"fewer than 5" is 0 to 4, a withheld cell at least 5) tries to work hidden cells out from the
totals, and fails."""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence

import pytest

from triage.reports.figures import Counts
from triage.reports.suppression import Hidden, Line, bounds, recoverable, suppress


def grid(rows: Sequence[Sequence[int]]) -> tuple[dict[Hashable, int], list[Line]]:
    """A table with a total for each row and column and a grand total: cell (r, c), totals
    (r, "T"), ("T", c) and ("T", "T")."""
    values: dict[Hashable, int] = {}
    lines = []
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            values[r, c] = value
        values[r, "T"] = sum(row)
        lines.append(Line((r, "T"), tuple((r, c) for c in range(len(row)))))
    for c in range(len(rows[0])):
        values["T", c] = sum(row[c] for row in rows)
        lines.append(Line(("T", c), tuple((r, c) for r in range(len(rows)))))
    values["T", "T"] = sum(map(sum, rows))
    lines.append(Line(("T", "T"), tuple(("T", c) for c in range(len(rows[0])))))
    lines.append(Line(("T", "T"), tuple((r, "T") for r in range(len(rows)))))
    return values, lines


def attack(
    values: Mapping[Hashable, int], lines: Sequence[Line], hidden: Mapping[Hashable, Hidden]
) -> dict[Hashable, int]:
    """What a reader works out by hand: a line with one unknown left gives it by subtraction;
    a line whose unknowns are all "fewer than 5" and add up to 0, or to 4 each, gives them all.
    Repeated until nothing more comes out."""
    known = {k: v for k, v in values.items() if k not in hidden}
    found: dict[Hashable, int] = {}
    progress = True
    while progress:
        progress = False
        for line in lines:
            unknown = [m for m in line.members if m not in known]
            if not unknown:
                continue
            if line.total in known:
                rest = known[line.total] - sum(known[p] for p in line.parts if p in known)
                small = all(hidden.get(m) is Hidden.PRIMARY for m in unknown)
                if len(unknown) == 1:
                    known[unknown[0]] = found[unknown[0]] = rest
                    progress = True
                elif small and rest in (0, 4 * len(unknown)):
                    for m in unknown:
                        known[m] = found[m] = rest // len(unknown)
                    progress = True
            elif len(unknown) == 1:  # the total itself
                known[line.total] = found[line.total] = sum(known[p] for p in line.parts)
                progress = True
    return found


def test_every_count_under_5_is_hidden_as_fewer_than_5_and_5_is_shown() -> None:
    counts = Counts()
    for key, value in {"a": 4, "b": 5, "c": 0, "d": 120}.items():
        counts.put(key, value)
    shown = counts.shown(for_sharing=True)
    assert [shown.count(k).text for k in "abcd"] == ["fewer than 5", "5", "fewer than 5", "120"]
    assert shown.count("a").value is None and shown.count("a").hidden is Hidden.PRIMARY
    full = counts.shown(for_sharing=False)
    assert [full.count(k).text for k in "abcd"] == ["4", "5", "0", "120"]


def test_a_row_with_one_small_cell_hides_its_next_smallest_cell_and_so_does_its_column() -> None:
    values, lines = grid([[3, 20, 40], [10, 30, 50], [12, 25, 60]])
    hidden = suppress(values, lines)
    assert hidden[0, 0] is Hidden.PRIMARY
    # Row 0's next smallest (20) and column 0's next smallest (10); then column 1 hides the
    # cell that also completes row 1, (1, 1) = 30: a rectangle of four, no more.
    assert hidden[0, 1] is Hidden.SECONDARY and hidden[1, 0] is Hidden.SECONDARY
    assert hidden[1, 1] is Hidden.SECONDARY
    assert len(hidden) == 4
    for line in lines:
        assert sum(1 for m in line.members if m in hidden) != 1


def test_the_cell_cannot_be_recovered_from_the_totals() -> None:
    values, lines = grid([[3, 20, 40], [10, 30, 50], [12, 25, 60]])
    only_primary = {(0, 0): Hidden.PRIMARY}
    assert attack(values, lines, only_primary) == {(0, 0): 3}  # the attack works on a leaky table
    hidden = suppress(values, lines)
    assert attack(values, lines, hidden) == {}
    low, high = bounds(values, lines, hidden)[0, 0]
    assert (low, high) == (0, 4)  # all a reader learns: fewer than 5


def test_two_small_cells_that_add_up_to_8_do_not_give_each_other_away() -> None:
    values = {"p": 4, "q": 4, "total": 8}
    lines = [Line("total", ("p", "q"))]
    assert attack(values, lines, {"p": Hidden.PRIMARY, "q": Hidden.PRIMARY}) == {"p": 4, "q": 4}
    hidden = suppress(values, lines)
    assert hidden == {"p": Hidden.PRIMARY, "q": Hidden.PRIMARY, "total": Hidden.SECONDARY}
    assert attack(values, lines, hidden) == {}


def test_a_small_total_is_hidden_and_protected_like_any_cell() -> None:
    values, lines = grid([[1, 2], [30, 40]])
    hidden = suppress(values, lines)
    assert hidden[0, "T"] is Hidden.PRIMARY
    assert attack(values, lines, hidden) == {}
    assert recoverable(values, lines, hidden) == set()


@pytest.mark.parametrize("seed", range(40))
def test_no_hidden_cell_of_a_random_table_can_be_worked_out(seed: int) -> None:
    draw = random.Random(seed)
    shape = (draw.randint(2, 5), draw.randint(2, 6))
    rows = [
        [draw.choice([0, 1, 2, 3, 4, 5, 6, 9, 14, 30, 80]) for _ in range(shape[1])]
        for _ in range(shape[0])
    ]
    values, lines = grid(rows)
    hidden = suppress(values, lines)
    assert {k for k, v in values.items() if v < 5} <= set(hidden)
    assert attack(values, lines, hidden) == {}
    assert recoverable(values, lines, hidden) == set()


def test_lines_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(ValueError, match="do not add up"):
        suppress({"a": 1, "t": 5}, [Line("t", ("a",))])
