"""What the analysts' notebooks call beyond the services they teach: the workbench (a scratch
store from a synthetic city, the live rules found from the working folder), golden examples
under a candidate, sizing a change to what counts as missing, demo reviews for monitoring, and
two models' cards side by side."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from factories import notification
from triage.analysis.replay import edited_rules
from triage.analysis.sizing import by_month_and_team, missing_and_interviews
from triage.analysis.workbench import (
    ENV,
    Workbench,
    by_hour,
    demo_city,
    feed,
    golden_examples,
    live_settings,
    repository,
    rules_using,
)
from triage.errors import ConfigurationError
from triage.intake import LoadSummary, load_records
from triage.monitoring.demo import review_demo_decisions
from triage.notification.reader import raw_from_text
from triage.notification.vocabulary import RiskGrade
from triage.scoring.comparison import compare_cards, compare_points
from triage.scoring.factors import FACTORS
from triage.scoring.model import ScoredModel
from triage.store import Database
from triage.store.tables import ReviewRecord, UserRecord
from triage.vetting.service import Vetter

ROOT = Path(__file__).resolve().parent.parent


def test_the_repository_is_found_from_notebooks_and_refused_elsewhere(tmp_path: Path) -> None:
    assert repository(ROOT / "notebooks") == ROOT == repository(ROOT)
    with pytest.raises(ConfigurationError, match="no folder holding rules/ and models/"):
        repository(tmp_path)


def test_live_settings_point_at_a_scratch_store_and_the_live_rules(tmp_path: Path) -> None:
    settings = live_settings(tmp_path, home_authority="Sandwell")
    assert settings.database_url == f"sqlite:///{tmp_path / 'workbench.db'}"
    assert settings.rules_dir == ROOT / "rules" and settings.home_authority == "Sandwell"
    assert settings.model_dir == ROOT / "models" / "synthetic-city"


def test_a_city_named_by_the_environment_is_used_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = tmp_path / "mine"
    named.mkdir()
    (named / "notifications.jsonl").write_text("", encoding="utf-8")
    monkeypatch.setenv(ENV, str(named))
    with pytest.raises(ConfigurationError, match=f"{ENV}: .* holds no truth.csv"):
        demo_city(tmp_path / "made")
    (named / "truth.csv").write_text("police_reference,outcome\n", encoding="utf-8")
    assert demo_city(tmp_path / "made") == named
    assert not (tmp_path / "made").exists()


def _raw(payload: dict, position: int) -> object:
    return raw_from_text(json.dumps(payload), source="t.jsonl", position=position)


def test_records_are_taken_an_hour_at_a_time_never_received_before_sent() -> None:
    sent = ["2026-01-05T09:10:00+00:00", "2026-01-05T09:50:00+00:00", "2026-01-05T11:00:00+00:00"]
    records = [_raw({"sent_at": s, "n": k}, k) for k, s in enumerate(sent)]
    records.insert(2, raw_from_text("{not json", source="t.jsonl", position=9))
    groups = list(by_hour(records))  # type: ignore[arg-type]
    assert [len(group) for group, _at in groups] == [3, 1]  # the unreadable joins 09:00
    assert [at.isoformat() for _g, at in groups] == [sent[1], sent[2]]


def test_feeding_with_nothing_held_back_is_refused(tmp_path: Path) -> None:
    bench = Workbench(ROOT, tmp_path, tmp_path, live_settings(tmp_path), LoadSummary())
    with pytest.raises(ConfigurationError, match="no file given and no records were held back"):
        feed(bench)


def test_golden_examples_under_a_candidate_say_which_pass(rules_dir: Path, tmp_path: Path) -> None:
    assert rules_using(rules_dir, "long_episode_hours") == ["R13"]
    assert rules_using(rules_dir, "strategy_discussion_hours") == ["R14"]
    assert rules_using(rules_dir, "rhi_due_soon_hours") == []
    too_far = edited_rules(rules_dir, tmp_path / "r", long_episode_hours=36)
    table = golden_examples(rules_dir, too_far, ["R13"])
    assert table.to_dict("records") == [
        {
            "rule": "R13",
            "example": "hours_missing: 30.5",
            "should": "fire",
            "live": "passes",
            "candidate": "fails",
        },
        {
            "rule": "R13",
            "example": "hours_missing: 24",
            "should": "not fire",
            "live": "passes",
            "candidate": "passes",
        },
    ]


def _decision(episode: str, month: str, police: str, live: str, cand: str, team: str) -> dict:
    return {
        "episode": episode,
        "month": month,
        "police_classification": police,
        "live_classification": live,
        "candidate_classification": cand,
        "live_team": team,
        "candidate_team": team,
    }


def test_sizing_counts_each_episode_once_in_its_first_month_and_newest_team() -> None:
    frame = pd.DataFrame(
        [
            _decision("E1", "2026-01", "absent", "absent", "missing", "South"),
            _decision("E1", "2026-02", "absent", "absent", "missing", "East"),  # moved team
            _decision("E2", "2026-01", "missing", "missing", "missing", "South"),
            _decision("E3", "2026-02", "absent", "absent", "absent", "East"),
        ]
    )
    work = pd.DataFrame(
        [
            {"month": "2026-01", "team": "East", "action": "Return home interview"}
            | {"live": 0, "candidate": 1, "change": 1},
            {"month": "2026-01", "team": "South", "action": "Return home interview"}
            | {"live": 1, "candidate": 1, "change": 0},
            {"month": "2026-01", "team": "South", "action": "Strategy discussion"}
            | {"live": 4, "candidate": 4, "change": 0},
        ]
    )
    table = missing_and_interviews(frame, work).set_index(["month", "team"])
    assert table.loc[("2026-01", "East")].to_dict() == {
        "missing_episodes_live": 0,
        "missing_episodes_candidate": 1,
        "interviews_live": 0,
        "interviews_candidate": 1,
        "extra_missing_episodes": 1,
        "extra_interviews": 1,
    }
    assert table.loc[("2026-01", "South"), "missing_episodes_live"] == 1
    assert table["extra_missing_episodes"].sum() == 1 and len(table) == 2
    grid = by_month_and_team(table.reset_index(), "extra_missing_episodes")
    assert grid.loc["2026-01"].to_dict() == {"East": 1, "South": 0}
    changed = by_month_and_team(table.reset_index(), "extra_missing_episodes", only_changed=True)
    assert list(changed.columns) == ["East"]
    with pytest.raises(ValueError, match="keep_decisions=True"):
        missing_and_interviews(None, work)


def test_demo_reviews_go_through_casework_and_are_made_once(
    database: Database, vetter: Vetter, rules_dir: Path, password_hash: str
) -> None:
    with database.transaction() as session:  # the demo workers, without hashing twice more
        for username in ("mash.demo", "mash2.demo"):
            session.add(
                UserRecord(
                    username=username,
                    display_name=username,
                    role="mash_worker",
                    password_hash=password_hash,
                    active=True,
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
    grades = ["low", "medium", "high", "no_apparent_risk"]
    payloads = [
        notification(
            reference=f"WB-{k}",
            police_risk_grade=grades[k % 4],
            child={"police_person_id": f"P-WB-{k}", "family_name": f"Bench{chr(65 + k)}"},
        )
        for k in range(16)
    ]
    load_records(database, [_raw(p, k) for k, p in enumerate(payloads)], vetter=vetter)  # type: ignore[misc]
    outcomes = {f"WB-{k}": k % 2 == 0 for k in range(16)}
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with database.transaction() as session:
        made = review_demo_decisions(session, rules_dir=rules_dir, outcomes=outcomes, now=now)
    with database.reading() as session:
        reviews = session.scalars(select(ReviewRecord)).all()
        assert len(reviews) == made.reviewed and 8 < made.reviewed < 16
        overridden = [r for r in reviews if r.outcome == "overridden"]
        assert len(overridden) == made.raised + made.lowered > 0
        for r in overridden:
            assert r.reason_code == "partner_information"
            assert r.needs_agreement == (
                RiskGrade(r.reviewed_level).rank < RiskGrade(r.level_before).rank
            )
        latest = max(r.created_at for r in reviews)
        assert made.last_at == (latest if latest.tzinfo else latest.replace(tzinfo=UTC))
    with database.transaction() as session:
        again = review_demo_decisions(session, rules_dir=rules_dir, outcomes=outcomes, now=now)
    assert again.reviewed == 0


def test_two_models_cards_and_points_side_by_side() -> None:
    shipped = ScoredModel.load(ROOT / "models" / "synthetic-city")
    factor = next(iter(shipped.points))
    level = list(shipped.points[factor])[-1]
    changed = replace(
        shipped,
        points={**shipped.points, factor: {**shipped.points[factor], level: 99}},
        metrics={**shipped.metrics, "quality": shipped.metrics["quality"][:1]},
    )
    cards = compare_cards({"shipped": shipped, "changed": changed})
    auc = ("quality", "points score: auc")
    assert (
        cards.loc[auc, "shipped"]
        == cards.loc[auc, "changed"]
        == shipped.metrics["quality"][0]["auc"]
    )
    boosted = ("quality", "gradient boosting (reference): auc")
    assert pd.isna(cards.loc[boosted, "changed"]) and cards.loc[boosted, "shipped"] > 0.5
    assert ("band high", "gap_pp") in cards.index and ("split", "test_episodes") in cards.index
    points = compare_points({"shipped": shipped, "changed": changed})
    assert points[points["differs"]][["factor", "level", "changed"]].values.tolist() == [
        [factor, level, 99]
    ]
    assert len(points) == sum(len(factor.levels) for factor in FACTORS)
