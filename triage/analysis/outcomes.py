"""Decisions against outcomes where they are known: recall and false-positive rate at each level.

An outcome ("serious harm or exploitation confirmed within 90 days" in the synthetic city, or a
local label column) is known only once its window has passed: an episode last seen less than
`settle_days` before the moment labels are read is *not yet known*, however its row reads, and
is counted apart, as is an episode with no label at all.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from triage.notification.vocabulary import RiskGrade

SETTLE_DAYS = 90
_TRUE, _FALSE = {"1", "true", "yes"}, {"0", "false", "no"}


class OutcomeFileError(ValueError):
    """An outcomes file without the label column, or with a value that is not yes or no."""


def read_outcomes(path: Path, *, label: str = "outcome") -> dict[str, bool]:
    """Each episode's outcome by police reference, from a CSV with `police_reference` and the
    `label` column (true/false, 1/0, yes/no; empty: not known)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        for needed in ("police_reference", label):
            if needed not in columns:
                raise OutcomeFileError(f"{path}: no column {needed!r} (columns: {columns})")
        found = {}
        for line, row in enumerate(reader, start=2):
            value = (row[label] or "").strip().lower()
            if not value:
                continue
            if value not in _TRUE | _FALSE:
                raise OutcomeFileError(f"{path}, line {line}: {label} is {value!r}, not yes or no")
            found[row["police_reference"]] = value in _TRUE
    return found


@dataclass(frozen=True)
class EpisodeLevels:
    """An episode's levels for outcome measures: its newest replayed version's, both sides."""

    reference: str
    last_seen_at: datetime
    live: RiskGrade
    candidate: RiskGrade


@dataclass(frozen=True)
class OutcomeMeasures:
    table: pd.DataFrame  # one row per level and side
    known: int  # episodes whose outcome is known
    not_yet_known: int  # too recent: their window has not passed
    unlabelled: int  # no outcome recorded at all


@dataclass
class OutcomeCounts:
    """What recall and false-positive rate are made of, counted chunk by chunk and added up:
    per level and side, episodes flagged (at that level or above) with and without an outcome;
    outcomes and no outcomes among the known; and the episodes counted apart."""

    flagged_harmed: Counter[tuple[str, str]] = field(default_factory=Counter)
    flagged_unharmed: Counter[tuple[str, str]] = field(default_factory=Counter)
    harmed: int = 0
    unharmed: int = 0
    not_yet_known: int = 0
    unlabelled: int = 0

    def count(
        self,
        episodes: Iterable[EpisodeLevels],
        labels: Mapping[str, bool],
        known_at: datetime,
        settle_days: int = SETTLE_DAYS,
    ) -> OutcomeCounts:
        settled = known_at - timedelta(days=settle_days)
        for e in episodes:
            if e.reference not in labels:
                self.unlabelled += 1
                continue
            if e.last_seen_at > settled:
                self.not_yet_known += 1
                continue
            harmed = labels[e.reference]
            self.harmed += harmed
            self.unharmed += not harmed
            flagged = self.flagged_harmed if harmed else self.flagged_unharmed
            for level in _MEASURED:
                for side in _SIDES:
                    if getattr(e, side).rank >= level.rank:
                        flagged[(level.value, side)] += 1
        return self

    def add(self, other: OutcomeCounts) -> OutcomeCounts:
        self.flagged_harmed.update(other.flagged_harmed)
        self.flagged_unharmed.update(other.flagged_unharmed)
        self.harmed += other.harmed
        self.unharmed += other.unharmed
        self.not_yet_known += other.not_yet_known
        self.unlabelled += other.unlabelled
        return self

    def measures(self) -> OutcomeMeasures:
        """Recall and false-positive rate of "at this level or above", live and candidate, with
        95% Wilson intervals, over the episodes whose outcome is known."""
        from triage.scoring.evaluation import wilson  # with scikit-learn: slow to import

        rows = []
        positives, negatives = self.harmed, self.unharmed
        for level in _MEASURED:
            for side in _SIDES:
                tp = self.flagged_harmed[(level.value, side)]
                fp = self.flagged_unharmed[(level.value, side)]
                rows.append(
                    {
                        "level": level.value,
                        "side": side,
                        "flagged": tp + fp,
                        "outcomes": positives,
                        "outcomes_caught": tp,
                        "recall": _rate(tp, positives),
                        "recall_low": wilson(tp, positives)[0] if positives else None,
                        "recall_high": wilson(tp, positives)[1] if positives else None,
                        "no_outcome": negatives,
                        "false_positives": fp,
                        "false_positive_rate": _rate(fp, negatives),
                        "fpr_low": wilson(fp, negatives)[0] if negatives else None,
                        "fpr_high": wilson(fp, negatives)[1] if negatives else None,
                    }
                )
        return OutcomeMeasures(
            pd.DataFrame(rows),
            known=positives + negatives,
            not_yet_known=self.not_yet_known,
            unlabelled=self.unlabelled,
        )


_MEASURED = (RiskGrade.LOW, RiskGrade.MEDIUM, RiskGrade.HIGH)
_SIDES = ("live", "candidate")


def outcome_measures(
    episodes: list[EpisodeLevels],
    labels: Mapping[str, bool],
    *,
    known_at: datetime,
    settle_days: int = SETTLE_DAYS,
) -> OutcomeMeasures:
    """Recall and false-positive rate of "at this level or above", live and candidate, with
    95% Wilson intervals, over the episodes whose outcome is known by `known_at`."""
    return OutcomeCounts().count(episodes, labels, known_at, settle_days).measures()


def _rate(events: int, count: int) -> float | None:
    return round(events / count, 4) if count else None
