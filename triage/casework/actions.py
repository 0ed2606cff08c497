"""The actions a decision asks for (RHI offer, strategy discussion, MASE referral, telling a
senior manager of a high, ...) and their completion. An action belongs to the episode: done
once, it stays done when a new decision asks for it again.

When a person raises the level in force to high, the episode asks for the escalation
(`rules/data/escalation.yaml`) from the moment of the raise, as a machine "high" does from the
moment of its decision. An action addressed to a role can be marked done only by that role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage import audit, decisions
from triage.audit import Actor
from triage.decisions.level import levels_in_force
from triage.decisions.models import Action, actions_from_json
from triage.errors import CaseworkRefused
from triage.rules.catalogue import Escalation
from triage.store.tables import ActionCompletion, DecisionRecord, ReviewRecord, UserRecord


@dataclass(frozen=True, slots=True)
class EpisodeAction:
    type: str
    due_at: datetime
    rule_id: str
    role: str | None
    completed_at: datetime | None
    completed_by: str | None
    note: str | None

    def overdue(self, now: datetime) -> bool:
        return self.completed_at is None and self.due_at < now


def _asked(
    session: Session, decision: DecisionRecord | None, episode_id: int, escalation: Escalation
) -> list[Action]:
    """What the episode asks for now: the newest decision's actions, and the escalation if a
    person's review set the high that is in force."""
    asked = list(decisions.read(decision).actions) if decision else []
    level = levels_in_force(session, [episode_id]).get(episode_id)
    if level is None or level.level is not escalation.level:
        return asked
    if any(a.type == escalation.action for a in asked):
        return asked
    raise_ = session.scalar(
        select(ReviewRecord)
        .where(
            ReviewRecord.episode_id == episode_id,
            ReviewRecord.reviewed_level == escalation.level.value,
        )
        .order_by(ReviewRecord.id.desc())
        .limit(1)
    )
    since = raise_.created_at if raise_ else decision.as_of if decision else None
    return asked if since is None else [*asked, escalation.action_from(since)]


def actions_of(session: Session, episode_id: int, escalation: Escalation) -> list[EpisodeAction]:
    """What the episode asks for, soonest first, with what has been done."""
    decision = decisions.newest(session, episode_id)
    done = {
        c.action_type: c
        for c in session.scalars(
            select(ActionCompletion).where(ActionCompletion.episode_id == episode_id)
        )
    }
    actions = [
        EpisodeAction(
            type=a.type,
            due_at=a.due_at,
            rule_id=a.rule_id,
            role=a.role,
            completed_at=completion.completed_at if completion else None,
            completed_by=completion.completed_by.display_name if completion else None,
            note=completion.note if completion else None,
        )
        for a in _asked(session, decision, episode_id, escalation)
        for completion in [done.get(a.type)]
    ]
    return sorted(actions, key=lambda a: (a.due_at, a.type))


def open_actions(session: Session, newest: dict[int, int]) -> dict[int, list[tuple[str, datetime]]]:
    """For each episode in `newest` (episode id to its newest decision's id), that decision's
    actions not yet done, as (type, due time), soonest first. Two queries, reading only the
    decisions' actions, for lists of many episodes."""
    if not newest:
        return {}
    asked = session.execute(
        select(DecisionRecord.episode_id, DecisionRecord.body["actions"]).where(
            DecisionRecord.id.in_(sorted(set(newest.values())))
        )
    )
    done: set[tuple[int, str]] = set(
        session.execute(
            select(ActionCompletion.episode_id, ActionCompletion.action_type).where(
                ActionCompletion.episode_id.in_(sorted(newest))
            )
        )
    )
    return {
        episode_id: sorted(
            (
                (a.type, a.due_at)
                for a in actions_from_json(actions)
                if (episode_id, a.type) not in done
            ),
            key=lambda found: (found[1], found[0]),
        )
        for episode_id, actions in asked
    }


def overdue_actions(
    session: Session, episode_ids: list[int], now: datetime
) -> dict[int, list[str]]:
    """For each of these episodes, the types of its newest decision's actions that are past due
    and not done."""
    if not episode_ids:
        return {}
    newest = {
        episode_id: decision_id
        for episode_id, decision_id in session.execute(
            select(DecisionRecord.episode_id, DecisionRecord.id)
            .where(DecisionRecord.episode_id.in_(episode_ids))
            .order_by(DecisionRecord.as_of, DecisionRecord.id)
        )
    }
    return {
        episode_id: [type_ for type_, due_at in found if due_at < now]
        for episode_id, found in open_actions(session, newest).items()
    }


def complete(
    session: Session,
    *,
    police_reference: str,
    action_type: str,
    by: UserRecord,
    note: str | None,
    escalation: Escalation,
    now: datetime,
) -> ActionCompletion:
    from triage.casework.reviews import episode_by_reference, written

    episode = episode_by_reference(session, police_reference)
    wanted = {a.type: a for a in actions_of(session, episode.id, escalation)}
    if action_type not in wanted:
        asked = ", ".join(wanted) or "nothing"
        raise CaseworkRefused(
            "action_type",
            f"{police_reference} does not ask for {action_type!r} (it asks for {asked})",
        )
    action = wanted[action_type]
    if action.completed_at is not None:
        raise CaseworkRefused("action_type", f"{action_type!r} is already done")
    if action.role is not None and by.role != action.role:
        raise CaseworkRefused(
            "action_type",
            f"{action_type!r} is for the {action.role.replace('_', ' ')} to mark done",
        )
    completion = ActionCompletion(
        episode_id=episode.id,
        action_type=action_type,
        completed_by_id=by.id,
        note=written(note, field="note"),
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
