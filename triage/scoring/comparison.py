"""Two scored models side by side: the figures their cards give, and their points.

For an analyst who retrains the score (`triage train`, or `training.train` from a notebook) and
asks what changed against the model in force: each figure the card states (the split, quality
at the first notification, calibration and share by band, errors for everyone at the high
band) in one row, one column per model; and each factor level's points.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from triage.scoring.factors import FACTORS
from triage.scoring.model import ScoredModel

SPLIT = ("train_episodes", "test_episodes", "outcome_rate_train", "outcome_rate_test")
QUALITY = ("auc", "brier")
BAND = ("share", "predicted", "observed", "gap_pp", "outcomes_caught")
EVERYONE = ("flagged_high", "false_positive_rate", "false_negative_rate")


def card_figures(model: ScoredModel) -> dict[tuple[str, str], Any]:
    """The card's figures by (section, figure)."""
    m = model.metrics
    found: dict[tuple[str, str], Any] = {}
    for name in SPLIT:
        found[("split", name)] = m.get("split", {}).get(name)
    for row in m.get("quality", []):
        for name in QUALITY:
            found[("quality", f"{row['name']}: {name}")] = row.get(name)
    for row in m.get("calibration_by_band", []):
        for name in BAND:
            found[("band " + row["band"], name)] = row.get(name)
    for name in EVERYONE:
        found[("everyone", name)] = m.get("everyone", {}).get(name)
    return found


def compare_cards(models: dict[str, ScoredModel]) -> pd.DataFrame:
    """One row per card figure, one column per model (named by the mapping's keys); a figure
    one card lacks is left empty."""
    figures = {label: card_figures(model) for label, model in models.items()}
    keys = list(dict.fromkeys(key for found in figures.values() for key in found))
    table = pd.DataFrame(
        {label: [found.get(key) for key in keys] for label, found in figures.items()},
        index=pd.MultiIndex.from_tuples(keys, names=["section", "figure"]),
    )
    return table


def compare_points(models: dict[str, ScoredModel]) -> pd.DataFrame:
    """Each factor level's points, one column per model, and which levels differ (a model
    trained when two levels were one gives both that level's points)."""
    keys = {
        label: {factor.name: factor.as_in(model.points[factor.name]) for factor in FACTORS}
        for label, model in models.items()
    }
    rows = []
    for factor in FACTORS:
        for level in factor.levels:
            row: dict[str, Any] = {"factor": factor.name, "level": level}
            for label, model in models.items():
                row[label] = model.points[factor.name][keys[label][factor.name][level]]
            rows.append(row)
    table = pd.DataFrame(rows, columns=["factor", "level", *models])
    table["differs"] = table[list(models)].nunique(axis=1, dropna=False) > 1
    return table
