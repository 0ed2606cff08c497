"""Intelligence: places ranked as hotspots, a place marked a known hotspot feeding the rules,
children who go missing together grouped with the evidence on each link, and the districts
table for analysts, whose suppressed cells cannot be recovered from its totals. A crafted
history whose hotspots and groups are known; SQLite and PostgreSQL alike."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from scipy.optimize import linprog

from conftest import FrozenClock
from factories import notification
from test_api import submit
from test_panels import children_by_person
from triage.accounts import get_by_username
from triage.intelligence.disclosure import ALL, PERIODS
from triage.intelligence.groups import find_groups
from triage.intelligence.network import FOUND_TOGETHER, NAMED_COMPANION
from triage.intelligence.places import normalise
from triage.intelligence.service import districts, hotspots, mark_place
from triage.store import Database

H = dict[str, dict[str, str]]
BUS = "Bus station, B5 4BU"
QUIET: dict[str, Any] = {"indicators": [], "circumstances": "Stayed out late."}


def _episode(
    clock: FrozenClock, ref: str, person: str, days_ago: float, **episode: Any
) -> dict[str, Any]:
    names = {"given_name": f"Kid{person}", "family_name": "Test", "date_of_birth": "2010-01-01"}
    return notification(
        reference=ref,
        reported=clock() - timedelta(days=days_ago),
        police_risk_grade="low",
        child={"police_person_id": person, "legal_status": "none", **names},
        episode={**QUIET, **episode},
    )


def crafted(client: TestClient, headers: H, clock: FrozenClock) -> dict[str, int]:
    """A, B and C go missing together (A names B; B and C are found at the bus station within
    the hour) and A shows exploitation; D and E name each other; F is alone. The bus station is
    named by six episodes of four children, the park by two of one."""
    for payload in (
        _episode(
            clock, "R-A1", "A", 10, last_seen_location=BUS,
            companions=[{"police_person_id": "B"}], indicators=["drugs"],
        ),
        _episode(clock, "R-B1", "B", 10, return_location=BUS),
        _episode(clock, "R-C1", "C", 10, return_location="bus station B5 4bu"),
        _episode(clock, "R-F1", "F", 40, last_seen_location=BUS),
        _episode(clock, "R-F2", "F", 120, last_seen_location=BUS),
        _episode(clock, "R-F3", "F", 130, last_seen_location="Bus Station , B5 4BU"),
        _episode(clock, "R-D1", "D", 20, last_seen_location="Local park",
                 companions=[{"police_person_id": "E"}]),
        _episode(clock, "R-E1", "E", 25, last_seen_location="Local park"),
    ):  # fmt: skip
        submit(client, headers, payload)
    return children_by_person(client)


def _database(client: TestClient) -> Database:
    found: Database = client.app.state.services.database  # type: ignore[attr-defined]
    return found


def test_one_place_however_police_spell_it_keeps_its_district() -> None:
    spellings = (BUS, "bus station B5 4bu", "Bus Station , B5 4BU")
    assert {normalise(s).key for s in spellings} == {"bus station b5 4bu"}  # type: ignore[union-attr]
    assert normalise(BUS).district == "B5"  # type: ignore[union-attr]
    home = normalise("Home address", home_postcode="B23 6TJ")
    assert home is not None and (home.label, home.district) == ("Home address, B23 6TJ", "B23")
    assert normalise("Home address") is None  # whose home is not known: not a place to count
    assert normalise("City centre").district is None  # type: ignore[union-attr]


def test_the_hotspot_view_ranks_places_by_episodes_children_and_recency(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    ids = crafted(client, headers, clock)
    with _database(client).transaction() as session:
        chair = get_by_username(session, "jo")
        assert chair is not None
        rows = hotspots(session, viewer=chair, now=clock())
        by_recency = hotspots(session, viewer=chair, now=clock(), order="recency")
    top = rows[0].spot
    assert (top.label, top.district, top.episodes, top.children) == (BUS, "B5", 6, 4)
    assert top.child_ids == {ids["A"], ids["B"], ids["C"], ids["F"]}
    assert (top.exploitation, top.recent, top.before, top.trend) == (1, 4, 2, "rising")
    park = next(r.spot for r in rows if r.spot.label == "Local park")
    assert (park.episodes, park.children, park.district) == (2, 2, "not known")
    assert by_recency[0].spot.label == BUS  # named ten days ago, the park twenty


def test_a_place_marked_a_known_hotspot_feeds_the_rules_without_police_ticking_it(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    crafted(client, headers, clock)
    before = submit(client, headers, _episode(clock, "R-G1", "G", 1, last_seen_location=BUS))
    assert before["vetted_level"] == "low"
    with _database(client).transaction() as session:
        chair = get_by_username(session, "jo")
        assert chair is not None
        ref = hotspots(session, viewer=chair, now=clock())[0].ref
        marked = clock() - timedelta(days=2)  # before the next notification was sent
        mark_place(
            session, ref=ref, status="known_hotspot", note="Seen often", by=chair, now=marked
        )
    after = submit(
        client, headers, _episode(clock, "R-H1", "H", 1, last_seen_location="bus station b5 4bu")
    )
    assert after["vetted_level"] == "medium"  # the hotspot counts as a CSE and CCE indicator


def test_children_missing_together_form_groups_with_the_evidence_on_each_link(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    ids = crafted(client, headers, clock)
    with _database(client).transaction() as session:
        chair = get_by_username(session, "jo")
        assert chair is not None
        found = find_groups(session, viewer=chair, now=clock())
        again = find_groups(session, viewer=chair, now=clock())
    assert [{c.child_id for c in g.children} for g in found] == [
        {ids["A"], ids["B"], ids["C"]},
        {ids["D"], ids["E"]},
    ]
    assert [g.ref for g in found] == [g.ref for g in again]  # a fixed seed: the same groups
    first = found[0]
    kinds = {(link.a, link.b): {e.kind for e in link.evidence} for link in first.links}
    pair = lambda x, y: (min(ids[x], ids[y]), max(ids[x], ids[y]))  # noqa: E731
    assert kinds[pair("A", "B")] == {NAMED_COMPANION}
    assert kinds[pair("B", "C")] == {FOUND_TOGETHER}
    review = {c.child_id: c.review_due for c in first.children}
    assert review == {ids["A"]: False, ids["B"]: True, ids["C"]: True}  # A's flag: review them
    assert first.places[0].label == BUS and first.places[0].children == 3


def _attack(rows: list[Any]) -> dict[tuple[str, str], tuple[float, float]]:
    """What a reader of the published table alone can work out about each hidden cell: rows
    add up, columns add up, primary cells are 0 to 4, withheld ones at least 5."""
    names = [r.district for r in rows]
    cells = {(r.district, c): r.cells[c] for r in rows for c in PERIODS}
    hidden = [k for k, cell in cells.items() if cell.value is None]
    index = {k: i for i, k in enumerate(hidden)}
    equalities, targets = [], []
    lines = [[(n, "before"), (n, "recent"), (n, "episodes")] for n in names]
    lines += [[*((n, c) for n in names if n != ALL), (ALL, c)] for c in PERIODS]
    for line in lines:
        row, known = np.zeros(len(hidden)), 0.0
        for k, member in enumerate(line):
            sign = -1.0 if k == len(line) - 1 else 1.0
            if member in index:
                row[index[member]] += sign
            else:
                known += sign * (cells[member].value or 0)
        equalities.append(row)
        targets.append(-known)
    limits = [(0, 4) if cells[k].hidden == "primary" else (5, None) for k in hidden]
    found = {}
    for k in hidden:
        goal = np.zeros(len(hidden))
        goal[index[k]] = 1.0
        low = linprog(goal, A_eq=equalities, b_eq=targets, bounds=limits).fun
        top = linprog(-goal, A_eq=equalities, b_eq=targets, bounds=limits)
        high = math.inf if top.status == 3 else -top.fun  # 3: unbounded, no largest value
        found[k] = (low, high)
    return found


def test_analysts_see_districts_only_and_a_suppressed_cell_cannot_be_recovered_from_totals(
    client: TestClient, headers: H, clock: FrozenClock
) -> None:
    crafted(client, headers, clock)
    with _database(client).transaction() as session:
        analyst = get_by_username(session, "priya")
        assert analyst is not None
        rows = districts(session, viewer=analyst, now=clock())
    assert [r.district for r in rows] == ["B5", "not known", ALL]  # no place, no child
    bus = rows[0].cells
    assert bus["episodes"].value is None  # 6 in the window of 180 days, but...
    assert bus["recent"].shown == "fewer than 5"  # 4 in the last 90 days: suppressed
    hidden = _attack(rows)
    assert hidden, "the crafted table has suppressed cells"
    for cell, (low, high) in hidden.items():
        assert high - low >= 1, f"{cell} recovered exactly from the totals"
