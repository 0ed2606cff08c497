"""The two intervals monitoring reports, both from statsmodels: a rate's 95% Wilson interval
(the one the model card uses, `triage.scoring.evaluation.wilson`) and the 95% Newcombe
interval of one group's rate minus the rest's. A difference is called out only where that
interval excludes zero."""

from __future__ import annotations

from statsmodels.stats.proportion import confint_proportions_2indep

from triage.scoring.evaluation import wilson

__all__ = ["difference", "excludes_zero", "rate", "wilson"]


def rate(events: int, count: int) -> float | None:
    return round(events / count, 4) if count else None


def difference(
    events: int, count: int, other_events: int, other_count: int
) -> tuple[float, float] | None:
    """The 95% interval of events/count minus other_events/other_count (None when either side
    is empty)."""
    if not count or not other_count:
        return None
    low, high = confint_proportions_2indep(
        events, count, other_events, other_count, method="newcomb", compare="diff"
    )
    return round(float(low), 4), round(float(high), 4)


def excludes_zero(interval: tuple[float, float] | None) -> bool:
    return interval is not None and (interval[0] > 0 or interval[1] < 0)
