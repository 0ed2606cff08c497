"""Finding a child: by police reference, by an identifier another system holds (the council's
child id, the force's person id), or by name, folded the way identity matching folds it.

A search is audited by what it matched and how many it found, never by what was typed: the
words typed are a child's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from triage.audit.service import Actor, record
from triage.identity.directory import LOCAL_CHILD_ID, POLICE_PERSON_ID, Directory
from triage.identity.names import fold, name_key, similarity
from triage.store.tables import ChildIdentifier, ChildRecord, EpisodeRecord, UserRecord

LIMIT = 50
NAME_ALIKE = 85.0  # a name this alike (0 to 100) is shown as a near match


@dataclass(frozen=True)
class Found:
    child_id: int
    given_name: str
    family_name: str
    date_of_birth: date
    local_ids: tuple[str, ...]
    episodes: int
    newest_reference: str | None
    matched_by: str  # in words: "police reference", "council child id", "name", "similar name"


@dataclass(frozen=True)
class Results:
    query: str
    found: list[Found]
    reference: str | None = None  # the query was exactly this police reference


def search(session: Session, query: str, *, viewer: UserRecord, now: datetime) -> Results:
    text = " ".join(query.split())
    matched: dict[int, str] = {}
    reference = None
    if text:
        directory = Directory(session)
        episode = session.scalar(
            select(EpisodeRecord).where(func.upper(EpisodeRecord.police_reference) == text.upper())
        )
        if episode is not None:
            reference = episode.police_reference
            matched[directory.live(episode.child_id)] = "police reference"
        for kind, said in ((LOCAL_CHILD_ID, "council child id"), (POLICE_PERSON_ID, "police id")):
            if (owner := directory.owner(kind, text)) is not None:
                matched.setdefault(owner, said)
        for child_id, how in _by_name(session, text):
            matched.setdefault(child_id, how)
    found = _describe(session, matched)
    record(
        session,
        Actor.of(viewer),
        "search_children",
        record_type="search",
        record_id="-",
        now=now,
        found=len(found),
        matched_by=sorted({f.matched_by for f in found}),
    )
    return Results(text, found, reference)


def _by_name(session: Session, text: str) -> list[tuple[int, str]]:
    """Children whose folded name is the query's (given then family names, or one name alone),
    then those whose name is alike."""
    words = text.split(" ")
    live = ChildRecord.merged_into_id.is_(None)
    if len(words) == 1:
        one = fold(words[0])
        if not one:
            return []
        ids = session.scalars(
            select(ChildRecord.id).where(
                live,
                or_(ChildRecord.name_key.like(f"{one}|%"), ChildRecord.name_key.like(f"%|{one}")),
            )
        )
        return [(child_id, "name") for child_id in ids][:LIMIT]
    key = name_key(" ".join(words[:-1]), words[-1])
    given, family = key.split("|", 1)
    keyed = session.execute(
        select(ChildRecord.id, ChildRecord.name_key).where(
            live,
            or_(ChildRecord.name_key.like(f"{given}|%"), ChildRecord.name_key.like(f"%|{family}")),
        )
    ).all()
    exact = [(c, "name") for c, k in keyed if k == key]
    alike = sorted(
        (
            (similarity(key, k), c)
            for c, k in keyed
            if k != key and similarity(key, k) >= NAME_ALIKE
        ),
        reverse=True,
    )
    return [*exact, *((c, "similar name") for _score, c in alike)][:LIMIT]


def _describe(session: Session, matched: dict[int, str]) -> list[Found]:
    if not matched:
        return []
    ids = list(matched)[:LIMIT]
    children = {
        c.id: c for c in session.scalars(select(ChildRecord).where(ChildRecord.id.in_(ids)))
    }
    local: dict[int, list[str]] = {}
    for child_id, value in session.execute(
        select(ChildIdentifier.child_id, ChildIdentifier.value).where(
            ChildIdentifier.child_id.in_(ids), ChildIdentifier.kind == LOCAL_CHILD_ID
        )
    ):
        local.setdefault(child_id, []).append(value)
    episodes: dict[int, list[tuple[datetime, str]]] = {}
    for child_id, sent_at, reference in session.execute(
        select(EpisodeRecord.child_id, EpisodeRecord.sent_at, EpisodeRecord.police_reference).where(
            EpisodeRecord.child_id.in_(ids)
        )
    ):
        episodes.setdefault(child_id, []).append((sent_at, reference))
    found = []
    for child_id in ids:
        child = children[child_id]
        held = sorted(episodes.get(child_id, []))
        found.append(
            Found(
                child_id,
                child.given_name,
                child.family_name,
                child.date_of_birth,
                tuple(sorted(local.get(child_id, []))),
                len(held),
                held[-1][1] if held else None,
                matched[child_id],
            )
        )
    return found
