"""The monthly report for a person: who may read which version, and the audit entry.

Panel chairs and senior managers read the full report, or the version for sharing if they
ask; analysts and admins (who run the service and read no child's records) always read the
version for sharing (small numbers suppressed). Every read
is audited (the month and the version; a report holds no child's details).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.accounts.roles import Role
from triage.audit.service import Actor, record
from triage.interviews.service import rules_of
from triage.reports.monthly import DUE_HOURS, MonthlyReport, build
from triage.reports.months import Month
from triage.rules.catalogue import Ruleset
from triage.store.tables import EpisodeRecord, UserRecord

READERS = frozenset({Role.PANEL_CHAIR, Role.SENIOR_MANAGER, Role.ANALYST, Role.ADMIN})
ALWAYS_FOR_SHARING = frozenset({Role.ANALYST, Role.ADMIN})


def area_teams(teams: dict[str, str]) -> list[str]:
    """The routing table's teams (postcode district -> team), each once, in its order."""
    return list(dict.fromkeys(teams.values()))


def due_hours(ruleset: Ruleset) -> float:
    """The hours an interview is due in after a return (`rhi_due_hours`)."""
    return rules_of(ruleset).due_hours


def default_month(session: Session, *, now: datetime) -> Month:
    """The month a page opens on: the last whole month, or the month of the newest episode the
    store holds if that is earlier (a store loaded with an older history)."""
    last_whole = Month.of(now).plus(-1)
    newest = session.scalar(select(func.max(EpisodeRecord.last_seen_at)))
    return min(last_whole, Month.of(newest)) if newest is not None else last_whole


def monthly_for(
    session: Session,
    month: Month,
    *,
    viewer: UserRecord,
    areas: Sequence[str],
    for_sharing: bool,
    now: datetime,
    due_hours: float = DUE_HOURS,
) -> MonthlyReport:
    """The report `viewer` may read for `month` (the version for sharing if they asked, and
    always for an analyst or an admin), audited."""
    sharing = for_sharing or Role(viewer.role) in ALWAYS_FOR_SHARING
    report = build(session, month, areas=areas, for_sharing=sharing, due_hours=due_hours)
    record(
        session,
        Actor.of(viewer),
        "read_monthly_report",
        record_type="report",
        record_id=str(month),
        now=now,
        for_sharing=sharing,
    )
    return report
