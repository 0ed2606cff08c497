"""The return home interviews part of the monthly report, read from the interview tasks
(`triage.interviews.tables`).

A task belongs to the month its child returned in (UK time) and to the team it was set for.
Its outcome is what the missing support workers have recorded since (an interview held on the
2nd for a return on the 30th counts for the month of the return):
- *due*: every task (each returned episode the rules say needs an interview; a child who
  went missing again before it makes one interview for both, counted once, in the month and
  against the 72 hours of the later return);
- *offered*: an offer, an interview or a refusal recorded; *within 72 hours*: the first of
  them by the task's due time (72 hours after the return police reported);
- *held* and *held within 72 hours* likewise; *successful*: held and recorded as successful
  (a meaningful face-to-face or telephone conversation about the episode: the reports'
  definition); *declined*; *referrals arising*: referrals the interviews led to.
The success rate is successful interviews as a share of those offered, as the reports give it
("the percentage of successful return home interviews"; every episode is offered one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.interviews.tables import InterviewReferral, InterviewTask
from triage.interviews.vocabulary import REFERRALS
from triage.reports.episodes import area_of
from triage.reports.figures import Counts, Figure, FigureTable, Shown, TrendPoint
from triage.reports.months import Month

COLUMNS = (
    ("due", "Interviews due"),
    ("offered", "Offered"),
    ("offered_72h", "Offered within 72 hours"),
    ("held", "Held"),
    ("held_72h", "Held within 72 hours"),
    ("successful", "Successful"),
    ("declined", "Declined"),
    ("referrals", "Referrals arising"),
)
TREND_HEADINGS = ("Interviews offered", "Successful", "Success rate")


@dataclass(frozen=True, slots=True)
class TaskFact:
    task_id: int
    team: str
    month: Month
    offered: bool
    offered_72h: bool
    held: bool
    held_72h: bool
    successful: bool
    declined: bool
    referrals: tuple[str, ...]  # kinds, one per referral


def read(session: Session, *, window: list[Month], known_at: datetime) -> list[TaskFact]:
    """Every task whose child returned in the window."""
    tasks = session.scalars(
        select(InterviewTask)
        .where(InterviewTask.returned_at >= window[0].start, InterviewTask.returned_at < known_at)
        .order_by(InterviewTask.id)
    ).all()
    referrals: dict[int, list[str]] = defaultdict(list)
    ids = [t.id for t in tasks]
    for k in range(0, len(ids), 900):
        for task_id, kind in session.execute(
            select(InterviewReferral.task_id, InterviewReferral.kind)
            .where(InterviewReferral.task_id.in_(ids[k : k + 900]))
            .order_by(InterviewReferral.id)
        ):
            referrals[task_id].append(kind)
    facts = []
    for t in tasks:
        first = min((m for m in (t.offered_at, t.held_at, t.declined_at) if m), default=None)
        facts.append(
            TaskFact(
                task_id=t.id,
                team=area_of(t.team),
                month=Month.of(t.returned_at),
                offered=first is not None,
                offered_72h=first is not None and first <= t.due_at,
                held=t.held_at is not None,
                held_72h=t.held_at is not None and t.held_at <= t.due_at,
                successful=t.held_at is not None and bool(t.successful),
                declined=t.declined_at is not None,
                referrals=tuple(referrals[t.id]),
            )
        )
    return facts


def _tally(facts: list[TaskFact]) -> dict[str, int]:
    return {
        "due": len(facts),
        "offered": sum(f.offered for f in facts),
        "offered_72h": sum(f.offered_72h for f in facts),
        "held": sum(f.held for f in facts),
        "held_72h": sum(f.held_72h for f in facts),
        "successful": sum(f.successful for f in facts),
        "declined": sum(f.declined for f in facts),
        "referrals": sum(len(f.referrals) for f in facts),
    }


def team_rows(areas: Sequence[str], facts: list[TaskFact], month: Month) -> list[str]:
    """The area teams interviews are set for (the routing table's), then any other team seen."""
    seen = sorted({f.team for f in facts if f.month == month} - set(areas))
    return [*areas, *seen]


def month_key(month: Month, this: Month, column: str) -> Hashable:
    """One month's count in the trend; the report's own month is the table's "All" row."""
    return ("rhi", "all", column) if month == this else ("rhi_month", str(month), column)


def add_counts(
    counts: Counts,
    facts: list[TaskFact],
    *,
    month: Month,
    window: list[Month],
    areas: Sequence[str],
) -> list[str]:
    """Count the month by team and the year by month; the teams, in the order to show them."""
    this = [f for f in facts if f.month == month]
    rows = team_rows(areas, facts, month)
    for team in rows:
        for column, value in _tally([f for f in this if f.team == team]).items():
            counts.put(("rhi", team, column), value)
    for column, value in _tally(this).items():
        counts.put(("rhi", "all", column), value)
        counts.line(("rhi", "all", column), [("rhi", team, column) for team in rows])
    kinds: dict[str, int] = defaultdict(int)
    for fact in this:
        for kind in fact.referrals:
            kinds[kind] += 1
    names = [*REFERRALS, *sorted(set(kinds) - set(REFERRALS))]
    for kind in names:
        counts.put(("referral", kind), kinds[kind])
    counts.line(("rhi", "all", "referrals"), [("referral", kind) for kind in names])
    for other in window:
        if other != month:
            tally = _tally([f for f in facts if f.month == other])
            for column in ("offered", "successful"):
                counts.put(month_key(other, month, column), tally[column])
    for column in ("offered", "successful"):
        parts = [month_key(m, month, column) for m in window]
        counts.put(("rhi_year", column), sum(counts.values[p] for p in parts))
        counts.line(("rhi_year", column), parts)
    return rows


def tables(shown: Shown, *, teams: list[str]) -> list[FigureTable]:
    interviews = FigureTable(
        key="interviews",
        title="Return home interviews",
        row_heading="Team",
        columns=tuple(h for _c, h in COLUMNS),
        rows=tuple(
            (label, tuple(shown.count(("rhi", key, c)) for c, _h in COLUMNS))
            for label, key in [*((t, t) for t in teams), ("All", "all")]
        ),
        note="Interviews for children who returned in the month, with every outcome recorded "
        "since; one interview for a child who went missing again before it counts once. Within "
        "72 hours: of the return police reported.",
    )
    kinds = [k[1] for k in shown.values if isinstance(k, tuple) and k[0] == "referral"]
    referrals = FigureTable(
        key="referrals",
        title="Referrals arising from return home interviews",
        row_heading="Referral",
        columns=("Referrals",),
        rows=tuple(
            [(_referral(k), (shown.count(("referral", k)),)) for k in kinds]
            + [("All", (shown.count(("rhi", "all", "referrals")),))]
        ),
    )
    return [interviews, referrals]


def _referral(kind: str) -> str:
    return REFERRALS.get(kind, kind.replace("_", " ").capitalize())


def trend_cells(shown: Shown, *, month: Month, this: Month) -> list[Figure]:
    offered, successful = (month_key(month, this, c) for c in ("offered", "successful"))
    return [shown.count(offered), shown.count(successful), shown.rate(successful, offered)]


def average_cells(shown: Shown, months: int) -> list[Figure]:
    return [
        shown.average(("rhi_year", "offered"), months),
        shown.average(("rhi_year", "successful"), months),
        shown.rate(("rhi_year", "successful"), ("rhi_year", "offered")),
    ]


def trend(shown: Shown, *, month: Month, window: list[Month]) -> tuple[TrendPoint, ...]:
    points = []
    for m in window:
        offered, successful, rate = trend_cells(shown, month=m, this=month)
        points.append(
            TrendPoint(
                month=m,
                offered=None if offered.value is None else int(offered.value),
                successful=None if successful.value is None else int(successful.value),
                success_rate=rate.value,
            )
        )
    return tuple(points)


def headline(shown: Shown) -> list[tuple[str, Figure]]:
    held, held_72h = ("rhi", "all", "held"), ("rhi", "all", "held_72h")
    return [
        ("Interviews offered", shown.count(("rhi", "all", "offered"))),
        ("Success rate", shown.rate(("rhi", "all", "successful"), ("rhi", "all", "offered"))),
        ("Held within 72 hours, of those held", shown.rate(held_72h, held)),
        ("Referrals arising", shown.count(("rhi", "all", "referrals"))),
    ]
