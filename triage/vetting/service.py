"""Vetting one notification against the stored history (the service path), and storing it.

The caller owns the transaction. Every engine call goes through the rules adapter's thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.history.features import HistoryFeatures
from triage.history.store import features_as_of
from triage.identity.matching import LOCAL_CHILD_ID, POLICE_PERSON_ID, owner_of
from triage.notification import Notification
from triage.notification.vocabulary import EXPLOITATION_INDICATORS
from triage.rules.book import Rulebook
from triage.store.tables import DecisionRecord, EpisodeRecord, NotificationVersion
from triage.vetting.assemble import assemble
from triage.vetting.decision import Score, VettedDecision, to_json
from triage.vetting.facts import build_fact, suggestions

if TYPE_CHECKING:
    from triage.scoring.model import ScoredModel


class Vetter:
    """Vets notifications with the rulebook's current ruleset."""

    def __init__(
        self, rulebook: Rulebook, *, home_authority: str, model: ScoredModel | None = None
    ) -> None:
        self.rulebook = rulebook
        self.home_authority = home_authority
        self.model = model

    @property
    def model_version(self) -> str:
        """The deployed score's version, or "" when decisions rest on the rules alone."""
        return self.model.version if self.model else ""

    def score(self, fact: dict[str, Any]) -> Score | None:
        return self.model.score(fact) if self.model else None

    def vet(
        self,
        session: Session,
        n: Notification,
        *,
        child_id: int | None,
        episode_id: int | None = None,
    ) -> VettedDecision:
        """The decision for `n` as of when it was sent, given what the store knows."""
        ruleset = self.rulebook.current
        as_of = n.sent_at
        history = (
            features_as_of(session, child_id, n.episode.last_seen_at, exclude_episode_id=episode_id)
            if child_id is not None
            else HistoryFeatures.empty()
        )
        linked = linked_children(session, n, history, child_id)
        suggested = suggestions(n, ruleset)
        fact = build_fact(
            n,
            history.scalars(),
            as_of=as_of,
            ruleset=ruleset,
            home_authority=self.home_authority,
            linked_exploited_children=count_exploited(session, linked, as_of),
            suggested=suggested,
        )
        fired = self.rulebook.engine.evaluate(ruleset.engine_name, fact)
        return assemble(
            n,
            fired,
            fact,
            ruleset=ruleset,
            as_of=as_of,
            suggested=suggested,
            score=self.score(fact),
        )

    def vet_version(self, session: Session, version_id: int, *, now: datetime) -> DecisionRecord:
        """Vet a stored version and keep the decision; an existing one for this ruleset stands."""
        existing = session.scalar(
            select(DecisionRecord).where(
                DecisionRecord.version_id == version_id,
                DecisionRecord.ruleset_version == self.rulebook.current.version,
                DecisionRecord.model_version == self.model_version,
            )
        )
        if existing is not None:
            return existing
        version = session.get_one(NotificationVersion, version_id)
        episode = session.get_one(EpisodeRecord, version.episode_id)
        n = Notification.model_validate(version.payload)
        decision = self.vet(session, n, child_id=episode.child_id, episode_id=episode.id)
        record = DecisionRecord(
            episode_id=episode.id,
            version_id=version.id,
            ruleset_version=decision.ruleset_version,
            model_version=decision.model_version,
            as_of=decision.as_of,
            decided_at=now,
            vetted_level=decision.vetted_level.value,
            classification=decision.classification.value,
            reclassified=decision.reclassified,
            team=decision.team,
            body=to_json(decision),
        )
        session.add(record)
        session.flush()
        return record


def linked_children(
    session: Session, n: Notification, history: HistoryFeatures, child_id: int | None
) -> set[int]:
    """Children seen missing with this one: on this episode, or in the last 365 days."""
    linked = set(history.companion_child_ids)
    for companion in n.episode.companions:
        for kind, value in (
            (LOCAL_CHILD_ID, companion.local_child_id),
            (POLICE_PERSON_ID, companion.police_person_id),
        ):
            if value and (owner := owner_of(session, kind, value)) is not None:
                linked.add(owner)
    if child_id is not None:
        linked.discard(child_id)
    return linked


def count_exploited(session: Session, child_ids: Iterable[int], as_of: datetime) -> int:
    """How many of these children had an exploitation indicator on an episode by `as_of`."""
    ids = list(child_ids)
    if not ids:
        return 0
    rows = session.execute(
        select(EpisodeRecord.child_id, EpisodeRecord.indicators).where(
            EpisodeRecord.child_id.in_(ids), EpisodeRecord.last_seen_at <= as_of
        )
    )
    return len({child for child, indicators in rows if EXPLOITATION_INDICATORS & set(indicators)})
