"""Which child a notification is about.

The ladder, strongest first: the council's local child id; the police person id; the normalised
name with the date of birth. A near miss (a typo in a name, day and month of birth swapped, one
digit of the date wrong) is never merged: a new child record is made and a *possible match* is
raised for a person to confirm or reject. Conflicting identifiers are raised the same way.

The ladder asks its questions of a `Directory` (`triage.identity.directory`): the store one
query at a time, or a chunk's answers read ahead; the ladder is the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from triage.identity.directory import (
    LOCAL_CHILD_ID,
    POLICE_PERSON_ID,
    Directory,
    Row,
    identifiers_of,
)
from triage.identity.names import dates_nearly_equal, name_key, similarity, swapped_day_month
from triage.notification import Child
from triage.store.tables import PossibleMatch

__all__ = [
    "LOCAL_CHILD_ID",
    "POLICE_PERSON_ID",
    "Candidate",
    "Directory",
    "Resolution",
    "claim_identifiers",
    "identifiers_of",
    "live_child_id",
    "lock_identity",
    "owner_of",
    "record_possible_matches",
    "resolve_child",
]

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


def owner_of(session: Session, kind: str, value: str) -> int | None:
    """The live child holding an identifier (following confirmed merges)."""
    return Directory(session).owner(kind, value)


def live_child_id(session: Session, child_id: int) -> int:
    """Follow `merged_into_id` to the record that now stands for the child."""
    return Directory(session).live(child_id)


def lock_identity(session: Session, child: Child) -> None:
    """Take intake's lock on this child's identity until the transaction ends (PostgreSQL)."""
    Directory(session).lock([child])


def resolve_child(directory: Directory, child: Child, *, now: datetime) -> Resolution:
    """Find or create the child record for `child`; never merges on a fuzzy match."""
    key = name_key(child.given_name, child.family_name)
    owners: dict[str, int] = {}
    for kind, value in identifiers_of(child):
        if (owner := directory.owner(kind, value)) is not None:
            owners[kind] = owner
    if _holds_another_local_id(directory, owners.get(POLICE_PERSON_ID), child.local_child_id):
        # The council knows these as two children; the police id conflict goes to a person.
        owners.pop(POLICE_PERSON_ID)

    if owners:
        method = LOCAL_CHILD_ID if LOCAL_CHILD_ID in owners else POLICE_PERSON_ID
        resolution = Resolution(owners[method], method)
        resolution.note = _disagreement(directory, resolution.child_id, key, child)
    else:
        alike = directory.alike(key, child.date_of_birth)
        exact = sorted(c for c, k, born in alike if k == key and born == child.date_of_birth)
        if exact and not _holds_another_local_id(directory, exact[0], child.local_child_id):
            resolution = Resolution(exact[0], "name_and_date_of_birth")
        elif exact:
            # Same name and birthday, but the council holds them as two children: ask a person.
            resolution = Resolution(directory.create(child, key, now), "new")
            resolution.possible_matches = [
                Candidate(exact[0], 95.0, "same name and date of birth, different council ids")
            ]
        else:
            resolution = Resolution(directory.create(child, key, now), "new")
            resolution.possible_matches = _fuzzy_candidates(alike, key, child)

    claim_identifiers(directory, resolution, child)
    record_possible_matches(directory, resolution, now)
    return resolution


def _holds_another_local_id(
    directory: Directory, child_id: int | None, local_id: str | None
) -> bool:
    if child_id is None or local_id is None:
        return False
    held = directory.local_ids(child_id)
    return bool(held) and local_id not in held


def _fuzzy_candidates(alike: list[Row], key: str, child: Child) -> list[Candidate]:
    """Near misses among the records alike (read before this child's own was made)."""
    dob = child.date_of_birth
    candidates = []
    for child_id, other_key, other_dob in alike:
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


def _disagreement(directory: Directory, child_id: int, key: str, child: Child) -> str | None:
    held_key, born = directory.record(child_id)
    score = similarity(key, held_key)
    problems = []
    if score < NAME_DISAGREES_BELOW:
        problems.append(f"name differs from the child's record (similarity {score:.0f}/100)")
    if born != child.date_of_birth:
        problems.append("date of birth differs from the child's record")
    return "; ".join(problems) or None


def claim_identifiers(directory: Directory, resolution: Resolution, child: Child) -> None:
    """Give the child any identifier not yet held; one held by another child is a conflict."""
    for kind, value in identifiers_of(child):
        owner = directory.owner(kind, value)
        if owner is None:
            directory.claim(resolution.child_id, kind, value)
        elif owner != resolution.child_id:
            resolution.possible_matches.append(
                Candidate(owner, 100.0, f"{kind.replace('_', ' ')} is held by this other child")
            )


def record_possible_matches(directory: Directory, resolution: Resolution, now: datetime) -> None:
    for candidate in resolution.possible_matches:
        pair = sorted((resolution.child_id, candidate.child_id))
        if not directory.match_held(pair[1], pair[0]):
            directory.add_match(
                PossibleMatch(
                    child_id=pair[1],
                    candidate_id=pair[0],
                    score=round(candidate.score, 1),
                    reason=candidate.reason,
                    status="open",
                    created_at=now,
                )
            )
