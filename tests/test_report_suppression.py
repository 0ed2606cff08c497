"""Small numbers in the version for sharing: every count under 5 is hidden, and enough other
cells are hidden that no total gives one away. An attacker who knows the rule (a cell shown as
"fewer than 5" is 0 to 4, a withheld cell at least 5) and what is part of what (held at most
offered, offered at most due) tries to work hidden cells out from the totals, and fails."""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from triage.reports.figures import Counts
from triage.reports.suppression import AtMost, Hidden, Line, bounds, recoverable, suppress


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
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    hidden: Mapping[Hashable, Hidden],
    relations: Sequence[AtMost] = (),
) -> dict[Hashable, int]:
    """What a reader works out by hand: a line with one unknown left gives it by subtraction;
    a line whose unknowns are all "fewer than 5" and add up to 0, or to 4 each, gives them all;
    a withheld part (at least 5) of a whole shown as 5 is 5. Repeated until nothing more comes
    out."""
    known = {k: v for k, v in values.items() if k not in hidden}
    found: dict[Hashable, int] = {}
    progress = True
    while progress:
        progress = False
        for relation in relations:
            # A withheld part is at least 5 and at most its whole: a whole of 5 pins it.
            (part,) = relation.parts if len(relation.parts) == 1 else (None,)
            if (
                part is not None
                and part not in known
                and hidden.get(part) is Hidden.SECONDARY
                and known.get(relation.whole) == 5
            ):
                known[part] = found[part] = 5
                progress = True
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


def choices(low: float, high: float) -> float:
    return high - low + 1


def assert_nothing_narrowed(
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    hidden: Mapping[Hashable, Hidden],
    relations: Sequence[AtMost] = (),
) -> None:
    """No hidden cell has fewer than 5 possible values, unless a reader would narrow it as far
    with the whole table hidden (two "fewer than 5" under a withheld total are at least 1)."""
    found = bounds(values, lines, hidden, relations)
    whole = bounds(values, lines, {k: hidden.get(k, Hidden.SECONDARY) for k in values}, relations)
    for key, (low, high) in found.items():
        assert high - low >= 0.5, f"{key!r} is {low:.0f} exactly"
        assert choices(low, high) >= min(5, choices(*whole[key])), f"{key!r}: {low}..{high}"


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
    assert_nothing_narrowed(values, lines, hidden)


def funnel(rows: Sequence[Sequence[int]]) -> tuple[dict[Hashable, int], list[Line], list[AtMost]]:
    """An interviews table: each row due, offered, held, successful (each part of the one
    before), with its column totals."""
    values, lines = grid(rows)
    relations = [AtMost(((r, c + 1),), (r, c)) for r in [*range(len(rows)), "T"] for c in range(3)]
    columns = [ln for ln in lines if ln.total[1] != "T"]
    return {k: v for k, v in values.items() if k[1] != "T"}, columns, relations


def test_a_withheld_part_of_a_whole_of_5_does_not_give_the_rest_of_its_column_away() -> None:
    # The reviewer's table: South 5 due, all offered; East 20 due, 3 offered; North 30, 25.
    values, lines, relations = funnel([[5, 5, 5, 5], [20, 3, 3, 3], [30, 25, 25, 25]])
    # What the report hid when it knew only the totals: East's small counts and South's.
    before = {(1, c): Hidden.PRIMARY for c in (1, 2, 3)} | {
        (0, c): Hidden.SECONDARY for c in (1, 2, 3)
    }
    # South's offered is withheld (at least 5) and at most its 5 due: 5; East's is 33 - 25 - 5.
    assert attack(values, lines, before, relations) == {(0, c): 5 for c in (1, 2, 3)} | {
        (1, c): 3 for c in (1, 2, 3)
    }
    hidden = suppress(values, lines, relations)
    assert attack(values, lines, hidden, relations) == {}
    assert bounds(values, lines, hidden, relations)[1, 1] == (0, 4)
    assert_nothing_narrowed(values, lines, hidden, relations)


@pytest.mark.parametrize("seed", range(30))
def test_no_hidden_cell_of_a_random_interviews_table_can_be_worked_out(seed: int) -> None:
    draw = random.Random(seed)
    rows = []
    for _row in range(draw.randint(2, 4)):
        due = draw.choice([0, 2, 5, 6, 9, 20, 30, 55])
        offered = draw.randint(max(0, due - 6), due)
        held = draw.randint(max(0, offered - 6), offered)
        rows.append([due, offered, held, draw.randint(max(0, held - 5), held)])
    values, lines, relations = funnel(rows)
    hidden = suppress(values, lines, relations)
    assert {k for k, v in values.items() if v < 5} <= set(hidden)
    assert attack(values, lines, hidden, relations) == {}
    assert_nothing_narrowed(values, lines, hidden, relations)


def test_parts_more_than_their_whole_are_refused() -> None:
    with pytest.raises(ValueError, match="more than it"):
        suppress({"held": 6, "offered": 5}, [], [AtMost(("held",), "offered")])


def test_lines_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(ValueError, match="do not add up"):
        suppress({"a": 1, "t": 5}, [Line("t", ("a",))])


# The version for sharing of a whole report -------------------------------------------------

# (area postcode, looked after?, absent?, children, episodes each): a mix of large and small.
MIX = [
    ("B30 2LS", True, False, 6, 2),
    ("B30 2LS", False, True, 5, 1),
    ("B8 1AA", False, False, 2, 1),
    ("B8 1AA", True, True, 1, 3),
    ("B23 6TJ", False, False, 7, 1),
    ("B23 6TJ", True, True, 3, 2),
]


def _mixed_city(database: Any, vetter: Any, clock: Any) -> None:
    from datetime import timedelta

    from test_reports import QUIET, send, uk

    from factories import notification

    clock.now = datetime(2026, 8, 1, tzinfo=UTC)
    n = 0
    for postcode, looked_after, absent, children, each in MIX:
        for _child in range(children):
            n += 1
            child = {
                "police_person_id": f"MIX-{n}",
                "given_name": f"Child{n}",
                "date_of_birth": f"2010-01-{n % 28 + 1:02d}",
                "legal_status": "looked_after" if looked_after else "none",
                "placement_postcode": postcode if looked_after else None,
                "placement_type": "foster_care" if looked_after else None,
                "home_postcode": postcode,
            }
            for k in range(each):
                seen = uk(f"2026-06-{2 + 7 * k:02d}T20:00") + timedelta(minutes=n)
                payload = notification(
                    reference=f"MIX-{n}-{k}",
                    reported=seen + timedelta(hours=3),
                    child=child,
                    episode=QUIET,
                    police_classification="absent" if absent else "missing",
                )
                send(database, vetter, clock, payload)


def _lines_of(table: Any) -> list[tuple[str, list[str]]]:
    """Each column of a table as its words, the "All" row last."""
    return [
        (column, [cells[k].text for _label, cells in table.rows])
        for k, column in enumerate(table.columns)
    ]


def test_no_cell_of_a_shared_report_can_be_worked_out_from_its_totals(
    database: Any, vetter: Any, clock: Any
) -> None:
    from triage.reports.monthly import build
    from triage.reports.months import Month

    _mixed_city(database, vetter, clock)
    areas = ["South", "East", "North, West & Central", "Out-of-area placements"]
    with database.reading() as session:
        full = build(session, Month(2026, 6), areas=areas, for_sharing=False)
        shared = build(session, Month(2026, 6), areas=areas, for_sharing=True)
    hidden_somewhere = False
    for key in ("by_area", "by_looked_after"):
        table, truth = shared.table(key), full.table(key)
        for (column, shown), (_c, real) in zip(_lines_of(table), _lines_of(truth), strict=True):
            cells, total = shown[:-1], shown[-1]
            unknown = [k for k, text in enumerate(shown) if not text.replace(",", "").isdigit()]
            hidden_somewhere |= bool(unknown)
            # By subtraction down the column: one hidden cell would be given away.
            assert len(unknown) != 1, f"{key}, {column}: {shown}"
            # A column whose hidden cells are all "fewer than 5" and whose total is shown:
            # the hidden ones add up to the rest, which must not pin them at 0 or 4 each.
            if unknown and total.replace(",", "").isdigit():
                rest = int(real[-1]) - sum(int(t.replace(",", "")) for t in cells if t.isdigit())
                if all(shown[k] == "fewer than 5" for k in unknown):
                    assert rest not in (0, 4 * len(unknown)), f"{key}, {column}: {shown}"
    assert hidden_somewhere  # the city has small numbers to hide
    # Row by row, episodes are those recorded missing and those recorded absent.
    for _label, cells in shared.table("by_area").rows:
        trio = [cells[1].text, cells[2].text, cells[3].text]
        assert sum(1 for t in trio if not t.isdigit()) != 1, trio
