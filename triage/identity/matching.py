"""Which child a notification is about.

The ladder, strongest first: the council's local child id; the police person id; the normalised
name with the date of birth. A near miss (a typo in a name, day and month of birth swapped, one
digit of the date wrong) is never merged: a new child record is made and a *possible match* is
raised for a person to confirm or reject. Conflicting identifiers are raised the same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from triage.identity.names import dates_nearly_equal, name_key, similarity, swapped_day_month
from triage.notification import Child
from triage.store.tables import ChildIdentifier, ChildRecord, PossibleMatch

LOCAL_CHILD_ID = "local_child_id"
POLICE_PERSON_ID = "police_person_id"

# Below this name similarity a same-date-of-birth record is a different child, not a typo.
FUZZY_NAME_THRESHOLD = 80.0
# Matched by an identifier, yet the name is this unlike the record: say so on the episode.
NAME_DISAGREES_BELOW = 60.0
MAX_CANDIDATES = 3


@dataclass(frozen=True, slots=True)
class Candidate:
    child_id: int
    score: float
    reason: str


@dataclass(slots=True)
class Resolution:
    """The child a notification was matched to, how, and what a person should look at."""

    child_id: int
    method: str
    note: str | None = None
    possible_matches: list[Candidate] = field(default_factory=list)


def identifiers_of(child: Child) -> list[tuple[str, str]]:
    pairs = [(LOCAL_CHILD_ID, child.local_child_id), (POLICE_PERSON_ID, child.police_person_id)]
    return [(kind, value) for kind, value in pairs if value]


def owner_of(session: Session, kind: str, value: str) -> int | None:
    """The live child holding an identifier (following confirmed merges)."""
    child_id = session.scalar(
        select(ChildIdentifier.child_id).where(
            ChildIdentifier.kind == kind, ChildIdentifier.value == value
        )
    )
    return live_child_id(session, child_id) if child_id is not None else None


def live_child_id(session: Session, child_id: int) -> int:
    """Follow `merged_into_id` to the record that now stands for the child."""
    seen = {child_id}
    while (merged := session.get_one(ChildRecord, child_id).merged_into_id) is not None:
        if merged in seen:
            raise RuntimeError(f"merge cycle at child {child_id}")
        seen.add(merged)
        child_id = merged
    return child_id


def lock_identity(session: Session, child: Child) -> None:
    """Take intake's lock on this child's identity until the transaction ends (PostgreSQL).

    Two notifications about a child we have not seen, arriving together, would each find no
    record and each make one. Every key the ladder matches on (each identifier, the name with
    the date of birth) is locked, in one order, so the second waits and then finds the first's
    record. SQLite needs none: it lets one writer at a time, and intake retries the other."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = [f"{kind}:{value}" for kind, value in identifiers_of(child)]
    keys.append(f"name:{name_key(child.given_name, child.family_name)}:{child.date_of_birth}")
    numbers = sorted({_lock_number(key) for key in keys})
    session.execute(
        text("SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(:keys) AS k ORDER BY k) AS o"),
        {"keys": numbers},
    )


def _lock_number(key: str) -> int:
    """A signed 64-bit number for an advisory lock (collisions only serialise two children)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def resolve_child(session: Session, child: Child, *, now: datetime) -> Resolution:
    """Find or create the child record for `child`; never merges on a fuzzy match."""
    key = name_key(child.given_name, child.family_name)
    owners: dict[str, int] = {}
    for kind, value in identifiers_of(child):
        if (owner := owner_of(session, kind, value)) is not None:
            owners[kind] = owner
    if _holds_another_local_id(session, owners.get(POLICE_PERSON_ID), child.local_child_id):
        # The council knows these as two children; the police id conflict goes to a person.
        owners.pop(POLICE_PERSON_ID)

    if owners:
        method = LOCAL_CHILD_ID if LOCAL_CHILD_ID in owners else POLICE_PERSON_ID
        resolution = Resolution(owners[method], method)
        resolution.note = _disagreement(session, resolution.child_id, key, child)
    else:
        exact = _exact_name_and_birth(session, key, child)
        if exact and not _holds_another_local_id(session, exact[0], child.local_child_id):
            resolution = Resolution(exact[0], "name_and_date_of_birth")
        elif exact:
            # Same name and birthday, but the council holds them as two children: ask a person.
            record = _create(session, child, key, now)
            resolution = Resolution(record.id, "new")
            resolution.possible_matches = [
                Candidate(exact[0], 95.0, "same name and date of birth, different council ids")
            ]
        else:
            record = _create(session, child, key, now)
            resolution = Resolution(record.id, "new")
            resolution.possible_matches = _fuzzy_candidates(session, record.id, key, child)

    claim_identifiers(session, resolution, child)
    record_possible_matches(session, resolution, now)
    return resolution


def _holds_another_local_id(session: Session, child_id: int | None, local_id: str | None) -> bool:
    if child_id is None or local_id is None:
        return False
    held = session.scalars(
        select(ChildIdentifier.value).where(
            ChildIdentifier.child_id == child_id, ChildIdentifier.kind == LOCAL_CHILD_ID
        )
    ).all()
    return bool(held) and local_id not in held


def _exact_name_and_birth(session: Session, key: str, child: Child) -> list[int]:
    return list(
        session.scalars(
            select(ChildRecord.id)
            .where(
                ChildRecord.name_key == key,
                ChildRecord.date_of_birth == child.date_of_birth,
                ChildRecord.merged_into_id.is_(None),
            )
            .order_by(ChildRecord.id)
        )
    )


def _create(session: Session, child: Child, key: str, now: datetime) -> ChildRecord:
    record = ChildRecord(
        given_name=child.given_name,
        family_name=child.family_name,
        name_key=key,
        date_of_birth=child.date_of_birth,
        sex=child.sex,
        ethnicity=child.ethnicity,
        created_at=now,
    )
    session.add(record)
    session.flush()
    return record


def _fuzzy_candidates(session: Session, own_id: int, key: str, child: Child) -> list[Candidate]:
    dob = child.date_of_birth
    births = [dob] + ([swapped] if (swapped := swapped_day_month(dob)) else [])
    rows = session.execute(
        select(ChildRecord.id, ChildRecord.name_key, ChildRecord.date_of_birth).where(
            ChildRecord.id != own_id,
            ChildRecord.merged_into_id.is_(None),
            or_(ChildRecord.date_of_birth.in_(births), ChildRecord.name_key == key),
        )
    ).all()
    candidates = []
    for child_id, other_key, other_dob in rows:
        score = similarity(key, other_key)
        if other_dob == dob:
            if score >= FUZZY_NAME_THRESHOLD:
                candidates.append(
                    Candidate(child_id, score, f"same date of birth, name alike ({score:.0f}/100)")
                )
        elif other_key == key and dates_nearly_equal(dob, other_dob):
            how = "day and month swapped" if other_dob == swapped_day_month(dob) else "one digit"
            candidates.append(
                Candidate(child_id, 90.0, f"same name, date of birth differs ({how})")
            )
        elif other_dob == swapped_day_month(dob) and score >= FUZZY_NAME_THRESHOLD:
            candidates.append(
                Candidate(child_id, score - 10, "name alike and day and month of birth swapped")
            )
    candidates.sort(key=lambda c: (-c.score, c.child_id))
    return candidates[:MAX_CANDIDATES]


def _disagreement(session: Session, child_id: int, key: str, child: Child) -> str | None:
    record = session.get_one(ChildRecord, child_id)
    score = similarity(key, record.name_key)
    problems = []
    if score < NAME_DISAGREES_BELOW:
        problems.append(f"name differs from the child's record (similarity {score:.0f}/100)")
    if record.date_of_birth != child.date_of_birth:
        problems.append("date of birth differs from the child's record")
    return "; ".join(problems) or None


def claim_identifiers(session: Session, resolution: Resolution, child: Child) -> None:
    """Give the child any identifier not yet held; one held by another child is a conflict."""
    for kind, value in identifiers_of(child):
        owner = owner_of(session, kind, value)
        if owner is None:
            session.add(ChildIdentifier(child_id=resolution.child_id, kind=kind, value=value))
        elif owner != resolution.child_id:
            resolution.possible_matches.append(
                Candidate(owner, 100.0, f"{kind.replace('_', ' ')} is held by this other child")
            )
    session.flush()


def record_possible_matches(session: Session, resolution: Resolution, now: datetime) -> None:
    for candidate in resolution.possible_matches:
        pair = sorted((resolution.child_id, candidate.child_id))
        exists = session.scalar(
            select(PossibleMatch.id).where(
                PossibleMatch.child_id == pair[1], PossibleMatch.candidate_id == pair[0]
            )
        )
        if exists is None:
            session.add(
                PossibleMatch(
                    child_id=pair[1],
                    candidate_id=pair[0],
                    score=round(candidate.score, 1),
                    reason=candidate.reason,
                    status="open",
                    created_at=now,
                )
            )
    session.flush()
