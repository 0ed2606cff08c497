"""The thresholds, the escalation's role and the very young child's age are data an analyst
edits in the rules folder: changing the file changes what the service does, with no code
changed. SQLite and PostgreSQL alike."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from test_decisions_over_time import _open_episode, detail, quiet, submit

from conftest import FrozenClock, issue_headers
from factories import notification
from triage.decisions.revet import revet_due
from triage.rules.book import Rulebook
from triage.store import Database
from triage.vetting.service import Vetter


def _edited(rules_dir: Path, tmp_path: Path, **changes: Any) -> Path:
    """A copy of the live rules with `changes` made to parameters.yaml (`escalation_role`
    changes rules/data/escalation.yaml)."""
    copy = tmp_path / "rules"
    shutil.copytree(rules_dir, copy)
    for name, examples in changes.pop("examples", {}).items():  # a rule's examples prove it
        path = copy / "catalogue" / name
        path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), "examples": examples}))
    role = changes.pop("escalation_role", None)
    if role:
        path = copy / "data" / "escalation.yaml"
        escalation = yaml.safe_load(path.read_text())
        path.write_text(yaml.safe_dump({**escalation, "role": role}))
    path = copy / "parameters.yaml"
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text()), **changes}))
    return copy


@pytest.fixture
def edited_client(
    request: pytest.FixtureRequest,
    rules_dir: Path,
    tmp_path: Path,
    engine: Any,
    scored_model: Any,
    app_settings: Any,
    database: Database,
    clock: FrozenClock,
    accounts: dict[str, str],
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], Vetter]]:
    from triage.http import create_app

    directory = _edited(rules_dir, tmp_path, **request.param)
    vetter = Vetter(Rulebook(engine, directory), home_authority="Birmingham", model=scored_model)
    app = create_app(app_settings, database=database, vetter=vetter, clock=clock)
    with TestClient(app) as client:
        yield client, issue_headers(client, database, clock, accounts), vetter


@pytest.mark.parametrize(
    "edited_client",
    [
        {
            "very_young_child_age": 12,
            "examples": {
                "R22-very-young-child.yaml": {
                    "fires": [{"age": 11}],
                    "does_not_fire": [{"age": 12}],
                }
            },
        }
    ],
    indirect=True,
    ids=["under 12"],
)
def test_the_very_young_child_age_is_a_rule_parameter(edited_client: Any) -> None:
    client, headers, _ = edited_client
    eleven = quiet("AGE-11", child={"date_of_birth": "2014-09-10"})  # 11 when missing in 2026
    assert submit(client, headers, eleven)["vetted_level"] == "high"
    body = detail(client, headers, "AGE-11")["decision"]["body"]
    assert "R22" in [r["rule_id"] for r in body["reasons"]]  # under the live 10 it would not be
    twelve = quiet("AGE-12", child={"date_of_birth": "2013-09-10", "police_person_id": "P-12"})
    submit(client, headers, twelve)
    body = detail(client, headers, "AGE-12")["decision"]["body"]
    assert "R22" not in [r["rule_id"] for r in body["reasons"]]


@pytest.mark.parametrize(
    "edited_client", [{"escalation_role": "panel_chair"}], indirect=True, ids=["chair"]
)
def test_who_is_told_of_a_high_is_data(edited_client: Any) -> None:
    client, headers, _ = edited_client
    submit(
        client,
        headers,
        notification(reference="ESC-D", episode={"indicators": ["injury_on_return"]}),
    )
    (escalation,) = [
        a
        for a in detail(client, headers, "ESC-D")["actions"]
        if a["type"] == "inform_senior_manager"
    ]
    assert escalation["role"] == "panel_chair"
    path = "/api/v1/notifications/ESC-D/actions/inform_senior_manager/completion"
    assert client.post(path, json={}, headers=headers["senior_manager"]).status_code == 422
    assert client.post(path, json={}, headers=headers["panel_chair"]).status_code == 201


@pytest.mark.parametrize(
    "edited_client",
    [
        {
            "long_episode_hours": 12,
            "examples": {
                "R13-long-episode.yaml": {
                    "fires": [{"hours_missing": 12.5}],
                    "does_not_fire": [{"hours_missing": 12}],
                }
            },
        }
    ],
    indirect=True,
    ids=["long at 12 hours"],
)
def test_the_re_vetting_thresholds_are_rule_parameters(
    edited_client: Any, database: Database, clock: FrozenClock
) -> None:
    client, headers, vetter = edited_client
    hours = [t.hours for t in vetter.rulebook.current.hour_thresholds]
    assert 12 in hours and 24 not in hours
    last_seen = _open_episode(client, headers, "THR-1")
    clock.now = last_seen + timedelta(hours=13)  # past the edited 12 hours, short of 24
    summary = revet_due(
        database, vetter, vetter.rulebook.current.hour_thresholds, as_of=clock.now, now=clock.now
    )
    assert summary.decided == 1 and list(summary.why) == ["still missing at 12 hours"]
