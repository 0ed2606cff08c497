"""The demo's interviews (`triage serve --demo`): the loaded city's returns get outcomes drawn
for them, recent returns give tasks in every state, and running it again changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from conftest import FrozenClock
from factories import notification
from triage.accounts.demo import ensure_demo_accounts
from triage.intake.service import submit
from triage.interviews import service
from triage.interviews.demo import ensure_demo_interviews
from triage.interviews.tables import InterviewTask
from triage.interviews.vocabulary import factor_lists
from triage.interviews.worklist import worklist
from triage.notification.reader import raw_from_text
from triage.store import Database
from triage.vetting.service import Vetter


def test_the_demo_gives_outcomes_and_every_state_once(
    database: Database, vetter: Vetter, clock: FrozenClock, rules_dir
) -> None:
    with database.transaction() as session:
        for n in range(4):
            child = {"police_person_id": f"DEMO-T-{n}", "given_name": ["Ann", "Bo", "Cy", "Di"][n]}
            payload = notification(reported=datetime(2026, 3, 1 + n, 12, tzinfo=UTC), child=child)
            submit(
                session, raw_from_text(json.dumps(payload), source="t"), now=clock(), vetter=vetter
            )
    clock.now = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    ruleset, lists = vetter.rulebook.current, factor_lists(rules_dir)
    with database.transaction() as session:
        ensure_demo_accounts(session, now=clock())
        first = ensure_demo_interviews(session, vetter, ruleset, lists, now=clock())
    with database.transaction() as session:
        again = ensure_demo_interviews(session, vetter, ruleset, lists, now=clock())
        statuses = dict(
            session.execute(
                select(InterviewTask.status, func.count()).group_by(InterviewTask.status)
            ).all()
        )
        south = worklist(session, service.rules_of(ruleset), team="South", now=clock())
    assert first.tasks == 10 and first.recorded == 4  # four from the city, six recent
    assert again.tasks == 0 and again.recorded == 0
    assert statuses["open"] + statuses.get("offered", 0) == 6
    assert statuses.get("held", 0) + statuses.get("declined", 0) == 4
    assert south.overdue and south.unallocated
    assert all(t.due_at - t.returned_at == timedelta(hours=72) for t in south.overdue)
