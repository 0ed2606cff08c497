"""Each source's records of episodes, read from the store for the match (`triage.reconciliation
.match`): the police feed as this service holds it, and the extracts as imported.

Police: each episode as police last sent it (its newest version), the child as the service
knows them after identity matching (a record merged into another is that other child), with
every local child id and name the service holds for them. Extracts: each record as its newest
import holds it (a later extract with the same record id corrects it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.identity.directory import LOCAL_CHILD_ID
from triage.identity.names import name_key
from triage.notification.vocabulary import LegalStatus
from triage.reconciliation.match import FOSTER_CARE, Identity, Recorded
from triage.reconciliation.reasons import Source
from triage.reconciliation.tables import ExtractRecord
from triage.store.tables import ChildIdentifier, ChildRecord, EpisodeRecord, NotificationVersion
from triage.vetting.facts import authority_key

LOOKED_AFTER = LegalStatus.LOOKED_AFTER.value


def records_between(
    session: Session, start: datetime, end: datetime, *, home_authority: str
) -> list[Recorded]:
    """Every source's records of episodes that started in [`start`, `end`)."""
    return [
        *police_records(session, start, end, home_authority=home_authority),
        *extract_records(session, start, end, home_authority=home_authority),
    ]


def _placed_elsewhere(legal_status: str | None, authority: str | None, home: str) -> bool:
    if legal_status != LOOKED_AFTER or not authority:
        return False
    return authority_key(authority) != authority_key(home)


def police_records(
    session: Session, start: datetime, end: datetime, *, home_authority: str
) -> list[Recorded]:
    newest = (
        select(
            NotificationVersion.episode_id,
            NotificationVersion.payload,
            func.row_number()
            .over(
                partition_by=NotificationVersion.episode_id,
                order_by=(NotificationVersion.sent_at.desc(), NotificationVersion.version.desc()),
            )
            .label("place"),
        )
        .join(EpisodeRecord, EpisodeRecord.id == NotificationVersion.episode_id)
        .where(EpisodeRecord.last_seen_at >= start, EpisodeRecord.last_seen_at < end)
        .subquery("newest")
    )
    rows = session.execute(
        select(
            EpisodeRecord.police_reference,
            EpisodeRecord.child_id,
            EpisodeRecord.police_classification,
            EpisodeRecord.last_seen_at,
            EpisodeRecord.returned_at,
            newest.c.payload,
        )
        .join(newest, newest.c.episode_id == EpisodeRecord.id)
        .where(newest.c.place == 1)
        .order_by(EpisodeRecord.last_seen_at, EpisodeRecord.id)
    ).all()
    root = _roots(session)
    people = _identities(session, {root.get(r.child_id, r.child_id) for r in rows}, root)
    names: dict[int, set[str]] = defaultdict(set)
    local: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        child = _child(row.payload)
        key = root.get(row.child_id, row.child_id)
        if child.get("given_name") and child.get("family_name"):
            names[key].add(name_key(str(child["given_name"]), str(child["family_name"])))
        if child.get("local_child_id"):
            local[key].add(str(child["local_child_id"]))
    out = []
    for row in rows:
        child = _child(row.payload)
        key = root.get(row.child_id, row.child_id)
        ids, known_names, born = people[key]
        legal = child.get("legal_status")
        out.append(
            Recorded(
                source=Source.POLICE,
                key=row.police_reference,
                child=str(key),
                identity=Identity(
                    frozenset(ids | local[key]), frozenset(known_names | names[key]), born
                ),
                kind=row.police_classification,
                started=row.last_seen_at,
                ended=row.returned_at,
                legal_status=legal,
                placed_elsewhere=_placed_elsewhere(
                    legal, child.get("responsible_authority"), home_authority
                ),
                fostered=legal == LOOKED_AFTER and child.get("placement_type") == FOSTER_CARE,
            )
        )
    return out


def _child(payload: dict[str, Any] | None) -> dict[str, Any]:
    child = (payload or {}).get("child")
    return child if isinstance(child, dict) else {}


def _roots(session: Session) -> dict[int, int]:
    """Each merged child record's surviving record (followed to its end)."""
    merged: dict[int, int] = {
        child: survivor
        for child, survivor in session.execute(
            select(ChildRecord.id, ChildRecord.merged_into_id).where(
                ChildRecord.merged_into_id.is_not(None)
            )
        ).all()
        if survivor is not None
    }
    roots = {}
    for child in merged:
        seen, at = {child}, merged[child]
        while at in merged and at not in seen:
            seen.add(at)
            at = merged[at]
        roots[child] = at
    return roots


def _identities(
    session: Session, keys: set[int], root: dict[int, int]
) -> dict[int, tuple[set[str], set[str], Any]]:
    """For each surviving child record: the local child ids and name keys of it and of the
    records merged into it, and its date of birth."""
    members: dict[int, set[int]] = {k: {k} for k in keys}
    for child, survivor in root.items():
        if survivor in members:
            members[survivor].add(child)
    every = sorted(set().union(*members.values())) if members else []
    names: dict[int, set[str]] = defaultdict(set)
    births: dict[int, Any] = {}
    ids: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(every):
        for child_id, key, born in session.execute(
            select(ChildRecord.id, ChildRecord.name_key, ChildRecord.date_of_birth).where(
                ChildRecord.id.in_(chunk)
            )
        ):
            survivor = root.get(child_id, child_id)
            names[survivor].add(key)
            if child_id == survivor:
                births[survivor] = born
        for child_id, value in session.execute(
            select(ChildIdentifier.child_id, ChildIdentifier.value).where(
                ChildIdentifier.child_id.in_(chunk), ChildIdentifier.kind == LOCAL_CHILD_ID
            )
        ):
            ids[root.get(child_id, child_id)].add(value)
    return {k: (ids[k], names[k], births.get(k)) for k in keys}


def _chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    return (ids[k : k + size] for k in range(0, len(ids), size))


def extract_records(
    session: Session, start: datetime, end: datetime, *, home_authority: str
) -> list[Recorded]:
    ranked = select(
        ExtractRecord,
        func.row_number()
        .over(
            partition_by=(ExtractRecord.source, ExtractRecord.record_id),
            order_by=ExtractRecord.id.desc(),
        )
        .label("place"),
    ).subquery("ranked")
    rows = session.execute(
        select(ranked)
        .where(ranked.c.place == 1, ranked.c.started_at >= start, ranked.c.started_at < end)
        .order_by(ranked.c.started_at, ranked.c.id)
    ).all()
    out = []
    for r in rows:
        source = Source(r.source)
        out.append(
            Recorded(
                source=source,
                key=r.record_id,
                child=r.local_child_id or f"{source.value}:{r.record_id}",
                identity=Identity(
                    frozenset({r.local_child_id} - {None}),
                    frozenset({name_key(r.given_name, r.family_name)}),
                    r.date_of_birth,
                ),
                kind=r.category,
                started=_aware(r.started_at),
                ended=_aware(r.ended_at) if r.ended_at else None,
                legal_status=r.legal_status,
                placed_elsewhere=_placed_elsewhere(
                    r.legal_status, r.responsible_authority, home_authority
                ),
                fostered=r.placement_type == FOSTER_CARE,
            )
        )
    return out


def _aware(moment: datetime) -> datetime:
    """A time read through a subquery's column, aware and in UTC whatever the database."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
