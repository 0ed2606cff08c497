"""Vetting one notification against the stored history as it was known (the service path).

Storing the decision is `triage.decisions.decide`'s. Every engine call goes through the rules
adapter's thread.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from triage.decisions.models import Score, VettedDecision
from triage.history.features import HistoryFeatures, exploited_as_known
from triage.history.store import disclosed_as_known, exploitation_versions, features_as_of
from triage.identity.matching import LOCAL_CHILD_ID, POLICE_PERSON_ID, owner_of
from triage.intelligence.facts import at_known_hotspot
from triage.notification import Notification
from triage.rules.book import Rulebook
from triage.vetting.assemble import assemble
from triage.vetting.facts import build_fact, suggestions

if TYPE_CHECKING:
    from triage.scoring.model import ScoredModel


class Vetter:
    """Vets notifications with the rulebook's current ruleset (and the score, if deployed)."""

    def __init__(
        self, rulebook: Rulebook, *, home_authority: str, model: ScoredModel | None = None
    ) -> None:
        self.rulebook = rulebook
        self.home_authority = home_authority
        self.model = model

    @property
    def ruleset_version(self) -> str:
        return self.rulebook.current.version

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
        as_of: datetime | None = None,
    ) -> VettedDecision:
        """The decision for `n` as of `as_of` (default: when police sent it), from the child's
        history as it was known then."""
        ruleset = self.rulebook.current
        moment = as_of or n.sent_at
        history = (
            features_as_of(
                session,
                child_id,
                n.episode.last_seen_at,
                exclude_episode_id=episode_id,
                known_at=moment,
            )
            if child_id is not None
            else HistoryFeatures.empty()
        )
        linked = linked_children(session, n, history, child_id)
        suggested = suggestions(n, ruleset)
        fact = build_fact(
            n,
            history.scalars(),
            as_of=moment,
            ruleset=ruleset,
            home_authority=self.home_authority,
            linked_exploited_children=len(
                exploited_as_known(exploitation_versions(session, linked), moment)
            ),
            suggested=suggested,
            disclosed=disclosed_as_known(session, child_id, moment) if child_id else (),
            at_known_hotspot=at_known_hotspot(session, n, moment),
        )
        fired = self.rulebook.engine.evaluate(ruleset.engine_name, fact)
        return assemble(
            n,
            fired,
            fact,
            ruleset=ruleset,
            as_of=moment,
            suggested=suggested,
            score=self.score(fact),
        )


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
