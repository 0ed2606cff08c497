"""Promotion with sign-off and the ruleset history: two different people (an analyst or admin
asks, an admin approves), an equality impact note, a candidate that loads and proves itself and
is not the live version already; a back-test recorded with it; the live folder swapped whole; a
rollback restored from the files kept as data. SQLite and PostgreSQL alike."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from test_analyst_pages import _sign_in
from test_cli import run  # noqa: F401  (a fixture)
from test_rule_data import _edited
from test_shadow import YOUNGER_THAN_15

from conftest import FrozenClock, issue_headers
from factories import notification
from test_api import submit
from triage.analysis.pseudonymised import Pseudonymiser
from triage.errors import PromotionRefused
from triage.rules import RuleEngine
from triage.rules.book import Rulebook
from triage.rules.catalogue import ruleset_version
from triage.rulesets import history, service
from triage.rulesets.tables import RulesetPromotion
from triage.settings import Settings
from triage.store import Database
from triage.store.tables import AuditEvent, DecisionRecord, EpisodeRecord, UserRecord
from triage.vetting.service import Vetter

H = dict[str, dict[str, str]]
NOTE = "Checked by sex, ethnicity, age band and looked-after status: no group moves apart."


@pytest.fixture
def live_dir(rules_dir: Path, tmp_path: Path) -> Path:
    """The live rules folder, a copy of the shipped rules in a folder of its own."""
    return Path(shutil.copytree(rules_dir, tmp_path / "srv" / "rules"))


@pytest.fixture
def live(engine: RuleEngine, live_dir: Path) -> Vetter:
    return Vetter(Rulebook(engine, live_dir), home_authority="Birmingham")


@pytest.fixture
def candidate(rules_dir: Path, tmp_path: Path) -> Path:
    """The live rules with every child under 15 very young (Jade, 14, becomes high)."""
    return _edited(rules_dir, tmp_path / "candidate", **YOUNGER_THAN_15)


@pytest.fixture
def live_client(
    app_settings: Settings,
    database: Database,
    engine: RuleEngine,
    live_dir: Path,
    scored_model: Any,
    clock: FrozenClock,
    accounts: dict[str, str],
) -> Iterator[tuple[TestClient, H]]:
    from triage.http import create_app

    vetter = Vetter(Rulebook(engine, live_dir), home_authority="Birmingham", model=scored_model)
    settings = app_settings.model_copy(update={"rules_dir": live_dir})
    app = create_app(settings, database=database, vetter=vetter, clock=clock)
    with TestClient(app) as client:
        yield client, issue_headers(client, database, clock, accounts)


def _promote(
    database: Database,
    live: Vetter,
    candidate: Path,
    clock: FrozenClock,
    by: str = "priya",
    approved_by: str = "chris",
    note: str = NOTE,
) -> service.Made:
    with database.transaction() as session:
        return service.promote(
            session,
            candidate=candidate,
            live=live,
            asked_by=by,
            approved_by=approved_by,
            equality_note=note,
            pseudonyms=Pseudonymiser(b"k"),
            now=clock(),
        )


def _rollback(
    database: Database, live: Vetter, clock: FrozenClock, by: str = "priya"
) -> service.Made:
    with database.transaction() as session:
        return service.roll_back(
            session,
            live=live,
            asked_by=by,
            approved_by="chris",
            reason="R22 sends too many children to a strategy discussion",
            now=clock(),
        )


def _count(database: Database, table: Any) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def _contents(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file()
    }


def test_a_promotion_needs_two_people_an_admin_approving_and_a_note(
    database: Database,
    accounts: dict[str, str],
    clock: FrozenClock,
    live: Vetter,
    live_dir: Path,
    candidate: Path,
) -> None:
    before = ruleset_version(live_dir)
    with database.transaction() as session:
        session.add(
            UserRecord(
                username="kim",
                display_name="Kim Lee",
                role="admin",
                password_hash="x",
                active=False,
                created_at=clock(),
            )
        )
    refusals = [
        ("priya", "priya", "", "approved_by", "only an admin approves"),
        ("chris", "chris", NOTE, "approved_by", "cannot approve it too"),  # a single person
        ("chris", "priya", NOTE, "approved_by", "only an admin approves"),  # not an admin
        ("sam", "chris", NOTE, "asked_by", "only an analyst or an admin asks"),
        ("nobody", "chris", NOTE, "asked_by", "no user 'nobody'"),
        ("priya", "kim", NOTE, "approved_by", "not an active account"),
        ("priya", "chris", "  \n ", "equality_note", "cannot be empty"),
    ]
    for by, approved_by, note, field, problem in refusals:
        with pytest.raises(PromotionRefused, match=problem) as refused:
            _promote(database, live, candidate, clock, by, approved_by, note)
        assert refused.value.error.field == field
    assert _count(database, RulesetPromotion) == 0
    assert ruleset_version(live_dir) == before and live.ruleset_version == before
    assert sorted(p.name for p in live_dir.parent.iterdir()) == ["rules"]


def test_a_broken_candidate_or_the_live_version_itself_is_refused(
    database: Database,
    accounts: dict[str, str],
    clock: FrozenClock,
    live: Vetter,
    live_dir: Path,
    rules_dir: Path,
    tmp_path: Path,
) -> None:
    broken = _edited(rules_dir, tmp_path / "broken", very_young_child_age=15)  # R22's examples
    cases = [
        (broken, "the candidate cannot be used: .*R22"),
        (rules_dir, "it is the live version already"),
        (tmp_path / "nowhere", "is not a folder"),
    ]
    for folder, problem in cases:
        with pytest.raises(PromotionRefused, match=problem) as refused:
            _promote(database, live, folder, clock)
        assert refused.value.error.field == "candidate"
    assert _count(database, RulesetPromotion) == 0
    assert sorted(p.name for p in live_dir.parent.iterdir()) == ["rules"]  # nothing left staged


def test_a_promotion_through_the_api_decides_new_arrivals_by_the_new_version_and_is_audited(
    live_client: tuple[TestClient, H], database: Database, live_dir: Path, candidate: Path
) -> None:
    client, headers = live_client
    old, new = ruleset_version(live_dir), ruleset_version(candidate)
    first = submit(client, headers, notification(reference="PR-1"))  # Jade, 14: medium
    assert first["vetted_level"] == "medium"
    body = {"candidate": str(candidate), "asked_by": "priya", "equality_note": NOTE}
    assert (
        client.post(
            "/api/v1/rulesets/promotions", json=body, headers=headers["analyst"]
        ).status_code
        == 403
    )
    for field in ("asked_by", "equality_note", "candidate"):  # no store takes a NUL
        nul = {**body, field: "pr\x00iya"}
        refused = client.post("/api/v1/rulesets/promotions", json=nul, headers=headers["admin"])
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field
        assert "NUL" in refused.json()["errors"][0]["problem"]
    alone = {**body, "asked_by": "chris"}
    refused = client.post("/api/v1/rulesets/promotions", json=alone, headers=headers["admin"])
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "approved_by"
    made = client.post("/api/v1/rulesets/promotions", json=body, headers=headers["admin"])
    assert made.status_code == 201, made.text
    assert made.json()["version"] == new and made.json()["previous_version"] == old
    second = submit(
        client, headers, notification(reference="PR-2", child={"police_person_id": "P-2"})
    )
    assert second["vetted_level"] == "high"  # at once, without waiting for the service's pass
    with database.reading() as session:
        versions = dict(
            session.execute(
                select(EpisodeRecord.police_reference, DecisionRecord.ruleset_version).join(
                    EpisodeRecord, EpisodeRecord.id == DecisionRecord.episode_id
                )
            ).all()
        )
        row = session.scalars(select(RulesetPromotion)).one()
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "promote_ruleset"))
        (audited,) = events.all()
    assert versions == {"PR-1": old, "PR-2": new}
    assert ruleset_version(live_dir) == new
    assert row.backtest is not None and row.backtest["summary"]["decisions"] == 1
    assert row.backtest["moves"] == [{"live": "medium", "candidate": "high", "decisions": 1}]
    assert row.equality_note == NOTE and row.shadow is None
    assert audited.username == "chris" and audited.detail["asked_by"] == "priya"
    assert audited.detail["version"] == new and audited.record_id == str(row.id)
    kept = [p for p in live_dir.parent.iterdir() if p.name != "rules"]
    assert len(kept) == 1 and ruleset_version(kept[0]) == old  # the old folder, for rollback


def test_a_promotion_from_the_command_line_is_picked_up_by_a_running_service(
    live_client: tuple[TestClient, H],
    database: Database,
    engine: RuleEngine,
    live_dir: Path,
    candidate: Path,
    clock: FrozenClock,
) -> None:
    client, headers = live_client
    elsewhere = Vetter(Rulebook(engine, live_dir), home_authority="Birmingham")  # another process
    _promote(database, elsewhere, candidate, clock)
    app_rulebook = client.app.state.services.vetter.rulebook  # type: ignore[attr-defined]
    assert app_rulebook.current.version != ruleset_version(candidate)  # not yet seen
    client.app.state.revet.run_once()  # type: ignore[attr-defined]  (the service's own pass)
    assert app_rulebook.current.version == ruleset_version(candidate)
    assert submit(client, headers, notification(reference="PR-3"))["vetted_level"] == "high"


def test_a_rollback_restores_the_previous_files_exactly_even_without_the_old_folder(
    database: Database,
    accounts: dict[str, str],
    clock: FrozenClock,
    live: Vetter,
    live_dir: Path,
    candidate: Path,
) -> None:
    original, version = _contents(live_dir), ruleset_version(live_dir)
    with pytest.raises(PromotionRefused, match="nothing to roll back") as nothing:
        _rollback(database, live, clock)
    assert nothing.value.error.field == "rollback"
    made = _promote(database, live, candidate, clock)
    assert live.ruleset_version == ruleset_version(candidate)  # reloaded once committed
    shutil.rmtree(made.kept)  # the folder it replaced is gone: the data is enough
    with pytest.raises(PromotionRefused, match="cannot approve it too"):
        _rollback(database, live, clock, by="chris")
    clock.now = clock.now.replace(hour=10)
    undone = _rollback(database, live, clock)
    assert _contents(live_dir) == original and ruleset_version(live_dir) == version
    assert live.ruleset_version == version and undone.version == version
    with database.reading() as session:
        rows = session.scalars(select(RulesetPromotion).order_by(RulesetPromotion.id)).all()
        found = history.history(session, live_dir)
        actions = set(session.scalars(select(AuditEvent.action)))
    assert [r.kind for r in rows] == ["promote", "rollback"]
    assert rows[1].reason and rows[1].version_id == rows[0].previous_version_id
    assert {"promote_ruleset", "rollback_ruleset"} <= actions
    assert [e.kind for e in found.entries] == ["rollback", "promote"]
    assert found.entries[0].live and not found.entries[1].live and found.live_recorded
    assert found.entries[1].headline == "0 of 0 decisions change level"  # no history stored
    with pytest.raises(PromotionRefused, match="nothing to roll back"):
        _rollback(database, live, clock)  # back at the version before any promotion


def test_the_commands_promote_show_the_history_and_roll_back(
    run: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    live_dir: Path,
    candidate: Path,
) -> None:
    monkeypatch.setenv("TRIAGE_RULES_DIR", str(live_dir))
    for username, name, role in (("priya", "Priya Shah", "analyst"), ("chris", "Chris E", "admin")):
        run("users", "add", username, "--name", name, "--role", role, "--password", "p" * 12)
    old, new = ruleset_version(live_dir)[:12], ruleset_version(candidate)[:12]
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    promote = ["rules", "promote", "--candidate", str(candidate), "--by", "priya"]
    refused = run(*promote, "--approved-by", "priya", "--equality-note", NOTE, code=1)
    assert "approved_by" in refused and "only an admin approves" in refused
    assert "give the note" in run(*promote, "--approved-by", "chris", code=1)
    done = run(*promote, "--approved-by", "chris", "--equality-note-file", str(note))
    assert f"ruleset {new} is live in place of {old}" in done
    rolled = run("rules", "rollback", "--by", "priya", "--approved-by", "chris", "--reason", "R22")
    assert f"ruleset {old} is live in place of {new}" in rolled
    shown = run("rules", "history")
    assert shown.index(f"Rolled back to {old} (was {new}) (live)") < shown.index("Promoted to")
    assert "reason: R22" in shown
    assert "priya" in shown and "chris" in shown and "no group moves" in shown
    assert "Not back-tested: a rollback" in shown
    assert f"Live now: {old}" in shown


def test_the_history_page_shows_versions_files_and_diffs_to_analysts_only(
    live_client: tuple[TestClient, H], live_dir: Path, candidate: Path
) -> None:
    client, headers = live_client
    body = {"candidate": str(candidate), "asked_by": "priya", "equality_note": NOTE}
    assert (
        client.post("/api/v1/rulesets/promotions", json=body, headers=headers["admin"]).status_code
        == 201
    )
    new = ruleset_version(candidate)
    listed = client.get("/api/v1/rulesets/history", headers=headers["analyst"]).json()
    assert listed["live_version"] == new and listed["changes"][0]["approved_by"] == "chris"
    assert client.get("/api/v1/rulesets/history", headers=headers["mash_worker"]).status_code == 403
    _sign_in(client, "priya")
    page = client.get("/analysis/rulesets")
    assert page.status_code == 200, page.text[-2000:]
    assert new[:12] in page.text and "no group moves apart" in page.text
    assert '<a href="/analysis/rulesets">Rulesets</a>' in page.text  # in the analysts' navigation
    version = client.get("/analysis/rulesets", params={"version": new})
    assert "<ins>+very_young_child_age: 15</ins>" in version.text
    assert "<del>-very_young_child_age: 10</del>" in version.text
    one = client.get("/analysis/rulesets", params={"version": new, "file": "parameters.yaml"})
    assert "very_young_child_age: 15" in one.text
    missing = client.get("/analysis/rulesets", params={"version": new, "file": "nope.yaml"})
    assert missing.status_code == 404
    client.cookies.clear()
    _sign_in(client, "sam")
    assert client.get("/analysis/rulesets").status_code == 403


def test_a_promotion_whose_transaction_fails_puts_the_live_folder_back(
    database: Database,
    accounts: dict[str, str],
    clock: FrozenClock,
    live: Vetter,
    live_dir: Path,
    candidate: Path,
) -> None:
    original, version = _contents(live_dir), ruleset_version(live_dir)
    with pytest.raises(RuntimeError, match="never committed"), database.transaction() as session:
        service.promote(
            session,
            candidate=candidate,
            live=live,
            asked_by="priya",
            approved_by="chris",
            equality_note=NOTE,
            pseudonyms=Pseudonymiser(b"k"),
            now=clock(),
        )
        assert ruleset_version(live_dir) == ruleset_version(candidate)  # swapped, not recorded
        raise RuntimeError("never committed")
    assert _contents(live_dir) == original and live.ruleset_version == version
    assert sorted(p.name for p in live_dir.parent.iterdir()) == ["rules"]
    assert _count(database, RulesetPromotion) == 0


def test_the_shadow_run_of_the_same_candidate_is_recorded_with_the_promotion(
    live_client: tuple[TestClient, H],
    database: Database,
    engine: RuleEngine,
    clock: FrozenClock,
    candidate: Path,
) -> None:
    from test_shadow import _start

    client, headers = live_client
    _start(database, clock, engine, candidate)
    submit(client, headers, notification(reference="PS-1"))  # Jade, 14: high in shadow
    client.app.state.revet.run_once()  # type: ignore[attr-defined]  (follows the shadow run)
    body = {"candidate": str(candidate), "asked_by": "priya", "equality_note": NOTE}
    made = client.post("/api/v1/rulesets/promotions", json=body, headers=headers["admin"])
    assert made.status_code == 201, made.text
    (change,) = client.get("/api/v1/rulesets/history", headers=headers["analyst"]).json()["changes"]
    assert change["shadow"]["summary"]["decisions"] == 1
    assert change["shadow"]["moves"] == [{"live": "medium", "candidate": "high", "decisions": 1}]
    assert change["shadow_headline"].endswith("1 of 1 decision changes level: 1 medium to high")
