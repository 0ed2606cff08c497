"""The actions a decision asks for (RHI offer, strategy discussion, MASE referral, ...) and
their completion. An action belongs to the episode: done once, it stays done when a new version
of the notification asks for it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit
from triage.audit import Actor
from triage.casework.reviews import episode_by_reference, latest_decision
from triage.errors import CaseworkRefused
from triage.store.tables import ActionCompletion, UserRecord


@dataclass(frozen=True, slots=True)
class EpisodeAction:
    type: str
    due_at: datetime
    rule_id: str
    completed_at: datetime | None
    completed_by: str | None
    note: str | None

    def overdue(self, now: datetime) -> bool:
        return self.completed_at is None and self.due_at < now


def actions_of(session: Session, episode_id: int) -> list[EpisodeAction]:
    """What the newest decision asks for, soonest first, with what has been done."""
    decision = latest_decision(session, episode_id)
    if decision is None:
        return []
    done = {
        c.action_type: c
        for c in session.scalars(
            select(ActionCompletion).where(ActionCompletion.episode_id == episode_id)
        )
    }
    actions = [
        EpisodeAction(
            type=a["type"],
            due_at=datetime.fromisoformat(a["due_at"]),
            rule_id=a["rule_id"],
            completed_at=completion.completed_at if completion else None,
            completed_by=completion.completed_by.display_name if completion else None,
            note=completion.note if completion else None,
        )
        for a in decision.body.get("actions", [])
        for completion in [done.get(a["type"])]
    ]
    return sorted(actions, key=lambda a: a.due_at)


def complete(
    session: Session,
    *,
    police_reference: str,
    action_type: str,
    by: UserRecord,
    note: str | None,
    now: datetime,
) -> ActionCompletion:
    episode = episode_by_reference(session, police_reference)
    wanted = {a.type: a for a in actions_of(session, episode.id)}
    if action_type not in wanted:
        asked = ", ".join(wanted) or "nothing"
        raise CaseworkRefused(
            "action_type",
            f"{police_reference} does not ask for {action_type!r} (it asks for {asked})",
        )
    if wanted[action_type].completed_at is not None:
        raise CaseworkRefused("action_type", f"{action_type!r} is already done")
    completion = ActionCompletion(
        episode_id=episode.id,
        action_type=action_type,
        completed_by_id=by.id,
        note=(note or "").strip() or None,
        completed_at=now,
    )
    session.add(completion)
    session.flush()
    audit.record(
        session,
        Actor.of(by),
        "complete_action",
        record_type="episode",
        record_id=police_reference,
        now=now,
        action_type=action_type,
    )
    return completion
