"""The return home interviews part of the monthly report, read from the interview tasks
(`triage.interviews.tables`) and the returns of the episodes each covers (`interview_episodes`).

A task belongs to the month of the *first* return it covers (UK time), as known at the
report's moment: each episode's return as police had sent it by then (the versions sent before
the month's end). So a later merge (a child missing again, whose next episode joins the task)
or a correction police send after the month's end changes neither the month a task counts in
nor its 72 hours: June run again in August gives June's figures. Only the task's episodes
whose newest decision then asked for an interview count (a task withdrawn later, the episode
reclassified absent, still counts in the months before), and the task counts for the team that
decision routed it to (not the task's team now, which follows later routing). Its outcome is
what the missing support workers have recorded since (an interview held on the 2nd for a return
on the 30th counts for the month of the return): the one part of a past month that can grow.
- *due*: every task (each returned episode the rules say needs an interview; a child who
  went missing again before it makes one interview for both, counted once);
- *offered*: an offer, an interview or a refusal recorded; *within 72 hours*: the first of
  them no later than `rhi_due_hours` (72) after the first return the task covers. The task's
  own due time is not used: a merge moves it to the later return, which would count an
  interview late for the first return as on time;
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
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.interviews.follow import RHI_ACTION
from triage.interviews.tables import InterviewEpisode, InterviewReferral, InterviewTask
from triage.interviews.vocabulary import REFERRALS
from triage.reports.episodes import area_of, decisions_as_known
from triage.reports.figures import Counts, Figure, FigureTable, Shown, TrendPoint
from triage.reports.months import Month
from triage.store.tables import NotificationVersion

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
# What a reader knows without being told: each count is part of another (a part, its whole).
PARTS = (
    ("offered", "due"),
    ("offered_72h", "offered"),
    ("held", "offered"),
    ("held_72h", "held"),
    ("held_72h", "offered_72h"),
    ("successful", "held"),
    ("declined", "offered"),
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


@dataclass(frozen=True, slots=True)
class Covered:
    """A task as known at a moment: its first return that needed an interview, and the team
    the decision on that episode routed it to."""

    returned_at: datetime
    team: str | None


def as_known(session: Session, *, since: datetime, known_at: datetime) -> dict[int, Covered]:
    """Each task as known at `known_at`, for the tasks whose first return is in [`since`,
    `known_at`): of its episodes, those whose newest decision then asked for an interview, each
    return as police had sent it by then (a task whose decisions no longer asked, as with one
    withdrawn since, is not there)."""
    known = (
        select(
            NotificationVersion.episode_id,
            NotificationVersion.returned_at,
            func.row_number()
            .over(
                partition_by=NotificationVersion.episode_id,
                order_by=(NotificationVersion.sent_at.desc(), NotificationVersion.version.desc()),
            )
            .label("place"),
        )
        .where(NotificationVersion.sent_at < known_at)
        .subquery("known")
    )
    returned = (
        select(InterviewEpisode.task_id, InterviewEpisode.episode_id, known.c.returned_at)
        .join(known, known.c.episode_id == InterviewEpisode.episode_id)
        .where(known.c.place == 1, known.c.returned_at < known_at)
    )
    recent = returned.where(known.c.returned_at >= since).with_only_columns(
        InterviewEpisode.task_id
    )
    links = session.execute(
        returned.where(InterviewEpisode.task_id.in_(recent)).order_by(
            InterviewEpisode.task_id, known.c.returned_at, InterviewEpisode.episode_id
        )
    ).all()
    decisions = decisions_as_known(session, sorted({link.episode_id for link in links}), known_at)
    found: dict[int, Covered] = {}
    for link in links:
        decision = decisions.get(link.episode_id)
        asked = decision is not None and any(a.get("type") == RHI_ACTION for a in decision[2])
        if asked and link.task_id not in found:  # in return order: the first that asked
            found[link.task_id] = Covered(link.returned_at, decision[0] if decision else None)
    return {task_id: c for task_id, c in found.items() if c.returned_at >= since}


def read(
    session: Session, *, window: list[Month], known_at: datetime, due_after: timedelta
) -> list[TaskFact]:
    """Every task whose first return, as known at `known_at`, is in the window; "within 72
    hours" is within `due_after` of that return."""
    covered = as_known(session, since=window[0].start, known_at=known_at)
    ids = list(covered)
    tasks: list[InterviewTask] = []
    referrals: dict[int, list[str]] = defaultdict(list)
    for k in range(0, len(ids), 900):
        chunk = ids[k : k + 900]
        tasks.extend(session.scalars(select(InterviewTask).where(InterviewTask.id.in_(chunk))))
        for task_id, kind in session.execute(
            select(InterviewReferral.task_id, InterviewReferral.kind)
            .where(InterviewReferral.task_id.in_(chunk))
            .order_by(InterviewReferral.id)
        ):
            referrals[task_id].append(kind)
    facts = []
    for t in sorted(tasks, key=lambda task: task.id):
        returned, team = covered[t.id].returned_at, covered[t.id].team
        due = returned + due_after
        first = min((m for m in (t.offered_at, t.held_at, t.declined_at) if m), default=None)
        facts.append(
            TaskFact(
                task_id=t.id,
                team=area_of(team),
                month=Month.of(returned),
                offered=first is not None,
                offered_72h=first is not None and first <= due,
                held=t.held_at is not None,
                held_72h=t.held_at is not None and t.held_at <= due,
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
    for team in [*rows, "all"]:
        for part, whole in PARTS:
            counts.at_most([("rhi", team, part)], ("rhi", team, whole))
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
    for m in window:
        counts.at_most([month_key(m, month, "successful")], month_key(m, month, "offered"))
    counts.at_most([("rhi_year", "successful")], ("rhi_year", "offered"))
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
        note="Interviews for children who returned in the month (the first return an "
        "interview covers, as police had reported it by the month's end), with every outcome "
        "recorded since; one interview for a child who went missing again before it counts "
        "once. Within 72 hours: of that first return.",
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
