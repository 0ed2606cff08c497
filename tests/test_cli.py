"""The `triage` command as a person uses it, against a real database file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factories import changed, notification
from triage.cli import app, common


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rules_dir: Path):
    monkeypatch.setenv("TRIAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TRIAGE_RULES_DIR", str(rules_dir))
    monkeypatch.setattr(common.console, "width", 200)  # a wide terminal: tables do not wrap
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return invoke


def write_jsonl(path: Path, payloads: list[dict]) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in payloads))
    return path


def test_synth_writes_a_city_and_its_calibration(run, tmp_path: Path) -> None:
    output = run("synth", "--months", "12", "--seed", "7", "--out", str(tmp_path / "city"))
    assert "children missing a month" in output and "episodes a month" in output
    table = output.split("notifications.jsonl:")[0]
    assert table.count(" yes ") == 8 and " no " not in table
    assert (tmp_path / "city" / "notifications.csv").exists()


def test_load_then_fix_and_replay_a_rejected_record(run, tmp_path: Path) -> None:
    good = notification(reference="CLI-1")
    bad = changed(notification(reference="CLI-2"), **{"episode.indicators": ["drugz"]})
    output = run("load", str(write_jsonl(tmp_path / "in.jsonl", [good, bad, good])))
    assert "accepted" in output and "rejected" in output
    listing = run("quarantine", "list")
    assert "episode.indicators[0]" in listing and "did you mean 'drugs'" in listing
    shown = run("quarantine", "show", "1")
    assert '"drugz"' in shown
    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps(changed(bad, **{"episode.indicators": ["drugs"]})))
    assert "replayed: accepted CLI-2" in run("quarantine", "replay", "1", "--file", str(fixed))
    assert "is replayed" in run("quarantine", "replay", "1", "--file", str(fixed), code=1)
    assert "0 open" in run("quarantine", "list")


def test_vet_writes_one_decision_per_notification(run, tmp_path: Path) -> None:
    run("load", str(write_jsonl(tmp_path / "history.jsonl", [notification(reference="H-1")])))
    batch = write_jsonl(
        tmp_path / "batch.jsonl",
        [notification(reference="N-1"), notification(reference="N-2", police_risk_grade="high")],
    )
    out = tmp_path / "decisions.jsonl"
    output = run("vet", str(batch), "--out", str(out))
    decisions = [json.loads(line) for line in out.read_text().splitlines()]
    assert [d["police_reference"] for d in decisions] == ["N-1", "N-2"]
    assert decisions[1]["vetted_level"] == "high"
    assert "Vetted 2 notifications" in output and "reclassified" in output


def test_history_shows_a_childs_features(run, tmp_path: Path) -> None:
    run("load", str(write_jsonl(tmp_path / "h.jsonl", [notification(reference="H-1")])))
    assert "episodes_365d" in run("history", "H-1")
    assert "no episode" in run("history", "NOPE", code=1)


def test_the_published_contract_is_checked(run) -> None:
    assert "current" in run("schema", "--check")


def test_possible_matches_can_be_listed_and_decided(run, tmp_path: Path) -> None:
    anon = {"local_child_id": None, "police_person_id": None}
    first = notification(reference="M-1", child=anon)
    typo = notification(reference="M-2", child={**anon, "given_name": "Jdae"})
    run("load", str(write_jsonl(tmp_path / "m.jsonl", [first, typo])))
    assert "same date of birth" in run("matches", "list")
    assert "confirmed" in run("matches", "confirm", "1", "--by", "a.worker")
    assert "already confirmed" in run("matches", "reject", "1", "--by", "a.worker", code=1)


def test_revet_as_of_a_moment_prints_what_changed_and_why(run, tmp_path: Path) -> None:
    missing = notification(reference="RV-1", returned_after_hours=None, police_risk_grade="low")
    run("load", str(write_jsonl(tmp_path / "open.jsonl", [missing])))
    assert "0 re-vetted" in run("revet", "--as-of", "2026-03-14T20:00")  # before 24 hours
    output = run("revet", "--as-of", "2026-03-16T12:00")  # UK time, past 24 hours
    assert "1 re-vetted" in output and "still missing at 24 hours" in output
    again = run("revet", "--as-of", "2026-03-16T12:00")
    assert "0 re-vetted" in again  # already judged: nothing is done twice
    later = run("revet", "--as-of", "2026-03-18T12:00")  # past 72 hours: at least high (R14)
    assert "still missing at 72 hours" in later
    assert "1 open episode changed level in force (1 raised)" in later and "RV-1" in later
    assert "0 re-vetted" in run("revet", "--failed")
    refused = run("revet", "--as-of", "next tuesday", code=1)
    assert "--as-of" in refused and "ISO 8601" in refused


def test_serve_refuses_to_bind_beyond_this_machine_outside_production(run) -> None:
    refused = run("serve", "--host", "0.0.0.0", code=1)
    assert "--host" in refused and "production" in refused


def test_serve_refuses_several_workers_without_a_shared_key(run) -> None:
    refused = run("serve", "--workers", "2", code=1)
    assert "--workers" in refused and "TRIAGE_SECRET_KEY" in refused


def test_revet_failed_retries_a_vetting_that_failed(
    run, tmp_path: Path, rulebook, scored_model
) -> None:
    import json as json_

    from test_decisions_over_time import FailingVetter

    from triage.intake import load_records
    from triage.notification.reader import raw_from_text
    from triage.settings import get_settings
    from triage.store import create_database

    run("load", str(write_jsonl(tmp_path / "first.jsonl", [notification(reference="OK-1")])))
    database = create_database(get_settings())  # the CLI's own database file
    broken = FailingVetter(rulebook, home_authority="Birmingham", model=scored_model)
    record = raw_from_text(json_.dumps(notification(reference="FAIL-1")), source="t", position=0)
    load_records(database, [record], vetter=broken)
    database.dispose()
    output = run("revet", "--failed")
    assert "1 re-vetted" in output and "vetting failed before" in output
    assert "0 re-vetted" in run("revet", "--failed")  # done: nothing is left to retry
