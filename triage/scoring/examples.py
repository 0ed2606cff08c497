"""The examples the score learns from: every decision the service makes, at its moment.

The history is loaded the way the service stores it (a temporary SQLite store, identity
matching included). Every version police sent is an example, turned into the fact the rules
saw *when it was sent*, by the batch vetting path: history as it was known then, whether the
child was still missing, hours missing so far; and so is every re-vet as an open version passed
an hours threshold of the rules before police sent anything newer, as of that moment. Each
episode weighs one in all, shared among its decisions.
"""

from __future__ import annotations

import csv
import hashlib
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from triage.analysis.groups import age_band
from triage.decisions.revet import due
from triage.intake import load_file
from triage.notification import Notification
from triage.notification.fields import postcode_district
from triage.settings import Settings, get_settings
from triage.store import create_database
from triage.store.tables import NotificationVersion
from triage.vetting import create_vetter
from triage.vetting.batch import prepare

FIRST = "first notification"
LATER = "later version"
REVET = "re-vet as time passed"
_EVER = datetime(9999, 1, 1, tzinfo=UTC)  # every threshold crossing there has been


@dataclass
class TrainingData:
    """One row per version police sent, with the fact as of its sending and its episode's
    outcome. `starts` is when each row's episode was first notified (the split's clock)."""

    facts: list[dict[str, Any]]
    outcome: np.ndarray
    sent_at: np.ndarray  # when each decision was made (a version sent, a threshold crossed)
    groups: pd.DataFrame
    true_risk: np.ndarray | None
    data_hash: str
    source: str
    references: np.ndarray  # each row's police reference (its episode)
    moment: np.ndarray  # FIRST, LATER or REVET
    starts: np.ndarray
    weight: np.ndarray  # 1 / the episode's number of decisions

    @property
    def still_missing(self) -> np.ndarray:
        return np.array([bool(f["still_missing"]) for f in self.facts])


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
            stored = session.execute(
                select(NotificationVersion.id, NotificationVersion.payload).order_by(
                    NotificationVersion.sent_at,
                    NotificationVersion.episode_id,
                    NotificationVersion.version,
                )
            ).all()
            kept = [(i, p) for i, p in stored if p["police_reference"] in truth]
            by_id = {i: Notification.model_validate(p) for i, p in kept}
            # Each decision as the service made it: every version as of when it was sent, and
            # every re-vet as time passed (an open version crossing an hours threshold of the
            # rules before police sent anything newer), as of that moment.
            decisions = [(by_id[i], by_id[i].sent_at, "") for i, _p in kept]
            thresholds = vetter.rulebook.current.hour_thresholds
            decisions += [
                (by_id[d.version_id], d.as_of, REVET)
                for d in due(session, thresholds, as_of=_EVER)
                if d.version_id in by_id
            ]
            decisions.sort(key=lambda d: (d[1], d[0].police_reference))
            notifications = [n for n, _moment, _kind in decisions]
            moments = [moment for _n, moment, _kind in decisions]
            facts = prepare(session, notifications, vetter, moments=moments).facts
        database.dispose()
    rows = [truth[n.police_reference] for n in notifications]
    teams = vetter.rulebook.current.teams
    first_sent: dict[str, float] = {}
    count: dict[str, int] = {}
    for n in notifications:
        first_sent[n.police_reference] = min(
            first_sent.get(n.police_reference, n.sent_at.timestamp()), n.sent_at.timestamp()
        )
        count[n.police_reference] = count.get(n.police_reference, 0) + 1
    seen: set[str] = set()
    moment = []
    for n, _when, kind in decisions:
        if kind:
            moment.append(kind)
            continue
        moment.append(LATER if n.police_reference in seen else FIRST)
        seen.add(n.police_reference)
    return TrainingData(
        facts=facts,
        outcome=np.array([_flag(r[label]) for r in rows], dtype=int),
        sent_at=np.array([when.timestamp() for when in moments]),
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
        references=np.array([n.police_reference for n in notifications]),
        moment=np.array(moment),
        starts=np.array([first_sent[n.police_reference] for n in notifications]),
        weight=np.array([1.0 / count[n.police_reference] for n in notifications]),
    )


def _flag(value: str) -> int:
    return 1 if value.strip().lower() in {"1", "true", "yes"} else 0


def _hash(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()
