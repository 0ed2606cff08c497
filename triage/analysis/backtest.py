"""The back-test: what a candidate ruleset (and model) would have done to the stored history.

Every stored notification version is replayed as of when police sent it, with the history as it
was known then, through the live ruleset and model and through the candidate
(`triage.analysis.replay`). Nothing is written: the store is read in a session that rolls back.
The result holds the level transition matrix, the rules that fire more or less often, the
workload per month and area team, recall and false-positive rate against outcomes where they
are known, and the per-child difference, pseudonymised. From a notebook:

    from triage.analysis.backtest import backtest
    result = backtest("/tmp/rules-switched", outcomes="var/city/truth.csv")
    result.transitions, result.workload_totals, result.children
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.analysis import measures
from triage.analysis.outcomes import (
    SETTLE_DAYS,
    EpisodeLevels,
    OutcomeMeasures,
    outcome_measures,
    read_outcomes,
)
from triage.analysis.pseudonymised import Pseudonymiser
from triage.analysis.replay import (
    Replayed,
    candidate_vetter,
    moments,
    replay,
    stored_versions,
)
from triage.rules import RuleEngine
from triage.settings import Settings, get_settings
from triage.store import create_database
from triage.store.tables import NotificationVersion
from triage.vetting import create_vetter
from triage.vetting.service import Vetter

__all__ = ["Backtest", "backtest", "compare", "pseudonymiser_for", "summarise"]


@dataclass(frozen=True)
class Backtest:
    """A back-test's figures. Every frame is pseudonymised (no names, references or dates)."""

    live_ruleset: str
    candidate_ruleset: str
    live_model: str
    candidate_model: str
    decisions: pd.DataFrame  # one row per decision, both sides (measures.decisions_frame)
    transitions: pd.DataFrame
    rules: pd.DataFrame
    workload: pd.DataFrame
    outcomes: OutcomeMeasures | None
    period: tuple[str | None, str | None] = (None, None)
    children: pd.DataFrame = field(init=False)
    workload_totals: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "children", measures.children(self.decisions))
        object.__setattr__(self, "workload_totals", measures.workload_totals(self.workload))

    @property
    def summary(self) -> dict[str, Any]:
        d = self.decisions
        changed = d["live_level"] != d["candidate_level"]
        reclassified = {
            side: int(
                (
                    (d["police_classification"] == "absent")
                    & (d[f"{side}_classification"] == "missing")
                ).sum()
            )
            for side in measures.SIDES
        }
        absent = d[d["police_classification"] == "absent"]
        episodes_reclassified = {
            side: int(absent[absent[f"{side}_classification"] == "missing"]["episode"].nunique())
            for side in measures.SIDES
        }
        return {
            "period": {"since": self.period[0], "until": self.period[1]},
            "live": {"ruleset": self.live_ruleset, "model": self.live_model},
            "candidate": {"ruleset": self.candidate_ruleset, "model": self.candidate_model},
            "decisions": len(d),
            "episodes": int(d["episode"].nunique()),
            "decisions_whose_level_changes": int(changed.sum()),
            "decisions_that_differ": len(self.children),
            "children_affected": int(self.children["child"].nunique()),
            "episodes_police_called_absent": int(absent["episode"].nunique()),
            "absences_reclassified_as_missing": reclassified,
            "episodes_reclassified_as_missing": episodes_reclassified,
            "outcomes": None
            if self.outcomes is None
            else {
                "known": self.outcomes.known,
                "not_yet_known": self.outcomes.not_yet_known,
                "unlabelled": self.outcomes.unlabelled,
            },
        }

    def write(self, out: Path) -> list[Path]:
        """The figures as CSV files and summary.json in `out` (made if need be)."""
        out.mkdir(parents=True, exist_ok=True)
        files = {
            "transitions.csv": self.transitions.reset_index(),
            "rules.csv": self.rules,
            "workload.csv": self.workload,
            "workload-totals.csv": self.workload_totals,
            "children.csv": self.children,
        }
        if self.outcomes is not None:
            files["outcomes.csv"] = self.outcomes.table
        written = []
        for name, frame in files.items():
            frame.to_csv(out / name, index=False)
            written.append(out / name)
        (out / "summary.json").write_text(json.dumps(self.summary, indent=2) + "\n")
        return [*written, out / "summary.json"]


def compare(
    session: Session,
    live: Vetter,
    candidate: Vetter,
    *,
    pseudonyms: Pseudonymiser,
    since: date | None = None,
    until: date | None = None,
    labels: Mapping[str, bool] | None = None,
    known_at: datetime | None = None,
    settle_days: int = SETTLE_DAYS,
) -> Backtest:
    """Back-test `candidate` against `live` on the versions sent from `since` to `until`
    (dates, both included): each as of when it was sent, and each still open as it passed an
    hours threshold of either side's rules, up to the newest notification or `until`. Outcomes
    (`labels` by police reference) are known by `known_at` (default: when the newest stored
    version was sent) for episodes last seen at least `settle_days` before it."""
    start = _midnight(since)
    end = _midnight(until + timedelta(days=1)) if until else None
    versions = stored_versions(session, since=start, until=end)
    newest = session.scalar(select(func.max(NotificationVersion.sent_at))) or datetime.now(UTC)
    thresholds = (
        *live.rulebook.current.hour_thresholds,
        *candidate.rulebook.current.hour_thresholds,
    )
    planned = moments(session, versions, thresholds, end=min(newest, end) if end else newest)
    replayed = list(replay(session, planned, live, candidate))
    outcomes = None
    if labels is not None:
        moment = known_at or newest
        outcomes = outcome_measures(
            _newest_per_episode(replayed), labels, known_at=moment, settle_days=settle_days
        )
    return summarise(
        replayed,
        live,
        candidate,
        pseudonyms=pseudonyms,
        outcomes=outcomes,
        period=(since.isoformat() if since else None, until.isoformat() if until else None),
    )


def summarise(
    pairs: list[Replayed],
    live: Vetter,
    candidate: Vetter,
    *,
    pseudonyms: Pseudonymiser,
    outcomes: OutcomeMeasures | None = None,
    period: tuple[str | None, str | None] = (None, None),
) -> Backtest:
    """The measures on decisions made by `live` and `candidate` side by side (a back-test's
    replay, or a shadow run's)."""
    frame = measures.decisions_frame(pairs, pseudonyms)
    return Backtest(
        live_ruleset=live.ruleset_version,
        candidate_ruleset=candidate.ruleset_version,
        live_model=live.model_version,
        candidate_model=candidate.model_version,
        decisions=frame,
        transitions=measures.transitions(frame),
        rules=measures.rule_firings(frame, live.rulebook.current, candidate.rulebook.current),
        workload=measures.workload(frame),
        outcomes=outcomes,
        period=period,
    )


def backtest(
    candidate: Path | str,
    *,
    model: Path | str | None = None,
    since: date | None = None,
    until: date | None = None,
    outcomes: Path | str | None = None,
    label: str = "outcome",
    settings: Settings | None = None,
) -> Backtest:
    """Back-test the rules folder `candidate` (with the model folder `model`, else the live
    model) against the live rules and model in `settings`, on the store `settings` names.
    `outcomes` is a CSV with `police_reference` and the `label` column (e.g. truth.csv)."""
    settings = settings or get_settings()
    labels = read_outcomes(Path(outcomes), label=label) if outcomes else None
    engine = RuleEngine()
    database = create_database(settings)
    try:
        live = create_vetter(settings, engine)
        trial = candidate_vetter(
            engine,
            Path(candidate),
            home_authority=settings.home_authority,
            model_dir=Path(model) if model else settings.model_dir,
        )
        with database.reading() as session:
            return compare(
                session,
                live,
                trial,
                pseudonyms=pseudonymiser_for(settings),
                since=since,
                until=until,
                labels=labels,
            )
    finally:
        database.dispose()
        engine.close()


def pseudonymiser_for(settings: Settings) -> Pseudonymiser:
    """The service's pseudonyms (the same as the analysts' API) when a secret key is set, else
    pseudonyms that hold for this run only."""
    secret = (
        settings.secret_key.get_secret_value() if settings.secret_key else secrets.token_hex(32)
    )
    return Pseudonymiser(f"pseudonym:{secret}".encode())


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=UTC) if day else None


def _newest_per_episode(replayed: list[Replayed]) -> list[EpisodeLevels]:
    newest: dict[int, Replayed] = {}
    for r in replayed:
        kept = newest.get(r.stored.episode_id)
        if kept is None or (r.stored.version, r.live.as_of) > (
            kept.stored.version,
            kept.live.as_of,
        ):
            newest[r.stored.episode_id] = r
    return [
        EpisodeLevels(
            reference=r.stored.notification.police_reference,
            last_seen_at=r.stored.notification.episode.last_seen_at,
            live=r.live.vetted_level,
            candidate=r.candidate.vetted_level,
        )
        for r in newest.values()
    ]
