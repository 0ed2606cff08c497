"""The score at the moment of decision: what it learns from, how its points and probabilities
are bounded, and where a model came from.

Triage acts on the first notification, often while the child is still missing, and again at
each later version. The training set is those decisions, each with what was known when it was
made; the points obey each factor's direction; no probability is 0 or 1; a model names the
commit that made it, and is refused from uncommitted code.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from privacy import submitted
from typer.testing import CliRunner

from triage.cli import app
from triage.rules.book import example_fact
from triage.scoring.examples import FIRST, LATER, REVET, TrainingData, load_training_data
from triage.scoring.factors import BY_NAME, FACTORS, FALLS, RISES, Factor
from triage.scoring.scorecard import PointsScorecard, capped_calibration
from triage.scoring.training import code_state, split
from triage.settings import get_settings
from triage.synth import generate_city, write_city

RULES = Path(__file__).resolve().parent.parent / "rules"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> TrainingData:
    folder = tmp_path_factory.mktemp("moments")
    city = generate_city(months=6, scale=0.5, seed=17)
    submitted(city.records)
    write_city(city, folder)
    return load_training_data(folder, label="outcome", settings=get_settings(rules_dir=RULES))


def test_every_version_is_a_decision_with_what_was_known_when_it_was_sent(
    history: TrainingData,
) -> None:
    references = history.references.tolist()
    assert len(set(references)) < len(references), "some episodes should have several versions"
    by_episode: dict[str, list[int]] = {}
    for k, reference in enumerate(references):
        by_episode.setdefault(reference, []).append(k)
    open_first = 0
    for rows in by_episode.values():
        assert history.moment[rows[0]] == FIRST
        assert all(history.moment[k] in (LATER, REVET) for k in rows[1:])
        assert history.weight[rows].sum() == pytest.approx(1.0)
        assert len({history.starts[k] for k in rows}) == 1
        first = history.facts[rows[0]]
        if first["still_missing"]:
            open_first += 1
            # Hours missing so far: from last seen to when police sent it, not to the return.
            assert first["hours_missing"] >= 0
    assert open_first > 0, "some children should still be missing at the first notification"
    # An open episode's first version and its closed last one are different examples.
    closing = [
        rows
        for rows in by_episode.values()
        if len(rows) > 1
        and history.facts[rows[0]]["still_missing"]
        and not history.facts[rows[-1]]["still_missing"]
    ]
    assert closing
    # Re-vets as time passed: still missing (as known) past the rules' 24 and 72 hours.
    revets = [history.facts[k] for k in range(len(references)) if history.moment[k] == REVET]
    assert revets and all(f["still_missing"] and f["hours_missing"] >= 24 for f in revets)
    assert any(f["hours_missing"] >= 72 for f in revets)


def test_the_split_keeps_an_episodes_versions_on_one_side(history: TrainingData) -> None:
    _warm, trained, tested = split(history.starts)
    references = history.references
    assert not set(references[trained]) & set(references[tested])


def test_still_missing_is_a_factor_split_at_a_day() -> None:
    """A re-vet at 24 or 72 hours is still missing past a day; a first notification sent a few
    hours after the child went is still missing under a day; a returned child is neither."""
    factor = BY_NAME["still_missing"]
    assert factor.levels == ["no", "yes, 24 hours or more", "yes, under 24 hours"]

    def level(still_missing: bool, hours: float) -> str:
        return factor.level(
            example_fact(
                {
                    "still_missing": still_missing,
                    "returned": not still_missing,
                    "hours_missing": hours,
                }
            )
        )

    assert level(False, 80.0) == "no"
    assert level(True, 3.0) == "yes, under 24 hours"
    assert level(True, 24.0) == level(True, 72.02) == "yes, 24 hours or more"


def test_re_vets_are_scored_past_a_day(history: TrainingData) -> None:
    revets = [f for f, m in zip(history.facts, history.moment, strict=True) if m == REVET]
    assert {BY_NAME["still_missing"].level(f) for f in revets} == {"yes, 24 hours or more"}


def test_the_probability_counts_every_decision_once() -> None:
    """The points weigh each episode once, but the probability of a total is the rate among
    the decisions with that total: each counts once, as the card judges it."""
    flag = Factor("flag", "a flag", lambda f: f["flag"], edges=(1,))
    rng = np.random.default_rng(5)
    n = 4000
    x = pd.DataFrame({"flag": rng.choice(flag.levels, n)})
    y = (rng.random(n) < np.where(x["flag"] == "1 or more", 0.4, 0.1)).astype(int)
    # Episodes with the outcome made more decisions, so they weigh less each.
    weight = np.where(y == 1, 0.25, 1.0)
    card = PointsScorecard(factors=(flag,)).fit(x, y, sample_weight=weight)
    totals = card.total(x)
    assert card.calibration_ == capped_calibration(
        totals, y, np.ones(n), card.min_total_, card.max_total_
    )
    top = totals == card.max_total_
    assert card.calibration_[card.max_total_] == pytest.approx((y[top].sum() + 1) / (top.sum() + 2))


def test_points_never_move_against_their_factor_s_direction() -> None:
    """Data in which the first level of a count looks riskier than the next (as a child's
    first-ever episode did against one earlier episode) still gives points that never fall."""
    count = Factor("count", "a count", lambda f: f["count"], edges=(1, 3), direction=RISES)
    days = Factor("days", "days since", lambda f: f["days"], edges=(7, 30), direction=FALLS)
    rng = np.random.default_rng(3)
    n = 6000
    x = pd.DataFrame(
        {
            "count": rng.choice(count.levels, n, p=[0.5, 0.3, 0.2]),
            "days": rng.choice(days.levels, n),
        }
    )
    logit = np.select(
        [x["count"] == "under 1", x["count"] == "1 to under 3"], [0.0, -1.0], 1.5
    ) + np.select([x["days"] == "under 7", x["days"] == "7 to under 30"], [1.0, 1.4], 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-(logit - 1)))).astype(int)
    card = PointsScorecard(C=1.0, factors=(count, days)).fit(x, y)
    counts = [card.points_["count"][level] for level in count.levels]
    spans = [card.points_["days"][level] for level in days.levels]
    assert counts == sorted(counts) and counts[-1] > 0
    assert spans == sorted(spans, reverse=True)


def test_the_shipped_factors_have_directions_a_social_worker_expects() -> None:
    assert BY_NAME["episodes_365d"].direction == RISES
    assert BY_NAME["days_since_last"].direction == FALLS
    assert {f.name for f in FACTORS if f.direction == 0} == {
        "police_classification",
        "age",
        "legal_status",
    }
    assert BY_NAME["still_missing"].direction == RISES  # "yes" never scores below "no"


def test_no_probability_is_zero_or_one() -> None:
    totals = np.array([0] * 40 + [1] * 30 + [5] * 3 + [9] * 2)
    outcome = np.array([0] * 40 + [0] * 25 + [1] * 5 + [1] * 3 + [1] * 2)
    calibration = capped_calibration(totals, outcome, np.ones(len(totals)), 0, 12)
    values = [calibration[t] for t in range(13)]
    assert min(values) > 0 and max(values) < 1
    assert values == sorted(values)
    # The bottom block (40 + 25 non-outcomes and 5 outcomes pooled? no: 0 alone) is 1/42.
    assert calibration[0] == pytest.approx(1 / 42)
    # Five cases, all with the outcome, at the top: (5 + 1) / (5 + 2), never 100%.
    assert calibration[9] == pytest.approx(6 / 7) and calibration[12] == calibration[9]


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)


def test_a_model_names_its_commit_and_whether_the_code_had_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "triage").mkdir()
    (tmp_path / "triage" / "x.py").write_text("a = 1\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
    monkeypatch.chdir(tmp_path)
    clean = code_state()
    assert clean["uncommitted_changes"] is False and len(clean["git_commit"]) == 40
    (tmp_path / "triage" / "x.py").write_text("a = 2\n")
    assert code_state()["uncommitted_changes"] is True


def test_training_from_uncommitted_code_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "triage").mkdir()
    (tmp_path / "triage" / "x.py").write_text("a = 1\n")
    monkeypatch.chdir(tmp_path)  # an untracked file in triage/ is an uncommitted change
    (tmp_path / "data").mkdir()
    result = CliRunner().invoke(app, ["train", "--data", "data", "--out", "models/x"])
    assert result.exit_code == 1
    assert "uncommitted changes" in result.output and "--allow-uncommitted" in result.output
    assert not (tmp_path / "models" / "x").exists()


def test_a_model_can_be_judged_afresh_on_a_city_it_never_saw(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    city = generate_city(months=14, scale=0.5, seed=41)
    submitted(city.records)
    write_city(city, folder)
    shipped = RULES.parent / "models" / "synthetic-city"
    result = CliRunner().invoke(app, ["model-card", str(shipped), "--evaluate", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"Judged afresh on `{folder}`" in result.output
    assert "### At the first notification, still missing" in result.output
    assert "gradient boosting (reference)" in result.output
