"""The store read once into two pandas frames that every monitoring measure works from.

`episodes`: one row per vetted episode. The groups fairness is judged by (sex, ethnicity, age
band, looked-after, area), the newest decision's vetted level and score (what stands for the
machine now), the level and earliest deadline of the first decision (what a person saw on
arrival), when the first version arrived and when a person first reviewed the episode, and the
outcome where one is known (`known`, `not_yet_known`, `unlabelled`).

`reviews`: one row per decision a person reviewed, from its first review: the machine's level,
the reviewer's, whether that is an override (a level that differs from the machine's) and which
way, the rules that fired, the team and the reviewer (a keyed pseudonym, or their name for an
admin). A confirmation made by settling an older notification with a newer one's review
(`settled_with_newer`) is no one's judgement of that decision and is left out.

No police reference, name, date of birth, address or free text reaches either frame; children
and episodes are keyed pseudonyms.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.analysis.groups import age_band
from triage.analysis.outcomes import SETTLE_DAYS
from triage.analysis.pseudonymised import Pseudonymiser
from triage.casework.reasons import SETTLED
from triage.decisions.models import actions_from_json
from triage.notification.models import age_on
from triage.notification.vocabulary import LegalStatus, RiskGrade
from triage.store.tables import (
    DecisionRecord,
    EpisodeRecord,
    NotificationVersion,
    ReviewRecord,
    UserRecord,
)

GROUPS = ("sex", "ethnicity", "age_band", "looked_after", "area")
EPISODE_COLUMNS = (
    "episode",
    "child",
    "month",
    *GROUPS,
    "vetted_level",
    "score_band",
    "probability",
    "first_level",
    "arrived_at",
    "first_deadline_at",
    "first_reviewed_at",
    "outcome",
    "outcome_status",
)
REVIEW_COLUMNS = (
    "episode",
    "month",
    *GROUPS,
    "team",
    "worker",
    "rules_fired",
    "machine_level",
    "reviewed_level",
    "overridden",
    "up",
    "down",
    "reviewed_at",
)


def _utc(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _groups(payload: Mapping[str, Any], team: str) -> dict[str, Any]:
    child, episode = payload["child"], payload["episode"]
    reported = date.fromisoformat(str(episode["reported_at"])[:10])
    born = date.fromisoformat(str(child["date_of_birth"]))
    return {
        "month": reported.strftime("%Y-%m"),
        "sex": str(child.get("sex", "not_known")),
        "ethnicity": str(child.get("ethnicity", "not_stated")),
        "age_band": age_band(age_on(born, reported)),
        "looked_after": "looked after"
        if child.get("legal_status") == LegalStatus.LOOKED_AFTER.value
        else "not looked after",
        "area": team,
    }


def read_episodes(
    session: Session,
    pseudonyms: Pseudonymiser,
    *,
    outcomes: Mapping[str, bool] | None,
    known_at: datetime,
    settle_days: int = SETTLE_DAYS,
) -> pd.DataFrame:
    """One row per vetted episode (see the module's docstring). `outcomes` by police reference
    (`triage.analysis.outcomes.read_outcomes`); an episode last seen under `settle_days` before
    `known_at` is `not_yet_known` whatever its label says."""
    arrived = dict(
        session.execute(
            select(
                NotificationVersion.episode_id, func.min(NotificationVersion.received_at)
            ).group_by(NotificationVersion.episode_id)
        ).all()
    )
    reviewed = dict(
        session.execute(
            select(ReviewRecord.episode_id, func.min(ReviewRecord.created_at)).group_by(
                ReviewRecord.episode_id
            )
        ).all()
    )
    rows = session.execute(
        select(
            DecisionRecord.episode_id,
            DecisionRecord.as_of,
            DecisionRecord.decided_at,
            DecisionRecord.id,
            DecisionRecord.vetted_level,
            DecisionRecord.team,
            DecisionRecord.body,
            NotificationVersion.payload,
            EpisodeRecord.child_id,
            EpisodeRecord.police_reference,
            EpisodeRecord.last_seen_at,
        )
        .join(NotificationVersion, NotificationVersion.id == DecisionRecord.version_id)
        .join(EpisodeRecord, EpisodeRecord.id == DecisionRecord.episode_id)
        .order_by(DecisionRecord.episode_id, DecisionRecord.decided_at, DecisionRecord.id)
    ).all()
    firsts: dict[int, Any] = {}
    newest: dict[int, Any] = {}
    for row in rows:
        firsts.setdefault(row.episode_id, row)
        # The newest decision speaks for the latest moment (as_of, then the order made), as the
        # level in force defines it: a late re-vet of an older version never displaces it.
        held = newest.get(row.episode_id)
        if held is None or (row.as_of, row.id) >= (held.as_of, held.id):
            newest[row.episode_id] = row
    settled = known_at - timedelta(days=settle_days)
    out = []
    for episode_id, row in newest.items():
        first = firsts[episode_id]
        deadlines = [a.due_at for a in actions_from_json(first.body.get("actions"))]
        score = row.body.get("score")
        label = None if outcomes is None else outcomes.get(row.police_reference)
        if label is None:
            status = "unlabelled"
        elif _utc(row.last_seen_at) > settled:
            status, label = "not_yet_known", None
        else:
            status = "known"
        first_review = reviewed.get(episode_id)
        out.append(
            {
                "episode": pseudonyms.episode(episode_id),
                "child": pseudonyms.child(row.child_id),
                **_groups(row.payload, row.team),
                "vetted_level": row.vetted_level,
                "score_band": score["band"] if score else None,
                "probability": float(score["probability"]) if score else None,
                "first_level": first.vetted_level,
                "arrived_at": _utc(arrived[episode_id]),
                "first_deadline_at": min(deadlines) if deadlines else None,
                "first_reviewed_at": _utc(first_review) if first_review else None,
                "outcome": label,
                "outcome_status": status,
            }
        )
    frame = pd.DataFrame(out, columns=list(EPISODE_COLUMNS))
    for column in ("arrived_at", "first_deadline_at", "first_reviewed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def read_reviews(
    session: Session, pseudonyms: Pseudonymiser, *, worker_names: bool = False
) -> pd.DataFrame:
    """One row per reviewed decision, from its first review (see the module's docstring).
    `worker_names`: the reviewer's name (for admins) instead of a keyed pseudonym."""
    first = (
        select(func.min(ReviewRecord.id).label("id"))
        .where(ReviewRecord.reason_code != SETTLED)
        .group_by(ReviewRecord.decision_id)
        .subquery("first_review")
    )
    rows = session.execute(
        select(
            ReviewRecord.episode_id,
            ReviewRecord.reviewer_id,
            ReviewRecord.machine_level,
            ReviewRecord.reviewed_level,
            ReviewRecord.created_at,
            UserRecord.display_name,
            DecisionRecord.team,
            DecisionRecord.body,
            NotificationVersion.payload,
        )
        .join(first, first.c.id == ReviewRecord.id)
        .join(UserRecord, UserRecord.id == ReviewRecord.reviewer_id)
        .join(DecisionRecord, DecisionRecord.id == ReviewRecord.decision_id)
        .join(NotificationVersion, NotificationVersion.id == DecisionRecord.version_id)
        .order_by(ReviewRecord.id)
    ).all()
    out = []
    for row in rows:
        machine, person = RiskGrade(row.machine_level), RiskGrade(row.reviewed_level)
        out.append(
            {
                "episode": pseudonyms.episode(row.episode_id),
                **_groups(row.payload, row.team),
                "team": row.team,
                "worker": row.display_name if worker_names else pseudonyms.worker(row.reviewer_id),
                "rules_fired": sorted({r["rule_id"] for r in row.body.get("reasons") or []}),
                "machine_level": machine.value,
                "reviewed_level": person.value,
                "overridden": person is not machine,
                "up": person.rank > machine.rank,
                "down": person.rank < machine.rank,
                "reviewed_at": _utc(row.created_at),
            }
        )
    frame = pd.DataFrame(out, columns=list(REVIEW_COLUMNS))
    frame["reviewed_at"] = pd.to_datetime(frame["reviewed_at"], utc=True)
    for column in ("overridden", "up", "down"):
        frame[column] = frame[column].astype(bool)
    return frame
