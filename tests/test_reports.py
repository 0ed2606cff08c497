"""The monthly report counts what the committee asks for, exactly, as known at the month's end:
children and episodes by area and by looked-after status, repeats, absent and missing (and
reclassified), children placed here by other authorities, and the return home interviews."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from conftest import FrozenClock
from factories import changed, notification
from triage.intake.loader import ingest
from triage.interviews.tables import InterviewEpisode, InterviewReferral, InterviewTask
from triage.notification.reader import RawRecord
from triage.reports.episodes import OTHER_AUTHORITIES
from triage.reports.monthly import MonthlyReport, build
from triage.reports.months import Month
from triage.store import Database
from triage.store.tables import ActionCompletion, EpisodeRecord, UserRecord
from triage.vetting.service import Vetter

UK = ZoneInfo("Europe/London")
JUNE = Month(2026, 6)
AREAS = ["South", "East", "North, West & Central", "Out-of-area placements"]
COLUMNS = (
    "children",
    "episodes",
    "missing",
    "absent",
    "reclassified",
    "repeat_month",
    "repeat_year",
)
QUIET = {"circumstances": "Did not come home after school.", "indicators": []}
LOOKED_AFTER = {"legal_status": "looked_after", "placement_postcode": "B30 2LS"}  # South
AT_HOME = {  # East, not looked after
    "legal_status": "none",
    "placement_type": None,
    "placement_postcode": None,
    "responsible_authority": None,
    "home_postcode": "B8 1AA",
}


def person(key: str, given: str, born: str) -> dict[str, str]:
    return {"police_person_id": f"P-{key}", "given_name": given, "date_of_birth": born}


def uk(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UK)


def put(
    database: Database,
    vetter: Vetter,
    clock: FrozenClock,
    reference: str,
    seen: str,
    child: dict[str, Any],
    **top: Any,
) -> dict[str, Any]:
    """One episode whose child was last seen at `seen` (UK time), stored and vetted."""
    payload = notification(
        reference=reference,
        reported=uk(seen) + timedelta(hours=3.5),
        child=child,
        episode=QUIET,
        **top,
    )
    send(database, vetter, clock, payload)
    return payload


def send(database: Database, vetter: Vetter, clock: FrozenClock, payload: dict[str, Any]) -> None:
    receipt = ingest(
        database, RawRecord("t", 1, json.dumps(payload), payload), clock=clock, vetter=vetter
    )
    assert receipt.episode_id is not None, receipt.errors


def the_city(database: Database, vetter: Vetter, clock: FrozenClock) -> None:
    """Five children in June 2026 and a few episodes around it (see each line), received on
    1 August (the clock is put back afterwards)."""
    before, clock.now = clock.now, datetime(2026, 8, 1, tzinfo=UTC)
    a = {**LOOKED_AFTER, **person("A", "Amy", "2010-02-03")}
    put(database, vetter, clock, "A-MAR", "2026-03-10T20:00", a)
    put(database, vetter, clock, "A-1", "2026-06-03T20:00", a)
    a2 = put(database, vetter, clock, "A-2", "2026-06-20T20:00", a)
    b = {**AT_HOME, **person("B", "Ben", "2011-04-05")}
    put(database, vetter, clock, "B-JAN", "2026-01-10T20:00", b)
    put(database, vetter, clock, "B-1", "2026-06-10T20:00", b, police_classification="absent")
    c = {**AT_HOME, **person("C", "Cara", "2012-06-07")}
    c1 = put(database, vetter, clock, "C-1", "2026-06-15T20:00", c, police_classification="absent")
    # Police correct C's absence to missing the next day: reclassified, by police.
    send(
        database,
        vetter,
        clock,
        changed(c1, police_classification="missing", sent_at="2026-06-16T12:00:00+01:00"),
    )
    # Placed here by Sandwell: routed to them, with an action to tell them (done on the 13th).
    d = {**LOOKED_AFTER, **person("D", "Dan", "2009-08-09"), "responsible_authority": "Sandwell"}
    put(database, vetter, clock, "D-1", "2026-06-12T20:00", d)
    e = {
        **AT_HOME,
        **person("E", "Eve", "2010-10-11"),
        "home_postcode": "B23 6TJ",
    }  # North, West & C.
    put(database, vetter, clock, "E-MAY", "2026-05-31T23:30", e)  # May in UK time (22:30 UTC)
    put(database, vetter, clock, "E-1", "2026-06-01T00:30", e)  # June in UK time (23:30 UTC)
    # Sent after June ended: not known at its end, so not in June's report.
    f = {**AT_HOME, **person("F", "Finn", "2011-12-13")}
    put(database, vetter, clock, "F-1", "2026-06-25T20:00", f, sent_at="2026-07-02T10:00:00+01:00")
    send(
        database,
        vetter,
        clock,
        changed(a2, police_classification="absent", sent_at="2026-07-03T10:00:00+01:00"),
    )
    with database.transaction() as session:
        user = UserRecord(
            username="told",
            display_name="Sam Patel",
            role="mash_worker",
            password_hash="x",
            created_at=clock(),
        )
        session.add(user)
        session.flush()
        episode = session.query(EpisodeRecord).filter_by(police_reference="D-1").one()
        session.add(
            ActionCompletion(
                episode_id=episode.id,
                action_type="notify_responsible_authority",
                completed_by_id=user.id,
                completed_at=uk("2026-06-13T09:00").astimezone(UTC),
            )
        )
    clock.now = before


def report(database: Database, month: Month = JUNE, *, for_sharing: bool = False) -> MonthlyReport:
    with database.reading() as session:
        return build(session, month, areas=AREAS, for_sharing=for_sharing)


def cells(r: MonthlyReport, key: str) -> dict[str, list[float | None]]:
    return {label: [c.value for c in row] for label, row in r.table(key).rows}


@pytest.fixture
def june(database: Database, vetter: Vetter, clock: FrozenClock) -> MonthlyReport:
    the_city(database, vetter, clock)
    return report(database)


def test_the_month_is_counted_by_area_exactly(june: MonthlyReport) -> None:
    assert cells(june, "by_area") == {
        "South": [1, 2, 2, 0, 0, 1, 1],
        "East": [2, 2, 1, 1, 1, 0, 1],
        "North, West & Central": [1, 1, 1, 0, 0, 0, 1],
        "Out-of-area placements": [0, 0, 0, 0, 0, 0, 0],
        OTHER_AUTHORITIES: [1, 1, 1, 0, 0, 0, 0],
        "All": [5, 6, 5, 1, 1, 1, 3],
    }


def test_the_month_is_counted_by_looked_after_status_exactly(june: MonthlyReport) -> None:
    assert cells(june, "by_looked_after") == {
        "Looked after": [2, 3, 3, 0, 0, 1, 1],
        "Not looked after": [3, 3, 2, 1, 1, 0, 2],
        "All": [5, 6, 5, 1, 1, 1, 3],
    }


def test_children_placed_here_by_other_authorities_and_whether_they_were_told(
    june: MonthlyReport,
) -> None:
    assert cells(june, "other_authorities") == {"Their home authority": [1, 1, 1]}


def test_each_month_and_the_average_over_the_months_with_data(june: MonthlyReport) -> None:
    trend = cells(june, "trend")
    assert list(trend) == [
        "January 2026",
        "February 2026",
        "March 2026",
        "April 2026",
        "May 2026",
        "June 2026",
        "Monthly average (6 months)",
    ]
    assert [trend[m][:2] for m in list(trend)[:6]] == [
        [1, 1],
        [0, 0],
        [1, 1],
        [0, 0],
        [1, 1],
        [5, 6],
    ]
    assert trend["Monthly average (6 months)"][:2] == [1.3, 1.5]  # 8 children, 9 episodes
    assert dict(june.headline)["Children missing"].text == "5"


def test_what_police_sent_after_the_month_ended_does_not_change_its_report(
    database: Database, vetter: Vetter, clock: FrozenClock
) -> None:
    the_city(database, vetter, clock)
    june, july = report(database), report(database, Month(2026, 7))
    assert cells(june, "by_area")["All"][:4] == [5, 6, 5, 1]  # A-2 still missing, F unknown
    # As known at July's end, June had F's episode too and A-2 had become an absence.
    june_seen_in_july = cells(july, "trend")["June 2026"]
    assert june_seen_in_july[:2] == [6, 7]


def test_return_home_interviews_are_counted_by_team_with_the_success_rate_by_month(
    database: Database, vetter: Vetter, clock: FrozenClock
) -> None:
    the_city(database, vetter, clock)
    back = uk("2026-06-10T12:00").astimezone(UTC)
    hour = timedelta(hours=1)
    # One episode for each task, back 6 hours after the child was last seen: 4 in June in
    # South, 1 in June in East and 2 in May in East (the decisions route them so).
    clock.now = datetime(2026, 8, 1, tzinfo=UTC)
    south = {**LOOKED_AFTER, **person("RS", "Rae", "2012-01-02")}
    east = {**AT_HOME, **person("RE", "Rob", "2012-03-04")}
    for k, (seen, child) in enumerate(
        [("2026-06-10T06:00", south)] * 4
        + [("2026-06-10T06:00", east)]
        + [("2026-05-10T06:00", east)] * 2
    ):
        put(database, vetter, clock, f"R-{k}", seen, child)
    with database.transaction() as session:
        child = session.query(EpisodeRecord).filter_by(police_reference="A-1").one().child_id
        user = session.query(UserRecord).filter_by(username="told").one().id
        episodes = iter(
            session.scalars(
                select(EpisodeRecord.id)
                .where(EpisodeRecord.police_reference.like("R-%"))
                .order_by(EpisodeRecord.police_reference)
            ).all()
        )

        def task(team: str, returned: datetime, referrals: tuple[str, ...] = (), **o: Any) -> None:
            t = InterviewTask(
                child_id=child,
                team=team,
                returned_at=returned,
                due_at=returned + 72 * hour,
                created_at=returned,
                **{"status": "open", **o},
            )
            session.add(t)
            session.add(
                InterviewEpisode(
                    task=t,
                    episode_id=next(episodes),
                    returned_at=returned,
                    added_at=returned,
                    merged=False,
                )
            )
            session.flush()
            for kind in referrals:
                session.add(
                    InterviewReferral(
                        task_id=t.id,
                        kind=kind,
                        made_on=returned + 50 * hour,
                        recorded_by_id=user,
                        recorded_at=returned + 50 * hour,
                    )
                )

        # South: held within 72 hours and successful (two referrals); held late, not successful;
        # offered late and declined; never offered.
        task(
            "South",
            back,
            ("cass_referral", "strategy_discussion_s47"),
            status="held",
            offered_at=back + 2 * hour,
            held_at=back + 48 * hour,
            successful=True,
        )
        task(
            "South",
            back,
            status="held",
            offered_at=back + 10 * hour,
            held_at=back + 80 * hour,
            successful=False,
        )
        task("South", back, status="declined", declined_at=back + 90 * hour)
        task("South", back)
        # East: held within 72 hours, successful, recorded without a separate offer.
        task("East", back, status="held", held_at=back + 30 * hour, successful=True)
        # May: one offered, not successful; one held and successful.
        may = uk("2026-05-10T12:00").astimezone(UTC)
        task("East", may, status="offered", offered_at=may + hour)
        task("East", may, status="held", offered_at=may, held_at=may + hour, successful=True)
    june = report(database)
    interviews = cells(june, "interviews")
    # due, offered, offered in 72h, held, held in 72h, successful, declined, referrals
    assert interviews["South"] == [4, 3, 2, 2, 1, 1, 1, 2]
    assert interviews["East"] == [1, 1, 1, 1, 1, 1, 0, 0]
    assert interviews["North, West & Central"] == [0] * 8
    assert interviews["All"] == [5, 4, 3, 3, 2, 2, 1, 2]
    assert cells(june, "referrals") == {
        "Referral to CASS (Children's Advice and Support Service)": [1],
        "Stepped up from family support": [0],
        "Strategy discussion / section 47 enquiry": [1],
        "All": [2],
    }
    trend = {str(p.month): p.success_rate for p in june.trend}
    assert trend["2026-05"] == 50.0 and trend["2026-06"] == 50.0 and trend["2026-04"] is None
    assert cells(june, "trend")["June 2026"][2:] == [4, 2, 50.0]
    headline = {label: f.text for label, f in june.headline}
    assert headline["Success rate"] == "50%"
    assert headline["Held within 72 hours, of those held"] == "67%"
