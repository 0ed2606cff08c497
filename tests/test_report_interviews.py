"""The monthly report's return home interviews, driven through the interview service: a task
counts in the month of the first return it covers, as known at the month's end, and "within 72
hours" is of that first return, so a merge or a correction after the month changes neither."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from test_reports import AREAS, AT_HOME, JUNE, QUIET, cells, person, send, uk

from conftest import FrozenClock
from factories import changed, notification
from triage.interviews import outcomes, service
from triage.interviews.requests import HeldRequest
from triage.interviews.tables import InterviewTask
from triage.interviews.vocabulary import factor_lists
from triage.reports.monthly import MonthlyReport, build
from triage.reports.months import Month
from triage.store import Database
from triage.store.tables import UserRecord
from triage.vetting.service import Vetter

RULES = Path(__file__).resolve().parent.parent / "rules"
JULY = Month(2026, 7)
EAST = {**AT_HOME, **person("X", "Xena", "2011-03-04")}  # East, not looked after
NOTHING = [1, 0, 0, 0, 0, 0, 0, 0]  # due, then no outcome recorded


def arrive(
    database: Database, vetter: Vetter, clock: FrozenClock, payload: dict[str, Any]
) -> dict[str, Any]:
    """A version arrives when police send it, and the interview pass runs just after."""
    clock.now = datetime.fromisoformat(payload["sent_at"]).astimezone(UTC)
    send(database, vetter, clock, payload)
    with database.transaction() as session:
        service.plan(session, service.rules_of(vetter.rulebook.current), now=clock())
    return payload


def returns(payload: dict[str, Any], at: datetime, *, sent: datetime) -> dict[str, Any]:
    """Police's next version: the child came back at `at`."""
    return changed(
        payload,
        **{
            "episode.returned_at": at.isoformat(),
            "episode.return_location": "Returned home",
            "sent_at": sent.isoformat(),
        },
    )


def missing(
    reference: str, seen: str, *, back_after_hours: float | None, child: dict[str, Any] = EAST
) -> dict[str, Any]:
    return notification(
        reference=reference,
        reported=uk(seen) + timedelta(hours=3.5),
        returned_after_hours=None if back_after_hours is None else back_after_hours + 3.5,
        child=child,
        episode=QUIET,
    )


def report(database: Database, month: Month = JUNE, *, due_hours: float = 72.0) -> MonthlyReport:
    with database.reading() as session:
        return build(session, month, areas=AREAS, for_sharing=False, due_hours=due_hours)


def the_task(database: Database) -> tuple[int, int]:
    """The one task and how many episodes it covers."""
    with database.reading() as session:
        (task,) = session.scalars(select(InterviewTask)).all()
        return task.id, len(task.episodes)


def held(
    database: Database, vetter: Vetter, clock: FrozenClock, task_id: int, at: datetime
) -> None:
    clock.now = at + timedelta(hours=1)  # recorded an hour after
    with database.transaction() as session:
        user = UserRecord(
            username="rhi",
            display_name="Dana Hughes",
            role="missing_support_worker",
            password_hash="-",
            created_at=clock(),
        )
        session.add(user)
        session.flush()
        body = HeldRequest(
            held_at=at,
            held_how="face_to_face",
            interviewer_is_carer=False,
            interviewer_is_social_worker=False,
            successful=True,
            offered_at=at - timedelta(hours=1),
            offered_how="telephone",
        )
        outcomes.record_held(
            session, task_id, body, user=user, now=clock(), lists=factor_lists(RULES), vetter=vetter
        )


def test_an_interview_merged_with_a_return_after_the_month_counts_in_the_first_returns_month_and_late(
    database: Database, vetter: Vetter, clock: FrozenClock
) -> None:
    # Back on 29 June at 18:00: the interview is due by 2 July at 18:00.
    arrive(database, vetter, clock, missing("X-1", "2026-06-28T20:00", back_after_hours=22))
    before = cells(report(database), "interviews")["East"]
    assert before == NOTHING
    # Missing again on 30 June before the interview, back on 1 July: the episode joins the
    # open task, whose own due time moves to 4 July.
    again = arrive(
        database, vetter, clock, missing("X-2", "2026-06-30T20:00", back_after_hours=None)
    )
    arrive(
        database,
        vetter,
        clock,
        returns(again, uk("2026-07-01T09:00"), sent=uk("2026-07-01T10:00")),
    )
    task_id, covered = the_task(database)
    assert covered == 2  # one interview for both episodes
    held(database, vetter, clock, task_id, uk("2026-07-03T12:00").astimezone(UTC))
    # June keeps its task; the interview was held 66 hours after the second return but 90
    # after the first: not within 72 hours.
    june = cells(report(database), "interviews")
    assert june["East"] == [1, 1, 0, 1, 0, 1, 0, 0]
    assert june["East"][0] == before[0]
    assert cells(report(database, JULY), "interviews")["East"][0] == 0  # counted once, in June
    # The hours are the rules' `rhi_due_hours`: given 96, the same interview is on time.
    assert cells(report(database, due_hours=96), "interviews")["East"] == [1, 1, 1, 1, 1, 1, 0, 0]


def test_a_return_time_corrected_after_the_month_leaves_its_interviews_as_they_were(
    database: Database, vetter: Vetter, clock: FrozenClock
) -> None:
    first = arrive(database, vetter, clock, missing("Y-1", "2026-06-30T14:00", back_after_hours=6))
    june = report(database)
    assert cells(june, "interviews")["East"] == NOTHING
    # On 2 July police correct the return to 02:00 on 1 July: the task's clock follows, and
    # as known at July's end the interview is July's.
    arrive(
        database,
        vetter,
        clock,
        returns(first, uk("2026-07-01T02:00"), sent=uk("2026-07-02T10:00")),
    )
    with database.reading() as session:
        (task,) = session.scalars(select(InterviewTask)).all()
        assert Month.of(task.returned_at) == JULY
    again = report(database)
    assert cells(again, "interviews") == cells(june, "interviews")
    assert again.trend == june.trend
    assert cells(report(database, JULY), "interviews")["East"] == NOTHING


def test_an_interview_withdrawn_after_the_month_still_counts_and_one_withdrawn_in_it_does_not(
    database: Database, vetter: Vetter, clock: FrozenClock
) -> None:
    later = arrive(database, vetter, clock, missing("Z-1", "2026-06-10T14:00", back_after_hours=6))
    other = {**AT_HOME, **person("Z", "Zac", "2012-05-06")}
    soon = missing("Z-2", "2026-06-20T14:00", back_after_hours=6, child=other)
    arrive(database, vetter, clock, soon)
    assert cells(report(database), "interviews")["East"][0] == 2
    # Police record Z-2 as an absence on 22 June, and Z-1 on 2 July: each task is withdrawn.
    absent = {"police_classification": "absent"}
    arrive(database, vetter, clock, changed(soon, **absent, sent_at="2026-06-22T10:00:00+01:00"))
    arrive(database, vetter, clock, changed(later, **absent, sent_at="2026-07-02T10:00:00+01:00"))
    with database.reading() as session:
        statuses = session.scalars(select(InterviewTask.status).order_by(InterviewTask.id)).all()
    assert statuses == ["withdrawn", "withdrawn"]
    # As known at June's end, Z-1 still needed its interview; Z-2 no longer did.
    assert cells(report(database), "interviews")["East"] == NOTHING
