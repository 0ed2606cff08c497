"""The back-test at scale gives the same figures however it is cut and wherever it runs: child by
child in chunks of one version, in one chunk, on two spawned worker processes and on a Dask
cluster (a LocalCluster). The crafted history crosses chunks on purpose: Kai is seen missing with
Jade, whose exploitation indicator (sent in her own chunk) raises Kai's later decision; Kai's last
episode is still open, so it is replayed again as hours pass. SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from pydantic import SecretStr
from test_cli import run  # noqa: F401  (a fixture)
from test_rule_data import _edited

from conftest import FrozenClock
from factories import REPORTED, changed, notification
from triage.analysis.backtest import Backtest, backtest, compare
from triage.analysis.pseudonymised import Pseudonymiser
from triage.analysis.replay import candidate_vetter
from triage.intake import ingest
from triage.notification import RawRecord
from triage.rules import RuleEngine
from triage.settings import Settings
from triage.store import Database
from triage.vetting.service import Vetter

KAI = {
    "police_person_id": "WMP-P-3",
    "given_name": "Kai",
    "family_name": "Brennan",
    "date_of_birth": "2009-06-01",
    "sex": "male",
    "home_postcode": "B8 1AA",
    "legal_status": "none",
    "placement_type": None,
    "placement_postcode": None,
}
MO = {**KAI, "police_person_id": "WMP-P-9", "given_name": "Mo", "family_name": "Adeyemi"}
QUIET = {"circumstances": "Did not come home after school.", "indicators": []}
ABSENT = {"police_classification": "absent", "police_risk_grade": "low"}


def _send(database: Database, clock: FrozenClock, vetter: Vetter, payload: dict) -> None:
    receipt = ingest(
        database, RawRecord("t", 1, json.dumps(payload), payload), clock=clock, vetter=vetter
    )
    assert receipt.episode_id is not None, receipt.errors


@pytest.fixture
def history(database: Database, clock: FrozenClock, vetter: Vetter) -> None:
    """Three children, seven versions: with chunks of one version, a chunk per child."""
    jade = notification(reference="JADE-1", reported=REPORTED - timedelta(days=30))
    sent = [
        notification(reference="KAI-1", child=KAI, episode=QUIET, **ABSENT),
        jade,
        changed(jade, **{"sent_at": (REPORTED - timedelta(days=29)).isoformat()}),
        notification(
            reference="JADE-2",
            reported=REPORTED - timedelta(days=3),
            episode={"indicators": ["hotels_taxis"]},
        ),
        notification(
            reference="KAI-2",
            child=KAI,
            reported=REPORTED + timedelta(days=2),
            returned_after_hours=None,
            episode={**QUIET, "companions": [{"police_person_id": "WMP-P-40211"}]},
        ),
        notification(reference="MO-1", child=MO, episode=QUIET, **ABSENT),
        notification(
            reference="MO-2", child=MO, reported=REPORTED + timedelta(days=5), episode=QUIET
        ),
    ]
    for payload in sent:
        _send(database, clock, vetter, payload)


def _figures(result: Backtest) -> dict[str, object]:
    outcomes = result.outcomes
    return {
        "summary": result.summary,
        "transitions": result.transitions,
        "rules": result.rules,
        "workload": result.workload,
        "children": result.children,
        "outcomes": None if outcomes is None else outcomes.table,
    }


def _same(one: Backtest, other: Backtest) -> None:
    for name, value in _figures(one).items():
        theirs = _figures(other)[name]
        if isinstance(value, pd.DataFrame):
            assert isinstance(theirs, pd.DataFrame)
            pd.testing.assert_frame_equal(value, theirs, obj=name)
        else:
            assert value == theirs, name


def test_chunks_of_one_version_give_the_figures_of_one_chunk(
    database: Database,
    history: None,
    vetter: Vetter,
    rules_dir: Path,
    tmp_path: Path,
    engine: RuleEngine,
) -> None:
    switched = candidate_vetter(
        engine,
        _edited(rules_dir, tmp_path, reclassify_every_absence=True),
        home_authority="Birmingham",
    )
    labels = {"KAI-1": False, "JADE-1": True, "JADE-2": True, "MO-1": False}
    pseudonyms = Pseudonymiser(b"test key")
    with database.reading() as session:
        small, whole = (
            compare(
                session,
                vetter,
                switched,
                pseudonyms=pseudonyms,
                labels=labels,
                chunk_versions=size,
                keep_decisions=True,
            )
            for size in (1, 10_000)
        )
    _same(small, whole)
    assert small.decisions is not None and whole.decisions is not None
    pd.testing.assert_frame_equal(small.decisions, whole.decisions)
    # What the history was made to show: Jade's indicator, from her own chunk, reaches Kai's
    # open episode (R20), which is decided again as hours pass; both absences are switched.
    kai_open = small.decisions[small.decisions["moment"] != "sent"]
    assert len(kai_open) >= 1
    assert all("R20" in rules for rules in kai_open["live_rules"])
    assert small.summary["absences_reclassified_as_missing"] == {"live": 0, "candidate": 2}
    assert small.summary["decisions"] == len(small.decisions) > 8
    assert small.outcomes is not None and small.outcomes.known + small.outcomes.unlabelled > 0


@pytest.fixture
def keyed(settings: Settings) -> Settings:
    return settings.model_copy(update={"secret_key": SecretStr("k" * 40)})


@pytest.fixture
def candidate(rules_dir: Path, tmp_path: Path) -> Path:
    return _edited(rules_dir, tmp_path, reclassify_every_absence=True)


# Spawning two processes that each import the service and prove both rulesets takes seconds:
# once, on SQLite (the worker's code is the Dask worker's, which runs on both stores below).
@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
def test_two_worker_processes_give_the_figures_of_one(
    keyed: Settings, history: None, candidate: Path
) -> None:
    here = backtest(candidate, settings=keyed, chunk_versions=1)
    done: list[tuple[int, int]] = []
    spread = backtest(
        candidate,
        settings=keyed,
        chunk_versions=1,
        workers=2,
        on_chunk=lambda k, n: done.append((k, n)),
    )
    _same(here, spread)
    assert done == [(1, 3), (2, 3), (3, 3)]  # a chunk per child: Kai, Jade, Mo
    assert here.summary["decisions_that_differ"] > 0


def test_a_dask_cluster_gives_the_figures_of_this_process(
    keyed: Settings, history: None, candidate: Path
) -> None:
    from dask.distributed import LocalCluster

    here = backtest(candidate, settings=keyed, chunk_versions=1)
    with LocalCluster(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as cluster:
        remote = backtest(
            candidate, settings=keyed, chunk_versions=1, scheduler=cluster.scheduler_address
        )
    _same(here, remote)
    assert remote.transitions.to_numpy().sum() == here.summary["decisions"]


def test_the_command_takes_workers_or_a_scheduler_not_both(run, candidate: Path) -> None:  # noqa: F811
    refused = run("backtest", "--candidate", str(candidate), "--workers", "0", code=2)
    assert "--workers" in refused
    refused = run(
        "backtest",
        "--candidate",
        str(candidate),
        "--workers",
        "2",
        "--scheduler",
        "tcp://127.0.0.1:8786",
        code=1,
    )
    assert "--workers" in refused and "--scheduler" in refused
