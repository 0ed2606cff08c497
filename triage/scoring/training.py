"""Training the score on the decisions of a labelled history, and measuring it on later ones.

The examples are the service's own decisions at their moments (`triage.scoring.examples`), so
the model learns from what it will score. The split is by time and by episode: after a warm-up
year that serves only as history (see `split`), the episodes that began in the earliest 70%
train and the rest test, all of an episode's decisions on one side. The score is then judged at
each moment (`_judged`), and can be judged afresh on another history (`evaluate`).
"""

from __future__ import annotations

import platform
import subprocess
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from triage import __version__
from triage.notification.vocabulary import Indicator, RiskGrade
from triage.scoring import evaluation
from triage.scoring.card import BOOSTED, GROUND_TRUTH
from triage.scoring.examples import FIRST, LATER, REVET, TrainingData
from triage.scoring.factors import FACTORS
from triage.scoring.model import Band, ScoredModel
from triage.scoring.scorecard import PointsScorecard, factor_levels

TRAIN_SHARE = 0.7
# History features look back up to a year, so at the start of a history they are incomplete:
# a child's episodes from before the data begins are unseen, and the same child scores lower
# than they would later. Episodes sent in the first year (at most the first quarter of the
# history's span) are kept as history for later episodes but neither train nor test the model.
WARM_UP_DAYS = 365
WARM_UP_SHARE_AT_MOST = 0.25
# Bands by the share of training notifications at or above them: a choice, recorded in the card.
BAND_SHARES = {RiskGrade.HIGH: 0.10, RiskGrade.MEDIUM: 0.35, RiskGrade.LOW: 0.70}


def _numeric(facts: list[dict[str, Any]]) -> pd.DataFrame:
    """Everything the facts carry as numbers, for the reference gradient-boosting model: every
    history feature, every factor's raw reading, and each indicator as 0 or 1. It sees at least
    all the points score sees, unbinned and free to combine, so it stands for the best model of
    what a notification and its history show."""
    rows = []
    for fact in facts:
        row = {f"history.{k}": float(v) for k, v in fact["history"].items()}
        for factor in FACTORS:
            value = factor.read(fact)
            row[factor.name] = (
                float(factor.categories.index(value)) if factor.categories else float(value)
            )
        codes = set(fact["indicators"])
        row.update({f"indicator.{i.value}": float(i.value in codes) for i in Indicator})
        row.update(
            still_missing=float(fact["still_missing"]),
            indicators=float(len(codes)),
            linked=float(fact["linked_exploited_children"]),
            companions=float(fact["companions"]),
            placed_by_other_authority=float(fact["placed_by_other_authority"]),
            placed_out_of_area=float(fact["placed_out_of_area"]),
        )
        rows.append(row)
    return pd.DataFrame(rows).fillna(-1.0)


def _bands(totals: np.ndarray) -> list[Band]:
    bands = []
    for level, share in BAND_SHARES.items():
        candidates = [t for t in range(int(totals.max()) + 2) if (totals >= t).mean() <= share]
        bands.append(Band(level=level, min_total=min(candidates)))
    return bands


def split(starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row indexes of the warm-up, training and test rows, in order of their episodes' starts.

    The warm-up is the first WARM_UP_DAYS of the history (at most WARM_UP_SHARE_AT_MOST of its
    span); of the rest, the rows of the episodes that began earliest (TRAIN_SHARE of the rows)
    train and the others test. Rows of one episode share its start, so they stay together.
    """
    order = np.argsort(starts, kind="stable")
    if len(order) == 0:
        return order, order, order
    ordered = starts[order]
    first, last = float(ordered[0]), float(ordered[-1])
    warm_up = min(WARM_UP_DAYS * 86_400.0, WARM_UP_SHARE_AT_MOST * (last - first))
    start = int(np.searchsorted(ordered, first + warm_up, side="left"))
    cut = start + int((len(order) - start) * TRAIN_SHARE)
    if cut < len(order):  # never part of an episode on each side
        cut = int(np.searchsorted(ordered, ordered[cut], side="left"))
    return order[:start], order[start:cut], order[cut:]


# The moments the card judges the score at, each a subset of the test rows.
MOMENTS = (
    "first notification",
    "first notification, still missing",
    "later versions",
    "re-vets as time passed",
    "every decision",
)


def _moments(data: TrainingData, rows: np.ndarray) -> dict[str, np.ndarray]:
    moment, missing = data.moment[rows], data.still_missing[rows]
    return {
        "first notification": rows[moment == FIRST],
        "first notification, still missing": rows[(moment == FIRST) & missing],
        "later versions": rows[moment == LATER],
        "re-vets as time passed": rows[moment == REVET],
        "every decision": rows,
    }


def train(
    data: TrainingData, *, name: str, label: str, seed: int = 7, C: float = 0.5
) -> ScoredModel:
    """Fit the scorecard on the earlier episodes' decisions, measure it on the later ones' at
    each moment the service decides."""
    warm_up_rows, train_rows, test_rows = split(data.starts)
    levels = factor_levels(data.facts)
    y, weight = data.outcome, data.weight
    card = PointsScorecard(C=C).fit(
        levels.iloc[train_rows],
        y[train_rows],
        sample_weight=weight[train_rows],
    )
    first_train = train_rows[data.moment[train_rows] == FIRST]
    bands = _bands(card.total(levels.iloc[first_train]))
    model = ScoredModel(
        name=name,
        label=label,
        points={f.name: card.points_[f.name] for f in FACTORS},
        calibration=card.calibration_,
        bands=bands,
    )

    boosted_p = _boosted(data, train_rows, seed)
    totals = card.total(levels)
    probability = card.predict_proba(levels)[:, 1]
    unrounded = card.unrounded_proba(levels)
    band = np.array([model.band_of(int(t)).value for t in totals])
    rng = np.random.default_rng(seed)

    predictions = {
        "points score": probability,
        "logistic regression, unrounded": unrounded,
        BOOSTED: boosted_p,
    }
    judged = _judged(data, test_rows, predictions, band, rng)
    first_test = _moments(data, test_rows)["first notification"]
    y_first = y[first_test]
    metrics = {
        "split": {
            "warm_up": len(warm_up_rows),
            "train": len(train_rows),
            "train_episodes": len(first_train),
            "train_from": datetime.fromtimestamp(
                float(data.starts[train_rows].min()),
                UTC,
            ).isoformat(),
            "test": len(test_rows),
            "test_episodes": len(first_test),
            "train_until": datetime.fromtimestamp(
                float(data.starts[train_rows].max()),
                UTC,
            ).isoformat(),
            "outcome_rate_train": round(float(y[first_train].mean()), 4),
            "outcome_rate_test": round(float(y_first.mean()), 4),
        },
        **judged,
        "band_policy": {level.value: share for level, share in BAND_SHARES.items()},
        "calibration_method": (
            "isotonic regression on the training decisions' totals, each decision counting"
            " once (the points weigh each episode once; the probability is read, and judged,"
            " at each decision), each pooled block's rate with one outcome and one non-outcome"
            " added (Laplace's rule): no probability is 0 or 1. One table serves every moment:"
            " still missing under a day and past a day score apart (see still_missing), so a"
            " total means the same risk at a first notification, a later version and a re-vet"
        ),
        "points_directions": {
            f.name: {1: "never falls", -1: "never rises", 0: "free"}[f.direction] for f in FACTORS
        },
    }
    provenance = {
        "trained_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "trained_on": data.source,
        "data_sha256": data.data_hash,
        # Only a generated city knows each episode's true risk; local data never does.
        "synthetic_data": data.true_risk is not None,
        "seed": seed,
        "C": C,
        "log_odds_per_point": card.log_odds_per_point,
        "label": label,
        "code_version": __version__,
        **code_state(),
        "python": platform.python_version(),
        "libraries": {
            lib: metadata.version(lib) for lib in ("scikit-learn", "numpy", "pandas", "scipy")
        },
    }
    return ScoredModel(
        name=name,
        label=label,
        points=model.points,
        calibration=model.calibration,
        bands=bands,
        provenance=provenance,
        metrics=metrics,
    )


def _judged(
    data: TrainingData,
    test_rows: np.ndarray,
    predictions: dict[str, np.ndarray],
    band: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Quality and calibration at each moment, and fairness at the first notification, of the
    points score (`predictions["points score"]`, banded by `band`) beside the references."""
    y = data.outcome
    order_of_bands = [g.value for g in reversed(RiskGrade)]
    probability = predictions["points score"]

    def at(rows: np.ndarray) -> dict[str, Any]:
        outcome = y[rows]
        if len(rows) == 0 or outcome.min() == outcome.max():
            return {"count": len(rows), "quality": [], "calibration_by_band": []}
        compared = [
            evaluation.quality(name, outcome, p[rows], rng=rng if k == 0 else None)
            for k, (name, p) in enumerate(predictions.items())
        ]
        if data.true_risk is not None:
            compared.append(evaluation.quality(GROUND_TRUTH, outcome, data.true_risk[rows]))
        return {
            "count": len(rows),
            "outcome_rate": round(float(outcome.mean()), 4),
            "quality": [asdict(q) for q in compared],
            "calibration_by_band": [
                row.as_dict()
                for row in evaluation.calibration_by_band(
                    outcome,
                    probability[rows],
                    band[rows],
                    order_of_bands,
                    None if data.true_risk is None else data.true_risk[rows],
                )
            ],
        }

    moments = {name: at(rows) for name, rows in _moments(data, test_rows).items()}
    first = _moments(data, test_rows)["first notification"]
    groups = data.groups.iloc[first]
    high = band[first] == RiskGrade.HIGH.value
    rows = [
        row
        for kind in groups.columns
        for row in evaluation.fairness(
            kind, groups[kind].to_numpy(), y[first], probability[first], high
        )
    ]
    everyone = evaluation.overall(y[first], probability[first], high)
    return {
        # The first notification is where triage acts: the card's headline figures.
        "quality": moments["first notification"]["quality"],
        "calibration_by_band": moments["first notification"]["calibration_by_band"],
        "moments": moments,
        "fairness": [row.as_dict() for row in rows],
        "everyone": everyone.as_dict(),
        "fairness_findings": evaluation.fairness_gaps(rows, everyone),
    }


def _boosted(data: TrainingData, train_rows: np.ndarray, seed: int) -> np.ndarray:
    """The reference: gradient boosting fitted on `train_rows` of every fact, unbinned, and its
    probability for every row."""
    numeric = _numeric(data.facts)
    boosted = HistGradientBoostingClassifier(random_state=seed, max_iter=200, learning_rate=0.05)
    boosted.fit(
        numeric.iloc[train_rows], data.outcome[train_rows], sample_weight=data.weight[train_rows]
    )
    return np.asarray(boosted.predict_proba(numeric)[:, 1])


def evaluate(model: ScoredModel, data: TrainingData, *, seed: int = 7) -> dict[str, Any]:
    """A trained model judged on another history (a city it never saw): at each moment, beside
    gradient boosting fitted on that history's earlier episodes and, for a synthetic city, its
    ground truth. The test decisions are the history's later ones, as in training."""
    _warm_up, train_rows, test_rows = split(data.starts)
    scores = [model.score(fact) for fact in data.facts]
    predictions = {
        "points score": np.array([score.probability for score in scores]),
        BOOSTED: _boosted(data, train_rows, seed),
    }
    band = np.array([score.band.value for score in scores])
    judged = _judged(data, test_rows, predictions, band, np.random.default_rng(seed))
    first = _moments(data, test_rows)["first notification"]
    return {
        **judged,
        "evaluated_on": data.source,
        "evaluated_data_sha256": data.data_hash,
        "split": {
            **model.metrics.get("split", {}),
            "test": len(test_rows),
            "test_episodes": len(first),
            "outcome_rate_test": round(float(data.outcome[first].mean()), 4),
        },
    }


def code_state() -> dict[str, Any]:
    """The commit the code was at and whether the working tree had uncommitted changes to
    what decides a model (the package, the rules): a model is only as traceable as both."""
    commit = _git("rev-parse", "HEAD")
    changes = _git("status", "--porcelain", "--", "triage", "rules", "pyproject.toml")
    return {
        "git_commit": commit,
        "uncommitted_changes": None if changes is None else bool(changes.strip()),
    }


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()
