"""The back-test: a candidate ruleset replayed on the stored history beside the live one gives
the exact level transitions, rule firings and workload it should, reads history as it was known,
measures recall and false-positive rate on known outcomes, writes a pseudonymised per-child
diff, and writes nothing to the store. SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sqlalchemy import func, select
from test_cli import run, write_jsonl  # noqa: F401  (a fixture)
from test_rule_data import _edited

from conftest import FrozenClock
from factories import REPORTED, changed, notification
from triage.analysis.backtest import Backtest, compare
from triage.analysis.pseudonymised import Pseudonymiser
from triage.analysis.replay import candidate_vetter, edited_rules
from triage.intake import ingest
from triage.notification import RawRecord
from triage.rules import RuleEngine
from triage.store import Database
from triage.store.tables import AuditEvent, DecisionRecord, EpisodeRecord, NotificationVersion
from triage.vetting.service import Vetter

PSEUDONYMS = Pseudonymiser(b"test key")
# Kai, 16, not looked after, whom police call absent once (no earlier episode: stays absent).
KAI = {
    "police_person_id": "WMP-P-3",
    "given_name": "Kai",
    "family_name": "Brennan",
    "date_of_birth": "2009-06-01",
    "sex": "male",
    "home_postcode": "B8 1AA",  # East
    "legal_status": "none",
    "placement_type": None,
    "placement_postcode": None,
}
# Jade (the factories' child), 14, looked after and placed in the south: missing, medium.
JADE = {"police_person_id": "WMP-P-1"}
ABSENT = {"police_classification": "absent", "police_risk_grade": "low"}
QUIET = {"circumstances": "Did not come home after school.", "indicators": []}


def _send(database: Database, clock: FrozenClock, vetter: Vetter, payload: dict) -> None:
    receipt = ingest(
        database, RawRecord("t", 1, json.dumps(payload), payload), clock=clock, vetter=vetter
    )
    assert receipt.episode_id is not None, receipt.errors


@pytest.fixture
def history(database: Database, clock: FrozenClock, vetter: Vetter) -> dict[str, dict]:
    """Kai's one absence and Jade's one missing episode, both returned, in March 2026."""
    sent = {
        "KAI-1": notification(reference="KAI-1", child=KAI, episode=QUIET, **ABSENT),
        "JADE-1": notification(reference="JADE-1", child=JADE),
    }
    for payload in sent.values():
        _send(database, clock, vetter, payload)
    return sent


def _switched(rules_dir: Path, tmp_path: Path, engine: RuleEngine) -> Vetter:
    return candidate_vetter(
        engine,
        _edited(rules_dir, tmp_path, reclassify_every_absence=True),
        home_authority="Birmingham",
    )


def _younger_than_15(rules_dir: Path, tmp_path: Path, engine: RuleEngine) -> Vetter:
    examples = {"fires": [{"age": 14}], "does_not_fire": [{"age": 15}]}
    directory = _edited(
        rules_dir,
        tmp_path,
        very_young_child_age=15,
        examples={"R22-very-young-child.yaml": examples},
    )
    return candidate_vetter(engine, directory, home_authority="Birmingham")


def _run(database: Database, live: Vetter, candidate: Vetter, **kwargs) -> Backtest:
    with database.reading() as session:
        return compare(session, live, candidate, pseudonyms=PSEUDONYMS, **kwargs)


def _matrix(result: Backtest) -> dict[tuple[str, str], int]:
    return {
        (live, candidate): int(n)
        for (live, candidate), n in result.transitions.stack().items()
        if n
    }


def test_the_absent_switch_reclassifies_the_absence_and_adds_its_interview(
    database: Database,
    history: dict,
    vetter: Vetter,
    rules_dir: Path,
    tmp_path: Path,
    engine: RuleEngine,
) -> None:
    result = _run(database, vetter, _switched(rules_dir, tmp_path, engine))
    assert _matrix(result) == {("low", "low"): 1, ("medium", "medium"): 1}
    moved = result.rules[result.rules["change"] != 0].set_index("rule")
    assert moved[["live", "candidate", "change"]].to_dict("index") == {
        "R16": {"live": 0, "candidate": 1, "change": 1},
        "R19": {"live": 1, "candidate": 2, "change": 1},
    }
    work = result.workload.set_index(["month", "team", "action"])
    assert work.to_dict("index") == {
        ("2026-03", "East", "Return home interview"): {"live": 0, "candidate": 1, "change": 1},
        ("2026-03", "South", "Return home interview"): {"live": 1, "candidate": 1, "change": 0},
    }
    totals = result.workload_totals.set_index("action")["change"].to_dict()
    assert totals == {"Return home interview": 1}
    assert result.summary["absences_reclassified_as_missing"] == {"live": 0, "candidate": 1}
    assert result.summary["episodes_reclassified_as_missing"] == {"live": 0, "candidate": 1}


def test_a_younger_very_young_age_moves_jade_from_medium_to_high(
    database: Database,
    history: dict,
    vetter: Vetter,
    rules_dir: Path,
    tmp_path: Path,
    engine: RuleEngine,
) -> None:
    result = _run(database, vetter, _younger_than_15(rules_dir, tmp_path, engine))
    assert _matrix(result) == {("low", "low"): 1, ("medium", "high"): 1}
    assert result.summary["decisions_whose_level_changes"] == 1
    moved = result.rules[result.rules["change"] != 0].set_index("rule")["change"].to_dict()
    assert moved == {"R22": 1}
    assert not result.workload["change"].any()  # a high asks the senior manager, not a team
    diff = result.children
    assert list(diff[["live_level", "candidate_level", "rules_added"]].itertuples(index=False)) == [
        ("medium", "high", "R22")
    ]
    assert "Inform the senior manager" in diff["candidate_deadlines"][0]


def test_the_period_limits_the_versions_replayed(
    database: Database, history: dict, vetter: Vetter, clock: FrozenClock
) -> None:
    _send(
        database,
        clock,
        vetter,
        notification(reference="APRIL", reported=REPORTED + timedelta(days=30)),
    )
    result = _run(
        database,
        vetter,
        vetter,
        since=date(2026, 4, 1),
        until=date(2026, 4, 30),
        keep_decisions=True,
    )
    assert result.summary["decisions"] == 1 and result.summary["decisions_that_differ"] == 0
    assert set(result.decisions["month"]) == {"2026-04"}


def test_a_later_correction_does_not_leak_into_an_earlier_decision(
    database: Database, clock: FrozenClock, vetter: Vetter
) -> None:
    """Jade's first episode is corrected to carry a sexual exploitation indicator only after
    her second was sent: the second's first version is replayed without it (no MASE referral),
    its later version, sent after the correction, with it."""
    first = notification(
        reference="FIRST", reported=REPORTED - timedelta(days=20), child=JADE, episode=QUIET
    )
    second = notification(
        reference="SECOND",
        reported=REPORTED,
        child=JADE,
        episode={"indicators": ["hotels_taxis"]},
    )
    _send(database, clock, vetter, first)
    _send(database, clock, vetter, second)
    corrected = changed(
        first,
        **{
            "episode.indicators": ["hotels_taxis"],
            "sent_at": (REPORTED + timedelta(hours=4)).isoformat(),
        },
    )
    _send(database, clock, vetter, corrected)
    later = changed(second, sent_at=(REPORTED + timedelta(hours=5)).isoformat())
    later["episode"]["circumstances"] = "Seen at a hotel with an older man."
    _send(database, clock, vetter, later)
    result = _run(database, vetter, vetter, keep_decisions=True)
    second_rows = result.decisions[result.decisions["episode"] == _episode(database, "SECOND")]
    referred = {
        row.version: any(kind == "mase_referral" for kind, _due in row.live_actions)
        for row in second_rows.itertuples()
    }
    assert referred == {1: False, 2: True}
    # The live side is what the service decided on each arrival, correction and all.
    with database.reading() as session:
        arrived = {
            (r.episode_id, r.version_id): (r.vetted_level, [a["type"] for a in r.body["actions"]])
            for r in session.scalars(
                select(DecisionRecord).where(DecisionRecord.trigger == "version")
            )
        }
    replayed = sorted(
        (row.live_level, [kind for kind, _due in row.live_actions])
        for row in result.decisions.itertuples()
    )
    assert sorted(arrived.values()) == replayed and len(replayed) == 4


def _episode(database: Database, reference: str) -> str:
    with database.reading() as session:
        episode_id = session.scalar(
            select(EpisodeRecord.id).where(EpisodeRecord.police_reference == reference)
        )
    assert episode_id is not None
    return PSEUDONYMS.episode(episode_id)


def test_recall_and_false_positives_count_known_outcomes_and_keep_recent_ones_apart(
    database: Database,
    history: dict,
    vetter: Vetter,
    clock: FrozenClock,
    rules_dir: Path,
    tmp_path: Path,
    engine: RuleEngine,
) -> None:
    recent = notification(reference="RECENT", reported=REPORTED + timedelta(days=60))
    _send(database, clock, vetter, recent)
    labels = {"JADE-1": True, "KAI-1": False, "RECENT": True}
    known_at = datetime(2026, 7, 1, tzinfo=UTC)  # over 90 days after March, not after May
    result = _run(
        database,
        vetter,
        _younger_than_15(rules_dir, tmp_path, engine),
        labels=labels,
        known_at=known_at,
    )
    assert result.outcomes is not None
    assert (result.outcomes.known, result.outcomes.not_yet_known) == (2, 1)
    table = result.outcomes.table.set_index(["level", "side"])
    assert table.loc[("high", "live"), "recall"] == 0.0
    assert table.loc[("high", "candidate"), "recall"] == 1.0
    assert table.loc[("medium", "live"), ["recall", "false_positive_rate"]].tolist() == [1.0, 0.0]
    assert table.loc[("low", "live"), "false_positive_rate"] == 1.0  # Kai is low: flagged
    low, high = table.loc[("high", "candidate"), ["recall_low", "recall_high"]]
    assert 0 < low < 1.0 and high == 1.0  # one of one: a wide Wilson interval


def test_the_files_name_no_child_and_the_store_is_left_as_it_was(
    database: Database,
    history: dict,
    vetter: Vetter,
    rules_dir: Path,
    tmp_path: Path,
    engine: RuleEngine,
) -> None:
    def counts() -> tuple[int, ...]:
        with database.reading() as session:
            return tuple(
                session.scalar(select(func.count()).select_from(table)) or 0
                for table in (DecisionRecord, AuditEvent, NotificationVersion)
            )

    before = counts()
    result = _run(database, vetter, _switched(rules_dir, tmp_path, engine))
    written = result.write(tmp_path / "out")
    assert counts() == before
    text = "".join(path.read_text() for path in written)
    for personal in (
        "Kai",
        "Brennan",
        "Jade",
        "Collins",
        "KAI-1",
        "JADE-1",
        "2009-06-01",
        "B8 1AA",
    ):
        assert personal not in text
    diff = pd.read_csv(tmp_path / "out" / "children.csv")
    with database.reading() as session:
        kai = session.scalar(
            select(EpisodeRecord.child_id).where(EpisodeRecord.police_reference == "KAI-1")
        )
    assert kai is not None
    assert diff["child"].tolist() == [PSEUDONYMS.child(kai)]
    assert diff[["live_classification", "candidate_classification"]].values.tolist() == [
        ["absent", "missing"]
    ]


def test_the_command_sizes_the_absent_switch(run, tmp_path: Path, rules_dir: Path) -> None:  # noqa: F811
    sent = [
        notification(reference="CLI-KAI", child=KAI, episode=QUIET, **ABSENT),
        notification(reference="CLI-JADE", child=JADE),
    ]
    run("load", str(write_jsonl(tmp_path / "in.jsonl", sent)))
    candidate = _edited(rules_dir, tmp_path, reclassify_every_absence=True)
    truth = tmp_path / "truth.csv"
    truth.write_text("police_reference,outcome\nCLI-KAI,false\nCLI-JADE,true\n")
    output = run(
        "backtest",
        "--candidate",
        str(candidate),
        "--outcomes",
        str(truth),
        "--out",
        str(tmp_path / "out"),
    )
    assert "Absences reclassified as missing: live 0 decisions on 0 episodes, candidate 1" in output
    assert "R16" in output and "Return home interview" in output
    assert "too recent to know" in output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["decisions"] == 2
    refused = run("backtest", "--candidate", str(tmp_path / "nowhere"), code=1)
    assert "--candidate" in refused and "is not a folder" in refused
    refused = run("backtest", "--candidate", str(candidate), "--since", "March", code=1)
    assert "--since" in refused and "YYYY-MM-DD" in refused


def test_a_candidate_changes_only_parameters_the_rules_name(
    rules_dir: Path, tmp_path: Path
) -> None:
    copy = edited_rules(rules_dir, tmp_path / "rules", reclassify_every_absence=True)
    assert yaml.safe_load((copy / "parameters.yaml").read_text())["reclassify_every_absence"]
    with pytest.raises(ValueError, match="no parameter 'every_absence'"):
        edited_rules(rules_dir, tmp_path / "other", every_absence=True)


def test_a_sooner_strategy_discussion_is_replayed_as_time_passes(
    database: Database,
    clock: FrozenClock,
    vetter: Vetter,
    rules_dir: Path,
    tmp_path: Path,
    engine: RuleEngine,
) -> None:
    """Kai is still missing when the history ends, 60 hours on: the live rules would call a
    strategy discussion at 72 hours (not yet), a candidate at 48 calls it, as of 48 hours."""
    _send(
        database,
        clock,
        vetter,
        notification(reference="OPEN", child=KAI, episode=QUIET, returned_after_hours=None),
    )
    _send(
        database,
        clock,
        vetter,
        notification(reference="LATER", child=JADE, reported=REPORTED + timedelta(hours=60)),
    )
    examples = {
        "fires": [{"still_missing": True, "returned": False, "hours_missing": 50}],
        "does_not_fire": [
            {"still_missing": True, "returned": False, "hours_missing": 40},
            {"still_missing": False, "returned": True, "hours_missing": 80},
        ],
    }
    sooner = candidate_vetter(
        engine,
        _edited(
            rules_dir,
            tmp_path,
            strategy_discussion_hours=48,
            examples={"R14-still-missing-72-hours.yaml": examples},
        ),
        home_authority="Birmingham",
    )
    result = _run(database, vetter, sooner, keep_decisions=True)
    assert list(result.decisions["moment"]) == [
        "sent",
        "still missing at 24 hours",
        "still missing at 48 hours",
        "sent",
    ]
    diff = result.children
    assert diff[["moment", "candidate_level", "rules_added"]].values.tolist() == [
        ["still missing at 48 hours", "high", "R14"]
    ]
    assert "Strategy discussion within 0 h" in diff["candidate_deadlines"][0]
    totals = result.workload_totals.set_index("action")["change"].to_dict()
    assert totals == {"Strategy discussion": 1, "Return home interview": 0}


def test_a_back_test_of_an_empty_store_reports_no_decisions(
    database: Database, vetter: Vetter, rules_dir: Path, tmp_path: Path, engine: RuleEngine
) -> None:
    result = _run(database, vetter, _switched(rules_dir, tmp_path, engine))
    assert result.summary["decisions"] == 0 and result.summary["decisions_that_differ"] == 0
    assert int(result.transitions.to_numpy().sum()) == 0
