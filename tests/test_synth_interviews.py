"""The synthetic city's return home interviews match the reports' shape: about 35% successful
before the service changed hands, then 44%, 58% and 50%; about 63% of those held within 72
hours; the same episode always gets the same outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from triage.synth.interviews import calibration, outcome_for


def test_the_same_episode_always_gets_the_same_outcome() -> None:
    returned = datetime(2026, 5, 3, 14, 0, tzinfo=UTC)
    assert outcome_for("WMP-26-000001", returned) == outcome_for("WMP-26-000001", returned)
    assert outcome_for("WMP-26-000001", returned, seed=8) != outcome_for("WMP-26-000001", returned)


def test_outcomes_follow_the_reports_success_rates_and_the_72_hour_figure() -> None:
    start = datetime(2025, 11, 1, tzinfo=UTC)
    pairs = [
        (
            start + timedelta(hours=i * 0.43),
            outcome_for(f"R-{i}", start + timedelta(hours=i * 0.43)),
        )
        for i in range(20_000)
    ]
    found = calibration(pairs)
    for period, target in (
        ("success before", 0.35),
        ("success month 1", 0.44),
        ("success month 2", 0.58),
        ("success month 3", 0.50),
    ):
        assert abs(found[period] - target) < 0.03, (period, found[period])
    assert abs(found["held within 72 hours"] - 0.63) < 0.03
    assert 0.3 < found["declined"] < 0.6
