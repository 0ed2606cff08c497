"""What identity matching reads and writes: one query at a time, or a chunk's in a few queries.

`Directory` asks the store each question as it comes (the service path: one notification per
transaction). `ChunkDirectory` gives the same answers for a chunk of notifications loaded in one
transaction (`triage load`): it reads everything the chunk can ask about in a handful of
set-based queries up front and keeps its answers up to date as the chunk creates children and
claims identifiers. Anything it did not read ahead it asks the store, so an answer is never
stale or missing; the matching ladder (`triage.identity.matching`) is the same code for both.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from triage.identity.names import name_key, swapped_day_month
from triage.notification import Child
from triage.store.ids import Ids
from triage.store.tables import ChildIdentifier, ChildRecord, PossibleMatch

LOCAL_CHILD_ID = "local_child_id"
POLICE_PERSON_ID = "police_person_id"

Row = tuple[int, str, date]  # a live child record: id, name key, date of birth


class Identified(Protocol):
    """A child or a companion: whatever carries the identifiers the ladder matches on."""

    @property
    def local_child_id(self) -> str | None: ...
    @property
    def police_person_id(self) -> str | None: ...


def identifiers_of(child: Identified) -> list[tuple[str, str]]:
    pairs = [(LOCAL_CHILD_ID, child.local_child_id), (POLICE_PERSON_ID, child.police_person_id)]
    return [(kind, value) for kind, value in pairs if value]


def births_of(born: date) -> list[date]:
    """The dates of birth a near match may carry: the date itself, and day and month swapped."""
    return [born] + ([swapped] if (swapped := swapped_day_month(born)) else [])


def _lock_number(key: str) -> int:
    """A signed 64-bit number for an advisory lock (collisions only serialise two children)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


class Directory:
    """Who is who, asked of the store one question at a time."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, children: Iterable[Child]) -> None:
        """Take intake's lock on these children's identities until the transaction ends.

        Two notifications about a child we have not seen, arriving together, would each find
        no record and each make one. Every key the ladder matches on (each identifier, the name
        with the date of birth) is locked, all in one order, so the second waits and then finds
        the first's record. SQLite needs none: it lets one writer at a time."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        keys: set[str] = set()
        for child in children:
            keys.update(f"{kind}:{value}" for kind, value in identifiers_of(child))
            keys.add(f"name:{name_key(child.given_name, child.family_name)}:{child.date_of_birth}")
        # Advisory locks are the whole database's: the schema's own hash is mixed in, so two
        # stores sharing a database (a training copy beside the live one) never wait on each other.
        self.session.execute(
            text(
                "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT"
                " unnest(:keys) # hashtextextended(current_schema(), 0) AS k ORDER BY k) o"
            ),
            {"keys": sorted({_lock_number(key) for key in keys})},
        )

    def live(self, child_id: int) -> int:
        """Follow `merged_into_id` to the record that now stands for the child."""
        seen = {child_id}
        while (merged := self.merged_into(child_id)) is not None:
            if merged in seen:
                raise RuntimeError(f"merge cycle at child {child_id}")
            seen.add(merged)
            child_id = merged
        return child_id

    def merged_into(self, child_id: int) -> int | None:
        return self.session.get_one(ChildRecord, child_id).merged_into_id

    def holder(self, kind: str, value: str) -> int | None:
        """The record an identifier was given to (before following merges)."""
        return self.session.scalar(
            select(ChildIdentifier.child_id).where(
                ChildIdentifier.kind == kind, ChildIdentifier.value == value
            )
        )

    def owner(self, kind: str, value: str) -> int | None:
        """The live child holding an identifier (following confirmed merges)."""
        child_id = self.holder(kind, value)
        return self.live(child_id) if child_id is not None else None

    def local_ids(self, child_id: int) -> list[str]:
        return list(
            self.session.scalars(
                select(ChildIdentifier.value).where(
                    ChildIdentifier.child_id == child_id, ChildIdentifier.kind == LOCAL_CHILD_ID
                )
            )
        )

    def record(self, child_id: int) -> tuple[str, date]:
        """A child record's name key and date of birth."""
        child = self.session.get_one(ChildRecord, child_id)
        return child.name_key, child.date_of_birth

    def alike(self, key: str, born: date) -> list[Row]:
        """Live records with this name key or one of the dates of birth a near match may carry."""
        return [
            (child, other_key, other_born)
            for child, other_key, other_born in self.session.execute(
                select(ChildRecord.id, ChildRecord.name_key, ChildRecord.date_of_birth).where(
                    ChildRecord.merged_into_id.is_(None),
                    or_(
                        ChildRecord.date_of_birth.in_(births_of(born)),
                        ChildRecord.name_key == key,
                    ),
                )
            )
        ]

    def create(self, child: Child, key: str, now: datetime) -> int:
        record = ChildRecord(**_child_values(child, key, now))
        self.session.add(record)
        self.session.flush()
        return record.id

    def claim(self, child_id: int, kind: str, value: str) -> None:
        self.session.add(ChildIdentifier(child_id=child_id, kind=kind, value=value))
        self.session.flush()

    def match_held(self, child_id: int, candidate_id: int) -> bool:
        return (
            self.session.scalar(
                select(PossibleMatch.id).where(
                    PossibleMatch.child_id == child_id, PossibleMatch.candidate_id == candidate_id
                )
            )
            is not None
        )

    def add_match(self, match: PossibleMatch) -> None:
        self.session.add(match)
        self.session.flush()


class ChunkDirectory(Directory):
    """The same answers for a chunk's notifications, read ahead in a few set-based queries.

    It takes the chunk's identity locks before it reads, so no other intake can create or claim
    these children meanwhile: what it read stays true but for its own writes, which it records
    as it makes them."""

    def __init__(
        self,
        session: Session,
        children: Sequence[Child],
        *,
        also: Iterable[Identified] = (),
        ids: Ids | None = None,
    ) -> None:
        """Read ahead for these children, and for the identifiers of `also` (companions). New
        records take their ids from `ids` and wait in the session to be flushed in one batch."""
        super().__init__(session)
        self.ids = ids or Ids(session)
        # Locked before anything is read: what is read is then true until the chunk commits.
        self.lock(children)
        pairs = {pair for child in [*children, *also] for pair in identifiers_of(child)}
        self._holders: dict[tuple[str, str], int | None] = dict.fromkeys(pairs)
        grouped = _by_kind(pairs)
        held = (
            session.execute(
                select(ChildIdentifier.kind, ChildIdentifier.value, ChildIdentifier.child_id).where(
                    or_(
                        *(
                            (ChildIdentifier.kind == kind) & ChildIdentifier.value.in_(values)
                            for kind, values in grouped.items()
                        )
                    )
                )
            )
            if grouped
            else ()
        )
        for kind, value, child_id in held:
            self._holders[(kind, value)] = child_id
        self._keys = {name_key(c.given_name, c.family_name) for c in children}
        self._births = {born for c in children for born in births_of(c.date_of_birth)}
        self._records: dict[int, tuple[str, date, int | None]] = {}
        self._by_key: dict[str, dict[int, Row]] = defaultdict(dict)
        self._by_birth: dict[date, dict[int, Row]] = defaultdict(dict)
        rows = session.execute(
            select(
                ChildRecord.id,
                ChildRecord.name_key,
                ChildRecord.date_of_birth,
                ChildRecord.merged_into_id,
            ).where(
                or_(
                    ChildRecord.name_key.in_(sorted(self._keys)),
                    ChildRecord.date_of_birth.in_(sorted(self._births)),
                    ChildRecord.id.in_(sorted({c for c in self._holders.values() if c})),
                )
            )
        )
        for child_id, key, born, merged in rows:
            self._remember(child_id, key, born, merged)
        self._local_ids: dict[int, list[str]] = defaultdict(list)
        for child_id, value in session.execute(
            select(ChildIdentifier.child_id, ChildIdentifier.value).where(
                ChildIdentifier.kind == LOCAL_CHILD_ID,
                ChildIdentifier.child_id.in_(sorted(self._records)),
            )
        ):
            self._local_ids[child_id].append(value)
        self._matches: set[tuple[int, int]] = set()

    def _remember(self, child_id: int, key: str, born: date, merged: int | None) -> None:
        self._records[child_id] = (key, born, merged)
        if merged is None:
            self._by_key[key][child_id] = (child_id, key, born)
            self._by_birth[born][child_id] = (child_id, key, born)

    def merged_into(self, child_id: int) -> int | None:
        if child_id in self._records:
            return self._records[child_id][2]
        return super().merged_into(child_id)

    def holder(self, kind: str, value: str) -> int | None:
        if (kind, value) in self._holders:
            return self._holders[(kind, value)]
        return super().holder(kind, value)

    def local_ids(self, child_id: int) -> list[str]:
        if child_id in self._records:
            return list(self._local_ids[child_id])
        return super().local_ids(child_id)

    def record(self, child_id: int) -> tuple[str, date]:
        if child_id in self._records:
            key, born, _merged = self._records[child_id]
            return key, born
        return super().record(child_id)

    def alike(self, key: str, born: date) -> list[Row]:
        births = births_of(born)
        if key not in self._keys or not self._births.issuperset(births):
            return super().alike(key, born)
        found = dict(self._by_key[key])
        for day in births:
            found.update(self._by_birth[day])
        return sorted(found.values())

    def create(self, child: Child, key: str, now: datetime) -> int:
        child_id = self.ids.one(ChildRecord)
        self.session.add(ChildRecord(id=child_id, **_child_values(child, key, now)))
        self._remember(child_id, key, child.date_of_birth, None)
        return child_id

    def claim(self, child_id: int, kind: str, value: str) -> None:
        identifier = ChildIdentifier(
            id=self.ids.one(ChildIdentifier), child_id=child_id, kind=kind, value=value
        )
        self.session.add(identifier)
        self._holders[(kind, value)] = child_id
        if kind == LOCAL_CHILD_ID and child_id in self._records:
            self._local_ids[child_id].append(value)

    def match_held(self, child_id: int, candidate_id: int) -> bool:
        if (child_id, candidate_id) in self._matches:
            return True
        with self.session.no_autoflush:  # the chunk's own matches are in `_matches`
            return super().match_held(child_id, candidate_id)

    def add_match(self, match: PossibleMatch) -> None:
        self.session.add(match)  # flushed with the chunk
        self._matches.add((match.child_id, match.candidate_id))


def _child_values(child: Child, key: str, now: datetime) -> dict[str, Any]:
    return {
        "given_name": child.given_name,
        "family_name": child.family_name,
        "name_key": key,
        "date_of_birth": child.date_of_birth,
        "sex": child.sex,
        "ethnicity": child.ethnicity,
        "created_at": now,
    }


def _by_kind(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for kind, value in pairs:
        grouped[kind].append(value)
    return grouped
