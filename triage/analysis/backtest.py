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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from triage.analysis import measures
from triage.analysis.chunks import CHUNK_VERSIONS, chunks, scope_of, tally_chunk
from triage.analysis.outcomes import SETTLE_DAYS, OutcomeCounts, OutcomeMeasures, read_outcomes
from triage.analysis.parallel import Job, Runner, Side, run_dask, run_local
from triage.analysis.pseudonymised import Pseudonymiser
from triage.analysis.replay import Children, Replayed, candidate_vetter
from triage.analysis.tally import Labels, Tally, tally
from triage.rules import RuleEngine
from triage.settings import Settings, get_settings
from triage.store import create_database
from triage.vetting import create_vetter
from triage.vetting.service import Vetter

__all__ = ["Backtest", "backtest", "compare", "from_counts", "pseudonymiser_for", "summarise"]


@dataclass(frozen=True)
class Backtest:
    """A back-test's figures. Every frame is pseudonymised (no names, references or dates)."""

    live_ruleset: str
    candidate_ruleset: str
    live_model: str
    candidate_model: str
    counts: Tally
    transitions: pd.DataFrame
    rules: pd.DataFrame
    workload: pd.DataFrame
    children: pd.DataFrame  # the per-child diff, child by child, each in time order
    outcomes: OutcomeMeasures | None
    period: tuple[str | None, str | None] = (None, None)
    # Every decision both ways, only when asked for (keep_decisions): a national history's
    # would not fit in memory, and every figure above is counted without it.
    decisions: pd.DataFrame | None = None
    workload_totals: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "workload_totals", measures.workload_totals(self.workload))

    @property
    def summary(self) -> dict[str, Any]:
        c = self.counts
        return {
            "period": {"since": self.period[0], "until": self.period[1]},
            "live": {"ruleset": self.live_ruleset, "model": self.live_model},
            "candidate": {"ruleset": self.candidate_ruleset, "model": self.candidate_model},
            "decisions": c.decisions,
            "episodes": c.episodes,
            "decisions_whose_level_changes": c.level_changes,
            "decisions_that_differ": len(c.diff),
            "children_affected": c.children_affected,
            "episodes_police_called_absent": c.absent_episodes,
            "absences_reclassified_as_missing": {
                side: c.reclassified[side] for side in measures.SIDES
            },
            "episodes_reclassified_as_missing": {
                side: c.episodes_reclassified[side] for side in measures.SIDES
            },
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
    keep_decisions: bool = False,
    chunk_versions: int = CHUNK_VERSIONS,
) -> Backtest:
    """Back-test `candidate` against `live` on the versions sent from `since` to `until`
    (dates, both included): each as of when it was sent, and each still open as it passed an
    hours threshold of either side's rules, up to the newest notification or `until`. Outcomes
    (`labels` by police reference) are known by `known_at` (default: when the newest stored
    version was sent) for episodes last seen at least `settle_days` before it. Chunk by chunk
    in this process, on `session`; `backtest` runs the same chunks across processes."""
    scope, newest = scope_of(
        session,
        live,
        candidate,
        since=_midnight(since),
        until=_midnight(until + timedelta(days=1)) if until else None,
        keep_rows=keep_decisions,
    )
    read = None if labels is None else Labels(labels, known_at or newest, settle_days)
    counts = Tally(outcomes=None)
    for children in chunks(session, scope, chunk_versions):
        counts.add(tally_chunk(session, children, live, candidate, scope, read))
    return _figures(counts, live, candidate, pseudonyms, since, until, labelled=read is not None)


def _figures(
    counts: Tally,
    live: Vetter,
    candidate: Vetter,
    pseudonyms: Pseudonymiser,
    since: date | None,
    until: date | None,
    *,
    labelled: bool,
) -> Backtest:
    outcomes = None
    if labelled:
        outcomes = (counts.outcomes or OutcomeCounts()).measures()
    return from_counts(
        counts,
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
    """The measures on decisions made by `live` and `candidate` side by side (a shadow run's)."""
    return from_counts(
        tally(pairs, keep_rows=True),
        live,
        candidate,
        pseudonyms=pseudonyms,
        outcomes=outcomes,
        period=period,
    )


def from_counts(
    counts: Tally,
    live: Vetter,
    candidate: Vetter,
    *,
    pseudonyms: Pseudonymiser,
    outcomes: OutcomeMeasures | None = None,
    period: tuple[str | None, str | None] = (None, None),
) -> Backtest:
    """The figures from the counts of a replay (pseudonyms given here, and only here)."""
    return Backtest(
        live_ruleset=live.ruleset_version,
        candidate_ruleset=candidate.ruleset_version,
        live_model=live.model_version,
        candidate_model=candidate.model_version,
        counts=counts,
        transitions=measures.transitions(counts),
        rules=measures.rule_firings(counts, live.rulebook.current, candidate.rulebook.current),
        workload=measures.workload(counts),
        children=measures.children(counts, pseudonyms),
        outcomes=outcomes,
        period=period,
        decisions=measures.decisions_frame(counts, pseudonyms),
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
    workers: int = 1,
    scheduler: Any = None,
    keep_decisions: bool = False,
    chunk_versions: int = CHUNK_VERSIONS,
    on_chunk: Callable[[int, int], None] | None = None,
) -> Backtest:
    """Back-test the rules folder `candidate` (with the model folder `model`, else the live
    model) against the live rules and model in `settings`, on the store `settings` names.
    `outcomes` is a CSV with `police_reference` and the `label` column (e.g. truth.csv).

    The history is replayed in chunks of whole children: in this process (`workers=1`), on
    `workers` spawned processes, or on the Dask cluster at `scheduler` (an address such as
    tcp://10.0.0.5:8786, or a `distributed.Client`), whose workers must reach the same store.
    The figures are the same every way (`chunk_versions`: about how many versions a chunk
    holds). `on_chunk(done, of)` is told as chunks come back."""
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
            scope, newest = scope_of(
                session,
                live,
                trial,
                since=_midnight(since),
                until=_midnight(until + timedelta(days=1)) if until else None,
                keep_rows=keep_decisions,
            )
            cut = chunks(session, scope, chunk_versions)
        read = None if labels is None else Labels(labels, newest)
        workers = min(workers, len(cut))  # a small history is one chunk: no process to start
        if workers <= 1 and scheduler is None:

            def here(job: Job, spans: Sequence[Children], read: Labels | None) -> Iterator[Tally]:
                with database.reading() as session:
                    for children in spans:
                        yield tally_chunk(session, children, live, trial, scope, read)

            run: Runner = here
        elif scheduler is not None:
            run = partial(run_dask, scheduler=scheduler)
        else:
            run = partial(run_local, workers=workers)
        job = Job(
            settings.database_url, settings.home_authority, Side.of(live), Side.of(trial), scope
        )
        counts = Tally()
        for done, part in enumerate(run(job, cut, read), start=1):
            counts.add(part)
            if on_chunk:
                on_chunk(done, len(cut))
        return _figures(
            counts,
            live,
            trial,
            pseudonymiser_for(settings),
            since,
            until,
            labelled=read is not None,
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
