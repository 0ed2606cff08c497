"""Measuring a score on held-out data: discrimination, calibration by band, and fairness.

Every figure here is computed from three arrays (outcome, predicted probability, flagged high)
and, for fairness, a group label per row, so each can be checked by hand on small data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

BOOTSTRAP_RESAMPLES = 200


@dataclass(frozen=True)
class Quality:
    name: str
    auc: float
    brier: float
    auc_low: float | None = None  # a 95% bootstrap interval, where one was asked for
    auc_high: float | None = None


def quality(
    name: str,
    outcome: np.ndarray,
    probability: np.ndarray,
    *,
    rng: np.random.Generator | None = None,
) -> Quality:
    """AUC and Brier score; given `rng`, the AUC's 95% interval from resampling the cases."""
    low = high = None
    if rng is not None:
        samples = []
        for _ in range(BOOTSTRAP_RESAMPLES):
            pick = rng.integers(0, len(outcome), len(outcome))
            if outcome[pick].min() != outcome[pick].max():
                samples.append(roc_auc_score(outcome[pick], probability[pick]))
        low, high = (round(float(q), 4) for q in np.quantile(samples, [0.025, 0.975]))
    return Quality(
        name,
        round(float(roc_auc_score(outcome, probability)), 4),
        round(float(brier_score_loss(outcome, probability)), 4),
        low,
        high,
    )


def wilson(events: int, count: int) -> tuple[float, float]:
    """The 95% Wilson interval of a rate (statsmodels)."""
    low, high = proportion_confint(events, count, alpha=0.05, method="wilson")
    return round(float(low), 4), round(float(high), 4)


@dataclass(frozen=True)
class BandCalibration:
    band: str
    count: int
    share: float
    predicted: float
    observed: float
    outcomes_caught: float
    true_risk: float | None = None  # mean true risk in the band, where a ground truth is known
    observed_low: float | None = None  # the observed rate's 95% Wilson interval
    observed_high: float | None = None

    @property
    def gap_pp(self) -> float:
        return round(abs(self.predicted - self.observed) * 100, 2)

    @property
    def sampling_margin_pp(self) -> float | None:
        """How far the observed rate would stray from the prediction by chance alone, 19 times
        in 20, if the prediction were exactly right (points)."""
        if not self.count:
            return None
        p = self.predicted
        return round(196 * math.sqrt(p * (1 - p) / self.count), 2)

    @property
    def calibrated(self) -> bool:
        """Within 2 points, or within the band's sampling margin."""
        margin = self.sampling_margin_pp
        return margin is None or self.gap_pp <= max(2.0, margin)

    def as_dict(self) -> dict[str, object]:
        return {
            **asdict(self),
            "gap_pp": self.gap_pp,
            "sampling_margin_pp": self.sampling_margin_pp,
            "calibrated": self.calibrated,
        }


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
        low, high = wilson(int(outcome[inside].sum()), count)
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
                observed_low=low,
                observed_high=high,
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
    # The counts behind the rates, so that intervals and comparisons can be made from them.
    flagged: int = 0
    negatives: int = 0
    false_positives: int = 0
    positives: int = 0
    false_negatives: int = 0

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["false_positive_interval"] = (
            wilson(self.false_positives, self.negatives) if self.negatives else None
        )
        data["false_negative_interval"] = (
            wilson(self.false_negatives, self.positives) if self.positives else None
        )
        return data


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
        y, flagged = outcome[inside], high[inside]
        negatives, positives = int((y == 0).sum()), int((y == 1).sum())
        false_positives = int((flagged & (y == 0)).sum())
        false_negatives = int((~flagged & (y == 1)).sum())
        rows.append(
            GroupFairness(
                kind=kind,
                group=str(group),
                count=int(inside.sum()),
                flagged_high=round(float(flagged.mean()), 4),
                false_positive_rate=(round(false_positives / negatives, 4) if negatives else None),
                false_negative_rate=(round(false_negatives / positives, 4) if positives else None),
                predicted=round(float(probability[inside].mean()), 4),
                observed=round(float(y.mean()), 4),
                flagged=int(flagged.sum()),
                negatives=negatives,
                false_positives=false_positives,
                positives=positives,
                false_negatives=false_negatives,
            )
        )
    return rows


def _difference(
    events: int, count: int, other_events: int, other_count: int
) -> tuple[float, float]:
    """The 95% interval of a rate minus another's (Newcombe's method, statsmodels)."""
    low, high = confint_proportions_2indep(
        events, count, other_events, other_count, method="newcomb", compare="diff"
    )
    return float(low), float(high)


# Each rate compared with the rest's: its words, the events and the count it is a share of.
_COMPARED = (
    ("share flagged high", "flagged", "count", "flagged_high"),
    ("false positive rate", "false_positives", "negatives", "false_positive_rate"),
    ("false negative rate", "false_negatives", "positives", "false_negative_rate"),
)


def fairness_gaps(
    rows: Sequence[GroupFairness],
    everyone: GroupFairness,
    minimum_count: int = 30,
) -> list[str]:
    """Plain sentences for every group whose error rates differ from the rest's by more than
    chance: the 95% interval of the difference (this group against everyone else) excludes
    zero. Groups under `minimum_count` are named as too few to judge."""
    findings = []
    for row in rows:
        if row.count < minimum_count:
            findings.append(
                f"{row.kind} {row.group}: only {row.count} cases, too few to judge its error rates."
            )
            continue
        for label, events, count, rate_name in _COMPARED:
            mine, of = getattr(row, events), getattr(row, count)
            theirs = getattr(everyone, events) - mine
            of_theirs = getattr(everyone, count) - of
            rate, rate_all = getattr(row, rate_name), getattr(everyone, rate_name)
            if not of or not of_theirs or rate is None or rate_all is None:
                continue
            low, high = _difference(mine, of, theirs, of_theirs)
            if low > 0 or high < 0:
                direction = "higher" if low > 0 else "lower"
                findings.append(
                    f"{row.kind} {row.group}: {label} is {abs(rate - rate_all) * 100:.1f} points"
                    f" {direction} than for everyone ({rate:.1%} against {rate_all:.1%}; the"
                    f" difference from the rest is {low * 100:+.1f} to {high * 100:+.1f} points,"
                    " 95% interval)."
                )
        low, high = wilson(round(row.observed * row.count), row.count)
        if not low <= row.predicted <= high:
            findings.append(
                f"{row.kind} {row.group}: the score predicts {row.predicted:.1%} but "
                f"{row.observed:.1%} had the outcome (95% interval {low:.1%} to {high:.1%})."
            )
    return findings


def overall(outcome: np.ndarray, probability: np.ndarray, high: np.ndarray) -> GroupFairness:
    return fairness("everyone", np.array(["all"] * len(outcome)), outcome, probability, high)[0]
