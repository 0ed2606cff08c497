"""Monitoring as the API, the pages and notebooks read it: each view read from the store,
measured, and its reading audited (as the analysts' decision list is).

Who reads what. Analysts and admins; both see pseudonymised data only (children and episodes
by keyed pseudonym, no police reference). Reviewers are a keyed pseudonym (`W-...`) for an
analyst, and their name for an admin, who manages the people doing the reviews.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

import pandas as pd
from sqlalchemy.orm import Session

from triage import audit
from triage.accounts.roles import Role
from triage.analysis.outcomes import OutcomeFileError, read_outcomes
from triage.analysis.pseudonymised import Pseudonymiser
from triage.audit import Actor
from triage.errors import ConfigurationError
from triage.monitoring.calibration import live_calibration
from triage.monitoring.fairness import MINIMUM_GROUP, fairness_table, findings
from triage.monitoring.frame import read_episodes, read_reviews
from triage.monitoring.overrides import BY, override_rates
from triage.monitoring.timing import time_to_review
from triage.store.tables import UserRecord

READERS = (Role.ANALYST, Role.ADMIN)
View = Literal["overrides", "review_times", "calibration", "fairness", "all"]


@dataclass(frozen=True)
class Outcomes:
    """Where outcomes come from, and what was found there (empty: none known)."""

    labels: Mapping[str, bool] = field(default_factory=dict)
    source: str | None = None  # the file's name (not its path), for the page to say

    @classmethod
    def from_file(cls, path: Path | None, *, label: str = "outcome") -> Outcomes:
        """The outcomes in a CSV (`read_outcomes`); none for no file. A file that cannot be
        read is the service's misconfiguration (TRIAGE_OUTCOMES_FILE), named as such."""
        if path is None:
            return cls()
        try:
            return cls(read_outcomes(path, label=label), source=path.name)
        except (OSError, OutcomeFileError) as exc:
            raise ConfigurationError(f"TRIAGE_OUTCOMES_FILE cannot be used: {exc}") from exc


@dataclass(frozen=True)
class Monitoring:
    """Every monitoring table (pandas frames, one row per group), and the frames they came
    from, for a notebook to look further."""

    episodes: pd.DataFrame
    reviews: pd.DataFrame
    overrides: dict[str, pd.DataFrame]  # by rule, level, team and worker
    review_times: pd.DataFrame
    calibration: pd.DataFrame
    fairness: pd.DataFrame
    findings: list[str]
    outcomes_source: str | None
    minimum_group: int

    @property
    def reviewed(self) -> int:
        return len(self.reviews)

    @property
    def overridden(self) -> int:
        return int(self.reviews["overridden"].sum())

    def outcome_counts(self) -> dict[str, int]:
        """Scored episodes by whether their outcome is known, not yet known or unlabelled."""
        scored = self.episodes[self.episodes["probability"].notna()]
        counts = scored["outcome_status"].value_counts()
        return {k: int(counts.get(k, 0)) for k in ("known", "not_yet_known", "unlabelled")}


def shows_names(viewer: UserRecord) -> bool:
    return Role(viewer.role) is Role.ADMIN


def monitor(
    session: Session,
    pseudonyms: Pseudonymiser,
    *,
    actor: Actor,
    now: datetime,
    outcomes: Outcomes | None = None,
    worker_names: bool = False,
    minimum_group: int = MINIMUM_GROUP,
    view: View = "all",
) -> Monitoring:
    """Every monitoring table over the whole store as of `now`, audited as a read of `view`
    by `actor` (from a notebook: `Actor(None, "notebook", "analyst")`)."""
    known = outcomes or Outcomes()
    episodes = read_episodes(session, pseudonyms, outcomes=known.labels, known_at=now)
    reviews = read_reviews(session, pseudonyms, worker_names=worker_names)
    table = fairness_table(episodes, reviews, minimum_group=minimum_group)
    audit.record(
        session,
        actor,
        "read_analytics",
        record_type="monitoring",
        record_id=view,
        now=now,
    )
    return Monitoring(
        episodes=episodes,
        reviews=reviews,
        overrides={by: override_rates(reviews, by) for by in BY},
        review_times=time_to_review(episodes, now=now),
        calibration=live_calibration(episodes),
        fairness=table,
        findings=findings(table),
        outcomes_source=known.source,
        minimum_group=minimum_group,
    )
