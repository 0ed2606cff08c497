"""Measuring a score on held-out data: discrimination, calibration by band, and fairness.

Every figure here is computed from three arrays (outcome, predicted probability, flagged high)
and, for fairness, a group label per row, so each can be checked by hand on small data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

# Differences larger than this (in percentage points) between a group and everyone are called out.
FAIRNESS_TOLERANCE_PP = 5.0


@dataclass(frozen=True)
class Quality:
    name: str
    auc: float
    brier: float


def quality(name: str, outcome: np.ndarray, probability: np.ndarray) -> Quality:
    return Quality(
        name,
        round(float(roc_auc_score(outcome, probability)), 4),
        round(float(brier_score_loss(outcome, probability)), 4),
    )


@dataclass(frozen=True)
class BandCalibration:
    band: str
    count: int
    share: float
    predicted: float
    observed: float
    outcomes_caught: float
    true_risk: float | None = None  # mean true risk in the band, where a ground truth is known

    @property
    def gap_pp(self) -> float:
        return round(abs(self.predicted - self.observed) * 100, 2)


def calibration_by_band(
    outcome: np.ndarray,
    probability: np.ndarray,
    bands: np.ndarray,
    order: Sequence[str],
    true_risk: np.ndarray | None = None,
) -> list[BandCalibration]:
    """For each band: its size, mean predicted vs observed rate, and share of outcomes in it
    (and the mean true risk, given one)."""
    rows = []
    positives = max(int(outcome.sum()), 1)
    for band in order:
        inside = bands == band
        count = int(inside.sum())
        if count == 0:
            rows.append(BandCalibration(band, 0, 0.0, 0.0, 0.0, 0.0, None))
            continue
        rows.append(
            BandCalibration(
                band=band,
                count=count,
                share=round(count / len(outcome), 4),
                predicted=round(float(probability[inside].mean()), 4),
                observed=round(float(outcome[inside].mean()), 4),
                outcomes_caught=round(float(outcome[inside].sum()) / positives, 4),
                true_risk=(
                    None if true_risk is None else round(float(true_risk[inside].mean()), 4)
                ),
            )
        )
    return rows


@dataclass(frozen=True)
class GroupFairness:
    kind: str
    group: str
    count: int
    flagged_high: float
    false_positive_rate: float | None
    false_negative_rate: float | None
    predicted: float
    observed: float

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _rates(outcome: np.ndarray, high: np.ndarray) -> tuple[float | None, float | None]:
    negatives, positives = outcome == 0, outcome == 1
    fpr = float(high[negatives].mean()) if negatives.any() else None
    fnr = float((~high[positives]).mean()) if positives.any() else None
    return fpr, fnr


def fairness(
    kind: str,
    groups: np.ndarray,
    outcome: np.ndarray,
    probability: np.ndarray,
    high: np.ndarray,
) -> list[GroupFairness]:
    """Per group: share flagged high, false positive and negative rates at high, calibration."""
    rows = []
    for group in sorted(set(groups.tolist())):
        inside = groups == group
        fpr, fnr = _rates(outcome[inside], high[inside])
        rows.append(
            GroupFairness(
                kind=kind,
                group=str(group),
                count=int(inside.sum()),
                flagged_high=round(float(high[inside].mean()), 4),
                false_positive_rate=None if fpr is None else round(fpr, 4),
                false_negative_rate=None if fnr is None else round(fnr, 4),
                predicted=round(float(probability[inside].mean()), 4),
                observed=round(float(outcome[inside].mean()), 4),
            )
        )
    return rows


def fairness_gaps(
    rows: Sequence[GroupFairness],
    everyone: GroupFairness,
    tolerance_pp: float = FAIRNESS_TOLERANCE_PP,
    minimum_count: int = 30,
) -> list[str]:
    """Plain sentences for every group whose figures differ from everyone's by more than the
    tolerance (groups too small to judge are named as such)."""
    findings = []
    for row in rows:
        if row.count < minimum_count:
            findings.append(
                f"{row.kind} {row.group}: only {row.count} cases, too few to judge its error rates."
            )
            continue
        for label, mine, theirs in (
            ("share flagged high", row.flagged_high, everyone.flagged_high),
            ("false positive rate", row.false_positive_rate, everyone.false_positive_rate),
            ("false negative rate", row.false_negative_rate, everyone.false_negative_rate),
        ):
            if mine is None or theirs is None:
                continue
            gap = (mine - theirs) * 100
            if abs(gap) > tolerance_pp:
                direction = "higher" if gap > 0 else "lower"
                findings.append(
                    f"{row.kind} {row.group}: {label} is {abs(gap):.1f} points {direction} "
                    f"than for everyone ({mine:.1%} against {theirs:.1%})."
                )
        miscalibration = (row.predicted - row.observed) * 100
        if abs(miscalibration) > tolerance_pp:
            findings.append(
                f"{row.kind} {row.group}: the score predicts {row.predicted:.1%} but "
                f"{row.observed:.1%} had the outcome ({abs(miscalibration):.1f} points apart)."
            )
    return findings


def overall(outcome: np.ndarray, probability: np.ndarray, high: np.ndarray) -> GroupFairness:
    return fairness("everyone", np.array(["all"] * len(outcome)), outcome, probability, high)[0]
