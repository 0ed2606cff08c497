"""The monthly report for the committee: children missing and their episodes, by area and by
looked-after status, month by month over a year, the return home interviews, and the month's
reconciliation with the case record and fostering service (`triage.reports.reconciled`).

Everything is counted from the database as it was known at the month's end (see
`triage.reports.episodes`, and `triage.reports.interviews` for the month and 72 hours of each
interview), so a report run again later gives the same figures; only the interviews' outcomes
(recorded since, for the month's returns) can still grow. An episode
belongs to the month its child was last seen in (UK time); a child belongs to the area and
looked-after status of their latest episode in the month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.interviews.service import InterviewRules
from triage.notification.vocabulary import Classification
from triage.reports import interviews as rhi
from triage.reports import reconciled
from triage.reports.episodes import (
    NOT_VETTED,
    OTHER_AUTHORITIES,
    EpisodeFact,
    known_episodes,
)
from triage.reports.figures import Counts, Figure, FigureTable, Shown, TrendPoint
from triage.reports.months import Month
from triage.store.tables import NotificationVersion

MONTHS = 12
DUE_HOURS = InterviewRules().due_hours  # `rhi_due_hours` when the rules do not say
LOOKED_AFTER, NOT_LOOKED_AFTER = "Looked after", "Not looked after"
ALL = "All"

# The columns of the tables by area and by looked-after status: (key, heading).
EPISODE_COLUMNS = (
    ("children", "Children missing"),
    ("episodes", "Episodes"),
    ("missing", "Recorded missing"),
    ("absent", "Recorded absent"),
    ("reclassified", "Reclassified as missing"),
    ("repeat_month", "Children with 2 or more episodes in the month"),
    ("repeat_year", "Children with 2 or more episodes in 12 months"),
)

# What a reader knows without being told, in every row: (parts, the whole they are at most).
# A child counts in the row of their latest episode, so a row's children are at most its
# episodes; those with two or more episodes in the month are among those in 12 months.
EPISODE_PARTS = (
    (("children",), "episodes"),
    (("reclassified",), "episodes"),
    (("repeat_year",), "children"),
    (("repeat_month",), "repeat_year"),
)


@dataclass(frozen=True)
class MonthlyReport:
    month: Month
    known_at: datetime
    for_sharing: bool
    months_averaged: int  # the months the averages are over: of the last 12, those with data
    headline: tuple[tuple[str, Figure], ...]
    tables: tuple[FigureTable, ...]
    trend: tuple[TrendPoint, ...]
    interviews_recorded: bool  # whether any interview is due in the months reported

    def table(self, key: str) -> FigureTable:
        return next(t for t in self.tables if t.key == key)


def build(
    session: Session,
    month: Month,
    *,
    areas: Sequence[str],
    for_sharing: bool,
    due_hours: float = DUE_HOURS,
) -> MonthlyReport:
    """The report for `month`: `areas` are the area teams in the order to show them (the
    routing table's teams); other routes found in the data follow them. An interview is within
    72 hours when it is within `due_hours` (the rules' `rhi_due_hours`) of the first return it
    covers."""
    known_at = month.end
    averaged = _months_with_data(session, month.last(MONTHS), known_at)
    window = month.last(max(averaged, 1))  # a store that began mid-year: the months it has
    facts = known_episodes(
        session, known_at=known_at, seen_from=window[0].start, seen_before=known_at
    )
    by_month: dict[Month, list[EpisodeFact]] = defaultdict(list)
    for fact in facts:
        by_month[Month.of(fact.last_seen_at)].append(fact)
    this = by_month.get(month, [])
    rows = _area_rows(areas, this)
    counts = Counts()
    _episode_counts(counts, this, facts, rows)
    _trend_counts(counts, window, by_month, month)
    interviews = rhi.read(
        session, window=window, known_at=known_at, due_after=timedelta(hours=due_hours)
    )
    teams = rhi.add_counts(counts, interviews, month=month, window=window, areas=areas)
    reconciliation = reconciled.add_counts(counts, session, month)
    shown = counts.shown(for_sharing=for_sharing)
    tables = [
        _episode_table("by_area", "By area", "Area", rows, shown, "area"),
        _episode_table(
            "by_looked_after",
            "By looked-after status",
            "Looked-after status",
            [LOOKED_AFTER, NOT_LOOKED_AFTER],
            shown,
            "lac",
        ),
        _other_authorities_table(shown),
        _trend_table(window, month, shown, averaged),
        *rhi.tables(shown, teams=teams),
        reconciled.table(shown, reconciliation, month),
    ]
    return MonthlyReport(
        month=month,
        known_at=known_at,
        for_sharing=for_sharing,
        months_averaged=averaged,
        headline=_headline(shown, averaged),
        tables=tuple(tables),
        trend=rhi.trend(shown, month=month, window=window),
        interviews_recorded=bool(interviews),
    )


def _area_rows(areas: Sequence[str], facts: Iterable[EpisodeFact]) -> list[str]:
    seen = {f.area for f in facts}
    extra = sorted(seen - set(areas) - {OTHER_AUTHORITIES, NOT_VETTED})
    return [*areas, *extra, OTHER_AUTHORITIES, *([NOT_VETTED] if NOT_VETTED in seen else [])]


def _latest_per_child(facts: Iterable[EpisodeFact]) -> dict[int, EpisodeFact]:
    latest: dict[int, EpisodeFact] = {}
    for fact in sorted(facts, key=lambda f: (f.last_seen_at, f.episode_id)):
        latest[fact.child_id] = fact
    return latest


def _episode_counts(
    counts: Counts, this: list[EpisodeFact], year: list[EpisodeFact], areas: list[str]
) -> None:
    """The month's counts by area and by looked-after status, with the lines that add up."""
    in_month: dict[int, int] = defaultdict(int)
    in_year: dict[int, int] = defaultdict(int)
    for fact in this:
        in_month[fact.child_id] += 1
    for fact in year:
        in_year[fact.child_id] += 1
    children = _latest_per_child(this)

    def row_of(fact: EpisodeFact, group: str) -> str:
        if group == "area":
            return fact.area
        return LOOKED_AFTER if fact.looked_after else NOT_LOOKED_AFTER

    groups = {"area": areas, "lac": [LOOKED_AFTER, NOT_LOOKED_AFTER]}
    for group, labels in groups.items():
        tally: dict[tuple[str, str], int] = defaultdict(int)
        for fact in this:
            row = row_of(fact, group)
            tally[row, "episodes"] += 1
            if fact.police_classification == Classification.ABSENT.value:
                tally[row, "absent"] += 1
            else:
                tally[row, "missing"] += 1
            tally[row, "reclassified"] += fact.reclassified
        for child_id, fact in children.items():
            row = row_of(fact, group)
            tally[row, "children"] += 1
            tally[row, "repeat_month"] += in_month[child_id] >= 2
            tally[row, "repeat_year"] += in_year[child_id] >= 2
        for label in labels:
            for column, _heading in EPISODE_COLUMNS:
                counts.put((group, label, column), tally[label, column])
            counts.line(
                (group, label, "episodes"), [(group, label, "missing"), (group, label, "absent")]
            )
            for parts, whole in EPISODE_PARTS:
                counts.at_most([(group, label, p) for p in parts], (group, label, whole))
        for column, _heading in EPISODE_COLUMNS:
            counts.line(("all", column), [(group, label, column) for label in labels])
    for column, _heading in EPISODE_COLUMNS:
        counts.put(("all", column), sum(counts.values[("lac", r, column)] for r in groups["lac"]))
    counts.line(("all", "episodes"), [("all", "missing"), ("all", "absent")])
    for parts, whole in EPISODE_PARTS:
        counts.at_most([("all", p) for p in parts], ("all", whole))
    # Each child with two or more episodes in the month has at least one more episode.
    counts.at_most([("all", "children"), ("all", "repeat_month")], ("all", "episodes"))
    told = [f for f in this if f.placed_by_other_authority and f.home_authority_told]
    counts.put(("told", "episodes"), len(told))
    counts.at_most([("told", "episodes")], ("area", OTHER_AUTHORITIES, "episodes"))


def month_key(month: Month, this: Month, column: str) -> Hashable:
    """A count of one month of the trend: the report's own month is the same count as the
    tables' "All" row (one number, hidden or shown alike everywhere)."""
    return ("all", column) if month == this else ("month", str(month), column)


def _trend_counts(
    counts: Counts, window: list[Month], by_month: dict[Month, list[EpisodeFact]], this: Month
) -> None:
    for month in window:
        if month == this:
            continue
        facts = by_month.get(month, [])
        counts.put(month_key(month, this, "children"), len({f.child_id for f in facts}))
        counts.put(month_key(month, this, "episodes"), len(facts))
    for column in ("children", "episodes"):
        parts = [month_key(m, this, column) for m in window]
        counts.put(("year", column), sum(counts.values[p] for p in parts))
        counts.line(("year", column), parts)
    for month in window:
        counts.at_most([month_key(month, this, "children")], month_key(month, this, "episodes"))
    counts.at_most([("year", "children")], ("year", "episodes"))


def _months_with_data(session: Session, window: list[Month], known_at: datetime) -> int:
    """How many of the window's months fall on or after the first episode the store knows of
    (a store that began mid-year averages over the months it has)."""
    first = session.scalar(
        select(func.min(NotificationVersion.last_seen_at)).where(
            NotificationVersion.sent_at < known_at
        )
    )
    if first is None:
        return 0
    start = Month.of(first)
    return sum(1 for m in window if m >= start)


def _episode_table(
    key: str, title: str, heading: str, labels: list[str], shown: Shown, group: str
) -> FigureTable:
    rows = [
        (label, tuple(shown.count((group, label, c)) for c, _h in EPISODE_COLUMNS))
        for label in labels
    ]
    rows.append((ALL, tuple(shown.count(("all", c)) for c, _h in EPISODE_COLUMNS)))
    return FigureTable(
        key=key,
        title=title,
        row_heading=heading,
        columns=tuple(h for _c, h in EPISODE_COLUMNS),
        rows=tuple(rows),
        note="Recorded missing or absent as police last said; reclassified: recorded absent "
        "at some point and treated as missing by the month's end (by police or on vetting).",
    )


def _other_authorities_table(shown: Shown) -> FigureTable:
    return FigureTable(
        key="other_authorities",
        title="Children placed here by other authorities",
        row_heading="Routed to",
        columns=("Children", "Episodes", "Home authority told (marked done)"),
        rows=(
            (
                "Their home authority",
                (
                    shown.count(("area", OTHER_AUTHORITIES, "children")),
                    shown.count(("area", OTHER_AUTHORITIES, "episodes")),
                    shown.count(("told", "episodes")),
                ),
            ),
        ),
        note="The rules route these children to the authority responsible for them and ask for "
        "it to be told; their return home interview is that authority's to arrange.",
    )


def _trend_table(window: list[Month], this: Month, shown: Shown, averaged: int) -> FigureTable:
    columns = ["Children missing", "Episodes", *rhi.TREND_HEADINGS]

    def row(month: Month) -> tuple[Figure, ...]:
        cells = [shown.count(month_key(month, this, c)) for c in ("children", "episodes")]
        return (*cells, *rhi.trend_cells(shown, month=month, this=this))

    rows = [(m.title, row(m)) for m in window]
    average = [shown.average(("year", c), averaged) for c in ("children", "episodes")]
    average += rhi.average_cells(shown, averaged)
    rows.append((f"Monthly average ({averaged} months)", tuple(average)))
    return FigureTable(
        key="trend",
        title="Month by month",
        row_heading="Month",
        columns=tuple(columns),
        rows=tuple(rows),
        note="Each month as known at the end of the report's month.",
    )


def _headline(shown: Shown, averaged: int) -> tuple[tuple[str, Figure], ...]:
    over = f"{averaged}-month average"
    items = [
        ("Children missing", shown.count(("all", "children"))),
        (f"Children missing, {over}", shown.average(("year", "children"), averaged)),
        ("Episodes", shown.count(("all", "episodes"))),
        (f"Episodes, {over}", shown.average(("year", "episodes"), averaged)),
    ]
    return (*items, *rhi.headline(shown))
