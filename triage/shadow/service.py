"""Shadow runs: ask, approve (an admin, not the person who asked), follow, stop, report.

The ladder: `current`, `get_or_raise`, `request`, `approve`, `stop`, `candidate_of`,
`follow` (decide by the candidate every live decision made since the run started that it has
not yet decided) and `report`. The caller owns the transaction. `follow` runs after the
service's re-vet pass and by hand (`triage shadow follow`); it reads live decisions and writes
only `shadow_decisions`, so nothing a MASH worker sees changes.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit, decisions
from triage.accounts.roles import Role
from triage.analysis.backtest import Backtest, summarise
from triage.analysis.pseudonymised import Pseudonymiser
from triage.analysis.replay import Replayed, StoredVersion, candidate_vetter
from triage.audit import Actor
from triage.decisions.models import from_json
from triage.errors import (
    ModelError,
    RecordNotFound,
    RuleFileError,
    ShadowConflict,
    ShadowRefused,
)
from triage.notification import Notification
from triage.rules import RuleEngine
from triage.shadow.tables import ShadowDecision, ShadowRun
from triage.store import Database
from triage.store.tables import DecisionRecord, EpisodeRecord, NotificationVersion, UserRecord
from triage.vetting.service import Vetter

log = logging.getLogger(__name__)

REQUESTED, RUNNING, STOPPED = "requested", "running", "stopped"


def current(session: Session) -> ShadowRun | None:
    """The run asked for or running (there is at most one)."""
    return session.scalar(
        select(ShadowRun)
        .where(ShadowRun.status.in_((REQUESTED, RUNNING)))
        .order_by(ShadowRun.id.desc())
        .limit(1)
    )


def get_or_raise(session: Session, run_id: int) -> ShadowRun:
    run = session.get(ShadowRun, run_id)
    if run is None:
        raise RecordNotFound("shadow run", run_id)
    return run


def newest(session: Session) -> ShadowRun | None:
    """The latest run in any state (the one a report is about by default)."""
    return session.scalar(select(ShadowRun).order_by(ShadowRun.id.desc()).limit(1))


def request(
    session: Session,
    *,
    by: UserRecord,
    rules_dir: Path,
    model_dir: Path | None,
    engine: RuleEngine,
    home_authority: str,
    now: datetime,
) -> ShadowRun:
    """An analyst asks for a candidate to run in shadow; it runs once an admin approves."""
    if by.role != Role.ANALYST:
        raise ShadowRefused("requested_by", "only an analyst asks for a shadow run")
    if current(session) is not None:
        raise ShadowConflict("a shadow run is already asked for or running: stop it first")
    vetter = _candidate(engine, rules_dir, model_dir, home_authority)
    run = ShadowRun(
        status=REQUESTED,
        rules_dir=str(rules_dir),
        model_dir=str(model_dir) if model_dir else None,
        ruleset_version=vetter.ruleset_version,
        model_version=vetter.model_version,
        requested_by_id=by.id,
        requested_at=now,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        Actor.of(by),
        "request_shadow",
        record_type="shadow_run",
        record_id=run.id,
        now=now,
        ruleset_version=run.ruleset_version,
    )
    return run


def approve(session: Session, *, by: UserRecord, now: datetime) -> ShadowRun:
    """An admin, not the analyst who asked, starts the run asked for."""
    run = current(session)
    if run is None or run.status != REQUESTED:
        raise ShadowConflict("no shadow run is waiting for approval")
    if by.role != Role.ADMIN:
        raise ShadowRefused("approved_by", "only an admin approves a shadow run")
    if by.id == run.requested_by_id:
        raise ShadowRefused("approved_by", "the person who asked cannot approve it too")
    run.status, run.approved_by_id, run.started_at = RUNNING, by.id, now
    audit.record(
        session, Actor.of(by), "approve_shadow", record_type="shadow_run", record_id=run.id, now=now
    )
    return run


def stop(session: Session, *, by: UserRecord, now: datetime) -> ShadowRun:
    """An analyst or an admin stops the run (asked for or running); its decisions stay."""
    run = current(session)
    if run is None:
        raise ShadowConflict("no shadow run is asked for or running")
    if by.role not in (Role.ANALYST, Role.ADMIN):
        raise ShadowRefused("stopped_by", "only an analyst or an admin stops a shadow run")
    run.status, run.stopped_by_id, run.stopped_at = STOPPED, by.id, now
    audit.record(
        session, Actor.of(by), "stop_shadow", record_type="shadow_run", record_id=run.id, now=now
    )
    return run


def candidate_of(run: ShadowRun, engine: RuleEngine, home_authority: str) -> Vetter:
    """The run's candidate, refused if its folder no longer holds the ruleset approved."""
    model = Path(run.model_dir) if run.model_dir else None
    vetter = _candidate(engine, Path(run.rules_dir), model, home_authority)
    if vetter.ruleset_version != run.ruleset_version:
        raise ShadowRefused("rules_dir", f"{run.rules_dir} has changed since it was asked for")
    return vetter


def _candidate(
    engine: RuleEngine, rules_dir: Path, model_dir: Path | None, home_authority: str
) -> Vetter:
    try:
        return candidate_vetter(
            engine, rules_dir, home_authority=home_authority, model_dir=model_dir
        )
    except (RuleFileError, OSError, ValueError) as error:
        raise ShadowRefused("rules_dir", f"the candidate cannot be used: {error}") from None
    except ModelError as error:
        raise ShadowRefused("model", f"the candidate's model cannot be used: {error}") from None


def follow(session: Session, run: ShadowRun, candidate: Vetter, *, now: datetime) -> int:
    """Decide by the candidate, as of the same moment, every live decision made since the run
    started and not yet shadowed; return how many. Nothing but `shadow_decisions` is written."""
    if run.status != RUNNING or run.started_at is None:
        return 0
    done = select(ShadowDecision.live_decision_id).where(ShadowDecision.run_id == run.id)
    pending = session.execute(
        select(DecisionRecord, NotificationVersion, EpisodeRecord.child_id)
        .join(NotificationVersion, NotificationVersion.id == DecisionRecord.version_id)
        .join(EpisodeRecord, EpisodeRecord.id == DecisionRecord.episode_id)
        .where(DecisionRecord.decided_at >= run.started_at, DecisionRecord.id.not_in(done))
        .order_by(DecisionRecord.id)
    ).all()
    for live, version, child_id in pending:
        n = Notification.model_validate(version.payload)
        decision = candidate.vet(
            session, n, child_id=child_id, episode_id=live.episode_id, as_of=live.as_of
        )
        session.add(
            ShadowDecision(
                run_id=run.id,
                live_decision_id=live.id,
                episode_id=live.episode_id,
                version_id=live.version_id,
                as_of=live.as_of,
                decided_at=now,
                vetted_level=decision.vetted_level.value,
                body=decisions.to_json(decision),
            )
        )
    session.flush()
    return len(pending)


def report(
    session: Session,
    run: ShadowRun,
    live: Vetter,
    candidate: Vetter,
    *,
    pseudonyms: Pseudonymiser,
    viewer: UserRecord | None = None,
    now: datetime | None = None,
) -> Backtest:
    """Live and shadow compared on every decision shadowed in the run: the back-test's
    transition matrix, rule firings, workload and per-child difference (`live` and `candidate`
    name the rules the two sides' reasons come from). A `viewer`'s reading is audited."""
    if viewer is not None and now is not None:
        audit.record(
            session,
            Actor.of(viewer),
            "read_shadow_report",
            record_type="shadow_run",
            record_id=run.id,
            now=now,
        )
    rows = session.execute(
        select(ShadowDecision, DecisionRecord, NotificationVersion, EpisodeRecord.child_id)
        .join(DecisionRecord, DecisionRecord.id == ShadowDecision.live_decision_id)
        .join(NotificationVersion, NotificationVersion.id == ShadowDecision.version_id)
        .join(EpisodeRecord, EpisodeRecord.id == ShadowDecision.episode_id)
        .where(ShadowDecision.run_id == run.id)
        .order_by(ShadowDecision.as_of, ShadowDecision.id)
    ).all()
    pairs = [
        Replayed(
            StoredVersion(
                version.id,
                version.episode_id,
                child_id,
                version.version,
                Notification.model_validate(version.payload),
            ),
            decisions.read(live_record),
            from_json(shadow.body),
        )
        for shadow, live_record, version, child_id in rows
    ]
    started = run.started_at.date().isoformat() if run.started_at else None
    stopped = run.stopped_at.date().isoformat() if run.stopped_at else None
    return summarise(pairs, live, candidate, pseudonyms=pseudonyms, period=(started, stopped))


def follow_pass(
    database: Database, engine: RuleEngine, home_authority: str, *, now: datetime
) -> int:
    """The service's pass (after each re-vet): `follow` the running run, in one transaction. A
    candidate that can no longer be used is logged and the run left as it is."""
    with database.transaction() as session:
        run = current(session)
        if run is None or run.status != RUNNING:
            return 0
        try:
            candidate = candidate_of(run, engine, home_authority)
        except ShadowRefused as refused:
            log.error("shadow run %s not followed: %s", run.id, refused.error.problem)
            return 0
        return follow(session, run, candidate, now=now)
