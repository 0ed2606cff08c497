"""Override rates: of the decisions people reviewed, the share whose level they changed, and
which way, by rule, by the machine's level, by team and by reviewer.

A rule's rate counts the reviewed decisions on which it fired (a decision on which several fired
counts for each). `look_at` marks a group whose override rate is higher than the rest's by more
than chance (the 95% interval of the difference excludes zero): a rule people keep overriding is
a rule to look at. These tables are for the analysts who tune the rules and show exact counts;
the fairness tables, which may be shared, suppress small numbers.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from triage.monitoring.intervals import difference, excludes_zero, rate, wilson
from triage.notification.vocabulary import RiskGrade

By = Literal["rule", "level", "team", "worker"]
BY: tuple[By, ...] = ("rule", "level", "team", "worker")
COLUMNS = (
    "group",
    "reviewed",
    "overridden",
    "raised",
    "lowered",
    "override_rate",
    "override_low",
    "override_high",
    "raised_rate",
    "lowered_rate",
    "difference_low",
    "difference_high",
    "look_at",
)
_GROUP_COLUMN = {
    "rule": "rules_fired",
    "level": "machine_level",
    "team": "team",
    "worker": "worker",
}
_LEVEL_ORDER = {grade.value: -grade.rank for grade in RiskGrade}  # highest first


def override_rates(reviews: pd.DataFrame, by: By) -> pd.DataFrame:
    """One row per group: reviewed decisions, overrides (raised, lowered), the override rate
    with its 95% Wilson interval, and its difference from the rest's (95% Newcombe)."""
    column = _GROUP_COLUMN[by]
    rows = reviews.explode(column) if by == "rule" else reviews
    rows = rows.dropna(subset=[column])
    total, total_overridden = len(reviews), int(reviews["overridden"].sum())
    out = []
    for group, inside in rows.groupby(column, sort=False):
        count, overridden = len(inside), int(inside["overridden"].sum())
        low, high = wilson(overridden, count)
        # The rest: every reviewed decision this group's rows are not (for a rule, those it
        # did not fire on).
        gap = difference(overridden, count, total_overridden - overridden, total - count)
        out.append(
            {
                "group": str(group),
                "reviewed": count,
                "overridden": overridden,
                "raised": int(inside["up"].sum()),
                "lowered": int(inside["down"].sum()),
                "override_rate": rate(overridden, count),
                "override_low": low,
                "override_high": high,
                "raised_rate": rate(int(inside["up"].sum()), count),
                "lowered_rate": rate(int(inside["down"].sum()), count),
                "difference_low": gap[0] if gap else None,
                "difference_high": gap[1] if gap else None,
                "look_at": excludes_zero(gap) and gap is not None and gap[0] > 0,
            }
        )
    frame = pd.DataFrame(out, columns=list(COLUMNS))
    if by == "level":
        order = frame["group"].map(_LEVEL_ORDER)
        ordered = frame.assign(_order=order).sort_values("_order").drop(columns="_order")
        return ordered.reset_index(drop=True)
    if by == "rule":
        return frame.sort_values("group").reset_index(drop=True)  # R01, R02, ...
    return frame.sort_values(["override_rate", "group"], ascending=[False, True]).reset_index(
        drop=True
    )
