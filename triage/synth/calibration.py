"""The generated city's figures beside the published ones it is calibrated against.

Every figure counts each episode once (its latest notification, by police reference) and
leaves out the deliberately broken ones. Yearly figures are worked out for each whole 12-month
year of the window and averaged; a window shorter than a year is scaled up to one. Monthly
counts' targets scale with the city's `scale`.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from triage.notification.fields import UK
from triage.notification.vocabulary import CSE_INDICATORS
from triage.synth.city import SyntheticCity
from triage.synth.clock import months_after

_CSE_CODES = frozenset(i.value for i in CSE_INDICATORS)
_YEAR = 365.25


@dataclass(frozen=True)
class CalibrationRow:
    """One figure: as generated, its published target, and where the target comes from."""

    figure: str
    generated: float
    target: float
    source: str

    def within(self, tolerance: float = 0.15) -> bool:
        """Whether the generated figure is within `tolerance` (a fraction) of the target."""
        return abs(self.generated - self.target) <= tolerance * abs(self.target)


@dataclass(frozen=True)
class _Episode:
    child_key: str
    looked_after_here: bool
    month: int
    seen: datetime
    cse: bool
    absent: bool


def calibrate(city: SyntheticCity) -> list[CalibrationRow]:
    """The city's figures beside their targets (see docs/synthetic-city.md for the sources)."""
    episodes = _episodes(city)
    months, scale = city.months, city.scale
    years = _years(episodes, months)
    lac_children = [len({e.child_key for e in year if e.looked_after_here}) for year in years]
    lac_episodes = [sum(e.looked_after_here for e in year) for year in years]
    annualise = 12 / months if months < 12 else 1.0
    children_by_month: list[set[str]] = [set() for _ in range(months)]
    for e in episodes:
        children_by_month[e.month].add(e.child_key)
    per_month_children = [len(children) for children in children_by_month]
    n = max(len(episodes), 1)
    return [
        CalibrationRow(
            "children missing a month",
            _mean(per_month_children),
            107 * scale,
            "source report, 2018 (one large city)",
        ),
        CalibrationRow(
            "episodes a month",
            len(episodes) / months,
            189 * scale,
            "source report, 2018 (one large city)",
        ),
        CalibrationRow(
            "share of episodes that are repeats",
            _repeat_share(episodes),
            0.65,
            "police research paper, 2021",
        ),
        CalibrationRow(
            "share of looked-after children who went missing in the year",
            _mean([c / max(city.looked_after_population, 1) for c in lac_children]) * annualise,
            0.11,
            "DfE looked-after statistics, 2018 and 2022",
        ),
        CalibrationRow(
            "episodes per looked-after child who went missing (a year)",
            _mean([e / max(c, 1) for e, c in zip(lac_episodes, lac_children, strict=True)])
            * annualise,
            6.0,
            "DfE, 2025 (about 6; 6.8 in 2025)",
        ),
        CalibrationRow(
            "share of episodes with a CSE indicator",
            sum(e.cse for e in episodes) / n,
            0.09,
            "NCA missing persons data",
        ),
        CalibrationRow(
            "share of episodes recorded absent",
            sum(e.absent for e in episodes) / n,
            0.45,
            "police FOI: 10,713 reports in 2018, 19,868 in 2019 once absent was dropped (46%)",
        ),
        CalibrationRow(
            "share of episodes made by the top 6% of children",
            _mean([_top_share(year, 0.06) for year in years]),
            0.33,
            "police research paper, 2021",
        ),
    ]


def _episodes(city: SyntheticCity) -> list[_Episode]:
    """Each valid episode once, from its latest notification, in order of last seen (a second
    police call about an episode is not another episode)."""
    truth = {t.police_reference: t for t in city.truth if not t.invalid and not t.duplicate_of}
    here = {
        c.child_key
        for c in city.children
        if c.looked_after and c.responsible_authority == city.home_authority
    }
    latest = {r["police_reference"]: r for r in city.records if r.get("police_reference") in truth}
    boundaries = [months_after(city.start, k) for k in range(city.months + 1)]
    out = []
    for reference, record in latest.items():
        t = truth[reference]
        seen = datetime.fromisoformat(record["episode"]["last_seen_at"]).astimezone(UK)
        out.append(
            _Episode(
                child_key=t.child_key,
                looked_after_here=t.looked_after and t.child_key in here,
                month=bisect.bisect_right(boundaries, seen.date()) - 1,
                seen=seen,
                cse=bool(_CSE_CODES.intersection(record["episode"]["indicators"])),
                absent=record["police_classification"] == "absent",
            )
        )
    out.sort(key=lambda e: (e.seen, e.child_key))
    return out


def _years(episodes: list[_Episode], months: int) -> list[list[_Episode]]:
    if months < 12:
        return [episodes]
    years: list[list[_Episode]] = [[] for _ in range(months // 12)]
    for e in episodes:
        if e.month // 12 < len(years):
            years[e.month // 12].append(e)
    return years


def _repeat_share(episodes: list[_Episode]) -> float:
    """Share of episodes whose child had another episode in the 12 months before, in the data."""
    last: dict[str, datetime] = {}
    repeats = 0
    for e in episodes:
        before = last.get(e.child_key)
        if before is not None and (e.seen - before).days < _YEAR:
            repeats += 1
        last[e.child_key] = e.seen
    return repeats / max(len(episodes), 1)


def _top_share(episodes: list[_Episode], fraction: float) -> float:
    counts = sorted(Counter(e.child_key for e in episodes).values(), reverse=True)
    top = math.ceil(fraction * len(counts))
    return sum(counts[:top]) / max(sum(counts), 1)


def _mean(values: list[float] | list[int]) -> float:
    return sum(values) / len(values) if values else 0.0
