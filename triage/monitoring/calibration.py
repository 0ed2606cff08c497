"""Live calibration: for each score band, the mean probability the score predicted against the
rate of the outcome among the episodes whose outcome is known, with a 95% Wilson interval (the
model card's `calibration_by_band`, run on live decisions instead of held-out data).

Outcomes. The service stores no outcome of its own: they come from a CSV the service is told of
(`TRIAGE_OUTCOMES_FILE`, `police_reference` and a label column `TRIAGE_OUTCOMES_LABEL`, as
`triage.analysis.outcomes.read_outcomes` reads the synthetic city's `truth.csv`). An episode
last seen under 90 days ago is *not yet known* whatever its label says, and one with no label is
*unlabelled*: both are counted apart per band, never as "no outcome".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from triage.notification.vocabulary import RiskGrade
from triage.scoring.evaluation import calibration_by_band

COLUMNS = (
    "band",
    "scored",
    "known",
    "not_yet_known",
    "unlabelled",
    "predicted",
    "observed",
    "observed_low",
    "observed_high",
    "gap_pp",
    "calibrated",
)
BAND_ORDER = tuple(grade.value for grade in sorted(RiskGrade, key=lambda g: -g.rank))


def live_calibration(episodes: pd.DataFrame) -> pd.DataFrame:
    """One row per score band, highest first (bands without scored episodes left out)."""
    scored = episodes[episodes["probability"].notna()]
    known = scored[scored["outcome_status"] == "known"]
    measured = {
        row.band: row
        for row in calibration_by_band(
            known["outcome"].astype(bool).to_numpy(dtype=int),
            known["probability"].to_numpy(dtype=float),
            known["score_band"].to_numpy(dtype=object),
            BAND_ORDER,
        )
    }
    out = []
    for band in BAND_ORDER:
        inside = scored[scored["score_band"] == band]
        if inside.empty:
            continue
        status = inside["outcome_status"].value_counts()
        row = measured[band]
        out.append(
            {
                "band": band,
                "scored": len(inside),
                "known": row.count,
                "not_yet_known": int(status.get("not_yet_known", 0)),
                "unlabelled": int(status.get("unlabelled", 0)),
                # Without a known outcome the prediction is still shown, the rest is not.
                "predicted": row.predicted
                if row.count
                else round(float(np.mean(inside["probability"])), 4),
                "observed": row.observed if row.count else None,
                "observed_low": row.observed_low,
                "observed_high": row.observed_high,
                "gap_pp": row.gap_pp if row.count else None,
                "calibrated": row.calibrated if row.count else None,
            }
        )
    return pd.DataFrame(out, columns=list(COLUMNS))
