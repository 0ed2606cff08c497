"""What the monitoring API answers (and the page shows): each table's rows, typed, made from the
measures' pandas frames by `of(...)`."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from triage.http.schemas import example
from triage.monitoring.service import Monitoring
from triage.reports.suppression import THRESHOLD


def _missing(value: Any) -> bool:
    return not isinstance(value, list | str | bool) and bool(pd.isna(value))


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as dicts, a missing value (NaN, NaT) as None."""
    return [
        {str(k): (None if _missing(v) else v) for k, v in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]


class OverrideRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    group: str
    reviewed: int
    overridden: int
    raised: int
    lowered: int
    override_rate: float | None
    override_low: float | None
    override_high: float | None
    raised_rate: float | None
    lowered_rate: float | None
    difference_low: float | None  # this group's override rate minus the rest's, 95% interval
    difference_high: float | None
    look_at: bool  # overridden more than the rest, beyond chance


_OVERRIDE = dict(
    group="R11",
    reviewed=40,
    overridden=12,
    raised=2,
    lowered=10,
    override_rate=0.3,
    override_low=0.1806,
    override_high=0.4552,
    raised_rate=0.05,
    lowered_rate=0.25,
    difference_low=0.0521,
    difference_high=0.3311,
    look_at=True,
)


class OverridesOut(BaseModel):
    """Of the decisions people reviewed (each from its first review), how many they overrode
    (a level that differs from the machine's), raised and lowered: by rule (among decisions
    the rule fired on), by the machine's level, by team and by reviewer."""

    model_config = example(
        reviewed=120,
        overridden=21,
        workers_named=False,
        by_rule=[_OVERRIDE],
        by_level=[{**_OVERRIDE, "group": "medium"}],
        by_team=[{**_OVERRIDE, "group": "North"}],
        by_worker=[{**_OVERRIDE, "group": "W-3f9a0c1d2e4b"}],
    )

    reviewed: int
    overridden: int
    workers_named: bool  # reviewers by name (admins) or keyed pseudonym (analysts)
    by_rule: list[OverrideRow]
    by_level: list[OverrideRow]
    by_team: list[OverrideRow]
    by_worker: list[OverrideRow]

    @classmethod
    def of(cls, seen: Monitoring, *, workers_named: bool) -> OverridesOut:
        def rows(by: str) -> list[OverrideRow]:
            return [OverrideRow.model_validate(r) for r in records(seen.overrides[by])]

        return cls(
            reviewed=seen.reviewed,
            overridden=seen.overridden,
            workers_named=workers_named,
            by_rule=rows("rule"),
            by_level=rows("level"),
            by_team=rows("team"),
            by_worker=rows("worker"),
        )


class ReviewTimeRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: str  # vetted on arrival
    episodes: int
    reviewed: int
    awaiting: int
    median_hours: float | None  # arrival to first review
    p90_hours: float | None
    with_deadline: int  # episodes whose first decision set a deadline
    median_deadline_hours: float | None  # its earliest deadline, hours after arrival
    reviewed_by_deadline: int
    awaiting_past_deadline: int


class ReviewTimesOut(BaseModel):
    """Hours from an episode's arrival to a person's first review, by the level vetted on
    arrival, against the earliest deadline that decision set."""

    model_config = example(
        levels=[
            dict(
                level="high",
                episodes=30,
                reviewed=28,
                awaiting=2,
                median_hours=0.8,
                p90_hours=3.5,
                with_deadline=30,
                median_deadline_hours=1.0,
                reviewed_by_deadline=19,
                awaiting_past_deadline=1,
            )
        ]
    )

    levels: list[ReviewTimeRow]

    @classmethod
    def of(cls, seen: Monitoring) -> ReviewTimesOut:
        return cls(levels=[ReviewTimeRow.model_validate(r) for r in records(seen.review_times)])


class CalibrationRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    band: str
    scored: int
    known: int  # outcome known (its window has passed)
    not_yet_known: int
    unlabelled: int
    predicted: float  # mean predicted probability (over the known, else all scored)
    observed: float | None  # outcome rate among the known
    observed_low: float | None  # its 95% Wilson interval
    observed_high: float | None
    gap_pp: float | None
    calibrated: bool | None  # within 2 points or the band's sampling margin


class CalibrationOut(BaseModel):
    """The score's predicted probability against the outcome rate per band, over episodes whose
    outcome is known; those not yet known (last seen under 90 days ago) and those with no label
    counted apart. Outcomes come from the file the service is told of (TRIAGE_OUTCOMES_FILE)."""

    model_config = example(
        outcomes_source="truth.csv",
        known=410,
        not_yet_known=95,
        unlabelled=0,
        bands=[
            dict(
                band="high",
                scored=60,
                known=48,
                not_yet_known=12,
                unlabelled=0,
                predicted=0.41,
                observed=0.375,
                observed_low=0.2511,
                observed_high=0.5176,
                gap_pp=3.5,
                calibrated=True,
            )
        ],
    )

    outcomes_source: str | None  # the outcomes file's name; None: no outcome is known
    known: int
    not_yet_known: int
    unlabelled: int
    bands: list[CalibrationRow]

    @classmethod
    def of(cls, seen: Monitoring) -> CalibrationOut:
        return cls(
            outcomes_source=seen.outcomes_source,
            **seen.outcome_counts(),
            bands=[CalibrationRow.model_validate(r) for r in records(seen.calibration)],
        )


class FairnessRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    measure: str  # vetted_high, raised or lowered
    feature: str  # sex, ethnicity, age_band, looked_after or area
    group: str
    count: int
    events: int | None  # None when suppressed or too few to judge
    rate: float | None
    rate_low: float | None
    rate_high: float | None
    difference_low: float | None  # the group's rate minus everyone else's, 95% interval
    difference_high: float | None
    status: str  # shown, suppressed or "too few to judge"
    called_out: bool  # the difference's interval excludes zero
    finding: str | None


class FairnessOut(BaseModel):
    """Shares vetted high, raised and lowered by a person, per group of sex, ethnicity, age band,
    looked-after status and area (fairlearn's MetricFrame), with 95% intervals; groups under
    `minimum_group` too few to judge, cells under `suppressed_under` suppressed; a difference
    from everyone else called out only where its interval excludes zero."""

    model_config = example(
        minimum_group=10,
        suppressed_under=THRESHOLD,
        findings=[
            "sex male: the share vetted high is lower than for everyone else (18.0%; the"
            " difference is -31.2 to -4.9 points, 95% interval)."
        ],
        groups=[
            dict(
                measure="vetted_high",
                feature="sex",
                group="male",
                count=50,
                events=9,
                rate=0.18,
                rate_low=0.0977,
                rate_high=0.3079,
                difference_low=-0.312,
                difference_high=-0.049,
                status="shown",
                called_out=True,
                finding="sex male: the share vetted high is lower than for everyone else",
            )
        ],
    )

    minimum_group: int
    suppressed_under: int
    findings: list[str]
    groups: list[FairnessRow]

    @classmethod
    def of(cls, seen: Monitoring) -> FairnessOut:
        return cls(
            minimum_group=seen.minimum_group,
            suppressed_under=THRESHOLD,
            findings=seen.findings,
            groups=[FairnessRow.model_validate(r) for r in records(seen.fairness)],
        )
