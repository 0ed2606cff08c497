"""Possible matches: listing them, and a person's decision to confirm (merge) or reject one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from triage.audit.service import Actor, record
from triage.errors import MatchDecisionError
from triage.identity.matching import live_child_id
from triage.store.tables import (
    ChildIdentifier,
    ChildRecord,
    EpisodeRecord,
    PossibleMatch,
    UserRecord,
)


def list_open(session: Session, *, limit: int = 100, offset: int = 0) -> list[PossibleMatch]:
    return list(
        session.scalars(
            select(PossibleMatch)
            .where(PossibleMatch.status == "open")
            .order_by(PossibleMatch.score.desc(), PossibleMatch.id)
            .limit(limit)
            .offset(offset)
        )
    )


def _open_match(session: Session, match_id: int) -> PossibleMatch:
    match = session.get(PossibleMatch, match_id)
    if match is None:
        raise MatchDecisionError(f"no possible match with id {match_id}")
    if match.status != "open":
        raise MatchDecisionError(f"possible match {match_id} is already {match.status}")
    return match


def confirm(session: Session, match_id: int, *, decided_by: str, now: datetime) -> int:
    """Confirm two records are one child: the newer is merged into the older. Returns the survivor.

    Episodes and identifiers move to the surviving record; the merged record stays, marked with
    `merged_into_id`, so the decision can be traced.
    """
    match = _open_match(session, match_id)
    # Either side may already have been merged by an earlier decision: act on who they are now.
    live = {live_child_id(session, match.child_id), live_child_id(session, match.candidate_id)}
    match.status, match.decided_at, match.decided_by = "confirmed", now, decided_by
    if len(live) == 1:
        session.flush()
        return live.pop()
    survivor, merged = sorted(live)
    session.execute(
        update(EpisodeRecord).where(EpisodeRecord.child_id == merged).values(child_id=survivor)
    )
    session.execute(
        update(ChildIdentifier).where(ChildIdentifier.child_id == merged).values(child_id=survivor)
    )
    session.get_one(ChildRecord, merged).merged_into_id = survivor
    session.flush()
    return survivor


def reject(session: Session, match_id: int, *, decided_by: str, now: datetime) -> None:
    """Record that the two records are different children."""
    match = _open_match(session, match_id)
    match.status, match.decided_at, match.decided_by = "rejected", now, decided_by
    session.flush()


def open_for(session: Session, *, viewer: UserRecord, now: datetime) -> list[PossibleMatch]:
    """`list_open` as a person reads it: the reading is written to the audit trail."""
    record(session, Actor.of(viewer), "list_matches", record_type="match", record_id="-", now=now)
    return list_open(session, limit=100)


def decide(
    session: Session, match_id: int, *, same_child: bool, by: UserRecord, now: datetime
) -> int | None:
    """A person's decision on a possible match, audited: the surviving record's id if they
    are one child (see `confirm`), None if they are two (see `reject`)."""
    if same_child:
        survivor: int | None = confirm(session, match_id, decided_by=by.username, now=now)
    else:
        reject(session, match_id, decided_by=by.username, now=now)
        survivor = None
    record(
        session,
        Actor.of(by),
        "confirm_match" if same_child else "reject_match",
        record_type="match",
        record_id=match_id,
        now=now,
        **({"survivor": survivor} if survivor else {}),
    )
    return survivor
