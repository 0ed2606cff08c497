"""Training the score on a history with an outcome label, and measuring it on later cases.

The history is loaded the way the service stores it (a temporary SQLite store, identity
matching included) and each episode's newest version is turned into the same fact the rules
see, by the batch vetting path: what the model learns from is exactly what it will score.
The split is by time: after a warm-up year that serves only as history (see `split`), the
earliest 70% of episodes train and the latest 30% test.
"""

from __future__ import annotations

import csv
import hashlib
import platform
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sqlalchemy import select

from triage import __version__
from triage.analysis.groups import age_band
from triage.intake import load_file
from triage.notification import Notification
from triage.notification.fields import postcode_district
from triage.notification.vocabulary import Indicator, RiskGrade
from triage.scoring import evaluation
from triage.scoring.card import BOOSTED, GROUND_TRUTH
from triage.scoring.factors import FACTORS
from triage.scoring.model import Band, ScoredModel
from triage.scoring.scorecard import PointsScorecard, factor_levels
from triage.settings import Settings, get_settings
from triage.store import create_database
from triage.store.tables import NotificationVersion
from triage.vetting import create_vetter
from triage.vetting.batch import prepare

TRAIN_SHARE = 0.7
# History features look back up to a year, so at the start of a history they are incomplete:
# a child's episodes from before the data begins are unseen, and the same child scores lower
# than they would later. Episodes sent in the first year (at most the first quarter of the
# history's span) are kept as history for later episodes but neither train nor test the model.
WARM_UP_DAYS = 365
WARM_UP_SHARE_AT_MOST = 0.25
# Bands by the share of training notifications at or above them: a choice, recorded in the card.
BAND_SHARES = {RiskGrade.HIGH: 0.10, RiskGrade.MEDIUM: 0.35, RiskGrade.LOW: 0.70}


@dataclass
class TrainingData:
    facts: list[dict[str, Any]]
    outcome: np.ndarray
    sent_at: np.ndarray
    groups: pd.DataFrame
    true_risk: np.ndarray | None
    data_hash: str
    source: str


def load_training_data(
    folder: Path, *, label: str, settings: Settings | None = None
) -> TrainingData:
    """Facts and labels for every episode in `folder` (notifications.jsonl and truth.csv)."""
    notifications_path, truth_path = folder / "notifications.jsonl", folder / "truth.csv"
    with truth_path.open(encoding="utf-8") as handle:
        truth = {row["police_reference"]: row for row in csv.DictReader(handle)}
    if truth and label not in next(iter(truth.values())):
        raise ValueError(f"{truth_path}: no column {label!r} to use as the outcome label")
    base = settings or get_settings()
    with tempfile.TemporaryDirectory() as scratch:
        store_settings = base.model_copy(update={"database_url": f"sqlite:///{scratch}/train.db"})
        database = create_database(store_settings)
        load_file(database, notifications_path)
        vetter = create_vetter(store_settings)
        with database.reading() as session:
            payloads = session.scalars(
                select(NotificationVersion.payload).order_by(
                    NotificationVersion.episode_id, NotificationVersion.sent_at
                )
            ).all()
            newest = {p["police_reference"]: p for p in payloads}
            notifications = [
                Notification.model_validate(p) for ref, p in newest.items() if ref in truth
            ]
            notifications.sort(key=lambda n: (n.sent_at, n.police_reference))
            facts = prepare(session, notifications, vetter).facts
        database.dispose()
    rows = [truth[n.police_reference] for n in notifications]
    teams = vetter.rulebook.current.teams
    return TrainingData(
        facts=facts,
        outcome=np.array([_flag(r[label]) for r in rows], dtype=int),
        sent_at=np.array([n.sent_at.timestamp() for n in notifications]),
        groups=pd.DataFrame(
            {
                "sex": [n.child.sex.value for n in notifications],
                "ethnicity": [n.child.ethnicity.value for n in notifications],
                "area": [
                    teams.get(postcode_district(n.child.home_postcode) or "", "outside the area")
                    for n in notifications
                ],
                "age band": [age_band(n.age_at_report) for n in notifications],
            }
        ),
        true_risk=(
            np.array([float(r["true_risk"]) for r in rows]) if "true_risk" in rows[0] else None
        ),
        data_hash=_hash(notifications_path, truth_path),
        source=str(folder),
    )


def _flag(value: str) -> int:
    return 1 if value.strip().lower() in {"1", "true", "yes"} else 0


def _hash(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


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


def split(sent_at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row indexes of the warm-up, training and test episodes, in order of sending.

    The warm-up is the first WARM_UP_DAYS of the history (at most WARM_UP_SHARE_AT_MOST of its
    span); of the rest, the earliest TRAIN_SHARE train and the latest test.
    """
    order = np.argsort(sent_at, kind="stable")
    if len(order) == 0:
        return order, order, order
    first, last = float(sent_at[order[0]]), float(sent_at[order[-1]])
    warm_up = min(WARM_UP_DAYS * 86_400.0, WARM_UP_SHARE_AT_MOST * (last - first))
    start = int(np.searchsorted(sent_at[order], first + warm_up, side="left"))
    cut = start + int((len(order) - start) * TRAIN_SHARE)
    return order[:start], order[start:cut], order[cut:]


def train(
    data: TrainingData, *, name: str, label: str, seed: int = 7, C: float = 0.5
) -> ScoredModel:
    """Fit the scorecard on the earlier cases, measure everything on the later ones."""
    warm_up_rows, train_rows, test_rows = split(data.sent_at)
    cut = len(train_rows)
    levels = factor_levels(data.facts)
    y = data.outcome
    card = PointsScorecard(C=C).fit(levels.iloc[train_rows], y[train_rows])
    bands = _bands(card.total(levels.iloc[train_rows]))
    model = ScoredModel(
        name=name,
        label=label,
        points={f.name: card.points_[f.name] for f in FACTORS},
        calibration=card.calibration_,
        bands=bands,
    )

    test_levels, y_test = levels.iloc[test_rows], y[test_rows]
    totals = card.total(test_levels)
    probability = card.predict_proba(test_levels)[:, 1]
    band = np.array([model.band_of(int(t)).value for t in totals])
    high = band == RiskGrade.HIGH.value
    numeric = _numeric(data.facts)
    boosted = HistGradientBoostingClassifier(random_state=seed, max_iter=200, learning_rate=0.05)
    boosted.fit(numeric.iloc[train_rows], y[train_rows])
    compared = [
        evaluation.quality("points score", y_test, probability),
        evaluation.quality(
            "logistic regression, unrounded", y_test, card.unrounded_proba(test_levels)
        ),
        evaluation.quality(
            BOOSTED,
            y_test,
            boosted.predict_proba(numeric.iloc[test_rows])[:, 1],
        ),
    ]
    if data.true_risk is not None:
        compared.append(evaluation.quality(GROUND_TRUTH, y_test, data.true_risk[test_rows]))
    groups = data.groups.iloc[test_rows]
    fairness_rows = [
        row
        for kind in groups.columns
        for row in evaluation.fairness(kind, groups[kind].to_numpy(), y_test, probability, high)
    ]
    everyone = evaluation.overall(y_test, probability, high)
    order_of_bands = [g.value for g in reversed(RiskGrade)]
    metrics = {
        "split": {
            "warm_up": len(warm_up_rows),
            "train": int(cut),
            "train_from": datetime.fromtimestamp(
                float(data.sent_at[train_rows].min()), UTC
            ).isoformat(),
            "test": len(test_rows),
            "train_until": datetime.fromtimestamp(
                float(data.sent_at[train_rows].max()), UTC
            ).isoformat(),
            "outcome_rate_train": round(float(y[train_rows].mean()), 4),
            "outcome_rate_test": round(float(y_test.mean()), 4),
        },
        "quality": [asdict(q) for q in compared],
        "calibration_by_band": [
            {**asdict(row), "gap_pp": row.gap_pp}
            for row in evaluation.calibration_by_band(
                y_test,
                probability,
                band,
                order_of_bands,
                None if data.true_risk is None else data.true_risk[test_rows],
            )
        ],
        "fairness": [row.as_dict() for row in fairness_rows],
        "everyone": everyone.as_dict(),
        "fairness_findings": evaluation.fairness_gaps(fairness_rows, everyone),
        "band_policy": {level.value: share for level, share in BAND_SHARES.items()},
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
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "libraries": {lib: metadata.version(lib) for lib in ("scikit-learn", "numpy", "pandas")},
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


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None
